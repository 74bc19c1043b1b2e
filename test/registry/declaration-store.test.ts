import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclarationStore } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const sqlite = dialectsUnderTest().find((d) => d.name === 'sqlite')!;

describe('the declaration store with a registry larger than one SQL statement may name', () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let store: DeclarationStore;
  // SQLite takes at most 32,766 bound values in one statement; the registry must not stop at that size.
  const COUNT = 32_800;

  beforeAll(async () => {
    db = await sqlite.create();
    ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
    store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
    const { vendor } = await ctx.repo.vendors.createVendor(
      { orgNumber: validOrgNumber(), name: 'Stor AS', email: 'post@example.no' },
      `hash-${Math.random()}`,
    );
    const raw = ctx.database.db as unknown as { insertInto(t: string): { values(rows: unknown[]): { execute(): Promise<unknown> } } };
    for (let start = 0; start < COUNT; start += 500) {
      const rows = Array.from({ length: Math.min(500, COUNT - start) }, (_, k) => {
        const i = start + k;
        const content = {
          id: `egn-${i}`,
          product: { name: 'Journal', version: String(i) },
          manufacturer: { name: 'Stor AS', organisasjonsnummer: vendor.orgNumber },
        };
        return {
          id: `egn-${i}`,
          vendor_id: vendor.id,
          run_id: null,
          jws: `x.y.${i}`,
          jws_sha256: String(i).padStart(64, '0'),
          content: JSON.stringify(content),
          org_number: vendor.orgNumber,
          system_name: 'Journal',
          system_version: String(i),
          issued_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          expires_at: '2028-01-01T00:00:00.000Z',
          logged_status: 'active',
        };
      });
      await raw.insertInto('declarations').values(rows).execute();
    }
    await store.revoke(
      'egn-7',
      { at: '2026-06-01T00:00:00.000Z', reason: 'testing', by: 'admin' },
      'f'.repeat(64),
      'admin:t',
      new Date('2026-06-01T00:00:00Z'),
    );
  });

  afterAll(async () => {
    await ctx?.database.close();
    await db?.drop();
  });

  it('lists every declaration with its revocation', async () => {
    const all = await store.listDeclarations();
    expect(all).toHaveLength(COUNT);
    expect(all.filter((d) => d.revocation).map((d) => d.id)).toEqual(['egn-7']);
  });
});
