import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { SamsvarError } from '../../core/samsvar-error.js';
import { SHIPPED_TESTCASES_DIR } from '../../core/paths.js';

/**
 * A live test case: what a vendor's FHIR API must declare in its CapabilityStatement, and which
 * reads and searches must answer with resources that conform to a profile. Files live in
 * testcases/fhir-live/<name>.json. Strings in steps may contain `{{name}}` placeholders for the
 * declared parameters (test data only the vendor knows, such as the id of a test patient).
 */
export interface LiveTestcase {
  id: string;
  kind: 'live';
  /** Profile id (catalog) every returned resource of a step's type is validated against. */
  profile: string;
  title: string;
  /** Testbeskrivelse: what the vendor must set up and what is checked. */
  description: string;
  parameters?: LiveParameter[];
  capability?: CapabilityRequirement;
  steps: LiveStep[];
}

export interface LiveParameter {
  name: string;
  description: string;
  /** Regular expression the whole value must match, e.g. ^\d{11}$ for a fødselsnummer. */
  pattern?: string;
  example?: string;
}

export interface CapabilityRequirement {
  /** Required CapabilityStatement.fhirVersion, e.g. 4.0.1. */
  fhirVersion?: string;
  /** A format CapabilityStatement.format must offer. */
  format?: 'json' | 'xml';
  resources?: ResourceRequirement[];
}

export interface ResourceRequirement {
  type: string;
  /** Canonical URLs that must appear in rest.resource.profile or supportedProfile (a |version suffix is ignored). */
  profiles?: string[];
  /** Interaction codes, e.g. read, search-type. */
  interactions?: string[];
  /** Search parameter names, e.g. identifier. */
  searchParams?: string[];
}

export interface ReadStep {
  read: { type: string; id: string; profile?: string; title?: string };
}

export interface SearchStep {
  search: {
    type: string;
    params: Record<string, string | string[]>;
    profile?: string;
    title?: string;
    /** Number of matches expected over all pages fetched; minResults defaults to 1. */
    expect?: { minResults?: number; maxResults?: number };
  };
}

export type LiveStep = ReadStep | SearchStep;

/** A step with its placeholders filled in. */
export type ResolvedStep =
  | { kind: 'read'; type: string; id: string; profile: string; title: string }
  | { kind: 'search'; type: string; params: Record<string, string | string[]>; profile: string; title: string; minResults: number; maxResults?: number };

const RESOURCE_TYPE = '^[A-Z][A-Za-z]{1,63}$';
const NAME = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
const short = { type: 'string', minLength: 1, maxLength: 2000 };

const testcaseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'profile', 'title', 'description', 'steps'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,80}$' },
    kind: { const: 'live' },
    profile: { type: 'string', minLength: 1 },
    title: short,
    description: { type: 'string', minLength: 1, maxLength: 10000 },
    parameters: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'description'],
        properties: { name: { type: 'string', pattern: NAME }, description: short, pattern: short, example: { type: 'string' } },
      },
    },
    capability: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fhirVersion: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
        format: { enum: ['json', 'xml'] },
        resources: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['type'],
            properties: {
              type: { type: 'string', pattern: RESOURCE_TYPE },
              profiles: { type: 'array', items: short },
              interactions: {
                type: 'array',
                items: { enum: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'] },
              },
              searchParams: { type: 'array', items: short },
            },
          },
        },
      },
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['read'],
            properties: {
              read: {
                type: 'object',
                additionalProperties: false,
                required: ['type', 'id'],
                properties: { type: { type: 'string', pattern: RESOURCE_TYPE }, id: short, profile: short, title: short },
              },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['search'],
            properties: {
              search: {
                type: 'object',
                additionalProperties: false,
                required: ['type', 'params'],
                properties: {
                  type: { type: 'string', pattern: RESOURCE_TYPE },
                  params: {
                    type: 'object',
                    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,100}$' },
                    additionalProperties: { anyOf: [short, { type: 'array', minItems: 1, items: short }] },
                  },
                  profile: short,
                  title: short,
                  expect: {
                    type: 'object',
                    additionalProperties: false,
                    properties: { minResults: { type: 'integer', minimum: 0 }, maxResults: { type: 'integer', minimum: 0 } },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
const validateTestcase = ajv.compile(testcaseSchema);

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;
const MAX_FILE_BYTES = 1024 * 1024;

function placeholdersIn(step: LiveStep): string[] {
  const names: string[] = [];
  const scan = (s: string) => {
    for (const m of s.matchAll(PLACEHOLDER)) names.push(m[1]!);
  };
  if ('read' in step) scan(step.read.id);
  else for (const v of Object.values(step.search.params)) (Array.isArray(v) ? v : [v]).forEach(scan);
  return names;
}

/** Checks a parsed test case; `where` names its origin in messages. */
export function parseLiveTestcase(raw: unknown, where: string): LiveTestcase {
  if (!validateTestcase(raw)) {
    const why = (validateTestcase.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new SamsvarError('unprocessable', `${where} is not a valid live test case: ${why}`);
  }
  const tc = raw as unknown as LiveTestcase;
  const declared = new Set((tc.parameters ?? []).map((p) => p.name));
  if (declared.size !== (tc.parameters ?? []).length) throw new SamsvarError('unprocessable', `${where}: a parameter is declared twice`);
  for (const p of tc.parameters ?? []) {
    if (p.pattern === undefined) continue;
    try {
      new RegExp(p.pattern, 'u');
    } catch (e) {
      throw new SamsvarError('unprocessable', `${where}: parameter ${p.name} has an invalid pattern: ${(e as Error).message}`);
    }
  }
  tc.steps.forEach((step, i) => {
    for (const name of placeholdersIn(step)) {
      if (!declared.has(name)) throw new SamsvarError('unprocessable', `${where}: step ${i + 1} uses {{${name}}}, which is not a declared parameter`);
    }
  });
  return tc;
}

export function loadLiveTestcase(file: string): LiveTestcase {
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new SamsvarError('unprocessable', `${file} is larger than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof SamsvarError) throw e;
    throw new SamsvarError('not_found', `cannot read live test case ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SamsvarError('unprocessable', `${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseLiveTestcase(raw, file);
}

export const SHIPPED_LIVE_TESTCASES_DIR = path.join(SHIPPED_TESTCASES_DIR, 'fhir-live');

export function listLiveTestcases(dir: string = SHIPPED_LIVE_TESTCASES_DIR): LiveTestcase[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadLiveTestcase(path.join(dir, f)));
}

/** A shipped test case by id, or a test case file given by path (for authors trying out a new one). */
export function findLiveTestcase(idOrFile: string, dir: string = SHIPPED_LIVE_TESTCASES_DIR): LiveTestcase {
  if (idOrFile.endsWith('.json') && existsSync(idOrFile)) return loadLiveTestcase(idOrFile);
  const all = listLiveTestcases(dir);
  const found = all.find((t) => t.id === idOrFile);
  if (!found) {
    const known = all.map((t) => t.id).join(', ') || '(none)';
    throw new SamsvarError('not_found', `unknown live test case '${idOrFile}'; known: ${known}`);
  }
  return found;
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_VALUE_LENGTH = 256;

/**
 * Fills the placeholders with the vendor's values. Every declared parameter must be given and no
 * other: a misspelt name should fail loudly, not silently search for "{{fnr}}".
 */
export function resolveSteps(tc: LiveTestcase, parameters: Record<string, string>): ResolvedStep[] {
  const declared = new Map((tc.parameters ?? []).map((p) => [p.name, p]));
  const unknown = Object.keys(parameters).filter((k) => !declared.has(k));
  if (unknown.length) throw new SamsvarError('bad_request', `test case ${tc.id} has no parameter ${unknown.join(', ')}; it takes: ${[...declared.keys()].join(', ') || 'none'}`);
  const missing = [...declared.values()].filter((p) => parameters[p.name] === undefined);
  if (missing.length) {
    const list = missing.map((p) => `${p.name} (${p.description}${p.example ? `, e.g. ${p.example}` : ''})`).join('; ');
    throw new SamsvarError('bad_request', `test case ${tc.id} needs parameter ${list}`);
  }
  for (const [name, value] of Object.entries(parameters)) {
    const p = declared.get(name)!;
    // Control characters have no place in an id or a search value and would only confuse the log.
    if (value.length === 0 || value.length > MAX_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new SamsvarError('bad_request', `parameter ${name} must be 1-${MAX_VALUE_LENGTH} characters without control characters`);
    }
    if (p.pattern && !new RegExp(`^(?:${p.pattern})$`, 'u').test(value)) {
      throw new SamsvarError('bad_request', `parameter ${name} '${value}' does not match ${p.pattern} (${p.description})`);
    }
  }
  const fill = (s: string) => s.replace(PLACEHOLDER, (_, name: string) => parameters[name]!);
  return tc.steps.map((step, i): ResolvedStep => {
    if ('read' in step) {
      const id = fill(step.read.id);
      if (!FHIR_ID.test(id) || /^\.+$/.test(id)) {
        throw new SamsvarError('bad_request', `step ${i + 1}: '${id}' is not a FHIR resource id (1-64 of A-Z a-z 0-9 - .)`);
      }
      return { kind: 'read', type: step.read.type, id, profile: step.read.profile ?? tc.profile, title: step.read.title ?? `read ${step.read.type}/${id}` };
    }
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(step.search.params)) params[k] = Array.isArray(v) ? v.map(fill) : fill(v);
    const query = Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(`&${k}=`) : v}`).join('&');
    return {
      kind: 'search',
      type: step.search.type,
      params,
      profile: step.search.profile ?? tc.profile,
      title: step.search.title ?? `search ${step.search.type}?${query}`,
      minResults: step.search.expect?.minResults ?? 1,
      maxResults: step.search.expect?.maxResults,
    };
  });
}
