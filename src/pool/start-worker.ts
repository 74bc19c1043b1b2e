import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running `module`, a sibling module named without extension: the .js file
 * in an installed package, the .ts file when running from the TypeScript sources (the test suite),
 * where the thread needs module hooks to load it because vitest's transform does not reach worker threads.
 */
export function startWorker(module: string, base: string, workerData: unknown): Worker {
  const fromSources = base.endsWith('.ts');
  const entry = new URL(`${module}.${fromSources ? 'ts' : 'js'}`, base);
  if (!fromSources) return new Worker(entry, { workerData });
  const hooks = new URL('./typescript-source-hooks.mjs', import.meta.url);
  const boot = `import('node:module').then((m) => { m.register(${JSON.stringify(hooks.href)}); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
