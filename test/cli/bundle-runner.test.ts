import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CODE_CACHE_KIND, runBundle } from '../../src/cli/bundle-runner.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'samsvar-bundle-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

declare global {
  var bundleRuns: string[] | undefined;
}

/** A bundle as the build writes it: its hash on the first line, then a function expression. */
function writeBundle(dir: string, body: string, header = true): URL {
  const script = `(async function (require, moduleUrl, libxml2Wasm) {\n${body}\n})\n`;
  const file = path.join(dir, 'validate.js');
  const sha = createHash('sha256').update(script).digest('hex');
  writeFileSync(file, header ? `// samsvar bundle sha256=${sha}\n${script}` : script);
  return pathToFileURL(file);
}

const RECORD_RUN = `(globalThis.bundleRuns ??= []).push(require('node:path').basename(moduleUrl('./x.js')));`;

function entries(cache: string): string[] {
  try {
    return readdirSync(path.join(cache, CODE_CACHE_KIND));
  } catch {
    return [];
  }
}

describe('running a bundle with a V8 code cache', () => {
  it('runs the bundle with require and its module URLs, writes the cache once, then uses it', async () => {
    const cache = tempDir();
    const env = { SAMSVAR_CACHE_DIR: cache };
    const bundle = writeBundle(tempDir(), RECORD_RUN);
    globalThis.bundleRuns = [];
    expect(await runBundle(bundle, [], env)).toEqual({ ran: true, codeCache: 'written' });
    expect(entries(cache)).toHaveLength(1);
    expect(await runBundle(bundle, [], env)).toEqual({ ran: true, codeCache: 'used' });
    expect(globalThis.bundleRuns).toEqual(['x.js', 'x.js']);
  });

  it('ignores a damaged entry, runs without it and writes it anew', async () => {
    const cache = tempDir();
    const env = { SAMSVAR_CACHE_DIR: cache };
    const bundle = writeBundle(tempDir(), RECORD_RUN);
    await runBundle(bundle, [], env);
    const [name] = entries(cache);
    const file = path.join(cache, CODE_CACHE_KIND, name!);
    const good = readFileSync(file);
    const damaged = Buffer.from(good);
    damaged[damaged.length >> 1] ^= 0xff;
    writeFileSync(file, damaged);
    globalThis.bundleRuns = [];
    expect(await runBundle(bundle, [], env)).toEqual({ ran: true, codeCache: 'written' });
    expect(readFileSync(file).equals(good)).toBe(true);
    writeFileSync(file, good.subarray(0, 10));
    expect(await runBundle(bundle, [], env)).toEqual({ ran: true, codeCache: 'written' });
    expect(await runBundle(bundle, [], env)).toEqual({ ran: true, codeCache: 'used' });
    expect(globalThis.bundleRuns).toHaveLength(3);
  });

  it('replaces the entries of an earlier build, and keeps one per set of V8 flags (batches and one-file runs differ)', async () => {
    const cache = tempDir();
    const env = { SAMSVAR_CACHE_DIR: cache };
    const dir = tempDir();
    await runBundle(writeBundle(dir, RECORD_RUN), [], env);
    const first = entries(cache);
    const rebuilt = writeBundle(dir, `${RECORD_RUN}\nglobalThis.bundleRuns.push('rebuilt');`);
    globalThis.bundleRuns = [];
    expect(await runBundle(rebuilt, [], env)).toEqual({ ran: true, codeCache: 'written' });
    expect(globalThis.bundleRuns).toEqual(['x.js', 'rebuilt']);
    const second = entries(cache);
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(await runBundle(rebuilt, ['--liftoff-only'], env)).toEqual({ ran: true, codeCache: 'written' });
    expect(entries(cache)).toHaveLength(2);
    expect(await runBundle(rebuilt, [], env)).toEqual({ ran: true, codeCache: 'used' });
    expect(await runBundle(rebuilt, ['--liftoff-only'], env)).toEqual({ ran: true, codeCache: 'used' });
    await runBundle(writeBundle(dir, RECORD_RUN), [], env);
    expect(entries(cache)).toEqual(first);
  });

  it('neither reads nor writes a cache with SAMSVAR_CACHE_DIR=off, or for a bundle without its hash', async () => {
    const cache = tempDir();
    globalThis.bundleRuns = [];
    expect(await runBundle(writeBundle(tempDir(), RECORD_RUN), [], { SAMSVAR_CACHE_DIR: 'off' })).toEqual({ ran: true, codeCache: 'off' });
    expect(await runBundle(writeBundle(tempDir(), RECORD_RUN, false), [], { SAMSVAR_CACHE_DIR: cache })).toEqual({
      ran: true,
      codeCache: 'off',
    });
    expect(entries(cache)).toEqual([]);
    expect(globalThis.bundleRuns).toHaveLength(2);
  });

  it('still runs when the cache cannot be written', async () => {
    const file = path.join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    globalThis.bundleRuns = [];
    expect(await runBundle(writeBundle(tempDir(), RECORD_RUN), [], { SAMSVAR_CACHE_DIR: file })).toEqual({
      ran: true,
      codeCache: 'write-failed',
    });
    expect(globalThis.bundleRuns).toHaveLength(1);
  });

  it('runs nothing when there is no bundle (dist/ built by tsc alone)', async () => {
    expect(await runBundle(pathToFileURL(path.join(tempDir(), 'validate.js')), [])).toEqual({ ran: false });
  });

  it('runs nothing when the module it was bundled from was compiled after it (tsc alone, after a build)', async () => {
    const dir = tempDir();
    const env = { SAMSVAR_CACHE_DIR: 'off' };
    const bundle = writeBundle(dir, RECORD_RUN);
    const entry = path.join(dir, 'validate-main.js');
    writeFileSync(entry, '');
    const at = (file: string | URL, seconds: number) => utimesSync(file, seconds, seconds);
    globalThis.bundleRuns = [];
    at(entry, 1_000);
    at(bundle, 2_000);
    expect(await runBundle(bundle, [], env, pathToFileURL(entry))).toEqual({ ran: true, codeCache: 'off' });
    // Installed packages may give every file the same time: not stale.
    at(entry, 2_000);
    expect(await runBundle(bundle, [], env, pathToFileURL(entry))).toEqual({ ran: true, codeCache: 'off' });
    at(entry, 3_000);
    expect(await runBundle(bundle, [], env, pathToFileURL(entry))).toEqual({ ran: false });
    expect(globalThis.bundleRuns).toHaveLength(2);
  });
});
