/**
 * Slicing: which slice each value of a sliced element belongs to (by value, pattern, type, exists
 * and profile discriminators), the slices' cardinality, closed and ordered slicing, and the reason
 * a value matched no slice.
 */
import type { Discriminator } from './conformance-store.js';
import { canonicalUrl } from './conformance-store.js';
import type { ElementNode, ElementTree } from './element-tree.js';
import type { JsonNode } from './json-parser.js';
import { toPlain } from './json-parser.js';
import { codingsOf, deepEqual, EXTENSION_BY_URL, matchesPattern, navigate, splitPath, typeFromReference } from './plain-values.js';
import { codeMembership, expandValueSet } from './terminology.js';
import type { Item, ResourceScope, Walk } from './walk.js';
import { EXTENSION_ELEMENTS, show } from './walk.js';

export function validateSliced(
  walk: Walk,
  items: Item[],
  el: ElementNode,
  tree: ElementTree,
  path: string,
  scope: ResourceScope,
  obj: JsonNode,
): void {
  const slicing = el.def.slicing;
  const discriminators = slicing?.discriminator ?? [];
  const assigned: (ElementNode | undefined)[] = [];
  const misses: { slice: ElementNode; matched: number; reasons: string[] }[][] = [];
  for (const item of items) {
    let hit: ElementNode | undefined;
    const tried: { slice: ElementNode; matched: number; reasons: string[] }[] = [];
    for (const slice of el.slices) {
      const m = matchSlice(walk, item, slice, discriminators, tree, { path: walk.itemPath(path, item), scope });
      if (m.reasons.length === 0) {
        hit = slice;
        break;
      }
      tried.push({ slice, ...m });
    }
    assigned.push(hit);
    misses.push(tried);
  }
  const childPath = `${path}.${el.name}`;
  for (const slice of el.slices) {
    const its = items.filter((_, i) => assigned[i] === slice);
    walk.checkCardinality(its.length, slice, childPath, obj, its, slice.def.sliceName);
  }
  const rules = slicing?.rules ?? 'open';
  let lastSliceIdx = -1;
  let sawUnmatched = false;
  items.forEach((item, i) => {
    const slice = assigned[i];
    const p = walk.itemPath(path, item);
    if (!slice) {
      sawUnmatched = true;
      if (rules === 'closed') {
        const nearest = misses[i].sort((a, b) => b.matched - a.matched)[0];
        const why = nearest ? `; nearest is slice '${nearest.slice.def.sliceName}': ${nearest.reasons.join('; ')}` : '';
        walk.add(
          'FHIR-SLICE-NOMATCH',
          'error',
          'profile',
          `${p} matches none of the slices of ${childPath}, and the slicing is closed${why}`,
          item.pos,
          p,
        );
      }
      walk.validateItem(item, el, tree, path, scope);
      return;
    }
    const idx = el.slices.indexOf(slice);
    if (slicing?.ordered && idx < lastSliceIdx) {
      walk.add(
        'FHIR-SLICE-ORDER',
        'error',
        'profile',
        `${p} (slice '${slice.def.sliceName}') comes after slice '${el.slices[lastSliceIdx].def.sliceName}'; the slices of ${childPath} are ordered`,
        item.pos,
        p,
      );
    }
    if (rules === 'openAtEnd' && sawUnmatched) {
      walk.add(
        'FHIR-SLICE-ORDER',
        'error',
        'profile',
        `${p} (slice '${slice.def.sliceName}') follows an element that matches no slice; ${childPath} only allows those at the end`,
        item.pos,
        p,
      );
    }
    lastSliceIdx = Math.max(lastSliceIdx, idx);
    if (EXTENSION_ELEMENTS.has(el.name) && !slice.children.length && !slice.types.some((t) => t.profile?.length))
      walk.validateExtension(item, slice, tree, p, scope);
    else walk.validateValue(item, slice, tree, p, scope);
  });
}

