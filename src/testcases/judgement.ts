import type { ProfileCatalog } from '../profiles/catalog.js';
import { acceptedAppRecProfiles } from './evaluate-submission.js';
import { templateMessageType } from './receive-message.js';
import { isXPathAssertion, namespacesOf, type Assertion, type Testcase } from './testcase.js';

/** One assertion as a vendor reads it: the expression, where it is evaluated and the message of its finding. */
export type JudgedAssertion =
  | { id: string; language: 'xpath'; xpath: string; context: string; optional: boolean; actual?: string; message: string; severity: 'error' | 'warning'; reference?: string }
  | { id: string; language: 'fhirpath'; fhirpath: string; path?: string; message: string; severity: 'error' | 'warning'; reference?: string };

/** How samsvar decides a test case, with nothing left out that the evaluation uses. */
export interface Judgement {
  /** The profile the artifact must pass (submit, live) or the AppRec profiles it may pass (receive). */
  profiles: string[];
  assertions: JudgedAssertion[];
  /** Prefixes the XPath assertions may use: the predeclared ones and the test case's own. */
  namespaces?: Record<string, string>;
  /** receive: the generated message and what the AppRec must say about it. */
  message?: { template?: string; messageType?: string; defects: string[] };
  apprec?: { status: string[]; errorCodes: string[] };
  /** live: the CapabilityStatement requirements and the reads and searches run. */
  capability?: unknown;
  steps?: unknown[];
}

function judged(a: Assertion): JudgedAssertion {
  const common = { id: a.id, message: a.message, severity: a.severity ?? 'error', ...(a.reference ? { reference: a.reference } : {}) } as const;
  if (isXPathAssertion(a)) {
    return { ...common, language: 'xpath', xpath: a.xpath, context: a.context ?? '/', optional: a.optional ?? false, ...(a.actual ? { actual: a.actual } : {}) };
  }
  return { ...common, language: 'fhirpath', fhirpath: a.fhirpath, ...(a.path ? { path: a.path } : {}) };
}

/**
 * Everything the evaluation of a test case checks, as data: what `samsvar testcases show` prints in
 * words and `GET /testcases/{id}` answers, so a vendor can see how it is judged before submitting.
 */
export function judgementOf(tc: Testcase, catalog: ProfileCatalog): Judgement {
  if (tc.kind === 'live') {
    return { profiles: [tc.profile], assertions: [], ...(tc.capability ? { capability: tc.capability } : {}), steps: tc.steps };
  }
  const assertions = (tc.expect.assertions ?? []).map(judged);
  const namespaces = assertions.some((a) => a.language === 'xpath') ? namespacesOf(tc) : undefined;
  if (tc.kind === 'submit') return { profiles: [tc.profile], assertions, ...(namespaces ? { namespaces } : {}) };
  const type = templateMessageType(tc);
  return {
    profiles: acceptedAppRecProfiles(tc, catalog),
    assertions,
    ...(namespaces ? { namespaces } : {}),
    message: { ...(tc.message.template ? { template: tc.message.template } : {}), ...(type ? { messageType: type } : {}), defects: tc.message.defects ?? [] },
    apprec: { status: tc.expect.apprec.status, errorCodes: tc.expect.apprec.errorCodes ?? [] },
  };
}
