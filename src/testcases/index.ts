/** The test case domain: declarative test descriptions, their loading and their evaluation. */
export * from './testcase.js';
export { testcaseSchema, parseTestcase, publishedTestcaseSchema } from './testcase-schema.js';
export { loadTestcases, testcasesForProfile } from './load-testcases.js';
export { acceptedAppRecProfiles, evaluateSubmission, type Evaluation, type EvaluationContext, type InspectingValidator } from './evaluate-submission.js';
export { generateReceiveMessage, messageHeaderOf, messageTypeOf, templateMessageType, TEMPLATE_PLACEHOLDERS, type GenerateContext, type GeneratedMessage } from './receive-message.js';
export { SAMSVAR_TEST_PARTY, DEFAULT_TEST_RECEIVER, type Party } from './test-party.js';
export { judgementOf, type Judgement, type JudgedAssertion } from './judgement.js';
export { scaffoldTestcase, type Scaffold } from './scaffold.js';
export { loadTestcaseFile } from './load-testcases.js';
