import { json, type RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';
import { idSchema } from './schemas.js';

const obj = { type: 'object' } as const;

/** /runs/{id}/waivers: approval with reservations, granted by administrators on a run. */
export const runWaiverRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    const svc = () => f.service(ctx);

    api.add({
      method: 'post',
      path: '/runs/{id}/waivers',
      operationId: 'grantWaiver',
      summary: 'Waive a rule on a run until a deadline (approval with reservations; administrators)',
      tags: ['declarations', 'admin'],
      auth: 'admin',
      jsonBody: {
        type: 'object',
        required: ['ruleId', 'justification', 'deadline'],
        additionalProperties: false,
        properties: {
          ruleId: { type: 'string', minLength: 1, maxLength: 100 },
          profile: idSchema,
          justification: { type: 'string', minLength: 3, maxLength: 2000 },
          deadline: { type: 'string', format: 'date-time' },
        },
      },
      responses: { 201: { description: 'Granted', schema: obj } },
      handler: async ({ principal, params, body }) => json(201, await svc().grantWaiver(principal, params.id, body)),
    });

    api.add({
      method: 'get',
      path: '/runs/{id}/waivers',
      operationId: 'listWaivers',
      summary: "Waivers granted on a run (the run's vendor, administrators, laboratories)",
      tags: ['declarations'],
      auth: 'any',
      responses: { 200: { description: 'Waivers', schema: { type: 'array', items: obj } } },
      handler: async ({ principal, params }) => json(200, await svc().waivers(principal, params.id)),
    });
  };
