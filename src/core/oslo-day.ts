const OSLO_DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * The calendar day (YYYY-MM-DD) an instant falls on in Norway. Status reasons name days the way
 * the bokmål renderings do: a declaration issued at 00:30 Norwegian time is issued that day, not
 * the day before as its UTC timestamp would say.
 */
export function osloDay(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const parts = Object.fromEntries(OSLO_DAY.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const OSLO_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** How far Norwegian wall-clock time is ahead of UTC at an instant (one or two hours), in milliseconds. */
function osloOffsetMs(at: number): number {
  const p = Object.fromEntries(OSLO_TIME.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - Math.floor(at / 1000) * 1000;
}

/**
 * The last second of a calendar day (YYYY-MM-DD) in Norway, as an ISO instant: what a deadline
 * chosen as a date means, in summer time (UTC+2) as in winter (UTC+1).
 */
export function endOfOsloDay(day: string): string {
  const wall = Date.parse(`${day}T23:59:59Z`);
  return new Date(wall - osloOffsetMs(wall - osloOffsetMs(wall))).toISOString();
}
