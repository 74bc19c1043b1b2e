import path from 'node:path';
import { ProfileAdmin } from '../../runs/profile-admin.js';
import { ProfilePackageStore } from '../../storage/profile-package-store.js';
import type { AppContext } from '../app-context.js';

const admins = new WeakMap<AppContext, ProfileAdmin>();
const sweeps = new WeakMap<AppContext, () => Promise<unknown>>();

/** The declaration feature registers its sweep, so a profile change expires declarations at once and the log records it. */
export function onProfileChange(ctx: AppContext, sweep: () => Promise<unknown>): void {
  sweeps.set(ctx, sweep);
}

/** Logs the declaration status changes a profile change causes now, before anyone could see a declaration revived or kept alive. */
export async function profileChanged(ctx: AppContext): Promise<void> {
  await sweeps.get(ctx)?.();
}

/** Changes the status of the version the catalog serves, then sweeps declarations. */
export async function changeProfileStatus(
  ctx: AppContext,
  id: string,
  status: 'draft' | 'active' | 'deprecated' | 'retired',
  reason: string | null,
  actor: string,
): Promise<void> {
  await profileAdminOf(ctx).changeServedStatus(id, status, reason, actor);
  await profileChanged(ctx);
}

/** One ProfileAdmin per service: the API routes and the administrators' pages share it. */
export function profileAdminOf(ctx: AppContext): ProfileAdmin {
  let a = admins.get(ctx);
  if (!a) {
    a = new ProfileAdmin({
      repo: ctx.repo,
      catalog: ctx.catalog,
      testcases: ctx.testcases,
      profilesRoot: path.join(ctx.config.dataDir, 'profiles'),
      sync: ctx.profileSync,
      store: new ProfilePackageStore(ctx.database.db),
      reloadEngine: () => ctx.engine.reload(),
    });
    admins.set(ctx, a);
  }
  return a;
}
