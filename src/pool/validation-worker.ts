import { parentPort, workerData } from 'node:worker_threads';
import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';
import { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import { Engine, type ValidateOptions, type ValidationResult } from '../engine/engine.js';
import type { EngineSettings } from '../engine/engine-settings.js';
import type { PreparationObserver } from '../core/preparation-observer.js';
import { evaluateSubmission, type Evaluation, type EvaluationContext } from '../testcases/evaluate-submission.js';
import type { Testcase } from '../testcases/testcase.js';

/** What a validation worker starts from: the service's profiles as loaded (content, digests, dirs). */
export interface WorkerInit {
  profiles: LoadedProfile[];
  settings: EngineSettings;
  /**
   * Shared with the pool (a BigInt64Array over a SharedArrayBuffer), so that the pool reads it at
   * its deadline without waiting for a message: [0] when the current preparation (compiling a
   * profile, loading the FHIR definitions) began (epoch ms; 0 when none runs), [1] the ms the
   * current job has spent in finished preparations.
   */
  preparation: BigInt64Array;
  /** Tests only: each preparation sets [1] to 1, then waits while [0] is 0, so a test decides how long it lasts. */
  holdPreparation?: Int32Array;
}

/** What a worker is asked: validate an artifact, or evaluate it as a submission for a test case. */
export type WorkerTask = { kind: 'validate'; opts: ValidateOptions } | { kind: 'evaluate'; testcase: Testcase; ctx: EvaluationContext };

/** One task; `bytes` is transferred, not copied, into the worker. */
export type WorkerJob = { id: number; bytes: ArrayBuffer } & WorkerTask;

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: ValidationResult | Evaluation }
  /** A SamsvarError: the caller gets the same code, detail and extra. */
  | { type: 'refused'; id: number; code: ErrorCode; detail: string; extra?: Record<string, unknown> }
  /** Anything else thrown: a bug, reported to the caller as an ordinary Error. */
  | { type: 'failed'; id: number; message: string; stack?: string };

if (!parentPort) throw new Error('validation-worker runs as a worker thread of ValidationPool');
const port = parentPort;

// The same profiles as the service's catalog, so results (profile version, digest) are identical;
// each worker compiles what it needs on first use and keeps it, like an in-process Engine.
const init = workerData as WorkerInit;
const { preparation: clock, holdPreparation: hold } = init;
let depth = 0;
const preparation: PreparationObserver = {
  start() {
    if (depth++ > 0) return;
    Atomics.store(clock, 0, BigInt(Date.now()));
    if (hold) {
      Atomics.store(hold, 1, 1);
      Atomics.wait(hold, 0, 0);
    }
  },
  end() {
    if (--depth > 0) return;
    const since = Atomics.load(clock, 0);
    Atomics.add(clock, 1, BigInt(Date.now()) - since);
    Atomics.store(clock, 0, 0n);
  },
};
const engine = new Engine(new ProfileCatalog(init.profiles), init.settings, preparation);

function reply(message: WorkerReply): void {
  try {
    port.postMessage(message);
  } catch (e) {
    // An `extra` that cannot cross threads (a function, say) must not cost the caller the error itself.
    if (message.type !== 'refused') throw e;
    port.postMessage({ ...message, extra: undefined } satisfies WorkerReply);
  }
}

port.on('message', async (job: WorkerJob) => {
  try {
    const bytes = new Uint8Array(job.bytes);
    // Test cases are evaluated here, next to the engine, so their assertions look into the document it parsed.
    const result =
      job.kind === 'validate' ? await engine.validate(bytes, job.opts) : await evaluateSubmission(job.testcase, bytes, engine, job.ctx);
    reply({ type: 'done', id: job.id, result });
  } catch (e) {
    if (e instanceof SamsvarError) reply({ type: 'refused', id: job.id, code: e.code, detail: e.detail, extra: e.extra });
    else reply({ type: 'failed', id: job.id, message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack });
  }
});

reply({ type: 'ready' });
