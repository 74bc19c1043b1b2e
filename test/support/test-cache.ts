import { rmSync } from 'node:fs';

/** Removes the run's own disk cache (vitest.config.ts made it) when the run ends. */
export default function setup(): () => void {
  return () => {
    const dir = process.env.SAMSVAR_CACHE_DIR;
    if (dir && process.env.SAMSVAR_TEST_CACHE_OWNED === '1') rmSync(dir, { recursive: true, force: true });
  };
}
