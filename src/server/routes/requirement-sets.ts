import { MAX_SYSTEMS_PER_PAGE } from '../../requirement-sets/requirement-set-service.js';
import { annexCsv, annexHtml } from '../../requirement-sets/procurement-annex.js';
import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { HTML_HEADERS } from '../security-headers.js';
import type { DeclarationFeature } from './declaration-context.js';

const setBody = {
  type: 'object',
  required: ['title', 'serviceType', 'requirements'],
  properties: {
    title: { type: 'string' },
    serviceType: { type: 'string', description: 'e.g. sykehjem, hjemmetjeneste, legevakt, fastlege' },
    description: { type: 'string' },
    basis: { type: 'string', description: 'The regulation or Referansekatalogen entry behind the requirements' },
    requirements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['profile', 'level'],
        properties: {
          profile: { type: 'string' },
          direction: { enum: ['send', 'receive'] },
          level: { enum: ['mandatory', 'recommended'] },
          note: { type: 'string' },
        },
      },
    },
  },
};

const ANNEX = /^(.+?)(\.html|\.csv)?$/;

export const requirementSetRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    const svc = () => f.requirementSets(ctx);

    api.add({
      method: 'get',
      path: '/requirement-sets',
      operationId: 'listRequirementSets',
      summary: 'Requirement sets (kravsett) per service type',
      tags: ['requirement-sets'],
      auth: 'public',
      responses: { 200: { description: 'The sets', schema: { type: 'array', items: setBody } } },
      handler: async () => json(200, await svc().list()),
    });

    api.add({
      method: 'put',
      path: '/requirement-sets/{id}',
      operationId: 'putRequirementSet',
      summary: 'Create or replace a requirement set (administrators)',
      tags: ['requirement-sets', 'admin'],
      auth: 'admin',
      // Validated in full by the domain (parseRequirementSet), which also checks the profiles exist.
      jsonBody: { type: 'object' },
      responses: { 200: { description: 'Stored', schema: setBody } },
      handler: async ({ principal, params, body }) => json(200, await svc().put(principal, params.id, body)),
    });

    api.add({
      method: 'delete',
      path: '/requirement-sets/{id}',
      operationId: 'deleteRequirementSet',
      summary: 'Delete a requirement set (administrators)',
      tags: ['requirement-sets', 'admin'],
      auth: 'admin',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ principal, params }) => {
        await svc().delete(principal, params.id);
        return new Response(null, { status: 204 });
      },
    });

    api.add({
      method: 'get',
      path: '/requirement-sets/{id}',
      operationId: 'getRequirementSet',
      summary: "A requirement set with each system's coverage from active declarations; .html or .csv gives the procurement annex",
      tags: ['requirement-sets'],
      description:
        "The JSON answer is paged by system version (system name, version, organisasjonsnummer; each page sorted by coverage) and reads only the declarations of the set's profiles; the annex lists every system.",
      auth: 'public',
      query: {
        limit: {
          schema: { type: 'integer', minimum: 1, maximum: MAX_SYSTEMS_PER_PAGE },
          description: `Systems per page, default 100, at most ${MAX_SYSTEMS_PER_PAGE}`,
        },
        offset: { schema: { type: 'integer', minimum: 0, maximum: 1000000 }, description: 'Systems to skip' },
      },
      responses: {
        200: {
          description:
            'The set, how many systems have an active declaration for it, and a page of their coverage (JSON); or the annex (text/html, text/csv)',
          schema: { type: 'object' },
        },
      },
      handler: async ({ c, params, query }) => {
        const [, id, suffix] = ANNEX.exec(params.id)!;
        if (!suffix) {
          const { limit = 100, offset = 0 } = query;
          const { set, total, systems } = await svc().coverage(id!, limit, offset);
          return json(200, { set, total, coverage: systems });
        }
        const { set, systems } = await svc().fullCoverage(id!);
        const annexCtx = { profileTitle: svc().profileTitle, registryUrl: `${f.baseUrl(c)}/api/v1/registry`, now: svc().clock() };
        if (suffix === '.html') return new Response(annexHtml(set, systems, annexCtx), { headers: HTML_HEADERS });
        return new Response(annexCsv(set, systems, annexCtx), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="kravsett-${set.id}.csv"` },
        });
      },
    });
  };
