/**
 * Whether a slicing discriminator's path can name anything in the element it slices: its first step
 * must be a child of that element's type (`url` or `value` in an Extension, `type` in
 * AuditEvent.agent). Read from the base R4 definitions; what they cannot tell is not judged.
 */
import type { ConformanceStore, ElementDefinition, StructureDefinition } from './conformance-store.js';
import { splitPath } from './plain-values.js';

/** Types whose children a profile defines inline, under the element's own path. */
const INLINE = new Set(['BackboneElement', 'Element']);

/** The base definition's element at a path (slice names removed), following data types beyond the resource. */
function baseElement(store: ConformanceStore, path: string): { el: ElementDefinition; owner: StructureDefinition } | undefined {
  const [root, ...steps] = path.split('.');
  let owner = store.baseType(root!);
  let prefix = root!;
  let el: ElementDefinition | undefined;
  for (const step of steps) {
    if (!owner) return undefined;
    const inOwner = (p: string) => owner!.snapshot?.element.find((e) => e.path === p);
    el = inOwner(`${prefix}.${step}`);
    if (!el) {
      // Into a data type: continue in its own definition.
      const types = inOwner(prefix)?.type;
      if (types?.length !== 1 || INLINE.has(types[0]!.code)) return undefined;
      owner = store.baseType(types[0]!.code);
      prefix = types[0]!.code;
      el = owner?.snapshot?.element.find((e) => e.path === `${prefix}.${step}`);
      if (!el) return undefined;
    }
    prefix = el.path;
  }
  return el && owner ? { el, owner } : undefined;
}

/** The names of the children a value of the sliced element can have; undefined when unknown. */
function childNames(store: ConformanceStore, path: string, own: ElementDefinition['type']): Set<string> | undefined {
  const base = path.includes('.') ? baseElement(store, path) : undefined;
  const types = own?.length ? own : base?.el.type;
  if (!types?.length) return undefined;
  const names = new Set<string>();
  for (const t of types) {
    const inline = INLINE.has(t.code) && base ? { sd: base.owner, prefix: base.el.path } : undefined;
    const sd = inline?.sd ?? store.baseType(t.code);
    const prefix = inline?.prefix ?? t.code;
    if (!sd?.snapshot || t.code === 'Resource' || t.code === 'DomainResource') return undefined;
    for (const e of sd.snapshot.element) {
      const rest = e.path.startsWith(`${prefix}.`) ? e.path.slice(prefix.length + 1) : undefined;
      if (rest && !rest.includes('.')) names.add(rest);
    }
  }
  return names;
}

/**
 * Why a discriminator path names nothing in the sliced element (`path`: the element's path, slice
 * names removed; `own`: the types the profile gives it there), or undefined.
 */
export function discriminatorPathProblem(
  store: ConformanceStore,
  path: string,
  own: ElementDefinition['type'],
  discriminatorPath: string,
): string | undefined {
  const first = splitPath(discriminatorPath.replace(/^\$this\.?/, ''))[0];
  if (!first) return undefined;
  const name = first.replace(/\(.*$/, '');
  if (['resolve', 'ofType', 'extension', 'modifierExtension', 'as'].includes(name) || first.includes('(')) return undefined;
  const names = childNames(store, path, own);
  if (!names) return undefined;
  // A choice is `value` in FHIRPath; some profiles name it by its type (`valueCodeableConcept`).
  const known = [...names].some((n) => (n.endsWith('[x]') ? name === n.slice(0, -3) || isTyped(name, n.slice(0, -3)) : name === n));
  if (known) return undefined;
  const shown = [...names].map((n) => n.replace(/\[x\]$/, '')).sort();
  return `the discriminator path '${discriminatorPath}' names no element of ${path} (${shown.join(', ')})`;
}

function isTyped(name: string, stem: string): boolean {
  return name.length > stem.length && name.startsWith(stem) && /^[A-Z]/.test(name.slice(stem.length));
}
