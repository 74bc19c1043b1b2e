import type { Kysely, Transaction } from 'kysely';
import { newChallengeToken, newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { fhirServerOf } from '../live/fhir-base-url.js';
import { appendAudit } from './audit-log.js';
import type { CoreTables } from './schema.js';
import { now } from './storage-clock.js';
import { isUniqueViolation } from './unique-violation.js';

export interface System {
  id: string;
  vendorId: string;
  name: string;
  description: string | null;
  createdAt: string;
  versions: SystemVersion[];
}
export interface SystemVersion {
  id: string;
  systemId: string;
  version: string;
  releasedAt: string | null;
  createdAt: string;
  herId: string | null;
  /** The FHIR API the version's live tests run against; null: none registered. */
  fhirBaseUrl: string | null;
}

/** A vendor's claim on a FHIR server (fhirServerOf) and its proof of control. */
export interface FhirEndpoint {
  server: string;
  /** The vendor holding the server: the one that proved control, or until then the first to register it. */
  vendorId: string;
  /** The last segment of the server's challenge URL (what it serves there is vendor-specific: live/fhir-base-url.ts). */
  challengeToken: string;
  /** When samsvar saw the server serve it; null: not verified. */
  verifiedAt: string | null;
}

/** A vendor's systems and their versions. */
export class SystemRepository {
  constructor(private readonly db: Kysely<CoreTables>) {}

  async createSystem(vendorId: string, input: { name: string; description?: string }, actor: string): Promise<System> {
    const sys: System = { id: newId(), vendorId, name: input.name, description: input.description ?? null, createdAt: now(), versions: [] };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('systems')
          .values({ id: sys.id, vendor_id: vendorId, name: sys.name, description: sys.description, created_at: sys.createdAt })
          .execute();
        await appendAudit(trx, { actor, action: 'system.create', objectType: 'system', objectId: sys.id, details: { name: sys.name } });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SamsvarError('conflict', `you already have a system named '${input.name}'`);
      throw e;
    }
    return sys;
  }

  async listSystems(vendorId: string): Promise<System[]> {
    const systems = await this.db
      .selectFrom('systems')
      .selectAll()
      .where('vendor_id', '=', vendorId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    if (systems.length === 0) return [];
    const versions = await this.db
      .selectFrom('system_versions')
      .selectAll()
      .where(
        'system_id',
        'in',
        systems.map((s) => s.id),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return systems.map((s) => ({
      id: s.id,
      vendorId: s.vendor_id,
      name: s.name,
      description: s.description,
      createdAt: s.created_at,
      versions: versions.filter((v) => v.system_id === s.id).map(toVersion),
    }));
  }

  async getSystem(id: string): Promise<System | undefined> {
    const s = await this.db.selectFrom('systems').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) return undefined;
    const versions = await this.db
      .selectFrom('system_versions')
      .selectAll()
      .where('system_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return {
      id: s.id,
      vendorId: s.vendor_id,
      name: s.name,
      description: s.description,
      createdAt: s.created_at,
      versions: versions.map(toVersion),
    };
  }

  async createSystemVersion(
    systemId: string,
    input: { version: string; releasedAt?: string; herId?: string; fhirBaseUrl?: string },
    actor: string,
  ): Promise<SystemVersion> {
    const v: SystemVersion = {
      id: newId(),
      systemId,
      version: input.version,
      releasedAt: input.releasedAt ?? null,
      createdAt: now(),
      herId: input.herId ?? null,
      fhirBaseUrl: input.fhirBaseUrl ?? null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        if (v.fhirBaseUrl) await claimEndpoint(trx, systemId, v.fhirBaseUrl);
        // her_id only when given: a version without one is written as before migration 0003 (tests of earlier migrations rely on it).
        await trx
          .insertInto('system_versions')
          .values({
            id: v.id,
            system_id: systemId,
            version: v.version,
            released_at: v.releasedAt,
            created_at: v.createdAt,
            ...(v.herId ? { her_id: v.herId } : {}),
            ...(v.fhirBaseUrl ? { fhir_base_url: v.fhirBaseUrl } : {}),
          })
          .execute();
        await appendAudit(trx, {
          actor,
          action: 'system_version.create',
          objectType: 'system_version',
          objectId: v.id,
          details: { systemId, version: v.version, herId: v.herId, ...(v.fhirBaseUrl ? { fhirBaseUrl: v.fhirBaseUrl } : {}) },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SamsvarError('conflict', `version '${input.version}' of this system already exists`);
      throw e;
    }
    return v;
  }

  /** Registers (or moves) the version's FHIR API; the audit log keeps the one it replaces. */
  async setFhirBaseUrl(versionId: string, fhirBaseUrl: string, actor: string): Promise<SystemVersion> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('system_versions').selectAll().where('id', '=', versionId).executeTakeFirstOrThrow();
      await claimEndpoint(trx, row.system_id, fhirBaseUrl);
      await trx.updateTable('system_versions').set({ fhir_base_url: fhirBaseUrl }).where('id', '=', versionId).execute();
      await appendAudit(trx, {
        actor,
        action: 'system_version.fhir_base_url',
        objectType: 'system_version',
        objectId: versionId,
        details: { from: row.fhir_base_url, to: fhirBaseUrl },
      });
      return toVersion({ ...row, fhir_base_url: fhirBaseUrl });
    });
  }

  /** The claim on the server of a base URL, or undefined when nobody registered one on it. */
  async fhirEndpoint(baseUrl: string): Promise<FhirEndpoint | undefined> {
    const server = fhirServerOf(baseUrl);
    const row = await this.db.selectFrom('fhir_endpoints').selectAll().where('server', '=', server).executeTakeFirst();
    if (!row) return undefined;
    let token = row.challenge_token;
    if (!token) {
      // Not expected after migration 1040 (it gives every claim one); drawn here rather than leave a claim unprovable.
      token = newChallengeToken();
      await this.db
        .updateTable('fhir_endpoints')
        .set({ challenge_token: token })
        .where('server', '=', server)
        .where('challenge_token', 'is', null)
        .execute();
      return this.fhirEndpoint(baseUrl);
    }
    return { server, vendorId: row.vendor_id, challengeToken: token, verifiedAt: row.verified_at };
  }

  /**
   * Records that the server served the vendor's answer: live tests on it count from now on, for
   * that vendor. An unverified claim goes to the vendor that proves control (a first registration
   * is no proof); a server another vendor has proved is refused (409).
   */
  async markFhirEndpointVerified(baseUrl: string, vendorId: string, actor: string): Promise<FhirEndpoint> {
    const server = fhirServerOf(baseUrl);
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('fhir_endpoints')
        .set({ vendor_id: vendorId, verified_at: at })
        .where('server', '=', server)
        .where((eb) => eb.or([eb('verified_at', 'is', null), eb('vendor_id', '=', vendorId)]))
        .executeTakeFirst();
      if (!Number(updated.numUpdatedRows))
        throw new SamsvarError('conflict', `the FHIR server ${server} is verified as another vendor's`, { field: 'fhirBaseUrl' });
      await appendAudit(trx, {
        actor,
        action: 'fhir_endpoint.verified',
        objectType: 'fhir_endpoint',
        objectId: server,
        details: { baseUrl },
      });
    });
    return (await this.fhirEndpoint(baseUrl))!;
  }

  /** The version with the vendor owning its system, for access checks. */
  async getSystemVersion(id: string): Promise<(SystemVersion & { vendorId: string; systemName: string }) | undefined> {
    const r = await this.db
      .selectFrom('system_versions')
      .innerJoin('systems', 'systems.id', 'system_versions.system_id')
      .select([
        'system_versions.id',
        'system_versions.system_id',
        'system_versions.version',
        'system_versions.released_at',
        'system_versions.created_at',
        'system_versions.her_id',
        'system_versions.fhir_base_url',
        'systems.vendor_id',
        'systems.name',
      ])
      .where('system_versions.id', '=', id)
      .executeTakeFirst();
    return r && { ...toVersion(r), vendorId: r.vendor_id, systemName: r.name };
  }
}

