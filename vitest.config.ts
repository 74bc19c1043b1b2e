import { defineConfig } from 'vitest/config';
import { useOwnTestCache } from './test/support/test-cache.js';

useOwnTestCache();

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
