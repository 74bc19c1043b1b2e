/**
 * A test case: one declarative file in testcases/ describing what a vendor's system must do with
 * one message profile, and how samsvar decides whether the system did it.
 *
 * - `submit`: the system produces a message (direction `send`); the vendor submits it, samsvar
 *   validates it against the profile and evaluates the assertions.
 * - `receive`: samsvar generates a message (direction `receive`); the vendor imports it into the
 *   system and submits the Applikasjonskvittering (AppRec) the system answered with.
 */
export type TestcaseKind = 'submit' | 'receive';
export type TestcaseDirection = 'send' | 'receive';

/** Namespace prefixes every XPath assertion can use without declaring them. */
export const DEFAULT_NAMESPACES: Readonly<Record<string, string>> = {
  mh: 'http://www.kith.no/xmlstds/msghead/2006-05-24',
  dia: 'http://www.kith.no/xmlstds/dialog/2013-01-23',
  ar: 'http://www.kith.no/xmlstds/apprec/2004-11-21',
  fk1: 'http://www.kith.no/xmlstds/felleskomponent1',
  b64: 'http://www.kith.no/xmlstds/base64container',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};

interface AssertionBase {
  /** Stable id; becomes the finding's ruleId when the assertion fails. */
  id: string;
  /** What is wrong and what is expected, for the vendor's developer. */
  message: string;
  /** Default error: a failed error assertion fails the test case; a warning only informs. */
  severity?: 'error' | 'warning';
  /** Clause of the standard or the test description the assertion comes from. */
  reference?: string;
}

/**
 * An XPath 1.0 assertion on an XML message. `context` (default `/`) selects the nodes the test is
 * evaluated at, as in a Schematron rule; unlike Schematron, a context that selects nothing fails
 * the assertion (a test case asks for content, so its absence is a failure) unless `optional`.
 * The finding points at the failing context node (or the root element when no node matched).
 */
export interface XPathAssertion extends AssertionBase {
  xpath: string;
  context?: string;
  optional?: boolean;
  /** XPath (string value, relative to the context node) shown in the message as what was found. */
  actual?: string;
}

/**
 * A FHIRPath assertion on a FHIR resource, evaluated with the R4 model. It holds when the result
 * is non-empty and contains no `false` (so both `identifier.where(…)` and `status = 'current'` work).
 */
export interface FhirPathAssertion extends AssertionBase {
  fhirpath: string;
  /** FHIRPath of the element the finding points at (default: the resource type). */
  path?: string;
}

export type Assertion = XPathAssertion | FhirPathAssertion;

/** What a receive test case expects of the AppRec the vendor's system answered with. */
export interface AppRecExpectation {
  /** Allowed Status/@V values (code list 8258: 1 OK, 2 Avvist, 3 OK with errors in a part). */
  status: string[];
  /** Error/@V codes (8221 and related lists) that must all be present. */
  errorCodes?: string[];
}

export interface SubmitExpect {
  /** Extra content assertions on top of "the artifact passes the profile". */
  assertions?: Assertion[];
}

export interface ReceiveExpect {
  /**
   * The one AppRec profile the answer must pass, where the standard requires one version. Without it
   * the answer may be any AppRec version (every profile of standard `apprec`), checked against its own.
   */
  apprecProfile?: string;
  apprec: AppRecExpectation;
  /** Extra XPath assertions on the AppRec. */
  assertions?: XPathAssertion[];
}

/** Where a receive test case's message comes from: a file in testcases/templates/ or inline text. */
export interface MessageTemplateRef {
  template?: string;
  xml?: string;
  /**
   * The rule ids the generated message is built to break (an acceptance-test scenario where the
   * receiver must report an error: patient or sender missing, schema error). Without it a generated
   * message must pass its profile; with it, it must fail with exactly these rules.
   */
  defects?: string[];
}

interface TestcaseBase {
  id: string;
  profile: string;
  title: string;
  /** The testbeskrivelse: what the vendor does in the system, in words the vendor can act on. */
  description: string;
  /** Extra namespace prefixes for XPath assertions (added to DEFAULT_NAMESPACES). */
  namespaces?: Record<string, string>;
  /** Where the test case stands among its profile's test cases (lowest first). */
  order?: number;
  /** An optional test case does not hold back a run's verdict. */
  optional?: boolean;
  /** What the test case covers: clauses of the standard or published acceptance-test scenarios. */
  requirements?: string[];
  /** Where the file was loaded from (absent for test cases built in code). */
  source?: string;
}

export interface SubmitTestcase extends TestcaseBase {
  kind: 'submit';
  direction: 'send';
  expect: SubmitExpect;
}

export interface ReceiveTestcase extends TestcaseBase {
  kind: 'receive';
  direction: 'receive';
  message: MessageTemplateRef;
  expect: ReceiveExpect;
}

export type Testcase = SubmitTestcase | ReceiveTestcase;

export function isXPathAssertion(a: Assertion): a is XPathAssertion {
  return typeof (a as XPathAssertion).xpath === 'string';
}

export function namespacesOf(tc: Pick<TestcaseBase, 'namespaces'>): Record<string, string> {
  return { ...DEFAULT_NAMESPACES, ...(tc.namespaces ?? {}) };
}
