/**
 * A StructureDefinition's snapshot indexed once as a tree: each element knows its children, its
 * slices and what it fixes or patterns, so validating a resource never scans the flat list.
 */
import type { ConformanceStore, ElementDefinition, StructureDefinition, TypeRef } from './conformance-store.js';
import { snapshotOf } from './snapshot.js';

export interface ElementNode {
  def: ElementDefinition;
  /** The JSON property name; for a choice element the prefix before [x] (e.g. `value`). */
  name: string;
  isChoice: boolean;
  /** The element repeats in JSON (an array): decided by the base definition, never by a profile. */
  isArray: boolean;
  min: number;
  /** Infinity for `*`. */
  max: number;
  types: TypeRef[];
  children: ElementNode[];
  slices: ElementNode[];
  fixed?: { key: string; value: unknown };
  pattern?: { key: string; value: unknown };
  /** Path of the element in the definition that introduced it (e.g. `Identifier.system`): the FHIRPath type context. */
  basePath: string;
}

export interface ElementTree {
  sd: StructureDefinition;
  root: ElementNode;
  byId: Map<string, ElementNode>;
}

function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Infinity;
  const n = Number(max);
  return Number.isFinite(n) ? n : Infinity;
}

function makeNode(def: ElementDefinition): ElementNode {
  const last = def.path.slice(def.path.lastIndexOf('.') + 1);
  const isChoice = last.endsWith('[x]');
  const baseMax = def.base?.max ?? def.max;
  const node: ElementNode = {
    def,
    name: isChoice ? last.slice(0, -3) : last,
    isChoice,
    isArray: baseMax !== '1' && baseMax !== '0' && def.path.includes('.'),
    min: def.min ?? 0,
    max: parseMax(def.max),
    types: def.type ?? [],
    children: [],
    slices: [],
    basePath: def.base?.path ?? def.path,
  };
  for (const key of Object.keys(def)) {
    if (key.startsWith('fixed') && key.length > 5) node.fixed = { key, value: def[key] };
    else if (key.startsWith('pattern') && key.length > 7) node.pattern = { key, value: def[key] };
  }
  return node;
}

const trees = new WeakMap<StructureDefinition, ElementTree>();

/** The indexed tree of a StructureDefinition, built once and cached. */
export function elementTree(sd: StructureDefinition, store: ConformanceStore): ElementTree {
  const cached = trees.get(sd);
  if (cached) return cached;
  const elements = snapshotOf(sd, store);
  const byId = new Map<string, ElementNode>();
  let root: ElementNode | undefined;
  for (const def of elements) {
    const node = makeNode(def);
    byId.set(def.id, node);
    if (!root) {
      root = node;
      continue;
    }
    const lastDot = def.id.lastIndexOf('.');
    const lastSeg = def.id.slice(lastDot + 1);
    const colon = lastSeg.indexOf(':');
    if (colon >= 0) {
      const sliced = byId.get(def.id.slice(0, lastDot + 1 + colon));
      if (sliced) sliced.slices.push(node);
      continue;
    }
    byId.get(def.id.slice(0, lastDot))?.children.push(node);
  }
  const tree = { sd, root: root!, byId };
  trees.set(sd, tree);
  return tree;
}
