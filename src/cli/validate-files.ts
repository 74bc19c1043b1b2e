import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { SamsvarError, type ErrorCode } from '../core/samsvar-error.js';
import { Engine, type ArtifactFormat, type ValidationResult } from '../engine/engine.js';
import { startWorker } from '../engine/start-worker.js';
import { loadCatalog } from '../profiles/catalog.js';

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

/** Validates files one after another with one engine (one schema compilation per profile). */
export async function validateSequentially(jobs: FileJob[], opts: ValidateFilesOptions): Promise<FileOutcome[]> {
  const engine = new Engine(loadCatalog({ importedDir: opts.importedDir }));
  const out: FileOutcome[] = [];
  for (const job of jobs) {
    let content: Buffer;
    try {
      content = readFileSync(job.path);
    } catch (e) {
      out.push({ file: job.file, unreadable: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      continue;
    }
    out.push({ file: job.file, ...(await engine.validate(content, { profile: opts.profile, format: formatOf(job.file, opts.profile) })) });
  }
  return out;
}

/** Below this many files a second thread costs more (its own start-up and schema compilation) than it saves. */
const PARALLEL_THRESHOLD = 400;

/**
 * Validates many files on every core: the list is cut into contiguous slices, one per thread, each
 * with its own engine; results come back in the order given.
 */
export async function validateFiles(jobs: FileJob[], opts: ValidateFilesOptions): Promise<FileOutcome[]> {
  const threads = Math.min(availableParallelism(), 4, Math.floor(jobs.length / (PARALLEL_THRESHOLD / 2)));
  if (threads < 2) return validateSequentially(jobs, opts);
  const size = Math.ceil(jobs.length / threads);
  const slices = Array.from({ length: threads }, (_, i) => jobs.slice(i * size, (i + 1) * size));
  const inWorkers = slices.slice(1).map(
    (slice) =>
      new Promise<FileOutcome[]>((resolve, reject) => {
        const worker = startWorker('./validate-worker', import.meta.url, { jobs: slice, opts });
        worker.once('message', (m: { outcomes: FileOutcome[] } | { failure: { code: ErrorCode; detail: string } }) =>
          'failure' in m ? reject(new SamsvarError(m.failure.code, m.failure.detail)) : resolve(m.outcomes),
        );
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`validation worker exited with ${code}`)));
      }),
  );
  const [first, rest] = await Promise.all([validateSequentially(slices[0], opts), Promise.all(inWorkers)]);
  return [...first, ...rest.flat()];
}
