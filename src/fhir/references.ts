/**
 * References: local (`#id`) references must name a contained resource, and the type a reference
 * points at must be one the element allows.
 */
import type { TypeRef } from './conformance-store.js';
import { canonicalUrl } from './conformance-store.js';
import type { ElementNode } from './element-tree.js';
import type { JsonNode } from './json-parser.js';
import { typeFromReference } from './plain-values.js';
import type { ResourceScope, Walk } from './walk.js';

export function checkReference(walk: Walk, node: JsonNode, plain: unknown, type: TypeRef, el: ElementNode, path: string, scope: ResourceScope): void {
  const ref = (plain as { reference?: unknown })?.reference;
  const declaredType = (plain as { type?: unknown })?.type;
  let actual: string | undefined;
  if (typeof ref === 'string') {
    if (ref.startsWith('#')) {
      const container = scope.root ?? scope;
      const contained = (container.plain as { contained?: { id?: string; resourceType?: string }[] }).contained ?? [];
      const target = ref === '#' ? container.plain : contained.find((c) => c?.id === ref.slice(1));
      if (!target) {
        walk.add('FHIR-REF-CONTAINED', 'error', 'structure', `${path}.reference '${ref}' points to no contained resource with id '${ref.slice(1)}'`, node, `${path}.reference`);
        return;
      }
      actual = (target as { resourceType?: string }).resourceType;
    } else if (/^urn:(uuid|oid):/.test(ref)) {
      actual = scope.bundleEntries?.get(ref);
    } else {
      actual = typeFromReference(ref) ?? scope.bundleEntries?.get(ref);
    }
  }
  if (!actual && typeof declaredType === 'string') actual = declaredType;
  if (!actual) return;
  const targets = type.targetProfile ?? [];
  if (!targets.length) return;
  const allowed = targets.map((t) => walk.store.structureDefinition(t)?.type ?? canonicalUrl(t).slice(canonicalUrl(t).lastIndexOf('/') + 1));
  if (allowed.includes('Resource') || allowed.includes(actual)) return;
  if (!walk.store.baseType(actual)) {
    walk.add('FHIR-REF-TYPE', 'error', 'structure', `${path} refers to '${actual}', which is not a FHIR R4 resource type`, node, path);
    return;
  }
  walk.add('FHIR-REF-TYPE', 'error', 'profile', `${path} refers to a ${actual}, but ${el.def.path} allows only ${[...new Set(allowed)].join(', ')}`, node, path);
}

/** fullUrl -> resourceType of a Bundle's entries. */
export function bundleEntryTypes(bundle: JsonNode & { kind: 'object' }): Map<string, string> {
  const out = new Map<string, string>();
  const entries = bundle.props.get('entry')?.value;
  if (entries?.kind !== 'array') return out;
  for (const e of entries.items) {
    if (e.kind !== 'object') continue;
    const full = e.props.get('fullUrl')?.value;
    const res = e.props.get('resource')?.value;
    const rt = res?.kind === 'object' ? res.props.get('resourceType')?.value : undefined;
    if (full?.kind === 'string' && rt?.kind === 'string') {
      out.set(full.value, rt.value);
      const m = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(full.value);
      if (m) out.set(m[1], rt.value);
    }
  }
  return out;
}
