import type { Evaluation, EvaluationContext } from '../testcases/evaluate-submission.js';
import type { GeneratedMessage } from '../testcases/receive-message.js';
import type { Testcase } from '../testcases/testcase.js';

/**
 * What the service needs of the test case domain: the loaded test cases, evaluation of a
 * submission, and generation of the message a receive-kind test case sends to the vendor.
 */
export interface TestcaseSuite {
  list(): Testcase[];
  evaluate(tc: Testcase, bytes: Uint8Array, ctx: EvaluationContext): Promise<Evaluation>;
  generate(tc: Testcase, ctx: { runId: string }): GeneratedMessage;
}

export function testcasesOf(suite: TestcaseSuite, profileId: string): Testcase[] {
  return suite.list().filter((tc) => tc.profile === profileId);
}

export function findTestcase(suite: TestcaseSuite, id: string): Testcase | undefined {
  return suite.list().find((tc) => tc.id === id);
}
