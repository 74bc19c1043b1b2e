import type { Context, Hono } from 'hono';
import type { PageModule } from '../server/page-module.js';
import { pageResponse } from './html-response.js';
import { Layout } from './layout.js';

/**
 * Whether a browser says this POST came from another site. Sec-Fetch-Site is the browser's own
 * verdict (every current browser sends it, and a proxy rewriting Host does not change it); without
 * it, Origin must name this host. A request with neither is a program, not a page: the signed-in
 * forms still need their session's CSRF token.
 */
export function crossSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true; // 'null' (a sandboxed frame, a redirect across sites) or garbage
  }
  const hosts = [c.req.header('x-forwarded-host'), c.req.header('host')].filter((h): h is string => !!h);
  return !hosts.some((h) => h.split(',')[0]!.trim().toLowerCase() === host.toLowerCase());
}

/**
 * Every form of the pages posts to this origin only. The CSRF token covers signed-in forms; this
 * covers the others too (signing in, registering, validating), so another site cannot sign a
 * visitor in under its own token. Registered before the pages, so it runs before their handlers.
 */
export function sameOriginForms(): PageModule {
  return (app: Hono) => {
    app.use('*', async (c, next) => {
      if (c.req.method !== 'POST' || c.req.path.startsWith('/api/') || !crossSite(c)) return next();
      return pageResponse(
        <Layout title="Skjemaet ble avvist" section="forside">
          <h1>Skjemaet ble avvist</h1>
          <p>Skjemaet ble sendt fra et annet nettsted. Åpne siden på dette nettstedet og send det derfra.</p>
          <p>
            <a href="/">Til forsiden</a>
          </p>
        </Layout>,
        { status: 403 },
      );
    });
  };
}
