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
