/**
 * Re-validation: after a rule fix an administrator re-runs the stored submissions of a profile
 * against the version the service has loaded now, and sees which verdicts changed. The stored
 * submissions keep their verdicts (what was acknowledged stays as it was); the job records the new
 * ones beside them. A job's items are listed when it is created and each is done once, so a job
 * resumes wherever it was stopped (see the runners in revalidation-runners.ts).
 */
import { newId } from '../core/ids.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { stillServed, usedProfileRefs } from '../profiles/used-profiles.js';
import type { Repository } from '../storage/repository.js';
import type { Revalidation, RevalidationItem, RevalidationStore } from '../storage/revalidation-store.js';
import { findTestcase, type TestcaseSuite } from './testcase-suite.js';

export interface RevalidationDeps {
  store: RevalidationStore;
  repo: Repository;
  catalog: ProfileCatalog;
  testcases: TestcaseSuite;
}

export interface RevalidationView extends Revalidation {
  /** The submissions whose verdict changed, in the job's order. */
  changedItems: RevalidationItem[];
  /** False when this instance has another version of the profile loaded than the job was made for. */
  runnableHere: boolean;
}

export class RevalidationService {
  constructor(private readonly deps: RevalidationDeps) {}

  /**
   * Creates a job over every stored submission of the profile. `version`, when given, must be the
   * version loaded now: a job re-runs against what this service validates with, nothing else.
   */
  async create(profileId: string, version: string | undefined, actor: string): Promise<Revalidation> {
    const p = this.deps.catalog.require(profileId);
    if (version !== undefined && version !== p.manifest.version) {
      throw new SamsvarError(
        'conflict',
        `profile ${profileId} is loaded at version ${p.manifest.version}, not ${version}; a re-validation runs against the version the service has loaded (import and load the new version first)`,
      );
    }
    const id = newId();
    await this.deps.store.create({
      id,
      profileId,
      profileVersion: p.manifest.version,
      profileSha256: p.sha256,
      uses: usedProfileRefs(this.deps.catalog, p),
      createdBy: actor,
      at: new Date().toISOString(),
    });
    return (await this.deps.store.get(id))!;
  }

  async view(id: string): Promise<RevalidationView> {
    const job = await this.deps.store.get(id);
    if (!job) throw new SamsvarError('not_found', `re-validation '${id}' not found`);
    return { ...job, changedItems: await this.deps.store.items(id), runnableHere: this.runnable(job) };
  }

  async list(): Promise<Revalidation[]> {
    return this.deps.store.list();
  }

  /** Whether this instance validates with the exact profile content the job was created for, the profiles it uses included. */
  runnable(job: Pick<Revalidation, 'profileId' | 'profileSha256' | 'uses'>): boolean {
    return this.deps.catalog.get(job.profileId)?.sha256 === job.profileSha256 && stillServed(this.deps.catalog, job.uses);
  }

  async pendingPositions(id: string): Promise<number[]> {
    const job = await this.deps.store.get(id);
    if (!job || job.status === 'done' || !this.runnable(job)) return [];
    return this.deps.store.pendingPositions(id);
  }

  async unfinished(): Promise<string[]> {
    return this.deps.store.unfinished();
  }

  /** Marks done the jobs with every item done that were left unmarked; returns how many. */
  async finishSettled(): Promise<number> {
    return this.deps.store.finishSettled();
  }

  /** Re-runs one submission of a job (nothing when it is done already) and records its new verdict. */
  async runItem(id: string, position: number): Promise<void> {
    const item = await this.deps.store.pending(id, position);
    if (!item) return;
    const at = () => new Date().toISOString();
    const tc = findTestcase(this.deps.testcases, item.testcaseId);
    if (!tc)
      return this.deps.store.complete(
        id,
        position,
        { verdict: null, errors: [], skipped: `test case ${item.testcaseId} is no longer loaded` },
        at(),
      );
    if (tc.kind === 'live')
      return this.deps.store.complete(
        id,
        position,
        { verdict: null, errors: [], skipped: "a live test run: re-running it needs the system's FHIR API" },
        at(),
      );
    const generated = tc.kind === 'receive' ? await this.deps.repo.runs.getGeneratedMessage(item.runId, tc.id) : undefined;
    let evaluation;
    try {
      evaluation = await this.deps.testcases.evaluate(tc, item.artifact, { generated });
    } catch (e) {
      // A full validation queue is the service being busy, not the submission: the runner tries again.
      if (e instanceof SamsvarError && e.code !== 'unavailable')
        return this.deps.store.complete(id, position, { verdict: null, errors: [], skipped: `could not be re-run: ${e.detail}` }, at());
      throw e;
    }
    const errors = [...new Set(evaluation.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))];
    await this.deps.store.complete(id, position, { verdict: evaluation.verdict, errors, skipped: null }, at());
  }
}
