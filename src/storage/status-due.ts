import { sql, type Kysely } from 'kysely';
import type { CoreTables } from './schema.js';

/**
 * Migration 0800: when a declaration's status may next change by itself (its expiry, a re-test or
 * spot-check deadline) or must be looked at again because something it depends on changed. The
 * log's readers and the sweep evaluate only the declarations due by now, found by index, so their
 * cost follows what changed, not the registry's size.
 */
export interface StatusDueTables {
  status_due: { declaration_id: string; due_at: string };
}

/** Due at once: earlier than every time, so the next reader takes it whatever its clock says. */
export const AT_ONCE = '0000-01-01T00:00:00.000Z';

/** Statuses that can still change; revoked and expired are final. */
const OPEN = ['active', 'superseded'] as const;

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

/** Marks one declaration due at `at` (an ISO time, or {@link AT_ONCE}). */
export async function markDue(db: Kysely<CoreTables>, declarationId: string, at: string): Promise<void> {
  const dueAt = at === AT_ONCE ? at : new Date(at).toISOString();
  await queue(db)
    .insertInto('status_due')
    .values({ declaration_id: declarationId, due_at: dueAt })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Marks due at once the declarations of one system version issued before `issuedBefore` whose
 * recorded status is `status`: those a newer declaration may supersede (`active`), or that may
 * come back when one stops being in force (`superseded`). Indexed on (version, issued_at).
 */
export async function markVersionDue(
  db: Kysely<CoreTables>,
  v: { orgNumber: string; systemName: string; systemVersion: string; issuedBefore: string },
  status: 'active' | 'superseded',
): Promise<void> {
  await queue(db)
    .insertInto('status_due')
    .columns(['declaration_id', 'due_at'])
    .expression((eb) =>
      eb
        .selectFrom('declarations')
        .select(['id', sql.lit(AT_ONCE).as('due_at')])
        .where('org_number', '=', v.orgNumber)
        .where('system_name', '=', v.systemName)
        .where('system_version', '=', v.systemVersion)
        .where('issued_at', '<', v.issuedBefore)
        .where('logged_status', '=', status),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Marks due at `at` every declaration listing the profile whose status can still change (a profile's lifecycle or content changed). */
export async function markProfileDue(db: Kysely<CoreTables>, profileId: string, at: string): Promise<void> {
  const dueAt = at === AT_ONCE ? at : new Date(at).toISOString();
  await queue(db)
    .insertInto('status_due')
    .columns(['declaration_id', 'due_at'])
    .expression((eb) =>
      eb
        .selectFrom('declaration_profiles')
        .innerJoin('declarations', 'declarations.id', 'declaration_profiles.declaration_id')
        .select(['declarations.id', sql.lit(dueAt).as('due_at')])
        .distinct()
        .where('declaration_profiles.profile', '=', profileId)
        .where('declarations.logged_status', 'in', OPEN),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Takes up to `limit` declarations due by `now` off the queue: their rows due by then are deleted
 * before the caller evaluates them, so an event marking one due again meanwhile is either seen by
 * that evaluation (it committed first) or leaves a row of its own for the next reader.
 */
export async function takeDue(db: Kysely<CoreTables>, now: string, limit: number): Promise<string[]> {
  const rows = await queue(db)
    .selectFrom('status_due')
    .select('declaration_id')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .limit(limit)
    .execute();
  const ids = [...new Set(rows.map((r) => r.declaration_id))];
  if (ids.length > 0) await queue(db).deleteFrom('status_due').where('declaration_id', 'in', ids).where('due_at', '<=', now).execute();
  return ids;
}
