import type { Kysely, Transaction } from 'kysely';
import type { Finding } from '../core/finding.js';
import { newId } from '../core/ids.js';
import { sha256Hex } from '../core/sha256.js';
import type { Verdict } from '../core/verdict.js';
import { appendAudit } from './audit-log.js';
import { GroupCommit } from './group-commit.js';
import type { CoreTables } from './schema.js';
import { now } from './storage-clock.js';
import { isUniqueViolation } from './unique-violation.js';

/** A MsgId, SHA-256 or FHIR resource hash first used as evidence (or generated) by a run's test case. */
export interface EvidenceClaim {
  kind: 'sha256' | 'msgid' | 'resource';
  value: string;
  runId: string;
  testcaseId: string;
  origin: 'submitted' | 'generated';
  createdAt: string;
}
/** A concurrent submission claimed the same evidence first: judge the submission again. */
export class EvidenceClaimTaken extends Error {}
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

/** A submission on its way into the database, with what its rows need. */
interface SubmissionWrite {
  sub: Submission;
  findingsJson: string;
  actor: string;
  claims: { kind: EvidenceClaim['kind']; value: string }[];
}

/** Submissions with their artifacts and findings, and the evidence they claim. */
export class SubmissionRepository {
  private readonly writes: GroupCommit<CoreTables, SubmissionWrite>;

  constructor(private readonly db: Kysely<CoreTables>) {
    this.writes = new GroupCommit(db, (trx, write) => this.insertSubmission(trx, write));
  }

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
    await this.writes.write({ sub, findingsJson, actor, claims });
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
