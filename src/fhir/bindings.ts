/**
 * Bindings: codes checked against the ValueSets and CodeSystems of the loaded packages, by the
 * binding's strength.
 */
import type { Severity } from '../core/finding.js';
import { canonicalUrl } from './conformance-store.js';
import type { ElementNode } from './element-tree.js';
import type { JsonNode } from './json-parser.js';
import { codingsOf } from './plain-values.js';
import { codeMembership, codeSystemHasCode, expandValueSet } from './terminology.js';
import type { Walk } from './walk.js';

const UCUM = 'http://unitsofmeasure.org';

export function checkBinding(walk: Walk, node: JsonNode, plain: unknown, el: ElementNode, typeCode: string, path: string): void {
  const binding = el.def.binding!;
  if (!binding.valueSet || binding.strength === 'example') return;
  if (!['code', 'Coding', 'CodeableConcept', 'CodeableReference'].includes(typeCode)) return;
  const vs = walk.store.valueSet(binding.valueSet);
  if (!vs) {
    askForExpansion(walk, node, plain, typeCode, binding.strength, canonicalUrl(binding.valueSet), path);
    return;
  }
  const exp = expandValueSet(vs, walk.store);
  // A ValueSet of UCUM units binds the unit of a Quantity (which the HL7 validator leaves to UCUM itself), not the codes
  // of a coded value of the same choice element (vital signs: Observation.component.value[x]).
  const unitsOnly = exp.codes.size > 0 && [...exp.codes.keys()].every((s) => s === UCUM) && [...exp.openSystems].every((s) => s === UCUM);
  if (unitsOnly) return;
  const codings = typeCode === 'code' ? (typeof plain === 'string' ? [{ code: plain, system: undefined }] : []) : codingsOf(plain);
  const coded = codings.filter((c) => c.code !== undefined);
  if (!coded.length) {
    if (binding.strength === 'required' && typeCode !== 'code') {
      walk.add(
        'FHIR-BINDING-REQUIRED',
        'error',
        'terminology',
        `${path} has no coding, but the binding to ${binding.valueSet} is required`,
        node,
        path,
      );
    }
    return;
  }
  const results = coded.map((c) => codeMembership(exp, c.system, c.code!));
  if (results.includes('in')) return;
  if (results.includes('unknown')) {
    // The ValueSet draws on a code system samsvar does not hold (SNOMED CT, LOINC, Volven …): the terminology server decides.
    if (binding.strength === 'required' || binding.strength === 'extensible') {
      coded.forEach((c, i) => {
        if (results[i] === 'unknown')
          walk.ask({
            kind: 'valueset',
            url: canonicalUrl(binding.valueSet!),
            system: c.system,
            code: c.code!,
            display: c.display,
            strength: binding.strength as 'required' | 'extensible',
            path,
            line: node.line,
            column: node.column,
          });
      });
    }
    return;
  }
  const shown = coded.map((c) => (c.system ? `${c.system}|${c.code}` : `'${c.code}'`)).join(', ');
  const vsName = (vs.name as string | undefined) ?? binding.valueSet;
  const [rule, severity]: [string, Severity] =
    binding.strength === 'required'
      ? ['FHIR-BINDING-REQUIRED', 'error']
      : binding.strength === 'extensible'
        ? ['FHIR-BINDING-EXTENSIBLE', 'warning']
        : ['FHIR-BINDING-PREFERRED', 'information'];
  walk.add(
    rule,
    severity,
    'terminology',
    `${path}: ${shown} is not in the ValueSet ${vsName} (${canonicalUrl(binding.valueSet)}), which has a ${binding.strength} binding`,
    node,
    path,
  );
}

/**
 * A required or extensible binding to a ValueSet that is not loaded (an intensional ValueSet over
 * SNOMED CT or Volven that a package names but does not carry): the terminology server expands it.
 */
function askForExpansion(walk: Walk, node: JsonNode, plain: unknown, typeCode: string, strength: string, url: string, path: string): void {
  if (strength !== 'required' && strength !== 'extensible') return;
  const codings = (
    typeCode === 'code' ? (typeof plain === 'string' ? [{ code: plain, system: undefined }] : []) : codingsOf(plain)
  ).flatMap((c) => (c.code === undefined ? [] : [{ code: c.code, ...(c.system ? { system: c.system } : {}) }]));
  if (!codings.length) return;
  walk.ask({
    kind: 'expansion',
    url,
    system: codings[0]!.system,
    code: codings[0]!.code,
    anyOf: codings,
    strength,
    path,
    line: node.line,
    column: node.column,
  });
}

/** A code from a CodeSystem we hold in full must exist in it, whatever the binding. */
export function checkCodeKnown(walk: Walk, node: JsonNode, plain: unknown, path: string): void {
  const { system, code } = (plain ?? {}) as { system?: unknown; code?: unknown };
  if (typeof system !== 'string' || typeof code !== 'string') return;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(system)) {
    walk.add(
      'FHIR-CODE-SYSTEM',
      'error',
      'terminology',
      `${path}.system '${system}' must be an absolute URI that names the code system, not a local reference`,
      node,
      `${path}.system`,
    );
    return;
  }
  const cs = walk.store.codeSystem(system);
  // (Norwegian code lists name a ValueSet and its CodeSystem by the same OID, so an urn:oid: system is never this mistake.)
  if (!cs && !system.startsWith('urn:oid:') && walk.store.valueSet(system)) {
    walk.add(
      'FHIR-CODE-SYSTEM',
      'error',
      'terminology',
      `${path}.system '${system}' names a ValueSet, not a code system; use the system of the code (the ValueSet's compose.include.system)`,
      node,
      `${path}.system`,
    );
    return;
  }
  if (!cs) {
    // A code system samsvar does not hold: whether the code (and its display) exists is the terminology server's to say.
    const display = (plain as { display?: unknown }).display;
    walk.ask({
      kind: 'codesystem',
      url: system,
      code,
      display: typeof display === 'string' ? display : undefined,
      path,
      line: node.line,
      column: node.column,
    });
    return;
  }
  if (codeSystemHasCode(cs, code) !== false) return;
  walk.add(
    'FHIR-CODE-UNKNOWN',
    'error',
    'terminology',
    `${path}: code '${code}' is not defined in the code system ${system}`,
    node,
    `${path}.code`,
  );
}
