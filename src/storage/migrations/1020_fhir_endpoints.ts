import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Live tests count only against the FHIR API registered for the system version under test. The
 * version records its base URL; fhir_endpoints gives each server (host and port) to the first
 * vendor that registers a base URL on it, in the database itself, so that no other vendor can
 * register (and test) that vendor's server as its own under another path or scheme.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema.alterTable('system_versions').addColumn('fhir_base_url', 'text').execute();
  await db.schema
    .createTable('fhir_endpoints')
    .addColumn('server', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
