import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/database.js';
import { Repository } from '../../src/storage/repository.js';
import { dialectsUnderTest } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const BEFORE_0500 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0500'));

for (const dialect of dialectsUnderTest()) {
  describe(`migration 0500 (registry indexes) on ${dialect.name}`, () => {
    it('lists the profiles and directions of the declarations already issued, once each', async () => {
      const tdb = await dialect.create();
      try {
        const before = await openDatabase(tdb.config, BEFORE_0500);
        const repo = new Repository(before.db, before.dialect);
        const { vendor } = await repo.vendors.createVendor(
          { orgNumber: validOrgNumber(), name: 'Indeks AS', email: 'post@example.no' },
          'h-indeks',
        );
        const content = JSON.stringify({
          conformsTo: [
            { profile: 'p1', direction: 'send' },
            { profile: 'p1', direction: 'receive' },
            { profile: 'p1', direction: 'send' },
          ],
        });
        await sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
          values ('egn-1', ${vendor.id}, ${null}, 'h.p.s', ${'b'.repeat(64)}, ${content}, ${vendor.orgNumber}, 'Journal', '1.0', '2026-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', 'active')`.execute(
          before.db,
        );
        await before.close();

        const after = await openDatabase(tdb.config, MIGRATIONS);
        try {
          const rows = await sql<{
            declaration_id: string;
            profile: string;
            direction: string;
          }>`select declaration_id, profile, direction from declaration_profiles order by direction`.execute(after.db);
          expect(rows.rows).toEqual([
            { declaration_id: 'egn-1', profile: 'p1', direction: 'receive' },
            { declaration_id: 'egn-1', profile: 'p1', direction: 'send' },
          ]);
        } finally {
          await after.close();
        }
      } finally {
        await tdb.drop();
      }
    });
  });
}
