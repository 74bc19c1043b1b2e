import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { AT_ONCE } from '../status-due.js';

/**
 * The status queue (storage/status-due.ts): a row per declaration and time its status may change,
 * indexed by that time, so the log's readers and the sweep evaluate only what is due. Existing
 * declarations whose status can still change are all due at once (whatever was pending is then
 * logged by the next read), and again at their expiry, open spot checks' deadlines and the re-test
 * deadlines of the profiles they list. Each row has a version, new whenever it is marked again, so a
 * reader deletes only the rows it evaluated (storage/status-due.ts).
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('status_due')
    .addColumn('declaration_id', 'text', (c) => c.notNull().references('declarations.id'))
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_due_pk', ['declaration_id', 'due_at'])
    .execute();
  await db.schema.createIndex('status_due_at').on('status_due').columns(['due_at', 'declaration_id']).execute();

  const open = sql`logged_status in ('active', 'superseded')`;
  // Nothing has read these rows yet: one version for all of them will do.
  const version = sql.lit('0800');
  // Each select has a WHERE: SQLite reads an upsert's ON CONFLICT after a bare join as the join's ON.
  for (const fill of [
    sql`insert into status_due (declaration_id, due_at, version) select id, ${sql.lit(AT_ONCE)}, ${version} from declarations where ${open}`,
    sql`insert into status_due (declaration_id, due_at, version) select id, expires_at, ${version} from declarations where ${open} on conflict do nothing`,
    sql`insert into status_due (declaration_id, due_at, version)
        select s.declaration_id, s.deadline, ${version} from spot_checks s join declarations d on d.id = s.declaration_id
        where s.outcome is null and d.logged_status in ('active', 'superseded') on conflict do nothing`,
    sql`insert into status_due (declaration_id, due_at, version)
        select dp.declaration_id, v.retest_deadline, ${version} from declaration_profiles dp
        join declarations d on d.id = dp.declaration_id
        join profile_versions v on v.profile_id = dp.profile
        where v.retest_deadline is not null and d.logged_status in ('active', 'superseded') on conflict do nothing`,
  ])
    await fill.execute(db);
}
