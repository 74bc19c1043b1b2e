import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { NS, fhirPackageTgz, oppgaveFiles, oppgavePasientProfile, zipPackage } from '../support/profile-package.js';
import { ADMIN_TOKEN, clientOf, registerVendor, type TestService } from '../support/service.js';

const ID = 'eksempel-oppgave';
const FHIR_ID = 'oppgave-pasient';
const work = mkdtempSync(path.join(tmpdir(), 'samsvar-profile-store-'));
const keysDir = mkdtempSync(path.join(work, 'keys-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function body(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

const oppgave = (status: string) =>
  new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Oppgave xmlns="${NS}"><Id>7</Id><Status V="${status}" S="2.999.1.1"/></Oppgave>\n`,
  );

/** Version 1.1.0: status 3 (Avbrutt) joins the code list. */
const v110 = () =>
  oppgaveFiles({
    version: '1.1.0',
    files: {
      'codelists/oppgavestatus.json': JSON.stringify({
        oid: '2.999.1.1',
        name: 'Oppgavestatus',
        codes: [
          { code: '1', display: 'Ny' },
          { code: '2', display: 'Ferdig' },
          { code: '3', display: 'Avbrutt' },
        ],
      }),
    },
  });

/** A FHIR package (npm layout) with one Patient profile that requires birthDate. */
const fhirPackage = () => fhirPackageTgz('samsvar.test.lager', '1.0.0', oppgavePasientProfile({ id: FHIR_ID }));

describe.each(dialectsUnderTest())('imported profiles live in the database, not in one data directory ($name)', (dialect) => {
  let db: TestDatabase;
  const services: RunningService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
    await db?.drop();
  });

  /** An instance over the test's database with a data directory of its own (or the given one). */
  async function instance(dataDir = mkdtempSync(path.join(work, `${dialect.name}-data-`))): Promise<TestService> {
    const service = await startService(
      {
        port: 0,
        maxBodyBytes: 25 * 1024 * 1024,
        rateLimitPerMinute: 1000,
        adminToken: ADMIN_TOKEN,
        validationWorkers: 1,
        ...db.config,
        dataDir,
      },
      // The administrators' profile routes come with the declarations feature (re-test deadlines are theirs).
      { hostname: '127.0.0.1', log: () => {}, routeModules: await declarationModules({ dataDir: keysDir }) },
    );
    services.push(service);
    return clientOf(service);
  }
  const validate = async (t: TestService, bytes: Uint8Array, query = `?profile=${ID}`) =>
    body(await t.call('POST', `/api/v1/validate${query}`, { body: bytes as BodyInit, contentType: 'application/xml' }), 200);
  const fhirValid = async (t: TestService, resource: Record<string, unknown>) =>
    (
      await body(
        await t.call('POST', `/api/v1/validate?profile=${FHIR_ID}`, {
          body: JSON.stringify(resource),
          contentType: 'application/fhir+json',
        }),
        200,
      )
    ).valid;
  const importPackage = (t: TestService, bytes: Uint8Array, contentType: string, token = ADMIN_TOKEN) =>
    t.call('POST', '/api/v1/admin/profiles', { token, body: bytes as BodyInit, contentType });

  it.runIf(dialect.name === 'postgres')(
    'two instances over one PostgreSQL database: imported on one, validated and activated on the other',
    { timeout: 120_000 },
    async () => {
      db = await dialect.create();
      const a = await instance();
      const b = await instance();
      expect((await importPackage(a, zipPackage(oppgaveFiles()), 'application/zip', (await registerVendor(a)).token)).status).toBe(403);
      await body(await importPackage(a, zipPackage(oppgaveFiles()), 'application/zip'), 201);
      // B never saw the package: it serves it from the database, with its test case.
      expect(await validate(b, oppgave('1'))).toMatchObject({ valid: true, profile: ID, profileVersion: '1.0.0' });
      expect((await body(await b.call('GET', `/api/v1/profiles/${ID}`), 200)).status).toBe('draft');
      expect((await body(await b.call('GET', '/api/v1/testcases/eksempel-oppgave-ny'), 200)).profile).toBe(ID);

      // A new version imported and activated on B is what A validates with, detection included.
      await body(await importPackage(b, zipPackage(v110()), 'application/zip'), 201);
      expect((await validate(a, oppgave('3'))).valid).toBe(false);
      await body(
        await b.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.1.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
        200,
      );
      expect(await validate(a, oppgave('3'), '')).toMatchObject({ valid: true, profile: ID, profileVersion: '1.1.0' });
      const versions = (await body(await a.call('GET', `/api/v1/admin/profiles/${ID}/versions`, { token: ADMIN_TOKEN }), 200)).items;
      expect(versions.map((v: { version: string; served: boolean }) => [v.version, v.served])).toEqual([
        ['1.0.0', false],
        ['1.1.0', true],
      ]);
      // A diffs against a version only B had on disk.
      const diff = await body(await a.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=1.0.0&to=1.1.0`, { token: ADMIN_TOKEN }), 200);
      expect(diff.codelists).toEqual([{ oid: '2.999.1.1', added: ['3'], removed: [], changed: [] }]);

      // A FHIR package imported on A: B validates with its profile and the package's resources.
      await body(await importPackage(a, await fhirPackage(), 'application/gzip'), 201);
      expect(await fhirValid(b, { resourceType: 'Patient', birthDate: '1970-01-01' })).toBe(true);
      expect(await fhirValid(b, { resourceType: 'Patient' })).toBe(false);

      // A third instance started with an empty data directory serves the same.
      const c = await instance();
      expect(await validate(c, oppgave('3'))).toMatchObject({ valid: true, profileVersion: '1.1.0' });
      expect(await fhirValid(c, { resourceType: 'Patient', birthDate: '1970-01-01' })).toBe(true);
    },
  );

  it('a restart whose profiles folder is gone serves the imported profiles from the database', { timeout: 120_000 }, async () => {
    for (const s of services.splice(0)) await s.close();
    await db?.drop();
    db = await dialect.create();
    // SQLite keeps its database file in the data directory: only the profiles folder goes.
    const dataDir = db.config.dataDir;
    const first = await instance(dataDir);
    await body(await importPackage(first, zipPackage(oppgaveFiles()), 'application/zip'), 201);
    await body(await importPackage(first, zipPackage(v110()), 'application/zip'), 201);
    await body(
      await first.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.1.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
      200,
    );
    await body(await importPackage(first, await fhirPackage(), 'application/gzip'), 201);
    await first.stop();
    rmSync(path.join(dataDir, 'profiles'), { recursive: true, force: true });

    const again = await instance(dataDir);
    expect(await validate(again, oppgave('3'))).toMatchObject({ valid: true, profile: ID, profileVersion: '1.1.0' });
    expect((await body(await again.call('GET', '/api/v1/testcases/eksempel-oppgave-ny'), 200)).profile).toBe(ID);
    expect(await fhirValid(again, { resourceType: 'Patient', birthDate: '1970-01-01' })).toBe(true);
    expect(await fhirValid(again, { resourceType: 'Patient' })).toBe(false);
    const diff = await body(await again.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=1.0.0&to=1.1.0`, { token: ADMIN_TOKEN }), 200);
    expect(diff.codelists[0].added).toEqual(['3']);
  });
});
