import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { dialectsUnderTest } from '../support/databases.js';
import { runCli } from '../helpers/cli-run.js';
import { fhirPackageTgz, oppgaveFiles, oppgavePasientProfile, writePackageDir, zipPackage } from '../support/profile-package.js';

const oppgaveTestcase = (): string => oppgaveFiles()['testcases/eksempel-oppgave-ny.json']!;
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { systemVersion } from './declaration-helpers.js';

const ZIP = 'application/zip';
const ID = 'eksempel-oppgave';

async function body(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

describe.each(dialectsUnderTest())('profile administration over HTTP on %s', (dialect) => {
  let t: TestService;
  let vendor: { id: string; token: string };
  let dataDir: string;
  /** The declaration modules' clock, moved by `offset` to pass a deadline; no duration is measured. */
  let offset = 0;
  const serviceNow = () => new Date(Date.now() + offset);
  const importZip = (bytes: Uint8Array, token = ADMIN_TOKEN) =>
    t.call('POST', '/api/v1/admin/profiles', { token, body: bytes as BodyInit, contentType: ZIP });

  beforeAll(async () => {
    const keysDir = mkdtempSync(path.join(tmpdir(), 'samsvar-keys-'));
    const modules = await declarationModules({ dataDir: keysDir }, { now: serviceNow });
    t = await startTestService(dialect, {}, { routeModules: modules });
    dataDir = t.service.ctx.config.dataDir;
    vendor = await registerVendor(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is for administrators only: a vendor token is refused, no token is 401', async () => {
    const zip = zipPackage(oppgaveFiles());
    expect((await importZip(zip, vendor.token)).status).toBe(403);
    expect((await t.call('POST', '/api/v1/admin/profiles', { body: zip as BodyInit, contentType: ZIP })).status).toBe(401);
    for (const p of [`/admin/profiles/${ID}/versions`, `/admin/profiles/${ID}/diff?from=1&to=2`, `/admin/profiles/${ID}/impact`]) {
      expect((await t.call('GET', `/api/v1${p}`, { token: vendor.token })).status).toBe(403);
    }
    expect(
      (await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.0.0/status`, { token: vendor.token, json: { status: 'active' } }))
        .status,
    ).toBe(403);
  });

  it('refuses a package whose checks fail, listing every problem, and keeps nothing', async () => {
    const broken = oppgaveFiles({
      files: {
        'profile.json': JSON.stringify({ ...JSON.parse(oppgaveFiles()['profile.json']!), id: 'eksempel-odelagt' }),
        // The invalid example no longer fails, a valid one fails, a test case names an unknown profile, a code list is not JSON.
        'examples/invalid/OPG-0001--tom-id.xml': oppgaveFiles()['examples/valid/ny.xml']!,
        'examples/valid/uten-id.xml': oppgaveFiles()['examples/invalid/OPG-0001--tom-id.xml']!,
        'testcases/eksempel-oppgave-ny.json': oppgaveFiles()['testcases/eksempel-oppgave-ny.json']!.replace(
          '"profile": "eksempel-oppgave"',
          '"profile": "finnes-ikke"',
        ),
        'codelists/oppgavestatus.json': '{ not json',
      },
    });
    const problem = await body(await importZip(zipPackage(broken)), 422);
    const files = (problem.problems as { file?: string }[]).map((p) => p.file);
    expect(files).toEqual(expect.arrayContaining(['codelists/oppgavestatus.json', 'testcases/eksempel-oppgave-ny.json']));
    expect(problem.detail).toContain('nothing was imported');
    expect((await t.call('GET', '/api/v1/admin/profiles/eksempel-odelagt/versions', { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/profiles/eksempel-odelagt')).status).toBe(404);
    expect(readdirSync(path.join(dataDir, 'profiles')).filter((n) => n !== '.versions')).toEqual([]);

    // With only the examples wrong, both are named.
    const examplesWrong = oppgaveFiles({
      files: {
        'examples/invalid/OPG-0001--tom-id.xml': oppgaveFiles()['examples/valid/ny.xml']!,
        'examples/valid/uten-id.xml': oppgaveFiles()['examples/invalid/OPG-0001--tom-id.xml']!,
      },
    });
    const p2 = await body(await importZip(zipPackage(examplesWrong)), 422);
    expect((p2.problems as { file: string; message: string }[]).map((p) => p.file).sort()).toEqual([
      'examples/invalid/OPG-0001--tom-id.xml',
      'examples/valid/uten-id.xml',
    ]);
    expect(p2.problems.find((p: { file: string }) => p.file === 'examples/valid/uten-id.xml').message).toContain('OPG-0001');
  });

  it('imports a package as a draft with its test cases; the same content again changes nothing, other content under the same version is 409', async () => {
    const res = await body(await importZip(zipPackage(oppgaveFiles())), 201);
    expect(res).toMatchObject({
      format: 'zip',
      kind: 'profile',
      profiles: [{ id: ID, version: '1.0.0', status: 'draft', created: true, testcases: 1, examples: { valid: 1, invalid: 1 } }],
    });
    const profile = await body(await t.call('GET', `/api/v1/profiles/${ID}`), 200);
    expect(profile.status).toBe('draft');
    // A draft takes trial runs: the run says so, and no declaration comes of it.
    const sv = await systemVersion(t, vendor.token, 'Prøvesystem', '0.1');
    const trial = await body(
      await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: sv, profiles: [ID] } }),
      201,
    );
    expect(trial.warnings).toEqual([expect.stringContaining('trial run')]);
    // The package's own example is public (the profile catalogue shows it), so it is no evidence, imported after start or not.
    const example = await body(
      await t.call('POST', `/api/v1/runs/${trial.id}/submissions?testcase=eksempel-oppgave-ny`, {
        token: vendor.token,
        body: oppgaveFiles()['examples/valid/ny.xml']!,
        contentType: 'application/xml',
      }),
      201,
    );
    expect(example.verdict).toBe('failed');
    expect(example.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('EVIDENCE-SHIPPED');
    expect(
      (await body(await t.call('POST', `/api/v1/runs/${trial.id}/declaration`, { token: vendor.token, json: ISSUANCE }), 422)).detail,
    ).toContain('draft');
    expect(profile.testcaseList.map((tc: { id: string }) => tc.id)).toEqual(['eksempel-oppgave-ny']);

    const again = await body(await importZip(zipPackage(oppgaveFiles())), 200);
    expect(again.profiles[0]).toMatchObject({ created: false, sha256: res.profiles[0].sha256 });
    // The manifest's own status is not content: lifecycle is the administrators'.
    const otherStatus = oppgaveFiles({ files: { 'profile.json': oppgaveFiles()['profile.json']!.replace('"active"', '"retired"') } });
    expect((await body(await importZip(zipPackage(otherStatus)), 200)).profiles[0].created).toBe(false);

    // Sent twice at once: one import, the other finds the same content.
    const twice = await Promise.all([0, 1].map(() => importZip(zipPackage(oppgaveFiles({ version: '0.9.0' })))));
    expect(twice.map((r) => r.status).sort()).toEqual([200, 201]);

    const changed = oppgaveFiles({
      files: { 'rules/oppgave.sch': oppgaveFiles()['rules/oppgave.sch']!.replace('Id must not be empty.', 'Id is required.') },
    });
    const conflict = await body(await importZip(zipPackage(changed)), 409);
    expect(conflict.detail).toContain('immutable');
  });

  it('activates, diffs, shows impact, asks for re-tests with a deadline, expires on retirement and never revives', async () => {
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.0.0/status`, {
        token: ADMIN_TOKEN,
        json: { status: 'active', reason: 'godkjent' },
      }),
      200,
    );

    // A vendor passes the test case with the imported profile (the validation workers took it up) and declares.
    const sv = await systemVersion(t, vendor.token, 'Oppgavesystem', '1.0');
    const runRes = await body(
      await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: sv, profiles: [ID] } }),
      201,
    );
    const sub = await body(
      await t.call('POST', `/api/v1/runs/${runRes.id}/submissions?testcase=eksempel-oppgave-ny`, {
        token: vendor.token,
        body: `${oppgaveFiles()['examples/valid/ny.xml']!}<!-- produced in run ${runRes.id}: evidence is new per run -->`,
        contentType: 'application/xml',
      }),
      201,
    );
    expect(sub.verdict, JSON.stringify(sub.findings)).toBe('passed');
    const decl = await body(await t.call('POST', `/api/v1/runs/${runRes.id}/declaration`, { token: vendor.token, json: ISSUANCE }), 201);

    // Version 1.1.0: a rule changed, a code added, a test case added.
    const v11 = oppgaveFiles({
      version: '1.1.0',
      files: {
        'rules/oppgave.sch': oppgaveFiles()['rules/oppgave.sch']!.replace('Id must not be empty.', 'Id is required.'),
        'codelists/oppgavestatus.json': JSON.stringify({
          oid: '2.999.1.1',
          name: 'Oppgavestatus',
          codes: [
            { code: '1', display: 'Ny' },
            { code: '2', display: 'Ferdig' },
            { code: '3', display: 'Avbrutt' },
          ],
        }),
        'testcases/eksempel-oppgave-ferdig.json': oppgaveTestcase()
          .replaceAll('eksempel-oppgave-ny', 'eksempel-oppgave-ferdig')
          .replace("@V = '1'", "@V = '2'")
          .replace('Ny oppgave', 'Ferdig oppgave'),
      },
    });
    expect((await body(await importZip(zipPackage(v11)), 201)).profiles[0]).toMatchObject({
      version: '1.1.0',
      status: 'draft',
      testcases: 2,
    });
    const diff = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=1.0.0&to=1.1.0`, { token: ADMIN_TOKEN }), 200);
    expect(diff.rules).toEqual({ added: [], removed: [], changed: [{ id: 'OPG-0001', what: ['message'] }] });
    expect(diff.codelists).toEqual([{ oid: '2.999.1.1', added: ['3'], removed: [], changed: [] }]);
    expect(diff.testcases.added).toEqual(['testcases/eksempel-oppgave-ferdig.json']);
    expect(diff.schemaFiles).toEqual({ added: [], removed: [], changed: [] });

    const impact = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/impact?version=1.0.0`, { token: ADMIN_TOKEN }), 200);
    expect(impact.declarations.map((d: { id: string }) => d.id)).toEqual([decl.id]);

    // Publishing 1.1.0 with a deadline: 1.0.0 deprecated, the declaration must be re-tested.
    const deadline = new Date(serviceNow().getTime() + 30 * 86_400_000).toISOString();
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.1.0/status`, {
        token: ADMIN_TOKEN,
        json: { status: 'active', retestDeadline: deadline },
      }),
      200,
    );
    const versions = (await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/versions`, { token: ADMIN_TOKEN }), 200)).items;
    expect(versions.map((v: { version: string; status: string; served: boolean }) => [v.version, v.status, v.served])).toEqual([
      ['1.0.0', 'deprecated', false],
      ['0.9.0', 'draft', false],
      ['1.1.0', 'active', true],
    ]);
    expect((await body(await t.call('GET', `/api/v1/profiles/${ID}`), 200)).testcaseList).toHaveLength(2);
    const registry = await body(await t.call('GET', `/api/v1/declarations/${decl.id}`), 200);
    expect(JSON.stringify(registry)).toContain('retestRequired');

    // A laboratory's re-test now runs 1.1.0: it confirms nothing about the 1.0.0 the declaration lists.
    const lab = await body(
      await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Versjonslab AS' } }),
      201,
    );
    const retest = await body(await t.call('POST', `/api/v1/declarations/${decl.id}/retests`, { token: lab.token }), 201);
    expect(retest.profiles.map((p: { version: string }) => p.version)).toEqual(['1.1.0']);
    const labSub = await body(
      await t.call('POST', `/api/v1/runs/${retest.id}/submissions?testcase=eksempel-oppgave-ny`, {
        token: lab.token,
        body: `${oppgaveFiles()['examples/valid/ny.xml']!}<!-- the laboratory's re-test ${retest.id} -->`,
        contentType: 'application/xml',
      }),
      201,
    );
    expect(labSub.verdict, JSON.stringify(labSub.findings)).toBe('passed');
    const countersigned = await body(
      await t.call('POST', `/api/v1/declarations/${decl.id}/countersign`, { token: lab.token, json: { runId: retest.id } }),
      422,
    );
    expect(countersigned.detail).toContain('1.0.0');
    expect((await body(await t.call('GET', `/api/v1/declarations/${decl.id}`), 200)).assuranceLevel).toBe('B');

    // Past the deadline the declaration expires; the sweep logs it.
    offset = 31 * 86_400_000;
    const listed = (await body(await t.call('GET', `/api/v1/registry?q=${decl.id}`), 200)) as
      { items?: { id: string; status: string; statusReason?: string }[] } | { id: string; status: string; statusReason?: string }[];
    const entry = (Array.isArray(listed) ? listed : listed.items!).find((e) => e.id === decl.id)!;
    expect(entry.status).toBe('expired');
    expect(entry.statusReason).toContain('re-tested');

    // Retiring and reactivating 1.0.0 does not make the expired declaration active again.
    offset = 0;
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.0.0/status`, {
        token: ADMIN_TOKEN,
        json: { status: 'retired', reason: 'erstattet' },
      }),
      200,
    );
    await body(
      await t.call('POST', `/api/v1/admin/profiles/${ID}/versions/1.0.0/status`, { token: ADMIN_TOKEN, json: { status: 'active' } }),
      200,
    );
    const after = await body(await t.call('GET', `/api/v1/declarations/${decl.id}`), 200);
    expect(JSON.stringify(after)).toContain('expired');

    const audit = (await body(await t.call('GET', `/api/v1/audit?objectType=profile&objectId=${ID}`, { token: ADMIN_TOKEN }), 200))
      .items as { action: string; details: { version?: string; status?: string } }[];
    expect(audit.map((a) => `${a.action} ${a.details.version} ${a.details.status ?? ''}`.trim())).toEqual(
      expect.arrayContaining([
        'profile.imported 1.0.0 draft',
        'profile.version.status 1.0.0 active',
        'profile.imported 1.1.0 draft',
        'profile.version.status 1.0.0 deprecated',
        'profile.version.status 1.1.0 active',
        'profile.version.status 1.0.0 retired',
      ]),
    );
  });

  it('imports with `samsvar profiles import --server`: a directory is zipped and sent; a refused package lists its problems', async () => {
    const dir = writePackageDir(oppgaveFiles({ version: '2.0.0' }));
    const ok = await runCli(['profiles', 'import', dir, '--server', t.url], { SAMSVAR_TOKEN: ADMIN_TOKEN });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`imported ${ID} 2.0.0: draft, 1 test case(s)`);
    const zipFile = path.join(dir, '..', `${path.basename(dir)}.zip`);
    writeFileSync(
      zipFile,
      zipPackage(
        oppgaveFiles({
          version: '2.0.1',
          files: { 'examples/valid/uten-id.xml': oppgaveFiles()['examples/invalid/OPG-0001--tom-id.xml']! },
        }),
      ),
    );
    const refused = await runCli(['profiles', 'import', zipFile, '--server', t.url, '--token', ADMIN_TOKEN]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('nothing was imported');
    expect(refused.stderr).toContain('examples/valid/uten-id.xml: a valid example must pass');
    const asVendor = await runCli(['profiles', 'import', dir, '--server', t.url, '--token', vendor.token]);
    expect(asVendor.code).toBe(2);
    expect(asVendor.stderr).toContain('HTTP 403');
  });

  it('imports a FHIR package (npm layout) as draft profiles; a new package version stays a draft beside the served one', async () => {
    const fhirPackage = async (version: string, sd: Record<string, unknown>) =>
      t.call('POST', '/api/v1/admin/profiles', {
        token: ADMIN_TOKEN,
        body: await fhirPackageTgz('samsvar.test.oppgave', version, sd),
        contentType: 'application/gzip',
      });
    const sd = oppgavePasientProfile;
    const broken = await body(
      await fhirPackage('0.9.0', sd({ baseDefinition: 'http://samsvar.test/StructureDefinition/finnes-ikke' })),
      422,
    );
    expect(broken.problems[0]).toMatchObject({ check: 'structure-definition' });
    expect(broken.problems[0].message).toContain('finnes-ikke');

    const first = await body(await fhirPackage('1.0.0', sd()), 201);
    expect(first).toMatchObject({
      format: 'tgz',
      kind: 'fhir-package',
      profiles: [{ id: 'oppgave-pasient', version: '1.0.0', status: 'draft', created: true }],
    });
    await body(
      await t.call('POST', '/api/v1/admin/profiles/oppgave-pasient/versions/1.0.0/status', {
        token: ADMIN_TOKEN,
        json: { status: 'active' },
      }),
      200,
    );
    const v = await body(
      await t.call('POST', '/api/v1/validate?profile=oppgave-pasient', {
        body: JSON.stringify({ resourceType: 'Patient' }),
        contentType: 'application/fhir+json',
      }),
      200,
    );
    expect(v.valid).toBe(false);

    await body(
      await fhirPackage(
        '2.0.0',
        sd({
          differential: {
            element: [
              { id: 'Patient', path: 'Patient' },
              { id: 'Patient.gender', path: 'Patient.gender', min: 1 },
            ],
          },
        }),
      ),
      201,
    );
    const versions = (await body(await t.call('GET', '/api/v1/admin/profiles/oppgave-pasient/versions', { token: ADMIN_TOKEN }), 200))
      .items;
    expect(versions.map((x: { version: string; status: string; served: boolean }) => [x.version, x.status, x.served])).toEqual([
      ['1.0.0', 'active', true],
      ['2.0.0', 'draft', false],
    ]);
    expect((await body(await t.call('GET', '/api/v1/profiles/oppgave-pasient'), 200)).status).toBe('active');
    const diff = await body(
      await t.call('GET', '/api/v1/admin/profiles/oppgave-pasient/diff?from=1.0.0&to=2.0.0', { token: ADMIN_TOKEN }),
      200,
    );
    expect(diff.otherFiles.changed).toEqual(expect.arrayContaining(['profile.json']));
    // The same package version with other content is refused.
    expect((await fhirPackage('2.0.0', sd())).status).toBe(409);
  });

  describe('hostile packages get a clear 4xx and nothing is written outside the data directory', () => {
    it('refuses path traversal, absolute names, symbolic links, too many entries and zip bombs', async () => {
      const traversal = await body(await importZip(zipPackage({ ...oppgaveFiles(), '../../evil.txt': 'x' })), 400);
      expect(traversal.detail).toContain("'../../evil.txt'");
      expect((await importZip(zipPackage({ '/etc/evil': 'x' }))).status).toBe(400);
      expect((await importZip(zipPackage({ 'a\\..\\..\\evil': 'x' }))).status).toBe(400);

      const { zipSync, strToU8 } = await import('fflate');
      const link = zipSync({ 'profile.json': strToU8('{}'), lenke: [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
      expect((await body(await importZip(link), 400)).detail).toContain('symbolic link');

      const many: Record<string, string> = {};
      for (let i = 0; i < 10_001; i++) many[`f${i}`] = '';
      expect((await body(await importZip(zipPackage(many)), 400)).detail).toContain('entries');

      // A small file whose central directory claims 300 MB.
      const bomb = zipSync({ 'profile.json': strToU8('{}') });
      const view = new DataView(bomb.buffer);
      for (let i = bomb.length - 22; i >= 0; i--) {
        if (view.getUint32(i, true) === 0x02014b50) {
          view.setUint32(i + 24, 300 * 1024 * 1024, true);
          break;
        }
      }
      expect((await body(await importZip(bomb), 400)).detail).toContain('unpacks to more than');

      // An entry that claims 10 bytes but inflates to a megabyte is refused, not cut short and kept.
      const liar = zipSync({
        ...Object.fromEntries(Object.entries(oppgaveFiles()).map(([k, v]) => [k, strToU8(v)])),
        'stor.bin': new Uint8Array(1 << 20),
      });
      const lv = new DataView(liar.buffer);
      const nameAt = (i: number) => new TextDecoder().decode(liar.subarray(i + 46, i + 46 + lv.getUint16(i + 28, true)));
      for (let i = liar.length - 22; i >= 0; i--) {
        if (lv.getUint32(i, true) === 0x02014b50 && nameAt(i) === 'stor.bin') lv.setUint32(i + 24, 10, true);
      }
      expect((await body(await importZip(liar), 400)).detail).toContain("'stor.bin' is damaged or declares a false size");

      expect(
        (await t.call('POST', '/api/v1/admin/profiles', { token: ADMIN_TOKEN, body: 'not an archive', contentType: ZIP })).status,
      ).toBe(415);
    });

    it('refuses a FHIR package whose package.json name or version leaves the data directory (issue 15, item 1)', async () => {
      const victim = path.join(path.dirname(dataDir), `victim-${path.basename(dataDir)}`);
      mkdirSync(victim, { recursive: true });
      writeFileSync(path.join(victim, 'keep.txt'), 'keep');
      for (const manifest of [
        { name: 'evil.pkg', version: `1/../../../../${path.basename(victim)}` },
        { name: `../../../../${path.basename(victim)}`, version: '1.0.0' },
      ]) {
        const src = mkdtempSync(path.join(tmpdir(), 'samsvar-evil-'));
        mkdirSync(path.join(src, 'package'));
        writeFileSync(path.join(src, 'package', 'package.json'), JSON.stringify({ ...manifest, fhirVersions: ['4.0.1'] }));
        const file = path.join(src, 'evil.tgz');
        await tar.c({ gzip: true, cwd: src, file }, ['package']);
        const { readFileSync } = await import('node:fs');
        const res = await t.call('POST', '/api/v1/admin/profiles', {
          token: ADMIN_TOKEN,
          body: readFileSync(file),
          contentType: 'application/gzip',
        });
        // A client error (4xx), not a crash.
        expect(Math.floor(res.status / 100), await res.clone().text()).toBe(4);
        expect(existsSync(path.join(victim, 'keep.txt'))).toBe(true);
      }
    });
  });
});
