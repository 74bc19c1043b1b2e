import { dateNb, LEVEL_NB, STATUS_NB, waivedNb } from '../declarations/render/labels-nb.js';
import type { StatusAnswer } from '../declarations/status.js';

export { dateNb, LEVEL_NB, STATUS_NB, waivedNb };

export const LEVEL_SHORT_NB: Record<'A' | 'B' | 'C', string> = {
  A: 'Nivå A: dokumentert, ikke testet',
  B: 'Nivå B: testet i samsvar',
  C: 'Nivå C: bekreftet av testlaboratorium',
};

export const DIRECTION_SHORT_NB: Record<'send' | 'receive', string> = { send: 'sender', receive: 'mottar' };

/** Why a declaration is not active, in bokmål, from the structured cause (the API's English reason is never shown on a page). */
export function statusReasonNb(s: StatusAnswer): string {
  const c = s.cause;
  if (!c) return '';
  switch (c.kind) {
    case 'revoked':
      return `Tilbakekalt ${dateNb(c.at)} av ${c.by}. Begrunnelse: ${c.reason}`;
    case 'withdrawn':
      return `Trukket tilbake av produsenten ${dateNb(c.at)}. Begrunnelse: ${c.reason}`;
    case 'expired':
      return c.deviation
        ? `Utløpt ${dateNb(c.at)}: fristen for å rette avviket ${c.deviation.ruleId} (${c.deviation.profile}) gikk ut.`
        : `Utløpt ${dateNb(c.at)}.`;
    case 'retired':
      return `Utløpt: profilversjonen ${c.profiles.join(', ')} er faset ut.`;
    case 'superseded':
      return `Erstattet av en nyere erklæring (${c.by}).`;
    case 'retest-missed':
      return `Utløpt ${dateNb(c.deadline)}: ikke testet på nytt mot ${c.profiles.join(', ')} innen fristen.`;
    case 'content-changed':
      return `Utløpt: innholdet i profilversjonen ${c.profiles.join(', ')} er endret etter at systemet ble testet.`;
    case 'expired-logged':
      return 'Utløpt. Erklæringen blir ikke gyldig igjen om en profil senere tas i bruk igjen eller endres.';
  }
}

/** A declaration that must be re-tested against a newer profile version, in words (empty when none). */
export function retestNb(s: StatusAnswer): string {
  if (!s.retestRequired?.length) return '';
  return `Må testes på nytt: ${s.retestRequired.map((r) => `${r.profile} versjon ${r.newVersion} innen ${dateNb(r.deadline)}`).join(', ')}. Ellers utløper erklæringen.`;
}
