import { Hono, type Context } from 'hono';
import { SamsvarError } from '../core/samsvar-error.js';
import { ApiRouter, json, type RouteModule } from './api-router.js';
import type { AppContext } from './app-context.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApi } from './openapi.js';
import { isStorageFull, problemResponse, storageFullProblem, unexpectedProblem } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { requestContext } from './request-context.js';
import { withSecurityHeaders } from './security-headers.js';
import { CORE_ROUTE_MODULES } from './routes/index.js';
import type { WebPages } from './page-module.js';

export const API_BASE = '/api/v1';

/**
 * Builds the service: the core route modules plus any given ones (declarations, registry …).
 * Everything that fails ends as application/problem+json, mapped from SamsvarError in problem.ts (a
 * person's page request gets a page in bokmål with the same status).
 */
export function createApp(ctx: AppContext, extraModules: RouteModule[] = [], pages?: WebPages): { app: Hono; api: ApiRouter } {
  const wantsPage = (c: Context) =>
    pages !== undefined && !c.req.path.startsWith(`${API_BASE}/`) && (c.req.header('accept') ?? '').includes('text/html');
  const app = new Hono();
  const api = new ApiRouter(app, {
    basePath: API_BASE,
    maxBodyBytes: ctx.config.maxBodyBytes,
    rateLimiter: new RateLimiter(ctx.config.rateLimitPerMinute),
    authenticate: (c) => ctx.authenticator.fromHeader(c.req.header('authorization')),
  });

  app.use('*', async (c, next) => {
    await next();
    try {
      // In place: assigning c.res makes Hono copy the response (its body into a new stream), per request.
      withSecurityHeaders(c.res);
    } catch (e) {
      // A response with immutable headers (one passed through from fetch) is copied once to carry them.
      if (!(e instanceof TypeError)) throw e;
      c.res = withSecurityHeaders(new Response(c.res.body, c.res));
    }
  });
  app.use('*', requestContext(ctx.log));
  // No identifier, name or search holds NUL, and PostgreSQL text cannot: a %00 in a path or query
  // parameter would reach the database only to fail there (a 500 for what is a malformed request).
  app.use('*', async (c, next) => {
    if (!/%00/.test(c.req.url)) return next();
    // Such a link leads nowhere: a person gets the pages' own answer for that, a program a problem document.
    if (wantsPage(c)) return pages!.notFoundPage();
    throw new SamsvarError('bad_request', 'the URL holds a NUL character (%00), which no path or query parameter may');
  });
  // Another instance over the same database may have imported or activated a profile version since the last request.
  app.use('*', async (c, next) => {
    if (c.req.path !== '/healthz') await ctx.profileSync.refreshQuietly();
    await next();
  });

  app.onError((err, c) => {
    const problem = (): Response => {
      if (err instanceof SamsvarError) {
        const retry =
          (err.code === 'rate_limited' || err.code === 'unavailable') && typeof err.extra?.retryAfter === 'number'
            ? { 'retry-after': String(err.extra.retryAfter) }
            : undefined;
        return problemResponse(err, c.req.path, retry);
      }
      const requestId = (c.get as (key: string) => string | undefined)('requestId');
      const log = (m: string) => ctx.log(m, { level: 'error', requestId });
      if (isStorageFull(err)) return storageFullProblem(c.req.path, log);
      return unexpectedProblem(err, c.req.path, log);
    };
    const res = problem();
    // A person gets the same status as a page in bokmål; the problem document's detail is English, for programs.
    if (!wantsPage(c)) return res;
    const retry = res.headers.get('retry-after');
    return pages!.errorPage(err, res.status, retry ? { 'retry-after': retry } : {});
  });
  app.notFound((c) => {
    // A person who follows a wrong link gets a page; a program gets a problem document.
    if (wantsPage(c)) return pages!.notFoundPage();
    return problemResponse(new SamsvarError('not_found', `no route ${c.req.method} ${c.req.path}; see ${API_BASE}/docs`), c.req.path);
  });

  api.add({
    method: 'get',
    path: '/healthz',
    absolute: true,
    operationId: 'health',
    summary: 'Liveness: answers 200 while the process serves requests (it touches nothing, so a slow database cannot fail it)',
    tags: ['service'],
    auth: 'public',
    responses: { 200: { description: 'Alive', schema: { type: 'object', properties: { status: { const: 'ok' } } } } },
    handler: () => json(200, { status: 'ok', version: ctx.version, database: ctx.database.dialect }),
  });
  api.add({
    method: 'get',
    path: '/readyz',
    absolute: true,
    operationId: 'ready',
    summary: 'Readiness: 200 when the database answers and profiles are loaded, else 503',
    tags: ['service'],
    auth: 'public',
    responses: {
      200: {
        description: 'Ready',
        schema: { type: 'object', properties: { status: { const: 'ready' }, database: { type: 'string' }, profiles: { type: 'integer' } } },
      },
      503: { description: 'Not ready: the problem names what is missing' },
    },
    handler: async () => {
      const profiles = ctx.catalog.list().length;
      if (profiles === 0) throw new SamsvarError('unavailable', 'not ready: no profiles are loaded');
      try {
        await ctx.repo.ping();
      } catch (e) {
        ctx.log('readiness: the database does not answer', { level: 'error', error: (e as Error).message });
        throw new SamsvarError('unavailable', 'not ready: the database does not answer');
      }
      return json(200, { status: 'ready', version: ctx.version, database: ctx.database.dialect, profiles });
    },
  });

  for (const mod of [...CORE_ROUTE_MODULES, ...extraModules]) mod(api, ctx);
  for (const module of pages?.pageModules ?? []) module(app, ctx);

  let cachedDoc: Record<string, unknown> | undefined;
  const openApiDoc = () =>
    (cachedDoc ??= buildOpenApi(api, { version: ctx.version, serverUrl: API_BASE.replace(/\/api\/v1$/, '') || undefined }));
  api.add({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['service'],
    auth: 'public',
    responses: { 200: { description: 'The OpenAPI document', schema: { type: 'object' } } },
    handler: () => json(200, openApiDoc()),
  });
  api.add({
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'A browsable reference of this API, rendered from the OpenAPI document',
    tags: ['service'],
    auth: 'public',
    responses: { 200: { description: 'HTML page', mediaType: 'text/html' } },
    handler: () => new Response(renderDocsPage(openApiDoc()), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
  });
  return { app, api };
}
