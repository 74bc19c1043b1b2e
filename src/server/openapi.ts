import type { ApiRouter, JsonSchema, RouteDef } from './api-router.js';

export const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (body, query or JSON)',
  401: 'No token, or a token that is unknown or revoked',
  403: "The token's role may not do this",
  404: "Not found (also another vendor's object)",
  409: 'Conflicts with existing data',
  413: 'Body larger than the configured limit',
  415: 'Wrong content type',
  422: 'Well-formed but semantically invalid',
  429: 'Rate limited; see Retry-After',
  500: 'Internal error',
  503: 'Too many validations waiting; see Retry-After',
};

function errorStatuses(def: RouteDef): number[] {
  const s = [400, 404, 500];
  if (def.auth !== 'public') s.push(401, 403);
  if (def.jsonBody || def.rawBody) s.push(409, 413, 415, 422);
  // A message or resource sent to be validated waits for a validation worker; too many waiting is a 503.
  if (def.rawBody?.mediaTypes.some((t) => t === 'application/xml' || t === 'application/fhir+json')) s.push(503);
  if (def.rateLimited) s.push(429);
  return s.sort();
}

function operation(router: ApiRouter, def: RouteDef): Record<string, unknown> {
  const params: unknown[] = [...router.fullPath(def).matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  for (const [name, q] of Object.entries(def.query ?? {})) {
    params.push({
      name,
      in: 'query',
      required: q.required ?? false,
      schema: q.schema,
      ...(q.description ? { description: q.description } : {}),
    });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(def.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema || r.mediaType ? { content: { [r.mediaType ?? 'application/json']: { schema: r.schema ?? {} } } } : {}),
    };
  }
  for (const status of errorStatuses(def)) {
    responses[String(status)] ??= {
      description: ERROR_DESCRIPTIONS[status],
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  let requestBody: unknown;
  if (def.jsonBody) requestBody = { required: true, content: { 'application/json': { schema: def.jsonBody } } };
  if (def.rawBody) {
    requestBody = {
      required: true,
      description: def.rawBody.description,
      content: Object.fromEntries(def.rawBody.mediaTypes.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])),
    };
  }
  return {
    operationId: def.operationId,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    tags: def.tags,
    ...(params.length ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: def.auth === 'public' ? [] : [{ bearerAuth: [] }],
    ...(def.auth !== 'public' ? { 'x-samsvar-role': def.auth } : {}),
  };
}

/** The OpenAPI 3.1 document of every route registered on the router, built from the same definitions that serve them. */
export function buildOpenApi(router: ApiRouter, info: { version: string; serverUrl?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of router.routes) {
    const p = router.fullPath(def);
    (paths[p] ??= {})[def.method] = operation(router, def);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'samsvar',
      version: info.version,
      description:
        "Conformance testing for the godkjenningsordning for EPJ systems: vendors register systems, open test runs against message profiles, submit messages and FHIR resources, and follow each profile's status.",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A vendor, administrator or laboratory API token' } },
    },
  };
}
