import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../declarations/fixtures.js';
import { run, systemVersion } from '../server/declaration-helpers.js';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../support/service.js';
import { startWebService } from './web-service.js';

/** A deadline an administrator picks as a date on /forvaltning is the end of that day in Norway, summer and winter. */
describe('deadlines chosen as dates on the administrators’ pages', () => {
  let t: TestService;
  let cookie: string;

  beforeAll(async () => {
    t = await startWebService();
    const res = await fetch(`${t.url}/forvaltning/logg-inn`, {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN_TOKEN }),
      redirect: 'manual',
    });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a spot check due on a summer day (CEST) or a winter day (CET) ends at 23:59:59 Norwegian time that day', async () => {
    const vendor = await registerVendor(t, 'Frist Journal AS');
    const runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'FristJournal', '1.0'));
    const decl = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as {
      id: string;
      declaration: { testCases: { id: string }[] };
    };
    const page = await (await fetch(`${t.url}/forvaltning/erklaeringer`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const year = new Date().getUTCFullYear() + 1;
    for (const frist of [`${year}-06-30`, `${year}-01-15`]) {
      const res = await fetch(`${t.url}/forvaltning/erklaeringer/${decl.id}/stikkprove`, {
        method: 'POST',
        headers: { cookie },
        body: new URLSearchParams({ _csrf: csrf, testtilfelle: decl.declaration.testCases[0]!.id, frist }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
    }
    const checks = (await (await t.call('GET', `/api/v1/declarations/${decl.id}/spot-checks`, { token: ADMIN_TOKEN })).json()) as {
      deadline: string;
    }[];
    expect(checks.map((c) => c.deadline).sort()).toEqual([`${year}-01-15T22:59:59.000Z`, `${year}-06-30T21:59:59.000Z`]);
  });
});
