import { SamsvarError } from '../core/samsvar-error.js';

/** A stikkprøve: the vendor must re-run chosen test cases of a declaration and pass them by the deadline. */
export interface SpotCheck {
  id: string;
  declarationId: string;
  testCases: string[];
  requestedBy: string;
  requestedAt: string;
  deadline: string;
  /** The run the vendor answered with, once it has. */
  answer?: { runId: string; at: string; passedTestCases: string[] };
}

/**
 * Why a spot check revoked its declaration, as data: the revocation keeps it next to the reason the
 * API gives (English), so each page words it in its own language.
 */
export type SpotCheckReason =
  { kind: 'late' | 'unanswered'; id: string; deadline: string } | { kind: 'failed'; id: string; testCases: string[]; runId: string };

export type SpotCheckOutcome =
  { state: 'open' } | { state: 'passed' } | { state: 'failed' | 'missed'; reason: string; cause: SpotCheckReason };

/** The reason the API gives, in English like every reason it gives. */
export function spotCheckReasonText(r: SpotCheckReason): string {
  switch (r.kind) {
    case 'late':
      return `spot check ${r.id} was answered after its deadline ${r.deadline}`;
    case 'unanswered':
      return `spot check ${r.id} was not answered by its deadline ${r.deadline}`;
    case 'failed':
      return `spot check ${r.id}: test case ${r.testCases.join(', ')} did not pass in run ${r.runId}`;
  }
}

function closed(state: 'failed' | 'missed', cause: SpotCheckReason): SpotCheckOutcome {
  return { state, reason: spotCheckReasonText(cause), cause };
}

export function spotCheckOutcome(sc: SpotCheck, now: Date): SpotCheckOutcome {
  if (sc.answer) {
    if (sc.answer.at > sc.deadline) return closed('missed', { kind: 'late', id: sc.id, deadline: sc.deadline });
    const missing = sc.testCases.filter((t) => !sc.answer!.passedTestCases.includes(t));
    if (missing.length > 0) return closed('failed', { kind: 'failed', id: sc.id, testCases: missing, runId: sc.answer.runId });
    return { state: 'passed' };
  }
  if (new Date(sc.deadline) <= now) return closed('missed', { kind: 'unanswered', id: sc.id, deadline: sc.deadline });
  return { state: 'open' };
}

/** Checks an administrator's request before it is stored: only the declaration's own test cases, a future deadline. */
export function validateSpotCheckRequest(
  req: { testCases: unknown; deadline: unknown },
  declaredTestcases: readonly string[],
  now: Date,
): { testCases: string[]; deadline: string } {
  if (!Array.isArray(req.testCases) || req.testCases.length === 0 || !req.testCases.every((t) => typeof t === 'string')) {
    throw new SamsvarError('bad_request', 'testCases must be a non-empty list of test case ids');
  }
  const unknown = (req.testCases as string[]).filter((t) => !declaredTestcases.includes(t));
  if (unknown.length > 0) throw new SamsvarError('unprocessable', `the declaration lists no test case ${unknown.join(', ')}`);
  const deadline = typeof req.deadline === 'string' ? new Date(req.deadline) : new Date(NaN);
  if (Number.isNaN(deadline.getTime())) throw new SamsvarError('bad_request', 'deadline must be an ISO 8601 date-time');
  if (deadline <= now) throw new SamsvarError('unprocessable', 'the deadline must lie in the future', { field: 'deadline' });
  return { testCases: [...new Set(req.testCases as string[])], deadline: deadline.toISOString() };
}
