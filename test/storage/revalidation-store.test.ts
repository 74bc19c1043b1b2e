import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/sha256.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { Repository } from '../../src/storage/repository.js';
import { RevalidationStore } from '../../src/storage/revalidation-store.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { validOrgNumber } from '../support/service.js';

const PASSED = { verdict: 'passed' as const, errors: [], skipped: null };

describe.each(dialectsUnderTest())('re-validation jobs in the database ($name)', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let repo: Repository;
  let store: RevalidationStore;

  beforeAll(async () => {
    testDb = await dialect.create();
    database = await openDatabase(testDb.config);
    repo = new Repository(database.db, database.dialect);
    store = new RevalidationStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** A job over `n` stored submissions of a profile of its own. */
  async function jobOver(n: number): Promise<string> {
    const profileId = `p-${validOrgNumber()}`;
    const { vendor } = await repo.vendors.createVendor(
      { orgNumber: validOrgNumber(), name: 'V', email: 'v@example.no' },
      sha256Hex(profileId),
    );
    const system = await repo.systems.createSystem(vendor.id, { name: 'EPJ' }, 'test');
    const version = await repo.systems.createSystemVersion(system.id, { version: '1.0' }, 'test');
    const run = await repo.runs.createRun(
      { vendorId: vendor.id, systemVersionId: version.id, profiles: [{ profileId, profileVersion: '1', profileSha256: 'x', uses: [] }] },
      'test',
    );
    for (let i = 0; i < n; i++) {
      await repo.submissions.createSubmission(
        {
          runId: run.id,
          testcaseId: 'tc',
          profileId,
          verdict: 'failed',
          findings: [],
          validation: {},
          contentType: 'application/xml',
          artifact: new Uint8Array([i]),
        },
        'test',
      );
    }
    const id = `job-${profileId}`;
    expect(
      await store.create({
        id,
        profileId,
        profileVersion: '1',
        profileSha256: 'x',
        uses: [{ profile: 'msghead-1.2', version: '1.2.1', profileSha256: 'y' }],
        createdBy: 'admin:test',
        at: '2026-11-30T10:00:00.000Z',
      }),
    ).toBe(n);
    expect((await store.get(id))!.uses).toEqual([{ profile: 'msghead-1.2', version: '1.2.1', profileSha256: 'y' }]);
    return id;
  }

  it('marks a job running with its first item and done with its last, once per item', async () => {
    const id = await jobOver(2);
    expect(await store.get(id)).toMatchObject({ status: 'queued', done: 0, total: 2 });
    await store.complete(id, 0, PASSED, '2026-11-30T10:01:00.000Z');
    expect(await store.get(id)).toMatchObject({ status: 'running', done: 1, finishedAt: null });
    await store.complete(id, 0, { verdict: 'failed', errors: ['X'], skipped: null }, '2026-11-30T10:02:00.000Z');
    expect(await store.get(id)).toMatchObject({ status: 'running', done: 1, changed: 1 });
    await store.complete(id, 1, PASSED, '2026-11-30T10:03:00.000Z');
    expect(await store.get(id)).toMatchObject({ status: 'done', done: 2, changed: 2, finishedAt: '2026-11-30T10:03:00.000Z' });
    expect(await store.unfinished()).not.toContain(id);
  });

  it.runIf(dialect.name === 'postgres')(
    'marks a job done when two workers write its last two items at the same time',
    { timeout: 120_000 },
    async () => {
      const id = await jobOver(2);
      // A third party holds the job's row, so both workers' transactions are under way before either commits.
      await database.db.connection().execute(async (conn) => {
        await sql`begin`.execute(conn);
        await sql`select id from revalidations where id = ${id} for update`.execute(conn);
        const settled: boolean[] = [];
        const workers = [0, 1].map((position, k) =>
          store.complete(id, position, PASSED, `2026-11-30T10:0${position}:00.000Z`).finally(() => (settled[k] = true)),
        );
        // Both wait on a lock (or finished without one): only then does the holder let go.
        for (;;) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
          if (rows[0]!.n + settled.filter(Boolean).length >= 2) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await sql`commit`.execute(conn);
        await Promise.all(workers);
      });
      expect(await store.get(id)).toMatchObject({ status: 'done', done: 2, total: 2, finishedAt: expect.any(String) });
      expect(await store.unfinished()).not.toContain(id);
    },
  );

  it('marks done, as of its last item, a job left running with every item done; a job with items left stays', async () => {
    const stuck = await jobOver(2);
    const going = await jobOver(2);
    await store.complete(stuck, 0, PASSED, '2026-11-30T10:01:00.000Z');
    await store.complete(stuck, 1, PASSED, '2026-11-30T10:02:00.000Z');
    await store.complete(going, 0, PASSED, '2026-11-30T10:01:00.000Z');
    // What two workers writing the last items at once used to leave behind.
    await database.db.updateTable('revalidations').set({ status: 'running', finished_at: null }).where('id', '=', stuck).execute();
    expect(await store.unfinished()).toEqual(expect.arrayContaining([stuck, going]));

    await store.finishSettled();
    expect(await store.get(stuck)).toMatchObject({ status: 'done', done: 2, finishedAt: '2026-11-30T10:02:00.000Z' });
    expect(await store.get(going)).toMatchObject({ status: 'running', done: 1, finishedAt: null });
    expect(await store.unfinished()).not.toContain(stuck);
    expect(await store.finishSettled()).toBe(0);
  });
});
