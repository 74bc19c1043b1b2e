import type { Testcase } from '../testcases/testcase.js';
import type { UsedProfile } from '../profiles/used-profiles.js';
import type { RunProfile } from '../storage/run-repository.js';
import type { SubmissionSummary } from '../storage/submission-repository.js';
import { failureReason, judgeTestcase, type WaivedRule, type Waiver } from '../waivers/waivers.js';
import type { Verdict } from '../core/verdict.js';

export type ProfileState = 'not_started' | 'failing' | 'passed' | 'passed_with_deviation';

export interface TestcaseResult {
  id: string;
  kind: Testcase['kind'];
  title: string;
  /** An optional test case does not hold back its profile; when it passed it counts like any other. */
  optional: boolean;
  /** The verdict of the latest submission as the engine gave it; null when nothing was submitted yet. */
  verdict: Verdict | null;
  /**
   * How the test case counts for its profile once active waivers are applied: a failed verdict
   * whose every error rule is waived counts as passed_with_deviation.
   */
  outcome: Verdict | 'passed_with_deviation' | null;
  /** For passed_with_deviation: the waived rules and their deadlines. */
  waived?: WaivedRule[];
  /** For failed: why, naming the rules no active waiver covers. */
  reason?: string;
  latestSubmission: { id: string; createdAt: string; artifactSha256: string; findingsSha256: string } | null;
  submissions: number;
}

export interface ProfileStatus {
  profile: string;
  version: string;
  sha256: string;
  /** The profiles its validation also applies, as they were when the run opened. */
  uses: UsedProfile[];
  status: ProfileState;
  testcases: TestcaseResult[];
}

/** What waivers the run has and what the failed latest submissions failed on; absent, nothing is waived. */
export interface WaiverContext {
  waivers: readonly Waiver[];
  now: Date;
  /** Rule ids of the error findings of a submission (asked only for failed latest submissions). */
  errorRuleIds(submissionId: string): readonly string[] | undefined;
}

/**
 * A profile has passed when the latest submission of every one of its required test cases passed
 * (an optional one counts only once it has passed), and
 * passed with deviation when some of them failed only on rules an active waiver covers (the same
 * judgement the declaration builder makes). It is not started while nothing was submitted for
 * it, and failing otherwise. A profile without test cases cannot pass.
 */
export function profileStatus(
  rp: RunProfile,
  testcases: Testcase[],
  submissions: SubmissionSummary[],
  waivers?: WaiverContext,
  /** Passed submissions that no longer count, with why (a live run against an API the version no longer registers). */
  notCounted?: ReadonlyMap<string, string>,
): ProfileStatus {
  const results: TestcaseResult[] = testcases.map((tc) => {
    const mine = submissions.filter((s) => s.testcaseId === tc.id);
    const latest = mine.at(-1);
    const base = {
      id: tc.id,
      kind: tc.kind,
      title: tc.title,
      optional: tc.optional ?? false,
      verdict: latest?.verdict ?? null,
      latestSubmission: latest
        ? { id: latest.id, createdAt: latest.createdAt, artifactSha256: latest.artifactSha256, findingsSha256: latest.findingsSha256 }
        : null,
      submissions: mine.length,
    };
    if (!latest) return { ...base, outcome: null };
    const stale = notCounted?.get(latest.id);
    if (stale) return { ...base, outcome: 'failed', reason: `no longer counts: ${stale}` };
    if (latest.verdict === 'passed') return { ...base, outcome: 'passed' };
    if (!waivers || waivers.waivers.length === 0) return { ...base, outcome: 'failed' };
    const rules = waivers.errorRuleIds(latest.id) ?? [];
    const j = judgeTestcase(rp.profileId, rules, waivers.waivers, waivers.now, true);
    if (j.outcome === 'failed') return { ...base, outcome: 'failed', ...(j.blocking.length > 0 ? { reason: failureReason(j) } : {}) };
    if (j.outcome === 'passed_with_deviation') return { ...base, outcome: 'passed_with_deviation', waived: j.waived };
    return { ...base, outcome: 'passed' };
  });
  // An optional test case counts once it has passed; not run or failed, it holds nothing back.
  const counted = results.filter((r) => !r.optional || r.outcome === 'passed' || r.outcome === 'passed_with_deviation');
  let status: ProfileState;
  if (results.every((r) => r.outcome === null)) status = 'not_started';
  else if (counted.length > 0 && counted.every((r) => r.outcome === 'passed')) status = 'passed';
  else if (counted.length > 0 && counted.every((r) => r.outcome === 'passed' || r.outcome === 'passed_with_deviation'))
    status = 'passed_with_deviation';
  else status = 'failing';
  return { profile: rp.profileId, version: rp.profileVersion, sha256: rp.profileSha256, uses: rp.uses, status, testcases: results };
}

/** The run as a whole: passed only when every profile passed, with deviation when some passed only by waivers. */
export function runState(profiles: readonly ProfileStatus[]): ProfileState {
  if (profiles.every((ps) => ps.status === 'passed')) return 'passed';
  if (profiles.every((ps) => ps.status === 'passed' || ps.status === 'passed_with_deviation')) return 'passed_with_deviation';
  if (profiles.every((ps) => ps.status === 'not_started')) return 'not_started';
  return 'failing';
}
