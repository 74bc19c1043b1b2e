import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationModules } from '../../src/server/routes/declaration-feature.js';
import { runCli } from '../helpers/cli-run.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { ISSUANCE } from '../declarations/fixtures.js';
import { confirmByLab, labRetest, run, systemVersion } from './declaration-helpers.js';

/** A port free right now, so the service can be told its own public URL before it starts. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The rules of status and supersession (README, "Status and supersession"), over HTTP, including
 * the cases that went wrong before the rules were written down: a newer B superseding a
 * laboratory-confirmed C, a declaration of 7.1 superseding the one of 7.2, and a concurrent
 * request winning twice.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`declaration status rules over HTTP on ${dialect.name}`, () => {
    let t: TestService;
    let vendor: { id: string; token: string };
    let other: { id: string; token: string };
    let labToken: string;

    const issue = async (runId: string) => {
      const res = await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; jws: string };
    };
    const status = async (id: string) =>
      (await (await t.call('GET', `/api/v1/declarations/${id}`)).json()) as {
        status: string;
        statusReason?: string;
        assuranceLevel: string;
      };
    const log = async () =>
      (
        (await (await t.call('GET', '/api/v1/log?limit=1000')).json()) as {
          entries: { type: string; declarationId: string; detail?: string }[];
        }
      ).entries;
    const logOf = async (id: string) => (await log()).filter((e) => e.declarationId === id).map((e) => e.type);

    beforeAll(async () => {
      // The issuer URL signed into declarations is this service's own, so `samsvar verify` can ask it for the status.
      const port = await freePort();
      const modules = await declarationModules(
        { dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-rules-')) },
        { env: { SAMSVAR_PUBLIC_URL: `http://127.0.0.1:${port}` } },
      );
      t = await startTestService(dialect, { port }, { routeModules: modules });
      vendor = await registerVendor(t, 'Regel Journal AS');
      other = await registerVendor(t, 'Annen AS');
      labToken = (
        (await (
          await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Nordisk Testlab AS' } })
        ).json()) as { token: string }
      ).token;
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('a newer declaration of the same system version and profile supersedes; revoking the newer one makes the older active again, logged', async () => {
      const ver = await systemVersion(t, vendor.token, 'RegelJournal', '1.0');
      const older = await issue(await run(t, vendor.token, ver));
      const newer = await issue(await run(t, vendor.token, ver));
      expect(await status(older.id)).toMatchObject({ status: 'superseded', statusReason: `superseded by ${newer.id}` });
      expect(await logOf(older.id)).toEqual(['issued', 'superseded']);
      // A revoked declaration supersedes nothing.
      expect(
        (await t.call('POST', `/api/v1/declarations/${newer.id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'Feil funnet' } })).status,
      ).toBe(200);
      expect((await status(older.id)).status).toBe('active');
      expect(await logOf(older.id)).toEqual(['issued', 'superseded', 'reinstated']);
    });

    it('a declaration of 7.1 issued after the one of 7.2 supersedes nothing', async () => {
      const v72 = await issue(await run(t, vendor.token, await systemVersion(t, vendor.token, 'VersjonsJournal', '7.2')));
      const v71 = await issue(await run(t, vendor.token, await systemVersion(t, vendor.token, 'VersjonsJournal', '7.1')));
      expect((await status(v72.id)).status).toBe('active');
      expect((await status(v71.id)).status).toBe('active');
      expect(await logOf(v72.id)).toEqual(['issued']);
    });

    it('a newer level B never supersedes a laboratory-confirmed C; after the vendor withdraws the C, the B stands alone', async () => {
      const ver = await systemVersion(t, vendor.token, 'NivåJournal', '3.0');
      const c = await issue(await run(t, vendor.token, ver));
      expect((await confirmByLab(t, labToken, c.id)).status).toBe(200);
      const b = await issue(await run(t, vendor.token, ver));
      expect(await status(c.id)).toMatchObject({ status: 'active', assuranceLevel: 'C' });
      expect(await status(b.id)).toMatchObject({ status: 'active', assuranceLevel: 'B' });

      // Only the manufacturer withdraws: another vendor does not find it, an administrator revokes instead.
      expect(
        (await t.call('POST', `/api/v1/declarations/${c.id}/withdraw`, { token: other.token, json: { reason: 'ikke min' } })).status,
      ).toBe(404);
      expect(
        (await t.call('POST', `/api/v1/declarations/${c.id}/withdraw`, { token: ADMIN_TOKEN, json: { reason: 'forsøk' } })).status,
      ).toBe(403);
      const withdrawn = await t.call('POST', `/api/v1/declarations/${c.id}/withdraw`, {
        token: vendor.token,
        json: { reason: 'Erstattes av ny erklæring' },
      });
      expect(withdrawn.status).toBe(200);
      expect(await status(c.id)).toMatchObject({
        status: 'revoked',
        statusReason: expect.stringMatching(/^withdrawn by the manufacturer on \d{4}-\d{2}-\d{2}: Erstattes av ny erklæring$/),
      });
      expect((await status(b.id)).status).toBe('active');
      expect(await logOf(c.id)).toEqual(['issued', 'countersigned', 'withdrawn']);
      expect(
        (await t.call('POST', `/api/v1/declarations/${c.id}/withdraw`, { token: vendor.token, json: { reason: 'igjen' } })).status,
      ).toBe(409);
    });

    it('level C needs the re-test to have run with the Hodemelding rules the declaration names, not a newer msghead-1.2', async () => {
      const declared = await issue(await run(t, vendor.token, await systemVersion(t, vendor.token, 'HodeJournal', '1.0')));
      const catalog = t.service.ctx.catalog;
      const msghead = catalog.require('msghead-1.2');
      // A new msghead-1.2 version is served: the declaration stays in force (it names the version it was tested with).
      catalog.put({ ...msghead, source: 'imported', manifest: { ...msghead.manifest, version: '1.2.99' }, sha256: 'b'.repeat(64) });
      try {
        const labRun = await labRetest(t, labToken, declared.id);
        const res = await t.call('POST', `/api/v1/declarations/${declared.id}/countersign`, { token: labToken, json: { runId: labRun } });
        expect(res.status).toBe(422);
        expect(((await res.json()) as { detail: string }).detail).toContain(`run ${labRun} did not test what the declaration lists`);
      } finally {
        catalog.put(msghead);
      }
      expect((await confirmByLab(t, labToken, declared.id)).status).toBe(200);
    });

    it("a laboratory's re-test run is its evidence for level C: the vendor cannot issue a declaration from it (403)", async () => {
      const declared = await issue(await run(t, vendor.token, await systemVersion(t, vendor.token, 'LabKjøringJournal', '1.0')));
      const labRun = await labRetest(t, labToken, declared.id);
      const res = await t.call('POST', `/api/v1/runs/${labRun}/declaration`, { token: vendor.token, json: ISSUANCE });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/laboratory's re-test/);
      expect((await (await t.call('GET', '/api/v1/registry?system=LabKjøringJournal')).json()) as { total: number }).toMatchObject({
        total: 1,
      });
    });

    it('`samsvar verify` checks the signature itself and asks the issuer for the status: exit 0 active, 3 revoked, 4 offline, 1 invalid', async () => {
      const d = await issue(await run(t, vendor.token, await systemVersion(t, vendor.token, 'VerifiserJournal', '1.0')));
      const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-verify-'));
      writeFileSync(path.join(dir, 'd.jws'), d.jws);
      const jwks = `${t.url}/.well-known/jwks.json`;
      const active = await runCli(['verify', 'd.jws', '--jwks', jwks], {}, dir);
      expect(active.code).toBe(0);
      expect(JSON.parse(active.stdout)).toMatchObject({
        valid: true,
        status: 'active',
        statusSource: 'registry',
        registry: `${t.url}/api/v1/declarations/verify`,
      });

      const offline = await runCli(['verify', 'd.jws', '--jwks', jwks, '--offline'], {}, dir);
      expect(offline.code).toBe(4);
      expect(JSON.parse(offline.stdout)).toMatchObject({ valid: true, status: 'unknown', statusSource: 'offline' });

      // What printed "active" with exit 0 for a revoked declaration before.
      await t.call('POST', `/api/v1/declarations/${d.id}/revoke`, { token: ADMIN_TOKEN, json: { reason: 'Feil ved stikkprøve' } });
      const revoked = await runCli(['verify', 'd.jws', '--jwks', jwks], {}, dir);
      expect(revoked.code).toBe(3);
      expect(JSON.parse(revoked.stdout)).toMatchObject({
        valid: true,
        status: 'revoked',
        statusSource: 'registry',
        reason: expect.stringMatching(/Feil ved stikkprøve/),
      });

      const [h, p, s] = d.jws.split('.');
      writeFileSync(path.join(dir, 'bad.jws'), `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`);
      expect((await runCli(['verify', 'bad.jws', '--jwks', jwks], {}, dir)).code).toBe(1);
    });

    it('marks a vendor and its declarations unverified until an administrator verified the organisation against Enhetsregisteret', async () => {
      const fresh = await registerVendor(t, 'Ukjent Identitet AS');
      expect(await (await t.call('GET', '/api/v1/vendors/me', { token: fresh.token })).json()).toMatchObject({ identity: 'unverified' });
      const runId = await run(t, fresh.token, await systemVersion(t, fresh.token, 'IdentitetJournal', '1.0'));
      const d = (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: fresh.token, json: ISSUANCE })).json()) as {
        id: string;
        manufacturerIdentity: string;
        declaration: { manufacturer: { identity: string } };
      };
      // The signed statement says what it is: name and number as registered, not verified.
      expect(d.declaration.manufacturer.identity).toBe('unverified');
      expect(d.manufacturerIdentity).toBe('unverified');
      const item = async () =>
        ((await (await t.call('GET', '/api/v1/registry?system=IdentitetJournal')).json()) as { items: { vendor: { identity: string } }[] })
          .items[0]!;
      expect((await item()).vendor.identity).toBe('unverified');
      expect(await (await t.call('GET', `/api/v1/declarations/${d.id}.html`)).text()).toContain('(ikke verifisert mot Enhetsregisteret)');

      const verify = (token: string, registeredName: string) =>
        t.call('POST', `/api/v1/vendors/${fresh.id}/verify`, {
          token,
          json: { registeredName, checked: 'Enhetsregisteret 2026-11-30: aktiv, ikke slettet, navnet stemmer' },
        });
      expect((await verify(fresh.token, 'Ukjent Identitet AS')).status).toBe(403);
      const mismatch = await verify(ADMIN_TOKEN, 'Noe Helt Annet AS');
      expect(mismatch.status).toBe(422);
      expect(((await mismatch.json()) as { detail: string }).detail).toMatch(/stays unverified/);
      const ok = await verify(ADMIN_TOKEN, 'UKJENT  IDENTITET AS');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ identity: 'verified', verification: { registeredName: 'UKJENT  IDENTITET AS' } });
      expect((await verify(ADMIN_TOKEN, 'Ukjent Identitet AS')).status).toBe(409);
      expect((await item()).vendor.identity).toBe('verified');
      expect(await (await t.call('GET', `/api/v1/declarations/${d.id}.html`)).text()).toContain('(verifisert mot Enhetsregisteret)');
      const vendors = (await (await t.call('GET', '/api/v1/vendors', { token: ADMIN_TOKEN })).json()) as { id: string; identity: string }[];
      expect(vendors.find((v) => v.id === fresh.id)!.identity).toBe('verified');
      expect(vendors.find((v) => v.id === other.id)!.identity).toBe('unverified');
      const audit = (await (await t.call('GET', `/api/v1/audit?objectType=vendor&objectId=${fresh.id}`, { token: ADMIN_TOKEN })).json()) as
        { action: string }[] | { items: { action: string }[] };
      expect((Array.isArray(audit) ? audit : audit.items).map((e) => e.action)).toContain('vendor.verify');
    });

    it('issues one declaration per run, countersigns once and revokes once when the requests arrive together (409 for the others)', async () => {
      const ver = await systemVersion(t, vendor.token, 'SamtidigJournal', '1.0');
      const runId = await run(t, vendor.token, ver);
      const issued = await Promise.all(
        Array.from({ length: 5 }, () => t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })),
      );
      expect(issued.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const d = (await issued.find((r) => r.status === 201)!.json()) as { id: string };
      const registry = (await (await t.call('GET', '/api/v1/registry?system=SamtidigJournal')).json()) as { total: number };
      expect(registry.total).toBe(1);

      const retests = await Promise.all([labRetest(t, labToken, d.id), labRetest(t, labToken, d.id), labRetest(t, labToken, d.id)]);
      const signed = await Promise.all(
        retests.map((runOfLab) =>
          t.call('POST', `/api/v1/declarations/${d.id}/countersign`, { token: labToken, json: { runId: runOfLab } }),
        ),
      );
      expect(signed.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      expect((await logOf(d.id)).filter((e) => e === 'countersigned')).toHaveLength(1);

      const revoked = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          t.call('POST', `/api/v1/declarations/${d.id}/revoke`, { token: ADMIN_TOKEN, json: { reason: `samtidig ${i}` } }),
        ),
      );
      expect(revoked.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      expect((await logOf(d.id)).filter((e) => e === 'revoked')).toHaveLength(1);
    });
  });
}
