import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../declarations/fixtures.js';
import { runCli } from '../helpers/cli-run.js';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { revalidationFeature } from '../../src/server/routes/revalidation-feature.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { ADMIN_TOKEN, clientOf, registerVendor, type TestService } from '../support/service.js';
import { PROFILE, run as passedRun, systemVersion } from './declaration-helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEND = 'dialogmelding-1.1-foresporsel-send';
const SHIPPED_VERSION = '1.1.1';
const work = mkdtempSync(path.join(tmpdir(), 'samsvar-shipped-version-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function body(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

/** The shipped example failed by DLG-0008 (period reversed), as the system would send it in the run. */
function reversedPeriod(testData: { patient: { fnr: string } }): Buffer {
  return Buffer.from(
    readFileSync(path.join(ROOT, 'profiles', PROFILE, 'examples', 'invalid', 'DLG-0008--period-reversed.xml'), 'utf8')
      .replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${randomUUID()}</MsgId>`)
      .replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${osloDateTime(new Date())}</GenDate>`)
      .replaceAll('<Id>8142987</Id>', '<Id>8999911</Id>')
      .replaceAll('<Id>8094866</Id>', '<Id>8999901</Id>')
      .replaceAll('<Id>15450210185</Id>', `<Id>${testData.patient.fnr}</Id>`),
  );
}

/** The entries of GET /profiles (grouped by standard and version) for the profile. */
function listed(catalogue: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ((v as { id?: unknown }).id === PROFILE && 'sha256' in v) out.push(v as Record<string, unknown>);
      else Object.values(v).forEach(walk);
    }
  };
  walk(catalogue);
  return out;
}

