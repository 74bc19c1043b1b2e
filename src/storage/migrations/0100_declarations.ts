import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Declarations, their status changes, the transparency log, waivers, spot checks and requirement
 * sets. The log's seq is assigned by the appender (not a serial) because each entry's hash covers
 * it; the primary key makes two appenders at the same position fail instead of forking the chain.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('declarations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('jws_sha256', 'text', (c) => c.notNull().unique())
    /** The signed payload as JSON, for queries; the JWS stays the authority. */
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('org_number', 'text', (c) => c.notNull())
    .addColumn('system_name', 'text', (c) => c.notNull())
    .addColumn('system_version', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    /** The last status written to the transparency log, so each change is logged once. */
    .addColumn('logged_status', 'text', (c) => c.notNull().check(sql`logged_status in ('active', 'revoked', 'superseded', 'expired')`))
    .execute();
  await db.schema.createIndex('declarations_system').on('declarations').columns(['org_number', 'system_name', 'issued_at']).execute();

  await db.schema
    .createTable('declaration_revocations')
    .addColumn('declaration_id', 'text', (c) => c.primaryKey().references('declarations.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('revoked_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('countersignatures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('declaration_id', 'text', (c) => c.notNull().references('declarations.id'))
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('confirmed_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('transparency_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('declaration_id', 'text', (c) => c.notNull())
    .addColumn('subject_sha256', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('prev', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('waivers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text')
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('waivers_run').on('waivers').column('run_id').execute();

  await db.schema
    .createTable('spot_checks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('declaration_id', 'text', (c) => c.notNull().references('declarations.id'))
    .addColumn('test_cases', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text', (c) => c.notNull())
    .addColumn('answer', 'text')
    /** Set once the outcome is final: passed, failed or missed. */
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('spot_checks_declaration').on('spot_checks').column('declaration_id').execute();

  await db.schema
    .createTable('requirement_sets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
