import type { JSX } from 'hono/jsx/jsx-runtime';

/**
 * Pages show what vendors and administrators wrote: only this origin's own style sheet and scripts
 * may load, nothing may frame a page, and forms post back here only.
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function pageResponse(
  page: JSX.Element | Promise<string> | string,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return new Response(`<!doctype html>${String(page)}`, {
    status: init.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PAGE_CSP,
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
      ...init.headers,
    },
  });
}
