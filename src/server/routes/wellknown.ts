import type { RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';

export const jwksSchema = { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } };

export const wellKnownRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    api.add({
      method: 'get',
      path: '/.well-known/jwks.json',
      absolute: true,
      operationId: 'jwks',
      summary: 'The public Ed25519 keys that sign declarations and the log head: the current key first, then retired ones',
      tags: ['declarations'],
      auth: 'public',
      responses: { 200: { description: 'JWKS (RFC 7517)', mediaType: 'application/jwk-set+json', schema: jwksSchema } },
      handler: async () =>
        new Response(JSON.stringify(await f.service(ctx).jwks()), {
          headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' },
        }),
    });
  };
