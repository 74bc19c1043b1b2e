let lastMs = 0;
/**
 * Creation times are strictly increasing within a process, so "the latest submission" is well
 * defined even for two requests in the same millisecond.
 */
export function now(): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return new Date(lastMs).toISOString();
}
