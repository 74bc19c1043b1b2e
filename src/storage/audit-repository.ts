import type { Kysely } from 'kysely';
import { readAudit, type AuditQuery, type AuditRecord } from './audit-log.js';
import type { CoreTables } from './schema.js';

/** Reading the audit log; entries are written by the repositories, each in the transaction of its change. */
export class AuditRepository {
  constructor(private readonly db: Kysely<CoreTables>) {}

  readAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
    return readAudit(this.db, q);
  }
}
