import { Hono } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { ApiRouter, json, type PathParams, type PrincipalFor, type SchemaType } from '../../src/server/api-router.js';
import { RateLimiter } from '../../src/server/rate-limit.js';

const VENDOR: Principal = { role: 'vendor', vendorId: 'v-1', tokenId: 't-1' };
const LAB: Principal = { role: 'lab', tokenId: 't-2', name: 'Testlab' };

/** A router whose bearer token names the caller: `vendor` or `lab`; refusals become their status code. */
function router(): { app: Hono; api: ApiRouter } {
  const app = new Hono();
  app.onError((err) =>
    json(err instanceof SamsvarError ? ({ forbidden: 403, bad_request: 400, unauthorized: 401 }[err.code as string] ?? 500) : 500, {
      error: err.message,
    }),
  );
  const api = new ApiRouter(app, {
    basePath: '/api',
    maxBodyBytes: 10_000,
    rateLimiter: new RateLimiter(1000),
    authenticate: async (c) => ({ 'Bearer vendor': VENDOR, 'Bearer lab': LAB })[c.req.header('authorization') ?? ''] ?? null,
  });
  return { app, api };
}

describe('typed routes: a handler gets its inputs typed from its route description', () => {
  it('gives a vendor route a vendor principal, the path params and the body its schema describes, checked before the call', async () => {
    const { app, api } = router();
    api.add({
      method: 'post',
      path: '/systems/{id}/versions/{version}',
      operationId: 'example',
      summary: 'example',
      tags: [],
      auth: 'vendor',
      jsonBody: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, count: { type: 'integer' }, kind: { enum: ['a', 'b'] } },
      },
      responses: { 200: { description: 'echo' } },
      handler: ({ principal, params, body }) => {
        expectTypeOf(principal).toEqualTypeOf<Principal & { role: 'vendor' }>();
        expectTypeOf(params).toMatchTypeOf<{ id: string; version: string }>();
        expectTypeOf(body).toEqualTypeOf<{ name: string; count?: number; kind?: 'a' | 'b' }>();
        return json(200, { vendorId: principal.vendorId, id: params.id, version: params.version, name: body.name });
      },
    });
    const call = (token: string, body: unknown) =>
      app.request('/api/systems/s-1/versions/2.0', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await call('vendor', { name: 'EPJ', kind: 'a' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ vendorId: 'v-1', id: 's-1', version: '2.0', name: 'EPJ' });
    // What the types promise is what the router enforces: another role, or a body the schema refuses, never reaches the handler.
    expect((await call('lab', { name: 'EPJ' })).status).toBe(403);
    expect((await call('vendor', { name: '' })).status).toBe(400);
    expect((await call('vendor', { name: 'EPJ', extra: 1 })).status).toBe(400);
  });

  it('types the query from its parameter schemas, required or optional', async () => {
    const { app, api } = router();
    api.add({
      method: 'get',
      path: '/items',
      operationId: 'items',
      summary: 'items',
      tags: [],
      auth: 'public',
      query: { limit: { schema: { type: 'integer', minimum: 1 } }, q: { schema: { type: 'string' }, required: true } },
      responses: { 200: { description: 'echo' } },
      handler: ({ principal, query }) => {
        expectTypeOf(principal).toEqualTypeOf<Principal | null>();
        expectTypeOf(query.q).toEqualTypeOf<string>();
        expectTypeOf(query.limit).toEqualTypeOf<number | undefined>();
        return json(200, { limit: query.limit ?? 10, q: query.q });
      },
    });
    expect(await (await app.request('/api/items?q=x&limit=5')).json()).toEqual({ limit: 5, q: 'x' });
    expect((await app.request('/api/items?limit=5')).status).toBe(400);
  });

  it('admits each role requirement as exactly the principals it lets through', () => {
    expectTypeOf<PrincipalFor<'admin'>>().toEqualTypeOf<Principal & { role: 'admin' }>();
    expectTypeOf<PrincipalFor<'admin_or_lab'>>().toEqualTypeOf<Principal & { role: 'admin' | 'lab' }>();
    expectTypeOf<PrincipalFor<'any'>>().toEqualTypeOf<Principal>();
    expectTypeOf<PathParams<'/runs/{id}/submissions/{sid}'>>().toMatchTypeOf<{ id: string; sid: string }>();
    expectTypeOf<SchemaType<undefined>>().toEqualTypeOf<undefined>();
  });
});
