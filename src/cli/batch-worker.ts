import { parentPort } from 'node:worker_threads';
import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';
import { Engine } from '../engine/engine.js';
import { ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import { validateFile, type FileJob, type FileOutcome } from './validate-file.js';

/**
 * One thread of a CLI batch: it reads and validates the files it is sent, a chunk at a time, and
 * answers each chunk with one message. Per-file messages cost more to post and wake for than a
 * small document costs to validate.
 */
export type BatchRequest =
  /** First message: the profiles the main thread loaded (so results name the same versions and digests). */
  { type: 'profiles'; profiles: LoadedProfile[]; profile?: string } | { type: 'chunk'; first: number; jobs: FileJob[] };

export type BatchReply =
  | { type: 'chunk'; first: number; outcomes: FileOutcome[] }
  /** A SamsvarError (a profile that does not compile, say): the run ends with it. */
  | { type: 'refused'; code: ErrorCode; detail: string }
  | { type: 'failed'; message: string; stack?: string };

if (!parentPort) throw new Error('batch-worker runs as a worker thread of validateFiles');
const port = parentPort;
let engine: Engine | undefined;
let profile: string | undefined;

port.on('message', async (m: BatchRequest) => {
  if (m.type === 'profiles') {
    engine = new Engine(new ProfileCatalog(m.profiles));
    profile = m.profile;
    return;
  }
  try {
    const outcomes: FileOutcome[] = [];
    for (const job of m.jobs) outcomes.push(await validateFile(engine!, job, profile));
    port.postMessage({ type: 'chunk', first: m.first, outcomes } satisfies BatchReply);
  } catch (e) {
    if (e instanceof SamsvarError) port.postMessage({ type: 'refused', code: e.code, detail: e.detail } satisfies BatchReply);
    else port.postMessage({ type: 'failed', message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack } satisfies BatchReply);
  }
});
