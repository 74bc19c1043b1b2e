import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/database.js';
import { Repository } from '../../src/storage/repository.js';
import { dialectsUnderTest } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const BEFORE_0900 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0900'));
const now = '2026-06-01T00:00:00.000Z';

async function insertDeclaration(db: Kysely<any>, id: string, vendor: { id: string; orgNumber: string }, system: string): Promise<void> {
  const content = JSON.stringify({ conformsTo: [{ profile: 'p1', direction: 'send' }] });
  await sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status, vendor_folded, system_folded, search_text)
    values (${id}, ${vendor.id}, ${null}, 'h.p.s', ${id.padEnd(64, 'b')}, ${content}, ${vendor.orgNumber}, ${system}, '1.0', '2026-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 'active',
      'trigram as', ${system.toLowerCase()}, ${`${id} trigram as ${system.toLowerCase()} 1.0`})`.execute(db);
}

for (const dialect of dialectsUnderTest()) {
  describe(`migration 0900 (registry trigram indexes) on ${dialect.name}`, () => {
    it('indexes the declarations already issued, and keeps the index in step with later writes', async () => {
      const tdb = await dialect.create();
      try {
        const before = await openDatabase(tdb.config, BEFORE_0900);
        const { vendor } = await new Repository(before.db, before.dialect).vendors.createVendor(
          { orgNumber: validOrgNumber(), name: 'Trigram AS', email: 'post@example.no' },
          'h-trigram',
        );
        await insertDeclaration(before.db, 'eldre-1', vendor, 'Fjordjournal');
        await before.close();

        const after = await openDatabase(tdb.config, MIGRATIONS);
        try {
          const store = new DeclarationStore(after.db, after.dialect);
          const found = async (f: { system?: string; q?: string }) =>
            (await store.declarationPage(10, 0, { ...f, now })).items.map((d) => d.id);
          expect(await found({ system: 'fjordjournal' })).toEqual(['eldre-1']);
          expect(await found({ q: 'eldre fjord' })).toEqual(['eldre-1']);

          await insertDeclaration(after.db, 'nyere-1', vendor, 'Tindejournal');
          expect(await found({ system: 'tindejournal' })).toEqual(['nyere-1']);
          // Written outside the service (a repair by hand): the index follows the row.
          await sql`update declarations set system_folded = 'breejournal' where id = 'nyere-1'`.execute(after.db);
          expect(await found({ system: 'breejournal' })).toEqual(['nyere-1']);
          expect(await found({ system: 'tindejournal' })).toEqual([]);

          const indexes =
            after.dialect === 'postgres'
              ? // Updated at each issuance, not queued in a pending list that every search would read through.
                await sql<{ name: string }>`select indexname as name from pg_indexes
                  where tablename = 'declarations' and indexdef like '%gin_trgm_ops%' and indexdef like '%fastupdate=off%' order by 1`.execute(
                  after.db,
                )
              : await sql<{ name: string }>`select name from sqlite_master where name = 'declarations_search'`.execute(after.db);
          expect(indexes.rows.map((r) => r.name)).toEqual(
            after.dialect === 'postgres'
              ? ['declarations_search_text_trgm', 'declarations_system_folded_trgm', 'declarations_vendor_folded_trgm']
              : ['declarations_search'],
          );
        } finally {
          await after.close();
        }
      } finally {
        await tdb.drop();
      }
    });
  });
}
