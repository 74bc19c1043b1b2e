import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Sessions of the web pages: a browser signs in once with its API token and then carries a random
 * session id in an HttpOnly cookie. The id is stored only as its SHA-256; the token only as the
 * hash api_tokens already keys it by, so a session ends when its token is revoked.
 */
export async function up(db: Kysely<any>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('web_sessions')
    .addColumn('id_sha256', 'text', (c) => c.primaryKey())
    .addColumn('token_sha256', 'text', (c) => c.notNull())
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_sessions_expiry').on('web_sessions').column('expires_at').execute();
}
