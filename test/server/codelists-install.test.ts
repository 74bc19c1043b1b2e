import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { dialectsUnderTest } from '../support/databases.js';
import { NS, oppgaveFiles, zipPackage } from '../support/profile-package.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

const ID = 'eksempel-oppgave';
const OID = '2.999.1.1';
/** Oppgavestatus as the national export has it after a change: 2 renamed, 3 added. */
const CSV = `OID;Kode;Tekst;Kodeverknavn\n${OID};1;Ny;Oppgavestatus\n${OID};2;Fullført;Oppgavestatus\n${OID};3;Avbrutt;Oppgavestatus\n`;
const message = (status: string) =>
  new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Oppgave xmlns="${NS}"><Id>7</Id><Status V="${status}" S="${OID}"/></Oppgave>\n`,
  );

async function body(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

describe.each(dialectsUnderTest())('POST /admin/codelists?profile=: code lists installed as a new profile version ($name)', (dialect) => {
  let t: TestService;
  const install = (query: string, csv = CSV, token = ADMIN_TOKEN) =>
    t.call('POST', `/api/v1/admin/codelists${query}`, { token, body: csv, contentType: 'text/csv' });
  const validate = async (status: string) =>
    body(
      await t.call('POST', `/api/v1/validate?profile=${ID}`, { body: message(status) as BodyInit, contentType: 'application/xml' }),
      200,
    );

  beforeAll(async () => {
    t = await startTestService(
      dialect,
      {},
      { routeModules: await declarationModules({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-keys-')) }) },
    );
    await body(
      await t.call('POST', '/api/v1/admin/profiles', {
        token: ADMIN_TOKEN,
        body: zipPackage(oppgaveFiles()) as BodyInit,
        contentType: 'application/zip',
      }),
      201,
    );
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.0.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
      200,
    );
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is for administrators only, and names the new version', async () => {
    const vendor = await registerVendor(t);
    expect((await install(`?profile=${ID}&version=1.1.0`, CSV, vendor.token)).status).toBe(403);
    expect((await body(await install(`?profile=${ID}`), 422)).detail).toMatch(/version/);
    expect((await install(`?profile=no-such&version=1.1.0`)).status).toBe(404);
    expect((await install(`?version=1.1.0`)).status).toBe(422);
  });

  it('makes a draft version with the new list; activated, the service validates with it', async () => {
    expect((await validate('3')).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('CODELIST-VALUE');
    const out = await body(await install(`?profile=${ID}&version=1.1.0`), 201);
    expect(out.codelists[0].codelist.codes).toHaveLength(3);
    expect(out.profile).toEqual(expect.objectContaining({ id: ID, version: '1.1.0', status: 'draft', created: true, testcases: 1 }));
    // Still a draft: the catalog serves 1.0.0, where 3 is no code.
    expect((await validate('3')).valid).toBe(false);
    const diff = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=1.0.0&to=1.1.0`, { token: ADMIN_TOKEN }), 200);
    expect(JSON.stringify(diff)).toMatch(/Avbrutt|"3"/);
    // The same CSV again: the same content, nothing changes; another list under 1.1.0 is refused (immutable).
    expect((await body(await install(`?profile=${ID}&version=1.1.0`), 200)).profile.created).toBe(false);
    expect((await install(`?profile=${ID}&version=1.1.0`, `OID;Kode;Tekst\n${OID};1;Ny\n${OID};2;Ferdig\n${OID};4;Annet\n`)).status).toBe(
      409,
    );
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.1.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
      200,
    );
    const served = await validate('3');
    expect(served.valid).toBe(true);
    // The test case came along with the profile.
    expect((await body(await t.call('GET', '/api/v1/testcases/eksempel-oppgave-ny'), 200)).profile).toBe(ID);
  });

  it('goes through the package checks: a list that makes a valid example fail is refused and nothing is kept', async () => {
    const res = await body(await install(`?profile=${ID}&version=1.2.0`, `OID;Kode;Tekst\n${OID};9;Noe annet\n`), 422);
    expect(res.problems).toEqual([expect.objectContaining({ check: 'example', file: 'examples/valid/ny.xml' })]);
    const versions = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/versions`, { token: ADMIN_TOKEN }), 200);
    expect(versions.items.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it("adds a list for a new OID to the profile's code lists", async () => {
    const out = await body(await install(`?profile=${ID}&version=1.3.0&from=1.1.0`, 'OID,code,display\n2.999.1.2,A,Alfa\n'), 201);
    expect(out.profile.version).toBe('1.3.0');
    const diff = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=1.1.0&to=1.3.0`, { token: ADMIN_TOKEN }), 200);
    expect(JSON.stringify(diff)).toContain('2.999.1.2');
  });

  it("applies validFrom/validTo from the CSV: a code outside its dates on the message's date is CODELIST-VALUE", async () => {
    const csv = `OID;Kode;Tekst;Gyldig fra;Gyldig til\n${OID};1;Ny;;\n${OID};2;Fullført;;31.12.2020\n${OID};3;Avbrutt;01.01.2999;\n`;
    await body(await install(`?profile=${ID}&version=1.4.0&from=1.1.0`, csv), 201);
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.4.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
      200,
    );
    expect((await validate('1')).valid).toBe(true);
    const expired = await validate('2');
    expect(expired.valid).toBe(false);
    expect(expired.findings.find((f: { ruleId: string }) => f.ruleId === 'CODELIST-VALUE').message).toMatch(
      /V="2" .* is expired on the message's date \d{4}-\d{2}-\d{2}: it is valid to 2020-12-31/,
    );
    const early = await validate('3');
    expect(early.findings.find((f: { ruleId: string }) => f.ruleId === 'CODELIST-VALUE').message).toMatch(
      /is not yet valid .* valid from 2999-01-01/,
    );
  });
});
