import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { FairQueue } from './fair-queue.js';
import { startWorker } from './start-worker.js';
import { validationClient } from './validation-client.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import type { ArtifactValidator, ValidateOptions, ValidationResult } from '../engine/engine.js';
import { engineSettingsFromEnv, type EngineSettings } from '../engine/engine-settings.js';
import type { Evaluation, EvaluationContext } from '../testcases/evaluate-submission.js';
import type { Testcase } from '../testcases/testcase.js';
import type { WorkerInit, WorkerJob, WorkerReply, WorkerTask } from './validation-worker.js';

/** A small message validates in milliseconds; one taking this long is pathological and is stopped. */
export const DEFAULT_VALIDATION_TIMEOUT_MS = 20_000;
/**
 * Added to the time limit per MiB of the message: a valid 25 MB message takes ≈ 13 s on an idle core
 * (≈ 0.5 s per MiB), and several times that on a loaded machine. With a fixed limit a valid message
 * under the size limit could be refused for its size alone; scaled, the size limit is the only one.
 */
export const DEFAULT_VALIDATION_TIMEOUT_MS_PER_MIB = 2_000;
/**
 * Validations that may wait per worker before more are refused. Ordinary messages validate in
 * milliseconds, so a long queue of them is a short wait: with 8 per worker, 50 clients at once
 * already got 503 for most of their requests while the workers had time to spare. What bounds the
 * wait for large messages is the byte budget below.
 */
export const DEFAULT_QUEUE_PER_WORKER = 64;
/**
 * Bytes of messages that may wait per worker: two maximal (25 MB) messages. A validation's time
 * grows with its size, so this bounds the worst wait (about two maximal validations per worker)
 * and the memory held by waiting messages, while thousands of small messages' bytes fit easily.
 */
export const DEFAULT_QUEUED_BYTES_PER_WORKER = 50 * 1024 * 1024;
/**
 * libxml2's wasm memory grows to the largest message a worker has read and never shrinks (a 24 MB
 * message leaves ≈ 290 MB behind, a 1 MB one ≈ 16 MB): a worker that has validated a message this
 * large is replaced, so idle workers do not each hold the peak of the largest message they ever saw.
 */
export const DEFAULT_RECYCLE_AFTER_BYTES = 4 * 1024 * 1024;
/**
 * How long a worker may spend preparing a job (compiling its profile, loading and snapshotting the
 * FHIR definitions: seconds, more on a loaded machine), time the validation's limit does not count.
 * Compilation is not bounded by the message (an imported profile brings its own schemas), so a
 * profile whose compilation never ends must not hold a worker forever: ten minutes is far beyond any
 * real profile on a busy machine and still ends a stuck one.
 */
export const DEFAULT_PREPARATION_TIMEOUT_MS = 10 * 60_000;
/** Suggested wait (Retry-After, seconds) for a refused validation. */
const RETRY_AFTER_S = 5;

/** One worker per core, at most four: more threads than cores only make each validation slower. */
export function defaultValidationWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

export interface ValidationPoolOptions {
  /** Worker threads at most; each starts when a validation first needs it. Default {@link defaultValidationWorkers}. */
  workers?: number;
  /** A validation running longer is stopped, its worker replaced, and the caller refused. Default 20 s; Infinity: no limit (the CLI). */
  timeoutMs?: number;
  /** Added to timeoutMs per MiB of the message (default 2 s), so the limit grows with the message. */
  timeoutMsPerMiB?: number;
  /** A worker preparing one job longer than this (compiling profiles, which timeoutMs does not count) is stopped. Default 10 min; Infinity when timeoutMs is. */
  preparationTimeoutMs?: number;
  /** Tests only: see WorkerInit.holdPreparation. */
  holdPreparation?: Int32Array;
  /** Validations that may wait for a free worker; more are refused as `unavailable`. Default 64 per worker; Infinity: no bound. */
  maxQueued?: number;
  /** Bytes of messages that may wait; a validation that would exceed it is refused as `unavailable` (unless none waits). Default 50 MiB per worker; Infinity: no bound. */
  maxQueuedBytes?: number;
  /** Validations one client may have waiting; more are refused as `rate_limited`. Default a quarter of maxQueued, at least 2. */
  maxQueuedPerClient?: number;
  /** A worker is replaced after validating a message of at least this many bytes. Default 4 MiB; Infinity: never. */
  recycleAfterBytes?: number;
  /** The workers' engine settings. Default: from the environment, as an in-process Engine reads them. */
  settings?: EngineSettings;
}

