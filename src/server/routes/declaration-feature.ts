import { SamsvarError } from '../../core/samsvar-error.js';
import { DEFAULT_LEVEL_A_PER_DAY, DeclarationService } from '../../registry/declaration-service.js';
import { DeclarationStore } from '../../registry/declaration-store.js';
import { RequirementSetService } from '../../requirement-sets/requirement-set-service.js';
import { RequirementSetStore } from '../../requirement-sets/requirement-set-store.js';
import { schedulePeriodic, sweepIntervalSeconds } from '../../registry/status-sweep.js';
import { loadProductionKey } from '../../signing/key-store.js';
import { keyEncryptionKey } from '../../signing/key-encryption.js';
import { DatabaseKeySource } from '../../registry/signing-key-store.js';
import type { RouteModule } from '../api-router.js';
import type { DeclarationFeature } from './declaration-context.js';
import type { AppContext, BackgroundTask } from '../app-context.js';
import type { ServerConfig } from '../config.js';
import { adminProfileRoutes } from './admin-profiles.js';
import { declarationRoutes } from './declarations.js';
import { logRoutes } from './log.js';
import { registryRoutes } from './registry.js';
import { requirementSetRoutes } from './requirement-sets.js';
import { runWaiverRoutes } from './run-waivers.js';
import { signingKeyRoutes } from './signing-key.js';
import { wellKnownRoutes } from './wellknown.js';

export interface DeclarationFeatureOptions {
  env?: NodeJS.ProcessEnv;
  /** Only for tests: a clock to move past expiry and deadlines. */
  now?: () => Date;
}

/** The declaration, registry, transparency-log and requirement-set routes (see declarationFeature). */
export async function declarationModules(
  config: Pick<ServerConfig, 'dataDir'>,
  opts: DeclarationFeatureOptions = {},
): Promise<RouteModule[]> {
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
  // A key file that cannot be used, or an unusable key-encryption key, stops the start.
  if (env.SAMSVAR_SIGNING_KEY) await loadProductionKey(env.SAMSVAR_SIGNING_KEY);
  else keyEncryptionKey(env);
  // The URL is signed into every declaration, so it comes from configuration, never from a request's Host header.
  const publicUrl = env.SAMSVAR_PUBLIC_URL?.replace(/\/+$/, '') || `http://localhost:${env.PORT || 8080}`;
  const services = new WeakMap<AppContext, DeclarationService>();
  const requirementSets = new WeakMap<AppContext, RequirementSetService>();
  const feature: DeclarationFeature = {
    service(ctx) {
      let s = services.get(ctx);
      if (!s) {
        const store = new DeclarationStore(ctx.database.db, ctx.database.dialect);
        s = new DeclarationService({
          store,
          repo: ctx.repo,
          runs: ctx.runs,
          catalog: ctx.catalog,
          keys: new DatabaseKeySource(ctx.database.db, ctx.database.dialect, env, store, opts.now),
          issuerName: env.SAMSVAR_ISSUER_NAME || 'samsvar',
          samsvarVersion: ctx.version,
          now: opts.now,
          levelAPerDay: levelAPerDay(env),
        });
        services.set(ctx, s);
      }
      return s;
    },
    requirementSets(ctx) {
      let s = requirementSets.get(ctx);
      if (!s) {
        const registry = feature.service(ctx);
        s = new RequirementSetService({
          store: new RequirementSetStore(ctx.database.db),
          catalog: ctx.catalog,
          coveragePage: (...a) => registry.coveragePage(...a),
          now: registry.clock,
        });
        requirementSets.set(ctx, s);
      }
      return s;
    },
    baseUrl: () => publicUrl,
  };
  const sweep: BackgroundTask = (ctx) =>
    schedulePeriodic(
      async () => {
        for (const c of await feature.service(ctx).sweep())
          ctx.log(`status sweep: declaration ${c.declarationId} ${c.from} -> ${c.to} (log entry ${c.logSeq})`);
      },
      sweepSeconds * 1000,
      (e) => ctx.log(`status sweep failed: ${(e as Error).message ?? String(e)}`),
    );
  return {
    modules: [
      declarationRoutes(feature),
      runWaiverRoutes(feature),
      registryRoutes(feature),
      requirementSetRoutes(feature),
      logRoutes(feature),
      wellKnownRoutes(feature),
      signingKeyRoutes(feature),
      adminProfileRoutes(feature),
    ],
    backgroundTasks: sweepSeconds > 0 ? [sweep] : [],
    feature,
  };
}

/** SAMSVAR_LEVEL_A_PER_DAY: level A declarations one vendor may issue per 24 hours. */
function levelAPerDay(env: NodeJS.ProcessEnv): number {
  const raw = env.SAMSVAR_LEVEL_A_PER_DAY;
  if (raw === undefined || raw === '') return DEFAULT_LEVEL_A_PER_DAY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new SamsvarError('bad_request', `SAMSVAR_LEVEL_A_PER_DAY must be a positive integer (got '${raw}')`);
  return n;
}
