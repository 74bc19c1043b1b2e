import type { JsonSchema } from '../api-router.js';

/** Response and request schemas shared by route modules; they appear as-is in the OpenAPI document. */
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;

export const idSchema: JsonSchema = { type: 'string', minLength: 1, maxLength: 100 };

export const findingSchema: JsonSchema = {
  type: 'object',
  required: ['ruleId', 'severity', 'layer', 'message'],
  properties: {
    ruleId: str,
    severity: { enum: ['error', 'warning', 'information'] },
    layer: str,
    message: str,
    line: { type: 'integer' },
    column: { type: 'integer' },
    xpath: str,
    path: str,
    reference: str,
    messageNb: { type: 'string', description: 'The message in bokmål, where the rule has one (ISO Schematron diagnostic with xml:lang="nb")' },
  },
};

export const vendorSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'orgNumber', 'name', 'email', 'createdAt'],
  properties: { id: str, orgNumber: str, name: str, email: str, createdAt: str },
};

export const systemVersionSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'systemId', 'version', 'createdAt'],
  properties: { id: str, systemId: str, version: str, releasedAt: nullableStr, createdAt: str },
};

export const systemSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'versions'],
  properties: { id: str, vendorId: str, name: str, description: nullableStr, createdAt: str, versions: { type: 'array', items: systemVersionSchema } },
};

export const testcaseSummarySchema: JsonSchema = {
  type: 'object',
  required: ['id', 'profile', 'kind', 'direction', 'title', 'description'],
  properties: { id: str, profile: str, kind: { enum: ['submit', 'receive'] }, direction: { enum: ['send', 'receive'] }, title: str, description: str },
};

export const profileSummarySchema: JsonSchema = {
  type: 'object',
  required: ['id', 'version', 'title', 'kind', 'status', 'sha256'],
  properties: {
    id: str,
    version: str,
    title: str,
    kind: { enum: ['xml', 'fhir'] },
    description: str,
    status: { enum: ['draft', 'active', 'retired'] },
    source: { enum: ['shipped', 'imported'] },
    specification: str,
    sha256: str,
    testcases: { type: 'integer' },
  },
};

const testcaseResultSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'kind', 'verdict', 'submissions'],
  properties: {
    id: str,
    kind: { enum: ['submit', 'receive'] },
    title: str,
    verdict: { enum: ['passed', 'failed', null], description: 'The latest submission\'s verdict as the engine gave it' },
    outcome: { enum: ['passed', 'passed_with_deviation', 'failed', null], description: 'How the test case counts once active waivers are applied' },
    waived: {
      type: 'array',
      description: 'For passed_with_deviation: the waived rules, each with its deadline',
      items: { type: 'object', properties: { ruleId: str, waiverId: str, justification: str, deadline: str } },
    },
    reason: { ...str, description: 'For failed: the rules no active waiver covers' },
    latestSubmission: { type: ['object', 'null'] },
    submissions: { type: 'integer' },
  },
};

export const runSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'systemVersionId', 'status', 'profiles'],
  properties: {
    id: str,
    systemVersionId: str,
    system: { type: 'object', properties: { id: str, name: str, version: str } },
    createdAt: str,
    status: { enum: ['not_started', 'failing', 'passed', 'passed_with_deviation'] },
    profiles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['profile', 'status', 'testcases'],
        properties: { profile: str, version: str, sha256: str, status: { enum: ['not_started', 'failing', 'passed', 'passed_with_deviation'] }, testcases: { type: 'array', items: testcaseResultSchema } },
      },
    },
  },
};

export const submissionSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'runId', 'testcase', 'verdict', 'findings', 'artifactSha256'],
  properties: {
    id: str,
    runId: str,
    testcase: str,
    profile: str,
    verdict: { enum: ['passed', 'failed'] },
    findings: { type: 'array', items: findingSchema },
    validation: { type: 'object' },
    contentType: str,
    artifactSha256: str,
    artifactSize: { type: 'integer' },
    findingsSha256: str,
    createdAt: str,
    artifact: { type: 'string', contentEncoding: 'base64', description: 'The submitted bytes, base64 (only when reading a submission)' },
  },
};

export const validationResultSchema: JsonSchema = {
  type: 'object',
  required: ['format', 'profile', 'valid', 'findings'],
  properties: {
    format: { enum: ['xml', 'fhir'] },
    profile: nullableStr,
    profileVersion: str,
    profileSha256: str,
    detection: str,
    valid: { type: 'boolean' },
    findings: { type: 'array', items: findingSchema },
  },
};

export const auditRecordSchema: JsonSchema = {
  type: 'object',
  required: ['seq', 'at', 'actor', 'action', 'objectType', 'objectId'],
  properties: { seq: { type: 'integer' }, at: str, actor: str, action: str, objectType: str, objectId: str, details: { type: 'object' } },
};

export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

/** XML and FHIR media types accepted for messages and resources. */
export const XML_TYPES = ['application/xml', 'text/xml'];
export const FHIR_TYPES = ['application/fhir+json', 'application/json'];
export const ARTIFACT_TYPES = [...XML_TYPES, ...FHIR_TYPES];

export function formatOfMediaType(mediaType: string): 'xml' | 'fhir' {
  return XML_TYPES.includes(mediaType) ? 'xml' : 'fhir';
}
