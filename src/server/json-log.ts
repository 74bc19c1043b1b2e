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
