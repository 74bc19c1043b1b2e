import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

const CSV = 'OID;Kode;Tekst;Gyldig fra;Gyldig til\n2.16.578.1.12.4.1.1.8258;1;OK;01.01.2004;\n2.16.578.1.12.4.1.1.8258;2;Avvist;;\n';

describe.each(dialectsUnderTest())('POST /admin/codelists: code lists from CSV ($name)', (dialect) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(dialect);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("turns an administrator's CSV into code list files", async () => {
    const res = await t.call('POST', '/api/v1/admin/codelists', { token: ADMIN_TOKEN, body: CSV, contentType: 'text/csv; charset=utf-8' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({
      codelists: [
        {
          file: 'codelists/8258.json',
          codelist: {
            oid: '2.16.578.1.12.4.1.1.8258',
            name: '2.16.578.1.12.4.1.1.8258',
            codes: [
              { code: '1', display: 'OK', validFrom: '2004-01-01' },
              { code: '2', display: 'Avvist' },
            ],
          },
        },
      ],
    });
  });

  it('refuses a bad file with every problem listed, a vendor token, no token and another media type', async () => {
    const bad = await t.call('POST', '/api/v1/admin/codelists', {
      token: ADMIN_TOKEN,
      body: 'oid,code,display\n1.2,A,x\n1.2,A,y\n',
      contentType: 'text/csv',
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { problems: string[] }).problems).toEqual(['line 3: code "A" of 1.2 appears already on line 2']);
    const vendor = await registerVendor(t);
    expect((await t.call('POST', '/api/v1/admin/codelists', { token: vendor.token, body: CSV, contentType: 'text/csv' })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/admin/codelists', { body: CSV, contentType: 'text/csv' })).status).toBe(401);
    expect(
      (await t.call('POST', '/api/v1/admin/codelists', { token: ADMIN_TOKEN, body: CSV, contentType: 'application/json' })).status,
    ).toBe(415);
  });
});