export interface PoolStats {
  /** Worker threads alive (starting, idle or busy); 0 after close(). */
  threads: number;
  busy: number;
  queued: number;
}

interface Job {
  /** Whom the validation is for (see validation-client.ts): the unit the pool shares its workers by. */
  client: string;
  input: Uint8Array;
  task: WorkerTask;
  resolve(result: ValidationResult | Evaluation): void;
  reject(error: Error): void;
}

interface Running extends Job {
  id: number;
  /** Epoch ms when the worker was given the job, and its time limit. */
  startedAt: number;
  limit: number;
  timer?: NodeJS.Timeout;
}

/** Plain copies: a catalog reads a profile's files on first use (getters), and only data crosses to a worker. */
function plainProfiles(catalog: ProfileCatalog): LoadedProfile[] {
  return catalog.list().map((p) => ({ manifest: p.manifest, dir: p.dir, source: p.source, files: p.files, sha256: p.sha256 }));
}

interface Slot {
  worker: Worker;
  /** Written by the worker: see WorkerInit.preparation. */
  preparation: BigInt64Array;
  ready: boolean;
  running?: Running;
  /** Started before the catalog last changed: ended once its validation is done. */
  stale?: boolean;
}

function unavailable(detail: string): SamsvarError {
  return new SamsvarError('unavailable', detail, { retryAfter: RETRY_AFTER_S });
}

/**
 * Validates on worker threads so that no validation holds up the service's other requests: the
 * request thread only queues the bytes and awaits the result. Offers the Engine's contract
 * (catalog + validate), so routes and test case evaluation use it unchanged.
 *
 * Each worker has its own Engine over the same profiles as `catalog` (as loaded when the pool was
 * made), compiling each profile on first use. A validation over the time limit terminates its
 * worker (wasm code cannot be interrupted otherwise); the next validation that needs a worker
 * starts a fresh one.
 */
