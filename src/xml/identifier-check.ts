import { XmlAttribute, XmlXPath, type XmlDocument, type XmlElement, type XmlNode } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { checkHerId, checkHprNumber, checkOrgNumber, checkPersonNumber } from '../identifiers/norwegian-ids.js';

export interface IdentifierHit {
  element: XmlElement;
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

/**
 * KITH `Ident` blocks: the identifier in Id, its type in TypeId/@V (code lists 8116 for persons,
 * 9051 for organisations). One query returns, in document order, each Ident's Id element followed
 * by its TypeId/@V attribute; pairs are matched by their Ident.
 */
const ID_PARTS = XmlXPath.compile(
  "//*[local-name()='Ident']/*[local-name()='Id'] | //*[local-name()='Ident']/*[local-name()='TypeId']/@V",
);

const pointer = (n: XmlNode | null) => (n as unknown as { _nodePtr: number } | null)?._nodePtr;

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
  const idOf = new Map<number, XmlElement>();
  const typeOf = new Map<number, string>();
  for (const node of doc.find(ID_PARTS)) {
    if (node instanceof XmlAttribute) {
      const ident = pointer(node.parent?.parent ?? null);
      if (ident !== undefined && !typeOf.has(ident)) typeOf.set(ident, node.value.trim());
    } else {
      const ident = pointer(node.parent);
      if (ident !== undefined && !idOf.has(ident)) idOf.set(ident, node as XmlElement);
    }
  }
  for (const [ident, idEl] of idOf) {
    const type = typeOf.get(ident);
    if (type === undefined) continue;
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
