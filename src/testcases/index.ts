/** The test case domain: declarative test descriptions, their loading and their evaluation. */
export * from './testcase.js';
export { testcaseSchema, parseTestcase } from './testcase-schema.js';
export { loadTestcases, testcasesForProfile } from './load-testcases.js';
export { acceptedAppRecProfiles, evaluateSubmission, type Evaluation, type EvaluationContext } from './evaluate-submission.js';
export { generateReceiveMessage, messageHeaderOf, messageTypeOf, TEMPLATE_PLACEHOLDERS, type GenerateContext, type GeneratedMessage } from './receive-message.js';
export { SAMSVAR_TEST_PARTY, DEFAULT_TEST_RECEIVER, type Party } from './test-party.js';
