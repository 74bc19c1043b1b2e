import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';

const jwksSchema = { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } };

export const wellKnownRoutes = (f: DeclarationFeature): RouteModule => (api, ctx) => {
  api.add({
    method: 'get',
    path: '/.well-known/jwks.json',
    absolute: true,
    operationId: 'jwks',
    summary: 'The public Ed25519 keys that sign declarations and the log head: the current key first, then retired ones',
    tags: ['declarations'],
    auth: 'public',
    responses: { 200: { description: 'JWKS (RFC 7517)', mediaType: 'application/jwk-set+json', schema: jwksSchema } },
    handler: () => new Response(JSON.stringify(f.service(ctx).jwks), { headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' } }),
  });

  api.add({
    method: 'post',
    path: '/admin/signing-key/rotate',
    operationId: 'rotateSigningKey',
    summary: 'Replace the embedded signing key; the retired public key stays in the JWKS (administrators)',
    tags: ['admin'],
    auth: 'admin',
    responses: { 200: { description: 'The new JWKS', schema: jwksSchema }, 409: { description: 'The key comes from SAMSVAR_SIGNING_KEY' } },
    handler: async () => json(200, (await f.service(ctx).rotateKey()).jwks),
  });
};
