import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { registerVendor } from '../../vendors/registration.js';
import { vendorsWithIdentity, verifyVendor } from '../../vendors/verification.js';
import { VendorVerificationStore } from '../../storage/vendor-verifications.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { arrayOf, vendorSchema } from './schemas.js';

export const vendorRoutes: RouteModule = (api, ctx) => {
  const verifications = () => new VendorVerificationStore(ctx.database.db);
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
        schema: {
          type: 'object',
          required: ['id', 'vendor', 'token'],
          properties: { id: { type: 'string' }, vendor: vendorSchema, token: { type: 'string' } },
        },
      },
    },
    handler: async ({ body }) => {
      const { vendor, token } = await registerVendor(ctx.repo, body);
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
      const vendor = await ctx.repo.vendors.getVendor(principal.vendorId);
      const verification = await verifications().of(principal.vendorId);
      return json(200, { ...vendor, identity: verification ? 'verified' : 'unverified', ...(verification ? { verification } : {}) });
    },
  });

  api.add({
    method: 'get',
    path: '/vendors',
    operationId: 'listVendors',
    summary:
      'All registered vendors with their identity status: unverified until an administrator verified the organisation (administrators)',
    tags: ['admin'],
    auth: 'admin',
    responses: { 200: { description: 'Vendors', schema: arrayOf(vendorSchema) } },
    handler: async () => json(200, await vendorsWithIdentity(ctx.repo, verifications())),
  });

  api.add({
    method: 'post',
    path: '/vendors/{id}/verify',
    operationId: 'verifyVendor',
    summary: "Record that an administrator checked the vendor's organisation against Enhetsregisteret (administrators)",
    description:
      'Look up the organisasjonsnummer in Enhetsregisteret (https://data.brreg.no/enhetsregisteret/oppslag/enheter/{orgnr}): it exists, is not deleted, and its name is the one the vendor registered. ' +
      'Record the name found there (`registeredName`, must match the registration) and what you checked (`checked`). Until then the vendor and its declarations show as unverified.',
    tags: ['admin'],
    auth: 'admin',
    jsonBody: {
      type: 'object',
      required: ['registeredName', 'checked'],
      additionalProperties: false,
      properties: {
        registeredName: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '\\S',
          description: "The organisation's name as Enhetsregisteret gives it",
        },
        checked: {
          type: 'string',
          minLength: 10,
          maxLength: 2000,
          pattern: '\\S',
          description: 'What was checked, where and when, e.g. "Enhetsregisteret 2026-11-30: aktiv, navn og orgnr stemmer"',
        },
      },
    },
    responses: {
      200: { description: 'The vendor, verified', schema: vendorSchema },
      409: { description: 'Already verified' },
      422: { description: 'The name in Enhetsregisteret is not the registered one' },
    },
    handler: async ({ principal, params, body }) => json(200, await verifyVendor(ctx.repo, verifications(), principal, params.id, body)),
  });
};
