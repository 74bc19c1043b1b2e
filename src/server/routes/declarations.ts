import { SamsvarError } from '../../core/samsvar-error.js';
import { DOCUMENT_MEDIA_TYPES, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS } from '../../declarations/documentation.js';
import { ISSUANCE_LIMITS } from '../../declarations/issuance.js';
import type { DeclarationView } from '../../declarations/render/declaration-view.js';
import { renderDeclarationFhir } from '../../declarations/render/render-fhir.js';
import { renderDeclarationHtml } from '../../declarations/render/render-html.js';
import { renderDeclarationPdf } from '../../declarations/render/render-pdf.js';
import { json } from '../api-router.js';
import { parseJsonBody, utf8Body } from '../body.js';
import type { RouteModule } from '../api-router.js';
import { HTML_HEADERS } from '../security-headers.js';
import type { DeclarationFeature } from './declaration-context.js';
import { idSchema } from './schemas.js';

const obj = { type: 'object' } as const;
/** Not blank: at least two characters and something besides whitespace. */
const statedText = (max: number, description: string) =>
  ({ type: 'string', minLength: 2, maxLength: max, pattern: '\\S', description }) as const;

/** EHDS Annex IV: where the declaration is issued and who signs it for the manufacturer. */
const issuanceProperties = {
  placeOfIssue: statedText(ISSUANCE_LIMITS.placeOfIssue, 'Place of issue, e.g. "Oslo"'),
  signatory: {
    type: 'object',
    required: ['name', 'function'],
    additionalProperties: false,
    description: 'The person who signs on behalf of the manufacturer',
    properties: {
      name: statedText(ISSUANCE_LIMITS.name, 'Full name'),
      function: statedText(ISSUANCE_LIMITS.function, 'Function at the manufacturer, e.g. "daglig leder"'),
    },
  },
} as const;

export const issueBodySchema = {
  type: 'object',
  required: ['placeOfIssue', 'signatory'],
  additionalProperties: false,
  properties: issuanceProperties,
} as const;

export const selfDeclarationBodySchema = {
  type: 'object',
  required: ['profiles', 'documents', 'placeOfIssue', 'signatory'],
  additionalProperties: false,
  properties: {
    profiles: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      description: 'The profiles and directions declared',
      items: {
        type: 'object',
        required: ['profile', 'direction'],
        additionalProperties: false,
        properties: { profile: idSchema, direction: { enum: ['send', 'receive'] } },
      },
    },
    documents: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DOCUMENTS,
      description: `The documentation the declaration rests on; each at most ${MAX_DOCUMENT_BYTES} bytes`,
      items: {
        type: 'object',
        required: ['name', 'mediaType', 'content'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          mediaType: { enum: [...DOCUMENT_MEDIA_TYPES] },
          content: { type: 'string', minLength: 4, description: 'The bytes, base64' },
        },
      },
    },
    ...issuanceProperties,
  },
} as const;

export const declarationSchema = {
  type: 'object',
  required: ['id', 'status', 'assuranceLevel', 'declaration', 'jws'],
  properties: {
    id: { type: 'string' },
    status: { enum: ['active', 'revoked', 'superseded', 'expired'] },
    statusReason: { type: 'string' },
    retestRequired: {
      type: 'array',
      description: 'Profiles with a newer version to re-test against by the deadline, or the declaration expires',
      items: {
        type: 'object',
        properties: {
          profile: { type: 'string' },
          version: { type: 'string' },
          newVersion: { type: 'string' },
          deadline: { type: 'string' },
        },
      },
    },
    assuranceLevel: { enum: ['A', 'B', 'C'] },
    declaration: { ...obj, description: 'The signed content (the JWS payload)' },
    countersignatures: {
      type: 'array',
      items: {
        ...obj,
        description:
          "A laboratory's confirmation (level C): the signed content and its compact JWS (`jws`), which binds this declaration's token by SHA-256",
      },
    },
    jws: { type: 'string', description: 'The compact JWS (EdDSA); verify it against /.well-known/jwks.json' },
    jwsSha256: { type: 'string' },
    links: obj,
  },
};

