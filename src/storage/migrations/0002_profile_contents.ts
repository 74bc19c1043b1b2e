import type { Kysely } from 'kysely';

/** Each profile content (id and SHA-256) the service has loaded, so that imports and changes enter the audit log once. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('profile_contents')
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('first_loaded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_contents_pk', ['profile_id', 'sha256'])
    .execute();
}
