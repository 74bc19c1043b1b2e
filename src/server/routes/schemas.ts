import type { JsonSchema } from '../api-router.js';

/** Response and request schemas shared by route modules; they appear as-is in the OpenAPI document. */
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;

export const idSchema = { type: 'string', minLength: 1, maxLength: 100 } as const satisfies JsonSchema;

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
    messageNb: {
      type: 'string',
      description: 'The message in bokmål, where the rule has one (ISO Schematron diagnostic with xml:lang="nb")',
    },
  },
};

export const vendorSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'orgNumber', 'name', 'email', 'createdAt'],
  properties: {
    id: str,
    orgNumber: str,
    name: str,
    email: str,
    createdAt: str,
    identity: {
      enum: ['verified', 'unverified'],
      description: 'unverified until an administrator checked the organisation against Enhetsregisteret',
    },
    verification: { type: 'object', description: 'Who verified, when, the name in Enhetsregisteret and what was checked' },
  },
};

export const systemVersionSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'systemId', 'version', 'createdAt'],
  properties: {
    id: str,
    systemId: str,
    version: str,
    releasedAt: nullableStr,
    createdAt: str,
    herId: { ...nullableStr, description: "The system's own test communication party (HER-id)" },
    fhirBaseUrl: { ...nullableStr, description: "The system's FHIR API: the only base URL its live tests run against" },
  },
};

export const fhirServerStatusSchema: JsonSchema = {
  type: 'object',
  required: ['fhirBaseUrl', 'server', 'verified', 'challenge'],
  properties: {
    fhirBaseUrl: str,
    server: { type: 'string', description: "Host, and port when not the scheme's default: the server the vendor holds" },
    verified: {
      type: 'boolean',
      description: "Whether the server served this vendor's answer; until then no live test of this vendor's on it runs or counts",
    },
    verifiedAt: str,
    challenge: {
      type: 'object',
      required: ['url', 'token', 'answer'],
      description:
        "The server must answer GET url with HTTP 200 and answer as its whole body (whitespace around it aside); token is the url's last segment, answer adds a digest of the vendor",
      properties: { url: str, token: str, answer: str },
    },
  },
};

export const systemSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'versions'],
  properties: {
    id: str,
    vendorId: str,
    name: str,
    description: nullableStr,
    createdAt: str,
    versions: { type: 'array', items: systemVersionSchema },
  },
};

export const testcaseSummarySchema: JsonSchema = {
  type: 'object',
  required: ['id', 'profile', 'kind', 'direction', 'title', 'description', 'optional', 'requirements'],
  properties: {
    id: str,
    profile: str,
    kind: { enum: ['submit', 'receive', 'live'] },
    direction: {
      enum: ['send', 'receive'],
      description: 'Implied by the kind: submit and live send (the system produces the artifact), receive receives',
    },
    title: str,
    description: str,
    optional: {
      type: 'boolean',
      description: 'An optional test case does not hold back its profile; once passed it counts like any other',
    },
    order: { type: 'integer', description: "Where it stands among its profile's test cases; lists are in this order" },
    requirements: { type: 'array', items: str, description: 'Clauses of the standard or acceptance-test scenarios it covers' },
    parameters: {
      type: 'array',
      description: 'Live test cases: the test data the vendor gives when it runs (POST /runs/{id}/testcases/{testcase}/live)',
      items: { type: 'object', properties: { name: str, description: str, pattern: str, example: str } },
    },
  },
};

const assertionJudgementSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'language', 'message', 'severity'],
  properties: {
    id: { ...str, description: 'The ruleId of the finding when the assertion fails' },
    language: { enum: ['xpath', 'fhirpath'] },
    xpath: { ...str, description: 'XPath 1.0 test, evaluated at each node `context` selects' },
    context: { ...str, description: 'XPath selecting the nodes the test is evaluated at (`/`: the document)' },
    optional: { type: 'boolean', description: 'When true, a context that selects nothing passes' },
    actual: { ...str, description: 'XPath whose value is shown as "found: …"' },
    fhirpath: { ...str, description: 'FHIRPath (R4); holds when the result is non-empty and contains no false' },
    path: str,
    message: str,
    severity: { enum: ['error', 'warning'] },
    reference: str,
  },
};

