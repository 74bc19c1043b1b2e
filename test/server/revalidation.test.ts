import { randomUUID } from 'node:crypto';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
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
  let db: TestDatabase;
  /** What the instances logged (queue errors among it), shown when an expectation fails. */
  const logged: string[] = [];
  const services: RunningService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
    await db?.drop();
  });

  async function start(
    catalog: ProfileCatalog | undefined,
    opts: RevalidationFeatureOptions & { worker?: boolean; testcases?: TestcaseSuite } = {},
  ) {
    // Chunks of four: on PostgreSQL the instance stopped after two items hands the rest of its chunk back.
    const feature = revalidationFeature({ chunkSize: 4, ...opts });
    const service = await startService(
      { port: 0, maxBodyBytes: 25 * 1024 * 1024, rateLimitPerMinute: 1000, adminToken: ADMIN_TOKEN, validationWorkers: 1, ...db.config },
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

  async function waitUntilDone(call: (m: string, p: string, t?: string) => Promise<Response>, id: string) {
    for (;;) {
      const job = (await (await call('GET', `/api/v1/admin/revalidations/${id}`, ADMIN_TOKEN)).json()) as Record<string, unknown>;
      if (job.status === 'done') return job;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it(
    're-runs them in the background with progress, lists the changed verdicts, resumes after a restart and refuses vendors',
    { timeout: 120_000 },
    async () => {
      db = await dialect.create();
      // Before the fix: a vendor submits messages with a reversed period (failed by DLG-0008) and good ones.
      const a = await start(undefined);
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
      const done = (await waitUntilDone(c.call, job.id)) as unknown as {
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
        // The chunks went through pg-boss's queue in the same database (its schema outlives this test's, so
        // only this job's chunks count): two chunks, both completed, the
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
      // Only the instances of this test work on the queue.
      for (const s of services.splice(0)) await s.close();
      // A job written to the database whose chunks never reached the queue (its instance had no worker).
      const writer = await start(fixedCatalog(), { worker: false });
      const orphan = await writer.feature.service(writer.service.ctx).create(PROFILE, undefined, 'admin:test');
      expect(orphan.total).toBe(6);
      // Two instances start together; each holds its first item until the other has done one too, so both take part.
      const workedBy = new Map<string, string[]>();
      let both!: () => void;
      const bothWorking = new Promise<void>((r) => (both = r));
      const hook = (name: string) => async (_id: string, position: number) => {
        workedBy.set(name, [...(workedBy.get(name) ?? []), String(position)]);
        if (workedBy.size === 2) both();
        // Bounded, so an instance that never gets work fails the expectation below instead of hanging.
        await Promise.race([bothWorking, new Promise((r) => setTimeout(r, 15_000))]);
      };
      const [d] = await Promise.all([
        start(fixedCatalog(), { chunkSize: 1, afterItem: hook('d') }),
        start(fixedCatalog(), { chunkSize: 1, afterItem: hook('e') }),
      ]);
      const done = (await waitUntilDone(d.call, orphan.id)) as { done: number; total: number; changed: number };
      expect(done).toMatchObject({ done: 6, total: 6, changed: 3 });
      expect([...workedBy.keys()].sort(), logged.join('\n')).toEqual(['d', 'e']);
      // Every item was written once, whoever ran it.
      const items = await sql<{
        n: number;
      }>`select count(*)::int as n from revalidation_items where revalidation_id = ${orphan.id} and done_at is not null`.execute(
        d.service.ctx.database.db,
      );
      expect(items.rows[0]!.n).toBe(6);
    },
  );

  it.runIf(dialect.name === 'postgres')(
    'queues a job created while an instance starts once: the start-up check and its creator do not both send it',
    { timeout: 120_000 },
    async () => {
      for (const s of services.splice(0)) await s.close();
      const writer = await start(fixedCatalog(), { worker: false });
      const job = await writer.feature.service(writer.service.ctx).create(PROFILE, undefined, 'admin:test');
      await writer.service.close();
      // The new instance's start-up finds the job unqueued; its creator's enqueue arrives meanwhile.
      const g = await start(fixedCatalog(), { chunkSize: 4 });
      await g.feature.runner(g.service.ctx).enqueue(job.id);
      await waitUntilDone(g.call, job.id);
      const chunks = await sql<{
        n: number;
      }>`select count(*)::int as n from pgboss.job where name = 'samsvar-revalidation' and data->>'id' = ${job.id}`.execute(
        g.service.ctx.database.db,
      );
      // Six items in chunks of four: two chunks, not four.
      expect(chunks.rows[0]!.n).toBe(2);
    },
  );

  it('counts a submission whose test case is no longer loaded as skipped, not as changed', { timeout: 120_000 }, async () => {
    for (const s of services.splice(0)) await s.close();
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
      const done = (await waitUntilDone(f.call, created.id)) as { done: number; skipped: number; changed: number; changedItems: unknown[] };
      expect(done).toMatchObject({ done: 6, skipped: 6, changed: 0, changedItems: [] });
    } finally {
      await pool.close();
    }
  });
});
