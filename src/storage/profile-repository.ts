import type { Kysely, Transaction } from 'kysely';
import { SamsvarError } from '../core/samsvar-error.js';
import { appendAudit } from './audit-log.js';
import type { CoreTables } from './schema.js';
import type { UsedProfile } from '../profiles/used-profiles.js';
import { AT_ONCE, markProfileDue } from './status-due.js';
import { now } from './storage-clock.js';

export type ProfileLifecycle = 'draft' | 'active' | 'deprecated' | 'retired';
export interface ProfileVersionRecord {
  profileId: string;
  version: string;
  sha256: string;
  kind: string;
  status: ProfileLifecycle;
  reason: string | null;
  replacement: string | null;
  retestDeadline: string | null;
  activatedAt: string | null;
  importedAt: string;
  importedBy: string;
  changedAt: string;
  changedBy: string;
}
/** One lifecycle change of a profile version; `catalogStatus` also sets the profile's status where the catalog serves this version. */
export interface ProfileVersionChange {
  profileId: string;
  version: string;
  status: ProfileLifecycle;
  reason: string | null;
  replacement?: string | null;
  retestDeadline?: string | null;
  catalogStatus?: boolean;
  /** The profiles that use this one: their declarations rest on its rules and follow its lifecycle too. */
  usedBy?: readonly string[];
}
export interface ProfileStatusOverride {
  profileId: string;
  status: 'draft' | 'active' | 'deprecated' | 'retired';
  reason: string | null;
  changedAt: string;
  changedBy: string;
}

/** Profile versions and their lifecycle, the catalog's status overrides, and the profile contents the service loaded. */
export class ProfileRepository {
  constructor(private readonly db: Kysely<CoreTables>) {}

  async setProfileStatus(
    profileId: string,
    status: ProfileStatusOverride['status'],
    reason: string | null,
    actor: string,
    /** The profiles that use this one: their declarations rest on its rules and follow its status too. */
    usedBy: readonly string[] = [],
  ): Promise<ProfileStatusOverride> {
    const rec: ProfileStatusOverride = { profileId, status, reason, changedAt: now(), changedBy: actor };
    await this.db.transaction().execute(async (trx) => {
      const row = { profile_id: profileId, status, reason, changed_at: rec.changedAt, changed_by: actor };
      await trx
        .insertInto('profile_status')
        .values(row)
        .onConflict((oc) => oc.column('profile_id').doUpdateSet({ status, reason, changed_at: rec.changedAt, changed_by: actor }))
        .execute();
      await markProfileDue(trx, [profileId, ...usedBy], AT_ONCE);
      await appendAudit(trx, { actor, action: 'profile.status', objectType: 'profile', objectId: profileId, details: { status, reason } });
    });
    return rec;
  }

