import { parentPort, workerData } from 'node:worker_threads';
import { validateSequentially, type FileJob, type ValidateFilesOptions } from './validate-files.js';

const { jobs, opts } = workerData as { jobs: FileJob[]; opts: ValidateFilesOptions };
parentPort!.postMessage(await validateSequentially(jobs, opts));
