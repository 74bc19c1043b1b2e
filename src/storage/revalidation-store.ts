import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Verdict } from '../core/verdict.js';
import type { UsedProfile } from '../profiles/used-profiles.js';
import type { CoreTables } from './schema.js';

export type RevalidationStatus = 'queued' | 'running' | 'done';

export interface Revalidation {
  id: string;
  profileId: string;
  profileVersion: string;
  profileSha256: string;
  /** The profiles it uses, as loaded when the job was made: it runs only where those are loaded too. */
  uses: UsedProfile[];
  status: RevalidationStatus;
  total: number;
  done: number;
  changed: number;
  /** Submissions that could not be re-run (live test runs, test cases no longer loaded). */
  skipped: number;
  createdAt: string;
  createdBy: string;
  finishedAt: string | null;
}

/** One submission of a job: what it had, and (once done) what it gets now. */
export interface RevalidationItem {
  position: number;
  submissionId: string;
  runId: string;
  testcaseId: string;
  oldVerdict: Verdict;
  newVerdict: Verdict | null;
  newErrors: string[];
  skipped: string | null;
  doneAt: string | null;
}

/** A submission still to be re-run, with what it needs: the artifact and its run's generated message. */
export interface PendingItem {
  submissionId: string;
  runId: string;
  testcaseId: string;
  contentType: string;
  artifact: Uint8Array;
}

/** Re-validation jobs and their items (migration 0300). Every write is one short transaction. */
export class RevalidationStore {
  constructor(private readonly db: Kysely<CoreTables>) {}

