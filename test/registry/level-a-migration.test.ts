import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as m0001 from '../../src/storage/migrations/0001_core.js';
import * as m0100 from '../../src/storage/migrations/0100_declarations.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { openDatabase } from '../../src/storage/database.js';
import { Repository } from '../../src/storage/repository.js';
import { dialectsUnderTest } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

for (const dialect of dialectsUnderTest()) {
  describe(`migration 0101 (level A declarations) on ${dialect.name}`, () => {
    it('keeps the declarations and what refers to them, lets run_id be empty, and still enforces the foreign keys', async () => {
      const tdb = await dialect.create();
      try {
        const before = await openDatabase(tdb.config, { '0001_core': m0001, '0100_declarations': m0100 });
        const repo = new Repository(before.db, before.dialect);
        const { vendor } = await repo.vendors.createVendor(
          { orgNumber: validOrgNumber(), name: 'Migrasjon AS', email: 'post@example.no' },
          'h-migrasjon',
        );
        const sys = await repo.systems.createSystem(vendor.id, { name: 'Journal' }, 'test');
        const ver = await repo.systems.createSystemVersion(sys.id, { version: '1.0' }, 'test');
        // A run as the schema of that time holds it (today's repository writes columns added later).
        const run = { id: 'run-migrasjon' };
        await sql`insert into runs (id, vendor_id, system_version_id, created_at)
          values (${run.id}, ${vendor.id}, ${ver.id}, '2026-01-01T00:00:00.000Z')`.execute(before.db);
        await sql`insert into run_profiles (run_id, profile_id, profile_version, profile_sha256, position)
          values (${run.id}, 'p', '1', ${'a'.repeat(64)}, 0)`.execute(before.db);
        const row = {
          vendor_id: vendor.id,
          jws: 'h.p.s',
          content: '{}',
          org_number: vendor.orgNumber,
          system_name: 'Journal',
          system_version: '1.0',
          issued_at: '2026-01-01T00:00:00.000Z',
          expires_at: '2028-01-01T00:00:00.000Z',
          logged_status: 'revoked',
        };
        await sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
          values ('egn-b', ${row.vendor_id}, ${run.id}, ${row.jws}, ${'b'.repeat(64)}, ${row.content}, ${row.org_number}, ${row.system_name}, ${row.system_version}, ${row.issued_at}, ${row.expires_at}, ${row.logged_status})`.execute(
          before.db,
        );
        await sql`insert into declaration_revocations (declaration_id, at, reason, revoked_by) values ('egn-b', '2026-02-01T00:00:00.000Z', 'test', 'admin')`.execute(
          before.db,
        );
        await before.close();

        const after = await openDatabase(tdb.config, MIGRATIONS);
        try {
          const kept = await sql<{ id: string; run_id: string }>`select id, run_id from declarations`.execute(after.db);
          expect(kept.rows).toEqual([{ id: 'egn-b', run_id: run.id }]);
          expect((await sql`select declaration_id from declaration_revocations`.execute(after.db)).rows).toEqual([
            { declaration_id: 'egn-b' },
          ]);
          await sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
            values ('egn-a', ${row.vendor_id}, ${null}, ${row.jws}, ${'c'.repeat(64)}, ${row.content}, ${row.org_number}, ${row.system_name}, ${row.system_version}, ${row.issued_at}, ${row.expires_at}, 'active')`.execute(
            after.db,
          );
          await expect(
            sql`insert into declaration_revocations (declaration_id, at, reason, revoked_by) values ('egn-finnes-ikke', 'x', 'x', 'x')`.execute(
              after.db,
            ),
          ).rejects.toThrow(/foreign key/i);
          await expect(
            sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
              values ('egn-x', ${row.vendor_id}, 'no-such-run', ${row.jws}, ${'d'.repeat(64)}, ${row.content}, ${row.org_number}, ${row.system_name}, ${row.system_version}, ${row.issued_at}, ${row.expires_at}, 'active')`.execute(
              after.db,
            ),
          ).rejects.toThrow(/foreign key/i);
          await expect(
            sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
              values ('egn-y', ${row.vendor_id}, ${null}, ${row.jws}, ${'e'.repeat(64)}, ${row.content}, ${row.org_number}, ${row.system_name}, ${row.system_version}, ${row.issued_at}, ${row.expires_at}, 'gyldig')`.execute(
              after.db,
            ),
          ).rejects.toThrow(/check/i);
        } finally {
          await after.close();
        }
      } finally {
        await tdb.drop();
      }
    });
  });
}
