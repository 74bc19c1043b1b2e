import { defineConfig } from 'vitest/config';
import { useOwnTestCache } from './test/support/test-cache.js';

useOwnTestCache();

/** `npm run durability`: the built service killed with SIGKILL under write load (durability/). */
export default defineConfig({
  test: {
    include: ['durability/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/support/test-cache.ts'],
    maxWorkers: 1,
  },
});
