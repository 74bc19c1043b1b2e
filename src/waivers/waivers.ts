import { osloDay } from '../core/oslo-day.js';

/**
 * Waivers (approval with reservations): an administrator lets a named rule's findings pass on one
 * run until a deadline. What a waiver does not name still blocks, and so does a waiver whose
 * deadline has passed.
 */
export interface Waiver {
  id: string;
  runId: string;
  ruleId: string;
  /** Limits the waiver to one profile; absent, it applies to the rule in every profile of the run. */
  profile?: string;
  justification: string;
  /** ISO date-time. */
  deadline: string;
  grantedBy: string;
  grantedAt: string;
}

/** A rule whose errors a waiver lets pass, with what the vendor must know about it. */
export interface WaivedRule {
  ruleId: string;
  waiverId: string;
  justification: string;
  deadline: string;
}

/**
 * How a test case's latest result counts once waivers are applied. The run status and the
 * declaration builder both ask this one function, so the two never disagree on what blocks.
 */
export type TestcaseJudgement =
  | { outcome: 'passed' }
  | { outcome: 'passed_with_deviation'; waived: WaivedRule[] }
  | { outcome: 'failed'; blocking: string[]; lapsed: WaivedRule[] };

/**
 * Rules that bind an artifact to the system under test and the run (README, "Evidence bound to the
 * run"). A waiver accepts a deviation in what the system did; waived, these would let a declaration
 * rest on what the system did not do.
 */
export const UNWAIVABLE_RULES: ReadonlySet<string> = new Set([
  'EVIDENCE-SHIPPED',
  'EVIDENCE-REPLAYED',
  'EVIDENCE-MSGID-SEEN',
  'RUN-PATIENT',
  'RUN-SENDER',
  'RUN-RECEIVER',
  'RUN-GENDATE',
  'RCV-APPREC-SENDER',
  'RCV-APPREC-RECEIVER',
  // The AppRec answers the message samsvar generated for this run, not some other message.
  'RCV-ORIGINAL-MSGID',
]);

export function waiverApplies(w: Waiver, profile: string, ruleId: string): boolean {
  return !UNWAIVABLE_RULES.has(ruleId) && w.ruleId === ruleId && (w.profile === undefined || w.profile === profile);
}

export function waiverIsActive(w: Waiver, now: Date): boolean {
  return new Date(w.deadline) > now;
}

const waived = (ruleId: string, w: Waiver): WaivedRule => ({
  ruleId,
  waiverId: w.id,
  justification: w.justification,
  deadline: w.deadline,
});

/**
 * Judges a test case from the rule ids of its error findings. `failedWithoutErrors` is a failed
 * verdict no error finding explains (nothing a waiver could name), which always blocks.
 */
export function judgeTestcase(
  profile: string,
  errorRuleIds: readonly string[],
  waivers: readonly Waiver[],
  now: Date,
  failedWithoutErrors = false,
): TestcaseJudgement {
  const rules = [...new Set(errorRuleIds)].sort();
  if (failedWithoutErrors && rules.length === 0) return { outcome: 'failed', blocking: [], lapsed: [] };
  if (rules.length === 0) return { outcome: 'passed' };
  const covered: WaivedRule[] = [];
  const blocking: string[] = [];
  const lapsed: WaivedRule[] = [];
  for (const ruleId of rules) {
    const applicable = waivers.filter((w) => waiverApplies(w, profile, ruleId));
    // Of several waivers for one rule, the one with the latest deadline speaks for it.
    const active = applicable.filter((w) => waiverIsActive(w, now)).sort((a, b) => b.deadline.localeCompare(a.deadline))[0];
    if (active) {
      covered.push(waived(ruleId, active));
      continue;
    }
    blocking.push(ruleId);
    const last = applicable.sort((a, b) => b.deadline.localeCompare(a.deadline))[0];
    if (last) lapsed.push(waived(ruleId, last));
  }
  if (blocking.length > 0) return { outcome: 'failed', blocking, lapsed };
  return { outcome: 'passed_with_deviation', waived: covered };
}

/** Why a failed judgement fails, in one clause for refusals and status pages. */
export function failureReason(j: Extract<TestcaseJudgement, { outcome: 'failed' }>): string {
  if (j.blocking.length === 0) return 'failed';
  const lapsed = j.lapsed.map((l) => `the waiver for ${l.ruleId} passed its deadline ${osloDay(l.deadline)}`);
  return `failed on ${j.blocking.join(', ')}${lapsed.length > 0 ? ` (${lapsed.join('; ')})` : ''}`;
}
