import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { ADMIN_TOKEN, clientOf, registerVendor, type TestService } from '../support/service.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { run, systemVersion } from './declaration-helpers.js';

/**
 * One signing identity per deployment: instances on one database sign with one key, kept in the
 * database with its private half sealed by SAMSVAR_KEY_ENCRYPTION_KEY. Before, two instances
 * without SAMSVAR_SIGNING_KEY each generated a key of their own, and one's declarations failed
 * verification on the other.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`two instances on one ${dialect.name} database`, () => {
    let db: TestDatabase;
    const running: RunningService[] = [];
    let a: TestService;
    let b: TestService;
    const kek = randomBytes(32).toString('base64');

    /** An instance with its own data directory for keys (nothing shared but the database and the environment). */
    async function instance(env: NodeJS.ProcessEnv): Promise<TestService> {
      const modules = await declarationModules({ dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-instance-')) }, { env });
      const service = await startService(
        { port: 0, maxBodyBytes: 25 * 1024 * 1024, rateLimitPerMinute: 1000, adminToken: ADMIN_TOKEN, ...db.config },
        { hostname: '127.0.0.1', log: () => {}, routeModules: modules },
      );
      running.push(service);
      return clientOf(service);
    }

    const verifyOn = async (t: TestService, jws: string) =>
      (await (await t.call('POST', '/api/v1/declarations/verify', { body: jws, contentType: 'application/jose' })).json()) as {
        valid: boolean;
        status?: string;
        kid?: string;
      };
    const jwksOf = async (t: TestService) =>
      ((await (await t.call('GET', '/.well-known/jwks.json')).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

    beforeAll(async () => {
      db = await dialect.create();
      a = await instance({ SAMSVAR_KEY_ENCRYPTION_KEY: kek });
      b = await instance({ SAMSVAR_KEY_ENCRYPTION_KEY: kek });
    });
    afterAll(async () => {
      for (const s of running) await s.close();
      await db?.drop();
    });

    it('signs on one instance what verifies on the other, with one JWKS', async () => {
      const vendor = await registerVendor(a, 'Delt Database AS');
      const runId = await run(a, vendor.token, await systemVersion(a, vendor.token, 'DeltJournal', '1.0'));
      const issued = (await (
        await a.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })
      ).json()) as { id: string; jws: string };
      expect(await jwksOf(b)).toEqual(await jwksOf(a));
      expect(await verifyOn(b, issued.jws)).toMatchObject({ valid: true, status: 'active' });
      const fromB = (await (
        await b.call(
          'POST',
          `/api/v1/runs/${await run(b, vendor.token, await systemVersion(b, vendor.token, 'DeltJournal', '1.1'))}/declaration`,
          { token: vendor.token, json: ISSUANCE },
        )
      ).json()) as { jws: string };
      expect(await verifyOn(a, fromB.jws)).toMatchObject({ valid: true, status: 'active' });
    });

    it('rotates for every instance at once, audited and in the transparency log; old declarations still verify', async () => {
      const before = await jwksOf(a);
      expect((await b.call('POST', '/api/v1/admin/signing-key/rotate', { token: ADMIN_TOKEN })).status).toBe(200);
      const after = await jwksOf(a);
      expect(after).toHaveLength(before.length + 1);
      expect(after.slice(1)).toEqual(before);
      // Instance A signs with the key B rotated in.
      const head = (await (await a.call('GET', '/api/v1/log?limit=1000')).json()) as {
        head: { jws: string };
        entries: { type: string; detail?: string }[];
      };
      expect(JSON.parse(Buffer.from(head.head.jws.split('.')[0]!, 'base64url').toString('utf8')).kid).toBe(after[0]);
      expect(head.entries.filter((e) => e.type === 'key_rotated').map((e) => e.detail)).toEqual([`${before[0]} -> ${after[0]}`]);
      const audit = (await (await a.call('GET', '/api/v1/audit?objectType=signing_key', { token: ADMIN_TOKEN })).json()) as
        { items?: { action: string; objectId: string }[] } | { action: string; objectId: string }[];
      const items = Array.isArray(audit) ? audit : audit.items!;
      expect(items.map((i) => `${i.action}:${i.objectId}`)).toEqual([`signing_key.rotate:${after[0]}`]);
      const vendor = await registerVendor(a, 'Etter Rotasjon AS');
      const runId = await run(a, vendor.token, await systemVersion(a, vendor.token, 'RotertJournal', '1.0'));
      const issued = (await (
        await a.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })
      ).json()) as { declaration: { kid: string }; jws: string };
      expect(issued.declaration.kid).toBe(after[0]);
      expect(await verifyOn(b, issued.jws)).toMatchObject({ valid: true, status: 'active' });
      expect(
        (await a.call('POST', '/api/v1/admin/signing-key/rotate', { token: (await registerVendor(a, 'Uvedkommende AS')).token })).status,
      ).toBe(403);
    });

    it("refuses to sign with a key of its own when its key-encryption key is not the deployment's", async () => {
      const stranger = await instance({ SAMSVAR_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      const res = await stranger.call('GET', '/.well-known/jwks.json');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { detail: string }).detail).toMatch(
        /cannot be decrypted with this instance's key-encryption key: set SAMSVAR_KEY_ENCRYPTION_KEY/,
      );
    });
  });
}
