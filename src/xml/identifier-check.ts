import type { XmlDocument } from 'libxml2-wasm';
import type { Finding, Severity } from '../core/finding.js';
import { identifierProblem, type IdentifierType } from '../identifiers/identifier-problem.js';
import { ELEMENT, buildLightTree, type LightNode, type LightTree } from './light-tree.js';

export interface IdentifierHit {
  element: LightNode;
  finding: Omit<Finding, 'line' | 'column' | 'xpath'>;
}

/**
 * Every element that carries an identifier with its type: KITH `Ident` blocks (Id and TypeId/@V,
 * code lists 8116 for persons and 9051 for organisations), and the parties of an AppRec, which
 * hold Id and TypeId directly (Inst, Dept, HCPerson, HCProf) or in AdditionalId (Id and Type/@V).
 */
const KNOWN_TYPES = new Set<string>(['FNR', 'DNR', 'HPR', 'HER', 'ENH']);

/** An element's first Id child and the V of its first TypeId or Type child that has one, read from its children. */
function partsOf(ident: LightNode): { id?: LightNode; type?: string } {
  const parts: { id?: LightNode; type?: string } = {};
  for (const c of ident.children) {
    if (c.kind !== ELEMENT) continue;
    if (c.local === 'Id') parts.id ??= c;
    else if ((c.local === 'TypeId' || c.local === 'Type') && parts.type === undefined)
      parts.type = c.attributes.find((a) => a.local === 'V' && a.ns === '')?.value.trim();
  }
  return parts;
}

/** Checks identifiers where the message declares their type (see identifierProblem), in one pass over the tree. */
export function checkIdentifiers(
  doc: XmlDocument,
  realPersonNumber: Severity | 'off',
  tree: LightTree = buildLightTree(doc),
): IdentifierHit[] {
  const hits: IdentifierHit[] = [];
  for (const node of tree.elements) {
    const { id: idEl, type } = partsOf(node);
    if (!idEl || type === undefined) continue;
    if (!KNOWN_TYPES.has(type)) continue;
    const problem = identifierProblem(type as IdentifierType, idEl.text().trim(), realPersonNumber, (declared, v) =>
      declared === 'FNR'
        ? `"${v}" is a D-nummer (day + 40) but TypeId says FNR; use TypeId V="DNR"`
        : `"${v}" is a fødselsnummer, not a D-nummer (day + 40); use TypeId V="FNR"`,
    );
    if (problem) hits.push({ element: idEl, finding: { ...problem, layer: problem.layer ?? 'identifier' } });
  }
  return hits;
}