describe.each(dialectsUnderTest())('a new version of a shipped profile, published over HTTP ($name)', (dialect) => {
  let db: TestDatabase;
  let service: RunningService;
  let t: TestService;
  const keysDir = mkdtempSync(path.join(work, 'keys-'));

  async function start(): Promise<void> {
    const reval = revalidationFeature({ chunkSize: 4 });
    service = await startService(
      { port: 0, maxBodyBytes: 25 * 1024 * 1024, rateLimitPerMinute: 1000, adminToken: ADMIN_TOKEN, validationWorkers: 1, ...db.config },
      {
        hostname: '127.0.0.1',
        log: () => {},
        routeModules: [...(await declarationModules({ dataDir: keysDir })), ...reval.modules],
        backgroundTasks: reval.backgroundTasks,
      },
    );
    t = clientOf(service);
  }

  beforeAll(async () => {
    db = await dialect.create();
    await start();
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  /** The shipped package as downloaded, with DLG-0008 fixed to accept any period, as version 1.1.2 (.tgz). */
  async function ruleFix(): Promise<Uint8Array> {
    const res = await t.call('GET', `/api/v1/profiles/${PROFILE}/package`);
    expect(res.status).toBe(200);
    const dir = mkdtempSync(path.join(work, `${dialect.name}-pkg-`));
    writeFileSync(`${dir}.tgz`, Buffer.from(await res.arrayBuffer()));
    await extract({ file: `${dir}.tgz`, cwd: dir });
    const profileDir = path.join(dir, 'profiles', PROFILE);
    const manifestFile = path.join(profileDir, 'profile.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    expect(manifest.version).toBe(SHIPPED_VERSION);
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, version: '1.1.2' }, null, 2));
    const sch = path.join(profileDir, 'rules', 'dialogmelding.sch');
    const fixed = readFileSync(sch, 'utf8').replace(/test="not\(dia:FraDato and dia:TilDato\)[^"]*"/, 'test="true()"');
    expect(fixed).not.toBe(readFileSync(sch, 'utf8'));
    writeFileSync(sch, fixed);
    // The example of the old rule's failure passes now: it is no longer an invalid example.
    rmSync(path.join(profileDir, 'examples', 'invalid', 'DLG-0008--period-reversed.xml'));
    await create({ file: `${dir}-fix.tgz`, cwd: dir, gzip: true }, ['samsvar-package.json', 'profiles', 'testcases']);
    return readFileSync(`${dir}-fix.tgz`);
  }

  it(
    'imports as a draft, activates in place of the shipped version for runs, validation, detection, the catalog, the package and the CLI; re-tests and re-validation follow; the shipped version stays addressable',
    { timeout: 180_000 },
    async () => {
      const vendor = await registerVendor(t);
      // Before: a vendor passes the shipped version and is declared against it.
      const sv = await systemVersion(t, vendor.token, 'EPJ', '1.0');
      const passed = await passedRun(t, vendor.token, sv);
      const decl = await body(await t.call('POST', `/api/v1/runs/${passed}/declaration`, { token: vendor.token, json: ISSUANCE }), 201);
      // … and a message with a reversed period fails DLG-0008 (stored, to be re-validated later).
      const trial = await body(
        await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: sv, profiles: [PROFILE] } }),
        201,
      );
      expect(trial.profiles[0]).toMatchObject({ profile: PROFILE, version: SHIPPED_VERSION });
      const failed = await body(
        await t.call('POST', `/api/v1/runs/${trial.id}/submissions?testcase=${SEND}`, {
          token: vendor.token,
          body: reversedPeriod(trial.testData) as BodyInit,
          contentType: 'application/xml',
        }),
        201,
      );
      expect(failed.verdict).toBe('failed');
      expect(failed.findings.filter((f: { severity: string }) => f.severity === 'error').map((f: { ruleId: string }) => f.ruleId)).toEqual([
        'DLG-0008',
      ]);
      const shipped = await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200);
      expect(shipped.version).toBe(SHIPPED_VERSION);
      expect(listed(await body(await t.call('GET', '/api/v1/profiles'), 200))).toEqual([
        expect.objectContaining({ version: SHIPPED_VERSION, source: 'shipped' }),
      ]);

      // The rule fix as a package: refused for a vendor, a draft for the administrator.
      const pkg = await ruleFix();
      const post = (token: string) =>
        t.call('POST', '/api/v1/admin/profiles', { token, body: pkg as BodyInit, contentType: 'application/gzip' });
      expect((await post(vendor.token)).status).toBe(403);
      const imported = (await body(await post(ADMIN_TOKEN), 201)).profiles[0];
      expect(imported).toMatchObject({ id: PROFILE, version: '1.1.2', status: 'draft', created: true });
      expect(imported.sha256).not.toBe(shipped.sha256);
      expect((await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200)).version).toBe(SHIPPED_VERSION);
      const diff = await body(
        await t.call('GET', `/api/v1/admin/profiles/${PROFILE}/diff?from=${SHIPPED_VERSION}&to=1.1.2`, { token: ADMIN_TOKEN }),
        200,
      );
      expect(diff.rules.changed).toEqual([{ id: 'DLG-0008', what: ['test'] }]);
      // The draft's package is the administrators' only.
      const draftPackage = `/api/v1/profiles/${PROFILE}/package?version=1.1.2`;
      expect((await t.call('GET', draftPackage)).status).toBe(401);
      expect((await t.call('GET', draftPackage, { token: vendor.token })).status).toBe(403);
      const asAdmin = await t.call('GET', draftPackage, { token: ADMIN_TOKEN });
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.headers.get('x-samsvar-profile-sha256')).toBe(imported.sha256);
      await asAdmin.arrayBuffer();

      // Activation: refused for a vendor; for the administrator it publishes 1.1.2 with a re-test deadline.
      const deadline = new Date(Date.now() + 60 * 86_400_000).toISOString();
      const activate = (token: string) =>
        t.call('POST', `/api/v1/admin/profiles/${PROFILE}/versions/1.1.2/status`, {
          token,
          json: { status: 'active', reason: 'DLG-0008 rettet', retestDeadline: deadline },
        });
      expect((await activate(vendor.token)).status).toBe(403);
      expect(await body(await activate(ADMIN_TOKEN), 200)).toMatchObject({ version: '1.1.2', status: 'active' });

      // The catalog serves 1.1.2: GET /profiles, the package, validation (given and detected), new runs, the CLI.
      const served = await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200);
      expect(served).toMatchObject({ version: '1.1.2', sha256: imported.sha256, status: 'active' });
      expect(listed(await body(await t.call('GET', '/api/v1/profiles'), 200))).toEqual([
        expect.objectContaining({ id: PROFILE, version: '1.1.2', source: 'imported', sha256: imported.sha256 }),
      ]);
      const download = await t.call('GET', `/api/v1/profiles/${PROFILE}/package`);
      expect(download.headers.get('content-disposition')).toContain(`${PROFILE}-1.1.2.tgz`);
      await download.arrayBuffer();
      const message = reversedPeriod(trial.testData);
      const given = await body(
        await t.call('POST', `/api/v1/validate?profile=${PROFILE}`, { body: message as BodyInit, contentType: 'application/xml' }),
        200,
      );
      expect(given).toMatchObject({ valid: true, profile: PROFILE, profileVersion: '1.1.2', profileSha256: imported.sha256 });
      const detected = await body(
        await t.call('POST', '/api/v1/validate', { body: message as BodyInit, contentType: 'application/xml' }),
        200,
      );
      expect(detected).toMatchObject({ valid: true, profile: PROFILE, profileVersion: '1.1.2' });
      const fresh = await body(
        await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: sv, profiles: [PROFILE] } }),
        201,
      );
      expect(fresh.profiles[0]).toMatchObject({ profile: PROFILE, version: '1.1.2', sha256: imported.sha256 });
      expect(fresh.warnings ?? []).toEqual([]);
      const file = path.join(work, `${dialect.name}-reversed.xml`);
      writeFileSync(file, reversedPeriod(fresh.testData));
      const cli = await runCli(['submit', '--server', t.url, '--token', vendor.token, '--run', fresh.id, '--testcase', SEND, file]);
      expect(cli.code, cli.stdout + cli.stderr).toBe(0);
      // Its test cases are those the package brought (the same ids as the shipped ones).
      expect(served.testcaseList.map((tc: { id: string }) => tc.id)).toContain(SEND);

      // The shipped version: deprecated, replaced by 1.1.2, still addressable by id + version.
      const versions = (await body(await t.call('GET', `/api/v1/admin/profiles/${PROFILE}/versions`, { token: ADMIN_TOKEN }), 200)).items;
      expect(versions.map((v: { version: string; status: string; served: boolean }) => [v.version, v.status, v.served])).toEqual([
        ['1.1.2', 'active', true],
        [SHIPPED_VERSION, 'deprecated', false],
      ]);
      expect(versions[1]).toMatchObject({ sha256: shipped.sha256, replacement: `${PROFILE} 1.1.2` });
      const oldPackage = await t.call('GET', `/api/v1/profiles/${PROFILE}/package?version=${SHIPPED_VERSION}`);
      expect(oldPackage.status).toBe(200);
      expect(oldPackage.headers.get('content-disposition')).toContain(`${PROFILE}-${SHIPPED_VERSION}.tgz`);
      expect(oldPackage.headers.get('x-samsvar-profile-sha256')).toBe(shipped.sha256);
      const oldDir = mkdtempSync(path.join(work, `${dialect.name}-old-`));
      writeFileSync(`${oldDir}.tgz`, Buffer.from(await oldPackage.arrayBuffer()));
      await extract({ file: `${oldDir}.tgz`, cwd: oldDir });
      const oldManifest = JSON.parse(readFileSync(path.join(oldDir, 'samsvar-package.json'), 'utf8'));
      expect(oldManifest).toMatchObject({ version: SHIPPED_VERSION, sha256: shipped.sha256 });
      expect(oldManifest.testcases).toContain(SEND);
      expect(
        (
          await body(
            await t.call('GET', `/api/v1/admin/profiles/${PROFILE}/diff?from=${SHIPPED_VERSION}&to=1.1.2`, { token: ADMIN_TOKEN }),
            200,
          )
        ).rules.changed,
      ).toEqual([{ id: 'DLG-0008', what: ['test'] }]);

      // The declaration tested against the shipped version must be re-tested by the administrator's deadline.
      const declared = await body(await t.call('GET', `/api/v1/declarations/${decl.id}`), 200);
      expect(declared.status).toBe('active');
      expect(declared.retestRequired).toEqual([{ profile: PROFILE, version: SHIPPED_VERSION, newVersion: '1.1.2', deadline }]);

      // Re-validation of the stored submissions against 1.1.2: the reversed period passes now.
      expect((await t.call('POST', '/api/v1/admin/revalidations', { token: vendor.token, json: { profile: PROFILE } })).status).toBe(403);
      const job = await body(
        await t.call('POST', '/api/v1/admin/revalidations', { token: ADMIN_TOKEN, json: { profile: PROFILE, version: '1.1.2' } }),
        202,
      );
      let done: any;
      for (;;) {
        done = await body(await t.call('GET', `/api/v1/admin/revalidations/${job.id}`, { token: ADMIN_TOKEN }), 200);
        if (done.status === 'done') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(done.profileVersion).toBe('1.1.2');
      expect(done.changedItems).toEqual([
        expect.objectContaining({ submissionId: failed.id, oldVerdict: 'failed', newVerdict: 'passed', newErrors: [] }),
      ]);

      // A restart whose profiles folder is gone still serves 1.1.2, from the database.
      await service.close();
      rmSync(path.join(db.config.dataDir, 'profiles'), { recursive: true, force: true });
      await start();
      expect((await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200)).version).toBe('1.1.2');
      expect(
        (
          await body(
            await t.call('POST', `/api/v1/validate?profile=${PROFILE}`, { body: message as BodyInit, contentType: 'application/xml' }),
            200,
          )
        ).profileVersion,
      ).toBe('1.1.2');
      expect(existsSync(path.join(db.config.dataDir, 'profiles', '.versions', PROFILE, '1.1.2', 'profile.json'))).toBe(true);

      // Activating the shipped version again puts it back; 1.1.2 is then the deprecated one.
      await body(
        await t.call('POST', `/api/v1/admin/profiles/${PROFILE}/versions/${SHIPPED_VERSION}/status`, {
          token: ADMIN_TOKEN,
          json: { status: 'active', reason: 'tilbake' },
        }),
        200,
      );
      const back = await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200);
      expect(back).toMatchObject({ version: SHIPPED_VERSION, sha256: shipped.sha256 });
      expect(readdirSync(path.join(db.config.dataDir, 'profiles'))).not.toContain(PROFILE);
      const again = await body(
        await t.call('POST', `/api/v1/validate?profile=${PROFILE}`, { body: message as BodyInit, contentType: 'application/xml' }),
        200,
      );
      expect(again).toMatchObject({ valid: false, profileVersion: SHIPPED_VERSION });

      // Code lists from CSV make a new version of the shipped profile the same way, with its test cases.
      const csv = 'OID;Kode;Tekst\n2.999.7.1;A;Alfa\n2.999.7.1;B;Beta\n';
      const install = (token: string) =>
        t.call('POST', `/api/v1/admin/codelists?profile=${PROFILE}&version=1.1.3`, { token, body: csv, contentType: 'text/csv' });
      expect((await install(vendor.token)).status).toBe(403);
      const installed = (await body(await install(ADMIN_TOKEN), 201)).profile;
      expect(installed).toMatchObject({ id: PROFILE, version: '1.1.3', status: 'draft', created: true });
      expect(installed.testcases).toBe(served.testcaseList.length);
      await body(
        await t.call('POST', `/api/v1/admin/profiles/${PROFILE}/versions/1.1.3/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
        200,
      );
      const withList = await body(await t.call('GET', `/api/v1/profiles/${PROFILE}`), 200);
      expect(withList).toMatchObject({ version: '1.1.3', sha256: installed.sha256 });
      expect(withList.testcaseList.map((tc: { id: string }) => tc.id).sort()).toEqual(
        back.testcaseList.map((tc: { id: string }) => tc.id).sort(),
      );
      expect(
        (
          await body(
            await t.call('POST', `/api/v1/validate?profile=${PROFILE}`, { body: message as BodyInit, contentType: 'application/xml' }),
            200,
          )
        ).profileVersion,
      ).toBe('1.1.3');
    },
  );
});
