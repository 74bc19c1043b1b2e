import type { LoadedProfile } from '../profiles/manifest.js';
import type { ProfileStatusOverride } from '../storage/profile-repository.js';

import type { LifecycleStatus } from '../profiles/standards.js';

export type { LifecycleStatus };

/** An administrator's decision overrides the status the profile's manifest ships with (default active). */
export function effectiveStatus(profile: LoadedProfile, overrides: Map<string, ProfileStatusOverride>): LifecycleStatus {
  return overrides.get(profile.manifest.id)?.status ?? profile.manifest.status ?? 'active';
}
