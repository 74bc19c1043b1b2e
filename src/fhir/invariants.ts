/**
 * Invariants (ElementDefinition.constraint) evaluated with the fhirpath engine and the R4 model.
 * Each expression is compiled once per type context and reused for every resource.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { narrativeFragments } from './narrative-links.js';

type Compiled = (data: unknown, env?: Record<string, unknown>) => unknown[];

export type InvariantOutcome = { status: 'pass' } | { status: 'fail'; empty?: boolean } | { status: 'error'; reason: string };

const compiled = new Map<string, Compiled | { error: string }>();

/** Whether a code, Coding or CodeableConcept (plain JSON) is in a ValueSet: true, false, or undefined when that cannot be told. */
export type ValueSetMembership = (valueSet: string, value: unknown) => boolean | undefined;

/**
 * The membership test of the invariant being evaluated. fhirpath.js's own memberOf() asks a
 * terminology server, asynchronously; samsvar answers from the ValueSets it has loaded,
 * synchronously, so the invariants of a profile that uses it (bc-mm-1) are evaluated.
 */
let membership: ValueSetMembership | undefined;
const memberOf = {
  // A 'String' parameter arrives as the string itself.
  fn: (coll: unknown[], url: unknown): boolean[] => {
    if (coll.length !== 1 || typeof url !== 'string') return [];
    const item = coll[0] as { data?: unknown } | null;
    const value = item !== null && typeof item === 'object' && 'data' in item ? item.data : item;
    const answer = membership?.(url, value);
    // Not known is not "not a member": the invariant is reported as not evaluated, not as failed.
    if (answer === undefined) throw new Error(`memberOf('${url}'): that ValueSet is not loaded, or its codes cannot be listed here`);
    return [answer];
  },
  arity: { 1: ['String'] },
};
const USER_FUNCTIONS = { memberOf };

/**
 * Core R4 invariants (dom-3 among them) apply `as(type)` to collections, which strict FHIRPath
 * engines refuse; their intent is a type filter, so `as(` is read as `ofType(`.
 */
export function lenientExpression(expression: string): string {
  return expression.replace(/(^|[.(\s])as\(/g, '$1ofType(');
}

/** How many expressions have been compiled so far; each (use, type context, expression) once. */
export function compiledExpressionCount(): number {
  return compiled.size;
}

/**
 * An expression compiled for a type context: for an invariant (`as(` read leniently, memberOf()
 * from the loaded ValueSets, results as values), or as a selector (results as the nodes they are,
 * for where they sit).
 */
function compiledFor(basePath: string, expression: string, use: 'invariant' | 'selector' = 'invariant'): Compiled | { error: string } {
  const key = `${use}\u0000${basePath}\u0000${expression}`;
  let c = compiled.get(key);
  if (!c) {
    const invariant = use === 'invariant';
    try {
      c = fhirpath.compile(
        { base: basePath, expression: invariant ? lenientExpression(expression) : expression } as never,
        r4model as never,
        (invariant
          ? { traceFn: () => {}, userInvocationTable: USER_FUNCTIONS }
          : { traceFn: () => {}, resolveInternalTypes: false }) as never,
      ) as unknown as Compiled;
    } catch (e) {
      c = { error: (e as Error).message.split('\n')[0]! };
    }
    compiled.set(key, c);
  }
  return c;
}

/** The R4 core expression of dom-3, as every DomainResource's snapshot carries it. */
export const DOM3_EXPRESSION =
  "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) " +
  "or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()";

/** Every string at any depth of a plain JSON value; iterative, as the parser bounds depth but not breadth. */
function everyString(value: unknown, found: (s: string) => void): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') found(v);
    // One push per value: spreading an array of 100,000 values into a call exceeds V8's argument limit.
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (v !== null && typeof v === 'object') for (const item of Object.values(v)) stack.push(item);
  }
}

/**
 * dom-3 (a contained resource must be referenced from elsewhere in the resource, or refer to its
 * container with "#"). In FHIRPath it walks all of %resource once per contained resource, which
 * is quadratic: 2,000 small contained resources took twenty seconds. This reads the resource once.
 * It counts any "#id" string as a reference where FHIRPath counts only reference, canonical, uri
 * and url values, so it can only be more lenient, never report what the expression would not.
 */
