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
