import { parentPort, workerData } from 'node:worker_threads';
import { SamsvarError } from '../core/samsvar-error.js';
import { validateShare, type FileJob, type ValidateFilesOptions } from './validate-files.js';

const { jobs, opts, next } = workerData as { jobs: FileJob[]; opts: ValidateFilesOptions; next: Int32Array };
try {
  parentPort!.postMessage({ outcomes: await validateShare(jobs, opts, next) });
} catch (e) {
  // A user-facing failure (a profile that does not compile, say) must reach the CLI as such, not as a crash.
  if (!(e instanceof SamsvarError)) throw e;
  parentPort!.postMessage({ failure: { code: e.code, detail: e.detail } });
}
