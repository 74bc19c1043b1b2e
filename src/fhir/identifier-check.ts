/**
 * Norwegian identifiers wherever a resource carries them (any Identifier whose system is one of
 * the OIDs below), checked by the same functions as the XML engine, so a vendor gets the exact
 * reason ("second control digit does not match") and a warning for what looks like a real person.
 */
import type { Finding, Severity } from '../core/finding.js';
import { INVARIANT_PREFIX } from '../core/rule-catalogue.js';
import { identifierProblem, type IdentifierType } from '../identifiers/identifier-problem.js';
import type { JsonNode } from './json-parser.js';

export const NORWEGIAN_ID_SYSTEMS: Record<string, IdentifierType> = {
  'urn:oid:2.16.578.1.12.4.1.4.1': 'FNR',
  'urn:oid:2.16.578.1.12.4.1.4.2': 'DNR',
  'urn:oid:2.16.578.1.12.4.1.4.4': 'HPR',
  'urn:oid:2.16.578.1.12.4.1.4.101': 'ENH',
  'urn:oid:2.16.578.1.12.4.1.2': 'HER',
};

/** How a fødselsnummer/D-nummer mix-up reads for FHIR: the identifier system is what is wrong. */
function wrongKind(declared: 'FNR' | 'DNR', value: string): string {
  return declared === 'FNR'
    ? `"${value}" is a D-nummer (day + 40), but the system says fødselsnummer; use urn:oid:2.16.578.1.12.4.1.4.2`
    : `"${value}" is a fødselsnummer, not a D-nummer (day + 40); use urn:oid:2.16.578.1.12.4.1.4.1`;
}

/** Every Norwegian identifier in the tree that is not valid (or looks real), with its FHIRPath and position. */
export function checkNorwegianIdentifiers(root: JsonNode, rootPath: string, realPersonNumber: Severity | 'off'): Finding[] {
  const out: Finding[] = [];
  const walk = (node: JsonNode, path: string) => {
    if (node.kind === 'array') {
      node.items.forEach((n, i) => walk(n, `${path}[${i}]`));
      return;
    }
    if (node.kind !== 'object') return;
    const system = node.props.get('system')?.value;
    const value = node.props.get('value')?.value;
    if (system?.kind === 'string' && value?.kind === 'string' && Object.hasOwn(NORWEGIAN_ID_SYSTEMS, system.value)) {
      const p = identifierProblem(NORWEGIAN_ID_SYSTEMS[system.value], value.value, realPersonNumber, wrongKind);
      if (p) out.push({ ...p, layer: p.layer ?? 'identifier', path: `${path}.value`, line: value.line, column: value.column });
    }
    for (const [key, prop] of node.props) {
      if (key === 'resourceType' || key.startsWith('_')) continue;
      walk(prop.value, `${path}.${key}`);
    }
  };
  walk(root, rootPath);
  return out;
}

/**
 * Joins identifier findings with the profile's invariant findings on the same identifier: the
 * invariant keeps its rule id and gains the exact reason, and the identifier finding is dropped
 * there, so one mistake is reported once. A profile's verdict is the profile's: where it does not
 * check an identifier's form itself (no invariant failed there), samsvar's own check is a warning.
 */
export function mergeIdentifierFindings(findings: Finding[], idFindings: Finding[]): Finding[] {
  const out = [...findings];
  const invariantAt = new Map<string, Finding>();
  for (const f of findings) {
    if (f.ruleId.startsWith(INVARIANT_PREFIX) && f.severity === 'error' && f.path && !invariantAt.has(f.path)) invariantAt.set(f.path, f);
  }
  for (const idf of idFindings) {
    const inv = invariantAt.get(idf.path!.replace(/\.value$/, ''));
    if (inv && idf.severity === 'error') {
      inv.message = `${inv.message}. ${idf.message}`;
      continue;
    }
    if (idf.severity === 'error')
      out.push({
        ...idf,
        severity: 'warning',
        message: `${idf.message} (the profile does not check this identifier's form, so this is a warning)`,
      });
    else out.push(idf);
  }
  return out;
}
