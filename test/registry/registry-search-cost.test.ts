import { createHash } from 'node:crypto';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import type { DeclarationContent } from '../../src/declarations/declaration.js';
import { DeclarationStore, type DeclarationFilter } from '../../src/registry/declaration-store.js';
import type { AppContext } from '../../src/server/app-context.js';
import { buildContext } from '../../src/server/service.js';
import { SQLITE_FILE } from '../../src/storage/database.js';
import { ISSUANCE, ISSUER, passedRun } from '../declarations/fixtures.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

/**
 * Counts the declarations a search reads, on a second connection to the test's database.
 *
 * SQLite: that connection's LIKE is replaced by one that counts its calls and asks SQLite's own LIKE
 * (on a connection of its own) for the answer. Every declaration here is active, level A and of the
 * same profiles, so each declaration a search reads reaches its text conditions: the calls count
 * the declarations read.
 *
 * (An organisasjonsnummer decides before the LIKE is asked, so its search counts nothing once the
 * index finds only its declarations; read whole, every other declaration would be asked.)
 *
 * PostgreSQL: each statement the search ran is run again under EXPLAIN ANALYZE, and the rows its
 * scans of `declarations` looked at (returned, or removed by a filter or an index recheck) summed.
 */
interface RowCounter {
  store: DeclarationStore;
  declarationsRead(work: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

function sqliteCounter(db: TestDatabase): RowCounter {
  const sqlite = new BetterSqlite3(path.join(db.config.dataDir, SQLITE_FILE), { readonly: true });
  const builtIn = new BetterSqlite3(':memory:');
  const like2 = builtIn.prepare('select like(?, ?)').pluck();
  const like3 = builtIn.prepare('select like(?, ?, ?)').pluck();
  let calls = 0;
  sqlite.function('like', { varargs: true, deterministic: true }, (...args: unknown[]) => {
    calls++;
    return (args.length === 3 ? like3 : like2).get(...args) as number;
  });
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    store: new DeclarationStore(kysely, 'sqlite'),
    async declarationsRead(work) {
      const before = calls;
      await work();
      return calls - before;
    },
    async close() {
      await kysely.destroy();
      builtIn.close();
    },
  };
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

function postgresCounter(db: TestDatabase): RowCounter {
  // PostgreSQL picks a plan by its cost, and a table of a few hundred rows is cheapest read whole
  // (or all its active rows by the status index). These settings make every row and index entry
  // read dear, as on a registry that outgrows memory, with the statistics current (ANALYZE, as
  // autovacuum keeps them): the plan then reads only what an index lets it, and before migration
  // 0900 no index served a text search.
  const pool = new pg.Pool({
    connectionString: db.config.databaseUrl,
    max: 2,
    options: '-c enable_seqscan=off -c cpu_tuple_cost=1 -c cpu_index_tuple_cost=1',
  });
  // The test database is dropped (WITH FORCE) at the end: a connection still closing then is ended
  // by the server (57P01), which an unhandled pool error would report as a failure of the run.
  pool.on('error', () => {});
  let ran: CompiledQuery[] = [];
  const kysely = new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query') ran.push(e.query);
    },
  });
  const read = (n: PlanNode): number =>
    (n['Relation Name'] === 'declarations'
      ? (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops']
      : 0) + (n.Plans ?? []).reduce((sum, p) => sum + read(p), 0);
  return {
    store: new DeclarationStore(kysely, 'postgres'),
    async declarationsRead(work) {
      await pool.query('analyze declarations, declaration_profiles');
      ran = [];
      await work();
      let rows = 0;
      for (const q of ran) {
        const explained = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (analyze, format json) ${q.sql}`, [
          ...q.parameters,
        ]);
        rows += read(explained.rows[0]!['QUERY PLAN'][0]!.Plan);
      }
      return rows;
    },
    close: () => kysely.destroy(),
  };
}

/** Text searches are served by trigram indexes (migration 0900): what they read follows what they find, not the registry. */
for (const dialect of dialectsUnderTest()) {
  describe(`registry text searches on ${dialect.name}`, () => {
    let db: TestDatabase;
    let ctx: AppContext;
    let counter: RowCounter;
    const now = '2026-06-01T00:00:00.000Z';
    const rare = { name: 'Fjelltopp Helse AS', orgNumber: validOrgNumber(1_000) };
    const common = { name: 'Mengde Data AS', orgNumber: validOrgNumber(2_000) };
    const vendorIds = new Map<string, string>();
    let issued = 0;
    const rareIds: string[] = [];

    beforeAll(async () => {
      db = await dialect.create();
      ctx = await buildContext({ port: 0, maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, ...db.config });
      for (const v of [rare, common]) {
        const { vendor } = await ctx.repo.vendors.createVendor(
          { orgNumber: v.orgNumber, name: v.name, email: 'post@example.no' },
          `h-${v.name}`,
        );
        vendorIds.set(v.orgNumber, vendor.id);
      }
      counter = dialect.name === 'sqlite' ? sqliteCounter(db) : postgresCounter(db);
    });
    afterAll(async () => {
      await counter?.close();
      await ctx?.database.close();
      await db?.drop();
    });

    async function declare(vendor: typeof rare, product: { name: string; version: string }): Promise<string> {
      const id = `sok-${++issued}`;
      const at = new Date(Date.parse('2026-01-01T00:00:00Z') + issued * 60_000);
      const built = buildDeclaration(
        passedRun({ manufacturer: { name: vendor.name, organisasjonsnummer: vendor.orgNumber }, product: { ...product, systemId: 's' } }),
        { issuer: ISSUER, issuance: ISSUANCE, kid: 'k', now: at, id },
      );
      const content = { ...built, runId: undefined } as unknown as DeclarationContent;
      const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
      await store.insertDeclaration(
        { vendorId: vendorIds.get(vendor.orgNumber)!, jws: `h.${id}.s`, jwsSha256: createHash('sha256').update(id).digest('hex'), content },
        'test',
        at,
      );
      return id;
    }
    const declareCommon = async (n: number) => {
      for (let i = 0; i < n; i++) await declare(common, { name: 'Mengdejournal', version: '1.0' });
    };

    const searches: Record<string, Omit<DeclarationFilter, 'now'>> = {
      vendorName: { vendor: 'fjelltopp' },
      orgNumber: { vendor: rare.orgNumber },
      system: { system: 'TINDEJOURNAL' },
      words: { q: 'fjelltopp 7.1 dialogmelding' },
      shortAndLongWord: { q: 'tinde 7' },
      activeByText: { status: 'active', q: 'tindejournal' },
      levelAndSystem: { level: 'A', system: 'tinde' },
      profileAndVendor: { profile: 'dialogmelding-1.1', vendor: 'fjelltopp helse' },
    };
    async function measure() {
      const out: Record<string, { read: number; found: string[]; total: number }> = {};
      for (const [name, filter] of Object.entries(searches)) {
        let page = { total: 0, items: [] as Array<{ id: string }> };
        const read = await counter.declarationsRead(async () => {
          page = await counter.store.declarationPage(20, 0, { ...filter, now });
        });
        out[name] = { read, found: page.items.map((d) => d.id), total: page.total };
      }
      // Only words of one or two characters (here found nowhere): no trigram to look up, so every declaration is read.
      out.shortWordsOnly = {
        read: await counter.declarationsRead(() => counter.store.declarationPage(20, 0, { q: 'xq', now })),
        found: [],
        total: 0,
      };
      return out;
    }

    it('reads as many declarations with 50 or 400 others in the registry, and finds the same', async () => {
      await declareCommon(25);
      for (const version of ['7.0', '7.1', '7.1']) rareIds.unshift(await declare(rare, { name: 'Tindejournal', version }));
      await declareCommon(25);
      const small = await measure();

      await declareCommon(350);
      const large = await measure();

      for (const name of Object.keys(searches)) {
        expect({ name, ...large[name] }).toEqual({ name, ...small[name] });
      }
      expect(small.vendorName!.found).toEqual(rareIds);
      expect(small.vendorName!.total).toBe(3);
      expect(small.orgNumber!.found).toEqual(rareIds);
      expect(small.system!.found).toEqual(rareIds);
      expect(small.words!.found).toEqual(rareIds.slice(0, 2));
      expect(small.shortAndLongWord!.found).toEqual(rareIds);
      expect(small.activeByText!.found).toEqual(rareIds);
      expect(small.levelAndSystem!.found).toEqual(rareIds);
      expect(small.profileAndVendor!.found).toEqual(rareIds);
      // The counter does see the registry: a search it cannot look up reads eight times the declarations.
      expect(large.shortWordsOnly!.read).toBeGreaterThanOrEqual(7 * small.shortWordsOnly!.read);
    }, 300_000);
  });
}
