import { hasErrors, type Finding } from './finding.js';

/** The outcome of a test: a submission, a live run or one of its steps. */
export type Verdict = 'passed' | 'failed';

/** Passed when no finding is an error: warnings and information never fail a test. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  return hasErrors(findings) ? 'failed' : 'passed';
}
