import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Why the registry logged a status it computed (expired, superseded), as data
 * (declarations/status.ts StatusCause), beside the log entry it belongs to: the entry's detail is
 * the API's English reason and, being hashed into the chain, stays as it is; the feeds word the
 * cause in bokmål. Entries from before have none, and the feeds then give no reason.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('log_causes')
    // No foreign key to the log: PostgreSQL would refuse a TRUNCATE of the log over it, before the log's append-only trigger says why.
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('cause', 'text', (c) => c.notNull())
    .execute();
}
