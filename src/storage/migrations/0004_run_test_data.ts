import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Evidence bound to the run: the system version's own test communication party (its HER-id), the
 * test data each run fixes (a synthetic patient no other run has, both parties), and every MsgId
 * and SHA-256 the service has seen as evidence, so that a replayed artifact is recognised (the
 * MsgIds of artifacts submitted before this migration are not known; their SHA-256 are).
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema.alterTable('system_versions').addColumn('her_id', 'text').execute();

  await db.schema
    .createTable('run_test_data')
    .addColumn('run_id', 'text', (c) => c.primaryKey().references('runs.id'))
    // Unique across runs in the database itself: two runs never share a test patient.
    .addColumn('patient_fnr', 'text', (c) => c.notNull().unique())
    .addColumn('patient_hnr', 'text', (c) => c.notNull().unique())
    .addColumn('patient_given_name', 'text', (c) => c.notNull())
    .addColumn('patient_family_name', 'text', (c) => c.notNull())
    .addColumn('patient_date_of_birth', 'text', (c) => c.notNull())
    .addColumn('samsvar_name', 'text', (c) => c.notNull())
    .addColumn('samsvar_her_id', 'text', (c) => c.notNull())
    .addColumn('system_name', 'text', (c) => c.notNull())
    .addColumn('system_her_id', 'text')
    .execute();

  // One row per value: the first run and test case that used it as evidence (or generated it).
  await db.schema
    .createTable('evidence_claims')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id'))
    .addColumn('testcase_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('evidence_claims_pk', ['kind', 'value'])
    .execute();

  // What a database already holds counts as seen: samsvar's generated MsgIds and every artifact
  // submitted before, each claimed by its first use. (WHERE true: SQLite's INSERT … SELECT … ON CONFLICT needs it.)
  await sql`insert into evidence_claims (kind, value, run_id, testcase_id, origin, created_at)
    select 'msgid', msg_id, run_id, testcase_id, 'generated', created_at from generated_messages where true order by created_at
    on conflict do nothing`.execute(db);
  await sql`insert into evidence_claims (kind, value, run_id, testcase_id, origin, created_at)
    select 'sha256', artifact_sha256, run_id, testcase_id, 'submitted', created_at from submissions where true order by created_at, id
    on conflict do nothing`.execute(db);
}
