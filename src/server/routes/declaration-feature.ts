import type { Context } from 'hono';
import { DeclarationService } from '../../registry/declaration-service.js';
import { DeclarationStore } from '../../registry/declaration-store.js';
import { loadKeyRing } from '../../signing/key-store.js';
import type { RouteModule } from '../app.js';
import type { AppContext } from '../app-context.js';
import type { ServerConfig } from '../config.js';
import { declarationRoutes } from './declarations.js';
import { logRoutes } from './log.js';
import { registryRoutes } from './registry.js';
import { requirementSetRoutes } from './requirement-sets.js';
import { wellKnownRoutes } from './wellknown.js';

/** What the declaration route modules share: one service per app context, and the public URL. */
export interface DeclarationFeature {
  service(ctx: AppContext): DeclarationService;
  /** The service's public base URL (SAMSVAR_PUBLIC_URL), else the origin the request came to. */
  baseUrl(c: Context): string;
}

export interface DeclarationFeatureOptions {
  env?: NodeJS.ProcessEnv;
  /** Only for tests: a clock to move past expiry and deadlines. */
  now?: () => Date;
}

/**
 * The declaration, registry, transparency-log and requirement-set routes. Loads (on first start:
 * generates) the signing key before the service listens, so a key problem stops the start.
 */
export async function declarationModules(config: Pick<ServerConfig, 'dataDir'>, opts: DeclarationFeatureOptions = {}): Promise<RouteModule[]> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), SAMSVAR_DATA: config.dataDir };
  const keys = await loadKeyRing({ env });
  const publicUrl = env.SAMSVAR_PUBLIC_URL?.replace(/\/+$/, '') || undefined;
  const services = new WeakMap<AppContext, DeclarationService>();
  const feature: DeclarationFeature = {
    service(ctx) {
      let s = services.get(ctx);
      if (!s) {
        s = new DeclarationService({
          store: new DeclarationStore(ctx.database.db, ctx.database.dialect),
          repo: ctx.repo,
          runs: ctx.runs,
          catalog: ctx.catalog,
          keys,
          keyEnv: env,
          issuerName: env.SAMSVAR_ISSUER_NAME || 'samsvar',
          samsvarVersion: ctx.version,
          now: opts.now,
        });
        services.set(ctx, s);
      }
      return s;
    },
    baseUrl: (c) => publicUrl ?? new URL(c.req.url).origin,
  };
  return [declarationRoutes(feature), registryRoutes(feature), requirementSetRoutes(feature), logRoutes(feature), wellKnownRoutes(feature)];
}

/** HTML pages carry text from vendors and administrators: no script may run, whatever slips through. */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
};
