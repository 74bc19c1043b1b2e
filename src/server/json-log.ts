/** Fields of one log line. Never message content, tokens or personal identifiers: ids, codes, numbers. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type Log = (message: string, fields?: LogFields) => void;

/**
 * One JSON object per line (time, level, msg and the fields), for log collectors. A line without a
 * level is a warning: the service logs only what an operator may need to look at, and requests.
 */
export function jsonLogger(write: (line: string) => void, now: () => Date = () => new Date()): Log {
  return (message, fields = {}) => {
    const { level = 'warn', ...rest } = fields;
    write(JSON.stringify({ time: now().toISOString(), level, msg: message, ...rest }));
  };
}

/**
 * Log lines written in one turn of the event loop go out in one write: under load a write per
 * request was a system call (and a wake-up of whoever reads the pipe) per request on the thread
 * that answers them. Lines are written at the end of the turn, and whatever waits when the process
 * exits is written then.
 */
export function batchedLines(write: (chunk: string) => void): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(`${line}\n`) === 1) setImmediate(flush);
  };
}
