import { SamsvarError } from '../../core/samsvar-error.js';
import { testcasesOf } from '../../runs/testcase-suite.js';
import { judgementOf } from '../../testcases/judgement.js';
import { publishedTestcaseSchema } from '../../testcases/testcase-schema.js';
import { directionOf, type Testcase } from '../../testcases/testcase.js';
import { json, type RouteModule } from '../api-router.js';
import { arrayOf, testcaseDetailSchema, testcaseSummarySchema } from './schemas.js';

export function testcaseSummary(tc: Testcase) {
  return {
    id: tc.id,
    profile: tc.profile,
    kind: tc.kind,
    direction: directionOf(tc),
    title: tc.title,
    description: tc.description,
    optional: tc.optional ?? false,
    ...(tc.order !== undefined ? { order: tc.order } : {}),
    requirements: tc.requirements ?? [],
    ...(tc.kind === 'live' ? { parameters: tc.parameters ?? [] } : {}),
  };
}

/** /testcases: the test descriptions, public. */
export const testcaseRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'get',
    path: '/testcases',
    operationId: 'listTestcases',
    summary: 'Test cases (test descriptions), optionally of one profile',
    tags: ['profiles'],
    auth: 'public',
    query: { profile: { schema: { type: 'string', maxLength: 100 }, description: 'Profile id' } },
    responses: { 200: { description: 'Test cases', schema: arrayOf(testcaseSummarySchema) } },
    handler: ({ query }) => {
      const profile = query.profile;
      if (profile) ctx.catalog.require(profile);
      const list = profile ? testcasesOf(ctx.testcases, profile) : ctx.testcases.list();
      return json(200, list.map(testcaseSummary));
    },
  });

  api.add({
    method: 'get',
    path: '/testcase.schema.json',
    operationId: 'getTestcaseSchema',
    summary: 'The JSON Schema of test case files (testcase.schema.json), the one the loader checks them with',
    tags: ['profiles'],
    auth: 'public',
    responses: { 200: { description: 'JSON Schema (draft-07)', schema: { type: 'object' } } },
    handler: () =>
      new Response(JSON.stringify(publishedTestcaseSchema(), null, 2), {
        status: 200,
        headers: { 'content-type': 'application/schema+json' },
      }),
  });

  api.add({
    method: 'get',
    path: '/testcases/{id}',
    operationId: 'getTestcase',
    summary: 'One test case, with how it is judged',
    description:
      'Besides the description, `judgement` lists everything the evaluation checks: the profile(s) the artifact must pass, each assertion with its XPath (and context) or FHIRPath and the message of its finding, and for receive test cases the generated message and the AppRec status and error codes expected.',
    tags: ['profiles'],
    auth: 'public',
    responses: { 200: { description: 'The test case', schema: testcaseDetailSchema } },
    handler: ({ params }) => {
      const tc = ctx.testcases.list().find((t) => t.id === params.id);
      if (!tc) throw new SamsvarError('not_found', `test case '${params.id}' not found`);
      return json(200, { ...testcaseSummary(tc), judgement: judgementOf(tc, ctx.catalog) });
    },
  });
};
