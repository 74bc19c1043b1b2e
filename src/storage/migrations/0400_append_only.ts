import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * The append-only tables refuse every way of rewriting them in the database itself. 0001 forbade
 * row updates and deletes of the audit log; PostgreSQL's TRUNCATE fires no row trigger, so it
 * needs a statement trigger of its own. The transparency log (a hash chain, each entry covering
 * the one before) gets the same protection: a rewritten entry would break every later hash.
 * SQLite has no TRUNCATE: its unqualified DELETE runs the DELETE trigger.
 */
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql
        .raw(
          `CREATE TRIGGER transparency_log_no_${op.toLowerCase()} BEFORE ${op} ON transparency_log BEGIN SELECT RAISE(ABORT, 'transparency_log is append-only'); END`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()')
    .execute(db);
  await sql
    .raw(
      `CREATE FUNCTION transparency_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'transparency_log is append-only'; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      'CREATE TRIGGER transparency_log_no_rewrite BEFORE UPDATE OR DELETE ON transparency_log FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only()',
    )
    .execute(db);
  await sql
    .raw(
      'CREATE TRIGGER transparency_log_no_truncate BEFORE TRUNCATE ON transparency_log FOR EACH STATEMENT EXECUTE FUNCTION transparency_log_append_only()',
    )
    .execute(db);
}
