import type { RevalidationRunner } from '../../runs/revalidation-runners.js';
import type { RevalidationService } from '../../runs/revalidation.js';
import type { AppContext } from '../app-context.js';

/** What the routes and pages need of re-validation, per running service. */
export interface RevalidationFeature {
  service(ctx: AppContext): RevalidationService;
  /** The worker of this service; `unavailable` until the background task started it. */
  runner(ctx: AppContext): RevalidationRunner;
}
