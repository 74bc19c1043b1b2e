import { json, type RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';
import { jwksSchema } from './wellknown.js';

/** /admin/signing-key: replacing the key that signs declarations and the log head. */
export const signingKeyRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    api.add({
      method: 'post',
      path: '/admin/signing-key/rotate',
      operationId: 'rotateSigningKey',
      summary:
        "Replace the deployment's signing key; the retired public key stays in the JWKS; audited and logged in the transparency log (administrators)",
      tags: ['admin'],
      auth: 'admin',
      responses: {
        200: { description: 'The new JWKS', schema: jwksSchema },
        409: { description: 'The key comes from SAMSVAR_SIGNING_KEY' },
      },
      handler: async ({ principal }) => json(200, (await f.service(ctx).rotateKey(principal)).jwks),
    });
  };
