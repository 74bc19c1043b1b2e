import { unreadableArtifactError } from '../../engine/engine.js';
import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import { ARTIFACT_TYPES, formatOfMediaType, validationResultSchema } from './schemas.js';

export const validateRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'post',
    path: '/validate',
    operationId: 'validate',
    summary: 'Validate one message or resource (public, nothing stored, rate limited per client)',
    description: 'Without `profile` the profile is detected from the content (root namespace, MsgInfo/Type, resource type).',
    tags: ['validation'],
    auth: 'public',
    rateLimited: true,
    query: { profile: { schema: { type: 'string', maxLength: 100 }, description: 'Profile id; detected when absent' } },
    rawBody: { mediaTypes: ARTIFACT_TYPES, description: 'The raw XML message, or a FHIR resource in JSON or XML' },
    responses: { 200: { description: 'The validation result (valid or not)', schema: validationResultSchema } },
    handler: async ({ query, raw }) => {
      const result = await ctx.engine.validate(raw!.bytes, {
        profile: query.profile,
        format: formatOfMediaType(raw!.mediaType),
      });
      const unreadable = unreadableArtifactError(result);
      if (unreadable) throw unreadable;
      return json(200, result);
    },
  });
};
