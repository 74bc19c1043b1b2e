import { HtmlValidate, type Message } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../declarations/fixtures.js';
import { confirmByLab, run, systemVersion } from '../server/declaration-helpers.js';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../support/service.js';
import { startWebService } from './web-service.js';

/**
 * Every page samsvar serves, and the HTML rendering of a declaration, is valid HTML as
 * html-validate judges it (its "standard" rules: the HTML standard, without style preferences).
 * Needs no browser.
 */
describe('the HTML samsvar serves passes an HTML checker', () => {
  let t: TestService;
  let declarationId: string;
  let vendorToken: string;
  const checker = new HtmlValidate({ extends: ['html-validate:standard'] });

  const problems = async (html: string): Promise<string[]> => {
    const report = await checker.validateString(html);
    return report.results.flatMap((r) => r.messages.map((m: Message) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
  };

  /** Signs in through the form as a browser would and returns the session cookie. */
  const session = async (path: '/forvaltning' | '/leverandor', token: string): Promise<string> => {
    const res = await fetch(`${t.url}${path}/logg-inn`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    const cookie = res.headers.get('set-cookie');
    if (!cookie) throw new Error(`no session from ${path}/logg-inn: HTTP ${res.status}`);
    return cookie.split(';')[0]!;
  };

  beforeAll(async () => {
    t = await startWebService();
    const vendor = await registerVendor(t, 'Gyldig Markup AS');
    vendorToken = vendor.token;
    const runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'MarkupJournal', '1.0'));
    declarationId = (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as { id: string }
    ).id;
    const lab = (await (
      await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Markup Testlab AS' } })
    ).json()) as { token: string };
    expect((await confirmByLab(t, lab.token, declarationId)).status).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('the public pages and the declaration rendering', async () => {
    const pages = [
      '/',
      '/register',
      `/erklaering/${declarationId}`,
      '/profiler',
      '/validering',
      '/forvaltning',
      '/leverandor',
      `/api/v1/declarations/${declarationId}.html`,
    ];
    for (const p of pages) {
      const res = await fetch(`${t.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(await problems(await res.text()), p).toEqual([]);
    }
  });

  it("the administrators' and vendors' pages", async () => {
    const admin = await session('/forvaltning', ADMIN_TOKEN);
    for (const p of [
      '/forvaltning',
      '/forvaltning/erklaeringer',
      '/forvaltning/leverandorer',
      '/forvaltning/profiler',
      '/forvaltning/revisjon',
      '/forvaltning/kravsett',
    ]) {
      const res = await fetch(`${t.url}${p}`, { headers: { cookie: admin } });
      expect(res.status, p).toBe(200);
      expect(await problems(await res.text()), p).toEqual([]);
    }
    const vendor = await session('/leverandor', vendorToken);
    const res = await fetch(`${t.url}/leverandor`, { headers: { cookie: vendor } });
    expect(res.status).toBe(200);
    expect(await problems(await res.text())).toEqual([]);
  });

  it('can fail: a page with a duplicate id and a stray end tag is refused', async () => {
    expect(
      await problems(
        '<!DOCTYPE html><html lang="nb"><head><title>x</title></head><body><p id="a">1</p><p id="a">2</p></div></body></html>',
      ),
    ).not.toEqual([]);
  });
});
