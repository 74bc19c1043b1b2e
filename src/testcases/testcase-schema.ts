import { compileSchema, describeSchemaErrors } from '../core/json-schema.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { Testcase } from './testcase.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,100}$' };
const text = { type: 'string', minLength: 1 };

const assertionBase = {
  id,
  message: text,
  severity: { enum: ['error', 'warning'] },
  reference: { type: 'string' },
};

const xpathAssertion = {
  type: 'object',
  required: ['id', 'xpath', 'message'],
  properties: { ...assertionBase, xpath: text, context: text, optional: { type: 'boolean' }, actual: text },
  additionalProperties: false,
};

const fhirpathAssertion = {
  type: 'object',
  required: ['id', 'fhirpath', 'message'],
  properties: { ...assertionBase, fhirpath: text, path: text },
  additionalProperties: false,
};

const common = {
  $schema: { type: 'string' },
  id,
  profile: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,80}$' },
  title: text,
  description: { type: 'string', minLength: 20 },
  namespaces: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' },
    additionalProperties: { type: 'string', minLength: 1 },
  },
  /** Where the test case stands among its profile's test cases (lowest first). */
  order: { type: 'integer', minimum: 0 },
  /** An optional test case does not hold back a run's verdict. */
  optional: { type: 'boolean' },
  /** What the test case covers: clauses of the standard or published acceptance-test scenarios. */
  requirements: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
};

const RESOURCE_TYPE = '^[A-Z][A-Za-z]{1,63}$';
const short = { type: 'string', minLength: 1, maxLength: 2000 };

/** A live test case: the CapabilityStatement it requires, and the reads and searches it runs. */
const liveProperties = {
  parameters: {
    type: 'array',
    maxItems: 20,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'description'],
      properties: { name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }, description: short, pattern: short, example: { type: 'string' } },
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
} as const;

/**
 * The JSON schema of a test case file (exported so the service can publish it). There is no
 * `direction`: the kind implies it (see directionOf).
 */
export const testcaseSchema = {
  type: 'object',
  required: ['id', 'profile', 'kind', 'title', 'description'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      required: ['expect'],
      properties: {
        ...common,
        kind: { const: 'submit' },
        expect: {
          type: 'object',
          properties: {
            assertions: { type: 'array', items: { oneOf: [xpathAssertion, fhirpathAssertion] } },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    {
      required: ['message', 'expect'],
      properties: {
        ...common,
        kind: { const: 'receive' },
        message: {
          type: 'object',
          properties: {
            template: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*\\.xml$' },
            xml: { type: 'string', minLength: 1 },
            defects: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Z][A-Z0-9-]{1,40}$' } },
          },
          anyOf: [{ required: ['template'] }, { required: ['xml'] }],
          not: { required: ['template', 'xml'] },
          additionalProperties: false,
        },
        expect: {
          type: 'object',
          required: ['apprec'],
          properties: {
            apprecProfile: { type: 'string' },
            apprec: {
              type: 'object',
              required: ['status'],
              properties: {
                status: { type: 'array', minItems: 1, items: { enum: ['1', '2', '3'] } },
                errorCodes: { type: 'array', items: { type: 'string', pattern: '^[A-Z0-9]{1,10}$' } },
              },
              additionalProperties: false,
            },
            assertions: { type: 'array', items: xpathAssertion },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    {
      required: ['steps'],
      properties: { ...common, kind: { const: 'live' }, ...liveProperties },
      additionalProperties: false,
    },
  ],
} as const;

const validate = compileSchema(testcaseSchema);

/**
 * testcase.schema.json as published (schemas/ in the repository, GET /api/v1/testcase.schema.json):
 * the loader's own schema with a title, so editors check test case files exactly as samsvar does.
 * Regenerate the file with `samsvar testcases schema > schemas/testcase.schema.json`; a test keeps
 * the two equal.
 */
export function publishedTestcaseSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'samsvar test case',
    description:
      'One test case (testbeskrivelse) of a profile: testcases/<id>.json. kind submit: the system produces the message or resource; receive: samsvar generates a message and the system answers with an AppRec; live: samsvar reads the system\'s FHIR API. The loader also checks what a schema cannot: id equal to the file name, XPath/FHIRPath that compile, the profile exists, templates and placeholders.',
    ...testcaseSchema,
  };
}

const KINDS = ['submit', 'receive', 'live'];

/**
 * Checks the shape of one parsed test case file; `where` names the file in the error. Files written
 * before `direction` was dropped get told exactly what to change.
 */
export function parseTestcase(raw: unknown, where: string): Testcase {
  if (raw && typeof raw === 'object' && 'direction' in raw) {
    throw new SamsvarError(
      'unprocessable',
      `${where}: test case files no longer carry "direction": the kind implies it (submit ⇒ send, receive ⇒ receive, live ⇒ send). Delete the line "direction": ${JSON.stringify((raw as { direction: unknown }).direction)}`,
    );
  }
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (!KINDS.includes(kind as string)) {
    throw new SamsvarError('unprocessable', `${where} is not a valid test case: testcase.kind must be "submit", "receive" or "live", not ${JSON.stringify(kind ?? null)}`);
  }
  // The discriminator keeps the complaints to the branch of the file's kind.
  if (!validate(raw)) throw new SamsvarError('unprocessable', `${where} is not a valid test case: ${describeSchemaErrors(validate.errors, 'testcase')}`);
  return raw as unknown as Testcase;
}
