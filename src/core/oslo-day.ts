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

const OSLO_TIME_NB = new Intl.DateTimeFormat('nb-NO', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Europe/Oslo' });

/**
 * An instant as Norwegian clock time in bokmål ("30. november 2026 kl. 14:47:40"). A message's
 * GenDate is Norwegian local time, so a bokmål text that compares it with an instant says that
 * instant the same way, not in UTC.
 */
export function osloTimeNb(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : OSLO_TIME_NB.format(at);
}

const OSLO_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' });

/**
 * The end of a calendar day (YYYY-MM-DD) in Norway as an instant: 23:59:59 at +01:00 in winter and
 * +02:00 in summer, so a deadline picked in a date field is shown as that same day. Norway changes
 * its clocks at night, so the offset at noon is the offset at the day's end.
 */
export function osloEndOfDay(day: string): string {
  const noon = Date.parse(`${day}T12:00:00Z`);
  const offsetHours = Number(OSLO_HOUR.format(new Date(noon))) - 12;
  return new Date(Date.parse(`${day}T23:59:59Z`) - offsetHours * 3600_000).toISOString();
}
