import { SamsvarError } from '../../core/samsvar-error.js';
import { InProcessRunner, PgBossRunner, type RevalidationRunner, type RunnerHooks } from '../../runs/revalidation-runners.js';
import { RevalidationService } from '../../runs/revalidation.js';
import { RevalidationStore } from '../../storage/revalidation-store.js';
import type { RouteModule } from '../api-router.js';
import type { AppContext, BackgroundTask } from '../app-context.js';
import type { RevalidationFeature } from './revalidation-context.js';
import { revalidationRoutes } from './revalidations.js';

export type { RevalidationFeature };

export interface RevalidationFeatureOptions extends RunnerHooks {
  /** PostgreSQL: items per queued chunk (default 20). */
  chunkSize?: number;
}

/**
 * Re-validation jobs: the admin routes and the worker that runs them, started with the service
 * and stopped (handing unfinished work back) before its database closes.
 */
export function revalidationFeature(opts: RevalidationFeatureOptions = {}): {
  modules: RouteModule[];
  backgroundTasks: BackgroundTask[];
  feature: RevalidationFeature;
} {
  const services = new WeakMap<AppContext, RevalidationService>();
  const runners = new WeakMap<AppContext, RevalidationRunner>();
  const feature: RevalidationFeature = {
    service(ctx) {
      let s = services.get(ctx);
      if (!s) {
        s = new RevalidationService({
          store: new RevalidationStore(ctx.database.db),
          repo: ctx.repo,
          catalog: ctx.catalog,
          testcases: ctx.testcases,
        });
        services.set(ctx, s);
      }
      return s;
    },
    runner(ctx) {
      const r = runners.get(ctx);
      if (!r) throw new SamsvarError('unavailable', 're-validation is not running in this service', { retryAfter: 5 });
      return r;
    },
  };
  const worker: BackgroundTask = (ctx) => {
    const service = feature.service(ctx);
    const log = (m: string) => ctx.log(m);
    const runner: RevalidationRunner =
      ctx.database.dialect === 'postgres' && ctx.config.databaseUrl
        ? new PgBossRunner(ctx.config.databaseUrl, service, log, opts)
        : new InProcessRunner(service, log, opts);
    runners.set(ctx, runner);
    return { stop: () => runner.stop() };
  };
  return { modules: [revalidationRoutes(feature)], backgroundTasks: [worker], feature };
}
