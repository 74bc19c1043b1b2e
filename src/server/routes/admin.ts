import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { actorOf } from '../../auth/principal.js';
import { hashToken, newApiToken } from '../../auth/tokens.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { arrayOf, auditRecordSchema, idSchema } from './schemas.js';

export const adminRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'get',
    path: '/audit',
    operationId: 'readAudit',
    summary: 'The append-only audit log of state changes (administrators), oldest first',
    tags: ['admin'],
    auth: 'admin',
    query: {
      objectType: { schema: { type: 'string', maxLength: 50 } },
      objectId: { schema: { type: 'string', maxLength: 100 } },
      actor: { schema: { type: 'string', maxLength: 150 } },
      after: { schema: { type: 'integer', minimum: 0 }, description: 'Only entries with seq greater than this' },
      limit: { schema: { type: 'integer', minimum: 1, maximum: 1000 }, description: 'Default 100' },
    },
    responses: {
      200: {
        description: 'Audit entries',
        schema: { type: 'object', properties: { items: arrayOf(auditRecordSchema), next: { type: ['integer', 'null'] } } },
      },
    },
    handler: async ({ query }) => {
      const limit = query.limit ?? 100;
      const items = await ctx.repo.audit.readAudit({ ...query, limit } as Parameters<typeof ctx.repo.audit.readAudit>[0]);
      return json(200, { items, next: items.length === limit ? items.at(-1)!.seq : null });
    },
  });

  api.add({
    method: 'post',
    path: '/tokens',
    operationId: 'createToken',
    summary: 'Create an administrator, laboratory or vendor token (administrators); shown once',
    tags: ['admin'],
    auth: 'admin',
    jsonBody: {
      type: 'object',
      required: ['role', 'name'],
      additionalProperties: false,
      properties: {
        role: { enum: ['admin', 'lab', 'vendor'] },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        vendorId: idSchema,
      },
    },
    responses: {
      201: {
        description: 'Created',
        schema: {
          type: 'object',
          required: ['id', 'token'],
          properties: { id: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, token: { type: 'string' } },
        },
      },
    },
    handler: async ({ principal, body: input }) => {
      if ((input.role === 'vendor') !== Boolean(input.vendorId))
        throw new SamsvarError('unprocessable', 'a vendor token needs vendorId, and only a vendor token has one');
      if (input.vendorId && !(await ctx.repo.vendors.getVendor(input.vendorId)))
        throw new SamsvarError('unprocessable', `vendor '${input.vendorId}' does not exist`);
      const token = newApiToken();
      const rec = await ctx.repo.vendors.createToken(input, hashToken(token), actorOf(principal));
      return json(201, { id: rec.id, role: rec.role, name: rec.name, vendorId: rec.vendorId, token });
    },
  });

  api.add({
    method: 'delete',
    path: '/tokens/{id}',
    operationId: 'revokeToken',
    summary: 'Revoke a token (administrators)',
    tags: ['admin'],
    auth: 'admin',
    responses: { 204: { description: 'Revoked' } },
    handler: async ({ principal, params }) => {
      if (!(await ctx.repo.vendors.revokeToken(params.id, actorOf(principal))))
        throw new SamsvarError('not_found', `token '${params.id}' not found or already revoked`);
      return new Response(null, { status: 204 });
    },
  });
};
