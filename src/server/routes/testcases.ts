import { SamsvarError } from '../../core/samsvar-error.js';
import { testcasesOf } from '../../runs/testcase-suite.js';
import { directionOf, type Testcase } from '../../testcases/testcase.js';
import { json, type RouteModule } from '../api-router.js';
import { arrayOf, testcaseSummarySchema } from './schemas.js';

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
      const profile = query.profile as string | undefined;
      if (profile) ctx.catalog.require(profile);
      const list = profile ? testcasesOf(ctx.testcases, profile) : ctx.testcases.list();
      return json(200, list.map(testcaseSummary));
    },
  });

  api.add({
    method: 'get',
    path: '/testcases/{id}',
    operationId: 'getTestcase',
    summary: 'One test case',
    tags: ['profiles'],
    auth: 'public',
    responses: { 200: { description: 'The test case', schema: testcaseSummarySchema } },
    handler: ({ params }) => {
      const tc = ctx.testcases.list().find((t) => t.id === params.id);
      if (!tc) throw new SamsvarError('not_found', `test case '${params.id}' not found`);
      return json(200, testcaseSummary(tc));
    },
  });
};
