import path from 'node:path';
import { ProfileAdmin } from '../../runs/profile-admin.js';
import type { AppContext } from '../app-context.js';

const admins = new WeakMap<AppContext, ProfileAdmin>();

/** One ProfileAdmin per service: the API routes and the administrators' pages share it. */
export function profileAdminOf(ctx: AppContext): ProfileAdmin {
  let a = admins.get(ctx);
  if (!a) {
    a = new ProfileAdmin({ repo: ctx.repo, catalog: ctx.catalog, testcases: ctx.testcases, profilesRoot: path.join(ctx.config.dataDir, 'profiles'), reloadEngine: () => ctx.engine.reload() });
    admins.set(ctx, a);
  }
  return a;
}
