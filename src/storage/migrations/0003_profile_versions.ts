import { sql, type Kysely } from 'kysely';

const LIFECYCLE = ['draft', 'active', 'deprecated', 'retired'];
const inLifecycle = (column: string) => sql`${sql.ref(column)} in (${sql.join(LIFECYCLE.map((v) => sql.lit(v)))})`;

/**
 * Profile versions as administrators import and move them through their lifecycle (id + version is
 * immutable, bound to the SHA-256 of the content), and `deprecated` as a status a profile can have.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('profile_versions')
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(inLifecycle('status')))
    .addColumn('reason', 'text')
    .addColumn('replacement', 'text')
    .addColumn('retest_deadline', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addColumn('imported_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_versions_pk', ['profile_id', 'version'])
    .execute();

  // A check constraint cannot be widened in place on SQLite: the table is rebuilt with `deprecated` allowed.
  await db.schema
    .createTable('profile_status_v2')
    .addColumn('profile_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().check(inLifecycle('status')))
    .addColumn('reason', 'text')
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into profile_status_v2 (profile_id, status, reason, changed_at, changed_by) select profile_id, status, reason, changed_at, changed_by from profile_status`.execute(
    db,
  );
  await db.schema.dropTable('profile_status').execute();
  await db.schema.alterTable('profile_status_v2').renameTo('profile_status').execute();
}
