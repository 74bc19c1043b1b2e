import { SamsvarError } from '../core/samsvar-error.js';
import type { IssuanceDetails } from './declaration.js';

/** Limits shared by the request schema and the domain check, so the two cannot drift apart. */
export const ISSUANCE_LIMITS = { placeOfIssue: 100, name: 200, function: 200 } as const;

function text(value: unknown, field: string, max: number): string {
  const s = typeof value === 'string' ? value.normalize('NFC').replace(/\s+/g, ' ').trim() : '';
  if (s.length < 2) throw new SamsvarError('unprocessable', `${field} must be given (at least 2 characters)`, { field });
  if (s.length > max) throw new SamsvarError('unprocessable', `${field} is longer than ${max} characters`, { field });
  // Control characters have no place in a signed, printed declaration.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) throw new SamsvarError('unprocessable', `${field} contains control characters`, { field });
  return s;
}

/**
 * Place of issue and the signatory's name and function, as EHDS Annex IV asks of a declaration.
 * Whitespace is collapsed so that what is signed is what a reader sees.
 */
export function checkIssuanceDetails(
  input: { placeOfIssue?: unknown; signatory?: { name?: unknown; function?: unknown } } | undefined,
): IssuanceDetails {
  return {
    placeOfIssue: text(input?.placeOfIssue, 'placeOfIssue', ISSUANCE_LIMITS.placeOfIssue),
    signatory: {
      name: text(input?.signatory?.name, 'signatory.name', ISSUANCE_LIMITS.name),
      function: text(input?.signatory?.function, 'signatory.function', ISSUANCE_LIMITS.function),
    },
  };
}
