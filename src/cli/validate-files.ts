import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Engine, type ArtifactFormat, type ArtifactValidator, type ValidationResult } from '../engine/engine.js';
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

/** Below this many files a second thread costs more (its own start-up and schema compilation) than it saves. */
const PARALLEL_THRESHOLD = 400;
/** Files read and handed to the pool ahead of the results, per worker: enough to keep every worker busy, few enough to bound memory. */
const AHEAD_PER_WORKER = 4;

async function validateOne(validator: ArtifactValidator, job: FileJob, opts: ValidateFilesOptions): Promise<FileOutcome> {
  let content: Buffer;
  try {
    content = readFileSync(job.path);
  } catch (e) {
    return { file: job.file, unreadable: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  return { file: job.file, ...(await validator.validate(content, { profile: opts.profile, format: formatOf(job.file, opts.profile) })) };
}

/**
 * Validates files with one engine per thread (one schema compilation per profile and thread).
 * Large batches go to the service's validation pool, one worker per core and no time limit; the
 * main thread reads the files and keeps each worker a few files ahead. Results come back in the
 * order given.
 */
export async function validateFiles(
  jobs: FileJob[],
  opts: ValidateFilesOptions,
  catalog: ProfileCatalog = loadCatalog({ importedDir: opts.importedDir }),
): Promise<FileOutcome[]> {
  const threads = Math.min(availableParallelism(), 4, Math.floor(jobs.length / (PARALLEL_THRESHOLD / 2)));
  const out = new Array<FileOutcome>(jobs.length);
  if (threads < 2) {
    const engine = new Engine(catalog);
    for (const [i, job] of jobs.entries()) out[i] = await validateOne(engine, job, opts);
    return out;
  }
  // Imported here, not at the top: a run of a few files never starts a worker thread.
  const { ValidationPool } = await import('../pool/validation-pool.js');
  const pool = new ValidationPool(catalog, { workers: threads, timeoutMs: Infinity, maxQueued: Infinity, recycleAfterBytes: Infinity });
  try {
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < jobs.length; i = next++) out[i] = await validateOne(pool, jobs[i]!, opts);
    };
    await Promise.all(Array.from({ length: threads * AHEAD_PER_WORKER }, lane));
  } finally {
    await pool.close();
  }
  return out;
}
