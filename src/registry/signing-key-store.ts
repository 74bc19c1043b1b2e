import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { JWK } from 'jose';
import { SamsvarError } from '../core/samsvar-error.js';
import { sha256Hex } from '../core/sha256.js';
import { canonicalJson } from '../signing/canonical-json.js';
import { keyEncryptionKey, openPrivateKey, sealPrivateKey } from '../signing/key-encryption.js';
import {
  EMBEDDED_KEY_FILE,
  generateJwk,
  keysDir,
  loadProductionKey,
  publicJwkOf,
  readPublished,
  signingKeyFromJwk,
  type KeyRing,
  type KeySource,
  type PublicJwk,
  type SigningKey,
} from '../signing/key-store.js';
import { appendAudit } from '../storage/audit-log.js';
import { isUniqueViolation } from '../storage/unique-violation.js';
import type { SqlDialect } from '../storage/dialect.js';
import type { CoreTables } from '../storage/schema.js';
import type { DeclarationStore } from './declaration-store.js';

/** Tables of migration 0110: the deployment's signing keys, shared by every instance on the database. */
export interface SigningKeyTables {
  /** Every key that ever signed; `private_key` sealed with the key-encryption key, null for a key from SAMSVAR_SIGNING_KEY. */
  signing_keys: { kid: string; public_jwk: string; private_key: string | null; created_at: string };
  /** One row (slot 1): the key that signs now. */
  signing_key_current: { slot: number; kid: string; since: string };
}

type Db = Kysely<CoreTables & SigningKeyTables>;

/**
 * The signing keys of a deployment, kept in its database: instances that share the database sign
 * with one key (its private half sealed with SAMSVAR_KEY_ENCRYPTION_KEY, which they share), the
 * JWKS lists every key that ever signed, and a rotation by one instance is seen by all at their
 * next signature. With SAMSVAR_SIGNING_KEY the key comes from that file and only its public half
 * is recorded here.
 */
export class DatabaseKeySource implements KeySource {
  private readonly db: Db;
  private readonly opened = new Map<string, SigningKey>();
  private ready?: Promise<void>;
  private fileKey?: Promise<SigningKey>;

  constructor(
    db: Kysely<CoreTables>,
    private readonly dialect: SqlDialect,
    private readonly env: NodeJS.ProcessEnv,
    private readonly store: DeclarationStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = db as unknown as Db;
    if (env.SAMSVAR_SIGNING_KEY) this.fileKey = loadProductionKey(env.SAMSVAR_SIGNING_KEY);
  }

  async ring(): Promise<KeyRing> {
    this.ready ??= this.bootstrap().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    const current = this.fileKey ? await this.fileKey : await this.open((await this.currentRow())!.kid);
    const rows = await this.db
      .selectFrom('signing_keys')
      .select(['kid', 'public_jwk'])
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
    const retired = rows.filter((r) => r.kid !== current.kid).map((r) => JSON.parse(r.public_jwk) as PublicJwk);
    return { current, jwks: { keys: [current.publicJwk, ...retired] } };
  }