export function declarationBody(v: DeclarationView) {
  const id = v.declaration.id;
  const base = `${v.baseUrl}/api/v1/declarations/${id}`;
  return {
    id,
    status: v.status.status,
    ...(v.status.reason ? { statusReason: v.status.reason } : {}),
    ...(v.status.retestRequired ? { retestRequired: v.status.retestRequired } : {}),
    ...(v.status.supersededBy ? { supersededBy: v.status.supersededBy } : {}),
    assuranceLevel: v.assuranceLevel,
    manufacturerIdentity: v.manufacturerIdentity ?? 'unverified',
    declaration: v.declaration,
    countersignatures: v.countersignatures,
    jws: v.jws,
    jwsSha256: v.jwsSha256,
    links: {
      self: base,
      jws: `${base}.jws`,
      html: `${base}.html`,
      pdf: `${base}.pdf`,
      fhir: `${base}.fhir.json`,
      verify: `${v.baseUrl}/api/v1/declarations/verify`,
      jwks: `${v.baseUrl}/.well-known/jwks.json`,
    },
  };
}

const RENDERING = /^(.+?)(\.jws|\.html|\.pdf|\.fhir\.json|\.json)?$/;

export const declarationRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    const svc = () => f.service(ctx);

    api.add({
      method: 'post',
      path: '/runs/{id}/declaration',
      operationId: 'issueDeclaration',
      summary: 'Issue a signed self-declaration (level B) covering the passed profiles of your run',
      description:
        'Covers the profiles whose test cases all passed (waived findings listed as deviations). State the place of issue and who signs for the manufacturer. ' +
        "Refused with 422 and the reason per profile when none passed; another vendor's run is 404.",
      tags: ['declarations'],
      auth: 'vendor',
      jsonBody: issueBodySchema,
      responses: { 201: { description: 'Issued (level B)', schema: declarationSchema } },
      handler: async ({ c, principal, params, body }) => {
        const stored = await svc().issue(principal, params.id, f.baseUrl(c), body);
        const view = await svc().view(stored.id, f.baseUrl(c));
        return json(201, declarationBody(view), { location: `/api/v1/declarations/${stored.id}` });
      },
    });

    api.add({
      method: 'post',
      path: '/systems/{id}/versions/{version}/declaration',
      operationId: 'issueSelfDeclaration',
      summary: 'Issue a level A self-declaration for your system version: named profiles, backed by documentation you upload, not tested',
      description:
        "Level A is the vendor's own word with documentation: samsvar runs no test. The documents (PDF, text or Markdown, base64) are stored with their SHA-256, " +
        "and the signed declaration lists the digests. Every rendering and the registry mark it as level A. Another vendor's system version is 404.",
      tags: ['declarations'],
      auth: 'vendor',
      jsonBody: selfDeclarationBodySchema,
      responses: { 201: { description: 'Issued (level A)', schema: declarationSchema } },
      handler: async ({ c, principal, params, body: req }) => {
        const stored = await svc().issueSelfDeclared(principal, params.id, params.version, req, f.baseUrl(c));
        const view = await svc().view(stored.id, f.baseUrl(c));
        return json(201, declarationBody(view), { location: `/api/v1/declarations/${stored.id}` });
      },
    });

    api.add({
      method: 'get',
      path: '/declarations/{id}/documents/{sha256}',
      operationId: 'getDeclarationDocument',
      summary:
        "A document a level A declaration rests on, by the SHA-256 the declaration lists (the declaration's vendor, administrators, laboratories)",
      tags: ['declarations'],
      auth: 'any',
      responses: { 200: { description: 'The document exactly as uploaded', mediaType: 'application/octet-stream' } },
      handler: async ({ principal, params }) => {
        const doc = await svc().document(principal, params.id, params.sha256);
        return new Response(Buffer.from(doc.bytes), {
          headers: {
            'content-type': doc.digest.mediaType,
            'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(doc.digest.name)}`,
            'x-samsvar-sha256': doc.digest.sha256,
          },
        });
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/verify',
      operationId: 'verifyDeclaration',
      summary: 'Verify a declaration: signature, signing key and current status',
      description:
        'Send the compact JWS as the body (application/jose) or as {"jws": "…"}. Always 200: `valid` says whether the signature holds.',
      tags: ['declarations'],
      auth: 'public',
      rateLimited: true,
      rawBody: { mediaTypes: ['application/jose', 'application/json', 'text/plain'], description: 'The compact JWS, or {"jws": "…"}' },
      responses: {
        200: {
          description: 'The verdict',
          schema: {
            type: 'object',
            required: ['valid'],
            properties: {
              valid: { type: 'boolean' },
              kid: { type: 'string' },
              status: { type: 'string' },
              reason: { type: 'string' },
              declarationId: { type: 'string' },
            },
          },
        },
      },
      handler: async ({ raw }) => {
        let jws: string;
        if (raw!.mediaType === 'application/json') {
          const candidate = (parseJsonBody(raw!.bytes) as { jws?: unknown } | null)?.jws;
          if (typeof candidate !== 'string')
            throw new SamsvarError('bad_request', 'send {"jws": "<compact JWS>"} or the JWS itself as application/jose');
          jws = candidate.trim();
        } else jws = utf8Body(raw!.bytes).trim();
        if (!jws) throw new SamsvarError('bad_request', 'the body is empty; send the compact JWS');
        return json(200, await svc().verify(jws));
      },
    });

    api.add({
      method: 'get',
      path: '/declarations/{id}',
      operationId: 'getDeclaration',
      summary: 'A declaration: JSON, or by suffix .jws, .html (bokmål), .pdf or .fhir.json (Bundle of TestReport)',
      tags: ['declarations'],
      auth: 'public',
      responses: {
        200: { description: 'The declaration in the rendering the suffix asks for (JSON without one)', schema: declarationSchema },
      },
      handler: async ({ c, params }) => {
        const [, id, suffix] = RENDERING.exec(params.id)!;
        const view = await svc().view(id!, f.baseUrl(c));
        switch (suffix) {
          case '.jws':
            return new Response(view.jws, {
              headers: { 'content-type': 'application/jose', 'content-disposition': `attachment; filename="${id}.jws"` },
            });
          case '.html':
            return new Response(renderDeclarationHtml(view), { headers: HTML_HEADERS });
          case '.pdf':
            return new Response(new Uint8Array(await renderDeclarationPdf(view)), {
              headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${id}.pdf"` },
            });
          case '.fhir.json':
            return new Response(JSON.stringify(renderDeclarationFhir(view)), { headers: { 'content-type': 'application/fhir+json' } });
          default:
            return json(200, declarationBody(view));
        }
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/{id}/revoke',
      operationId: 'revokeDeclaration',
      summary: 'Revoke a declaration, with a reason (administrators); logged in the transparency log',
      tags: ['declarations', 'admin'],
      auth: 'admin',
      jsonBody: {
        type: 'object',
        required: ['reason'],
        additionalProperties: false,
        properties: { reason: { type: 'string', minLength: 3, maxLength: 2000 } },
      },
      responses: { 200: { description: 'Revoked', schema: declarationSchema }, 409: { description: 'Already revoked' } },
      handler: async ({ c, principal, params, body }) => {
        await svc().revoke(principal, params.id, body.reason.trim());
        return json(200, declarationBody(await svc().view(params.id, f.baseUrl(c))));
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/{id}/withdraw',
      operationId: 'withdrawDeclaration',
      summary: "Withdraw your own declaration, with a reason (the declaration's vendor); logged as `withdrawn` in the transparency log",
      description:
        'A newer declaration never supersedes one of a higher level (a B does not replace a laboratory-confirmed C); withdraw the older one instead.',
      tags: ['declarations'],
      auth: 'vendor',
      jsonBody: {
        type: 'object',
        required: ['reason'],
        additionalProperties: false,
        properties: { reason: { type: 'string', minLength: 3, maxLength: 2000 } },
      },
      responses: {
        200: { description: 'Withdrawn (status revoked, cause withdrawn)', schema: declarationSchema },
        409: { description: 'Already revoked or withdrawn' },
      },
      handler: async ({ c, principal, params, body }) => {
        await svc().withdraw(principal, params.id, body.reason.trim());
        return json(200, declarationBody(await svc().view(params.id, f.baseUrl(c))));
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/{id}/countersign',
      operationId: 'countersignDeclaration',
      summary: "Confirm a B declaration after the laboratory's own re-test, lifting it to C (laboratories only)",
      description:
        'Name the re-test run the laboratory opened (POST /declarations/{id}/retests) and, optionally, the test cases it re-ran (default: all the declaration lists). ' +
        "Each must have passed in that run on the laboratory's own submissions; the countersignature signs them with their SHA-256. An administrator token is refused (403).",
      tags: ['declarations', 'admin'],
      auth: 'admin_or_lab',
      jsonBody: {
        type: 'object',
        required: ['runId'],
        additionalProperties: false,
        properties: { runId: idSchema, testCases: { type: 'array', minItems: 1, maxItems: 200, items: idSchema } },
      },
      responses: {
        200: { description: 'Countersigned', schema: declarationSchema },
        409: { description: 'Not an active B declaration, or already countersigned' },
        422: {
          description: "The run is not this laboratory's re-test of the declared system version, or a named test case has not passed in it",
        },
      },
      handler: async ({ c, principal, params, body }) => {
        await svc().countersign(principal, params.id, body);
        return json(200, declarationBody(await svc().view(params.id, f.baseUrl(c))));
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/{id}/retests',
      operationId: 'openLabRetest',
      summary: "Open a laboratory's re-test run on the declared system version and profiles (laboratories)",
      description:
        'The laboratory submits its own artifacts to this run (POST /runs/{id}/submissions, or `samsvar submit` with the lab token); only it can. Then it countersigns naming the run.',
      tags: ['declarations', 'admin'],
      auth: 'admin_or_lab',
      responses: { 201: { description: 'The run', schema: obj }, 409: { description: 'Not an active B declaration' } },
      handler: async ({ principal, params }) => {
        const run = await svc().openLabRetest(principal, params.id);
        return json(201, run, { location: `/api/v1/runs/${run.id}` });
      },
    });

    api.add({
      method: 'post',
      path: '/declarations/{id}/spot-checks',
      operationId: 'requestSpotCheck',
      summary: 'Order a spot check (stikkprøve): the vendor must re-run the chosen test cases by the deadline (administrators)',
      tags: ['declarations', 'admin'],
      auth: 'admin',
      jsonBody: {
        type: 'object',
        required: ['testCases', 'deadline'],
        additionalProperties: false,
        properties: {
          testCases: { type: 'array', minItems: 1, maxItems: 100, items: idSchema },
          deadline: { type: 'string', format: 'date-time' },
        },
      },
      responses: { 201: { description: 'Ordered', schema: obj } },
      handler: async ({ principal, params, body }) => json(201, await svc().requestSpotCheck(principal, params.id, body)),
    });

    api.add({
      method: 'get',
      path: '/declarations/{id}/spot-checks',
      operationId: 'listSpotChecks',
      summary: "Spot checks on a declaration (administrators, laboratories, and the declaration's vendor)",
      tags: ['declarations'],
      auth: 'any',
      responses: { 200: { description: 'Spot checks', schema: { type: 'array', items: obj } } },
      handler: async ({ principal, params }) => json(200, await svc().spotChecks(principal, params.id)),
    });

    api.add({
      method: 'post',
      path: '/spot-checks/{id}/answer',
      operationId: 'answerSpotCheck',
      summary: 'Answer a spot check with a new run of the same system version; a failed or late answer revokes the declaration',
      tags: ['declarations'],
      auth: 'vendor',
      jsonBody: { type: 'object', required: ['runId'], additionalProperties: false, properties: { runId: idSchema } },
      responses: { 200: { description: 'The spot check with its outcome', schema: obj } },
      handler: async ({ principal, params, body }) => json(200, await svc().answerSpotCheck(principal, params.id, body.runId)),
    });
  };
