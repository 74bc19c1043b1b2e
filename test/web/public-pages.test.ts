import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../support/service.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { run, systemVersion } from '../server/declaration-helpers.js';
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

  it('counts on the front page the profiles the catalogue shows: one moved back to draft is not counted', async () => {
    const counted = async () => Number(/ordningen har (\d+) meldingsprofiler/.exec(await (await t.call('GET', '/')).text())?.[1]);
    const before = await counted();
    await setStatus('draft');
    expect(await counted()).toBe(before - 1);
    await setStatus('active');
    expect(await counted()).toBe(before);
  });
});

describe('a declaration page', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startWebService();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('marks a test case that passed only because an administrator waived a rule, next to its evidence', async () => {
    const vendor = await registerVendor(t, 'Avvik Journal AS');
    const runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'AvvikJournal', '1.0'), { wrongAppRec: true });
    const status = (await (await t.call('GET', `/api/v1/runs/${runId}`, { token: vendor.token })).json()) as {
      profiles: { testcases: { verdict: string; latestSubmission: { id: string } }[] }[];
    };
    const failed = status.profiles[0]!.testcases.find((tc) => tc.verdict === 'failed')!;
    const sub = (await (
      await t.call('GET', `/api/v1/runs/${runId}/submissions/${failed.latestSubmission.id}`, { token: vendor.token })
    ).json()) as {
      findings: { severity: string; ruleId: string }[];
    };
    const rules = [...new Set(sub.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();
    for (const ruleId of rules) {
      const w = await t.call('POST', `/api/v1/runs/${runId}/waivers`, {
        token: ADMIN_TOKEN,
        json: { ruleId, justification: 'Rettes i neste versjon', deadline: new Date(Date.now() + 30 * 86_400_000).toISOString() },
      });
      expect(w.status).toBe(201);
    }
    const issued = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
    expect(issued.status).toBe(201);
    const { id } = (await issued.json()) as { id: string };
    const page = await (await t.call('GET', `/erklaering/${id}`)).text();
    expect(page).toContain(`bestått med avvik: ${rules.join(', ')}`);
    // The Hodemelding rules the tests also applied are named beside the profile's own checksum.
    const msghead = (await (await t.call('GET', '/api/v1/profiles/msghead-1.2')).json()) as { version: string; sha256: string };
    expect(page).toContain(`med reglene i msghead-1.2 ${msghead.version}: <code class="digest">${msghead.sha256}</code>`);
  });
});
