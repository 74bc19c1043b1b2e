/**
 * V8 flags for a short CLI run, set before libxml2's WebAssembly is compiled. A one-file
 * `samsvar validate` calls each libxml2 function a few times: V8's optimising WebAssembly tier
 * (TurboFan) would recompile the hot ones in the background, which costs more CPU than the run
 * it would speed up (about half the process's CPU time on a loaded 2-core machine). Long runs —
 * batches, the service — keep the optimising tier, where it pays off.
 */
export const SHORT_RUN_MAX_FILES = 50;

export function shortRunV8Flags(argv: readonly string[]): string[] {
  const [command, ...rest] = argv;
  if (command !== 'validate') return [];
  const files = rest.filter((a) => !a.startsWith('-')).length;
  return files <= SHORT_RUN_MAX_FILES ? ['--liftoff-only'] : [];
}
