import { dateNb, LEVEL_NB, STATUS_NB, statusReasonNb } from '../declarations/render/labels-nb.js';
import type { StatusAnswer } from '../declarations/status.js';

export { dateNb, LEVEL_NB, STATUS_NB, statusReasonNb };

export const LEVEL_SHORT_NB: Record<'A' | 'B' | 'C', string> = {
  A: 'Nivå A: dokumentert, ikke testet',
  B: 'Nivå B: testet i samsvar',
  C: 'Nivå C: bekreftet av testlaboratorium',
};

export const DIRECTION_SHORT_NB: Record<'send' | 'receive', string> = { send: 'sender', receive: 'mottar' };

/** A declaration that must be re-tested against a newer profile version, in words (empty when none). */
export function retestNb(s: StatusAnswer): string {
  if (!s.retestRequired?.length) return '';
  return `Må testes på nytt: ${s.retestRequired.map((r) => `${r.profile} versjon ${r.newVersion} innen ${dateNb(r.deadline)}`).join(', ')}. Ellers utløper erklæringen.`;
}

/** A count and the word it governs, agreeing in number: «1 testtilfelle», «0 testtilfeller», «2 gyldige». */
export function countNb(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
