import { dateNb, LEVEL_NB, retestNb, STATUS_NB, statusReasonNb, waivedNb } from '../declarations/render/labels-nb.js';

export { dateNb, LEVEL_NB, retestNb, STATUS_NB, statusReasonNb, waivedNb };

export const LEVEL_SHORT_NB: Record<'A' | 'B' | 'C', string> = {
  A: 'Nivå A: dokumentert, ikke testet',
  B: 'Nivå B: testet i samsvar',
  C: 'Nivå C: bekreftet av testlaboratorium',
};

export const DIRECTION_SHORT_NB: Record<'send' | 'receive', string> = { send: 'sender', receive: 'mottar' };

/** A count and the word it governs, agreeing in number: «1 testtilfelle», «0 testtilfeller», «2 gyldige». */
export function countNb(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