/** Whether an item fits a slice; `reasons` says why not, in words, per failed discriminator. */
export function matchSlice(
  walk: Walk,
  item: Item,
  slice: ElementNode,
  discriminators: Discriminator[],
  tree: ElementTree,
  where?: { path: string; scope: ResourceScope },
): { matched: number; reasons: string[] } {
  const reasons: string[] = [];
  let matched = 0;
  const plain = toPlain(item.node);
  for (const d of discriminators) {
    const dpath = d.path.replace(/^\$this\.?/, '');
    const values = dpath ? navigate(plain, dpath) : [plain];
    if (d.type === 'type') {
      const target = dpath ? targetOf(walk, slice, dpath, tree) : slice;
      const resolves = /resolve\(\)$/.test(dpath);
      const expected = resolves
        ? (target?.types ?? [])
            .flatMap((t) => t.targetProfile ?? [])
            .map((p) => walk.store.structureDefinition(p)?.type ?? p.slice(p.lastIndexOf('/') + 1))
        : (target?.types.map((t) => t.code) ?? []);
      const container = (where?.scope.root ?? where?.scope)?.plain as { contained?: unknown } | undefined;
      const resourceTypes = values
        .map((v) =>
          typeof v === 'string'
            ? v.startsWith('#')
              ? containedType(container, v.slice(1))
              : typeFromReference(v)
            : (v as { resourceType?: string })?.resourceType,
        )
        .filter((t): t is string => !!t);
      const choices = dpath && !resolves ? choiceTypesAt(plain, dpath) : [];
      const got = choices.length ? choices : dpath ? resourceTypes : [item.type?.code ?? resourceTypes[0]].filter((t): t is string => !!t);
      // A choice element's JSON name carries its type with a capital (contentString for string).
      const lower = expected.map((t) => t.toLowerCase());
      if (!expected.length || got.some((t) => expected.includes(t) || (choices.length > 0 && lower.includes(t.toLowerCase())))) matched++;
      else reasons.push(`${d.path} is of type ${got.join(', ') || 'nothing'}, the slice requires ${expected.join(' or ')}`);
      continue;
    }
    if (d.type === 'profile') {
      const target = dpath ? targetOf(walk, slice, dpath, tree) : slice;
      const sds = (target?.types ?? [])
        .flatMap((t) => t.profile ?? [])
        .map((p) => walk.store.structureDefinition(p))
        .filter((sd): sd is NonNullable<typeof sd> => !!sd);
      const types = sds.map((sd) => sd.type);
      const got = values.map((v) => (v as { resourceType?: string })?.resourceType);
      if (!types.length) {
        matched++;
        continue;
      }
      // A value matches a slice by conforming to its profile: two Observation profiles in one Bundle
      // tell their entries apart, two Coding profiles the codings of a category.
      const nodes = where ? nodesAt(item.node, dpath) : undefined;
      const at = where && `${where.path}${dpath ? `.${dpath}` : ''}`;
      const fits = (n: JsonNode, sd: (typeof sds)[number]): boolean => {
        const rt = n.kind === 'object' ? n.props.get('resourceType')?.value : undefined;
        if (rt?.kind === 'string') {
          if (sd.type !== rt.value) return false;
          return sd.derivation !== 'constraint' || walk.errorsAgainst(n as JsonObjectNode, sd, at!, where!.scope, false).length === 0;
        }
        // By its type, not its kind (profile-slicing-missing-profile2 profiles Coding and says kind resource).
        if (walk.store.baseType(sd.type)?.kind === 'resource') return false;
        // A data type: checked against the profile when it is an object; a primitive by its type alone.
        return sd.derivation !== 'constraint' || n.kind !== 'object' || walk.valueErrorsAgainst(n, sd, at!, where!.scope).length === 0;
      };
      const conforms = nodes ? nodes.some((n) => sds.some((sd) => fits(n, sd))) : got.some((t) => types.includes(t as string));
      if (conforms) matched++;
      else if (!values.length) reasons.push(`${d.path} is missing, the slice requires ${sds.map((sd) => sd.url).join(' or ')}`);
      else
        reasons.push(
          got.some((t) => t !== undefined && !types.includes(t))
            ? `${d.path} is ${got.join(', ')}, the slice requires a ${types.join(' or ')}`
            : `${d.path} does not conform to ${sds.map((sd) => sd.url).join(' or ')}`,
        );
      continue;
    }
    const target = dpath ? valueTargetOf(walk, slice, dpath, tree) : slice;
    if (d.type === 'exists') {
      const why = presenceProblem(target, values, d.path);
      if (why) reasons.push(why);
      else matched++;
      continue;
    }
    const fixed = target?.fixed?.value ?? (dpath === 'url' ? extensionUrl(slice) : undefined);
    const pattern = target?.pattern?.value;
    if (fixed === undefined && pattern === undefined) {
      // A value discriminator may also rest on a required binding, unless the slice forbids the element (max 0): then its absence decides.
      const vsUrl = target?.def.binding?.strength === 'required' && target.max !== 0 ? target.def.binding.valueSet : undefined;
      if (!vsUrl) {
        // A slice that leaves this discriminator unconstrained (a sub-type some slices do not name) accepts any
        // value there, as the HL7 validator does; it may still require the element or forbid it.
        const why = presenceProblem(target, values, d.path);
        if (why) reasons.push(why);
        else matched++;
        continue;
      }
      const vs = walk.store.valueSet(vsUrl);
      const codings = values.flatMap(codingsOf).filter((c) => c.code !== undefined);
      let ok: boolean;
      if (vs) {
        const exp = expandValueSet(vs, walk.store);
        ok = codings.some((c) => codeMembership(exp, c.system, c.code!) === 'in');
      } else {
        // Norwegian code lists (Volven) name the ValueSet and its CodeSystem by the same OID.
        ok = vsUrl.startsWith('urn:oid:') && codings.some((c) => c.system === canonicalUrl(vsUrl));
      }
      if (ok) matched++;
      else reasons.push(`${d.path} has no code from ${vsUrl}`);
      continue;
    }
    const ok = values.some((v) => (fixed !== undefined ? deepEqual(v, fixed) : matchesPattern(v, pattern)));
    if (ok) matched++;
    else {
      const expected = fixed !== undefined ? fixed : pattern;
      reasons.push(
        values.length
          ? `${d.path} is ${values.map(show).join(', ')}, the slice requires ${show(expected)}`
          : `${d.path} is missing, the slice requires ${show(expected)}`,
      );
    }
  }
  return { matched, reasons };
}

