import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { SamsvarError } from '../core/samsvar-error.js';
import { loadCatalog, type ProfileCatalog } from '../profiles/catalog.js';
import type { LoadedProfile } from '../profiles/manifest.js';
import type { BatchReply, BatchRequest } from './batch-worker.js';
import { validateFile, type FileJob, type FileOutcome, type ValidateFilesOptions } from './validate-file.js';

export type { FileJob, FileOutcome, ValidateFilesOptions } from './validate-file.js';

/** Below this many files a second thread costs more (its own start-up and schema compilation) than it saves. */
const PARALLEL_THRESHOLD = 400;
/** Files per message to a worker: enough that posting and waking cost little per file, few enough to share the tail of a batch evenly. */
const MAX_CHUNK = 64;
/** Chunks each worker holds at once: it starts the next while the main thread answers the last. */
const CHUNKS_AHEAD = 2;

/**
 * Validates files with one engine per thread (one schema compilation per profile and thread).
 * Large batches run on worker threads, one per core: each reads its files itself and answers a
 * chunk of them at a time. Results come back in the order given.
 */
export async function validateFiles(
  jobs: FileJob[],
  opts: ValidateFilesOptions,
  catalog: ProfileCatalog = loadCatalog({ importedDir: opts.importedDir }),
): Promise<FileOutcome[]> {
  const threads = Math.min(availableParallelism(), 4, Math.floor(jobs.length / (PARALLEL_THRESHOLD / 2)));
  if (threads >= 2) return validateOnWorkers(jobs, opts, catalog, threads);
  // Imported here, not at the top: a batch on worker threads never loads the engine on this thread.
  const { Engine } = await import('../engine/engine.js');
  const engine = new Engine(catalog);
  const out: FileOutcome[] = [];
  for (const job of jobs) out.push(await validateFile(engine, job, opts.profile));
  return out;
}

/**
 * The profiles a worker needs, as plain data (a catalog reads a profile's files on first use, and
 * only data crosses to a worker): with an XML --profile that profile and those it uses, else all
 * of them (detection may pick any, and FHIR validation reads every FHIR profile).
 */
function neededProfiles(catalog: ProfileCatalog, profile: string | undefined): LoadedProfile[] {
  let wanted = catalog.list();
  if (profile && catalog.require(profile).manifest.kind === 'xml') {
    const found = new Map<string, LoadedProfile>();
    const add = (p: LoadedProfile | undefined) => {
      if (!p || found.has(p.manifest.id)) return;
      found.set(p.manifest.id, p);
      // One the catalog lacks is left out, and the worker's engine reports it as this thread's would.
      if (p.manifest.kind === 'xml') for (const used of p.manifest.uses ?? []) add(catalog.get(used));
    };
    add(catalog.get(profile));
    wanted = [...found.values()];
  }
  return wanted.map((p) => ({ manifest: p.manifest, dir: p.dir, source: p.source, files: p.files, sha256: p.sha256 }));
}

async function validateOnWorkers(
  jobs: FileJob[],
  opts: ValidateFilesOptions,
  catalog: ProfileCatalog,
  threads: number,
): Promise<FileOutcome[]> {
  const { startWorker } = await import('../pool/start-worker.js');
  // Started before the profiles are read, so each thread's start-up runs alongside this thread's reading.
  const workers: Worker[] = Array.from({ length: threads }, () => startWorker('./batch-worker', import.meta.url, undefined));
  const out = new Array<FileOutcome>(jobs.length);
  const chunk = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(jobs.length / (threads * 8))));
  try {
    const profiles = neededProfiles(catalog, opts.profile);
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let pending = 0;
      const send = (worker: Worker) => {
        if (next >= jobs.length) return;
        const first = next;
        next = Math.min(jobs.length, next + chunk);
        pending++;
        worker.postMessage({ type: 'chunk', first, jobs: jobs.slice(first, next) } satisfies BatchRequest);
      };
      for (const worker of workers) {
        worker.on('message', (m: BatchReply) => {
          if (m.type === 'refused') return reject(new SamsvarError(m.code, m.detail));
          if (m.type === 'failed')
            return reject(Object.assign(new Error(`validation failed in a worker thread: ${m.message}`), { stack: m.stack }));
          m.outcomes.forEach((o, i) => (out[m.first + i] = o));
          pending--;
          send(worker);
          if (pending === 0 && next >= jobs.length) resolve();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`a validation worker stopped unexpectedly (exit code ${code})`)));
        worker.postMessage({ type: 'profiles', profiles, profile: opts.profile } satisfies BatchRequest);
        for (let k = 0; k < CHUNKS_AHEAD; k++) send(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
