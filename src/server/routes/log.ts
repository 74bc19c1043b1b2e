import { SamsvarError } from '../../core/samsvar-error.js';
import { json } from '../api-router.js';
import type { RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';

const entrySchema = {
  type: 'object',
  required: ['seq', 'at', 'type', 'declarationId', 'subjectSha256', 'prev', 'hash'],
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string' },
    type: { enum: ['issued', 'countersigned', 'revoked', 'withdrawn', 'superseded', 'expired', 'reinstated', 'key_rotated'] },
    declarationId: { type: 'string' },
    subjectSha256: { type: 'string' },
    detail: { type: 'string' },
    prev: { type: 'string', description: 'SHA-256 of the previous entry (64 zeros for the first)' },
    hash: { type: 'string', description: "SHA-256 of this entry's canonical JSON without `hash`" },
  },
};

export const logRoutes =
  (f: DeclarationFeature): RouteModule =>
  (api, ctx) => {
    const svc = () => f.service(ctx);

    api.add({
      method: 'get',
      path: '/log',
      operationId: 'readTransparencyLog',
      summary: 'The hash-chained transparency log, oldest first, with a signed head; `samsvar log verify` checks it',
      tags: ['transparency'],
      auth: 'public',
      query: {
        after: { schema: { type: 'integer', minimum: 0 }, description: 'Entries with seq greater than this (default 0)' },
        limit: { schema: { type: 'integer', minimum: 1, maximum: 1000 }, description: 'Default 500' },
      },
      responses: {
        200: {
          description: 'A page of entries',
          schema: {
            type: 'object',
            properties: {
              entries: { type: 'array', items: entrySchema },
              head: { type: 'object', properties: { jws: { type: 'string' }, size: { type: 'integer' }, hash: { type: 'string' } } },
              next: { type: ['string', 'null'] },
            },
          },
        },
      },
      handler: async ({ query }) => {
        const after = query.after ?? 0;
        const limit = query.limit ?? 500;
        const page = await svc().logPage(after, limit);
        const last = page.entries.at(-1)?.seq;
        const next = last !== undefined && last < page.head.size ? `/api/v1/log?after=${last}&limit=${limit}` : null;
        return json(200, { ...page, next });
      },
    });

    api.add({
      method: 'get',
      path: '/log/{seq}',
      operationId: 'readTransparencyLogEntry',
      summary: 'One entry of the transparency log',
      tags: ['transparency'],
      auth: 'public',
      responses: { 200: { description: 'The entry', schema: entrySchema } },
      handler: async ({ params }) => {
        const seq = Number(params.seq);
        if (!Number.isSafeInteger(seq) || seq < 1) throw new SamsvarError('bad_request', 'seq must be a positive integer');
        return json(200, await svc().logEntry(seq));
      },
    });
  };
