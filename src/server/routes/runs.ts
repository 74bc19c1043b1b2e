import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { Submission } from '../../storage/submission-repository.js';
import { ARTIFACT_TYPES, arrayOf, formatOfMediaType, idSchema, runSchema, submissionSchema } from './schemas.js';

function submissionBody(s: Submission, withArtifact: boolean) {
  return {
    id: s.id,
    runId: s.runId,
    testcase: s.testcaseId,
    profile: s.profileId,
    verdict: s.verdict,
    findings: s.findings,
    validation: s.validation,
    contentType: s.contentType,
    artifactSha256: s.artifactSha256,
    artifactSize: s.artifactSize,
    findingsSha256: s.findingsSha256,
    createdAt: s.createdAt,
    ...(withArtifact ? { artifact: Buffer.from(s.artifact).toString('base64') } : {}),
  };
}

export const runRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'post',
    path: '/runs',
    operationId: 'openRun',
    summary: 'Open a test run of one of your system versions against message profiles',
    tags: ['runs'],
    auth: 'vendor',
    jsonBody: {
      type: 'object',
      required: ['systemVersionId', 'profiles'],
      additionalProperties: false,
      properties: { systemVersionId: idSchema, profiles: { type: 'array', minItems: 1, maxItems: 50, items: idSchema } },
    },
    responses: { 201: { description: 'Opened; each profile not started', schema: runSchema } },
    handler: async ({ principal, body }) => json(201, await ctx.runs.openRun(principal, body)),
  });

  api.add({
    method: 'get',
    path: '/runs',
    operationId: 'listRuns',
    summary: 'Your test runs, newest first',
    tags: ['runs'],
    auth: 'vendor',
    responses: {
      200: {
        description: 'Runs',
        schema: arrayOf({
          type: 'object',
          properties: { id: { type: 'string' }, systemVersionId: { type: 'string' }, createdAt: { type: 'string' } },
        }),
      },
    },
    handler: async ({ principal }) => json(200, await ctx.runs.listRuns(principal)),
  });

  api.add({
    method: 'get',
    path: '/runs/{id}',
    operationId: 'getRun',
    summary: "A run with each profile's status (not_started, failing, passed, passed_with_deviation) and each test case's latest result",
    description:
      'A test case whose latest submission failed only on rules an administrator waived (with a deadline still ahead) counts as passed_with_deviation, with the waived rules and deadlines listed.',
    tags: ['runs'],
    auth: 'any',
    responses: { 200: { description: 'The run', schema: runSchema } },
    handler: async ({ principal, params }) => json(200, await ctx.runs.getRun(principal, params.id)),
  });

  api.add({
    method: 'get',
    path: '/runs/{id}/testcases/{testcase}/message',
    operationId: 'getGeneratedMessage',
    summary: 'The message a receive test case sends to your system (generated once per run, then the same)',
    description:
      'Import it into your system, then submit the Applikasjonskvittering your system answers with to the submissions route. The MsgId is also in the X-Samsvar-MsgId header.',
    tags: ['runs'],
    auth: 'any',
    responses: { 200: { description: 'The generated message', mediaType: 'application/xml', schema: { type: 'string' } } },
    handler: async ({ principal, params }) => {
      const msg = await ctx.runs.generatedMessage(principal, params.id, params.testcase);
      return new Response(msg.xml, {
        status: 200,
        headers: { 'content-type': 'application/xml; charset=utf-8', 'x-samsvar-msgid': msg.msgId },
      });
    },
  });

  api.add({
    method: 'post',
    path: '/runs/{id}/submissions',
    operationId: 'submit',
    summary: 'Submit a message or resource for a test case of the run; answers with the verdict and findings',
    description:
      'The artifact is stored byte for byte with its SHA-256; a 201 means the submission and its findings are committed. ' +
      'Whoever opened the run submits: the vendor to its own runs, a laboratory to its re-test runs (POST /declarations/{id}/retests); anyone else is refused.',
    tags: ['runs'],
    auth: 'any',
    query: { testcase: { schema: idSchema, required: true, description: 'Test case id' } },
    rawBody: {
      mediaTypes: ARTIFACT_TYPES,
      description: 'The raw XML message (application/xml) or FHIR resource (application/fhir+json or application/fhir+xml)',
    },
    responses: { 201: { description: 'Evaluated and stored', schema: submissionSchema } },
    handler: async ({ principal, params, query, raw }) => {
      const sub = await ctx.runs.submit(
        principal,
        params.id,
        query.testcase,
        raw!.bytes,
        raw!.mediaType,
        formatOfMediaType(raw!.mediaType),
      );
      return json(201, submissionBody(sub, false), { location: `/api/v1/runs/${sub.runId}/submissions/${sub.id}` });
    },
  });

  api.add({
    method: 'post',
    path: '/runs/{id}/testcases/{testcase}/live',
    operationId: 'runLiveTest',
    summary:
      'Run a live test case of the run against your FHIR API; stored like a submission, with the record of every request as its artifact',
    description:
      "samsvar reads [base]/metadata of the FHIR API registered for the run's system version (fhirBaseUrl), runs the test case's reads and searches and validates every returned resource against the profile. " +
      "Only hosts the operator allows (SAMSVAR_FHIR_ALLOWED_HOSTS) are reached; the token is sent to the base URL's origin only and never stored. " +
      'Like submissions, only whoever opened the run (vendor, or laboratory for its re-test) runs it.',
    tags: ['runs'],
    auth: 'any',
    jsonBody: {
      type: 'object',
      additionalProperties: false,
      properties: {
        baseUrl: {
          type: 'string',
          minLength: 8,
          maxLength: 2000,
          description: "Optional: the FHIR base URL, which must be the one registered for the run's system version (the default)",
        },
        token: { type: 'string', minLength: 1, maxLength: 8000, description: 'Bearer token for the base URL' },
        parameters: {
          type: 'object',
          additionalProperties: { type: 'string', maxLength: 256 },
          description: 'Test data the test case asks for (GET /testcases/{id} lists its parameters)',
        },
      },
    },
    responses: { 201: { description: 'Run and stored', schema: submissionSchema } },
    handler: async ({ principal, params, body: input }) => {
      const sub = await ctx.runs.runLive(principal, params.id, params.testcase, {
        baseUrl: input.baseUrl,
        token: input.token,
        parameters: input.parameters ?? {},
      });
      return json(201, submissionBody(sub, false), { location: `/api/v1/runs/${sub.runId}/submissions/${sub.id}` });
    },
  });

  api.add({
    method: 'get',
    path: '/runs/{id}/submissions/{sid}',
    operationId: 'getSubmission',
    summary: 'A submission again, with its verdict, findings and the artifact (base64)',
    tags: ['runs'],
    auth: 'any',
    responses: { 200: { description: 'The submission', schema: submissionSchema } },
    handler: async ({ principal, params }) =>
      json(200, submissionBody(await ctx.runs.getSubmission(principal, params.id, params.sid), true)),
  });

  api.add({
    method: 'get',
    path: '/runs/{id}/submissions/{sid}/artifact',
    operationId: 'getSubmissionArtifact',
    summary: 'The submitted bytes exactly as received',
    tags: ['runs'],
    auth: 'any',
    responses: { 200: { description: 'The artifact, with its original content type', mediaType: 'application/octet-stream' } },
    handler: async ({ principal, params }) => {
      const sub = await ctx.runs.getSubmission(principal, params.id, params.sid);
      return new Response(Buffer.from(sub.artifact), {
        headers: { 'content-type': sub.contentType, 'x-samsvar-sha256': sub.artifactSha256 },
      });
    },
  });
};
