import type { Kysely, Transaction } from 'kysely';
import { GroupCommit } from './group-commit.js';
import { newId } from '../core/ids.js';
import { appendAudit, readAudit, type AuditQuery, type AuditRecord } from './audit-log.js';
import type { Finding } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import { sha256Hex } from '../core/sha256.js';
import type { SqlDialect } from './dialect.js';
import type { CoreTables, TokenRole } from './schema.js';
import type { Verdict } from '../core/verdict.js';
import type { RunTestData } from '../core/run-test-data.js';

export interface Vendor {
  id: string;
  orgNumber: string;
  name: string;
  email: string;
  createdAt: string;
}
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
}
export interface TokenRecord {
  id: string;
  role: TokenRole;
  vendorId: string | null;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}
export interface RunProfile {
  profileId: string;
  profileVersion: string;
  profileSha256: string;
}
/** `labTokenId`: a laboratory's re-test of the vendor's system version; only that laboratory submits to it. */
export interface Run {
  id: string;
  vendorId: string;
  systemVersionId: string;
  createdAt: string;
  profiles: RunProfile[];
  testData: RunTestData | null;
  labTokenId?: string;
}
/** A MsgId, SHA-256 or FHIR resource hash first used as evidence (or generated) by a run's test case. */
export interface EvidenceClaim {
  kind: 'sha256' | 'msgid' | 'resource';
  value: string;
  runId: string;
  testcaseId: string;
  origin: 'submitted' | 'generated';
  createdAt: string;
}
/** Two runs drew the same test patient: the database refused the second; draw again. */
export class TestPatientTaken extends Error {}
/** A concurrent submission claimed the same evidence first: judge the submission again. */
export class EvidenceClaimTaken extends Error {}
/** The message generated for a receive test case of a run, as stored: what the vendor fetched and the AppRec must answer. */
export interface RunMessage {
  runId: string;
  testcaseId: string;
  msgId: string;
  xml: string;
  createdAt: string;
}
export type ProfileLifecycle = 'draft' | 'active' | 'deprecated' | 'retired';
export interface ProfileVersionRecord {
  profileId: string;
  version: string;
  sha256: string;
  kind: string;
  status: ProfileLifecycle;
  reason: string | null;
  replacement: string | null;
  retestDeadline: string | null;
  activatedAt: string | null;
  importedAt: string;
  importedBy: string;
  changedAt: string;
  changedBy: string;
}
/** One lifecycle change of a profile version; `catalogStatus` also sets the profile's status where the catalog serves this version. */
export interface ProfileVersionChange {
  profileId: string;
  version: string;
  status: ProfileLifecycle;
  reason: string | null;
  replacement?: string | null;
  retestDeadline?: string | null;
  catalogStatus?: boolean;
}
export interface ProfileStatusOverride {
  profileId: string;
  status: 'draft' | 'active' | 'deprecated' | 'retired';
  reason: string | null;
  changedAt: string;
  changedBy: string;
}

export interface SubmissionSummary {
  id: string;
  runId: string;
  testcaseId: string;
  profileId: string;
  verdict: Verdict;
  artifactSha256: string;
  findingsSha256: string;
  artifactSize: number;
  contentType: string;
  createdAt: string;
}
export interface Submission extends SubmissionSummary {
  findings: Finding[];
  validation: Record<string, unknown>;
  artifact: Uint8Array;
}

/** A submission on its way into the database, with what its rows need. */
interface SubmissionWrite {
  sub: Submission;
  findingsJson: string;
  actor: string;
  claims: { kind: EvidenceClaim['kind']; value: string }[];
}

export interface NewSubmission {
  runId: string;
  testcaseId: string;
  profileId: string;
  verdict: Verdict;
  findings: Finding[];
  validation: Record<string, unknown>;
  contentType: string;
  artifact: Uint8Array;
}

