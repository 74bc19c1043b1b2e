import { createHash } from 'node:crypto';
import { readCache, writeCache } from '../core/disk-cache.js';
import { compileSchema, describeSchemaErrors } from '../core/json-schema.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileManifest } from './manifest.js';

const relPath = { type: 'string', minLength: 1, pattern: '^(?!/)(?!.*\\.\\.)' };

const base = {
  id: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,80}$' },
  version: { type: 'string', minLength: 1 },
  title: { type: 'string', minLength: 1 },
  description: { type: 'string' },
  status: { enum: ['draft', 'active', 'deprecated', 'retired'] },
  specification: { type: 'string' },
  standard: {
    type: 'object',
    required: ['id', 'name', 'version'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{0,80}$' },
      name: { type: 'string', minLength: 1 },
      version: { type: 'string', minLength: 1 },
    },
  },
  messageTypes: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
  codelistsNotShipped: {
    type: 'array',
    items: {
      type: 'object',
      required: ['oid', 'name', 'reason'],
      additionalProperties: false,
      properties: { oid: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)+$' }, name: { type: 'string', minLength: 1 }, reason: { type: 'string', minLength: 1 } },
    },
  },
  examples: {
    type: 'object',
    properties: { invalid: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } } },
  },
};

const detectRule = {
  type: 'object',
  required: ['rootNamespace'],
  properties: {
    rootNamespace: { type: 'string' },
    msgType: { type: 'string' },
    documentNamespace: { type: 'string' },
    xpath: { type: 'string', minLength: 1 },
    describe: { type: 'string', minLength: 1 },
    priority: { type: 'integer', minimum: 0, maximum: 99 },
    namespaces: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$' }, additionalProperties: { type: 'string', minLength: 1 } },
  },
  additionalProperties: false,
};

const manifestSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['id', 'version', 'title', 'kind', 'schema'],
      properties: {
        ...base,
        kind: { const: 'xml' },
        schema: relPath,
        catalog: relPath,
        uses: { type: 'array', items: { type: 'string' } },
        rules: { type: 'array', items: relPath },
        codelists: { type: 'array', items: relPath },
        detect: { oneOf: [detectRule, { type: 'array', minItems: 1, items: detectRule }] },
        identifiers: { type: 'object', properties: { realPersonNumber: { enum: ['error', 'warning', 'information', 'off'] } } },
        limits: { type: 'object', properties: { maxBytes: { type: 'integer', minimum: 1 }, maxDepth: { type: 'integer', minimum: 1 } } },
      },
    },
    {
      type: 'object',
      required: ['id', 'version', 'title', 'kind', 'url'],
      properties: {
        ...base,
        kind: { const: 'fhir' },
        url: { type: 'string', minLength: 1 },
        resources: { type: 'array', items: relPath },
        dependencies: { type: 'array', items: { type: 'string' } },
        identifiers: { type: 'object', properties: { realPersonNumber: { enum: ['error', 'warning', 'information', 'off'] } } },
      },
    },
  ],
};

let validate: ReturnType<typeof compileSchema> | undefined;
/** Bumped with the schema: a manifest checked against an earlier schema is checked again. */
const SCHEMA_DIGEST = createHash('sha256').update(JSON.stringify(manifestSchema)).digest('hex');

export function parseManifest(raw: unknown, where: string): ProfileManifest {
  validate ??= compileSchema(manifestSchema);
  if (!validate(raw)) {
    throw new SamsvarError('profile_invalid', `${where} is not a valid profile manifest: ${describeSchemaErrors(validate.errors, 'manifest')}`);
  }
  return raw as unknown as ProfileManifest;
}

/**
 * Parses and checks a profile.json. A manifest whose exact bytes passed the check before (under
 * the same schema) is taken from the disk cache's record of that, without compiling the schema:
 * compiling it is most of the start-up of a one-file `samsvar validate`. Invalid manifests are
 * never recorded, so they fail the same way every time.
 */
export function parseManifestBytes(bytes: Uint8Array, where: string): ProfileManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new SamsvarError('profile_invalid', `${where} is not valid JSON: ${(e as Error).message}`);
  }
  const key = createHash('sha256').update(SCHEMA_DIGEST).update(bytes).digest('hex');
  if (readCache<boolean>('manifest-valid', key) === true) return raw as ProfileManifest;
  const manifest = parseManifest(raw, where);
  writeCache('manifest-valid', key, true);
  return manifest;
}
