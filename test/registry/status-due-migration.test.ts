import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../src/server/service.js';
import { openDatabase } from '../../src/storage/database.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { Repository } from '../../src/storage/repository.js';
import { AT_ONCE } from '../../src/storage/status-due.js';
import { declarationServiceFor } from '../support/declaration-service.js';
import { dialectsUnderTest } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const BEFORE_0800 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0800'));

for (const dialect of dialectsUnderTest()) {
  describe(`migration 0800 (status queue) on ${dialect.name}`, () => {
    it('queues every declaration whose status can still change, at once and at its expiry and open spot-check deadline, so the next log read logs what was pending', async () => {
      const tdb = await dialect.create();
      try {
        const before = await openDatabase(tdb.config, BEFORE_0800);
        const repo = new Repository(before.db, before.dialect);
        const { vendor } = await repo.vendors.createVendor(
          { orgNumber: validOrgNumber(), name: 'Kø AS', email: 'post@example.no' },
          'h-ko',
        );
        const declaration = async (id: string, expiresAt: string, status: string) => {
          const content = {
            id,
            assuranceLevel: 'A',
            issuedAt: '2020-01-01T00:00:00.000Z',
            expiresAt,
            manufacturer: { name: 'Kø AS', organisasjonsnummer: vendor.orgNumber },
            product: { name: 'Journal', version: id },
            conformsTo: [{ profile: 'p1', version: '1.0', direction: 'send', profileSha256: 'a'.repeat(64) }],
            deviations: [],
            testCases: [],
          };
          const jws = `e30.${Buffer.from(JSON.stringify(content)).toString('base64url')}.c2ln`;
          await sql`insert into declarations (id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status)
            values (${id}, ${vendor.id}, ${null}, ${jws}, ${id.padEnd(64, '0')}, ${JSON.stringify(content)}, ${vendor.orgNumber}, 'Journal', ${id}, ${content.issuedAt}, ${expiresAt}, ${status})`.execute(
            before.db,
          );
        };
        // Lapsed while nobody read it; in force for years yet (with an open spot check); revoked (final).
        await declaration('egn-lapsed', '2021-01-01T00:00:00.000Z', 'active');
        await declaration('egn-current', '2099-01-01T00:00:00.000Z', 'active');
        await declaration('egn-revoked', '2099-01-01T00:00:00.000Z', 'revoked');
        await sql`insert into spot_checks (id, declaration_id, test_cases, requested_by, requested_at, deadline, answer, outcome)
          values ('sp-1', 'egn-current', '[]', 'admin', '2025-01-01T00:00:00.000Z', '2098-01-01T00:00:00.000Z', ${null}, ${null})`.execute(
          before.db,
        );
        await before.close();

        const ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...tdb.config });
        try {
          const queued = async () =>
            (
              await sql<{
                declaration_id: string;
                due_at: string;
              }>`select declaration_id, due_at from status_due order by declaration_id, due_at`.execute(ctx.database.db)
            ).rows;
          expect(await queued()).toEqual([
            { declaration_id: 'egn-current', due_at: AT_ONCE },
            { declaration_id: 'egn-current', due_at: '2098-01-01T00:00:00.000Z' },
            { declaration_id: 'egn-current', due_at: '2099-01-01T00:00:00.000Z' },
            { declaration_id: 'egn-lapsed', due_at: AT_ONCE },
            { declaration_id: 'egn-lapsed', due_at: '2021-01-01T00:00:00.000Z' },
          ]);

          const svc = await declarationServiceFor(ctx);
          const page = await svc.logPage(0, 100);
          expect(page.entries.map((e) => `${e.type}:${e.declarationId}`)).toEqual(['expired:egn-lapsed']);
          // What is due later stays queued.
          expect(await queued()).toEqual([
            { declaration_id: 'egn-current', due_at: '2098-01-01T00:00:00.000Z' },
            { declaration_id: 'egn-current', due_at: '2099-01-01T00:00:00.000Z' },
          ]);
        } finally {
          await ctx.database.close();
        }
      } finally {
        await tdb.drop();
      }
    });
  });
}
