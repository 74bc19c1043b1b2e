import { sql, type Kysely } from 'kysely';
import { binaryType, type SqlDialect } from '../dialect.js';

/**
 * Level A declarations: issued without a run, so declarations.run_id becomes optional, and the
 * documentation they rest on is kept byte for byte next to its SHA-256 (the digest is signed).
 */
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table declarations alter column run_id drop not null`.execute(db);
  } else {
    await rebuildSqliteDeclarations(db);
  }

  await db.schema
    .createTable('declaration_documents')
    .addColumn('declaration_id', 'text', (c) => c.notNull().references('declarations.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content', binaryType(dialect), (c) => c.notNull())
    .addPrimaryKeyConstraint('declaration_documents_pk', ['declaration_id', 'position'])
    .execute();
}

/**
 * SQLite cannot drop NOT NULL in place: the documented way is to build the new table, copy,
 * drop the old one and rename, with foreign keys off so the tables referring to declarations
 * keep their rows. Kysely runs SQLite migrations outside a transaction, so this opens its own.
 */
async function rebuildSqliteDeclarations(db: Kysely<any>): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await db.schema
        .createTable('declarations_new')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
        .addColumn('run_id', 'text', (c) => c.references('runs.id'))
        .addColumn('jws', 'text', (c) => c.notNull())
        .addColumn('jws_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('org_number', 'text', (c) => c.notNull())
        .addColumn('system_name', 'text', (c) => c.notNull())
        .addColumn('system_version', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('logged_status', 'text', (c) => c.notNull().check(sql`logged_status in ('active', 'revoked', 'superseded', 'expired')`))
        .execute();
      await sql`insert into declarations_new select id, vendor_id, run_id, jws, jws_sha256, content, org_number, system_name, system_version, issued_at, expires_at, logged_status from declarations`.execute(
        db,
      );
      await sql`drop table declarations`.execute(db);
      await sql`alter table declarations_new rename to declarations`.execute(db);
      await db.schema.createIndex('declarations_system').on('declarations').columns(['org_number', 'system_name', 'issued_at']).execute();
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0)
        throw new Error(`foreign keys broken after rebuilding declarations: ${JSON.stringify(broken.rows.slice(0, 3))}`);
      await sql`commit`.execute(db);
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
