import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { RunTestData } from '../core/run-test-data.js';
import type { UsedProfile } from '../profiles/used-profiles.js';
import { appendAudit } from './audit-log.js';
import type { CoreTables } from './schema.js';
import { now } from './storage-clock.js';
import { isUniqueViolation } from './unique-violation.js';

export interface RunProfile {
  profileId: string;
  profileVersion: string;
  profileSha256: string;
  /** The profiles its validation also applies, as they were at opening. */
  uses: UsedProfile[];
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
/** Two runs drew the same test patient: the database refused the second; draw again. */
export class TestPatientTaken extends Error {}
/** The message generated for a receive test case of a run, as stored: what the vendor fetched and the AppRec must answer. */
export interface RunMessage {
  runId: string;
  testcaseId: string;
  msgId: string;
  xml: string;
  createdAt: string;
}

/** Runs with their profiles and fixed test data, and the messages generated for them. */
export class RunRepository {
  constructor(private readonly db: Kysely<CoreTables>) {}

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
              uses: JSON.stringify(p.uses),
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
      profiles: profiles.map((p) => ({
        profileId: p.profile_id,
        profileVersion: p.profile_version,
        profileSha256: p.profile_sha256,
        uses: JSON.parse(p.uses) as UsedProfile[],
      })),
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
}
