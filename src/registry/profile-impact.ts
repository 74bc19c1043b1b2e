import type { ProfileCatalog } from '../profiles/catalog.js';
import { usersOf } from '../profiles/used-profiles.js';
import type { RegistryEntry, RegistryQuery } from './registry-view.js';

/** A run opened against a profile version; `through` names the run's profiles that use it, when it is not one of them. */
export interface RunUsingProfile {
  runId: string;
  vendorId: string;
  systemVersionId: string;
  createdAt: string;
  through?: string[];
}

export interface ImpactSources {
  registryPage(limit: number, offset: number, query: RegistryQuery): Promise<{ total: number; entries: RegistryEntry[] }>;
  declaredRuns(runIds: string[]): Promise<Set<string>>;
  runsUsing(profileId: string, version: string): Promise<RunUsingProfile[]>;
}

export interface ProfileVersionImpact {
  /** The newest `shown` active declarations resting on the version; `through` as for runs. */
  declarations: (RegistryEntry & { through?: string[] })[];
  declarationTotal: number;
  /** Runs opened against the version (or through a profile using it) that have not led to a declaration. */
  runs: RunUsingProfile[];
}

const PAGE = 500;

/**
 * What retiring or changing a profile version touches: the active declarations that list it, and
 * those that rest on it through another profile using it (a Dialogmelding's on msghead-1.2), which
 * its retirement or changed content expires as well; and the undeclared runs that use it either way.
 * Read page by page from the database: the cost follows the declarations of the profile and of
 * the profiles using it, not the registry.
 */
export async function profileVersionImpact(
  catalog: ProfileCatalog,
  sources: ImpactSources,
  profileId: string,
  version: string,
  shown = Number.POSITIVE_INFINITY,
): Promise<ProfileVersionImpact> {
  const profilesAnyOf = [profileId, ...(usersOf(catalog).get(profileId) ?? [])];
  const declarations: ProfileVersionImpact['declarations'] = [];
  let declarationTotal = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = await sources.registryPage(PAGE, offset, { profilesAnyOf, status: 'active' });
    for (const e of page.entries) {
      const listed = e.declaration.conformsTo;
      const direct = listed.some((p) => p.profile === profileId && p.version === version);
      const through = [
        ...new Set(listed.filter((p) => p.uses?.some((u) => u.profile === profileId && u.version === version)).map((p) => p.profile)),
      ];
      if (!direct && !through.length) continue;
      declarationTotal++;
      if (declarations.length < shown) declarations.push(direct ? e : { ...e, through });
    }
    if (offset + PAGE >= page.total) break;
  }
  const using = await sources.runsUsing(profileId, version);
  const declaredRuns = await sources.declaredRuns(using.map((r) => r.runId));
  return { declarations, declarationTotal, runs: using.filter((r) => !declaredRuns.has(r.runId)) };
}
