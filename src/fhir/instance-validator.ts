/**
 * Walks one FHIR resource (as a positioned JSON tree) along a StructureDefinition's element tree
 * and reports what does not conform: structure, cardinality, fixed and pattern values, invariants
 * and extensions here; slicing (slicing.ts), bindings (bindings.ts) and references (references.ts)
 * are called from the walk.
 */
import type { Finding, Layer, Severity } from '../core/finding.js';
import type { ConformanceStore, StructureDefinition, TypeRef } from './conformance-store.js';
import { FHIR_SD_BASE } from './conformance-store.js';
import { checkBinding, checkCodeKnown } from './bindings.js';
import type { ElementNode, ElementTree } from './element-tree.js';
import { elementTree } from './element-tree.js';
import { evaluateInvariant, selectedLocations, type ValueSetMembership } from './invariants.js';
import type { JsonNode, Position } from './json-parser.js';
import { toPlain } from './json-parser.js';
import { narrativeLinkProblems } from './narrative-links.js';
import { checkPrimitive, isPrimitiveType } from './primitives.js';
import { deepEqual, matchesPattern } from './plain-values.js';
import type { BundleIndex } from './bundle.js';
import { checkBundle, indexBundle } from './bundle.js';
import { checkConformanceResource } from './conformance-rules.js';
import { checkMeasureReport } from './measure-report.js';
import { checkMeasure } from './measure-rules.js';
import { checkQuestionnaireResponse } from './questionnaire-response.js';
import { checkQuestionnaire } from './questionnaire-rules.js';
import { checkReference } from './references.js';
import { validateSliced } from './slicing.js';
import type { TerminologyQuestion } from './terminology-server.js';
import { valueSetMembership } from './terminology.js';
import { valueLimitProblem } from './value-limits.js';
import { vitalSignProfile } from './vital-signs.js';
import type { Item, ResourceScope, Walk } from './walk.js';
import { EXTENSION_ELEMENTS, show } from './walk.js';

/** How many reference targets deep a target's conformance to its target profile is checked (see errorsAgainst). */
const MAX_TARGET_DEPTH = 16;
/** The part names a complex extension's definition fixes (Extension.extension.url), per compiled definition. */
const subExtensionUrls = new WeakMap<ElementTree, Set<string>>();
/** The path of an extension inside an extension (`….extension[0].extension[1]`). */
const SUB_EXTENSION = /\.(?:extension|modifierExtension)(?:\[\d+\])?\.extension(?:\[\d+\])?$/;
/**
 * Extension URLs the HL7 validator accepts undefined: at its examples' domains (example.org,
 * acme.com), DICOM's (nema.org), or its own tools'. It matches the domains anywhere in the URL;
 * samsvar only as the host, so that a look-alike (notexample.org) is not taken for one.
 */
