import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * A spot check's revocation keeps why, as JSON (declarations/spot-checks.ts SpotCheckReason), so a
 * page words it in bokmål from data instead of reading back the English reason the API gives.
 * Revocations from before have none: pages then say only that the spot check was not passed.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema.alterTable('declaration_revocations').addColumn('spot_check', 'text').execute();
}
