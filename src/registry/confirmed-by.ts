import type { CountersignatureContent } from '../declarations/declaration.js';

type ConfirmedBy = CountersignatureContent['confirmedBy'];

/** Who confirmed a declaration, as the store and the log entry's detail keep it: `role:name`. */
export const confirmedByText = (by: ConfirmedBy): string => `${by.role}:${by.name}`;

/** The reverse of {@link confirmedByText}; undefined for text in no such form. */
export function parseConfirmedBy(text: string): ConfirmedBy | undefined {
  const m = /^(admin|lab):(.*)$/s.exec(text);
  return m ? { role: m[1] as ConfirmedBy['role'], name: m[2]! } : undefined;
}
