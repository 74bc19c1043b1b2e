import { Ajv, type ErrorObject } from 'ajv';
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

/** The JSON schema of a test case file (exported so the service can publish it). */
export const testcaseSchema = {
  type: 'object',
  required: ['id', 'profile', 'kind', 'direction', 'title', 'description', 'expect'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      properties: {
        ...common,
        kind: { const: 'submit' },
        direction: { const: 'send' },
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
      required: ['message'],
      properties: {
        ...common,
        kind: { const: 'receive' },
        direction: { const: 'receive' },
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
  ],
} as const;

const ajv = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true });
const validate = ajv.compile(testcaseSchema);

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '/';
  if (e.keyword === 'discriminator') return '/kind must be "submit" or "receive"';
  if (e.keyword === 'additionalProperties') return `${where} has unknown property '${String(e.params.additionalProperty)}'`;
  if (e.keyword === 'const' || e.keyword === 'enum') return `${where} ${e.message} (${JSON.stringify(e.params.allowedValue ?? e.params.allowedValues)})`;
  return `${where} ${e.message}`;
}

/** Checks the shape of one parsed test case file; `where` names the file in the error. */
export function parseTestcase(raw: unknown, where: string): Testcase {
  if (!validate(raw)) {
    const errors = validate.errors ?? [];
    // oneOf repeats every branch's complaint; the discriminator keeps them to the chosen kind.
    const why = [...new Set(errors.filter((e) => e.keyword !== 'oneOf').map(describeError))].join('; ');
    throw new SamsvarError('unprocessable', `${where} is not a valid test case: ${why || 'kind must be "submit" or "receive"'}`);
  }
  return raw as unknown as Testcase;
}
