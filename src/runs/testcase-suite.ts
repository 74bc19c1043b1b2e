import type { Evaluation, EvaluationContext } from '../testcases/evaluate-submission.js';
import type { GeneratedMessage, GenerateContext } from '../testcases/receive-message.js';
import type { LiveTestcase, Testcase } from '../testcases/testcase.js';
import type { LiveTestResult } from '../live/live-runner.js';
import type { ChallengeOutcome } from '../live/server-challenge.js';

/** What a live run needs: where the system's FHIR API is, a token for it, and the test data the test case asks for. */
export interface LiveRunRequest {
  baseUrl: string;
  token?: string;
  parameters: Record<string, string>;
  /** The registered system the API should say it is (CapabilityStatement.software). */
  system?: { name: string; version: string };
}

/**
 * What the service needs of the test case domain: the loaded test cases, evaluation of a
 * submission, generation of the message a receive-kind test case sends to the vendor, and live runs.
 */
export interface TestcaseSuite {
  list(): Testcase[];
  evaluate(tc: Testcase, bytes: Uint8Array, ctx: EvaluationContext): Promise<Evaluation>;
  generate(tc: Testcase, ctx: Pick<GenerateContext, 'runId' | 'receiver' | 'runPatient'>): GeneratedMessage;
  /** Runs a live test case against the vendor's FHIR API, within the hosts the service may reach. */
  runLive(tc: LiveTestcase, request: LiveRunRequest): Promise<LiveTestResult>;
  /** Fetches a server's challenge URL under the same rules as a live run and says whether it served the answer. */
  checkServerChallenge(url: string, answer: string): Promise<ChallengeOutcome>;
  /** Puts a profile's test cases in place of those it had (an imported profile version taking over); absent, the suite is fixed. */
  replaceProfileTestcases?(profileId: string, testcases: Testcase[]): void;
}

export function testcasesOf(suite: TestcaseSuite, profileId: string): Testcase[] {
  return suite.list().filter((tc) => tc.profile === profileId);
}

export function findTestcase(suite: TestcaseSuite, id: string): Testcase | undefined {
  return suite.list().find((tc) => tc.id === id);
}
