import type { ProfileCatalog } from './catalog.js';
import type { LoadedProfile } from './manifest.js';

/** A profile whose rules a validation against another one also applies (its `uses`), as it was then. */
export interface UsedProfile {
  profile: string;
  version: string;
  /** SHA-256 of the used profile's own content (LoadedProfile.sha256). */
  profileSha256: string;
}

/**
 * The profiles a validation against `profile` applies besides its own files: those it `uses`, and
 * theirs, in id order. A profile's own digest covers only its own folder, so this is what binds a
 * run or declaration to the Hodemelding rules (msghead-1.2) or e-resept rules (eresept-m1) it also
 * ran with. An id the catalog lacks is left out: validating against the profile fails on it first.
 */
export function usedProfiles(catalog: ProfileCatalog, profile: LoadedProfile): LoadedProfile[] {
  const found = new Map<string, LoadedProfile>();
  const visit = (p: LoadedProfile) => {
    if (p.manifest.kind !== 'xml') return;
    for (const id of p.manifest.uses ?? []) {
      const used = catalog.get(id);
      if (!used || used === profile || found.has(id)) continue;
      found.set(id, used);
      visit(used);
    }
  };
  visit(profile);
  return [...found.values()].sort((a, b) => (a.manifest.id < b.manifest.id ? -1 : 1));
}

/** Whether the catalog still serves exactly the used profile content recorded (a run's, a job's). */
export function stillServed(catalog: ProfileCatalog, uses: readonly UsedProfile[]): boolean {
  return uses.every((u) => catalog.get(u.profile)?.sha256 === u.profileSha256);
}

export function usedProfileRefs(catalog: ProfileCatalog, profile: LoadedProfile): UsedProfile[] {
  return usedProfiles(catalog, profile).map((p) => ({ profile: p.manifest.id, version: p.manifest.version, profileSha256: p.sha256 }));
}

/** For each profile some other profile uses, the ids of those that use it (directly or through another). */
export function usersOf(catalog: ProfileCatalog): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const p of catalog.list()) for (const u of usedProfiles(catalog, p)) users.set(u.manifest.id, [...(users.get(u.manifest.id) ?? []), p.manifest.id]);
  return users;
}
