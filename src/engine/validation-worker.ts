import { parentPort, workerData } from 'node:worker_threads';
import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';
import { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import { Engine, type ValidateOptions, type ValidationResult } from './engine.js';

/** What a validation worker starts from: the service's profiles as loaded (content, digests, dirs). */
export interface WorkerInit {
  profiles: LoadedProfile[];
}

/** One validation; `bytes` is transferred, not copied, into the worker. */
export interface WorkerJob {
  id: number;
  bytes: ArrayBuffer;
  opts: ValidateOptions;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: ValidationResult }
  /** A SamsvarError: the caller gets the same code, detail and extra. */
  | { type: 'refused'; id: number; code: ErrorCode; detail: string; extra?: Record<string, unknown> }
  /** Anything else thrown: a bug, reported to the caller as an ordinary Error. */
  | { type: 'failed'; id: number; message: string; stack?: string };

if (!parentPort) throw new Error('validation-worker runs as a worker thread of ValidationPool');
const port = parentPort;

// The same profiles as the service's catalog, so results (profile version, digest) are identical;
// each worker compiles what it needs on first use and keeps it, like an in-process Engine.
const engine = new Engine(new ProfileCatalog((workerData as WorkerInit).profiles));

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
    const result = await engine.validate(new Uint8Array(job.bytes), job.opts);
    reply({ type: 'done', id: job.id, result });
  } catch (e) {
    if (e instanceof SamsvarError) reply({ type: 'refused', id: job.id, code: e.code, detail: e.detail, extra: e.extra });
    else reply({ type: 'failed', id: job.id, message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack });
  }
});

reply({ type: 'ready' });
