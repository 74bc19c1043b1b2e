import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Gives the test run an empty samsvar disk cache of its own (manifests, compiled Schematron, the
 * validate bundle's code cache), so what a test sees comes from the code under test, never from
 * entries an earlier build left in ~/.cache/samsvar. A cache directory set by the caller is kept.
 * Called by each vitest config before its tests start; its workers and the CLIs they spawn inherit it.
 */
export function useOwnTestCache(): void {
  if (process.env.SAMSVAR_CACHE_DIR) return;
  process.env.SAMSVAR_CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'samsvar-test-cache-'));
  process.env.SAMSVAR_TEST_CACHE_OWNED = '1';
}

/** vitest globalSetup: removes the run's own cache when the run ends. */
export default function setup(): () => void {
  return () => {
    const dir = process.env.SAMSVAR_CACHE_DIR;
    if (dir && process.env.SAMSVAR_TEST_CACHE_OWNED === '1') rmSync(dir, { recursive: true, force: true });
  };
}