  /**
   * Records the profile contents the service loaded. Content not seen before (a new import, a
   * changed or replaced profile) enters the audit log as `profile.loaded` or `profile.changed`,
   * with its SHA-256; what was seen before is not audited again, but content put back to one seen
   * before the latest makes the profile's declarations due, and those of the profiles that use it
   * (`usedBy`: their tests applied its rules too). Returns the audit actions written.
   */
  async recordProfileContents(
    profiles: { id: string; version: string; sha256: string; source: string; usedBy?: readonly string[] }[],
    actor = 'system',
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom('profile_contents').select(['profile_id', 'sha256', 'first_loaded_at']).execute();
      const seen = new Set(known.map((r) => `${r.profile_id}\0${r.sha256}`));
      const ids = new Set(known.map((r) => r.profile_id));
      const latest = new Map<string, { sha256: string; at: string }>();
      for (const r of known) {
        const l = latest.get(r.profile_id);
        if (!l || r.first_loaded_at > l.at) latest.set(r.profile_id, { sha256: r.sha256, at: r.first_loaded_at });
      }
      const written: string[] = [];
      for (const p of profiles) {
        if (seen.has(`${p.id}\0${p.sha256}`)) {
          // Put back to content seen before (A, B, then A again): declarations tested against B expire all the same.
          if (latest.get(p.id)!.sha256 !== p.sha256) await markProfileDue(trx, [p.id, ...(p.usedBy ?? [])], AT_ONCE);
          continue;
        }
        // Instances starting together on one database each find the content new; the one whose row
        // lands records it, the other neither fails its start-up nor audits it twice.
        const inserted = await trx
          .insertInto('profile_contents')
          .values({ profile_id: p.id, sha256: p.sha256, version: p.version, source: p.source, first_loaded_at: now() })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (!Number(inserted.numInsertedOrUpdatedRows ?? 0)) continue;
        const action = ids.has(p.id) ? 'profile.changed' : 'profile.loaded';
        // Declarations tested against the content this replaces expire: their status is due at once.
        if (action === 'profile.changed') await markProfileDue(trx, [p.id, ...(p.usedBy ?? [])], AT_ONCE);
        await appendAudit(trx, {
          actor,
          action,
          objectType: 'profile',
          objectId: p.id,
          details: { version: p.version, sha256: p.sha256, source: p.source },
        });
        written.push(`${action} ${p.id}`);
      }
      return written;
    });
  }

  /** A newly imported profile version (draft), audited; a brand-new profile id also gets `draft` as its catalog status. */
  async insertProfileVersion(
    rec: { profileId: string; version: string; sha256: string; kind: string; catalogStatus: boolean; details?: Record<string, unknown> },
    actor: string,
    /** More writes that commit with this one (the version's content). */
    within?: (trx: Transaction<CoreTables>) => Promise<void>,
  ): Promise<ProfileVersionRecord> {
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      await within?.(trx);
      await trx
        .insertInto('profile_versions')
        .values({
          profile_id: rec.profileId,
          version: rec.version,
          sha256: rec.sha256,
          kind: rec.kind,
          status: 'draft',
          reason: null,
          replacement: null,
          retest_deadline: null,
          activated_at: null,
          imported_at: at,
          imported_by: actor,
          changed_at: at,
          changed_by: actor,
        })
        .execute();
      if (rec.catalogStatus) {
        await trx
          .insertInto('profile_status')
          .values({ profile_id: rec.profileId, status: 'draft', reason: 'imported', changed_at: at, changed_by: actor })
          .onConflict((oc) =>
            oc.column('profile_id').doUpdateSet({ status: 'draft', reason: 'imported', changed_at: at, changed_by: actor }),
          )
          .execute();
      }
      await appendAudit(
        trx,
        {
          actor,
          action: 'profile.imported',
          objectType: 'profile',
          objectId: rec.profileId,
          details: { version: rec.version, sha256: rec.sha256, status: 'draft', ...rec.details },
        },
        at,
      );
    });
    return (await this.profileVersions(rec.profileId)).find((v) => v.version === rec.version)!;
  }

  /** Applies lifecycle changes together (e.g. activating a version deprecates the one it replaces), each audited and dated. */
  async changeProfileVersions(
    changes: ProfileVersionChange[],
    actor: string,
    /** More writes that commit with these (which version the catalog serves). */
    within?: (trx: Transaction<CoreTables>) => Promise<void>,
  ): Promise<void> {
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      await within?.(trx);
      for (const c of changes) {
        const set = {
          status: c.status,
          reason: c.reason,
          changed_at: at,
          changed_by: actor,
          ...(c.status === 'active' ? { activated_at: at } : {}),
          ...(c.replacement !== undefined ? { replacement: c.replacement } : {}),
          ...(c.retestDeadline !== undefined ? { retest_deadline: c.retestDeadline } : {}),
        };
        const done = await trx
          .updateTable('profile_versions')
          .set(set)
          .where('profile_id', '=', c.profileId)
          .where('version', '=', c.version)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw new SamsvarError('not_found', `profile ${c.profileId} has no version ${c.version}`);
        if (c.catalogStatus) {
          await trx
            .insertInto('profile_status')
            .values({ profile_id: c.profileId, status: c.status, reason: c.reason, changed_at: at, changed_by: actor })
            .onConflict((oc) =>
              oc.column('profile_id').doUpdateSet({ status: c.status, reason: c.reason, changed_at: at, changed_by: actor }),
            )
            .execute();
        }
        await appendAudit(
          trx,
          {
            actor,
            action: 'profile.version.status',
            objectType: 'profile',
            objectId: c.profileId,
            details: {
              version: c.version,
              status: c.status,
              reason: c.reason,
              ...(c.replacement ? { replacement: c.replacement } : {}),
              ...(c.retestDeadline ? { retestDeadline: c.retestDeadline } : {}),
            },
          },
          at,
        );
        // Declarations listing the profile, or one that uses it, may expire now (retired, other content) or at the re-test deadline.
        const affected = [c.profileId, ...(c.usedBy ?? [])];
        await markProfileDue(trx, affected, AT_ONCE);
        if (c.retestDeadline) await markProfileDue(trx, affected, c.retestDeadline);
      }
    });
  }

  async profileVersions(profileId?: string): Promise<ProfileVersionRecord[]> {
    let q = this.db.selectFrom('profile_versions').selectAll();
    if (profileId) q = q.where('profile_id', '=', profileId);
    const rows = await q.orderBy('profile_id').orderBy('imported_at').execute();
    return rows.map((r) => ({
      profileId: r.profile_id,
      version: r.version,
      sha256: r.sha256,
      kind: r.kind,
      status: r.status,
      reason: r.reason,
      replacement: r.replacement,
      retestDeadline: r.retest_deadline,
      activatedAt: r.activated_at,
      importedAt: r.imported_at,
      importedBy: r.imported_by,
      changedAt: r.changed_at,
      changedBy: r.changed_by,
    }));
  }

  /** Runs opened against a profile version (any vendor): who would be affected by retiring or fixing it. */
  /**
   * Runs that validated with a profile version: as one of their profiles, or through one of them
   * that uses it (`through` names those, e.g. the Dialogmelding profiles resting on msghead-1.2).
   */
  async runsUsingProfile(
    profileId: string,
    version: string,
  ): Promise<{ runId: string; vendorId: string; systemVersionId: string; createdAt: string; through?: string[] }[]> {
    const rows = await this.db
      .selectFrom('run_profiles')
      .innerJoin('runs', 'runs.id', 'run_profiles.run_id')
      .select([
        'runs.id',
        'runs.vendor_id',
        'runs.system_version_id',
        'runs.created_at',
        'run_profiles.profile_id',
        'run_profiles.profile_version',
        'run_profiles.uses',
      ])
      .where((eb) =>
        eb.or([
          eb.and([eb('run_profiles.profile_id', '=', profileId), eb('run_profiles.profile_version', '=', version)]),
          // A coarse filter in the database; the recorded uses are compared exactly below.
          eb('run_profiles.uses', 'like', `%${JSON.stringify({ profile: profileId }).slice(1, -1)}%`),
        ]),
      )
      .orderBy('runs.created_at')
      .orderBy('runs.id')
      .execute();
    type Found = { runId: string; vendorId: string; systemVersionId: string; createdAt: string; direct: boolean; through: string[] };
    const runs = new Map<string, Found>();
    for (const r of rows) {
      const direct = r.profile_id === profileId && r.profile_version === version;
      if (!direct && !(JSON.parse(r.uses) as UsedProfile[]).some((u) => u.profile === profileId && u.version === version)) continue;
      const run = runs.get(r.id) ?? {
        runId: r.id,
        vendorId: r.vendor_id,
        systemVersionId: r.system_version_id,
        createdAt: r.created_at,
        direct: false,
        through: [],
      };
      runs.set(r.id, run);
      if (direct) run.direct = true;
      else run.through.push(r.profile_id);
    }
    return [...runs.values()].map(({ direct, through, ...run }) => (direct ? run : { ...run, through }));
  }

  async profileStatuses(): Promise<Map<string, ProfileStatusOverride>> {
    const rows = await this.db.selectFrom('profile_status').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.profile_id,
        { profileId: r.profile_id, status: r.status, reason: r.reason, changedAt: r.changed_at, changedBy: r.changed_by },
      ]),
    );
  }
}
