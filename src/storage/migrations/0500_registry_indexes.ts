import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Indexed registry reads. A declaration can be superseded only by newer declarations of the same
 * system version that cover its profiles and directions; `declaration_profiles` lists what each
 * declaration covers (copied from the signed content, which stays the authority), so status is
 * found by index lookups over those few rows instead of by evaluating the whole registry. The
 * registry list pages by (issued_at, id), newest first. The indexes hold exactly the order the
 * queries ask for (issue time descending, then id), so a page is read off the index without sorting
 * every matching row. Existing declarations are backfilled.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('declaration_profiles')
    .addColumn('declaration_id', 'text', (c) => c.notNull().references('declarations.id'))
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('declaration_profiles_pk', ['declaration_id', 'profile', 'direction'])
    .execute();
  await db.schema
    .createIndex('declarations_version_issued')
    .on('declarations')
    .columns(['org_number', 'system_name', 'system_version', 'issued_at desc', 'id'])
    .execute();
  await db.schema.createIndex('declarations_issued').on('declarations').columns(['issued_at desc', 'id']).execute();
  await db.schema.createIndex('declarations_run').on('declarations').column('run_id').execute();
  await db.schema.createIndex('spot_checks_open').on('spot_checks').column('outcome').execute();

  const rows = (await db.selectFrom('declarations').select(['id', 'content']).execute()) as Array<{ id: string; content: string }>;
  for (const r of rows) {
    const content = JSON.parse(r.content) as { conformsTo?: Array<{ profile: string; direction: string }> };
    const seen = new Set<string>();
    const values = (content.conformsTo ?? [])
      .filter((p) => !seen.has(`${p.profile}\u0000${p.direction}`) && seen.add(`${p.profile}\u0000${p.direction}`))
      .map((p) => ({ declaration_id: r.id, profile: p.profile, direction: p.direction }));
    if (values.length > 0) await db.insertInto('declaration_profiles').values(values).execute();
  }
}