const containedTypes = new WeakMap<object, Map<string, string>>();

/** The type of the contained resource a local reference (`#id`) names in its container; indexed once per container. */
function containedType(container: { contained?: unknown } | undefined, id: string): string | undefined {
  if (!container) return undefined;
  let types = containedTypes.get(container);
  if (!types) {
    types = new Map();
    for (const c of Array.isArray(container.contained) ? container.contained : []) {
      const { id: cid, resourceType } = (c ?? {}) as { id?: unknown; resourceType?: unknown };
      if (typeof cid === 'string' && typeof resourceType === 'string' && !types.has(cid)) types.set(cid, resourceType);
    }
    containedTypes.set(container, types);
  }
  return types.get(id);
}

type JsonObjectNode = JsonNode & { kind: 'object' };

/** The values at a plain discriminator path (`resource`, `coding`; '' is the item) below a node; undefined for a path with functions. */
function nodesAt(node: JsonNode, dpath: string): JsonNode[] | undefined {
  if (dpath && !/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(dpath)) return undefined;
  let nodes: JsonNode[] = [node];
  for (const seg of dpath ? dpath.split('.') : []) {
    nodes = nodes.flatMap((n) => {
      const v = n.kind === 'object' ? n.props.get(seg)?.value : undefined;
      return !v ? [] : v.kind === 'array' ? v.items : [v];
    });
  }
  return nodes;
}