/** GET /testcases/{id}: the summary and how the test case is judged. */
export const testcaseDetailSchema: JsonSchema = {
  ...testcaseSummarySchema,
  required: [...(testcaseSummarySchema.required as string[]), 'judgement'],
  properties: {
    ...(testcaseSummarySchema.properties as object),
    judgement: {
      type: 'object',
      required: ['profiles', 'assertions'],
      properties: {
        profiles: {
          type: 'array',
          items: str,
          description: 'The profile the artifact must pass; for receive test cases the AppRec profiles the answer may pass',
        },
        assertions: { type: 'array', items: assertionJudgementSchema },
        namespaces: { type: 'object', additionalProperties: str, description: 'Prefixes the XPath assertions use' },
        message: {
          type: 'object',
          properties: { template: str, messageType: str, defects: { type: 'array', items: str } },
          description: 'receive: the message samsvar generates',
        },
        apprec: {
          type: 'object',
          properties: { status: { type: 'array', items: str }, errorCodes: { type: 'array', items: str } },
          description: 'receive: Status/@V values allowed and Error/@V codes required',
        },
        capability: { type: 'object', description: 'live: what the CapabilityStatement must declare' },
        steps: { type: 'array', items: { type: 'object' }, description: 'live: the reads and searches run' },
      },
    },
  },
};

const directionCountsSchema: JsonSchema = {
  type: 'object',
  description:
    'Test cases by direction: send (kind submit, the system produces the message) and receive (the system consumes it and answers with an AppRec)',
  required: ['send', 'receive'],
  properties: { send: { type: 'integer' }, receive: { type: 'integer' } },
};

const codelistNotShippedSchema: JsonSchema = {
  type: 'object',
  required: ['oid', 'name', 'reason'],
  properties: {
    oid: str,
    name: str,
    reason: { ...str, description: 'Why the list is not shipped: its complete content could not be established from public sources' },
  },
};

const messageTypesSchema: JsonSchema = {
  type: 'array',
  items: str,
  description: 'MsgInfo/Type values (Hodemelding-borne messages), root elements (standalone documents) or resource types (FHIR)',
};

/** The profiles a validation against a profile also applies (its `uses`, e.g. msghead-1.2), with their content's SHA-256. */
export const usedProfilesSchema: JsonSchema = {
  type: 'array',
  description: "The profiles whose rules a validation against this profile also applies (its 'uses'), as they were when tested",
  items: {
    type: 'object',
    required: ['profile', 'version', 'profileSha256'],
    properties: { profile: str, version: str, profileSha256: str },
  },
};

export const profileSummarySchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'version',
    'title',
    'kind',
    'status',
    'sha256',
    'standard',
    'messageTypes',
    'testcases',
    'testcasesByDirection',
    'codelistsComplete',
    'codelistsNotShipped',
  ],
  properties: {
    id: str,
    version: str,
    title: str,
    kind: { enum: ['xml', 'fhir'] },
    description: str,
    status: { enum: ['draft', 'active', 'deprecated', 'retired'] },
    source: { enum: ['shipped', 'imported'] },
    specification: str,
    sha256: str,
    standard: {
      type: 'object',
      description: 'The standard and version the profile belongs to (for a profile that names none: its own id, title and version)',
      required: ['id', 'name', 'version'],
      properties: { id: str, name: str, version: str },
    },
    messageTypes: messageTypesSchema,
    testcases: { type: 'integer', description: 'Number of test cases' },
    testcasesByDirection: directionCountsSchema,
    codelistsComplete: {
      type: 'boolean',
      description: 'True when every code list the standard uses is shipped complete (codelistsNotShipped is empty)',
    },
    codelistsNotShipped: { type: 'array', items: codelistNotShippedSchema },
  },
};