function dom3(data: unknown, resource: unknown): InvariantOutcome {
  const contained = (data as { contained?: unknown } | null)?.contained;
  if (!Array.isArray(contained) || contained.length === 0) return { status: 'pass' };
  const hashRefs = new Set<string>();
  everyString(resource, (s) => {
    if (s.startsWith('#')) hashRefs.add(s);
    // A narrative refers to a contained resource by a link or an image (`<img src="#id">`), as the HL7 validator reads it.
    else if (s.startsWith('<')) for (const fragment of narrativeFragments(s)) hashRefs.add(fragment);
  });
  for (const c of contained) {
    const id = (c as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || hashRefs.has(`#${id}`)) continue;
    let pointsAtContainer = false;
    everyString(c, (s) => {
      if (s === '#') pointsAtContainer = true;
    });
    if (!pointsAtContainer) return { status: 'fail' };
  }
  return { status: 'pass' };
}

/** The R4 core expression of ref-1, as every Reference carries it. */
const REF1_EXPRESSION =
  "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))";

const containedIdsByRoot = new WeakMap<object, Set<string>>();

function containedIds(rootResource: unknown): Set<string> {
  if (rootResource === null || typeof rootResource !== 'object') return new Set();
  let ids = containedIdsByRoot.get(rootResource);
  if (!ids) {
    ids = new Set();
    const contained = (rootResource as { contained?: unknown }).contained;
    if (Array.isArray(contained))
      for (const c of contained) if (typeof (c as { id?: unknown } | null)?.id === 'string') ids.add((c as { id: string }).id);
    containedIdsByRoot.set(rootResource, ids);
  }
  return ids;
}

/**
 * ref-1 (a local reference "#id" must name a contained resource of the root resource). In FHIRPath
 * it lists %rootResource.contained.id once per Reference, which is quadratic in a resource whose
 * contained resources refer to each other: 3,200 of them took seconds. The ids are read once per
 * root resource here; the verdicts are those of the expression (a reference without "#" passes, so
 * do a Reference without a reference and "#" alone, the container).
 */
function ref1(data: unknown, rootResource: unknown): InvariantOutcome {
  const reference = (data as { reference?: unknown } | null)?.reference;
  // "#" alone refers to the container; FHIRPath's substring(1) of it is empty, which passes.
  if (typeof reference !== 'string' || !reference.startsWith('#') || reference === '#') return { status: 'pass' };
  return containedIds(rootResource).has(reference.slice(1)) ? { status: 'pass' } : { status: 'fail' };
}

/** The R4 core expression of bdl-7, as the Bundle's snapshot carries it. */
const BDL7_EXPRESSION = "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()";

/**
 * bdl-7 (full URLs are unique in a Bundle, or else the entries with the same one differ in
 * meta.versionId; history Bundles are exempt). fhirpath.js's isDistinct() compares every value
 * with every other one, which is quadratic: a 20 MB Bundle of 32,000 entries took minutes. This
 * is one pass with a set, with the expression's verdicts: `&` reads a missing versionId as "", and
 * with no type the `or` is empty, not true, when the values repeat.
 */
function bdl7(data: unknown): InvariantOutcome {
  const bundle = (data ?? {}) as { type?: unknown; entry?: unknown };
  if (bundle.type === 'history') return { status: 'pass' };
  const seen = new Set<string>();
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    const e = (entry ?? {}) as { fullUrl?: unknown; resource?: { meta?: { versionId?: unknown } } };
    if (e.fullUrl === undefined || e.fullUrl === null) continue;
    const versionId = e.resource?.meta?.versionId;
    const key = `${String(e.fullUrl)}${versionId === undefined || versionId === null ? '' : String(versionId)}`;
    if (seen.has(key)) return bundle.type === undefined ? { status: 'fail', empty: true } : { status: 'fail' };
    seen.add(key);
  }
  return { status: 'pass' };
}

/**
 * R4 expressions that do not say what their own text says, evaluated as the text says (as the HL7
 * validator does): que-12 reads "more than one enableWhen" but counts from three; que-7 tests for
 * FHIRPath's System Boolean, which an answerBoolean never is, so every "exists" condition failed.
 */
const CORRECTED_EXPRESSIONS = new Map([
  ['enableWhen.count() > 2 implies enableBehavior.exists()', 'enableWhen.count() >= 2 implies enableBehavior.exists()'],
  ["operator = 'exists' implies (answer is Boolean)", "operator = 'exists' implies (answer is boolean)"],
]);

/**
 * Evaluates one constraint on one element. `basePath` is the element's path in the definition
 * that introduced it (e.g. `Patient.identifier`, `Identifier`), which gives FHIRPath its types.
 * A constraint holds only when it evaluates to true (FHIR R4 ElementDefinition.constraint): an
 * empty result fails, as in the HL7 validator. FHIRPath gives empty where it cannot decide, most
 * often when values of different precision are compared (per-1 with a date start and a dateTime
 * end on the same day); `empty` says so, so that the message can explain it.
 */
