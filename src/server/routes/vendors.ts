import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { registerVendor } from '../../vendors/registration.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { arrayOf, vendorSchema } from './schemas.js';

export const vendorRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'post',
    path: '/vendors',
    operationId: 'registerVendor',
    summary: 'Register as a vendor; answers with an API token shown only this once',
    description: 'The organisasjonsnummer must pass its modulus-11 check. Store the token: only its hash is kept.',
    tags: ['vendors'],
    auth: 'public',
    rateLimited: true,
    jsonBody: {
      type: 'object',
      required: ['orgNumber', 'name', 'email'],
      additionalProperties: false,
      properties: {
        orgNumber: { type: 'string', pattern: '^[0-9 ]{9,11}$', description: 'Organisasjonsnummer, 9 digits' },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        email: { type: 'string', format: 'email', maxLength: 320 },
      },
    },
    responses: {
      201: {
        description: 'Registered',
        schema: { type: 'object', required: ['id', 'vendor', 'token'], properties: { id: { type: 'string' }, vendor: vendorSchema, token: { type: 'string' } } },
      },
    },
    handler: async ({ body }) => {
      const { vendor, token } = await registerVendor(ctx.repo, body as { orgNumber: string; name: string; email: string });
      return json(201, { id: vendor.id, vendor, token });
    },
  });

  api.add({
    method: 'get',
    path: '/vendors/me',
    operationId: 'currentVendor',
    summary: 'The vendor the token belongs to',
    tags: ['vendors'],
    auth: 'vendor',
    responses: { 200: { description: 'The vendor', schema: vendorSchema } },
    handler: async ({ principal }) => {
      if (principal?.role !== 'vendor') throw new SamsvarError('forbidden', 'needs a vendor token');
      return json(200, await ctx.repo.getVendor(principal.vendorId));
    },
  });

  api.add({
    method: 'get',
    path: '/vendors',
    operationId: 'listVendors',
    summary: 'All registered vendors (administrators)',
    tags: ['admin'],
    auth: 'admin',
    responses: { 200: { description: 'Vendors', schema: arrayOf(vendorSchema) } },
    handler: async () => json(200, await ctx.repo.listVendors()),
  });
};
