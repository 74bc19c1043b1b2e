import { sql, type Kysely } from 'kysely';
import { binaryType, type SqlDialect } from '../dialect.js';

/**
 * Imported profile content lives in the database, so every instance over it serves the same
 * profiles and a data directory is only a cache: `profile_packages` holds each imported profile
 * version's files (and each imported FHIR package) keyed by SHA-256; `profile_serving` names the
 * version the catalog serves for a profile id that administrators manage (an imported profile, or
 * a shipped one whose imported version was activated).
 */
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('profile_packages')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    /** `profile`: one profile version's directory; `fhir-package`: an npm-layout FHIR package's `package/` folder. */
    .addColumn('kind', 'text', (c) => c.notNull().check(sqlIn('kind', ['profile', 'fhir-package'])))
    /** The profile id, or the FHIR package name. */
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    /** The files, as src/profiles/file-bundle.ts encodes them (gzip). */
    .addColumn('content', binaryType(dialect), (c) => c.notNull())
    .addColumn('stored_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('profile_packages_name').on('profile_packages').columns(['kind', 'name', 'version']).execute();
  await db.schema
    .createTable('profile_serving')
    .addColumn('profile_id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute();
}

function sqlIn(column: string, values: string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}
