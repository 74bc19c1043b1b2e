import type { CodelistNotShipped, LoadedProfile, ProfileStandard } from './manifest.js';
import { directionOf, type TestcaseKind } from '../core/direction.js';

/**
 * The profile catalogue as a municipality or vendor reads it: by standard and version, with the
 * message types covered, how many test cases exist in each direction, and whether the code lists
 * the standard uses are all shipped. One view behind `GET /profiles` and `samsvar profiles list`.
 */

/** Test cases counted by the direction their kind implies (see core/direction). */
export interface DirectionCounts {
  send: number;
  receive: number;
}

/** What the catalogue needs of a test case (the test case model itself stays out of this folder). */
export interface TestcaseRef {
  profile: string;
  kind: TestcaseKind;
}

export type LifecycleStatus = 'draft' | 'active' | 'deprecated' | 'retired';

export interface ProfileSummary {
  id: string;
  version: string;
  title: string;
  kind: 'xml' | 'fhir';
  description?: string;
  specification?: string;
  status: LifecycleStatus;
  source: LoadedProfile['source'];
  sha256: string;
  standard: ProfileStandard;
  messageTypes: string[];
  testcases: number;
  testcasesByDirection: DirectionCounts;
  codelistsComplete: boolean;
  codelistsNotShipped: CodelistNotShipped[];
}

export interface MissingCodelist extends CodelistNotShipped {
  /** The profiles that declare it not shipped. */
  profiles: string[];
}

export interface StandardVersion {
  version: string;
  messageTypes: string[];
  testcasesByDirection: DirectionCounts;
  codelistsComplete: boolean;
  codelistsNotShipped: MissingCodelist[];
  profiles: ProfileSummary[];
}

export interface StandardGroup {
  id: string;
  name: string;
  /** False for a profile that names no standard (an imported XSD set, say): it forms a group of its own. */
  declared: boolean;
  messageTypes: string[];
  testcasesByDirection: DirectionCounts;
  codelistsComplete: boolean;
  versions: StandardVersion[];
}

/** A profile without `standard` stands for itself: its id, title and version. */
export function standardOf(profile: LoadedProfile): ProfileStandard & { declared: boolean } {
  const m = profile.manifest;
  if (m.standard) return { ...m.standard, declared: true };
  return { id: m.id, name: m.title, version: m.version, declared: false };
}


function add(a: DirectionCounts, b: DirectionCounts): DirectionCounts {
  return { send: a.send + b.send, receive: a.receive + b.receive };
}

function union(lists: readonly string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

const numeric = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** One profile as the catalogue shows it; `testcases` may hold other profiles' test cases too. */
export function summarizeProfile(profile: LoadedProfile, testcases: readonly TestcaseRef[], status: LifecycleStatus): ProfileSummary {
  const m = profile.manifest;
  const own = testcases.filter((tc) => tc.profile === m.id);
  const byDirection: DirectionCounts = { send: 0, receive: 0 };
  for (const tc of own) byDirection[directionOf(tc)] += 1;
  const { declared: _declared, ...standard } = standardOf(profile);
  return {
    id: m.id,
    version: m.version,
    title: m.title,
    kind: m.kind,
    ...(m.description ? { description: m.description } : {}),
    ...(m.specification ? { specification: m.specification } : {}),
    status,
    source: profile.source,
    sha256: profile.sha256,
    standard,
    messageTypes: [...(m.messageTypes ?? [])],
    testcases: own.length,
    testcasesByDirection: byDirection,
    codelistsComplete: !(m.codelistsNotShipped ?? []).length,
    codelistsNotShipped: [...(m.codelistsNotShipped ?? [])],
  };
}

function missingCodelists(profiles: readonly ProfileSummary[]): MissingCodelist[] {
  const byOid = new Map<string, MissingCodelist>();
  for (const p of profiles) {
    for (const c of p.codelistsNotShipped) {
      const seen = byOid.get(c.oid);
      if (seen) seen.profiles.push(p.id);
      else byOid.set(c.oid, { ...c, profiles: [p.id] });
    }
  }
  return [...byOid.values()].sort((a, b) => numeric(a.oid, b.oid));
}

/** Profiles grouped by standard (sorted by name), then by the standard's version (ascending). */
export function catalogueByStandard(
  profiles: readonly LoadedProfile[],
  testcases: readonly TestcaseRef[],
  statusOf: (p: LoadedProfile) => LifecycleStatus,
): StandardGroup[] {
  const groups = new Map<string, { declared: boolean; byVersion: Map<string, { name: string; members: ProfileSummary[] }> }>();
  for (const p of [...profiles].sort((a, b) => a.manifest.id.localeCompare(b.manifest.id))) {
    const s = standardOf(p);
    const group = groups.get(s.id) ?? { declared: s.declared, byVersion: new Map() };
    groups.set(s.id, group);
    const version = group.byVersion.get(s.version) ?? { name: s.name, members: [] };
    group.byVersion.set(s.version, version);
    version.members.push(summarizeProfile(p, testcases, statusOf(p)));
  }

  const result: StandardGroup[] = [];
  for (const [id, group] of groups) {
    const ordered = [...group.byVersion.entries()].sort(([a], [b]) => numeric(a, b));
    const versions: StandardVersion[] = ordered.map(([version, { members }]) => {
      const notShipped = missingCodelists(members);
      return {
        version,
        messageTypes: union(members.map((p) => p.messageTypes)),
        testcasesByDirection: members.reduce((sum, p) => add(sum, p.testcasesByDirection), { send: 0, receive: 0 }),
        codelistsComplete: notShipped.length === 0,
        codelistsNotShipped: notShipped,
        profiles: members,
      };
    });
    result.push({
      id,
      // As the newest version calls the standard: a renamed standard is shown by today's name.
      name: ordered.at(-1)![1].name,
      declared: group.declared,
      messageTypes: union(versions.map((v) => v.messageTypes)),
      testcasesByDirection: versions.reduce((sum, v) => add(sum, v.testcasesByDirection), { send: 0, receive: 0 }),
      codelistsComplete: versions.every((v) => v.codelistsComplete),
      versions,
    });
  }
  return result.sort((a, b) => a.name.localeCompare(b.name, 'nb') || a.id.localeCompare(b.id));
}
