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
vi.mock('../../src/pool/start-worker.js', () => ({
  startWorker: () => new Worker(scripts.shift()!, { eval: true }),
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

afterEach(() => {
  scripts.length = 0;
});

describe('validating a batch on worker threads', () => {
  it('shares the files between the threads and gives every result in the order given', async () => {
    scripts.push(answering, answering);
    const out = await validateFiles(jobs, { importedDir: path.join(dir, 'imported') }, catalog);
    expect(out.map((o) => o.file)).toEqual(jobs.map((j) => j.file));
  });

  it('fails the batch, naming the exit code, when a worker thread stops before its work is done', async () => {
    scripts.push(
      answering,
      `require('node:worker_threads').parentPort.on('message', (m) => { if (m.type === 'chunk') process.exit(3); });`,
    );
    await expect(validateFiles(jobs, { importedDir: path.join(dir, 'imported') }, catalog)).rejects.toThrow(
      'a validation worker stopped unexpectedly (exit code 3)',
    );
  });
});
