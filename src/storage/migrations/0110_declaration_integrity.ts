import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * What makes the declarations' statements hold under concurrency and say who did what: one
 * countersignature per declaration (a unique index, so two laboratories confirming at once cannot
 * both win on PostgreSQL, where the check-then-insert of two transactions interleaves), and runs
 * a laboratory opens for its re-test (level C), the deployment's signing keys, and administrators'
 * verifications of vendors' organisations.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema.createIndex('countersignatures_one_per_declaration').on('countersignatures').column('declaration_id').unique().execute();
  // A laboratory's re-test runs on the vendor's system version but is the laboratory's: level C rests on it.
  await db.schema.alterTable('runs').addColumn('lab_token_id', 'text').execute();
  // One signing identity per deployment: the keys live with the data every instance shares.
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('signing_key_current')
    .addColumn('slot', 'integer', (c) => c.primaryKey().check(sql`slot = 1`))
    .addColumn('kid', 'text', (c) => c.notNull().references('signing_keys.kid'))
    .addColumn('since', 'text', (c) => c.notNull())
    .execute();
  // A vendor is unverified until an administrator has checked its organisation against Enhetsregisteret.
  await db.schema
    .createTable('vendor_verifications')
    .addColumn('vendor_id', 'text', (c) => c.primaryKey().references('vendors.id'))
    .addColumn('verified_at', 'text', (c) => c.notNull())
    .addColumn('verified_by', 'text', (c) => c.notNull())
    .addColumn('registered_name', 'text', (c) => c.notNull())
    .addColumn('checked', 'text', (c) => c.notNull())
    .execute();
}
