import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import type { DeclarationContent } from '../../src/declarations/declaration.js';
import { DeclarationStore, type DeclarationFilter } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { ISSUANCE, ISSUER, passedRun } from '../declarations/fixtures.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';

/** Registry searches are filtered in SQL (migration 0600): each filter finds exactly what it names. */
for (const dialect of dialectsUnderTest()) {
  describe(`searching the public registry in the database on ${dialect.name}`, () => {
    let db: TestDatabase;
    let ctx: AppContext;
    let store: DeclarationStore;
    const now = '2026-06-01T00:00:00.000Z';

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      const declare = async (id: string, at: string, overrides: Parameters<typeof passedRun>[0]) => {
        const built = buildDeclaration(passedRun(overrides), { issuer: ISSUER, issuance: ISSUANCE, kid: 'k', now: new Date(at), id });
        // No run behind it in this database: stored as level A is (run_id null).
        const content = { ...built, runId: undefined } as unknown as DeclarationContent;
        const { vendor } = await ctx.repo.vendors
          .createVendor(
            { orgNumber: content.manufacturer.organisasjonsnummer, name: content.manufacturer.name, email: 'post@example.no' },
            `hash-${id}`,
          )
          .catch(async () => ({
            vendor: (await ctx.repo.vendors.listVendors()).find((v) => v.orgNumber === content.manufacturer.organisasjonsnummer)!,
          }));
        await store.insertDeclaration(
          { vendorId: vendor.id, jws: `h.${id}.s`, jwsSha256: id.padEnd(64, '0'), content },
          'test',
          new Date(at),
        );
      };
      await declare('d1', '2026-01-01T00:00:00Z', {});
      await declare('d2', '2026-02-01T00:00:00Z', {
        manufacturer: { name: 'Fjordjournal AS', organisasjonsnummer: '923609016' },
        product: { name: 'Fjord EPJ', version: '2.0' },
      });
      await declare('d3', '2026-03-01T00:00:00Z', {
        product: { name: 'OmsorgsJournal Mobil', version: '1.0' },
        testCases: passedRun().testCases.map((t) => ({ ...t, profile: 'apprec-1.0', errorRuleIds: [] })),
      });
      await declare('d4', '2026-04-01T00:00:00Z', { product: { name: 'Prosent_100% Ærlig', version: '3.0' } });
      await store.revoke('d2', { at: now, reason: 'x', by: 'admin' }, 'f'.repeat(64), 'admin:t', new Date(now));
    });
    afterAll(async () => {
      await ctx?.database.close();
      await db?.drop();
    });

    const ids = async (f: Omit<DeclarationFilter, 'now'>, limit = 10, offset = 0) =>
      (await store.declarationPage(limit, offset, { ...f, now })).items.map((d) => d.id);

    it('lists newest first, paged, with the total of what matches', async () => {
      expect(await ids({})).toEqual(['d4', 'd3', 'd2', 'd1']);
      expect(await store.declarationPage(2, 1, { now })).toMatchObject({ total: 4, items: [{ id: 'd3' }, { id: 'd2' }] });
      expect((await store.declarationPage(1, 0, { system: 'omsorgsjournal', now })).total).toBe(2);
    });

    it('filters by profile, vendor name or organisasjonsnummer, system, status, level and free text', async () => {
      expect(await ids({ profile: 'apprec-1.0' })).toEqual(['d3']);
      expect(await ids({ profilesAnyOf: ['apprec-1.0', 'finnes-ikke'] })).toEqual(['d3']);
      expect(await ids({ profilesAnyOf: [] })).toEqual([]);
      expect(await ids({ vendor: 'fjordjournal' })).toEqual(['d2']);
      expect(await ids({ vendor: ' 923609016 ' })).toEqual(['d2']);
      expect(await ids({ system: 'OMSORGSJOURNAL' })).toEqual(['d3', 'd1']);
      expect(await ids({ status: 'revoked' })).toEqual(['d2']);
      expect(await ids({ status: 'active' })).toEqual(['d4', 'd3', 'd1']);
      expect(await ids({ q: 'omsorg mobil' })).toEqual(['d3']);
      expect(await ids({ q: 'Dialogmelding fjord' })).toEqual(['d2']);
      expect(await ids({ q: 'finnes ikke' })).toEqual([]);
      expect(await ids({ level: 'A' })).toEqual(['d4', 'd3', 'd2', 'd1']);
      expect(await ids({ level: 'B' })).toEqual([]);
      expect(await ids({ profile: 'apprec-1.0', status: 'revoked' })).toEqual([]);
    });

    it('takes % and _ in a search literally, and folds case as bokmål does', async () => {
      expect(await ids({ q: '100%' })).toEqual(['d4']);
      expect(await ids({ q: '_100' })).toEqual(['d4']);
      expect(await ids({ q: '%' })).toEqual(['d4']);
      expect(await ids({ system: 'ærlig' })).toEqual(['d4']);
      expect(await ids({ q: 'o_sorg' })).toEqual([]);
    });

    it('takes the syntax of a trigram index query in a search literally too', async () => {
      expect(await ids({ system: 'journal mobil' })).toEqual(['d3']);
      expect(await ids({ q: 'prosent_100%' })).toEqual(['d4']);
      expect(await ids({ q: '"omsorg' })).toEqual([]);
      expect(await ids({ q: 'mobil OR fjord' })).toEqual([]);
      expect(await ids({ system: 'NEAR(omsorg' })).toEqual([]);
      expect(await ids({ vendor: 'fjord*' })).toEqual([]);
      expect(await ids({ q: '{vendor} : fjord' })).toEqual([]);
    });

    it('counts expiry by time, whatever status was recorded', async () => {
      const later = '2030-01-01T00:00:00.000Z';
      expect((await store.declarationPage(10, 0, { status: 'expired', now: later })).items.map((d) => d.id)).toEqual(['d4', 'd3', 'd1']);
      expect((await store.declarationPage(10, 0, { status: 'active', now: later })).total).toBe(0);
    });
  });
}
