import { defineConfig } from 'vitest/config';
import { useOwnTestCache } from './test/support/test-cache.js';

useOwnTestCache();

/** `npm run fuzz`: generated hostile input against the engines and the HTTP request parsers (fuzz/). */
export default defineConfig({
  test: {
    include: ['fuzz/**/*.fuzz.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/support/test-cache.ts'],
  },
});
