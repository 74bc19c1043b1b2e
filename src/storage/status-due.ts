import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type OnConflictBuilder } from 'kysely';
import type { CoreTables } from './schema.js';

/**
 * Migration 0800: when a declaration's status may next change by itself (its expiry, a re-test or
 * spot-check deadline) or must be looked at again because something it depends on changed. The
 * log's readers and the sweep evaluate only the declarations due by now, found by index, so their
 * cost follows what changed, not the registry's size.
 *
 * A row is deleted only after its declaration was evaluated, and only if nothing marked it again
 * meanwhile: every mark gives the row a new `version`, and {@link settledDue} deletes a row only with
 * the version that was read. On PostgreSQL a mark updates a row that exists (rather than doing
 * nothing), so its row lock makes a reader's delete wait for the marking transaction and then see
 * the new version; a status change is thus evaluated after the event that caused it commits.
 */
export interface StatusDueTables {
  status_due: { declaration_id: string; due_at: string; version: string };
}

/** Due at once: earlier than every time, so the next reader takes it whatever its clock says. */
export const AT_ONCE = '0000-01-01T00:00:00.000Z';

/** Statuses that can still change; revoked and expired are final. */
const OPEN = ['active', 'superseded'] as const;

/** One row read off the queue: what {@link settledDue} deletes once its declaration was evaluated. */
export interface DueRow {
  declarationId: string;
  dueAt: string;
  version: string;
}

const queue = (db: Kysely<CoreTables>) => db as unknown as Kysely<StatusDueTables & DueSources>;

/** The columns of other tables the queue is filled from. */
interface DueSources {
  declarations: {
    id: string;
    org_number: string;
    system_name: string;
    system_version: string;
    issued_at: string;
    logged_status: string;
  };
  declaration_profiles: { declaration_id: string; profile: string; direction: string };
}

const dueTime = (at: string) => (at === AT_ONCE ? at : new Date(at).toISOString());

/** A row marked again gets a new version, so a reader that read the old one leaves it for the next round. */
const remark = (version: string) => (oc: OnConflictBuilder<StatusDueTables & DueSources, 'status_due'>) =>
  oc.columns(['declaration_id', 'due_at']).doUpdateSet({ version });

/** Marks one declaration due at `at` (an ISO time, or {@link AT_ONCE}). */
export async function markDue(db: Kysely<CoreTables>, declarationId: string, at: string): Promise<void> {
  const version = randomUUID();
  await queue(db)
    .insertInto('status_due')
    .values({ declaration_id: declarationId, due_at: dueTime(at), version })
    .onConflict(remark(version))
    .execute();
}

/**
 * Marks due at once the declarations of one system version issued before `issuedBefore` whose
 * status can still change: those a newer declaration may supersede, or that may come back when one
 * stops being in force. Whichever the event, both are marked: a reader may be about to record one
 * of them superseded or active from what it read before the event. Indexed on (version, issued_at).
 */
export async function markVersionDue(
  db: Kysely<CoreTables>,
  v: { orgNumber: string; systemName: string; systemVersion: string; issuedBefore: string },
): Promise<void> {
  const version = randomUUID();
  await queue(db)
    .insertInto('status_due')
    .columns(['declaration_id', 'due_at', 'version'])
    .expression((eb) =>
      eb
        .selectFrom('declarations')
        .select(['id', sql.lit(AT_ONCE).as('due_at'), sql.lit(version).as('version')])
        .where('org_number', '=', v.orgNumber)
        .where('system_name', '=', v.systemName)
        .where('system_version', '=', v.systemVersion)
        .where('issued_at', '<', v.issuedBefore)
        .where('logged_status', 'in', OPEN),
    )
    .onConflict(remark(version))
    .execute();
}

/**
 * Marks due at `at` every declaration listing one of the profiles whose status can still change (a
 * profile's lifecycle or content changed: the profile, and those that use it).
 */
export async function markProfileDue(db: Kysely<CoreTables>, profileIds: readonly string[], at: string): Promise<void> {
  const version = randomUUID();
  await queue(db)
    .insertInto('status_due')
    .columns(['declaration_id', 'due_at', 'version'])
    .expression((eb) =>
      eb
        .selectFrom('declaration_profiles')
        .innerJoin('declarations', 'declarations.id', 'declaration_profiles.declaration_id')
        .select(['declarations.id', sql.lit(dueTime(at)).as('due_at'), sql.lit(version).as('version')])
        .distinct()
        .where('declaration_profiles.profile', 'in', [...profileIds])
        .where('declarations.logged_status', 'in', OPEN),
    )
    .onConflict(remark(version))
    .execute();
}

/** Marks a new declaration due at the re-test deadlines already set for the profiles it lists: it expires at them too. */
export async function markRetestDeadlinesDue(db: Kysely<CoreTables>, declarationId: string, profiles: readonly string[]): Promise<void> {
  if (profiles.length === 0) return;
  const rows = await db
    .selectFrom('profile_versions')
    .select('retest_deadline')
    .distinct()
    .where('profile_id', 'in', [...new Set(profiles)])
    .where('retest_deadline', 'is not', null)
    .execute();
  for (const r of rows) await markDue(db, declarationId, r.retest_deadline!);
}

/**
 * Up to `limit` rows due by `now`, read without taking them: a reader that stops before
 * {@link settledDue} (a crash, an error) leaves them for the next one.
 */
export async function dueRows(db: Kysely<CoreTables>, now: string, limit: number): Promise<DueRow[]> {
  const rows = await queue(db)
    .selectFrom('status_due')
    .select(['declaration_id', 'due_at', 'version'])
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('declaration_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ declarationId: r.declaration_id, dueAt: r.due_at, version: r.version }));
}

/** Deletes these rows after their declarations were evaluated, except those marked again since they were read. */
export async function settledDue(db: Kysely<CoreTables>, rows: readonly DueRow[]): Promise<void> {
  if (rows.length === 0) return;
  await queue(db)
    .deleteFrom('status_due')
    .where((eb) =>
      eb.or(
        rows.map((r) => eb.and([eb('declaration_id', '=', r.declarationId), eb('due_at', '=', r.dueAt), eb('version', '=', r.version)])),
      ),
    )
    .execute();
}
