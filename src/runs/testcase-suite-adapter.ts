import { generateReceiveMessage, type Evaluation, type EvaluationContext, type Testcase } from '../testcases/index.js';
import type { TestcaseSuite } from './testcase-suite.js';

/** Evaluates submissions: the service's validation pool does it on a worker thread, next to the engine. */
export interface TestcaseEvaluator {
  evaluate(tc: Testcase, bytes: Uint8Array, ctx: EvaluationContext): Promise<Evaluation>;
}

/** The test case domain (src/testcases) behind the service's TestcaseSuite interface. */
export function testcaseSuite(testcases: Testcase[], evaluator: TestcaseEvaluator): TestcaseSuite {
  return {
    list: () => testcases,
    evaluate: (tc, bytes, ctx) => evaluator.evaluate(tc, bytes, ctx),
    generate: (tc, ctx) => generateReceiveMessage(tc, { runId: ctx.runId }),
  };
}
