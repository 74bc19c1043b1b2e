import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir, readCache, writeCache } from '../../src/core/disk-cache.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'samsvar-cache-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the disk cache', () => {
  it('lives in SAMSVAR_CACHE_DIR when set, under the OS cache directory otherwise, and nowhere when off', () => {
    expect(cacheDir({ SAMSVAR_CACHE_DIR: '/x/y' })).toBe(path.resolve('/x/y'));
    expect(cacheDir({ SAMSVAR_CACHE_DIR: 'off' })).toBeNull();
    if (process.platform === 'linux') expect(cacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/samsvar');
  });

  it('gives back what was stored under a key, and nothing under another key', () => {
    const env = { SAMSVAR_CACHE_DIR: tempDir() };
    writeCache('kind', 'ab12', { a: 1 }, env);
    expect(readCache('kind', 'ab12', env)).toEqual({ a: 1 });
    expect(readCache('kind', 'cd34', env)).toBeUndefined();
    expect(readCache('other', 'ab12', env)).toBeUndefined();
  });

  it('is safe to delete and treats a corrupt entry as a miss', () => {
    const dir = tempDir();
    const env = { SAMSVAR_CACHE_DIR: dir };
    writeCache('kind', 'ab12', true, env);
    writeFileSync(path.join(dir, 'kind', 'ab12.json'), '{half');
    expect(readCache('kind', 'ab12', env)).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
    expect(readCache('kind', 'ab12', env)).toBeUndefined();
    writeCache('kind', 'ab12', true, env);
    expect(readCache('kind', 'ab12', env)).toBe(true);
  });

  it('never fails a caller when it cannot write, and leaves no temporary files', () => {
    const dir = tempDir();
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, '');
    expect(() => writeCache('kind', 'ab12', 1, { SAMSVAR_CACHE_DIR: file })).not.toThrow();
    writeCache('kind', 'ab12', 1, { SAMSVAR_CACHE_DIR: dir });
    expect(readdirSync(path.join(dir, 'kind'))).toEqual(['ab12.json']);
  });
});
