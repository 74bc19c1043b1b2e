import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * The profiles a re-validation job's profile uses (e.g. msghead-1.2), as JSON
 * [{ profile, version, profileSha256 }] at creation: an instance runs the job only with that content
 * loaded, as it does for the profile's own. Jobs made before record none ('[]').
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .alterTable('revalidations')
    .addColumn('uses', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
