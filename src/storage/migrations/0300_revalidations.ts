import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Re-validation jobs: stored submissions of a profile run again against the profile version now
 * loaded. Each job's submissions are listed when it is created, one item each; an item is done once
 * its new verdict is written, so a job stopped anywhere resumes with the items not yet done.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('revalidations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('profile_version', 'text', (c) => c.notNull())
    .addColumn('profile_sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createTable('revalidation_items')
    .addColumn('revalidation_id', 'text', (c) => c.notNull().references('revalidations.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id'))
    .addColumn('old_verdict', 'text', (c) => c.notNull())
    .addColumn('new_verdict', 'text')
    /** JSON array of the rule ids of the new error findings. */
    .addColumn('new_errors', 'text')
    /** Why the submission could not be re-run (live record, test case gone), when it could not. */
    .addColumn('skipped', 'text')
    .addColumn('done_at', 'text')
    .addPrimaryKeyConstraint('revalidation_items_pk', ['revalidation_id', 'submission_id'])
    .execute();
  await db.schema
    .createIndex('revalidation_items_pending')
    .on('revalidation_items')
    .columns(['revalidation_id', 'done_at', 'position'])
    .execute();
}