  /** Creates a job over every stored submission of the profile, oldest first, with its audit entry. */
  async create(job: {
    id: string;
    profileId: string;
    profileVersion: string;
    profileSha256: string;
    uses: UsedProfile[];
    createdBy: string;
    at: string;
  }): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const subs = await trx
        .selectFrom('submissions')
        .select(['id', 'verdict'])
        .where('profile_id', '=', job.profileId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      await trx
        .insertInto('revalidations')
        .values({
          id: job.id,
          profile_id: job.profileId,
          profile_version: job.profileVersion,
          profile_sha256: job.profileSha256,
          uses: JSON.stringify(job.uses),
          status: subs.length ? 'queued' : 'done',
          total: subs.length,
          created_at: job.at,
          created_by: job.createdBy,
          finished_at: subs.length ? null : job.at,
        })
        .execute();
      // In slices: a profile may have thousands of submissions, more than one statement may bind.
      for (let i = 0; i < subs.length; i += 500) {
        await trx
          .insertInto('revalidation_items')
          .values(
            subs.slice(i, i + 500).map((s, k) => ({
              revalidation_id: job.id,
              position: i + k,
              submission_id: s.id,
              old_verdict: s.verdict,
              new_verdict: null,
              new_errors: null,
              skipped: null,
              done_at: null,
            })),
          )
          .execute();
      }
      await appendAudit(
        trx,
        {
          actor: job.createdBy,
          action: 'revalidation.create',
          objectType: 'revalidation',
          objectId: job.id,
          details: { profile: job.profileId, version: job.profileVersion, sha256: job.profileSha256, submissions: subs.length },
        },
        job.at,
      );
      return subs.length;
    });
  }

  async get(id: string): Promise<Revalidation | undefined> {
    const r = await this.db.selectFrom('revalidations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    const counts = await this.db
      .selectFrom('revalidation_items')
      .select((eb) => [
        eb.fn.count<number>('submission_id').filterWhere('done_at', 'is not', null).as('done'),
        eb.fn
          .count<number>('submission_id')
          .filterWhere('done_at', 'is not', null)
          .filterWhere('skipped', 'is', null)
          .filterWhere(eb.ref('new_verdict'), '<>', eb.ref('old_verdict'))
          .as('changed'),
        eb.fn.count<number>('submission_id').filterWhere('skipped', 'is not', null).as('skipped'),
      ])
      .where('revalidation_id', '=', id)
      .executeTakeFirstOrThrow();
    return {
      id: r.id,
      profileId: r.profile_id,
      profileVersion: r.profile_version,
      profileSha256: r.profile_sha256,
      uses: JSON.parse(r.uses) as UsedProfile[],
      status: r.status,
      total: Number(r.total),
      done: Number(counts.done),
      changed: Number(counts.changed),
      skipped: Number(counts.skipped),
      createdAt: r.created_at,
      createdBy: r.created_by,
      finishedAt: r.finished_at,
    };
  }

  /** Newest first. */
  async list(limit = 50): Promise<Revalidation[]> {
    const ids = await this.db.selectFrom('revalidations').select('id').orderBy('created_at', 'desc').limit(limit).execute();
    return (await Promise.all(ids.map((r) => this.get(r.id)))).filter((r): r is Revalidation => r !== undefined);
  }

  /** Jobs not yet done, oldest first: what a process resumes after a restart. */
  async unfinished(): Promise<string[]> {
    return (await this.db.selectFrom('revalidations').select('id').where('status', '<>', 'done').orderBy('created_at').execute()).map(
      (r) => r.id,
    );
  }

  /** The items whose verdict changed (or, with `all`, every item), in the job's order. */
  async items(id: string, opts: { all?: boolean; limit?: number } = {}): Promise<RevalidationItem[]> {
    let q = this.db
      .selectFrom('revalidation_items as i')
      .innerJoin('submissions as s', 's.id', 'i.submission_id')
      .select([
        'i.position',
        'i.submission_id',
        's.run_id',
        's.testcase_id',
        'i.old_verdict',
        'i.new_verdict',
        'i.new_errors',
        'i.skipped',
        'i.done_at',
      ])
      .where('i.revalidation_id', '=', id)
      .orderBy('i.position')
      .limit(opts.limit ?? 1000);
    if (!opts.all)
      q = q
        .where('i.done_at', 'is not', null)
        .where('i.skipped', 'is', null)
        .where((eb) => eb(eb.ref('i.new_verdict'), '<>', eb.ref('i.old_verdict')));
    return (await q.execute()).map((r) => ({
      position: Number(r.position),
      submissionId: r.submission_id,
      runId: r.run_id,
      testcaseId: r.testcase_id,
      oldVerdict: r.old_verdict,
      newVerdict: r.new_verdict,
      newErrors: r.new_errors ? (JSON.parse(r.new_errors) as string[]) : [],
      skipped: r.skipped,
      doneAt: r.done_at,
    }));
  }

  /** Positions of the items not yet done, in order (a chunk of a job is a range of positions). */
  async pendingPositions(id: string): Promise<number[]> {
    return (
      await this.db
        .selectFrom('revalidation_items')
        .select('position')
        .where('revalidation_id', '=', id)
        .where('done_at', 'is', null)
        .orderBy('position')
        .execute()
    ).map((r) => Number(r.position));
  }

  async pending(id: string, position: number): Promise<PendingItem | undefined> {
    const r = await this.db
      .selectFrom('revalidation_items as i')
      .innerJoin('submissions as s', 's.id', 'i.submission_id')
      .select(['s.id', 's.run_id', 's.testcase_id', 's.content_type', 's.artifact'])
      .where('i.revalidation_id', '=', id)
      .where('i.position', '=', position)
      .where('i.done_at', 'is', null)
      .executeTakeFirst();
    return (
      r && {
        submissionId: r.id,
        runId: r.run_id,
        testcaseId: r.testcase_id,
        contentType: r.content_type,
        artifact: new Uint8Array(r.artifact),
      }
    );
  }

  /**
   * Writes one item's result, once: a second worker that re-ran the same item (a chunk retried
   * after its first worker stopped) changes nothing. Marks the job running, and done with its last item.
   */
  async complete(
    id: string,
    position: number,
    result: { verdict: Verdict | null; errors: string[]; skipped: string | null },
    at: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // Workers on several instances complete items of one job at once. Writing the job's row first
      // makes them take turns (its lock is held to commit), so the worker that writes the last item
      // sees all the others done. Without the turn, two workers writing the last two items each saw
      // the other's item pending, and the job stayed running with nothing left to run.
      await trx.updateTable('revalidations').set({ status: 'running' }).where('id', '=', id).where('status', '<>', 'done').execute();
      const written = await trx
        .updateTable('revalidation_items')
        .set({ new_verdict: result.verdict, new_errors: JSON.stringify(result.errors), skipped: result.skipped, done_at: at })
        .where('revalidation_id', '=', id)
        .where('position', '=', position)
        .where('done_at', 'is', null)
        .executeTakeFirst();
      if (Number(written.numUpdatedRows) === 0) return;
      const left = await trx
        .selectFrom('revalidation_items')
        .select('position')
        .where('revalidation_id', '=', id)
        .where('done_at', 'is', null)
        .limit(1)
        .executeTakeFirst();
      if (!left) await trx.updateTable('revalidations').set({ status: 'done', finished_at: at }).where('id', '=', id).execute();
    });
  }

  /**
   * Marks done, as of their last item, the jobs with every item done that are not marked done: left
   * so by the race complete() now prevents. Nothing would ever run them again. Returns how many.
   */
  async finishSettled(): Promise<number> {
    const r = await this.db
      .updateTable('revalidations')
      .set((eb) => ({
        status: 'done',
        finished_at: eb.fn.coalesce(
          eb
            .selectFrom('revalidation_items as i')
            .select((e) => e.fn.max('i.done_at').as('last'))
            .whereRef('i.revalidation_id', '=', 'revalidations.id'),
          eb.ref('revalidations.created_at'),
        ),
      }))
      .where('status', '<>', 'done')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('revalidation_items as i')
              .select('i.position')
              .whereRef('i.revalidation_id', '=', 'revalidations.id')
              .where('i.done_at', 'is', null),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
