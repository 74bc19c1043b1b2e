import { randomUUID } from 'node:crypto';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadCatalog, loadProfileDir, ProfileCatalog } from '../../src/profiles/catalog.js';
import { revalidationFeature, type RevalidationFeatureOptions } from '../../src/server/routes/revalidation-feature.js';
import { HostAllowlist } from '../../src/live/host-allowlist.js';
import { ValidationPool } from '../../src/pool/validation-pool.js';
import { testcaseSuite } from '../../src/runs/testcase-suite-adapter.js';
import type { TestcaseSuite } from '../../src/runs/testcase-suite.js';
import { startService, type RunningService } from '../../src/server/service.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { dialectsUnderTest, type TestDatabase } from '../support/databases.js';
import { ADMIN_TOKEN, validOrgNumber } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROFILE = 'dialogmelding-1.1-foresporsel';
const TESTCASE = 'dialogmelding-1.1-foresporsel-send';
const EXAMPLES = path.join(ROOT, 'profiles', PROFILE, 'examples');
const work = mkdtempSync(path.join(tmpdir(), 'samsvar-revalidation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The shipped catalog with the profile's rule DLG-0008 (period in order) dropped: a "rule fix". */
function fixedCatalog(): ProfileCatalog {
  const dir = path.join(work, 'fixed', PROFILE);
  cpSync(path.join(ROOT, 'profiles', PROFILE), dir, { recursive: true });
  const sch = path.join(dir, 'rules', 'dialogmelding.sch');
  const fixed = readFileSync(sch, 'utf8').replace(/test="not\(dia:FraDato and dia:TilDato\)[^"]*"/, 'test="true()"');
  expect(fixed).not.toBe(readFileSync(sch, 'utf8'));
  writeFileSync(sch, fixed);
  const shipped = loadCatalog({ importedDir: null });
  return new ProfileCatalog(shipped.list().map((p) => (p.manifest.id === PROFILE ? loadProfileDir(dir, 'shipped') : p)));
}

describe.each(dialectsUnderTest())('re-validation of stored submissions after a rule fix ($name)', (dialect) => {
  /** Each test's own database (and pg-boss queue in it): no job, chunk or worker of another test is there. */
  let db: TestDatabase | undefined;
  /** What the instances logged (queue errors among it), shown when an expectation fails. */
  const logged: string[] = [];
  const services: RunningService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await db?.drop();
    db = undefined;
    logged.length = 0;
  });

  async function start(
    catalog: ProfileCatalog | undefined,
    opts: RevalidationFeatureOptions & { worker?: boolean; testcases?: TestcaseSuite } = {},
  ) {
    // Chunks of four: on PostgreSQL the instance stopped after two items hands the rest of its chunk back.
    const feature = revalidationFeature({ chunkSize: 4, ...opts });
    const service = await startService(
      { port: 0, maxBodyBytes: 25 * 1024 * 1024, rateLimitPerMinute: 1000, adminToken: ADMIN_TOKEN, validationWorkers: 1, ...db!.config },
      {
        hostname: '127.0.0.1',
        log: (m) => logged.push(m),
        catalog,
        testcases: opts.testcases,
        routeModules: feature.modules,
        backgroundTasks: opts.worker === false ? [] : feature.backgroundTasks,
      },
    );
    services.push(service);
    const call = async (method: string, p: string, token?: string, json?: unknown, body?: Buffer) => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (json !== undefined) headers['content-type'] = 'application/json';
      if (body) headers['content-type'] = 'application/xml';
      return fetch(`${service.url}${p}`, { method, headers, body: json !== undefined ? JSON.stringify(json) : body } as RequestInit);
    };
    return { service, call, feature: feature.feature };
  }

  type Instance = Awaited<ReturnType<typeof start>>;

  /**
   * Waits for the job to be done. Fails, with where its items and chunks are, as soon as every item
   * is done but the job is not, and otherwise after a hang guard short of the test's, so a job that
   * never finishes is reported rather than timed out.
   */
  async function waitUntilDone(instance: Instance, id: string, guardMs = 90_000) {
    const giveUpAt = Date.now() + guardMs;
    let allItemsDone = false;
    for (;;) {
      const job = (await (await instance.call('GET', `/api/v1/admin/revalidations/${id}`, ADMIN_TOKEN)).json()) as Record<string, unknown>;
      if (job.status === 'done') return job;
      // The last item and the job's "done" commit together, so a read after one that counted every
      // item done must see the job done (one read alone may fall between its two queries).
      const stuck = allItemsDone;
      allItemsDone = job.done === job.total;
      if (stuck || Date.now() > giveUpAt)
        throw new Error(
          `re-validation ${id} ${stuck ? 'has every item done but is not done' : 'did not finish'}: ${await whereIs(instance, id, job)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The job's counts, its pending items, its chunks in pg-boss's queue (PostgreSQL) and what the instances logged. */
  async function whereIs(instance: Instance, id: string, job: Record<string, unknown>): Promise<string> {
    const db = instance.service.ctx.database.db;
    const pending = await sql<{ position: number }>`select position from revalidation_items
      where revalidation_id = ${id} and done_at is null order by position`.execute(db);
    const chunks =
      dialect.name === 'postgres'
        ? (
            await sql<{ state: string; retry_count: number; positions: unknown }>`select state, retry_count, data->'positions' as positions
              from pgboss.job where name = 'samsvar-revalidation' and data->>'id' = ${id} order by created_on`.execute(db)
          ).rows
        : 'none (SQLite)';
    return JSON.stringify(
      {
        job: { status: job.status, done: job.done, total: job.total },
        pending: pending.rows.map((r) => Number(r.position)),
        chunks,
        logged: logged.filter((m) => m !== 'request'),
      },
      null,
      1,
    );
  }

  /**
   * Before the fix: a fresh database with a vendor's run of six stored submissions, three of them
   * with a reversed period (failed by DLG-0008) and three good ones.
   */
  async function seed() {
    db = await dialect.create();
    const a = await start(undefined, { worker: false });
    const vendor = (await (
      await a.call('POST', '/api/v1/vendors', undefined, {
        orgNumber: validOrgNumber(),
        name: 'Revalidering AS',
        email: 'post@example.no',
      })
    ).json()) as { token: string };
    const system = (await (await a.call('POST', '/api/v1/systems', vendor.token, { name: 'EPJ' })).json()) as { id: string };
    const version = (await (
      await a.call('POST', `/api/v1/systems/${system.id}/versions`, vendor.token, { version: '1.0', herId: '8999911' })
    ).json()) as { id: string };
    const run = (await (
      await a.call('POST', '/api/v1/runs', vendor.token, { systemVersionId: version.id, profiles: [PROFILE] })
    ).json()) as { id: string; testData: { patient: { fnr: string } } };
    // The examples as the system would send them in this run: its patient, from its party to samsvar's, a fresh MsgId each, GenDate now.
    const inRun = (file: string) => () =>
      Buffer.from(
        readFileSync(file, 'utf8')
          .replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${randomUUID()}</MsgId>`)
          .replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${osloDateTime(new Date())}</GenDate>`)
          .replaceAll('<Id>8142987</Id>', '<Id>8999911</Id>')
          .replaceAll('<Id>8094866</Id>', '<Id>8999901</Id>')
          .replaceAll('<Id>15450210185</Id>', `<Id>${run.testData.patient.fnr}</Id>`),
      );
    const broken = inRun(path.join(EXAMPLES, 'invalid', 'DLG-0008--period-reversed.xml'));
    const good = inRun(path.join(EXAMPLES, 'valid', 'foresporsel-helseopplysninger.xml'));
    const submitted: { id: string; verdict: string; broken: boolean }[] = [];
    for (const [make, isBroken] of [
      [broken, true],
      [good, false],
      [broken, true],
      [good, false],
      [broken, true],
      [good, false],
    ] as const) {
      const res = await a.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${TESTCASE}`, vendor.token, undefined, make());
      expect(res.status).toBe(201);
      const s = (await res.json()) as { id: string; verdict: string; findings: { ruleId: string; severity: string }[] };
      if (isBroken) expect(s.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['DLG-0008']);
      submitted.push({ id: s.id, verdict: s.verdict, broken: isBroken });
    }
    expect(submitted.filter((s) => s.broken).every((s) => s.verdict === 'failed')).toBe(true);
    expect(submitted.filter((s) => !s.broken).every((s) => s.verdict === 'passed')).toBe(true);
    await a.service.close();
    return { vendor, run, submitted };
  }

  it(
    're-runs them in the background with progress, lists the changed verdicts, resumes after a restart and refuses vendors',
    { timeout: 120_000 },
    async () => {
      const { vendor, run, submitted } = await seed();

      // After the fix: instance B starts the job and is stopped after two submissions.
      let reached!: () => void;
      const reachedTwo = new Promise<void>((r) => (reached = r));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let count = 0;
      const b = await start(fixedCatalog(), {
        afterItem: async () => {
          if (++count === 2) {
            reached();
            await gate;
          }
        },
      });
      expect((await b.call('POST', '/api/v1/admin/revalidations', vendor.token, { profile: PROFILE })).status).toBe(403);
      expect((await b.call('POST', '/api/v1/admin/revalidations', undefined, { profile: PROFILE })).status).toBe(401);
      expect((await b.call('GET', '/api/v1/admin/revalidations', vendor.token)).status).toBe(403);
      expect((await b.call('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: PROFILE, version: '0.0.1' })).status).toBe(409);
      expect((await b.call('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: 'no-such' })).status).toBe(404);
      const created = await b.call('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: PROFILE });
      expect(created.status).toBe(202);
      const job = (await created.json()) as { id: string; total: number; status: string; profileVersion: string };
      expect(job).toMatchObject({ total: 6, status: 'queued' });
      expect(created.headers.get('location')).toBe(`/api/v1/admin/revalidations/${job.id}`);
      expect((await b.call('GET', `/api/v1/admin/revalidations/${job.id}`, vendor.token)).status).toBe(403);

      await reachedTwo;
      const halfway = (await (await b.call('GET', `/api/v1/admin/revalidations/${job.id}`, ADMIN_TOKEN)).json()) as {
        status: string;
        done: number;
        total: number;
      };
      expect(halfway).toMatchObject({ status: 'running', done: 2, total: 6 });
      const closing = b.service.close();
      release();
      await closing;

      // A new instance with the same (fixed) profile finishes the job.
      const c = await start(fixedCatalog());
      const done = (await waitUntilDone(c, job.id)) as unknown as {
        done: number;
        total: number;
        changed: number;
        finishedAt: string;
        changedItems: {
          submissionId: string;
          oldVerdict: string;
          newVerdict: string;
          newErrors: string[];
          testcaseId: string;
          runId: string;
        }[];
      };
      expect(done).toMatchObject({ done: 6, total: 6, changed: 3, skipped: 0 });
      expect(done.finishedAt).toBeTruthy();
      expect(done.changedItems.map((i) => i.submissionId).sort()).toEqual(
        submitted
          .filter((s) => s.broken)
          .map((s) => s.id)
          .sort(),
      );
      expect(
        done.changedItems.every(
          (i) =>
            i.oldVerdict === 'failed' &&
            i.newVerdict === 'passed' &&
            i.newErrors.length === 0 &&
            i.testcaseId === TESTCASE &&
            i.runId === run.id,
        ),
      ).toBe(true);
      // The stored submissions keep the verdicts they were given.
      const stored = (await (await c.call('GET', `/api/v1/runs/${run.id}/submissions/${submitted[0]!.id}`, vendor.token)).json()) as {
        verdict: string;
      };
      expect(stored.verdict).toBe('failed');
      const list = (await (await c.call('GET', '/api/v1/admin/revalidations', ADMIN_TOKEN)).json()) as { id: string }[];
      expect(list.map((j) => j.id)).toContain(job.id);
      if (dialect.name === 'postgres') {
        // The chunks went through pg-boss's queue in the same database: two chunks, both completed, the
        // first after B handed it back half done.
        const chunks = await sql<{
          state: string;
          retry_count: number;
        }>`select state, retry_count from pgboss.job where name = 'samsvar-revalidation' and data->>'id' = ${job.id} order by created_on`.execute(
          c.service.ctx.database.db,
        );
        expect(chunks.rows.map((r) => r.state)).toEqual(['completed', 'completed']);
        expect(chunks.rows.map((r) => r.retry_count)).toEqual([1, 0]);
      }
      const audit = (await (await c.call('GET', `/api/v1/audit?objectType=revalidation&objectId=${job.id}`, ADMIN_TOKEN)).json()) as {
        items: { action: string; details: { submissions: number } }[];
      };
      expect(audit.items).toEqual([
        expect.objectContaining({ action: 'revalidation.create', details: expect.objectContaining({ submissions: 6 }) }),
      ]);
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'shares a job between instances, and queues a job whose chunks were never sent when an instance starts',
    { timeout: 120_000 },
    async () => {
      await seed();
      // A job written to the database whose chunks never reached the queue (its instance had no worker).
      const writer = await start(fixedCatalog(), { worker: false });
      const orphan = await writer.feature.service(writer.service.ctx).create(PROFILE, undefined, 'admin:test');
      expect(orphan.total).toBe(6);
      // Two instances start together; each holds its first item until the other has done one too, so
      // both take part (and, released together, they write the last items at about the same time).
      // One that never gets work leaves the other holding: waitUntilDone then says where the chunks are.
      const workedBy = new Map<string, string[]>();
      let both!: () => void;
      const bothWorking = new Promise<void>((r) => (both = r));
      const hook = (name: string) => async (_id: string, position: number) => {
        workedBy.set(name, [...(workedBy.get(name) ?? []), String(position)]);
        if (workedBy.size === 2) both();
        await bothWorking;
      };
      try {
        const [d] = await Promise.all([
          start(fixedCatalog(), { chunkSize: 1, afterItem: hook('d') }),
          start(fixedCatalog(), { chunkSize: 1, afterItem: hook('e') }),
        ]);
        const done = (await waitUntilDone(d, orphan.id)) as { done: number; total: number; changed: number };
        expect(done).toMatchObject({ done: 6, total: 6, changed: 3 });
        expect([...workedBy.keys()].sort(), logged.join('\n')).toEqual(['d', 'e']);
        // Every item was written once, whoever ran it.
        const items = await sql<{
          n: number;
        }>`select count(*)::int as n from revalidation_items where revalidation_id = ${orphan.id} and done_at is not null`.execute(
          d.service.ctx.database.db,
        );
        expect(items.rows[0]!.n).toBe(6);
      } finally {
        // So a failed test's instances can stop.
        both();
      }
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'gives each instance a working queue when two start at once on a new database',
    { timeout: 120_000 },
    async () => {
      db = await dialect.create();
      const url = db.config.databaseUrl!;
      // The service's tables and pg-boss's schema without the queue: what the first instances started on a new database find.
      await (await start(fixedCatalog(), { worker: false })).service.close();
      const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false });
      await boss.start();
      await boss.stop({ graceful: false, wait: true });
      // A third party holds pg-boss's job table: the first instance to create the queue waits there with
      // the queue's row written, so the second is creating it too before the first has finished.
      const holder = new pg.Client({ connectionString: url });
      const watcher = new pg.Client({ connectionString: url });
      await holder.connect();
      await watcher.connect();
      try {
        await holder.query('begin');
        await holder.query('lock table pgboss.job in access exclusive mode');
        const instances = await Promise.all([start(fixedCatalog()), start(fixedCatalog())]);
        const settled: boolean[] = [];
        const started = instances.map((i, k) =>
          i.feature
            .runner(i.service.ctx)
            .enqueue('no-such-job')
            .then(
              () => 'started',
              (e: Error) => e.message,
            )
            .finally(() => (settled[k] = true)),
        );
        // Both wait on a lock (or are past the point where they would): only then does the holder let go.
        for (;;) {
          const { rows } = await watcher.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (rows[0]!.n + settled.filter(Boolean).length >= 2) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await holder.query('commit');
        expect(await Promise.all(started), logged.filter((m) => m !== 'request').join('\n')).toEqual(['started', 'started']);
      } finally {
        await holder.end();
        await watcher.end();
      }
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'queues a job created while an instance starts once: the start-up check and its creator do not both send it',
    { timeout: 120_000 },
    async () => {
      await seed();
      const writer = await start(fixedCatalog(), { worker: false });
      const job = await writer.feature.service(writer.service.ctx).create(PROFILE, undefined, 'admin:test');
      await writer.service.close();
      // The new instance's start-up finds the job unqueued; its creator's enqueue arrives meanwhile.
      const g = await start(fixedCatalog(), { chunkSize: 4 });
      await g.feature.runner(g.service.ctx).enqueue(job.id);
      await waitUntilDone(g, job.id);
      const chunks = await sql<{
        n: number;
      }>`select count(*)::int as n from pgboss.job where name = 'samsvar-revalidation' and data->>'id' = ${job.id}`.execute(
        g.service.ctx.database.db,
      );
      // Six items in chunks of four: two chunks, not four.
      expect(chunks.rows[0]!.n).toBe(2);
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'marks done, when an instance starts, a job whose every item is done but which was left running',
    { timeout: 120_000 },
    async () => {
      await seed();
      const h = await start(fixedCatalog());
      const created = (await (await h.call('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: PROFILE })).json()) as {
        id: string;
      };
      const finished = (await waitUntilDone(h, created.id)) as { finishedAt: string };
      await h.service.close();
      // What two workers writing its last two items at once left behind before they took turns.
      const writer = await start(fixedCatalog(), { worker: false });
      await writer.service.ctx.database.db
        .updateTable('revalidations')
        .set({ status: 'running', finished_at: null })
        .where('id', '=', created.id)
        .execute();
      await writer.service.close();

      const k = await start(fixedCatalog());
      await k.feature.runner(k.service.ctx).enqueue(created.id);
      const job = (await (await k.call('GET', `/api/v1/admin/revalidations/${created.id}`, ADMIN_TOKEN)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ status: 'done', done: 6, total: 6, finishedAt: finished.finishedAt });
      expect(logged).toContain('re-validation: 1 job(s) with every item done marked done');
    },
  );

  it('counts a submission whose test case is no longer loaded as skipped, not as changed', { timeout: 120_000 }, async () => {
    await seed();
    const catalog = fixedCatalog();
    const pool = new ValidationPool(catalog, { workers: 1 });
    try {
      const without = testcaseSuite(
        loadTestcases(undefined, catalog).filter((tc) => tc.id !== TESTCASE),
        { engine: pool, liveHosts: HostAllowlist.parse('') },
      );
      const f = await start(catalog, { testcases: without });
      const created = (await (await f.call('POST', '/api/v1/admin/revalidations', ADMIN_TOKEN, { profile: PROFILE })).json()) as {
        id: string;
      };
      const done = (await waitUntilDone(f, created.id)) as { done: number; skipped: number; changed: number; changedItems: unknown[] };
      expect(done).toMatchObject({ done: 6, skipped: 6, changed: 0, changedItems: [] });
    } finally {
      await pool.close();
    }
  });
});
