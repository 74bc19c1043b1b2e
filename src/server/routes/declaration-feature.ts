import type { Context } from 'hono';
import { DeclarationService } from '../../registry/declaration-service.js';
import { DeclarationStore } from '../../registry/declaration-store.js';
import { schedulePeriodic, sweepIntervalSeconds } from '../../registry/status-sweep.js';
import { loadKeyRing } from '../../signing/key-store.js';
import type { RouteModule } from '../app.js';
import type { AppContext, BackgroundTask } from '../app-context.js';
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

/** The declaration, registry, transparency-log and requirement-set routes (see declarationFeature). */
export async function declarationModules(config: Pick<ServerConfig, 'dataDir'>, opts: DeclarationFeatureOptions = {}): Promise<RouteModule[]> {
  return (await declarationFeature(config, opts)).modules;
}

/**
 * The declaration, registry, transparency-log and requirement-set routes, and the status sweep
 * that logs expiry, supersession and missed spot checks every SAMSVAR_SWEEP_SECONDS (default 300;
 * 0 turns it off). Loads (on first start: generates) the signing key and reads the interval before
 * the service listens, so a problem with either stops the start.
 */
export async function declarationFeature(
  config: Pick<ServerConfig, 'dataDir'>,
  opts: DeclarationFeatureOptions = {},
): Promise<{ modules: RouteModule[]; backgroundTasks: BackgroundTask[]; feature: DeclarationFeature }> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), SAMSVAR_DATA: config.dataDir };
  const sweepSeconds = sweepIntervalSeconds(env);
  const keys = await loadKeyRing({ env });
  // The URL is signed into every declaration, so it comes from configuration, never from a request's Host header.
  const publicUrl = env.SAMSVAR_PUBLIC_URL?.replace(/\/+$/, '') || `http://localhost:${env.PORT || 8080}`;
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
    baseUrl: () => publicUrl,
  };
  const sweep: BackgroundTask = (ctx) =>
    schedulePeriodic(
      async () => {
        for (const c of await feature.service(ctx).sweep()) ctx.log(`status sweep: declaration ${c.declarationId} ${c.from} -> ${c.to} (log entry ${c.logSeq})`);
      },
      sweepSeconds * 1000,
      (e) => ctx.log(`status sweep failed: ${(e as Error).message ?? String(e)}`),
    );
  return {
    modules: [declarationRoutes(feature), registryRoutes(feature), requirementSetRoutes(feature), logRoutes(feature), wellKnownRoutes(feature)],
    backgroundTasks: sweepSeconds > 0 ? [sweep] : [],
    feature,
  };
}

/** HTML pages carry text from vendors and administrators: no script may run, whatever slips through. */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
};
