import type { LoadedProfile } from '../profiles/manifest.js';
import type { ProfileStatusOverride } from '../storage/repository.js';

export type LifecycleStatus = 'draft' | 'active' | 'retired';

/** An administrator's decision overrides the status the profile's manifest ships with (default active). */
export function effectiveStatus(profile: LoadedProfile, overrides: Map<string, ProfileStatusOverride>): LifecycleStatus {
  return overrides.get(profile.manifest.id)?.status ?? profile.manifest.status ?? 'active';
}