const HTML_CHECKS = 'htmlChecks()';
/** `xml:lang="…"` and `xml:space="…"` in a start tag, with the white space before them (one character: `\s+` would backtrack through long white space). */
const XML_ATTRIBUTES = /\sxml:(?:lang|space)\s*=\s*(?:"[^"<]*"|'[^'<]*')/g;

export function evaluateInvariant(
  basePath: string,
  expression: string,
  data: unknown,
  resource: unknown,
  rootResource: unknown,
  inValueSet?: ValueSetMembership,
): InvariantOutcome {
  if (expression === DOM3_EXPRESSION) return dom3(data, resource);
  if (expression === REF1_EXPRESSION) return ref1(data, rootResource);
  if (expression === BDL7_EXPRESSION) return bdl7(data);
  // XML's own xml:lang and xml:space are allowed in a narrative (the HL7 validator accepts them);
  // fhirpath.js's htmlChecks() knows no prefixed attribute names, so it reads the div without them.
  if (expression === HTML_CHECKS && typeof data === 'string') data = data.replace(XML_ATTRIBUTES, '');
  const c = compiledFor(basePath.replace(/\[x\]/g, ''), CORRECTED_EXPRESSIONS.get(expression) ?? expression);
  if ('error' in c) return { status: 'error', reason: c.error };
  let result: unknown[];
  const outer = membership;
  membership = inValueSet;
  try {
    result = c(data, { resource, rootResource });
  } catch (e) {
    return { status: 'error', reason: (e as Error).message.split('\n')[0] };
  } finally {
    membership = outer;
  }
  if (!Array.isArray(result) || result.length === 0) return { status: 'fail', empty: true };
  return result.every((r) => r === true || (typeof r === 'object' && r !== null && (r as { valueOf(): unknown }).valueOf() === true))
    ? { status: 'pass' }
    : { status: 'fail' };
}

interface SelectedNode {
  parentResNode?: SelectedNode | null;
  propName?: string | null;
  index?: number | null;
  path?: string | null;
}

/** What each expression selects, per resource: a resource with many such extensions evaluates each expression once. */
const selectedIn = new WeakMap<object, Map<string, Set<string> | { error: string }>>();

/**
 * Where in a resource a FHIRPath expression points (`Patient.address[1]`), as the validator names
 * places; a choice element under both its names (`deceased`, `deceasedBoolean`). For an extension
 * whose context is a FHIRPath expression: it may be used on exactly these elements.
 */
export function selectedLocations(resourceType: string, expression: string, resource: unknown): Set<string> | { error: string } {
  const key = `${resourceType}\u0000${expression}`;
  if (resource === null || typeof resource !== 'object') return selectLocations(resourceType, expression, resource);
  let known = selectedIn.get(resource);
  if (!known) selectedIn.set(resource, (known = new Map()));
  let selected = known.get(key);
  if (!selected) known.set(key, (selected = selectLocations(resourceType, expression, resource)));
  return selected;
}

let selections = 0;
/** How many times a context expression has been evaluated on a resource so far. */
export function contextSelectionCount(): number {
  return selections;
}

function selectLocations(resourceType: string, expression: string, resource: unknown): Set<string> | { error: string } {
  selections++;
  const c = compiledFor(resourceType, expression, 'selector');
  if ('error' in c) return c;
  let result: unknown[];
  try {
    result = c(resource, { resource });
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
  const locations = new Set<string>();
  for (const r of result) {
    if (r === null || typeof r !== 'object') continue;
    // From the node up to the resource, which is the last of the chain and not a property.
    const chain: SelectedNode[] = [];
    for (let n: SelectedNode | null | undefined = r as SelectedNode; n; n = n.parentResNode) chain.push(n);
    chain.pop();
    let names = [resourceType];
    for (const n of chain.reverse()) {
      if (!n.propName) break;
      const index = n.index === null || n.index === undefined ? '' : `[${n.index}]`;
      const typed = n.path && /^[A-Za-z]+$/.test(n.path) ? `${n.propName}${n.path[0]!.toUpperCase()}${n.path.slice(1)}` : undefined;
      names = names.flatMap((head) => [`${head}.${n.propName}${index}`, ...(typed ? [`${head}.${typed}${index}`] : [])]);
    }
    for (const name of names) locations.add(name);
  }
  return locations;
}
