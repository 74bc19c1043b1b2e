import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';

const work = mkdtempSync(path.join(tmpdir(), 'samsvar-roundtrip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ID = 'dialogmelding-1.1-foresporsel';

async function body(res: Response, status: number): Promise<any> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return text ? JSON.parse(text) : undefined;
}

describe.each(dialectsUnderTest())('a downloaded profile package imported again ($name)', (dialect) => {
  let t: TestService;
  beforeAll(async () => {
    const keysDir = mkdtempSync(path.join(work, 'keys-'));
    t = await startTestService(dialect, {}, { routeModules: await declarationModules({ dataDir: keysDir }) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** GET /profiles/{id}/package, unpacked, `edit` applied to its profile.json, packed again as .tgz. */
  async function repack(edit: (manifest: Record<string, unknown>) => void): Promise<Uint8Array> {
    const res = await t.call('GET', `/api/v1/profiles/${ID}/package`);
    expect(res.status).toBe(200);
    const dir = mkdtempSync(path.join(work, `${dialect.name}-`));
    writeFileSync(`${dir}.tgz`, Buffer.from(await res.arrayBuffer()));
    await extract({ file: `${dir}.tgz`, cwd: dir });
    const file = path.join(dir, 'profiles', ID, 'profile.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    writeFileSync(file, JSON.stringify(manifest, null, 2));
    await create({ file: `${dir}-new.tgz`, cwd: dir, gzip: true }, ['samsvar-package.json', 'profiles', 'testcases']);
    return readFileSync(`${dir}-new.tgz`);
  }
  const post = (bytes: Uint8Array, token = ADMIN_TOKEN) =>
    t.call('POST', '/api/v1/admin/profiles', { token, body: bytes as BodyInit, contentType: 'application/gzip' });

  it('is accepted as a new draft version of the shipped profile, with its test cases; a vendor is refused', async () => {
    const pkg = await repack((m) => (m.version = '1.1.1-rev2'));
    expect((await post(pkg, (await registerVendor(t)).token)).status).toBe(403);
    const out = await body(await post(pkg), 201);
    expect(out.kind).toBe('profile');
    expect(out.profiles).toEqual([expect.objectContaining({ id: ID, version: '1.1.1-rev2', status: 'draft', created: true })]);
    expect(out.profiles[0].testcases).toBeGreaterThan(0);
    expect(out.profiles[0].examples.valid).toBeGreaterThan(0);
    // The same content again changes nothing.
    expect((await body(await post(pkg), 200)).profiles[0].created).toBe(false);
    const versions = await body(await t.call('GET', `/api/v1/admin/profiles/${ID}/versions`, { token: ADMIN_TOKEN }), 200);
    expect(versions.items).toEqual([expect.objectContaining({ version: '1.1.1-rev2', status: 'draft', served: false })]);
    // The catalog still serves the shipped version.
    const served = await body(await t.call('GET', `/api/v1/profiles/${ID}`), 200);
    expect(served.version).not.toBe('1.1.1-rev2');
    const diff = await body(
      await t.call('GET', `/api/v1/admin/profiles/${ID}/diff?from=${served.version}&to=1.1.1-rev2`, { token: ADMIN_TOKEN }),
      200,
    );
    expect(diff).toBeTruthy();
    // Activating it puts it in the shipped one's place: shipped-profile-version.test.ts.
  });

  it('refuses the package unchanged (the shipped version) and other content under the imported version', async () => {
    const same = await body(await post(await repack(() => undefined)), 409);
    expect(same.detail).toMatch(/shipped with samsvar.*change "version"/);
    const other = await body(
      await post(
        await repack((m) => {
          m.version = '1.1.1-rev2';
          m.title = `${String(m.title)} (changed)`;
        }),
      ),
      409,
    );
    expect(other.detail).toMatch(/already exists with other content/);
  });
});
