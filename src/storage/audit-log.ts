import type { Kysely } from 'kysely';
import type { CoreTables } from './schema.js';

export interface AuditEntry {
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  seq: number;
  at: string;
}

/**
 * Appends one entry. Call it with the transaction that makes the change, so the change and its
 * record commit together. The table is append-only: nothing in the service updates or deletes it.
 */
export async function appendAudit(trx: Kysely<CoreTables>, entry: AuditEntry, at = new Date().toISOString()): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at,
      actor: entry.actor,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

export interface AuditQuery {
  objectType?: string;
  objectId?: string;
  actor?: string;
  /** Entries with seq greater than this (paging forward). */
  after?: number;
  limit?: number;
}

export async function readAudit(db: Kysely<CoreTables>, q: AuditQuery = {}): Promise<AuditRecord[]> {
  let query = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq', 'asc')
    .limit(Math.min(Math.max(q.limit ?? 100, 1), 1000));
  if (q.objectType) query = query.where('object_type', '=', q.objectType);
  if (q.objectId) query = query.where('object_id', '=', q.objectId);
  if (q.actor) query = query.where('actor', '=', q.actor);
  if (q.after !== undefined) query = query.where('seq', '>', q.after);
  const rows = await query.execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}