  /**
   * A new current key; the outgoing one stays in the JWKS. Logged in the audit log and the
   * transparency log in one transaction; of two concurrent rotations one wins, the other is 409.
   */
  async rotate(actor: string): Promise<KeyRing> {
    if (this.fileKey)
      throw new SamsvarError(
        'conflict',
        'the signing key comes from SAMSVAR_SIGNING_KEY; rotate by pointing it at a new key and restarting',
      );
    await this.ring();
    const previous = (await this.currentRow())!.kid;
    const jwk = await generateJwk();
    const key = await signingKeyFromJwk(jwk);
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('signing_keys')
        .values(this.row(key, jwk, now))
        .execute();
      const moved = await trx
        .updateTable('signing_key_current')
        .set({ kid: key.kid, since: now.toISOString() })
        .where('slot', '=', 1)
        .where('kid', '=', previous)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1)
        throw new SamsvarError('conflict', 'the signing key was rotated at the same moment by another request; fetch the JWKS again');
      const entry = await this.store.appendLogIn(
        trx,
        {
          type: 'key_rotated',
          declarationId: '',
          subjectSha256: sha256Hex(canonicalJson(key.publicJwk)),
          detail: `${previous} -> ${key.kid}`,
        },
        now,
      );
      await appendAudit(
        trx as unknown as Kysely<CoreTables>,
        { actor, action: 'signing_key.rotate', objectType: 'signing_key', objectId: key.kid, details: { previous, logSeq: entry.seq } },
        now.toISOString(),
      );
    });
    this.opened.set(key.kid, key);
    return this.ring();
  }

  private row(key: SigningKey, jwk: JWK | undefined, at: Date): SigningKeyTables['signing_keys'] {
    const sealed = jwk
      ? sealPrivateKey(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }), key.kid, keyEncryptionKey(this.env))
      : null;
    return { kid: key.kid, public_jwk: JSON.stringify(key.publicJwk), private_key: sealed, created_at: at.toISOString() };
  }

  private currentRow() {
    return this.db.selectFrom('signing_key_current').selectAll().where('slot', '=', 1).executeTakeFirst();
  }

  private async open(kid: string): Promise<SigningKey> {
    const cached = this.opened.get(kid);
    if (cached) return cached;
    const row = await this.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
    if (!row?.private_key)
      throw new SamsvarError(
        'unavailable',
        `the deployment's current signing key ${kid} has no private key in the database; it signs with SAMSVAR_SIGNING_KEY, so set that here too`,
      );
    const plain = openPrivateKey(row.private_key, kid, keyEncryptionKey(this.env));
    if (plain === undefined) {
      throw new SamsvarError(
        'unavailable',
        `the deployment's signing key ${kid} cannot be decrypted with this instance's key-encryption key: set SAMSVAR_KEY_ENCRYPTION_KEY to the value the other instances use`,
      );
    }
    const key = await signingKeyFromJwk(JSON.parse(plain) as JWK);
    this.opened.set(kid, key);
    return key;
  }

  /**
   * First use: with SAMSVAR_SIGNING_KEY, record its public key and make it current. Otherwise, if
   * the database has no key yet, adopt the key an earlier version kept in $SAMSVAR_DATA/keys (and
   * the public keys it published), or generate one. Two instances starting at once on an empty
   * database: the first current key inserted wins, the other instance's candidate is removed.
   */
  private async bootstrap(): Promise<void> {
    const now = this.now();
    if (this.fileKey) {
      const key = await this.fileKey;
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('signing_keys')
          .values(this.row(key, undefined, now))
          .onConflict((oc) => oc.column('kid').doNothing())
          .execute();
        await trx
          .insertInto('signing_key_current')
          .values({ slot: 1, kid: key.kid, since: now.toISOString() })
          .onConflict((oc) => oc.column('slot').doUpdateSet({ kid: key.kid }))
          .execute();
      });
      return;
    }
    if (await this.currentRow()) return;
    const dir = keysDir(this.env);
    const legacy = path.join(dir, EMBEDDED_KEY_FILE);
    const jwk = existsSync(legacy) ? (JSON.parse(readFileSync(legacy, 'utf8')) as JWK) : await generateJwk();
    const key = await signingKeyFromJwk(jwk);
    const published = await Promise.all(readPublished(dir).map((k) => publicJwkOf(k)));
    try {
      await this.adopt(key, jwk, published, now);
    } catch (e) {
      // Another instance (on SQLite, another process) inserted the first key at the same moment: its key is the deployment's.
      if (!isUniqueViolation(e)) throw e;
    }
  }

  private async adopt(key: SigningKey, jwk: JWK, published: PublicJwk[], now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(5110)`.execute(trx);
      if (await trx.selectFrom('signing_key_current').select('kid').where('slot', '=', 1).executeTakeFirst()) return;
      await trx
        .insertInto('signing_keys')
        .values(this.row(key, jwk, now))
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
      for (const pub of published.filter((p) => p.kid !== key.kid)) {
        await trx
          .insertInto('signing_keys')
          .values({ kid: pub.kid, public_jwk: JSON.stringify(pub), private_key: null, created_at: new Date(0).toISOString() })
          .onConflict((oc) => oc.column('kid').doNothing())
          .execute();
      }
      await trx.insertInto('signing_key_current').values({ slot: 1, kid: key.kid, since: now.toISOString() }).execute();
    });
  }
}
