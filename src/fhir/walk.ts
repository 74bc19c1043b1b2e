/**
 * What the parts of an instance validation share: the scope a value sits in, one value of an
 * element as the walk meets it, and the walk itself as slicing, bindings, references and the
 * Bundle rules call back into it.
 */
import type { Finding, Layer, Severity } from '../core/finding.js';
import type { BundleEntry, BundleIndex } from './bundle.js';
import type { ConformanceStore, StructureDefinition, TypeRef } from './conformance-store.js';
import type { ElementNode, ElementTree } from './element-tree.js';
import type { JsonNode, Position } from './json-parser.js';
import type { TerminologyQuestion } from './terminology-server.js';

/** The resource an element sits in: for %resource, contained references and Bundle look-ups. */
export interface ResourceScope {
  node: JsonNode & { kind: 'object' };
  plain: unknown;
  /** Where the resource sits in what was validated (`Bundle.entry[2].resource`); its own type at the top. */
  path: string;
  root: ResourceScope | undefined;
  /** Element ids seen in this resource (its own elements, not those of resources nested in it). */
  elementIds: Set<string>;
  /** The Bundle the resource sits in (at any depth), for resolving references by the Bundle rules. */
  bundle?: BundleIndex;
  /** The entry of that Bundle holding this resource (or its container). */
  entry?: BundleEntry;
}

export interface Item {
  node: JsonNode;
  /** The `_name` companion of a primitive (id and extensions). */
  extra?: JsonNode;
  /** Index in the JSON array, or undefined for a single value. */
  index?: number;
  /** The element's JSON name (for a choice: `valueQuantity`). */
  jsonName: string;
  type?: TypeRef;
  pos: Position;
}

export interface Walk {
  readonly store: ConformanceStore;
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
  /** The child element definitions of a complex value: from the profile when it goes that deep, else from the type. */
  childrenOf(
    el: ElementNode,
    tree: ElementTree,
    type: TypeRef | undefined,
  ): { children: ElementNode[]; tree: ElementTree; typeRoot?: ElementNode };
  validateItem(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void;
  validateValue(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void;
  validateExtension(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void;
  checkCardinality(count: number, el: ElementNode, path: string, pos: Position, items: Item[], slice?: string): void;
  itemPath(path: string, item: Item): string;
  /** The errors a resource (a reference's target) has against a profile, without reporting them. */
  errorsAgainst(
    target: JsonNode & { kind: 'object' },
    sd: StructureDefinition,
    path: string,
    scope: ResourceScope,
    contained: boolean,
  ): Finding[];
  /** The errors a data type value (a Coding in a slice) has against a data type profile, without reporting them. */
  valueErrorsAgainst(value: JsonNode & { kind: 'object' }, sd: StructureDefinition, path: string, scope: ResourceScope): Finding[];
  /** A code the loaded definitions cannot judge: asked of the terminology server after the walk. */
  ask(question: TerminologyQuestion): void;
}

export const EXTENSION_ELEMENTS = new Set(['extension', 'modifierExtension']);

export function show(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
