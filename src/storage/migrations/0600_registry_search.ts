import type { Kysely } from 'kysely';
import { searchColumns, type Searchable } from '../search-text.js';
import type { SqlDialect } from '../dialect.js';

/**
 * Registry searches filtered and paged in the database. Each declaration carries its folded
 * vendor name, system name and free text (storage/search-text.ts), so a search by text returns
 * only the page's rows; `declaration_profiles` gets an index by profile (its key leads with the
 * declaration), and the declarations one by recorded status in the registry's order, so the
 * profile, standard and status filters read the page off an index. Existing declarations are backfilled.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  for (const column of ['vendor_folded', 'system_folded', 'search_text'])
    await db.schema.alterTable('declarations').addColumn(column, 'text').execute();
  await db.schema
    .createIndex('declaration_profiles_profile')
    .on('declaration_profiles')
    .columns(['profile', 'direction', 'declaration_id'])
    .execute();
  await db.schema.createIndex('declarations_status_issued').on('declarations').columns(['logged_status', 'issued_at desc', 'id']).execute();
  await db.schema.createIndex('declarations_vendor_issued').on('declarations').columns(['vendor_id', 'issued_at desc', 'id']).execute();

  const rows = (await db.selectFrom('declarations').select(['id', 'content']).execute()) as Array<{ id: string; content: string }>;
  for (const r of rows) {
    const d = JSON.parse(r.content) as Partial<Searchable>;
    const searchable: Searchable = {
      id: r.id,
      manufacturer: { name: d.manufacturer?.name ?? '', organisasjonsnummer: d.manufacturer?.organisasjonsnummer ?? '' },
      product: { name: d.product?.name ?? '', version: d.product?.version ?? '' },
      conformsTo: (d.conformsTo ?? []).map((p) => ({ profile: p.profile ?? '', title: p.title ?? '' })),
    };
    await db.updateTable('declarations').set(searchColumns(searchable)).where('id', '=', r.id).execute();
  }
}
