/**
 * References: local (`#id`) references must name a contained resource, the type a reference
 * points at must be one the element allows, and a target found in the Bundle or among the
 * contained resources must conform to a target profile the element names.
 */
import type { StructureDefinition, TypeRef } from './conformance-store.js';
import type { ElementNode } from './element-tree.js';
import type { JsonNode } from './json-parser.js';
import type { JsonObject } from './json-nodes.js';
import { typeFromReference } from './plain-values.js';
import { resolveInBundle } from './bundle.js';
import type { ResourceScope, Walk } from './walk.js';

function refNode(node: JsonNode): JsonNode | undefined {
  return node.kind === 'object' ? node.props.get('reference')?.value : undefined;
}

export function checkReference(
  walk: Walk,
  node: JsonNode,
  plain: unknown,
  type: TypeRef,
  el: ElementNode,
  path: string,
  scope: ResourceScope,
): void {
  const ref = (plain as { reference?: unknown })?.reference;
  const declaredType = (plain as { type?: unknown })?.type;
  let actual: string | undefined;
  /** The resource the reference resolves to, where the instance holds it, and how it is named. */
  let resolved: { node: JsonObject; contained: boolean; label: string } | undefined;
  if (typeof ref === 'string') {
    if (ref.startsWith('#')) {
      const container = scope.root ?? scope;
      const contained = (container.plain as { contained?: { id?: string; resourceType?: string }[] }).contained ?? [];
      const target = ref === '#' ? container.plain : contained.find((c) => c?.id === ref.slice(1));
      if (!target) {
        walk.add(
          'FHIR-REF-CONTAINED',
          'error',
          'structure',
          `${path}.reference '${ref}' points to no contained resource with id '${ref.slice(1)}'`,
          node,
          `${path}.reference`,
        );
        return;
      }
      actual = (target as { resourceType?: string }).resourceType;
      const held = containedNode(container.node, ref.slice(1));
      if (held) resolved = { node: held, contained: true, label: `the contained ${actual} '${ref}'` };
    } else {
      const inBundle = scope.bundle ? resolveInBundle(scope.bundle, ref, scope.entry, { urnBase: true }) : undefined;
      // Once per reference value, whether the Bundle rules or this walk find the fault first.
      const reportOnce = (message: string) => {
        if (scope.bundle!.reported.has(refNode(node)!)) return;
        scope.bundle!.reported.add(refNode(node)!);
        walk.add('FHIR-BUNDLE-REF', 'error', 'profile', message, refNode(node), `${path}.reference`);
      };
      if (inBundle && inBundle.matches.length > 1)
        reportOnce(
          `${path}.reference '${ref}' matches ${inBundle.matches.length} entries of the Bundle (${inBundle.matches.map((m) => `entry[${m.index}]`).join(', ')}); it must identify one`,
        );
      actual = (inBundle?.matches.length === 1 ? inBundle.matches[0].type : undefined) ?? typeFromReference(ref);
      let entry = inBundle?.matches.length === 1 ? inBundle.matches[0] : undefined;
      const named = inBundle?.namedTypeViaUrn;
      if (entry && named && entry.type && entry.type !== named) {
        // The entry is not what the reference names: judged by the type it names, not as the entry.
        const found = entry;
        actual = named;
        entry = undefined;
        reportOnce(
          `${path}.reference '${ref}' names a ${named}, but the entry it resolves to (entry[${found.index}], ${found.fullUrl}: the referring entry's URN base with its id) holds ${/^[AEIOU]/.test(found.type!) ? 'an' : 'a'} ${found.type}`,
        );
      }
      if (entry?.resource) resolved = { node: entry.resource, contained: false, label: `${ref} (the Bundle's entry[${entry.index}])` };
    }
  }
  if (!actual && typeof declaredType === 'string') actual = declaredType;
  if (!actual) return;
  const targets = type.targetProfile ?? [];
  if (!targets.length) return;
  const unknown = targets.filter((t) => !walk.store.structureDefinition(t));
  const known = targets.flatMap((t) => walk.store.structureDefinition(t) ?? []);
  const allowed = known.map((sd) => sd.type);
  if (allowed.includes('Resource') || allowed.includes(actual)) {
    if (resolved) checkTargetConforms(walk, node, resolved, actual, known, path, scope);
    return;
  }
  // A target profile that is not loaded cannot say which type it wants: a target outside the instance is not judged. One the
  // instance holds must conform to it, which cannot be checked: not a pass either (as in the HL7 validator).
  if (unknown.length) {
    if (!resolved) return;
    walk.add(
      'FHIR-REF-PROFILE-UNKNOWN',
      'error',
      'profile',
      `${path} refers to ${resolved.label}, which ${el.def.path} allows only as ${unknown.join(' or ')}: not loaded, so the target could not be checked; the profile needs the package that defines ${unknown.length > 1 ? 'them' : 'it'} (\`samsvar profiles import\`)`,
      node,
      path,
    );
    return;
  }
  if (!walk.store.baseType(actual)) {
    walk.add('FHIR-REF-TYPE', 'error', 'structure', `${path} refers to '${actual}', which is not a FHIR R4 resource type`, node, path);
    return;
  }
  walk.add(
    'FHIR-REF-TYPE',
    'error',
    'profile',
    `${path} refers to a ${actual}, but ${el.def.path} allows only ${[...new Set(allowed)].join(', ')}`,
    node,
    path,
  );
}

/**
 * A target profile is a promise about the resource referred to: where the instance holds that
 * resource, it must conform to one of the profiles named for its type (the HL7 validator checks
 * the same). A base definition among them, or `Resource`, asks nothing more than its type.
 */
function checkTargetConforms(
  walk: Walk,
  node: JsonNode,
  resolved: { node: JsonObject; contained: boolean; label: string },
  type: string,
  targets: StructureDefinition[],
  path: string,
  scope: ResourceScope,
): void {
  const profiles = targets.filter((sd) => sd.type === type || sd.type === 'Resource');
  if (!profiles.length || profiles.some((sd) => sd.derivation !== 'constraint')) return;
  const misses: string[] = [];
  for (const sd of profiles) {
    const errors = walk.errorsAgainst(resolved.node, sd, type, scope, resolved.contained);
    if (!errors.length) return;
    const shown = errors.slice(0, 3).map((e) => e.message);
    const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
    misses.push(`${sd.name ?? sd.url} (${sd.url}): ${shown.join('; ')}${more}`);
  }
  walk.add(
    'FHIR-REF-PROFILE',
    'error',
    'profile',
    `${path} refers to ${resolved.label}, which does not conform to ${profiles.length > 1 ? 'any of its target profiles' : 'its target profile'} ${misses.join(' | ')}`,
    node,
    path,
  );
}

function containedNode(container: JsonNode, id: string): JsonObject | undefined {
  const list = container.kind === 'object' ? container.props.get('contained')?.value : undefined;
  if (list?.kind !== 'array') return undefined;
  for (const item of list.items) {
    if (item.kind !== 'object') continue;
    const idNode = item.props.get('id')?.value;
    if (idNode?.kind === 'string' && idNode.value === id) return item;
  }
  return undefined;
}
