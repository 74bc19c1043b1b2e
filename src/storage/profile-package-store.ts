/**
 * Imported profile content in the database (migration 0700): every instance over one database
 * serves the same profiles, and a data directory is only a cache of what is here. Writes take the
 * caller's transaction, so a profile version row and its content commit together.
 */
import type { Kysely, Transaction } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { CoreTables } from './schema.js';

export interface ProfilePackagesTable {
  sha256: string;
  kind: 'profile' | 'fhir-package';
  name: string;
  version: string;
  content: Uint8Array;
  stored_at: string;
}

export interface ProfileServingTable {
  profile_id: string;
  version: string;
  sha256: string;
  changed_at: string;
}

export interface ProfilePackageTables {
  profile_packages: ProfilePackagesTable;
  profile_serving: ProfileServingTable;
}

type Db = Kysely<CoreTables & ProfilePackageTables>;
/** The transaction a repository write runs in; these tables are read through it too. */
export type AnyTransaction = Transaction<CoreTables>;

/** The version the catalog serves for a profile id administrators manage. */
export interface ServedVersion {
  profileId: string;
  version: string;
  sha256: string;
}

export interface StoredPackage {
  sha256: string;
  kind: 'profile' | 'fhir-package';
  name: string;
  version: string;
}

const tx = (trx: AnyTransaction) => trx as unknown as Transaction<CoreTables & ProfilePackageTables>;

export class ProfilePackageStore {
  private readonly db: Db;

  constructor(db: Kysely<CoreTables>) {
    this.db = db as unknown as Db;
  }

  /** Keeps content under its SHA-256; the same content again is kept once. */
  static async put(trx: AnyTransaction, pkg: StoredPackage & { content: Uint8Array }): Promise<void> {
    await tx(trx)
      .insertInto('profile_packages')
      .values({ ...pkg, stored_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }

  /** Makes `version` the one served for its profile id. */
  static async serve(trx: AnyTransaction, v: ServedVersion): Promise<void> {
    const at = new Date().toISOString();
    await tx(trx)
      .insertInto('profile_serving')
      .values({ profile_id: v.profileId, version: v.version, sha256: v.sha256, changed_at: at })
      .onConflict((oc) => oc.column('profile_id').doUpdateSet({ version: v.version, sha256: v.sha256, changed_at: at }))
      .execute();
  }

  async serving(): Promise<ServedVersion[]> {
    const rows = await this.db.selectFrom('profile_serving').select(['profile_id', 'version', 'sha256']).orderBy('profile_id').execute();
    return rows.map((r) => ({ profileId: r.profile_id, version: r.version, sha256: r.sha256 }));
  }

  async content(sha256: string): Promise<Uint8Array | undefined> {
    const row = await this.db.selectFrom('profile_packages').select('content').where('sha256', '=', sha256).executeTakeFirst();
    return row?.content;
  }

  async has(sha256: string): Promise<boolean> {
    return !!(await this.db.selectFrom('profile_packages').select('sha256').where('sha256', '=', sha256).executeTakeFirst());
  }

  /** What is kept, without the content. */
  async list(kind?: StoredPackage['kind']): Promise<StoredPackage[]> {
    let q = this.db.selectFrom('profile_packages').select(['sha256', 'kind', 'name', 'version']);
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('name').orderBy('version').execute();
  }

  async serveNow(v: ServedVersion): Promise<void> {
    await this.db.transaction().execute((trx) => ProfilePackageStore.serve(trx as unknown as AnyTransaction, v));
  }

  /** Content kept outside a transaction (a version stored before migration 0700, found on disk). */
  async putNow(pkg: StoredPackage & { content: Uint8Array }): Promise<void> {
    await this.db.transaction().execute((trx) => ProfilePackageStore.put(trx as unknown as AnyTransaction, pkg));
  }
}

/**
 * A shipped version enters the managed versions when an imported version first replaces it:
 * active (as it was served), so the same change can deprecate it, and activating it later puts it
 * back in the catalog.
 */
export async function recordShippedVersion(
  trx: AnyTransaction,
  shipped: { manifest: { id: string; version: string; kind: string }; sha256: string },
  actor: string,
): Promise<void> {
  const at = new Date().toISOString();
  await trx
    .insertInto('profile_versions')
    .values({
      profile_id: shipped.manifest.id,
      version: shipped.manifest.version,
      sha256: shipped.sha256,
      kind: shipped.manifest.kind,
      status: 'active',
      reason: 'shipped with samsvar',
      replacement: null,
      retest_deadline: null,
      activated_at: null,
      imported_at: at,
      imported_by: 'samsvar',
      changed_at: at,
      changed_by: actor,
    })
    .execute();
  await appendAudit(
    trx,
    {
      actor,
      action: 'profile.version.recorded',
      objectType: 'profile',
      objectId: shipped.manifest.id,
      details: { version: shipped.manifest.version, sha256: shipped.sha256, source: 'shipped' },
    },
    at,
  );
}