const EXAMPLE_URL =
  /^https?:\/\/(?:[\w-]+\.)*(?:example\.org|acme\.com|nema\.org)(?:[/:?#]|$)|^http:\/\/hl7\.org\/fhir\/tools\/StructureDefinition\//;
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const MUST_HAVE_VALUE = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue';
const VALUE_ALTERNATIVES = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives';
/** Contexts naming a kind of element rather than a path: Element anywhere; a resource at its root; BackboneElement in any backbone element. */
const KIND_CONTEXTS: Record<string, (host: string[]) => boolean> = {
  Element: () => true,
  Base: () => true,
  Resource: (host) => host.length === 1,
  DomainResource: (host) => host.length === 1,
  BackboneElement: (host) => host[2] === 'BackboneElement',
};
const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
/** Where the R4 definitions themselves use a core extension beyond its declared context (its snapshots carry structuredefinition-fhir-type on ElementDefinition.type). */
const SPEC_CONTEXTS: Record<string, string[]> = {
  'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type': ['ElementDefinition.type'],
  // The primitive types' value elements carry their regex there (string.value), as published snapshots (no-basis-Address) copy.
  'http://hl7.org/fhir/StructureDefinition/regex': ['ElementDefinition.type'],
};

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface InstanceValidatorOptions {
  /** Resolve meta.profile claims of nested resources (Bundle entries, contained) against the store. */
  followMetaProfile?: boolean;
  /** An extension whose definition is not loaded: an error as in the HL7 validator (default), or a warning. */
  unknownExtensions?: 'error' | 'warning';
}

export class InstanceValidator implements Walk {
  private findings: Finding[] = [];
  private readonly hosts: string[][] = [];
  /** The JSON objects whose properties the hosts are, in the same order. */
  private readonly hostNodes: JsonNode[] = [];
  /** Hosts of extensions with context invariants, as plain JSON. */
  private readonly hostPlain = new WeakMap<JsonNode, unknown>();
  /** memberOf() in invariants, from the loaded ValueSets. */
  private readonly inValueSet: ValueSetMembership;
  /** Constraint keys and definitions already reported as not usable in this validation (said once, not per element). */
  private unevaluated = new Set<string>();
  /** Bundles met in this validation, indexed once. */
  private bundles = new Map<JsonNode, BundleIndex>();
  /** Codes for the terminology server, gathered by the walk until taken. */
  private questions: TerminologyQuestion[] = [];
  /** The keys of the questions asked, so that each is asked once. */
  private asked = new Set<string>();
  /** The definitions each resource has been validated against in this validation. */
  private validatedAgainst = new Map<JsonNode, Set<string>>();
  /** A resource's errors against a profile a reference to it names, found once per validation; an empty list while being found (a reference cycle). */
  private conformance = new Map<JsonNode, Map<string, Finding[]>>();
  /** How many reference targets deep the walk is, and whether a chain went deeper than it follows. */
  private trialDepth = 0;
  private targetsCut = false;

  constructor(
    readonly store: ConformanceStore,
    private readonly options: InstanceValidatorOptions = { followMetaProfile: true },
  ) {
    this.inValueSet = valueSetMembership(store);
  }

  /**
   * Validates a resource (already known to be a JSON object) against a StructureDefinition.
   * `bundle` is the Bundle a resource was taken from, so its urn:uuid references resolve.
   */
  validate(node: JsonNode, sd: StructureDefinition, path?: string, bundle?: JsonNode): Finding[] {
    this.findings = [];
    this.unevaluated = new Set();
    this.bundles = new Map();
    this.validatedAgainst = new Map();
    this.conformance = new Map();
    this.targetsCut = false;
    if (node.kind !== 'object') {
      this.add('FHIR-STRUCTURE-TYPE', 'error', 'structure', 'A FHIR resource must be a JSON object', node, path ?? sd.type);
      return this.findings;
    }
    const parent =
      bundle?.kind === 'object'
        ? { node: bundle, plain: undefined, path: 'Bundle', root: undefined, elementIds: new Set<string>(), bundle: indexBundle(bundle) }
        : undefined;
    this.validateResource(node, sd, path ?? sd.type, parent);
    if (this.targetsCut)
      this.add(
        'FHIR-REF-PROFILE-DEPTH',
        'information',
        'profile',
        `References whose targets must conform to a target profile were followed ${MAX_TARGET_DEPTH} targets deep; the targets of a longer chain were not checked against their target profiles there (each is still validated where it sits)`,
        node,
        path ?? sd.type,
      );
    return withoutRepeats(this.findings);
  }

  ask(question: TerminologyQuestion): void {
    // Each question once (a resource checked against several profiles asks again), looked up by key:
    // a resource can hold hundreds of thousands of codes.
    // The system too: a ValueSet question carries the element's path, so two codings of one element
    // with the same code in two systems are two questions.
    const key = JSON.stringify([question.path, question.kind, question.code, question.url, question.system]);
    if (this.asked.has(key)) return;
    this.asked.add(key);
    this.questions.push(question);
  }

  /** The codes the walks since the last call could not judge locally. */
  takeQuestions(): TerminologyQuestion[] {
    const out = this.questions;
    this.questions = [];
    this.asked = new Set();
    return out;
  }

  /**
   * The errors a resource has against a profile, kept apart from this validation's findings: a
   * reference's target must conform to the target profile, but the target reports its own faults
   * where it sits. Codes only a terminology server could judge do not count against it here.
   */
  errorsAgainst(
    target: JsonNode & { kind: 'object' },
    sd: StructureDefinition,
    path: string,
    scope: ResourceScope,
    contained: boolean,
  ): Finding[] {
    const known = this.conformance.get(target) ?? new Map<string, Finding[]>();
    this.conformance.set(target, known);
    const found = known.get(sd.url);
    if (found) return found;
    // A chain of references (each entry's target profile asking for the next) is followed only so far: a hostile Bundle would otherwise exhaust the stack.
    if (this.trialDepth >= MAX_TARGET_DEPTH) {
      this.targetsCut = true;
      return [];
    }
    known.set(sd.url, []);
    const errors = this.trial(() => this.validateResource(target, sd, path, scope, contained ? (scope.root ?? scope) : undefined));
    known.set(sd.url, errors);
    return errors;
  }

  valueErrorsAgainst(value: JsonNode & { kind: 'object' }, sd: StructureDefinition, path: string, scope: ResourceScope): Finding[] {
    if (this.trialDepth >= MAX_TARGET_DEPTH) {
      this.targetsCut = true;
      return [];
    }
    const tree = this.treeOf(sd);
    if (!tree) return [];
    return this.trial(() => {
      this.checkElementRules(value, tree.root, path, scope);
      this.validateChildren(value, tree.root.children, tree, path, scope, false, [sd.type, sd.type, sd.type]);
    });
  }

  /**
   * The errors a validation would report, without reporting them: what the trial finds and marks
   * as done is its own, so a Bundle or conformance resource it meets is still checked where it sits.
   */
  private trial(validate: () => void): Finding[] {
    const saved = {
      findings: this.findings,
      validatedAgainst: this.validatedAgainst,
      unevaluated: this.unevaluated,
      questions: this.questions,
      asked: this.asked,
      bundles: this.bundles,
    };
    this.findings = [];
    this.validatedAgainst = new Map();
    this.bundles = new Map(saved.bundles);
    this.unevaluated = new Set(saved.unevaluated);
    this.questions = [];
    this.asked = new Set();
    this.trialDepth++;
    try {
      validate();
      return withoutRepeats(this.findings.filter((f) => f.severity === 'error'));
    } finally {
      Object.assign(this, saved);
      this.trialDepth--;
    }
  }

  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void {
    this.findings.push({ ruleId, severity, layer, message, path, ...(pos ? { line: pos.line, column: pos.column } : {}) });
  }

  /**
   * `parent` is the scope the resource is nested in (a Bundle entry, a Parameters value, a
   * container); `container` is set only for a contained resource, whose %rootResource and `#id`
   * references are its container's.
   */
  private validateResource(
    node: JsonNode & { kind: 'object' },
    sd: StructureDefinition,
    path: string,
    parent: ResourceScope | undefined,
    container?: ResourceScope,
  ): void {
    const rt = node.props.get('resourceType');
    if (!rt || rt.value.kind !== 'string') {
      this.add('FHIR-STRUCTURE-RESOURCETYPE', 'error', 'structure', 'The resource has no "resourceType" string property', node, path);
      return;
    }
    if (rt.value.value !== sd.type) {
      this.add(
        'FHIR-STRUCTURE-RESOURCETYPE',
        'error',
        'structure',
        `resourceType is '${rt.value.value}', but ${sd.name ?? sd.url} describes ${sd.type}`,
        rt.value,
        path,
      );
      return;
    }
    const scope: ResourceScope = { node, plain: toPlain(node), path, root: container, elementIds: new Set() };
    if (parent?.bundle) {
      scope.bundle = parent.bundle;
      scope.entry = parent.bundle.byResource.get(node) ?? parent.entry;
    }
    if (sd.type === 'Bundle') {
      // Its entries resolve in it; its own rules are checked once, not again for each profile it is checked against.
      scope.bundle = this.bundles.get(node) ?? indexBundle(node);
      scope.entry = undefined;
      if (!this.bundles.has(node)) {
        this.bundles.set(node, scope.bundle);
        checkBundle(this, node, path, scope.bundle);
      }
    }
    // The rules of conformance resources are the resource's own, checked once whatever profiles it is checked against.
    if (!this.validatedAgainst.has(node)) {
      checkConformanceResource(this, node, sd.type, path, container !== undefined);
      if (sd.type === 'QuestionnaireResponse') checkQuestionnaireResponse(this, node, scope.plain, path, container?.node);
      if (sd.type === 'Questionnaire') checkQuestionnaire(this, node, path);
      if (sd.type === 'MeasureReport') checkMeasureReport(this, node, path);
      if (sd.type === 'Measure') checkMeasure(this, node, path);
    }
    const done = this.validatedAgainst.get(node) ?? new Set<string>();
    this.validatedAgainst.set(node, done);
    done.add(sd.url);
    const tree = this.treeOf(sd, node, path);
    if (!tree) return;
    this.checkElementRules(node, tree.root, path, scope);
    this.validateChildren(node, tree.root.children, tree, path, scope, true, [sd.type]);
    if (sd.type === 'Observation') this.validateVitalSign(node, path, parent, container, done);
  }

  /** An Observation of a vital sign must also conform to that sign's profile in the R4 specification. */
  private validateVitalSign(
    node: JsonNode & { kind: 'object' },
    path: string,
    parent: ResourceScope | undefined,
    container: ResourceScope | undefined,
    done: Set<string>,
  ): void {
    const sign = vitalSignProfile(toPlain(node));
    if (!sign || done.has(sign.profile)) return;
    const sd = this.store.structureDefinition(sign.profile);
    if (!sd) return;
    this.add(
      'FHIR-VITALSIGNS',
      'information',
      'profile',
      `${path} is a vital sign (${sign.code}), so it was also validated against the FHIR R4 ${sign.name} profile (${sign.profile}), as the specification requires`,
      node,
      path,
    );
    this.validateResource(node, sd, path, parent, container);
  }

  /** Picks the definition(s) a nested resource is validated against: its type's profile, its claims, or its base. */
  private validateNestedResource(node: JsonNode, type: TypeRef | undefined, path: string, scope: ResourceScope, contained: boolean): void {
    if (node.kind !== 'object') {
      this.add('FHIR-STRUCTURE-TYPE', 'error', 'structure', 'A resource must be a JSON object', node, path);
      return;
    }
    const rt = node.props.get('resourceType')?.value;
    if (!rt || rt.kind !== 'string') {
      this.add('FHIR-STRUCTURE-RESOURCETYPE', 'error', 'structure', 'The resource has no "resourceType" string property', node, path);
      return;
    }
    const base = this.store.baseType(rt.value);
    if (!base || base.kind !== 'resource') {
      this.add('FHIR-STRUCTURE-RESOURCETYPE', 'error', 'structure', `'${rt.value}' is not a FHIR R4 resource type`, rt, path);
      return;
    }
    const sds: StructureDefinition[] = [];
    const allowed = new Set<string>();
    let unknownProfile = false;
    for (const p of type?.profile ?? []) {
      const sd = this.store.structureDefinition(p);
      if (!sd) unknownProfile = true;
      else allowed.add(sd.type);
      if (sd && sd.type === rt.value) sds.push(sd);
    }
    // The element's profiles say which resources it holds (Bundle.entry.resource profiled to DocumentManifest).
    if (allowed.size && !sds.length && !unknownProfile && !allowed.has('Resource') && !allowed.has('DomainResource'))
      this.add(
        'FHIR-STRUCTURE-RESOURCETYPE',
        'error',
        'structure',
        `${path} is a ${rt.value}, but its profile allows only ${[...allowed].join(', ')}`,
        rt,
        path,
      );
    if (this.options.followMetaProfile) {
      const claims = toPlain(node) as { meta?: { profile?: unknown } };
      for (const claim of Array.isArray(claims.meta?.profile) ? claims.meta.profile : []) {
        if (typeof claim !== 'string') continue;
        const sd = this.store.structureDefinition(claim);
        if (sd && sd.type === rt.value && !sds.includes(sd)) sds.push(sd);
      }
    }
    if (!sds.length) sds.push(base);
    for (const sd of sds) this.validateResource(node, sd, path, scope, contained ? scope : undefined);
  }

  /** Everything the element definition itself says about a value: fixed, pattern, binding, references, invariants. */
  private checkElementRules(
    node: JsonNode,
    el: ElementNode,
    path: string,
    scope: ResourceScope,
    type?: TypeRef,
    skipKeys?: Set<string>,
  ): void {
    const plain = toPlain(node);
    if (el.fixed && !deepEqual(plain, el.fixed.value)) {
      this.add(
        'FHIR-FIXED',
        'error',
        'profile',
        `${path} is ${show(plain)}, but the profile fixes it to ${show(el.fixed.value)}`,
        node,
        path,
      );
    }
    if (el.pattern && !matchesPattern(plain, el.pattern.value)) {
      this.add(
        'FHIR-PATTERN',
        'error',
        'profile',
        `${path} is ${show(plain)}, which does not contain the required pattern ${show(el.pattern.value)}`,
        node,
        path,
      );
    }
    if (type?.code === 'Attachment') this.checkAttachmentSize(node, plain, path);
    const limit = valueLimitProblem(el.def, plain);
    if (limit) this.add('FHIR-VALUE-LIMIT', 'error', 'profile', `${path}: ${limit}`, node, path);
    if (el.def.binding && type) checkBinding(this, node, plain, el, type.code, path);
    if (type?.code === 'Reference') checkReference(this, node, plain, type, el, path, scope);
    if (type?.code === 'Coding') checkCodeKnown(this, node, plain, path);
    for (const c of el.def.constraint ?? []) {
      if (!c.expression || c.key === 'ele-1' || skipKeys?.has(c.key)) continue;
      // A choice element's value has the type it was given (effectiveDateTime), which FHIRPath needs for `is` and `as`.
      const basePath = type && el.basePath.endsWith('[x]') ? el.basePath.slice(0, -3) + capitalize(type.code) : el.basePath;
      const out = evaluateInvariant(basePath, c.expression, plain, scope.plain, (scope.root ?? scope).plain, this.inValueSet);
      if (out.status === 'error' && !this.unevaluated.has(c.key)) {
        this.unevaluated.add(c.key);
        this.add(
          'FHIR-INVARIANT-UNEVALUATED',
          'information',
          'invariant',
          `Constraint ${c.key} (${c.human}) could not be evaluated here and was not checked: ${out.reason}`,
          node,
          path,
        );
      }
      if (out.status === 'fail') {
        // Best-practice constraints (e.g. dom-6, a resource should have narrative) are advice, not a fault.
        const bestPractice = (c.extension as { url: string; valueBoolean?: boolean }[] | undefined)?.some(
          (x) => x.url === BEST_PRACTICE && x.valueBoolean,
        );
        const severity: Severity = bestPractice ? 'information' : c.severity === 'warning' ? 'warning' : 'error';
        const why = out.empty
          ? ' (the expression gave no result, for instance because it compares values of different precision, and a constraint holds only when it is true)'
          : '';
        this.add(`FHIR-INVARIANT-${c.key}`, severity, 'invariant', `${path}: constraint ${c.key} failed: ${c.human}${why}`, node, path);
      }
    }
  }

  /** An Attachment's stated size must be the size of its data (FHIR R4 Attachment.size: bytes of the data, before base64). */
  private checkAttachmentSize(node: JsonNode, plain: unknown, path: string): void {
    const { data, size } = (plain ?? {}) as { data?: unknown; size?: unknown };
    if (typeof data !== 'string' || typeof size !== 'number') return;
    const actual = Buffer.from(data, 'base64').length;
    if (actual !== size)
      this.add(
        'FHIR-ATTACHMENT-SIZE',
        'error',
        'structure',
        `${path}.size says ${size} bytes, but the data holds ${actual}`,
        node,
        `${path}.size`,
      );
  }

  /** A definition's element tree; a definition that cannot be compiled is reported once, not thrown. */
  private treeOf(sd: StructureDefinition, at?: Position, path?: string): ElementTree | undefined {
    try {
      return elementTree(sd, this.store);
    } catch (e) {
      if (!this.unevaluated.has(sd.url)) {
        this.unevaluated.add(sd.url);
        this.add(
          'FHIR-PROFILE-INVALID',
          'error',
          'profile',
          `${sd.url} cannot be used to validate: ${(e as Error).message}`,
          at,
          path ?? sd.type,
        );
      }
      return undefined;
    }
  }

  /** The child element definitions of a complex value: from the profile when it goes that deep, else from the type. */
  childrenOf(
    el: ElementNode,
    tree: ElementTree,
    type: TypeRef | undefined,
  ): { children: ElementNode[]; tree: ElementTree; typeRoot?: ElementNode } {
    // A choice of several types constrains only what they share (effective[x].extension); the
    // value has the children of the type it is, with those constraints in place of the type's own.
    const shared = el.children.length > 0 && el.types.length > 1;
    if (el.children.length && !shared) return { children: el.children, tree };
    if (el.def.contentReference && !shared) {
      const id = el.def.contentReference.slice(el.def.contentReference.indexOf('#') + 1);
      const target = tree.byId.get(id);
      if (target) return { children: target.children, tree };
    }
    const typeSd = this.typeDefinition(type);
    const typeTree = typeSd && this.treeOf(typeSd);
    if (!typeTree) return { children: shared ? el.children : [], tree };
    const own = new Map(shared ? el.children.map((c) => [c.name, c]) : []);
    return { children: typeTree.root.children.map((c) => own.get(c.name) ?? c), tree: typeTree, typeRoot: typeTree.root };
  }

  private typeDefinition(type: TypeRef | undefined): StructureDefinition | undefined {
    if (!type) return undefined;
    for (const p of type.profile ?? []) {
      const sd = this.store.structureDefinition(p);
      if (sd) return sd;
    }
    return this.store.baseType(type.code) ?? this.store.structureDefinition(type.code);
  }

  /** Validates one value of an element (one array item, or the single value). */
  validateValue(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void {
    // The element may be a slice whose type names a profile (e.g. an extension definition) the base element did not.
    const type = (item.type && el.types.find((t) => t.code === item.type!.code)) || item.type;
    // Resource.id, Extension.url and the like are typed System.String with the FHIR type they carry in an extension.
    // R4 declares Resource.id a string there, though the specification makes it an id (1-64 of [A-Za-z0-9-.]).
    const code = el.basePath === 'Resource.id' ? 'id' : (type?.extension?.find((x) => x.url === FHIR_TYPE_EXT)?.valueUrl ?? type?.code);
    if (code && isPrimitiveType(code, this.store)) {
      if (item.node.kind !== 'null') {
        const check = checkPrimitive(item.node, code, this.store);
        if (check.problem) this.add('FHIR-STRUCTURE-PRIMITIVE', 'error', 'structure', `${path} ${check.problem}`, item.node, path);
        else {
          if (code === 'xhtml' && item.node.kind === 'string') this.checkNarrativeLinks(item.node, path, scope);
          this.checkElementRules(item.node, el, path, scope, type);
        }
      } else {
        this.checkValueAbsence(item, el, path);
      }
      if (item.extra && item.extra.kind !== 'null') {
        if (item.extra.kind !== 'object') {
          this.add(
            'FHIR-STRUCTURE-TYPE',
            'error',
            'structure',
            `_${item.jsonName} must be an object holding id and extension`,
            item.extra,
            path,
          );
        } else if (el.basePath === 'Resource.id' && item.extra.props.has('extension')) {
          // A resource's id is its identity on the server, not data: FHIR R4 allows no extension on it.
          this.add(
            'FHIR-EXT-CONTEXT',
            'error',
            'structure',
            `Extensions are not allowed on the resource id (${path})`,
            item.extra,
            `${path}.extension`,
          );
        } else {
          const primitiveTree = this.typeDefinition({ code: 'Element' });
          if (primitiveTree) {
            const t = elementTree(primitiveTree, this.store);
            this.validateChildren(item.extra, t.root.children, t, path, scope, false, [el.basePath, el.def.path, code]);
          }
        }
      }
      return;
    }
    if (code && this.store.baseType(code)?.kind === 'resource') {
      // Of several resource types (Practitioner or PractitionerRole), the one this resource is.
      const rt = item.node.kind === 'object' ? item.node.props.get('resourceType')?.value : undefined;
      const own = rt?.kind === 'string' ? el.types.find((t) => t.code === rt.value) : undefined;
      this.validateNestedResource(item.node, own ?? type, path, scope, el.name === 'contained');
      return;
    }
    if (item.node.kind !== 'object') {
      this.add(
        'FHIR-STRUCTURE-TYPE',
        'error',
        'structure',
        `${path} must be a JSON object (${code ?? 'an element'}), not ${item.node.kind === 'array' ? 'an array' : `a ${item.node.kind}`}`,
        item.node,
        path,
      );
      return;
    }
    // A data type profile the definition names must be at hand to check the value against (extensions: FHIR-EXT-UNKNOWN).
    const profiles = code === 'Extension' ? [] : (type?.profile ?? []);
    const loaded = profiles.filter((p) => this.store.structureDefinition(p));
    if (profiles.length && !loaded.length)
      this.add(
        'FHIR-PROFILE-INVALID',
        'error',
        'profile',
        `${path} must conform to ${profiles.join(' or ')}, which is not loaded, so it cannot be checked; import the package that defines it`,
        item.node,
        path,
      );
    const chosen = this.profileMet(item, el, tree, path, scope, type, loaded, code);
    const { children, tree: childTree, typeRoot } = this.childrenOf(el, tree, chosen);
    this.checkElementRules(item.node, el, path, scope, type);
    if (typeRoot) {
      // Invariants of the type itself (e.g. ext-1 on Extension, per-1 on Period) and of a type profile's root.
      this.checkElementRules(item.node, typeRoot, path, scope, undefined, new Set((el.def.constraint ?? []).map((c) => c.key)));
    }
    const url = code === 'Extension' ? item.node.props.get('url')?.value : undefined;
    // An element defined by reference (OperationDefinition.parameter.part) is also the element it refers to.
    const sameAs = el.def.contentReference ? [el.def.contentReference.slice(el.def.contentReference.indexOf('#') + 1)] : [];
    const host = [el.basePath, el.def.path, code ?? 'Element', ...(url?.kind === 'string' ? [url.value] : []), ...sameAs];
    this.validateChildren(item.node, children, childTree, path, scope, false, host);
  }

  /** Matches the properties of a JSON object to child elements, then checks each child. */
  /**
   * `host` names the element whose properties these are (its paths and type), for checking where
   * an extension may be used.
   */
  private validateChildren(
    obj: JsonNode & { kind: 'object' },
    children: ElementNode[],
    tree: ElementTree,
    path: string,
    scope: ResourceScope,
    isResourceRoot: boolean,
    host: string[],
  ): void {
    this.hosts.push(host);
    this.hostNodes.push(obj);
    try {
      this.validateChildrenIn(obj, children, tree, path, scope, isResourceRoot);
    } finally {
      this.hosts.pop();
      this.hostNodes.pop();
    }
  }

  private validateChildrenIn(
    obj: JsonNode & { kind: 'object' },
    children: ElementNode[],
    tree: ElementTree,
    path: string,
    scope: ResourceScope,
    isResourceRoot: boolean,
  ): void {
    // Element ids are for references inside the resource, so they must be unique in it (FHIR R4 Element.id);
    // an ElementDefinition's id names a path instead, repeated by design in snapshot and differential.
    const elementId = isResourceRoot || this.hosts.at(-1)?.[2] === 'ElementDefinition' ? undefined : obj.props.get('id')?.value;
    if (elementId?.kind === 'string') {
      if (scope.elementIds.has(elementId.value))
        this.add(
          'FHIR-ELEMENT-ID',
          'error',
          'structure',
          `${path}: the element id '${elementId.value}' is used twice in this resource; element ids must be unique within a resource`,
          elementId,
          `${path}.id`,
        );
      scope.elementIds.add(elementId.value);
    }
    const byElement = new Map<ElementNode, Item[]>();
    const byName = new Map<string, ElementNode>();
    const choices: ElementNode[] = [];
    for (const c of children) {
      if (c.isChoice) choices.push(c);
      else byName.set(c.name, c);
    }
    const underscored = new Map<string, JsonNode>();
    let meaningful = 0;
    for (const [key, prop] of obj.props) {
      if (key === 'resourceType' && isResourceRoot) continue;
      if (key !== 'id' && key !== 'extension') meaningful++;
      if (key.startsWith('_')) {
        underscored.set(key.slice(1), prop.value);
        continue;
      }
      let el = byName.get(key);
      let type: TypeRef | undefined;
      if (el) type = el.types.length === 1 ? el.types[0] : el.types[0];
      else {
        for (const c of choices) {
          if (!key.startsWith(c.name)) continue;
          const suffix = key.slice(c.name.length);
          const t = c.types.find((t) => capitalize(t.code) === suffix);
          if (t) {
            el = c;
            type = t;
            break;
          }
        }
      }
      if (!el) {
        const choice = choices.find((c) => key.startsWith(c.name) && key.length > c.name.length);
        const hint = choice ? ` (${choice.name}[x] allows ${choice.types.map((t) => choice.name + capitalize(t.code)).join(', ')})` : '';
        this.add(
          'FHIR-STRUCTURE-UNKNOWN',
          'error',
          'structure',
          `Unknown element '${key}' in ${path}${hint}`,
          prop.keyPos,
          `${path}.${key}`,
        );
        continue;
      }
      this.collect(byElement, el, key, prop.value, type, path);
    }
    for (const [name, extra] of underscored) {
      const prim = obj.props.get(name);
      if (prim) {
        const el = [...byElement.keys()].find((e) => byElement.get(e)!.some((i) => i.jsonName === name));
        if (el) this.attachExtras(byElement.get(el)!, extra, name, path);
        continue;
      }
      // An extension-only primitive: `_birthDate` without `birthDate`.
      let el = byName.get(name);
      let type = el?.types[0];
      if (!el) {
        for (const c of choices) {
          const t = c.types.find((t) => c.name + capitalize(t.code) === name);
          if (t) {
            el = c;
            type = t;
          }
        }
      }
      if (!el || !type || !isPrimitiveType(type.code, this.store)) {
        const pos = obj.props.get(`_${name}`)!.keyPos;
        this.add(
          'FHIR-STRUCTURE-UNKNOWN',
          'error',
          'structure',
          `Unknown element '_${name}' in ${path}: '_' properties only accompany primitive elements`,
          pos,
          `${path}._${name}`,
        );
        continue;
      }
      const items: Item[] =
        extra.kind === 'array'
          ? extra.items.map((n, i) => ({
              node: { kind: 'null', line: n.line, column: n.column },
              extra: n,
              index: i,
              jsonName: name,
              type,
              pos: n,
            }))
          : [{ node: { kind: 'null', line: extra.line, column: extra.column }, extra, jsonName: name, type, pos: extra }];
      byElement.set(el, [...(byElement.get(el) ?? []), ...items]);
    }
    if (meaningful === 0 && !isResourceRoot && !obj.props.has('extension')) {
      this.add('FHIR-INVARIANT-ele-1', 'error', 'invariant', `${path} is empty: every element must have a value or children`, obj, path);
    }
    for (const el of children) {
      const items = byElement.get(el) ?? [];
      const childPath = `${path}.${el.name}`;
      this.checkCardinality(items.length, el, childPath, obj, items);
      if (el.slices.length) validateSliced(this, items, el, tree, path, scope, obj);
      else for (const item of items) this.validateItem(item, el, tree, path, scope);
    }
  }

  itemPath(path: string, item: Item): string {
    return item.index === undefined ? `${path}.${item.jsonName}` : `${path}.${item.jsonName}[${item.index}]`;
  }

  validateItem(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void {
    const p = this.itemPath(path, item);
    if (EXTENSION_ELEMENTS.has(el.name) && !el.def.sliceName) {
      this.validateExtension(item, el, tree, p, scope);
      return;
    }
    this.validateValue(item, el, tree, p, scope);
  }

  /**
   * Of several data type profiles an element's type names and the store holds (`loaded`; an Address that must meet one of two),
   * the first the value meets; when it meets none, that is an error and the value is checked
   * against the first, whose faults then show. One profile, or none loaded: the type as it is.
   */
  private profileMet(
    item: Item,
    el: ElementNode,
    tree: ElementTree,
    path: string,
    scope: ResourceScope,
    type: TypeRef | undefined,
    loaded: string[],
    code: string | undefined,
  ): TypeRef | undefined {
    if (!type || loaded.length < 2 || item.node.kind !== 'object' || this.trialDepth >= MAX_TARGET_DEPTH) return type;
    const node = item.node;
    for (const p of loaded) {
      const one = { ...type, profile: [p] };
      const errors = this.trial(() => {
        const { children, tree: t } = this.childrenOf(el, tree, one);
        this.validateChildren(node, children, t, path, scope, false, [el.basePath, el.def.path, code ?? 'Element']);
      });
      if (!errors.length) return one;
    }
    this.add(
      'FHIR-PROFILE-NOMATCH',
      'error',
      'profile',
      `${path} meets none of the profiles its type allows: ${loaded.join(', ')}`,
      node,
      path,
    );
    return { ...type, profile: [loaded[0]!] };
  }

  /**
   * A primitive given only its extensions (`_active`), where the profile says a value must be
   * there (R5's mustHaveValue) or which extensions may stand in for it (valueAlternatives), as R4
   * profiles say it through the cross-version extensions on the element definition.
   */
  private checkValueAbsence(item: Item, el: ElementNode, path: string): void {
    const said = (el.def.extension as { url?: string; valueBoolean?: boolean; valueCanonical?: string }[] | undefined) ?? [];
    if (said.some((x) => x.url === MUST_HAVE_VALUE && x.valueBoolean === true))
      this.add(
        'FHIR-VALUE-ABSENT',
        'error',
        'profile',
        `${path} must have a value: the profile does not allow extensions in its place`,
        item.pos,
        path,
      );
    const alternatives = said
      .filter((x) => x.url === VALUE_ALTERNATIVES && typeof x.valueCanonical === 'string')
      .map((x) => x.valueCanonical!);
    if (!alternatives.length) return;
    const extensions = item.extra?.kind === 'object' ? item.extra.props.get('extension')?.value : undefined;
    const urls =
      extensions?.kind === 'array' ? extensions.items.map((e) => (e.kind === 'object' ? e.props.get('url')?.value : undefined)) : [];
    if (!urls.some((u) => u?.kind === 'string' && alternatives.includes(u.value)))
      this.add(
        'FHIR-VALUE-ABSENT',
        'error',
        'profile',
        `${path} has no value, and none of the extensions the profile allows in its place (${alternatives.join(', ')})`,
        item.pos,
        path,
      );
  }

  /** An extension that no slice claims: applied by its URL's own definition, a warning when that is unknown. */
  validateExtension(item: Item, el: ElementNode, tree: ElementTree, path: string, scope: ResourceScope): void {
    const url = item.node.kind === 'object' ? item.node.props.get('url')?.value : undefined;
    const absolute = url?.kind === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(url.value);
    // Only the parts of a complex extension are named relatively (`code`, `period`); an extension itself by its canonical URL.
    if (url?.kind === 'string' && !absolute && SUB_EXTENSION.test(path)) this.checkSubExtensionDefined(url, el, tree, path);
    if (url?.kind === 'string' && !absolute && !SUB_EXTENSION.test(path))
      this.add(
        'FHIR-EXT-URL',
        'error',
        'profile',
        `Extension url ${show(url.value)} is not an absolute URL; an extension is identified by its canonical URL (only the parts of a complex extension have relative names)`,
        url,
        `${path}.url`,
      );
    if (url?.kind === 'string' && absolute) {
      if (url.value.includes('|')) {
        this.add(
          'FHIR-EXT-URL',
          'error',
          'profile',
          `Extension url '${url.value}' carries a version; an extension is identified by its canonical URL alone`,
          url,
          `${path}.url`,
        );
      }
      const sd = this.store.structureDefinition(url.value);
      if (sd && sd.type === 'Extension') {
        this.checkExtensionContext(sd, url, path, scope);
        const byUrl: TypeRef = { code: 'Extension', profile: [sd.url] };
        this.validateValue({ ...item, type: byUrl }, { ...el, children: [], slices: [], types: [byUrl] }, tree, path, scope);
        return;
      }
      // HL7's own extensions beyond R4 live in the extensions pack (hl7.fhir.uv.extensions), which the HL7 validator always loads.
      const hl7 = url.value.startsWith('http://hl7.org/fhir/');
      // The HL7 validator's example domains (example.org, acme.com; not example.com): no package defines them, and it accepts them.
      const example = EXAMPLE_URL.test(url.value);
      const severity = hl7 || example ? 'warning' : (this.options.unknownExtensions ?? 'error');
      const consequence = hl7
        ? 'so its content is checked only as a generic Extension; HL7 publishes it in the extensions pack (hl7.fhir.uv.extensions.r4), which `samsvar profiles import` can add'
        : example
          ? 'an example URL that no package defines, so its content is checked only as a generic Extension (the HL7 validator accepts example URLs)'
          : severity === 'error'
            ? 'so it is not allowed here (as in the HL7 validator); import the package that defines it'
            : 'so its content is checked only as a generic Extension';
      this.add(
        'FHIR-EXT-UNKNOWN',
        severity,
        'profile',
        `Extension ${url.value} is not defined in the loaded profiles and packages, ${consequence}`,
        url,
        path,
      );
    }
    this.validateValue(item, el, tree, path, scope);
  }

  /**
   * A part of a complex extension, checked against that extension's own definition, must be one
   * it defines (a slice whose url is fixed to the name), however open its slicing: as the HL7
   * validator, which reads an unknown part name as a misspelling, not as an allowed addition.
   */
  private checkSubExtensionDefined(url: JsonNode & { kind: 'string' }, el: ElementNode, tree: ElementTree, path: string): void {
    if (el.def.path !== 'Extension.extension' || tree.sd.type !== 'Extension') return;
    const parent = this.hostNodes.at(-1);
    const parentUrl = parent?.kind === 'object' ? parent.props.get('url')?.value : undefined;
    if (parentUrl?.kind !== 'string' || parentUrl.value !== tree.sd.url) return;
    let defined = subExtensionUrls.get(tree);
    if (!defined) {
      defined = new Set();
      for (const node of tree.byId.values())
        if (node.def.path === 'Extension.extension.url' && typeof node.fixed?.value === 'string') defined.add(node.fixed.value);
      subExtensionUrls.set(tree, defined);
    }
    if (defined.has(url.value)) return;
    this.add(
      'FHIR-EXT-URL',
      'error',
      'profile',
      `Sub-extension url ${show(url.value)} is not defined by the extension ${tree.sd.url}${tree.sd.version ? `|${tree.sd.version}` : ''}; its parts are named by the urls its definition fixes`,
      url,
      `${path}.url`,
    );
  }

  /** An extension definition says where it may be used (StructureDefinition.context). */
  private checkExtensionContext(sd: StructureDefinition, at: Position, path: string, scope: ResourceScope): void {
    const contexts = (sd.context as { type: string; expression: string }[] | undefined) ?? [];
    const host = this.hosts[this.hosts.length - 1] ?? [];
    if (!host.length) return;
    const ok =
      !contexts.length ||
      contexts.some(
        (c) =>
          (c.type === 'fhirpath' ? this.selectedHere(c.expression, path, scope) : !!KIND_CONTEXTS[c.expression]?.(host)) ||
          host.includes(c.expression) ||
          // An extension context also admits the extension's value (`_valueBoolean` of that extension).
          (c.type === 'extension' && this.hosts.at(-2)?.includes(c.expression) && host[0]?.startsWith('Extension.value')) ||
          this.contextCovers(c.expression, sd.url, host),
      );
    if (ok) {
      this.checkContextInvariants(sd, at, path, scope, host);
      return;
    }
    const where = contexts.map((c) => c.expression).join(', ');
    this.add(
      'FHIR-EXT-CONTEXT',
      'error',
      'profile',
      `Extension ${sd.url} may be used only on ${where}, not on ${host[1] ?? host[0]}`,
      at,
      path,
    );
  }

  /**
   * Whether a FHIRPath context selects the element this extension (at `path`) sits on. An expression
   * that does not evaluate here allows it, as before: samsvar cannot tell.
   */
  private selectedHere(expression: string, path: string, scope: ResourceScope): boolean {
    const resourceType = (scope.plain as { resourceType?: unknown } | null)?.resourceType;
    const hostPath = path.replace(/\.(?:modifierExtension|extension)(?:\[\d+\])?$/, '');
    if (typeof resourceType !== 'string' || !hostPath.startsWith(scope.path)) return true;
    const selected = selectedLocations(resourceType, expression, scope.plain);
    return 'error' in selected || selected.has(`${resourceType}${hostPath.slice(scope.path.length)}`);
  }

  /** A node as plain JSON, read once however many checks ask. */
  private plainOf(node: JsonNode): unknown {
    let data = this.hostPlain.get(node);
    if (data === undefined) this.hostPlain.set(node, (data = toPlain(node)));
    return data;
  }

  /** A narrative's links and images point where a reader can follow (src/fhir/narrative-links.ts). */
  private checkNarrativeLinks(node: JsonNode & { kind: 'string' }, path: string, scope: ResourceScope): void {
    const bundle = scope.bundle ? this.plainOf(scope.bundle.node) : undefined;
    for (const p of narrativeLinkProblems(node.value, scope.plain, bundle))
      this.add('FHIR-NARRATIVE-LINK', p.severity, 'structure', `${path}: ${p.message}`, node, path);
  }

  /** StructureDefinition.contextInvariant: each must hold on the element the extension sits on. */
  private checkContextInvariants(sd: StructureDefinition, at: Position, path: string, scope: ResourceScope, host: string[]): void {
    const invariants = (sd.contextInvariant as string[] | undefined) ?? [];
    const hostNode = this.hostNodes.at(-1);
    if (!invariants.length || !hostNode) return;
    // Once per host, however many of its extensions have context invariants.
    const data = this.plainOf(hostNode);
    for (const expression of invariants) {
      const out = evaluateInvariant(host[0]!, expression, data, scope.plain, (scope.root ?? scope).plain, this.inValueSet);
      if (out.status === 'fail')
        this.add(
          'FHIR-EXT-CONTEXT',
          'error',
          'profile',
          `Extension ${sd.url} may be used only where ${expression} holds, which it does not on ${host[1] ?? host[0]}`,
          at,
          path,
        );
    }
  }

  /**
   * Contexts that name more than one R4 path: the abstract R5 types CanonicalResource and
   * MetadataResource (every R4 resource with url, version and status), and the places the R4
   * specification itself puts an extension beyond its declared context.
   */
  private contextCovers(context: string, url: string, host: string[]): boolean {
    if (context === 'CanonicalResource' || context === 'MetadataResource') {
      const sd = host.length === 1 ? this.store.baseType(host[0]) : undefined;
      const paths = new Set((sd?.snapshot?.element ?? []).map((e) => e.path));
      return !!sd && sd.kind === 'resource' && ['url', 'version', 'status'].every((p) => paths.has(`${sd.type}.${p}`));
    }
    return SPEC_CONTEXTS[url]?.some((p) => host.includes(p)) ?? false;
  }

  private collect(
    byElement: Map<ElementNode, Item[]>,
    el: ElementNode,
    key: string,
    value: JsonNode,
    type: TypeRef | undefined,
    path: string,
  ): void {
    const items = byElement.get(el) ?? [];
    if (el.isArray) {
      if (value.kind !== 'array') {
        this.add(
          'FHIR-STRUCTURE-ARRAY',
          'error',
          'structure',
          `${path}.${key} repeats, so it must be a JSON array even with one value`,
          value,
          `${path}.${key}`,
        );
        items.push({ node: value, jsonName: key, type, pos: value, index: 0 });
      } else {
        if (!value.items.length)
          this.add(
            'FHIR-STRUCTURE-EMPTY',
            'error',
            'structure',
            `${path}.${key} is an empty array; leave the property out instead`,
            value,
            `${path}.${key}`,
          );
        value.items.forEach((n, i) => items.push({ node: n, jsonName: key, type, pos: n, index: i }));
      }
    } else if (value.kind === 'array') {
      this.add(
        'FHIR-STRUCTURE-ARRAY',
        'error',
        'structure',
        `${path}.${key} does not repeat (max 1), so it must not be a JSON array`,
        value,
        `${path}.${key}`,
      );
      value.items.forEach((n, i) => items.push({ node: n, jsonName: key, type, pos: n, index: i }));
    } else {
      items.push({ node: value, jsonName: key, type, pos: value });
    }
    byElement.set(el, items);
  }

  private attachExtras(items: Item[], extra: JsonNode, name: string, path: string): void {
    if (extra.kind === 'array') {
      if (extra.items.length !== items.length) {
        this.add(
          'FHIR-STRUCTURE-ARRAY',
          'error',
          'structure',
          `_${name} has ${extra.items.length} entries but ${name} has ${items.length}; they must line up`,
          extra,
          `${path}._${name}`,
        );
      }
      extra.items.forEach((n, i) => {
        if (items[i]) items[i].extra = n;
      });
    } else if (items.length === 1) items[0].extra = extra;
    else
      this.add('FHIR-STRUCTURE-ARRAY', 'error', 'structure', `_${name} must be an array lining up with ${name}`, extra, `${path}._${name}`);
    for (const it of items) {
      if (it.node.kind === 'null' && (!it.extra || it.extra.kind === 'null')) {
        this.add(
          'FHIR-STRUCTURE-TYPE',
          'error',
          'structure',
          `${name}[${it.index}] is null without an extension in _${name}`,
          it.node,
          `${path}.${name}[${it.index}]`,
        );
      }
    }
  }

  checkCardinality(count: number, el: ElementNode, path: string, pos: Position, items: Item[], slice?: string): void {
    const what = slice ? `slice '${slice}' of ${path}` : path;
    if (count < el.min) {
      this.add(
        'FHIR-CARDINALITY-MIN',
        'error',
        'structure',
        `${what} is required at least ${el.min} time${el.min > 1 ? 's' : ''}, found ${count}`,
        pos,
        path,
      );
    }
    if (count > el.max) {
      const at = items[el.max]?.pos ?? pos;
      const message =
        el.max === 0
          ? `${what} is not allowed here (max 0), found ${count}`
          : `${what} may occur at most ${el.max} time${el.max > 1 ? 's' : ''}, found ${count}`;
      this.add('FHIR-CARDINALITY-MAX', 'error', 'structure', message, at, path);
    }
  }
}

/** One finding per rule, place and message: a resource checked against two definitions that share an element reports its fault once. */
function withoutRepeats(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\u0000${f.path}\u0000${f.line}:${f.column}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export { FHIR_SD_BASE };
