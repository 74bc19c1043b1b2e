import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfileDir } from '../../src/profiles/catalog.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { runCli } from '../helpers/cli-run.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

const work = mkdtempSync(path.join(tmpdir(), 'samsvar-package-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Manifest {
  format: string;
  profile: string;
  sha256: string;
  profiles: { id: string; sha256: string }[];
  testcases: string[];
}

describe.each(dialectsUnderTest())('profile packages for offline validation ($name)', (dialect) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(dialect);
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function download(id: string, token?: string): Promise<string> {
    const res = await t.call('GET', `/api/v1/profiles/${id}/package`, { token });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`filename="${id}-[^"]+\\.tgz"`));
    const dir = path.join(work, `${dialect.name}-${id}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    const file = `${dir}.tgz`;
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await extract({ file, cwd: dir });
    return dir;
  }

  /** The service's verdict and rule ids for a file, and the offline CLI's with the unpacked package. */
  async function bothVerdicts(unpacked: string, profile: string, file: string) {
    const bytes = readFileSync(file);
    const contentType = file.endsWith('.json') ? 'application/fhir+json' : 'application/xml';
    const online = (await (await t.call('POST', `/api/v1/validate?profile=${profile}`, { body: bytes, contentType })).json()) as {
      valid: boolean;
      findings: { ruleId: string }[];
    };
    const cli = await runCli(['validate', '--profile-dir', unpacked, '--profile', profile, '--format', 'json', file], {
      SAMSVAR_DATA: path.join(work, 'empty-data'),
    });
    const offline = (JSON.parse(cli.stdout) as { results: { valid: boolean; profileVersion: string; findings: { ruleId: string }[] }[] })
      .results[0]!;
    const rules = (fs: { ruleId: string }[]) => fs.map((f) => f.ruleId).sort();
    return {
      online: { valid: online.valid, rules: rules(online.findings) },
      offline: { valid: offline.valid, rules: rules(offline.findings) },
    };
  }

  it('carries the profile, what it uses, its examples and its test cases, with the SHA-256 the service has', async () => {
    const id = 'dialogmelding-1.1-foresporsel';
    const dir = await download(id);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'samsvar-package.json'), 'utf8')) as Manifest;
    expect(manifest.format).toBe('samsvar-profile-package/1');
    const served = (await (await t.call('GET', `/api/v1/profiles/${id}`)).json()) as { sha256: string; testcaseList: { id: string }[] };
    expect(manifest.sha256).toBe(served.sha256);
    expect(manifest.profiles.map((p) => p.id)).toEqual(expect.arrayContaining([id, 'msghead-1.2']));
    // Unpacked, each profile has exactly the content (SHA-256) the service validates with.
    for (const p of manifest.profiles) expect(loadProfileDir(path.join(dir, 'profiles', p.id), 'imported').sha256).toBe(p.sha256);
    expect(manifest.testcases.sort()).toEqual(served.testcaseList.map((tc) => tc.id).sort());
    expect(readdirSync(path.join(dir, 'testcases')).filter((f) => f.endsWith('.json')).length).toBe(manifest.testcases.length);
    expect(readdirSync(path.join(dir, 'profiles', id, 'examples', 'invalid')).length).toBeGreaterThan(0);
  });

  it('gives offline (samsvar validate --profile-dir) the same verdicts and findings as the service, for every example', async () => {
    for (const id of ['dialogmelding-1.1-foresporsel', 'no-basis-patient']) {
      const dir = await download(id);
      const examples = path.join(dir, 'profiles', id, 'examples');
      for (const kind of ['valid', 'invalid']) {
        for (const f of readdirSync(path.join(examples, kind))) {
          const { online, offline } = await bothVerdicts(dir, id, path.join(examples, kind, f));
          expect(offline, `${id} ${kind}/${f}`).toEqual(online);
          expect(online.valid, f).toBe(kind === 'valid');
        }
      }
    }
  });

  it('carries the AppRec profiles and message templates a receive test case needs, and its test cases load from it', async () => {
    const dir = await download('dialogmelding-1.1-helsefaglig');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'samsvar-package.json'), 'utf8')) as Manifest;
    expect(manifest.profiles.map((p) => p.id)).toEqual(expect.arrayContaining(['apprec-1.0', 'apprec-1.1', 'msghead-1.2']));
    expect(readdirSync(path.join(dir, 'testcases', 'templates')).length).toBeGreaterThan(0);
    const loaded = loadTestcases(path.join(dir, 'testcases'), loadCatalog({ shippedDir: path.join(dir, 'profiles'), importedDir: null }));
    expect(loaded.map((tc) => tc.id).sort()).toEqual(manifest.testcases.sort());
  });

  it("lets samsvar testcases list and check work from the package alone, with the verdicts of the service's own test cases", async () => {
    const id = 'dialogmelding-1.1-foresporsel';
    const dir = await download(id);
    const env = { SAMSVAR_DATA: path.join(work, 'empty-data') };
    const listed = JSON.parse((await runCli(['testcases', 'list', '--profile-dir', dir, '--format', 'json'], env)).stdout) as {
      testcases: { id: string }[];
    };
    const manifest = JSON.parse(readFileSync(path.join(dir, 'samsvar-package.json'), 'utf8')) as Manifest;
    expect(listed.testcases.map((tc) => tc.id).sort()).toEqual(manifest.testcases.sort());
    for (const example of ['valid/foresporsel-helseopplysninger.xml', 'invalid/DLG-0008--period-reversed.xml']) {
      // A copy with a MsgId of its own: the shipped file itself is no evidence (EVIDENCE-SHIPPED), its content is judged here.
      const file = path.join(work, `fresh-${path.basename(example)}`);
      writeFileSync(
        file,
        readFileSync(path.join(dir, 'profiles', id, 'examples', example), 'utf8').replace(
          /<MsgId>[^<]*<\/MsgId>/,
          `<MsgId>${randomUUID()}</MsgId>`,
        ),
      );
      const offline = await runCli(['testcases', 'check', `${id}-send`, file, '--profile-dir', dir, '--format', 'json'], env);
      const shipped = await runCli(['testcases', 'check', `${id}-send`, file, '--format', 'json'], env);
      expect(offline.code, example).toBe(example.startsWith('valid/') ? 0 : 1);
      expect(shipped.code).toBe(offline.code);
      const strip = (out: string) => ({ ...(JSON.parse(out) as Record<string, unknown>), file: undefined });
      expect(strip(offline.stdout)).toEqual(strip(shipped.stdout));
    }
    expect((await runCli(['testcases', 'list', '--profile-dir', path.join(dir, 'profiles')], env)).stderr).toMatch(
      /not an unpacked profile package/,
    );
  });

  it("gives a draft profile's package to administrators only", async () => {
    const id = 'dialogmelding-1.1-notat';
    expect((await t.call('POST', `/api/v1/profiles/${id}/status`, { token: ADMIN_TOKEN, json: { status: 'draft' } })).status).toBe(200);
    try {
      const anonymous = await t.call('GET', `/api/v1/profiles/${id}/package`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { detail: string }).detail).toMatch(/draft/);
      const vendor = await registerVendor(t);
      expect((await t.call('GET', `/api/v1/profiles/${id}/package`, { token: vendor.token })).status).toBe(403);
      await download(id, ADMIN_TOKEN);
    } finally {
      expect((await t.call('POST', `/api/v1/profiles/${id}/status`, { token: ADMIN_TOKEN, json: { status: 'active' } })).status).toBe(200);
    }
    expect((await t.call('GET', '/api/v1/profiles/no-such/package')).status).toBe(404);
  });
});
