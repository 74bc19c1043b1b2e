import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * The profiles each run profile's validation also applies (its `uses`, e.g. msghead-1.2 for a
 * Dialogmelding), as JSON [{ profile, version, profileSha256 }] at opening: a declaration names them,
 * and their changed content expires it like its own. Runs opened before record none ('[]').
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .alterTable('run_profiles')
    .addColumn('uses', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