export const profileCatalogueSchema: JsonSchema = {
  type: 'object',
  required: ['standards'],
  properties: {
    standards: {
      type: 'array',
      description: "Profiles grouped by standard (sorted by name), then by the standard's version (ascending)",
      items: {
        type: 'object',
        required: ['id', 'name', 'declared', 'messageTypes', 'testcasesByDirection', 'codelistsComplete', 'versions'],
        properties: {
          id: str,
          name: str,
          declared: { type: 'boolean', description: 'False for a profile that names no standard; it then forms a group of its own' },
          messageTypes: messageTypesSchema,
          testcasesByDirection: directionCountsSchema,
          codelistsComplete: { type: 'boolean' },
          versions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['version', 'messageTypes', 'testcasesByDirection', 'codelistsComplete', 'codelistsNotShipped', 'profiles'],
              properties: {
                version: str,
                messageTypes: messageTypesSchema,
                testcasesByDirection: directionCountsSchema,
                codelistsComplete: { type: 'boolean' },
                codelistsNotShipped: {
                  type: 'array',
                  items: {
                    ...codelistNotShippedSchema,
                    properties: { ...(codelistNotShippedSchema.properties as object), profiles: { type: 'array', items: str } },
                  },
                },
                profiles: { type: 'array', items: profileSummarySchema },
              },
            },
          },
        },
      },
    },
  },
};

const testcaseResultSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'kind', 'verdict', 'submissions'],
  properties: {
    id: str,
    kind: { enum: ['submit', 'receive', 'live'] },
    title: str,
    optional: { type: 'boolean' },
    verdict: { enum: ['passed', 'failed', null], description: "The latest submission's verdict as the engine gave it" },
    outcome: {
      enum: ['passed', 'passed_with_deviation', 'failed', null],
      description: 'How the test case counts once active waivers are applied',
    },
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
    system: {
      type: 'object',
      properties: {
        id: str,
        name: str,
        version: str,
        fhirBaseUrl: {
          ...nullableStr,
          description: "The system version's FHIR API: where its live tests run, and count only as long as it stays registered",
        },
        fhirServerVerified: {
          type: 'boolean',
          description: "Whether the vendor proved control of that API's server (its challenge); until then no live test on it counts",
        },
      },
    },
    warnings: {
      type: 'array',
      items: str,
      description: 'When opened: draft profiles (a trial run, not declarable) and deprecated ones with their replacement',
    },
    createdAt: str,
    status: { enum: ['not_started', 'failing', 'passed', 'passed_with_deviation'] },
    testData: {
      type: ['object', 'null'],
      description:
        'The test data the run fixed when it opened. Every message the system submits must name this patient (where the message names a patient), come from systemParty, go to samsvarParty, carry a MsgId never seen before in the service and a GenDate after openedAt; an AppRec must come from systemParty and go to samsvarParty. Give it to `samsvar testcases check --run-data FILE` to judge offline as the service does.',
      properties: {
        runId: str,
        openedAt: str,
        patient: { type: 'object', properties: { fnr: str, hnr: str, givenName: str, familyName: str, dateOfBirth: str } },
        samsvarParty: { type: 'object', properties: { name: str, herId: str } },
        systemParty: { type: ['object', 'null'], properties: { name: str, herId: str } },
      },
    },
    profiles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['profile', 'status', 'testcases'],
        properties: {
          profile: str,
          version: str,
          sha256: str,
          uses: usedProfilesSchema,
          status: { enum: ['not_started', 'failing', 'passed', 'passed_with_deviation'] },
          testcases: { type: 'array', items: testcaseResultSchema },
        },
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
export const FHIR_TYPES = ['application/fhir+json', 'application/json', 'application/fhir+xml'];
export const ARTIFACT_TYPES = [...XML_TYPES, ...FHIR_TYPES];

export function formatOfMediaType(mediaType: string): 'xml' | 'fhir' {
  return XML_TYPES.includes(mediaType) ? 'xml' : 'fhir';
}
