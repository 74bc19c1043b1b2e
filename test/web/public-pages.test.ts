import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type TestService } from '../support/service.js';
import { startWebService } from './web-service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';

/** The public pages say what the administrators decided, not what a profile's manifest shipped with. */
describe("a profile's public page and its lifecycle status", () => {
  let t: TestService;
  const setStatus = async (status: string) =>
    expect(
      (await t.call('POST', `/api/v1/profiles/${PROFILE}/status`, { token: ADMIN_TOKEN, json: { status, reason: 'test' } })).status,
    ).toBe(200);
  const statusOnPage = async () => {
    const html = await (await t.call('GET', `/profiler/${PROFILE}`)).text();
    return /<dt>Status<\/dt><dd>([^<]*)<\/dd>/.exec(html)?.[1];
  };

  beforeAll(async () => {
    t = await startWebService();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('shows the status the administrators set, and hides a profile they moved back to draft as the catalogue does', async () => {
    expect(await statusOnPage()).toBe('aktiv');
    await setStatus('retired');
    expect(await statusOnPage()).toBe('faset ut');
    await setStatus('deprecated');
    expect(await statusOnPage()).toBe('foreldet');
    await setStatus('draft');
    expect((await t.call('GET', `/profiler/${PROFILE}`)).status).toBe(404);
    expect(await (await t.call('GET', '/profiler')).text()).not.toContain(`href="/profiler/${PROFILE}"`);
    await setStatus('active');
    expect(await statusOnPage()).toBe('aktiv');
  });
});
