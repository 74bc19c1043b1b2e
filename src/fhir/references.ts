/**
 * References: local (`#id`) references must name a contained resource, and the type a reference
 * points at must be one the element allows.
 */
import type { TypeRef } from './conformance-store.js';
import type { ElementNode } from './element-tree.js';
import type { JsonNode } from './json-parser.js';
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
    } else {
      const inBundle = scope.bundle ? resolveInBundle(scope.bundle, ref, scope.entry) : undefined;
      if (inBundle && inBundle.matches.length > 1 && !scope.bundle!.reported.has(refNode(node)!)) {
        scope.bundle!.reported.add(refNode(node)!);
        walk.add(
          'FHIR-BUNDLE-REF',
          'error',
          'profile',
          `${path}.reference '${ref}' matches ${inBundle.matches.length} entries of the Bundle (${inBundle.matches.map((m) => `entry[${m.index}]`).join(', ')}); it must identify one`,
          refNode(node),
          `${path}.reference`,
        );
      }
      actual = (inBundle?.matches.length === 1 ? inBundle.matches[0].type : undefined) ?? typeFromReference(ref);
    }
  }
  if (!actual && typeof declaredType === 'string') actual = declaredType;
  if (!actual) return;
  const targets = type.targetProfile ?? [];
  if (!targets.length) return;
  // A target profile that is not loaded cannot say which type it wants: the reference is not judged.
  if (targets.some((t) => !walk.store.structureDefinition(t))) return;
  const allowed = targets.map((t) => walk.store.structureDefinition(t)!.type);
  if (allowed.includes('Resource') || allowed.includes(actual)) return;
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
