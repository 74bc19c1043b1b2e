import type { Finding } from '../core/finding.js';
import type { ValidationResult } from '../engine/engine.js';
import type { Testcase } from '../testcases/testcase.js';

export interface Evaluation {
  verdict: 'passed' | 'failed';
  findings: Finding[];
  validation: ValidationResult;
}

export interface GeneratedForRun {
  xml: string;
  msgId: string;
}

/**
 * What the service needs of the test case domain: the loaded test cases, evaluation of a
 * submission, and generation of the message a receive-kind test case sends to the vendor.
 */
export interface TestcaseSuite {
  list(): Testcase[];
  evaluate(tc: Testcase, bytes: Uint8Array, ctx: { generated?: GeneratedForRun }): Promise<Evaluation>;
  generate(tc: Testcase, ctx: { runId: string }): GeneratedForRun;
}

export function testcasesOf(suite: TestcaseSuite, profileId: string): Testcase[] {
  return suite.list().filter((tc) => tc.profile === profileId);
}

export function findTestcase(suite: TestcaseSuite, id: string): Testcase | undefined {
  return suite.list().find((tc) => tc.id === id);
}