/**
 * The types a choice element has where a type discriminator names it by its bare name (`content`
 * for payload.content[x]): JSON names it by type (`contentString`), so the type is the name's rest.
 */
function choiceTypesAt(plain: unknown, dpath: string): string[] {
  const dot = dpath.lastIndexOf('.');
  const name = dpath.slice(dot + 1);
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) return [];
  const parents = dot < 0 ? [plain] : navigate(plain, dpath.slice(0, dot));
  const types: string[] = [];
  for (const parent of parents) {
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) continue;
    for (const key of Object.keys(parent)) {
      const rest = key.slice(name.length);
      if (key.startsWith(name) && /^[A-Z]/.test(rest)) types.push(rest);
    }
  }
  return types;
}

/**
 * An extension slice is for the extension its type names, whose url is that definition's canonical
 * URL: known even when the definition itself is not loaded.
 */
function extensionUrl(slice: ElementNode): string | undefined {
  const [type, ...others] = slice.types;
  return !others.length && type?.code === 'Extension' && type.profile?.length === 1 ? type.profile[0] : undefined;
}

/** Why values at a discriminator path break what the slice says of the element's presence (min ≥ 1, max 0), if they do. */
function presenceProblem(target: ElementNode | undefined, values: unknown[], path: string): string | undefined {
  if ((target?.min ?? 0) >= 1 && !values.length) return `${path} is missing, the slice requires it`;
  if (target?.max === 0 && values.length) return `${path} is present, the slice forbids it`;
  return undefined;
}

/**
 * The element whose fixed or pattern value a value discriminator compares. When the path passes
 * through an element that is itself sliced (slices within slices: the blood pressure components'
 * code.coding.code), the value sits in a required slice of that element, not in the element itself.
 */
function valueTargetOf(walk: Walk, slice: ElementNode, dpath: string, tree: ElementTree): ElementNode | undefined {
  const direct = targetOf(walk, slice, dpath, tree);
  if (!direct || direct.fixed !== undefined || direct.pattern !== undefined || direct.def.binding?.strength === 'required') return direct;
  const segs = splitPath(dpath);
  let node: ElementNode | undefined = slice;
  for (let i = 0; i < segs.length && node; i++) {
    node = node.children.find((k) => k.name === segs[i].replace(/\(\)$/, ''));
    if (!node?.slices.length) continue;
    const rest = segs.slice(i + 1).join('.');
    for (const nested of node.slices) {
      if (nested.min < 1) continue;
      const t = rest ? targetOf(walk, nested, rest, tree) : nested;
      if (t && (t.fixed !== undefined || t.pattern !== undefined)) return t;
    }
  }
  return direct;
}

/** The element a discriminator path points at, inside a slice (following the slice's type when the profile stops). */
export function targetOf(walk: Walk, slice: ElementNode, dpath: string, tree: ElementTree): ElementNode | undefined {
  let node: ElementNode | undefined = slice;
  let nodeTree = tree;
  for (const raw of splitPath(dpath)) {
    if (!node) return undefined;
    const seg = raw.replace(/\(\)$/, '');
    if (seg === 'resolve') return node;
    if (/^ofType\(\w+\)$/.test(seg)) continue;
    let kids: ElementNode[] = node.children;
    if (!kids.length) {
      const c = walk.childrenOf(node, nodeTree, node.types[0]);
      kids = c.children;
      nodeTree = c.tree;
    }
    const byUrl = EXTENSION_BY_URL.exec(seg);
    if (byUrl) {
      // The extension slice for that URL: by its definition's profile, or a fixed url inside it.
      const ext = kids.find((k) => k.name === 'extension');
      node = ext?.slices.find(
        (sl) => sl.types.some((t) => t.profile?.includes(byUrl[1])) || targetOf(walk, sl, 'url', nodeTree)?.fixed?.value === byUrl[1],
      );
      continue;
    }
    node = kids.find((k) => k.name === seg);
  }
  return node;
}
