import type { ArtifactValidator } from '../engine/engine.js';
import { evaluateSubmission, generateReceiveMessage, type Testcase } from '../testcases/index.js';
import type { TestcaseSuite } from './testcase-suite.js';

/** The test case domain (src/testcases) behind the service's TestcaseSuite interface. */
export function testcaseSuite(testcases: Testcase[], engine: ArtifactValidator): TestcaseSuite {
  return {
    list: () => testcases,
    evaluate: (tc, bytes, ctx) => evaluateSubmission(tc, bytes, engine, ctx),
    generate: (tc, ctx) => {
      const { xml, msgId } = generateReceiveMessage(tc, { runId: ctx.runId });
      return { xml, msgId };
    },
  };
}
