import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Every test run starts from an empty samsvar disk cache of its own (manifests, compiled Schematron,
// the validate bundle's code cache), so what a test sees comes from the code under test, never from
// entries an earlier build left in ~/.cache/samsvar. A cache directory set by the caller is kept.
if (!process.env.SAMSVAR_CACHE_DIR) {
  process.env.SAMSVAR_CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'samsvar-test-cache-'));
  process.env.SAMSVAR_TEST_CACHE_OWNED = '1';
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Guards against a hang only; no test is judged by how long it takes (a loaded CI machine is slow).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/support/test-cache.ts'],
  },
});