export class ValidationPool implements ArtifactValidator {
  readonly workers: number;
  readonly timeoutMs: number;
  readonly timeoutMsPerMiB: number;
  readonly preparationTimeoutMs: number;
  readonly maxQueued: number;
  readonly maxQueuedBytes: number;
  readonly maxQueuedPerClient: number;
  /** Workers one client may occupy while another client waits: half of them, at least one. */
  readonly runningShare: number;
  readonly recycleAfterBytes: number;
  private readonly settings: EngineSettings;
  private readonly holdPreparation?: Int32Array;
  /** What every worker starts from; each gets its own preparation clock besides. */
  private init: Pick<WorkerInit, 'profiles' | 'settings'>;
  private readonly slots = new Set<Slot>();
  /** Every thread not yet exited, including those terminated and on their way out. */
  private readonly exits = new Set<Promise<void>>();
  private readonly queue = new FairQueue<Job>();
  private readonly runningByClient = new Map<string, number>();
  /** Bytes of the messages waiting in the queue, in all and by client. */
  private queuedBytes = 0;
  private readonly queuedBytesByClient = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly catalog: ProfileCatalog,
    opts: ValidationPoolOptions = {},
  ) {
    this.workers = opts.workers ?? defaultValidationWorkers();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_VALIDATION_TIMEOUT_MS;
    this.timeoutMsPerMiB = opts.timeoutMsPerMiB ?? DEFAULT_VALIDATION_TIMEOUT_MS_PER_MIB;
    if (!(this.timeoutMsPerMiB >= 0) || !Number.isFinite(this.timeoutMsPerMiB)) {
      throw new SamsvarError('bad_request', `validation pool: timeoutMsPerMiB must be a non-negative number (got ${this.timeoutMsPerMiB})`);
    }
    this.preparationTimeoutMs = opts.preparationTimeoutMs ?? (this.timeoutMs === Infinity ? Infinity : DEFAULT_PREPARATION_TIMEOUT_MS);
    this.holdPreparation = opts.holdPreparation;
    this.maxQueued = opts.maxQueued ?? DEFAULT_QUEUE_PER_WORKER * this.workers;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? (this.maxQueued === Infinity ? Infinity : DEFAULT_QUEUED_BYTES_PER_WORKER * this.workers);
    this.maxQueuedPerClient =
      opts.maxQueuedPerClient ?? (this.maxQueued === Infinity ? Infinity : Math.max(2, Math.ceil(this.maxQueued / 4)));
    this.runningShare = Math.max(1, Math.ceil(this.workers / 2));
    this.recycleAfterBytes = opts.recycleAfterBytes ?? DEFAULT_RECYCLE_AFTER_BYTES;
    if (!Number.isInteger(this.workers) || this.workers < 1 || this.workers > 256)
      throw new SamsvarError('bad_request', `validation pool: workers must be a positive integer (got ${this.workers})`);
    const limits = [
      ['timeoutMs', this.timeoutMs],
      ['preparationTimeoutMs', this.preparationTimeoutMs],
      ['maxQueued', this.maxQueued],
      ['maxQueuedPerClient', this.maxQueuedPerClient],
      ['recycleAfterBytes', this.recycleAfterBytes],
      ['maxQueuedBytes', this.maxQueuedBytes],
    ] as const;
    for (const [name, n] of limits) {
      // setTimeout fires at once for delays beyond 2^31-1 ms; Infinity means no limit.
      if (n !== Infinity && (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1))
        throw new SamsvarError('bad_request', `validation pool: ${name} must be a positive integer or Infinity (got ${n})`);
    }
    this.settings = opts.settings ?? engineSettingsFromEnv();
    this.init = { profiles: plainProfiles(catalog), settings: this.settings };
  }

  /**
   * Takes up the catalog's current profiles (after an import or an activation): idle workers end
   * now, busy ones after their validation, and the next validation starts a worker that has them.
   */
  reload(): void {
    this.init = { profiles: plainProfiles(this.catalog), settings: this.settings };
    for (const slot of [...this.slots]) {
      if (slot.running) slot.stale = true;
      else this.retire(slot);
    }
    this.dispatch();
  }

  /** The time limit for a message of this many bytes: the base limit plus its share per MiB (at most 2^31-1 ms). */
  timeoutFor(bytes: number): number {
    if (this.timeoutMs === Infinity) return Infinity;
    return Math.min(2 ** 31 - 1, Math.round(this.timeoutMs + (this.timeoutMsPerMiB * bytes) / (1024 * 1024)));
  }

  validate(input: Uint8Array, opts: ValidateOptions = {}): Promise<ValidationResult> {
    // Only the fields of ValidateOptions cross the thread boundary.
    return this.enqueue(input, { kind: 'validate', opts: { profile: opts.profile, format: opts.format } }) as Promise<ValidationResult>;
  }

  /** Evaluates a submission for a test case on a worker, where the assertions look into the document the engine parsed. */
  evaluate(testcase: Testcase, input: Uint8Array, ctx: EvaluationContext = {}): Promise<Evaluation> {
    return this.enqueue(input, { kind: 'evaluate', testcase, ctx }) as Promise<Evaluation>;
  }

  private enqueue(input: Uint8Array, task: WorkerTask): Promise<ValidationResult | Evaluation> {
    if (this.closed) return Promise.reject(unavailable('the service is shutting down; try again shortly'));
    if (this.queue.size >= this.maxQueued) {
      return Promise.reject(
        unavailable(
          `the service is busy: ${this.queue.size} validations are waiting for one of its ${this.workers} validation workers; try again in a few seconds`,
        ),
      );
    }
    if (this.queue.size > 0 && this.queuedBytes + input.byteLength > this.maxQueuedBytes) {
      return Promise.reject(
        unavailable(
          `the service is busy: ${Math.round(this.queuedBytes / (1024 * 1024))} MB of messages are waiting for one of its ${this.workers} validation workers; try again in a few seconds`,
        ),
      );
    }
    const requester = validationClient();
    // Work of the service's own (no request) is one client too, but not held to a client's share.
    const client = requester ?? '(service)';
    const own = this.queue.sizeOf(client);
    // A client's share of the queue: a quarter of its places and a quarter of its bytes (but one message always).
    const ownBytes = this.queuedBytesByClient.get(client) ?? 0;
    if (requester !== undefined && (own >= this.maxQueuedPerClient || (own > 0 && ownBytes + input.byteLength > this.maxQueuedBytes / 4))) {
      // This client's share of the queue is full, not the service: the others keep their room.
      return Promise.reject(
        new SamsvarError(
          'rate_limited',
          `${own} of your validations are waiting already, your share of this service's queue; send the next when one of them is answered`,
          {
            retryAfter: RETRY_AFTER_S,
          },
        ),
      );
    }
    return new Promise<ValidationResult | Evaluation>((resolve, reject) => {
      this.queue.push({ client, input, task, resolve, reject });
      this.queued(client, input.byteLength);
      this.dispatch();
    });
  }

  /** Counts `bytes` of a client's message into (positive) or out of (negative) the queue. */
  private queued(client: string, bytes: number): void {
    this.queuedBytes += bytes;
    const n = (this.queuedBytesByClient.get(client) ?? 0) + bytes;
    if (n > 0) this.queuedBytesByClient.set(client, n);
    else this.queuedBytesByClient.delete(client);
  }

  stats(): PoolStats {
    let busy = 0;
    for (const s of this.slots) if (s.running) busy++;
    return { threads: this.exits.size, busy, queued: this.queue.size };
  }

  /** Refuses what waits or runs, and resolves once every worker thread has exited. */
  async close(): Promise<void> {
    this.closed = true;
    const refusal = unavailable('the service is shutting down; try again shortly');
    for (const job of this.queue.drain()) job.reject(refusal);
    this.queuedBytes = 0;
    this.queuedBytesByClient.clear();
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      if (slot.running) {
        clearTimeout(slot.running.timer);
        slot.running.reject(refusal);
        this.finished(slot);
      }
      void slot.worker.terminate();
    }
    await Promise.all(this.exits);
  }

  private dispatch(): void {
    while (this.queue.size > 0) {
      const idle = [...this.slots].find((s) => s.ready && !s.running);
      if (!idle) break;
      const job = this.queue.take((c) => this.runningByClient.get(c) ?? 0, this.runningShare)!;
      this.queued(job.client, -job.input.byteLength);
      this.run(idle, job);
    }
    let starting = [...this.slots].filter((s) => !s.ready).length;
    while (this.queue.size > starting && this.slots.size < this.workers) {
      this.spawn();
      starting++;
    }
  }

  private spawn(): void {
    const preparation = new BigInt64Array(new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT));
    const init: WorkerInit = { ...this.init, preparation, ...(this.holdPreparation ? { holdPreparation: this.holdPreparation } : {}) };
    const worker = startWorker('./validation-worker', import.meta.url, init);
    let exited!: () => void;
    const exit = new Promise<void>((r) => (exited = r));
    const slot: Slot = { worker, preparation, ready: false };
    this.slots.add(slot);
    this.exits.add(exit);
    // An idle worker must not keep the process alive; a busy one does (see run()).
    worker.unref();
    worker.on('message', (m: WorkerReply) => this.onReply(slot, m));
    worker.on('error', (e) => this.lost(slot, e));
    worker.on('messageerror', (e) => this.lost(slot, e));
    worker.on('exit', (code) => {
      this.exits.delete(exit);
      exited();
      this.lost(slot, new Error(`a validation worker stopped unexpectedly (exit code ${code})`));
    });
  }

  private run(slot: Slot, job: Job): void {
    const id = this.nextId++;
    // The caller keeps its bytes (a submission is stored after validation): the worker gets a copy
    // made with one memcpy and transferred, which the structured clone would make twice.
    const copy = new Uint8Array(job.input.byteLength);
    copy.set(job.input);
    // The worker is idle: no preparation runs, and none has been spent on this job yet.
    Atomics.store(slot.preparation, 1, 0n);
    slot.running = { ...job, id, startedAt: Date.now(), limit: this.timeoutFor(job.input.byteLength) };
    this.watch(slot, slot.running);
    this.runningByClient.set(job.client, (this.runningByClient.get(job.client) ?? 0) + 1);
    slot.worker.ref();
    slot.worker.postMessage({ id, bytes: copy.buffer, ...job.task } satisfies WorkerJob, [copy.buffer]);
  }

  private onReply(slot: Slot, m: WorkerReply): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.dispatch();
      return;
    }
    const job = slot.running;
    if (!job || job.id !== m.id) return;
    clearTimeout(job.timer);
    this.finished(slot);
    slot.worker.unref();
    if (job.input.byteLength >= this.recycleAfterBytes || slot.stale) this.retire(slot);
    if (m.type === 'done') job.resolve(m.result);
    else if (m.type === 'refused') job.reject(new SamsvarError(m.code, m.detail, m.extra));
    else job.reject(Object.assign(new Error(`validation failed in a worker thread: ${m.message}`), { stack: m.stack }));
    this.dispatch();
  }

  /** The slot's job is over (answered, refused or stopped): its client runs one fewer. */
  private finished(slot: Slot): void {
    const client = slot.running?.client;
    slot.running = undefined;
    if (client === undefined) return;
    const n = (this.runningByClient.get(client) ?? 1) - 1;
    if (n > 0) this.runningByClient.set(client, n);
    else this.runningByClient.delete(client);
  }

  /** Takes a worker out of the pool and ends its thread; the next validation that needs one starts afresh. */
  private retire(slot: Slot): void {
    this.slots.delete(slot);
    void slot.worker.terminate();
  }

  /**
   * Arms the job's next deadline. The time limit counts the time since the worker took the job less
   * what it spent preparing (read from the worker's shared clock when the deadline comes, so no
   * message has to arrive first); while it prepares, the preparation limit applies instead.
   */
  private watch(slot: Slot, job: Running): void {
    if (slot.running !== job) return;
    const now = Date.now();
    const since = Number(Atomics.load(slot.preparation, 0));
    const prepared = Number(Atomics.load(slot.preparation, 1)) + (since ? now - since : 0);
    const used = now - job.startedAt - prepared;
    if (since && now - since >= this.preparationTimeoutMs) return this.stopped(slot, this.preparationTimedOut());
    if (used >= job.limit) return this.stopped(slot, this.timedOut(job.limit));
    // Validating time grows no faster than the clock, so it cannot pass the limit before `next`; a
    // preparation that begins later is looked at within the preparation limit.
    const next = Math.min(job.limit - used, this.preparationTimeoutMs - (since ? now - since : 0));
    if (next !== Infinity) job.timer = setTimeout(() => this.watch(slot, job), Math.max(1, next));
  }

  /** Stops the slot's job: its worker is replaced (wasm code cannot be interrupted) and the caller refused. */
  private stopped(slot: Slot, error: SamsvarError): void {
    const job = slot.running;
    if (!job || !this.slots.has(slot)) return;
    this.finished(slot);
    this.retire(slot);
    job.reject(error);
    this.dispatch();
  }

  private timedOut(limit: number): SamsvarError {
    const seconds = Math.round(limit / 100) / 10;
    return new SamsvarError(
      'unprocessable',
      `validating this message took longer than the ${seconds} s the service allows, so it was stopped. ` +
        'Messages up to the size limit validate well within that time; this one is unusually costly to check ' +
        '(for instance very many schema errors or extreme nesting). The samsvar CLI validates it without a time limit and lists its findings.',
      { timeoutMs: limit },
    );
  }

  private preparationTimedOut(): SamsvarError {
    const minutes = Math.round(this.preparationTimeoutMs / 6000) / 10;
    return unavailable(
      `preparing to validate this message (compiling its profile) took longer than the ${minutes} min the service allows, so it was stopped. ` +
        'The message was not judged; if this persists, the profile is at fault and the service operator should look at it.',
    );
  }

  /** A worker that failed outside a validation (crash, failed start): its work is refused, the pool carries on. */
  private lost(slot: Slot, error: Error): void {
    if (!this.slots.has(slot)) return;
    this.retire(slot);
    if (slot.running) {
      clearTimeout(slot.running.timer);
      slot.running.reject(error);
      this.finished(slot);
    } else if (!slot.ready) {
      // A worker that cannot start would fail the same way for every waiting validation; starting
      // one after another would never end.
      if (this.slots.size === 0) {
        for (const job of this.queue.drain()) job.reject(error);
        this.queuedBytes = 0;
        this.queuedBytesByClient.clear();
      }
    }
    this.dispatch();
  }
}