function toVersion(r: {
  id: string;
  system_id: string;
  version: string;
  released_at: string | null;
  created_at: string;
  her_id: string | null;
  fhir_base_url: string | null;
}): SystemVersion {
  return {
    id: r.id,
    systemId: r.system_id,
    version: r.version,
    releasedAt: r.released_at,
    createdAt: r.created_at,
    herId: r.her_id,
    fhirBaseUrl: r.fhir_base_url,
  };
}

/**
 * The first vendor to register a base URL on a server holds the claim (primary key) until a vendor
 * proves control of the server; a server another vendor has proved control of cannot be registered,
 * under any path or scheme. An unverified claim does not lock the real operator out: registering
 * on it is allowed, and whoever serves its answer first gets the server (markFhirEndpointVerified).
 */
async function claimEndpoint(trx: Transaction<CoreTables>, systemId: string, baseUrl: string): Promise<void> {
  const server = fhirServerOf(baseUrl);
  const { vendor_id: vendorId } = await trx.selectFrom('systems').select('vendor_id').where('id', '=', systemId).executeTakeFirstOrThrow();
  await trx
    .insertInto('fhir_endpoints')
    .values({ server, vendor_id: vendorId, created_at: now(), challenge_token: newChallengeToken(), verified_at: null })
    .onConflict((oc) => oc.column('server').doNothing())
    .execute();
  const owner = await trx
    .selectFrom('fhir_endpoints')
    .select(['vendor_id', 'verified_at'])
    .where('server', '=', server)
    .executeTakeFirstOrThrow();
  if (owner.vendor_id !== vendorId && owner.verified_at !== null)
    throw new SamsvarError(
      'conflict',
      `the FHIR server of ${baseUrl} (${server}) is verified as another vendor's; register your own system's FHIR API`,
      {
        field: 'fhirBaseUrl',
      },
    );
}
