/**
 * Linear growth without a clock limit: the CPU time this process spends on a workload of size n is
 * compared with that of size 8n, measured in the same test. CPU time (not wall time) leaves out the
 * time the process waits for a core, so a loaded machine changes both sides alike; and only their
 * ratio is judged. Linear work gives a ratio near 8, quadratic work near 64.
 */
export const GROWTH_FACTOR = 8;
/** Three times what linear work gives, a third of what quadratic work gives. */
export const LINEAR_RATIO_LIMIT = 24;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function cheapestRun(work: () => unknown, repeats: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const before = cpuMicros();
    await work();
    best = Math.min(best, cpuMicros() - before);
  }
  return Math.max(best, 1);
}

/**
 * CPU time of `work(8n)` divided by that of `work(n)`, each the cheapest of `repeats` runs (the
 * first run of a code path also pays for its compilation, which is not growth).
 */
export async function growthRatio(work: (n: number) => unknown, n: number, repeats = 3): Promise<number> {
  await work(n);
  const small = await cheapestRun(() => work(n), repeats);
  const large = await cheapestRun(() => work(n * GROWTH_FACTOR), repeats);
  return large / small;
}
