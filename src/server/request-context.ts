import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { newId } from '../core/ids.js';
import { asValidationClient } from '../pool/validation-client.js';
import { clientAddressOf } from './api-router.js';
import type { Log } from './json-log.js';

/** A caller's (or load balancer's) id is kept when it is a plain token; anything else could forge log lines. */
const ACCEPTED_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type RequestVariables = { requestId: string };

/**
 * Gives each request an id (X-Request-Id, in and out) and logs it once answered: method, route
 * pattern (never the path: ids stand in it), status and duration. No query, body or header is logged,
 * so no message content, token or personal identifier reaches the log.
 */
export function requestContext(log: Log): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && ACCEPTED_ID.test(given) ? given : newId();
    c.set('requestId', requestId);
    const started = performance.now();
    try {
      // Until the request is authenticated, its validations count for the address it came from.
      await asValidationClient(`address:${clientAddressOf(c)}`, next);
    } finally {
      c.res.headers.set('x-request-id', requestId);
      const route = routePath(c, -1);
      log('request', {
        level: 'info',
        requestId,
        method: c.req.method,
        route: route === '*' || route === '/*' ? '(no route)' : route,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      });
    }
  };
}
