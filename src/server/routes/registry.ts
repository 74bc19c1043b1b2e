import { atomFeed, jsonFeed } from '../../registry/feed.js';
import { registrySummary } from '../../registry/registry-view.js';
import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';

const text = (max: number) => ({ schema: { type: 'string', maxLength: max } }) as const;

export const registryRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    const svc = () => f.service(ctx);

    api.add({
      method: 'get',
      path: '/registry',
      operationId: 'searchRegistry',
      summary: 'The public registry of declarations with their current status',
      tags: ['registry'],
      auth: 'public',
      query: {
        profile: { ...text(100), description: 'Profile id, e.g. dialogmelding-1.1-foresporsel' },
        vendor: { ...text(200), description: 'Vendor name (part of it) or organisasjonsnummer' },
        system: { ...text(200), description: 'System name (part of it)' },
        q: { ...text(200), description: 'Free text over vendor, system, version and profiles' },
        status: {
          schema: { enum: ['active', 'revoked', 'superseded', 'expired'] },
          description:
            'Status as recorded (every read and the sweep record changes); an entry whose status changed since is left out of its page',
        },
        level: { schema: { enum: ['A', 'B', 'C'] }, description: 'Effective assurance level (C: confirmed by a laboratory)' },
        limit: { schema: { type: 'integer', minimum: 1, maximum: 500 }, description: 'Page size, default 100, at most 500' },
        offset: { schema: { type: 'integer', minimum: 0, maximum: 1000000 }, description: 'Entries to skip (newest first)' },
      },
      responses: {
        200: {
          description: 'Matching declarations, newest first',
          schema: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: { type: 'object' } } } },
        },
      },
      handler: async ({ c, query }) => {
        const { limit = 100, offset = 0, ...filter } = query;
        // Filtered and paged in the database: the cost follows the page, not the registry.
        const page = await svc().registryPage(limit, offset, filter);
        return json(200, { total: page.total, items: page.entries.map((e) => registrySummary(e, f.baseUrl(c))) });
      },
    });

    const feedRoute = (path: string, forceJson: boolean) =>
      api.add({
        method: 'get',
        path,
        operationId: forceJson ? 'registryFeedJson' : 'registryFeed',
        summary: forceJson
          ? 'Changes to the registry as JSON Feed 1.1, newest first'
          : 'Changes to the registry as an Atom feed (or JSON Feed with Accept: application/feed+json), newest first',
        description: 'One entry per issuance, countersignature and status change (revoked, superseded, expired).',
        tags: ['registry'],
        auth: 'public',
        responses: { 200: { description: 'The feed', mediaType: forceJson ? 'application/feed+json' : 'application/atom+xml' } },
        handler: async ({ c }) => {
          const items = await svc().feedItems();
          const base = f.baseUrl(c);
          const accept = c.req.header('accept') ?? '';
          if (forceJson || /application\/(feed\+)?json/.test(accept)) {
            return new Response(JSON.stringify(jsonFeed(items, base)), {
              headers: { 'content-type': 'application/feed+json; charset=utf-8' },
            });
          }
          return new Response(atomFeed(items, base, svc().clock()), { headers: { 'content-type': 'application/atom+xml; charset=utf-8' } });
        },
      });
    feedRoute('/registry/feed', false);
    feedRoute('/registry/feed.json', true);
  };
