import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CoreTables } from '../storage/schema.js';
import { hashToken } from '../auth/tokens.js';
import { sha256Hex } from '../core/sha256.js';

interface SessionTables {
  web_sessions: { id_sha256: string; token_sha256: string; csrf: string; created_at: string; expires_at: string };
}

export interface WebSession {
  /** SHA-256 of the API token the browser signed in with; the principal is looked up from it on every request. */
  tokenSha256: string;
  /** Every form of the session carries it; a POST without it is refused. */
  csrf: string;
  expiresAt: string;
}

/** Sessions end after this long, whatever the user does. */
export const SESSION_HOURS = 8;

/** Web sessions in the service's database, so several instances share them and a restart keeps them. */
export class SessionStore {
  private readonly db: Kysely<SessionTables>;

  constructor(
    db: Kysely<CoreTables>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = db as unknown as Kysely<SessionTables>;
  }

  /** Starts a session for a token already checked by the caller; returns the cookie value, shown to nobody else. */
  async start(token: string): Promise<{ id: string; session: WebSession }> {
    const id = randomBytes(32).toString('base64url');
    const created = this.now();
    const session: WebSession = {
      tokenSha256: hashToken(token),
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: new Date(created.getTime() + SESSION_HOURS * 3600_000).toISOString(),
    };
    // Expired sessions are cleared whenever a new one starts, so the table stays the size of those in use.
    await this.db.deleteFrom('web_sessions').where('expires_at', '<=', created.toISOString()).execute();
    await this.db
      .insertInto('web_sessions')
      .values({
        id_sha256: sha256Hex(id),
        token_sha256: session.tokenSha256,
        csrf: session.csrf,
        created_at: created.toISOString(),
        expires_at: session.expiresAt,
      })
      .execute();
    return { id, session };
  }

  async find(id: string): Promise<WebSession | undefined> {
    const row = await this.db.selectFrom('web_sessions').selectAll().where('id_sha256', '=', sha256Hex(id)).executeTakeFirst();
    if (!row || row.expires_at <= this.now().toISOString()) return undefined;
    return { tokenSha256: row.token_sha256, csrf: row.csrf, expiresAt: row.expires_at };
  }

  async end(id: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id_sha256', '=', sha256Hex(id)).execute();
  }
}
