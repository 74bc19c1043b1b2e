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

export type SpotCheckOutcome =
  { state: 'open' } | { state: 'passed' } | { state: 'failed'; reason: string } | { state: 'missed'; reason: string };

/**
 * Why a spot check revoked its declaration, as the revocation's reason records it (English, like
 * every reason the API gives); `spotCheckReason` reads it back, so a page can word it in bokmål.
 */
export type SpotCheckReason =
  { kind: 'late' | 'unanswered'; id: string; deadline: string } | { kind: 'failed'; id: string; testCases: string[]; runId: string };

const REASON_TEXT = {
  late: (r: { id: string; deadline: string }) => `spot check ${r.id} was answered after its deadline ${r.deadline}`,
  unanswered: (r: { id: string; deadline: string }) => `spot check ${r.id} was not answered by its deadline ${r.deadline}`,
  failed: (r: { id: string; testCases: string[]; runId: string }) =>
    `spot check ${r.id}: test case ${r.testCases.join(', ')} did not pass in run ${r.runId}`,
};
const REASON_PATTERN = {
  late: /^spot check (\S+) was answered after its deadline (\S+)$/,
  unanswered: /^spot check (\S+) was not answered by its deadline (\S+)$/,
  failed: /^spot check (\S+): test case (.+) did not pass in run (\S+)$/,
};

/** The structured reason a spot check's revocation reason was made from, or undefined for any other text. */
export function spotCheckReason(text: string): SpotCheckReason | undefined {
  for (const kind of ['late', 'unanswered'] as const) {
    const m = REASON_PATTERN[kind].exec(text);
    if (m) return { kind, id: m[1]!, deadline: m[2]! };
  }
  const m = REASON_PATTERN.failed.exec(text);
  return m ? { kind: 'failed', id: m[1]!, testCases: m[2]!.split(', '), runId: m[3]! } : undefined;
}

export function spotCheckOutcome(sc: SpotCheck, now: Date): SpotCheckOutcome {
  if (sc.answer) {
    if (sc.answer.at > sc.deadline) return { state: 'missed', reason: REASON_TEXT.late({ id: sc.id, deadline: sc.deadline }) };
    const missing = sc.testCases.filter((t) => !sc.answer!.passedTestCases.includes(t));
    if (missing.length > 0)
      return { state: 'failed', reason: REASON_TEXT.failed({ id: sc.id, testCases: missing, runId: sc.answer.runId }) };
    return { state: 'passed' };
  }
  if (new Date(sc.deadline) <= now) return { state: 'missed', reason: REASON_TEXT.unanswered({ id: sc.id, deadline: sc.deadline }) };
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