let lastMs = 0;
/**
 * Creation times are strictly increasing within a process, so "the latest submission" is well
 * defined even for two requests in the same millisecond.
 */
function now(): string {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return new Date(lastMs).toISOString();
}

/** A unique-constraint violation on either dialect (SQLite: SQLITE_CONSTRAINT_UNIQUE, PostgreSQL: 23505). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The service's storage: one interface over SQLite and PostgreSQL. Each state change runs in one
 * transaction together with its audit entry; the method returns only after COMMIT.
 */
export class Repository {
  private readonly submissionWrites: GroupCommit<CoreTables, SubmissionWrite>;

  constructor(
    readonly db: Kysely<CoreTables>,
    readonly dialect: SqlDialect,
  ) {
    this.submissionWrites = new GroupCommit(db, (trx, write) => this.insertSubmission(trx, write));
  }

  // --- vendors and tokens -------------------------------------------------------------------

  async createVendor(
    input: { orgNumber: string; name: string; email: string },
    tokenHash: string,
    actor = 'public',
  ): Promise<{ vendor: Vendor; tokenId: string }> {
    const vendor: Vendor = { id: newId(), ...input, createdAt: now() };
    const tokenId = newId();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('vendors')
          .values({ id: vendor.id, org_number: vendor.orgNumber, name: vendor.name, email: vendor.email, created_at: vendor.createdAt })
          .execute();
        await trx
          .insertInto('api_tokens')
          .values({
            id: tokenId,
            token_hash: tokenHash,
            role: 'vendor',
            vendor_id: vendor.id,
            name: `${vendor.name} (registration)`,
            created_at: vendor.createdAt,
            revoked_at: null,
          })
          .execute();
        await appendAudit(trx, {
          actor,
          action: 'vendor.register',
          objectType: 'vendor',
          objectId: vendor.id,
          details: { orgNumber: vendor.orgNumber, name: vendor.name },
        });
        await appendAudit(trx, {
          actor: `vendor:${vendor.id}`,
          action: 'token.create',
          objectType: 'token',
          objectId: tokenId,
          details: { role: 'vendor' },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e))
        throw new SamsvarError('conflict', `a vendor with organisasjonsnummer ${input.orgNumber} is already registered`);
      throw e;
    }
    return { vendor, tokenId };
  }

  async getVendor(id: string): Promise<Vendor | undefined> {
    const r = await this.db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, orgNumber: r.org_number, name: r.name, email: r.email, createdAt: r.created_at };
  }

  async listVendors(): Promise<Vendor[]> {
    const rows = await this.db.selectFrom('vendors').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, orgNumber: r.org_number, name: r.name, email: r.email, createdAt: r.created_at }));
  }

  async createToken(
    input: { role: TokenRole; vendorId?: string | null; name: string },
    tokenHash: string,
    actor: string,
  ): Promise<TokenRecord> {
    const rec: TokenRecord = {
      id: newId(),
      role: input.role,
      vendorId: input.vendorId ?? null,
      name: input.name,
      createdAt: now(),
      revokedAt: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('api_tokens')
        .values({
          id: rec.id,
          token_hash: tokenHash,
          role: rec.role,
          vendor_id: rec.vendorId,
          name: rec.name,
          created_at: rec.createdAt,
          revoked_at: null,
        })
        .execute();
      await appendAudit(trx, {
        actor,
        action: 'token.create',
        objectType: 'token',
        objectId: rec.id,
        details: { role: rec.role, name: rec.name },
      });
    });
    return rec;
  }

  async revokeToken(id: string, actor: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('api_tokens')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await appendAudit(trx, { actor, action: 'token.revoke', objectType: 'token', objectId: id });
      return true;
    });
  }

  async findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && { id: r.id, role: r.role, vendorId: r.vendor_id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at };
  }

  // --- systems ------------------------------------------------------------------------------

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
    input: { version: string; releasedAt?: string; herId?: string },
    actor: string,
  ): Promise<SystemVersion> {
    const v: SystemVersion = {
      id: newId(),
      systemId,
      version: input.version,
      releasedAt: input.releasedAt ?? null,
      createdAt: now(),
      herId: input.herId ?? null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
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
          })
          .execute();
        await appendAudit(trx, {
          actor,
          action: 'system_version.create',
          objectType: 'system_version',
          objectId: v.id,
          details: { systemId, version: v.version, herId: v.herId },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SamsvarError('conflict', `version '${input.version}' of this system already exists`);
      throw e;
    }
    return v;
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
        'systems.vendor_id',
        'systems.name',
      ])
      .where('system_versions.id', '=', id)
      .executeTakeFirst();
    return r && { ...toVersion(r), vendorId: r.vendor_id, systemName: r.name };
  }

  // --- runs ---------------------------------------------------------------------------------

  /**
   * Opens a run with the test data `testData(runId, openedAt)` draws for it. The database keeps
   * test patients unique across runs: a patient another run has throws TestPatientTaken (draw again).
   */
  async createRun(
    input: {
      vendorId: string;
      systemVersionId: string;
      profiles: RunProfile[];
      labTokenId?: string;
      testData?: (runId: string, openedAt: string) => RunTestData;
    },
    actor: string,
  ): Promise<Run> {
    const id = newId();
    const createdAt = now();
    const testData = input.testData ? input.testData(id, createdAt) : null;
    const run: Run = {
      id,
      vendorId: input.vendorId,
      systemVersionId: input.systemVersionId,
      createdAt,
      profiles: input.profiles,
      testData,
      ...(input.labTokenId ? { labTokenId: input.labTokenId } : {}),
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('runs')
          .values({
            id: run.id,
            vendor_id: run.vendorId,
            system_version_id: run.systemVersionId,
            created_at: run.createdAt,
            ...(input.labTokenId ? { lab_token_id: input.labTokenId } : {}),
          })
          .execute();
        await trx
          .insertInto('run_profiles')
          .values(
            run.profiles.map((p, i) => ({
              run_id: run.id,
              profile_id: p.profileId,
              profile_version: p.profileVersion,
              profile_sha256: p.profileSha256,
              position: i,
            })),
          )
          .execute();
        if (testData) {
          await trx
            .insertInto('run_test_data')
            .values({
              run_id: run.id,
              patient_fnr: testData.patient.fnr,
              patient_hnr: testData.patient.hnr,
              patient_given_name: testData.patient.givenName,
              patient_family_name: testData.patient.familyName,
              patient_date_of_birth: testData.patient.dateOfBirth,
              samsvar_name: testData.samsvarParty.name,
              samsvar_her_id: testData.samsvarParty.herId,
              system_name: testData.systemParty?.name ?? '',
              system_her_id: testData.systemParty?.herId ?? null,
            })
            .execute();
        }
        await appendAudit(trx, {
          actor,
          action: 'run.open',
          objectType: 'run',
          objectId: run.id,
          details: { systemVersionId: run.systemVersionId, profiles: run.profiles.map((p) => p.profileId) },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e) && testData) throw new TestPatientTaken(`test patient ${testData.patient.fnr} belongs to another run`);
      throw e;
    }
    return run;
  }

  async getRun(id: string): Promise<Run | undefined> {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    const profiles = await this.db.selectFrom('run_profiles').selectAll().where('run_id', '=', id).orderBy('position').execute();
    const d = await this.db.selectFrom('run_test_data').selectAll().where('run_id', '=', id).executeTakeFirst();
    return {
      id: r.id,
      vendorId: r.vendor_id,
      systemVersionId: r.system_version_id,
      createdAt: r.created_at,
      profiles: profiles.map((p) => ({ profileId: p.profile_id, profileVersion: p.profile_version, profileSha256: p.profile_sha256 })),
      // Runs opened before runs fixed their test data have none.
      testData: d
        ? {
            runId: r.id,
            openedAt: r.created_at,
            patient: {
              fnr: d.patient_fnr,
              hnr: d.patient_hnr,
              givenName: d.patient_given_name,
              familyName: d.patient_family_name,
              dateOfBirth: d.patient_date_of_birth,
            },
            samsvarParty: { name: d.samsvar_name, herId: d.samsvar_her_id },
            systemParty: d.system_her_id ? { name: d.system_name, herId: d.system_her_id } : null,
          }
        : null,
      ...(r.lab_token_id ? { labTokenId: r.lab_token_id } : {}),
    };
  }

  async listRuns(vendorId: string): Promise<Omit<Run, 'profiles' | 'testData'>[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('vendor_id', '=', vendorId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, vendorId: r.vendor_id, systemVersionId: r.system_version_id, createdAt: r.created_at }));
  }

  /** The message generated for a receive-kind test case of a run: generated once, then stored so the AppRec check can refer to its MsgId. */
  async getOrCreateGeneratedMessage(
    runId: string,
    testcaseId: string,
    generate: () => { xml: string; msgId: string },
    actor: string,
  ): Promise<RunMessage> {
    const existing = await this.getGeneratedMessage(runId, testcaseId);
    if (existing) return existing;
    const { xml, msgId } = generate();
    const msg: RunMessage = { runId, testcaseId, msgId, xml, createdAt: now() };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('generated_messages')
          .values({ run_id: runId, testcase_id: testcaseId, msg_id: msgId, xml, created_at: msg.createdAt })
          .execute();
        // samsvar's own MsgId: a vendor who sends it back as its system's message is told so.
        await trx
          .insertInto('evidence_claims')
          .values({ kind: 'msgid', value: msgId, run_id: runId, testcase_id: testcaseId, origin: 'generated', created_at: msg.createdAt })
          .execute();
        await appendAudit(trx, {
          actor,
          action: 'message.generate',
          objectType: 'run',
          objectId: runId,
          details: { testcase: testcaseId, msgId },
        });
      });
    } catch (e) {
      // Two concurrent first fetches: the other one won; serve its message.
      if (isUniqueViolation(e)) return (await this.getGeneratedMessage(runId, testcaseId))!;
      throw e;
    }
    return msg;
  }

  async getGeneratedMessage(runId: string, testcaseId: string): Promise<RunMessage | undefined> {
    const r = await this.db
      .selectFrom('generated_messages')
      .selectAll()
      .where('run_id', '=', runId)
      .where('testcase_id', '=', testcaseId)
      .executeTakeFirst();
    return r && { runId: r.run_id, testcaseId: r.testcase_id, msgId: r.msg_id, xml: r.xml, createdAt: r.created_at };
  }

  // --- submissions --------------------------------------------------------------------------

  /** The claims on these values (kind and value), whoever made them first. */
  async findEvidenceClaims(values: { kind: EvidenceClaim['kind']; value: string }[]): Promise<EvidenceClaim[]> {
    if (values.length === 0) return [];
    const rows = await this.db
      .selectFrom('evidence_claims')
      .selectAll()
      .where((eb) => eb.or(values.map((v) => eb.and([eb('kind', '=', v.kind), eb('value', '=', v.value)]))))
      .execute();
    return rows.map((r) => ({
      kind: r.kind,
      value: r.value,
      runId: r.run_id,
      testcaseId: r.testcase_id,
      origin: r.origin,
      createdAt: r.created_at,
    }));
  }

  /**
   * Stores a submission. `claims` are the values it uses as evidence for the first time: they are
   * claimed for its run and test case in the same transaction, and a claim another submission made
   * meanwhile throws EvidenceClaimTaken (judge again).
   */
  async createSubmission(
    input: NewSubmission,
    actor: string,
    claims: { kind: EvidenceClaim['kind']; value: string }[] = [],
  ): Promise<Submission> {
    const findingsJson = JSON.stringify(input.findings);
    const sub: Submission = {
      id: newId(),
      runId: input.runId,
      testcaseId: input.testcaseId,
      profileId: input.profileId,
      verdict: input.verdict,
      findings: input.findings,
      validation: input.validation,
      contentType: input.contentType,
      artifact: input.artifact,
      artifactSha256: sha256Hex(input.artifact),
      findingsSha256: sha256Hex(findingsJson),
      artifactSize: input.artifact.byteLength,
      createdAt: now(),
    };
    // Concurrent submissions share one COMMIT (group commit); this resolves after it.
    await this.submissionWrites.write({ sub, findingsJson, actor, claims });
    return sub;
  }

  /** One submission's rows: the submission, its evidence claims and its audit entry, in the caller's transaction. */
  private async insertSubmission(trx: Transaction<CoreTables>, { sub, findingsJson, actor, claims }: SubmissionWrite): Promise<void> {
    await trx
      .insertInto('submissions')
      .values({
        id: sub.id,
        run_id: sub.runId,
        testcase_id: sub.testcaseId,
        profile_id: sub.profileId,
        verdict: sub.verdict,
        findings: findingsJson,
        findings_sha256: sub.findingsSha256,
        validation: JSON.stringify(sub.validation),
        content_type: sub.contentType,
        artifact: Buffer.from(sub.artifact.buffer, sub.artifact.byteOffset, sub.artifact.byteLength),
        artifact_sha256: sub.artifactSha256,
        artifact_size: sub.artifactSize,
        created_at: sub.createdAt,
      })
      .execute();
    for (const c of claims) {
      try {
        await trx
          .insertInto('evidence_claims')
          .values({
            kind: c.kind,
            value: c.value,
            run_id: sub.runId,
            testcase_id: sub.testcaseId,
            origin: 'submitted',
            created_at: sub.createdAt,
          })
          .execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw new EvidenceClaimTaken(`${c.kind} ${c.value} was claimed meanwhile`);
        throw e;
      }
    }
    await appendAudit(trx, {
      actor,
      action: 'submission.create',
      objectType: 'submission',
      objectId: sub.id,
      details: { runId: sub.runId, testcase: sub.testcaseId, verdict: sub.verdict, artifactSha256: sub.artifactSha256 },
    });
  }

  async getSubmission(id: string): Promise<Submission | undefined> {
    const r = await this.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirst();
    return (
      r && {
        ...toSummary(r),
        findings: JSON.parse(r.findings) as Finding[],
        validation: JSON.parse(r.validation) as Record<string, unknown>,
        artifact: new Uint8Array(r.artifact),
      }
    );
  }

  /** Every submission of a run, oldest first, without artifacts (status pages need only verdicts). */
  async listSubmissions(runId: string): Promise<SubmissionSummary[]> {
    const rows = await this.db
      .selectFrom('submissions')
      .select([
        'id',
        'run_id',
        'testcase_id',
        'profile_id',
        'verdict',
        'artifact_sha256',
        'findings_sha256',
        'artifact_size',
        'content_type',
        'created_at',
      ])
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toSummary);
  }

  // --- profile lifecycle --------------------------------------------------------------------

  async setProfileStatus(
    profileId: string,
    status: ProfileStatusOverride['status'],
    reason: string | null,
    actor: string,
  ): Promise<ProfileStatusOverride> {
    const rec: ProfileStatusOverride = { profileId, status, reason, changedAt: now(), changedBy: actor };
    await this.db.transaction().execute(async (trx) => {
      const row = { profile_id: profileId, status, reason, changed_at: rec.changedAt, changed_by: actor };
      await trx
        .insertInto('profile_status')
        .values(row)
        .onConflict((oc) => oc.column('profile_id').doUpdateSet({ status, reason, changed_at: rec.changedAt, changed_by: actor }))
        .execute();
      await appendAudit(trx, { actor, action: 'profile.status', objectType: 'profile', objectId: profileId, details: { status, reason } });
    });
    return rec;
  }

  /**
   * Records the profile contents the service loaded. Content not seen before (a new import, a
   * changed or replaced profile) enters the audit log as `profile.loaded` or `profile.changed`,
   * with its SHA-256; what was seen before is left alone. Returns the audit actions written.
   */
  async recordProfileContents(
    profiles: { id: string; version: string; sha256: string; source: string }[],
    actor = 'system',
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom('profile_contents').select(['profile_id', 'sha256']).execute();
      const seen = new Set(known.map((r) => `${r.profile_id}\0${r.sha256}`));
      const ids = new Set(known.map((r) => r.profile_id));
      const written: string[] = [];
      for (const p of profiles) {
        if (seen.has(`${p.id}\0${p.sha256}`)) continue;
        await trx
          .insertInto('profile_contents')
          .values({ profile_id: p.id, sha256: p.sha256, version: p.version, source: p.source, first_loaded_at: now() })
          .execute();
        const action = ids.has(p.id) ? 'profile.changed' : 'profile.loaded';
        await appendAudit(trx, {
          actor,
          action,
          objectType: 'profile',
          objectId: p.id,
          details: { version: p.version, sha256: p.sha256, source: p.source },
        });
        written.push(`${action} ${p.id}`);
      }
      return written;
    });
  }

  /** A newly imported profile version (draft), audited; a brand-new profile id also gets `draft` as its catalog status. */
  async insertProfileVersion(
    rec: { profileId: string; version: string; sha256: string; kind: string; catalogStatus: boolean; details?: Record<string, unknown> },
    actor: string,
  ): Promise<ProfileVersionRecord> {
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('profile_versions')
        .values({
          profile_id: rec.profileId,
          version: rec.version,
          sha256: rec.sha256,
          kind: rec.kind,
          status: 'draft',
          reason: null,
          replacement: null,
          retest_deadline: null,
          activated_at: null,
          imported_at: at,
          imported_by: actor,
          changed_at: at,
          changed_by: actor,
        })
        .execute();
      if (rec.catalogStatus) {
        await trx
          .insertInto('profile_status')
          .values({ profile_id: rec.profileId, status: 'draft', reason: 'imported', changed_at: at, changed_by: actor })
          .onConflict((oc) =>
            oc.column('profile_id').doUpdateSet({ status: 'draft', reason: 'imported', changed_at: at, changed_by: actor }),
          )
          .execute();
      }
      await appendAudit(
        trx,
        {
          actor,
          action: 'profile.imported',
          objectType: 'profile',
          objectId: rec.profileId,
          details: { version: rec.version, sha256: rec.sha256, status: 'draft', ...rec.details },
        },
        at,
      );
    });
    return (await this.profileVersions(rec.profileId)).find((v) => v.version === rec.version)!;
  }

  /** Applies lifecycle changes together (e.g. activating a version deprecates the one it replaces), each audited and dated. */
  async changeProfileVersions(changes: ProfileVersionChange[], actor: string): Promise<void> {
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      for (const c of changes) {
        const set = {
          status: c.status,
          reason: c.reason,
          changed_at: at,
          changed_by: actor,
          ...(c.status === 'active' ? { activated_at: at } : {}),
          ...(c.replacement !== undefined ? { replacement: c.replacement } : {}),
          ...(c.retestDeadline !== undefined ? { retest_deadline: c.retestDeadline } : {}),
        };
        const done = await trx
          .updateTable('profile_versions')
          .set(set)
          .where('profile_id', '=', c.profileId)
          .where('version', '=', c.version)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw new SamsvarError('not_found', `profile ${c.profileId} has no version ${c.version}`);
        if (c.catalogStatus) {
          await trx
            .insertInto('profile_status')
            .values({ profile_id: c.profileId, status: c.status, reason: c.reason, changed_at: at, changed_by: actor })
            .onConflict((oc) =>
              oc.column('profile_id').doUpdateSet({ status: c.status, reason: c.reason, changed_at: at, changed_by: actor }),
            )
            .execute();
        }
        await appendAudit(
          trx,
          {
            actor,
            action: 'profile.version.status',
            objectType: 'profile',
            objectId: c.profileId,
            details: {
              version: c.version,
              status: c.status,
              reason: c.reason,
              ...(c.replacement ? { replacement: c.replacement } : {}),
              ...(c.retestDeadline ? { retestDeadline: c.retestDeadline } : {}),
            },
          },
          at,
        );
      }
    });
  }

  async profileVersions(profileId?: string): Promise<ProfileVersionRecord[]> {
    let q = this.db.selectFrom('profile_versions').selectAll();
    if (profileId) q = q.where('profile_id', '=', profileId);
    const rows = await q.orderBy('profile_id').orderBy('imported_at').execute();
    return rows.map((r) => ({
      profileId: r.profile_id,
      version: r.version,
      sha256: r.sha256,
      kind: r.kind,
      status: r.status,
      reason: r.reason,
      replacement: r.replacement,
      retestDeadline: r.retest_deadline,
      activatedAt: r.activated_at,
      importedAt: r.imported_at,
      importedBy: r.imported_by,
      changedAt: r.changed_at,
      changedBy: r.changed_by,
    }));
  }

  /** Runs opened against a profile version (any vendor): who would be affected by retiring or fixing it. */
  async runsUsingProfile(
    profileId: string,
    version: string,
  ): Promise<{ runId: string; vendorId: string; systemVersionId: string; createdAt: string }[]> {
    const rows = await this.db
      .selectFrom('run_profiles')
      .innerJoin('runs', 'runs.id', 'run_profiles.run_id')
      .select(['runs.id', 'runs.vendor_id', 'runs.system_version_id', 'runs.created_at'])
      .where('run_profiles.profile_id', '=', profileId)
      .where('run_profiles.profile_version', '=', version)
      .orderBy('runs.created_at')
      .execute();
    return rows.map((r) => ({ runId: r.id, vendorId: r.vendor_id, systemVersionId: r.system_version_id, createdAt: r.created_at }));
  }

  async profileStatuses(): Promise<Map<string, ProfileStatusOverride>> {
    const rows = await this.db.selectFrom('profile_status').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.profile_id,
        { profileId: r.profile_id, status: r.status, reason: r.reason, changedAt: r.changed_at, changedBy: r.changed_by },
      ]),
    );
  }

  // --- audit --------------------------------------------------------------------------------

  readAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
    return readAudit(this.db, q);
  }

  /** Whether the database answers, for /readyz. */
  async ping(): Promise<void> {
    await this.db.selectFrom('vendors').select('id').limit(1).execute();
  }
}

function toVersion(r: {
  id: string;
  system_id: string;
  version: string;
  released_at: string | null;
  created_at: string;
  her_id: string | null;
}): SystemVersion {
  return { id: r.id, systemId: r.system_id, version: r.version, releasedAt: r.released_at, createdAt: r.created_at, herId: r.her_id };
}

function toSummary(r: {
  id: string;
  run_id: string;
  testcase_id: string;
  profile_id: string;
  verdict: Verdict;
  artifact_sha256: string;
  findings_sha256: string;
  artifact_size: number;
  content_type: string;
  created_at: string;
}): SubmissionSummary {
  return {
    id: r.id,
    runId: r.run_id,
    testcaseId: r.testcase_id,
    profileId: r.profile_id,
    verdict: r.verdict,
    artifactSha256: r.artifact_sha256,
    findingsSha256: r.findings_sha256,
    artifactSize: Number(r.artifact_size),
    contentType: r.content_type,
    createdAt: r.created_at,
  };
}
