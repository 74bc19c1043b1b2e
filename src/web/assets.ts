import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import { PACKAGE_ROOT } from '../core/paths.js';

/** The pages' own style sheet and scripts: served from this origin only, so the CSP can forbid every other source. */
const ASSETS_DIR = path.join(PACKAGE_ROOT, 'src', 'web', 'assets');

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  body: string;
  type: string;
  version: string;
}

const loaded = new Map<string, Asset>();

function asset(name: string): Asset | undefined {
  if (!/^[a-z0-9-]+\.(css|js)$/.test(name)) return undefined;
  let a = loaded.get(name);
  if (!a) {
    let body: string;
    try {
      body = readFileSync(path.join(ASSETS_DIR, name), 'utf8');
    } catch {
      return undefined;
    }
    a = { body, type: TYPES[path.extname(name)]!, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
    loaded.set(name, a);
  }
  return a;
}

/** The URL of an asset with its content hash, so a browser may keep it for a year and still never sees a stale one. */
export function assetUrl(name: string): string {
  const a = asset(name);
  if (!a) throw new Error(`web asset ${name} is missing from ${ASSETS_DIR}`);
  return `/static/${name}?v=${a.version}`;
}

export function registerAssets(app: Hono): void {
  app.get('/static/:name', (c) => {
    const a = asset(c.req.param('name'));
    if (!a) return c.text('Fant ikke filen.', 404);
    const current = c.req.query('v') === a.version;
    return new Response(a.body, {
      headers: {
        'content-type': a.type,
        'cache-control': current ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  });
}
