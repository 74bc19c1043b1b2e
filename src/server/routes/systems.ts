import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { arrayOf, fhirServerStatusSchema, systemSchema, systemVersionSchema } from './schemas.js';

const FHIR_BASE_URL = {
  type: 'string',
  minLength: 8,
  maxLength: 2000,
  description:
    "The system's FHIR API, e.g. https://fhir.vendor.no/r4: the only base URL its live tests run against. No other vendor may register the same.",
} as const;

export const systemRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'post',
    path: '/systems',
    operationId: 'createSystem',
    summary: 'Register one of your EPJ systems',
    tags: ['systems'],
    auth: 'vendor',
    jsonBody: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 4000 } },
    },
    responses: { 201: { description: 'Created', schema: systemSchema } },
    handler: async ({ principal, body }) => json(201, await ctx.runs.createSystem(principal, body)),
  });

  api.add({
    method: 'get',
    path: '/systems',
    operationId: 'listSystems',
    summary: 'Your EPJ systems with their versions',
    tags: ['systems'],
    auth: 'vendor',
    responses: { 200: { description: 'Systems', schema: arrayOf(systemSchema) } },
    handler: async ({ principal }) => json(200, await ctx.runs.listSystems(principal)),
  });

  api.add({
    method: 'get',
    path: '/systems/{id}',
    operationId: 'getSystem',
    summary: 'One of your systems',
    tags: ['systems'],
    auth: 'any',
    responses: { 200: { description: 'The system', schema: systemSchema } },
    handler: async ({ principal, params }) => json(200, await ctx.runs.getSystem(principal, params.id)),
  });

  api.add({
    method: 'post',
    path: '/systems/{id}/versions',
    operationId: 'createSystemVersion',
    summary: 'Add a version of one of your systems',
    tags: ['systems'],
    auth: 'vendor',
    jsonBody: {
      type: 'object',
      required: ['version'],
      additionalProperties: false,
      properties: {
        version: { type: 'string', minLength: 1, maxLength: 100 },
        releasedAt: {
          type: 'string',
          anyOf: [{ format: 'date' }, { format: 'date-time' }],
          description: 'Release date (YYYY-MM-DD or a date-time)',
        },
        herId: {
          type: 'string',
          pattern: '^\\s*[0-9]{1,9}\\s*$',
          description:
            "HER-id of the system's own test communication party (address register): the sender of every message it submits in a run, the receiver of every message samsvar generates for it. Required before a run of message (XML) profiles.",
        },
        fhirBaseUrl: FHIR_BASE_URL,
      },
    },
    responses: { 201: { description: 'Created', schema: systemVersionSchema } },
    handler: async ({ principal, params, body }) => json(201, await ctx.runs.createVersion(principal, params.id, body)),
  });

  api.add({
    method: 'put',
    path: '/systems/{id}/versions/{version}/fhir-base-url',
    operationId: 'setSystemVersionFhirBaseUrl',
    summary: 'Register or move the FHIR API of one of your system versions',
    description:
      'Live tests of the version run against this base URL only. Moving it makes every live test run against the previous one stop counting (the run shows why); run them again. ' +
      'A base URL another vendor registered is refused (409).',
    tags: ['systems'],
    auth: 'vendor',
    jsonBody: { type: 'object', required: ['fhirBaseUrl'], additionalProperties: false, properties: { fhirBaseUrl: FHIR_BASE_URL } },
    responses: { 200: { description: 'Registered', schema: systemVersionSchema } },
    handler: async ({ principal, params, body }) =>
      json(200, await ctx.runs.setFhirBaseUrl(principal, params.id, params.version, body.fhirBaseUrl)),
  });

  api.add({
    method: 'get',
    path: '/systems/{id}/versions/{version}/fhir-base-url',
    operationId: 'getSystemVersionFhirServer',
    summary: "Your system version's FHIR API, whether its server is verified as yours, and the challenge that verifies it",
    description:
      'Registering a base URL is no proof of controlling its server. Serve challenge.answer as the whole body of challenge.url ' +
      "(at the base URL's origin, HTTP 200), then POST .../fhir-base-url/verify; no live test runs or counts on the server until then.",
    tags: ['systems'],
    auth: 'vendor',
    responses: { 200: { description: 'The FHIR API and its server', schema: fhirServerStatusSchema } },
    handler: async ({ principal, params }) => json(200, await ctx.runs.fhirServerStatus(principal, params.id, params.version)),
  });

  api.add({
    method: 'post',
    path: '/systems/{id}/versions/{version}/fhir-base-url/verify',
    operationId: 'verifySystemVersionFhirServer',
    summary: "Prove you control the server of your system version's FHIR API",
    description:
      'samsvar fetches the challenge URL under the rules of a live test (operator allowlist, address checks, redirects only within the origin) ' +
      'and records the server as verified as yours when it answers 200 with your answer. 422 says what was fetched and what came back; 409, that another vendor has verified it.',
    tags: ['systems'],
    auth: 'vendor',
    responses: { 200: { description: 'Verified', schema: fhirServerStatusSchema } },
    handler: async ({ principal, params }) => json(200, await ctx.runs.verifyFhirServer(principal, params.id, params.version)),
  });
};
