import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';
import { Engine, type ArtifactFormat, type ValidationResult } from '../engine/engine.js';
import { startWorker } from '../pool/start-worker.js';
import { loadCatalog, type ProfileCatalog } from '../profiles/catalog.js';

export interface FileJob {
  file: string;
  /** Absolute path to read. */
  path: string;
}

export type FileOutcome = ({ file: string } & ValidationResult) | { file: string; unreadable: string };

export interface ValidateFilesOptions {
  profile?: string;
  importedDir: string;
}

function formatOf(file: string, profile?: string): ArtifactFormat | undefined {
  return !profile && file.toLowerCase().endsWith('.json') ? 'fhir' : undefined;
}

/** Files a thread takes at a time from the shared list: small enough to even out the threads' late starts. */
const CHUNK = 32;

/** An outcome with the position of its file in the list given. */
export type IndexedOutcome = [number, FileOutcome];

/**
 * Validates files with one engine (one schema compilation per profile), taking them from the list
 * a chunk at a time through `next`, a counter threads share; alone, a thread takes them all.
 */
export async function validateShare(
  jobs: FileJob[],
  opts: ValidateFilesOptions,
  next: Int32Array<ArrayBufferLike> = new Int32Array(1),
  catalog: ProfileCatalog = loadCatalog({ importedDir: opts.importedDir }),
): Promise<IndexedOutcome[]> {
  const engine = new Engine(catalog);
  const out: IndexedOutcome[] = [];
  for (let start = Atomics.add(next, 0, CHUNK); start < jobs.length; start = Atomics.add(next, 0, CHUNK)) {
    for (let i = start; i < Math.min(start + CHUNK, jobs.length); i++) {
      const job = jobs[i];
      let content: Buffer;
      try {
        content = readFileSync(job.path);
      } catch (e) {
        out.push([i, { file: job.file, unreadable: (e as NodeJS.ErrnoException).code ?? (e as Error).message }]);
        continue;
      }
      out.push([i, { file: job.file, ...(await engine.validate(content, { profile: opts.profile, format: formatOf(job.file, opts.profile) })) }]);
    }
  }
  return out;
}

/** Below this many files a second thread costs more (its own start-up and schema compilation) than it saves. */
const PARALLEL_THRESHOLD = 400;

/**
 * Validates many files on every core: each thread has its own engine and takes chunks from one
 * shared counter, so a thread that started late simply takes fewer; results come back in the order given.
 */
export async function validateFiles(jobs: FileJob[], opts: ValidateFilesOptions, catalog?: ProfileCatalog): Promise<FileOutcome[]> {
  const threads = Math.min(availableParallelism(), 4, Math.floor(jobs.length / (PARALLEL_THRESHOLD / 2)));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const inWorkers = Array.from(
    { length: Math.max(0, threads - 1) },
    () =>
      new Promise<IndexedOutcome[]>((resolve, reject) => {
        const worker = startWorker('./validate-worker', import.meta.url, { jobs, opts, next });
        worker.once('message', (m: { outcomes: IndexedOutcome[] } | { failure: { code: ErrorCode; detail: string } }) =>
          'failure' in m ? reject(new SamsvarError(m.failure.code, m.failure.detail)) : resolve(m.outcomes),
        );
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`validation worker exited with ${code}`)));
      }),
  );
  const [mine, theirs] = await Promise.all([validateShare(jobs, opts, next, catalog), Promise.all(inWorkers)]);
  const ordered = new Array<FileOutcome>(jobs.length);
  for (const [i, outcome] of [...mine, ...theirs.flat()]) ordered[i] = outcome;
  return ordered;
}
