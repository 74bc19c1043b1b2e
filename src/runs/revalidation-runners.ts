/**
 * Who does the work of re-validation jobs. SQLite: this process, one item after another, resuming
 * unfinished jobs when it starts. PostgreSQL: pg-boss, a job queue kept in the same database, so
 * every instance takes chunks of a job; a chunk whose instance stops is failed back to the queue
 * (pg-boss fails work in progress on stop, and expires it if the instance dies) and another
 * instance, or the next start, takes it. Items are done once whoever runs them.
 */
import pg from 'pg';
import PgBoss from 'pg-boss';
import { SamsvarError } from '../core/samsvar-error.js';
import type { RevalidationService } from './revalidation.js';

export interface RevalidationRunner {
  /** Makes a new (or resumed) job's items known to the workers. */
  enqueue(id: string): Promise<void>;
  stop(): Promise<void>;
}

export interface RunnerHooks {
  /** Called after each item a worker finished (tests use it to stop a job half-way). */
  afterItem?: (id: string, position: number) => Promise<void> | void;
}

const RETRY_PAUSE_MS = 1000;

/** SQLite: one loop in this process works through unfinished jobs, oldest first. */
export class InProcessRunner implements RevalidationRunner {
  private stopping = false;
  private wake: () => void = () => {};
  private readonly loop: Promise<void>;

  constructor(
    private readonly service: RevalidationService,
    private readonly log: (m: string) => void,
    private readonly hooks: RunnerHooks = {},
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const sleep = new Promise<void>((resolve) => (this.wake = resolve));
      let worked = false;
      try {
        for (const id of await this.service.unfinished()) {
          for (const position of await this.service.pendingPositions(id)) {
            if (this.stopping) return;
            await this.service.runItem(id, position);
            worked = true;
            await this.hooks.afterItem?.(id, position);
          }
        }
      } catch (e) {
        this.log(`re-validation: ${(e as Error).message}; trying again`);
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
        continue;
      }
      if (!worked) await sleep;
    }
  }

  async enqueue(): Promise<void> {
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }
}

export const REVALIDATION_QUEUE = 'samsvar-revalidation';
/** Items per pg-boss job: small enough that instances share a job, large enough to keep the queue short. */
export const DEFAULT_CHUNK_SIZE = 20;

interface ChunkData {
  id: string;
  positions: number[];
}

/** PostgreSQL: chunks of a job go through pg-boss (schema `pgboss` in the service's database). */
export class PgBossRunner implements RevalidationRunner {
  private stopping = false;
  private readonly boss: PgBoss;
  private readonly ready: Promise<void>;

  constructor(
    private readonly connectionString: string,
    private readonly service: RevalidationService,
    private readonly log: (m: string) => void,
    private readonly opts: RunnerHooks & { chunkSize?: number; pollingIntervalSeconds?: number } = {},
  ) {
    // A stopped instance's chunk is failed back and retried at once; a dead one's expires after 10 minutes.
    this.boss = new PgBoss({ connectionString, max: 2, retryLimit: 1000, retryDelay: 1, expireInSeconds: 600, schedule: false });
    this.boss.on('error', (e: Error) => this.log(`re-validation queue: ${e.message}`));
    this.ready = this.start();
    this.ready.catch((e: Error) => this.log(`re-validation queue did not start: ${e.message}`));
  }

  private async start(): Promise<void> {
    await this.boss.start();
    await this.createQueue();
    await this.boss.work<ChunkData>(
      REVALIDATION_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 0.5 },
      async (jobs) => {
        for (const job of jobs) await this.runChunk(job.data);
      },
    );
    await this.requeueOrphans();
  }

  /**
   * Creates the queue, one instance at a time. pg-boss's create_queue inserts the queue's row and then
   * gives it a partition with a foreign key to the queue table, so two instances creating it at once
   * (a new database, both starting) deadlock, and the instance PostgreSQL aborts never works. An
   * advisory lock held by a session of its own makes them take turns; the later finds the queue made.
   */
  private async createQueue(): Promise<void> {
    const turn = new pg.Client({ connectionString: this.connectionString });
    turn.on('error', (e: Error) => this.log(`re-validation queue: ${e.message}`));
    await turn.connect();
    try {
      await turn.query(`select pg_advisory_lock(('x' || md5($1))::bit(64)::bigint)`, [`samsvar create queue ${REVALIDATION_QUEUE}`]);
      await this.boss.createQueue(REVALIDATION_QUEUE);
    } finally {
      // Ending the session releases its lock.
      await turn.end();
    }
  }

  /**
   * A job with items left but nothing queued for it (its chunks were never sent, or ran out of
   * retries) is queued again at start, so no job waits forever. Two instances doing this at once
   * queue it twice, which costs a little time and changes no result. A job with no items left that
   * is not marked done (two workers wrote its last items at once, before the store made them take
   * turns) is marked done: nothing else would.
   */
  private async requeueOrphans(): Promise<void> {
    const settled = await this.service.finishSettled();
    if (settled > 0) this.log(`re-validation: ${settled} job(s) with every item done marked done`);
    for (const id of await this.service.unfinished()) if (!(await this.queued(id))) await this.send(id);
  }

  /** Whether some of the job's chunks wait in or are taken from the queue. */
  private async queued(id: string): Promise<boolean> {
    const { rows } = await this.boss
      .getDb()
      .executeSql(`select 1 from pgboss.job where name = $1 and data->>'id' = $2 and state in ('created', 'retry', 'active') limit 1`, [
        REVALIDATION_QUEUE,
        id,
      ]);
    return rows.length > 0;
  }

  private async runChunk(chunk: ChunkData): Promise<void> {
    const pending = new Set(await this.service.pendingPositions(chunk.id));
    for (const position of chunk.positions) {
      if (!pending.has(position)) continue;
      // Failing the chunk hands its remaining items back to the queue for another instance.
      if (this.stopping) throw new Error('this instance is stopping; the rest of the chunk goes back to the queue');
      await this.service.runItem(chunk.id, position);
      await this.opts.afterItem?.(chunk.id, position);
    }
  }

  async enqueue(id: string): Promise<void> {
    try {
      await this.ready;
    } catch (e) {
      throw new SamsvarError(
        'unavailable',
        `the re-validation queue is not running (${(e as Error).message}); the job is kept and queued when the service next starts`,
        { retryAfter: 30 },
      );
    }
    // A job created while this instance was starting is an orphan to the start-up check too, which
    // has sent its chunks by now (`ready` includes it): queue it once.
    if (!(await this.queued(id))) await this.send(id);
  }

  private async send(id: string): Promise<void> {
    const positions = await this.service.pendingPositions(id);
    const size = this.opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    for (let i = 0; i < positions.length; i += size) {
      await this.boss.send(REVALIDATION_QUEUE, { id, positions: positions.slice(i, i + size) } satisfies ChunkData, {
        retryLimit: 1000,
        retryDelay: 1,
        expireInSeconds: 600,
      });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    try {
      await this.ready;
      await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    } catch (e) {
      this.log(`re-validation queue did not stop cleanly: ${(e as Error).message}`);
    }
  }
}
