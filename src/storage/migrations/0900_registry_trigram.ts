import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Registry text searches (`vendor`, `system`, `q`) served by trigram indexes, so a search reads the
 * declarations that contain its terms instead of every declaration: `LIKE '%…%'` on the folded
 * columns of migration 0600 is what no B-tree serves.
 *
 * PostgreSQL: pg_trgm's GIN index on each folded column; the planner uses it for the same LIKE the
 * store already sends (pg_trgm is a trusted extension: the database's owner may create it). Without
 * fastupdate: a GIN index otherwise queues new entries in a pending list that every search reads
 * through until a vacuum merges it (3 ms of a 3.4 ms search after 20,000 issuances); declarations
 * are issued seldom and searched often, so each issuance updates the index itself.
 *
 * SQLite: an FTS5 table with the trigram tokenizer holding the same three texts, keyed by the
 * declaration's id (not its rowid, which VACUUM may renumber), kept in step by triggers in the
 * writing transaction. The store looks up candidates there and still decides with the LIKE.
 * Declarations are never updated in these columns nor deleted by the service; the triggers for
 * those cases keep the index true if it happens all the same (their delete by id reads the index's
 * rows, the cost of a rare repair, not of a search). Existing declarations are indexed here.
 */
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create extension if not exists pg_trgm`.execute(db);
    for (const column of ['vendor_folded', 'system_folded', 'search_text'])
      await sql`create index ${sql.id(`declarations_${column}_trgm`)} on declarations using gin (${sql.ref(column)} gin_trgm_ops) with (fastupdate = off)`.execute(
        db,
      );
    return;
  }
  await sql`create virtual table declarations_search using fts5(declaration_id unindexed, vendor, system, text, tokenize = 'trigram')`.execute(
    db,
  );
  const insertNew = `insert into declarations_search (declaration_id, vendor, system, text) values (new.id, new.vendor_folded, new.system_folded, new.search_text);`;
  const deleteOld = `delete from declarations_search where declaration_id = old.id;`;
  await sql.raw(`create trigger declarations_search_insert after insert on declarations begin ${insertNew} end`).execute(db);
  await sql
    .raw(
      `create trigger declarations_search_update after update of id, vendor_folded, system_folded, search_text on declarations begin ${deleteOld} ${insertNew} end`,
    )
    .execute(db);
  await sql.raw(`create trigger declarations_search_delete after delete on declarations begin ${deleteOld} end`).execute(db);
  await sql`insert into declarations_search (declaration_id, vendor, system, text) select id, vendor_folded, system_folded, search_text from declarations`.execute(
    db,
  );
}
