import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/profiles/catalog.js';
import { validateFiles } from '../../src/cli/validate-files.js';

/**
 * The thread a batch would start is replaced by one whose script the test writes: a stand-in
 * for a worker that answers, or one that dies, without a real engine.
 */
const scripts: string[] = [];
const started: Worker[] = [];
let onStart: (worker: Worker, index: number) => void = () => {};
vi.mock('../../src/pool/start-worker.js', () => ({
  startWorker: () => {
    const worker = new Worker(scripts.shift()!, { eval: true });
    onStart(worker, started.push(worker) - 1);
    return worker;
  },
}));

const dir = mkdtempSync(path.join(tmpdir(), 'samsvar-validate-files-'));
const jobs = Array.from({ length: 400 }, (_, i) => ({ file: `m${i}.xml`, path: path.join(dir, `m${i}.xml`) }));
for (const j of jobs) writeFileSync(j.path, '<a/>');
const catalog = loadCatalog({ importedDir: path.join(dir, 'imported') });
const twoThreads = vi.hoisted(() => ({ availableParallelism: () => 2 }));
vi.mock('node:os', async (original) => ({ ...(await original<typeof import('node:os')>()), ...twoThreads }));

/** Answers every chunk at once with a valid result per file. */
const answering = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', (m) => {
    if (m.type === 'chunk') parentPort.postMessage({ type: 'chunk', first: m.first,
      outcomes: m.jobs.map((j) => ({ file: j.file, valid: true, findings: [] })) });
  });`;

/** Holds its chunks until the test says go, then answers them all. */
const held = `
  const { parentPort } = require('node:worker_threads');
  const chunks = [];
  const answer = (m) => parentPort.postMessage({ type: 'chunk', first: m.first,
    outcomes: m.jobs.map((j) => ({ file: j.file, valid: true, findings: [] })) });
  let go = false;
  parentPort.on('message', (m) => {
    if (m.type === 'go') { go = true; chunks.splice(0).forEach(answer); }
    else if (m.type === 'chunk') go ? answer(m) : chunks.push(m);
  });`;

afterEach(() => {
  scripts.length = 0;
  started.length = 0;
  onStart = () => {};
});

describe('validating a batch on worker threads', () => {
  it('fails the batch, naming the exit code, when a worker thread stops before its work is done', async () => {
    scripts.push(
      answering,
      `require('node:worker_threads').parentPort.on('message', (m) => { if (m.type === 'chunk') process.exit(3); });`,
    );
    await expect(validateFiles(jobs, { importedDir: path.join(dir, 'imported') }, catalog)).rejects.toThrow(
      'a validation worker stopped unexpectedly (exit code 3)',
    );
  });

  it('stops a worker that has finished its share while another is still working, and keeps every result in order', async () => {
    // The first worker answers at once and runs out of work; the second answers only once the first
    // has stopped, so the batch ends only if a finished worker is stopped before the batch is done.
    scripts.push(answering, held);
    onStart = (worker, index) => {
      if (index === 0) worker.once('exit', () => started[1].postMessage({ type: 'go' }));
    };
    const out = await validateFiles(jobs, { importedDir: path.join(dir, 'imported') }, catalog);
    expect(out.map((o) => o.file)).toEqual(jobs.map((j) => j.file));
  }, 30_000);
});
