/**
 * Local terminology: ValueSet membership from the ValueSets and CodeSystems loaded in the store,
 * never from an external server. A ValueSet that draws on a code system we do not hold in full
 * (SNOMED CT, LOINC) or uses filters we do not evaluate is "open" for that system: codes from it
 * are not judged, and codes from the systems we do hold still are.
 */
import type { ConformanceStore, FhirResource } from './conformance-store.js';
import { codingsOf } from './plain-values.js';

export interface Expansion {
  /** system -> codes (with display) that are in the ValueSet. */
  codes: Map<string, Map<string, string | undefined>>;
  /** Systems whose membership cannot be decided locally. */
  openSystems: Set<string>;
  /** True when some part could not be expanded regardless of system. */
  incomplete: boolean;
}

interface Concept {
  code: string;
  display?: string;
  concept?: Concept[];
  property?: { code: string; valueCode?: string; valueBoolean?: boolean }[];
}

interface Include {
  system?: string;
  concept?: { code: string; display?: string }[];
  filter?: { property: string; op: string; value: string }[];
  valueSet?: string[];
}

const expansions = new WeakMap<FhirResource, Expansion>();

function flatten(concepts: Concept[] | undefined, into: Map<string, string | undefined>): void {
  for (const c of concepts ?? []) {
    into.set(c.code, c.display);
    flatten(c.concept, into);
  }
}

/** All descendants of `root` (inclusive or not) in a hierarchical CodeSystem. */
function descendants(concepts: Concept[] | undefined, root: string, inclusive: boolean): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const walk = (list: Concept[] | undefined, under: boolean) => {
    for (const c of list ?? []) {
      const here = c.code === root;
      if (under || (here && inclusive)) out.set(c.code, c.display);
      walk(c.concept, under || here);
    }
  };
  walk(concepts, false);
  return out;
}

export function expandValueSet(vs: FhirResource, store: ConformanceStore, depth = 0): Expansion {
  const cached = expansions.get(vs);
  if (cached) return cached;
  const exp: Expansion = { codes: new Map(), openSystems: new Set(), incomplete: false };
  const addCodes = (system: string, codes: Map<string, string | undefined>) => {
    const m = exp.codes.get(system) ?? new Map<string, string | undefined>();
    for (const [k, v] of codes) m.set(k, v);
    exp.codes.set(system, m);
  };
  const compose = vs.compose as { include?: Include[]; exclude?: Include[] } | undefined;
  const expansion = vs.expansion as { contains?: { system: string; code: string; display?: string }[] } | undefined;
  if (!compose && expansion?.contains) {
    for (const c of expansion.contains) addCodes(c.system, new Map([[c.code, c.display]]));
  }
  for (const inc of compose?.include ?? []) {
    for (const ref of inc.valueSet ?? []) {
      const sub = store.valueSet(ref);
      if (!sub || depth > 10) {
        exp.incomplete = true;
        continue;
      }
      const subExp = expandValueSet(sub, store, depth + 1);
      for (const [sys, codes] of subExp.codes) addCodes(sys, codes);
      for (const s of subExp.openSystems) exp.openSystems.add(s);
      exp.incomplete ||= subExp.incomplete;
    }
    if (!inc.system) continue;
    if (inc.concept) {
      addCodes(inc.system, new Map(inc.concept.map((c) => [c.code, c.display])));
      continue;
    }
    const cs = store.codeSystem(inc.system);
    const csConcepts = cs?.concept as Concept[] | undefined;
    if (!cs || cs.content === 'not-present' || cs.content === 'example' || cs.content === 'fragment' || !csConcepts) {
      exp.openSystems.add(inc.system);
      continue;
    }
    if (!inc.filter?.length) {
      const all = new Map<string, string | undefined>();
      flatten(csConcepts, all);
      addCodes(inc.system, all);
      continue;
    }
    const f = inc.filter[0];
    if (inc.filter.length === 1 && f.property === 'concept' && (f.op === 'is-a' || f.op === 'descendent-of')) {
      addCodes(inc.system, descendants(csConcepts, f.value, f.op === 'is-a'));
    } else {
      exp.openSystems.add(inc.system);
    }
  }
  for (const exc of compose?.exclude ?? []) {
    if (exc.system && exc.concept) for (const c of exc.concept) exp.codes.get(exc.system)?.delete(c.code);
  }
  expansions.set(vs, exp);
  return exp;
}

export type Membership = 'in' | 'not-in' | 'unknown';

export function codeMembership(exp: Expansion, system: string | undefined, code: string): Membership {
  if (system === undefined) {
    // A bare `code` element: the ValueSet normally draws on exactly one system.
    for (const codes of exp.codes.values()) if (codes.has(code)) return 'in';
    return exp.openSystems.size || exp.incomplete ? 'unknown' : 'not-in';
  }
  if (exp.codes.get(system)?.has(code)) return 'in';
  if (exp.openSystems.has(system) || exp.incomplete) return 'unknown';
  return 'not-in';
}

const codeSets = new WeakMap<FhirResource, Set<string> | null>();

/**
 * Whether a CodeSystem defines a code: true or false where it lists its content completely,
 * undefined where it cannot tell (content not-present, example or fragment, or a supplement).
 */
export function codeSystemHasCode(cs: FhirResource, code: string): boolean | undefined {
  let set = codeSets.get(cs);
  if (set === undefined) {
    const complete =
      (cs.content === 'complete' || cs.content === undefined) && Array.isArray(cs.concept) && (cs.concept as unknown[]).length > 0;
    if (complete) {
      const m = new Map<string, string | undefined>();
      flatten(cs.concept as Concept[], m);
      set = new Set(m.keys());
    } else set = null;
    codeSets.set(cs, set);
  }
  if (set === null) return undefined;
  if (set.has(code)) return true;
  return cs.caseSensitive === false && [...set].some((c) => c.toLowerCase() === code.toLowerCase()) ? true : false;
}

/**
 * FHIRPath's memberOf() answered from the loaded ValueSets: whether a code (a bare code matches
 * in any system of the set), a Coding or a CodeableConcept is in the set; undefined when the set
 * is not loaded or its expansion cannot tell.
 */
export function valueSetMembership(store: ConformanceStore): (valueSet: string, value: unknown) => boolean | undefined {
  return (url, value) => {
    const vs = store.valueSet(url);
    if (!vs) return undefined;
    const exp = expandValueSet(vs, store);
    const codings = typeof value === 'string' ? [{ code: value, system: undefined }] : codingsOf(value);
    let unknown = false;
    for (const c of codings) {
      if (c.code === undefined) continue;
      const m = codeMembership(exp, c.system, c.code);
      if (m === 'in') return true;
      if (m === 'unknown') unknown = true;
    }
    return unknown ? undefined : false;
  };
}
