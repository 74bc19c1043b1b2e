/**
 * Snapshot generation: a profile published with only a differential is laid over its base
 * definition's snapshot. Constraints merge into the matching base element; a new slice is a copy
 * of the sliced element placed after it; a constraint inside an element that the base does not
 * expand (e.g. `Patient.identifier:fnr.system`) first expands that element's type.
 */
import { SamsvarError } from '../core/samsvar-error.js';
import type { ConformanceStore, ElementDefinition, StructureDefinition } from './conformance-store.js';
import { FHIR_SD_BASE } from './conformance-store.js';
import { idPathMismatch } from './element-ids.js';

const snapshots = new WeakMap<StructureDefinition, ElementDefinition[]>();

/** The snapshot of a StructureDefinition: its own when it ships one, generated (and cached) otherwise. */
export function snapshotOf(sd: StructureDefinition, store: ConformanceStore, seen: Set<string> = new Set()): ElementDefinition[] {
  const cached = snapshots.get(sd);
  if (cached) return cached;
  let elements: ElementDefinition[];
  if (sd.snapshot?.element?.length) {
    elements = sd.snapshot.element.map((e) => ({ ...e, id: e.id ?? e.path }));
  } else {
    if (!sd.baseDefinition)
      throw new SamsvarError('profile_invalid', `StructureDefinition ${sd.url} has neither a snapshot nor a baseDefinition`);
    if (seen.has(sd.url)) throw new SamsvarError('profile_invalid', `StructureDefinition ${sd.url} derives from itself`);
    seen.add(sd.url);
    const base = store.structureDefinition(sd.baseDefinition);
    if (!base)
      throw new SamsvarError('profile_invalid', `StructureDefinition ${sd.url} derives from ${sd.baseDefinition}, which is not loaded`);
    elements = applyDifferential(sd, snapshotOf(base, store, seen), store, seen);
  }
  snapshots.set(sd, elements);
  return elements;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function applyDifferential(
  sd: StructureDefinition,
  base: ElementDefinition[],
  store: ConformanceStore,
  seen: Set<string>,
): ElementDefinition[] {
  const out = base.map(clone);
  const baseRoot = out[0]?.path ?? sd.type;
  // A profile on a profile keeps the type's name as the root of every path and id.
  if (baseRoot !== sd.type) {
    for (const e of out) {
      e.id = sd.type + e.id.slice(baseRoot.length);
      e.path = sd.type + e.path.slice(baseRoot.length);
    }
  }
  const index = () => new Map(out.map((e, i) => [e.id, i]));
  let ids = index();

  const expandChildren = (parentIdx: number): boolean => {
    const parent = out[parentIdx];
    if (parent.sliceName) {
      // A slice starts from what the sliced element already says about its children.
      const slicedId = parent.id.slice(0, parent.id.lastIndexOf(':'));
      const kids = out
        .filter((e) => e.id.startsWith(slicedId + '.'))
        .map((e) => ({ ...clone(e), id: parent.id + e.id.slice(slicedId.length) }));
      if (kids.length) {
        out.splice(parentIdx + 1, 0, ...kids);
        ids = index();
        return true;
      }
    }
    // An element defined by reference (Parameters.parameter.part is a parameter) has the children of the element it names, as the base defines them.
    const ref = parent.contentReference?.slice(parent.contentReference.indexOf('#') + 1);
    if (ref && !parent.type?.length) {
      const refRoot = ref.slice(0, ref.indexOf('.'));
      const kids = base
        .filter((e) => e.id.startsWith(`${ref}.`) && !e.id.includes(':'))
        .map((e) => {
          const c = clone(e);
          c.id = parent.id + e.id.slice(ref.length);
          c.path = parent.path + e.path.slice(ref.length);
          return c;
        });
      if (kids.length && refRoot === (base[0]?.path ?? '').split('.')[0]) {
        out.splice(parentIdx + 1, 0, ...kids);
        ids = index();
        return true;
      }
    }
    // A choice of several types has the children they all share, Element's (id, extension).
    const type = parent.type?.length === 1 ? parent.type[0] : parent.type?.length ? { code: 'Element' } : undefined;
    if (!type) return false;
    const typeSd =
      ('profile' in type && type.profile?.[0] && store.structureDefinition(type.profile[0])) ||
      store.structureDefinition(FHIR_SD_BASE + type.code);
    if (!typeSd) return false;
    const typeElements = snapshotOf(typeSd, store, new Set(seen));
    const root = typeElements[0].path;
    const children = typeElements.slice(1).map((e) => {
      const c = clone(e);
      c.id = parent.id + e.id.slice(root.length);
      c.path = parent.path + e.path.slice(root.length);
      return c;
    });
    out.splice(parentIdx + 1, 0, ...children);
    ids = index();
    return true;
  };

  const materialize = (id: string): number | undefined => {
    const found = ids.get(id);
    if (found !== undefined) return found;
    const lastDot = id.lastIndexOf('.');
    const lastSeg = id.slice(lastDot + 1);
    const colon = lastSeg.indexOf(':');
    if (colon >= 0) {
      // A new slice: a copy of the sliced element, after the sliced element, its children and earlier slices.
      const slicedId = id.slice(0, lastDot + 1 + colon);
      const slicedIdx = materialize(slicedId);
      if (slicedIdx === undefined) return undefined;
      // Materializing the sliced element may have expanded a type profile that already defines this slice.
      const defined = ids.get(id);
      if (defined !== undefined) return defined;
      const sliced = out[slicedIdx];
      let at = slicedIdx + 1;
      while (at < out.length && (out[at].id.startsWith(slicedId + '.') || out[at].id.startsWith(slicedId + ':'))) at++;
      const slice: ElementDefinition = { ...clone(sliced), id, sliceName: lastSeg.slice(colon + 1), min: 0 };
      delete slice.slicing;
      out.splice(at, 0, slice);
      ids = index();
      return at;
    }
    if (lastDot < 0) return undefined;
    const parentId = id.slice(0, lastDot);
    const parentIdx = materialize(parentId);
    if (parentIdx === undefined) return undefined;
    const hasChildren = out[parentIdx + 1]?.id.startsWith(parentId + '.');
    if (!hasChildren && expandChildren(parentIdx)) return ids.get(id) ?? choiceRename(parentId, lastSeg);
    return choiceRename(parentId, lastSeg);
  };

  // `Observation.valueQuantity` in a differential constrains `Observation.value[x]` to Quantity.
  const choiceRename = (parentId: string, name: string): number | undefined => {
    for (const [cid, idx] of ids) {
      if (!cid.startsWith(parentId + '.') || !cid.endsWith('[x]')) continue;
      const prefix = cid.slice(parentId.length + 1, -3);
      if (prefix.includes('.') || !name.startsWith(prefix)) continue;
      const typeName = name.slice(prefix.length);
      const t = out[idx].type?.find((t) => t.code.toLowerCase() === typeName.toLowerCase());
      if (t) {
        out[idx].type = [t];
        return idx;
      }
    }
    return undefined;
  };

  const differential = sd.differential?.element ?? [];
  const diffIds = differentialIds(differential);
  for (const [i, d] of differential.entries()) {
    const id = diffIds[i]!;
    const idx = materialize(id);
    if (idx === undefined) {
      throw new SamsvarError(
        'profile_invalid',
        `StructureDefinition ${sd.url}: differential element ${id} matches nothing in the base ${sd.baseDefinition}`,
      );
    }
    merge(out[idx], d);
    // An extension slice takes its cardinality from the extension's own definition, and can never allow more than it.
    const extUrl = d.type?.length === 1 && d.type[0].code === 'Extension' ? d.type[0].profile?.[0] : undefined;
    const extSd = extUrl ? store.structureDefinition(extUrl) : undefined;
    if (extSd && out[idx].sliceName) {
      const extRoot = snapshotOf(extSd, store, new Set(seen))[0];
      const narrower = (a: string | undefined, b: string) =>
        a === undefined || a === '*' ? b : b === '*' ? a : String(Math.min(Number(a), Number(b)));
      if (extRoot?.max !== undefined) out[idx].max = narrower(d.max, extRoot.max);
      if (d.min === undefined && extRoot?.min !== undefined) out[idx].min = extRoot.min;
    }
  }
  return out;
}

/**
 * The id each differential element constrains. Elements without an id (profiles written before R4
 * made ids usual) or whose id names another element than their path (FHIR-SD-PATH, as in a
 * published IPS profile) are placed by their path, as the HL7 validator places them: a child
 * belongs to the slice of its parent path that came last, in document order.
 */
export function differentialIds(differential: readonly ElementDefinition[]): string[] {
  const lastIdOfPath = new Map<string, string>();
  return differential.map((d) => {
    const path = d.path ?? d.id ?? '';
    const dot = path.lastIndexOf('.');
    const parentPath = dot < 0 ? '' : path.slice(0, dot);
    const name = path.slice(dot + 1);
    const parentId = parentPath ? (lastIdOfPath.get(parentPath) ?? parentPath) : '';
    const byPath = `${parentId ? `${parentId}.` : ''}${name}${d.sliceName ? `:${d.sliceName}` : ''}`;
    const id = d.id && !(d.path && idPathMismatch(d.id, d.path)) ? d.id : byPath;
    lastIdOfPath.set(path, id);
    return id;
  });
}

function merge(target: ElementDefinition, diff: ElementDefinition): void {
  for (const [key, value] of Object.entries(diff)) {
    if (key === 'id' || key === 'path') continue;
    if (key === 'constraint') {
      const existing = target.constraint ?? [];
      const keys = new Set(existing.map((c) => c.key));
      target.constraint = [...existing, ...(value as NonNullable<ElementDefinition['constraint']>).filter((c) => !keys.has(c.key))];
    } else if (key.startsWith('fixed') || key.startsWith('pattern')) {
      for (const k of Object.keys(target)) if (k.startsWith('fixed') || k.startsWith('pattern')) delete target[k];
      target[key] = clone(value);
    } else {
      target[key] = clone(value);
    }
  }
}
