import { XmlElement, XmlXPath, type XmlDocument } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { identifierProblem, type IdentifierType } from '../identifiers/identifier-problem.js';

export interface IdentifierHit {
  element: XmlElement;
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

/**
 * Every element that carries an identifier with its type: KITH `Ident` blocks (Id and TypeId/@V,
 * code lists 8116 for persons and 9051 for organisations), and the parties of an AppRec, which
 * hold Id and TypeId directly (Inst, Dept, HCPerson, HCProf) or in AdditionalId (Id and Type/@V).
 */
const IDENTS = XmlXPath.compile("//*[*[local-name()='Id'] and *[local-name()='TypeId' or local-name()='Type']]");
const KNOWN_TYPES = new Set<string>(['FNR', 'DNR', 'HPR', 'HER', 'ENH']);

/** The Ident's first Id element and its first TypeId/@V, read from its children (cheaper than an XPath evaluation each). */
function partsOf(ident: XmlElement): { id?: XmlElement; type?: string } {
  const parts: { id?: XmlElement; type?: string } = {};
  for (let c = ident.firstChild; c; c = c.next) {
    if (!(c instanceof XmlElement)) continue;
    if (c.name === 'Id') parts.id ??= c;
    else if ((c.name === 'TypeId' || c.name === 'Type') && parts.type === undefined) parts.type = c.attr('V')?.value.trim();
  }
  return parts;
}

/** Checks identifiers where the message declares their type (see identifierProblem). */
export function checkIdentifiers(doc: XmlDocument, realPersonNumber: Severity | 'off'): IdentifierHit[] {
  const hits: IdentifierHit[] = [];
  for (const node of doc.find(IDENTS)) {
    const { id: idEl, type } = partsOf(node as XmlElement);
    if (!idEl || type === undefined) continue;
    if (!KNOWN_TYPES.has(type)) continue;
    const problem = identifierProblem(type as IdentifierType, idEl.content.trim(), realPersonNumber, (declared, v) =>
      declared === 'FNR'
        ? `"${v}" is a D-nummer (day + 40) but TypeId says FNR; use TypeId V="DNR"`
        : `"${v}" is a fødselsnummer, not a D-nummer (day + 40); use TypeId V="FNR"`,
    );
    if (problem) hits.push({ element: idEl, finding: { ...problem, layer: problem.layer ?? 'identifier' } });
  }
  return hits;
}
