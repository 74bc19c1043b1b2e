import { XmlElement, XmlXPath, type XmlDocument } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { checkHerId, checkHprNumber, checkOrgNumber, checkPersonNumber } from '../identifiers/norwegian-ids.js';

export interface IdentifierHit {
  element: XmlElement;
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

/** KITH `Ident` blocks: the identifier in Id, its type in TypeId/@V (code lists 8116 for persons, 9051 for organisations). */
const IDENTS = XmlXPath.compile("//*[local-name()='Ident']");

/** The Ident's first Id element and its first TypeId/@V, read from its children (cheaper than an XPath evaluation each). */
function partsOf(ident: XmlElement): { id?: XmlElement; type?: string } {
  const parts: { id?: XmlElement; type?: string } = {};
  for (let c = ident.firstChild; c; c = c.next) {
    if (!(c instanceof XmlElement)) continue;
    if (c.name === 'Id') parts.id ??= c;
    else if (c.name === 'TypeId' && parts.type === undefined) parts.type = c.attr('V')?.value.trim();
  }
  return parts;
}

const NAMES: Record<string, string> = {
  FNR: 'Fødselsnummer',
  DNR: 'D-nummer',
  HPR: 'HPR-nummer',
  HER: 'HER-id',
  ENH: 'Organisasjonsnummer',
};

/**
 * Checks identifiers where the message declares their type. A person number with valid control
 * digits that is not a synthetic test number looks like a real person's: the harness stores what
 * vendors submit, so test data must never carry one.
 */
export function checkIdentifiers(doc: XmlDocument, realPersonNumber: Severity | 'off'): IdentifierHit[] {
  const hits: IdentifierHit[] = [];
  for (const node of doc.find(IDENTS)) {
    const { id: idEl, type } = partsOf(node as XmlElement);
    if (!idEl || type === undefined) continue;
    const value = idEl.content.trim();
    const add = (ruleId: string, severity: Severity, message: string) =>
      hits.push({ element: idEl, finding: { ruleId, severity, layer: 'identifier', message } });
    switch (type) {
      case 'FNR':
      case 'DNR': {
        const r = checkPersonNumber(value);
        if (!r.ok) add(`ID-${type}`, 'error', `${NAMES[type]} "${value}" is not valid: ${r.problem}`);
        else if (type === 'FNR' && r.kind === 'dnr') add('ID-FNR', 'error', `"${value}" is a D-nummer (day + 40) but TypeId says FNR; use TypeId V="DNR"`);
        else if (type === 'DNR' && r.kind === 'fnr') add('ID-DNR', 'error', `"${value}" is a fødselsnummer, not a D-nummer (day + 40); use TypeId V="FNR"`);
        else if (!r.synthetic && realPersonNumber !== 'off') {
          add('ID-PERSON-REAL', realPersonNumber, `${NAMES[type]} "${value}" has valid control digits but is not a synthetic test number (month + 40 or + 80): it may belong to a real person. Use synthetic test data only`);
        }
        break;
      }
      case 'ENH': {
        const r = checkOrgNumber(value);
        if (!r.ok) add('ID-ORGNR', 'error', `Organisasjonsnummer "${value}" is not valid: ${r.problem}`);
        break;
      }
      case 'HER': {
        const r = checkHerId(value);
        if (!r.ok) add('ID-HER', 'error', `HER-id "${value}" is not valid: ${r.problem}`);
        break;
      }
      case 'HPR': {
        const r = checkHprNumber(value);
        if (!r.ok) add('ID-HPR', 'error', `HPR-nummer "${value}" is not valid: ${r.problem}`);
        break;
      }
    }
  }
  return hits;
}
