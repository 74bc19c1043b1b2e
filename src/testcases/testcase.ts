/**
 * A test case: one declarative file in testcases/, named by its id, describing what a vendor's
 * system must do with one profile, and how samsvar decides whether the system did it.
 *
 * - `submit`: the system produces a message or resource; the vendor submits it, samsvar validates
 *   it against the profile and evaluates the assertions.
 * - `receive`: samsvar generates a message; the vendor imports it into the system and submits the
 *   Applikasjonskvittering (AppRec) the system answered with.
 * - `live`: the system serves a FHIR API; samsvar reads its CapabilityStatement, runs reads and
 *   searches against it and validates every resource it returns against the profile.
 */
export { directionOf, type Direction, type TestcaseKind } from '../core/direction.js';

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
  expect: SubmitExpect;
}

export interface ReceiveTestcase extends TestcaseBase {
  kind: 'receive';
  message: MessageTemplateRef;
  expect: ReceiveExpect;
}

/**
 * What a vendor's FHIR API must declare in its CapabilityStatement, and which reads and searches
 * must answer with resources that conform to the profile. Strings in steps may contain `{{name}}`
 * placeholders for the declared parameters (test data only the vendor knows, such as the id of a
 * test patient).
 */
export interface LiveTestcase extends TestcaseBase {
  kind: 'live';
  parameters?: LiveParameter[];
  capability?: CapabilityRequirement;
  steps: LiveStep[];
}

export interface LiveParameter {
  name: string;
  description: string;
  /** Regular expression the whole value must match, e.g. ^\d{11}$ for a fødselsnummer. */
  pattern?: string;
  example?: string;
}

export interface CapabilityRequirement {
  /** Required CapabilityStatement.fhirVersion, e.g. 4.0.1. */
  fhirVersion?: string;
  /** A format CapabilityStatement.format must offer. */
  format?: 'json' | 'xml';
  resources?: ResourceRequirement[];
}

export interface ResourceRequirement {
  type: string;
  /** Canonical URLs that must appear in rest.resource.profile or supportedProfile (a |version suffix is ignored). */
  profiles?: string[];
  /** Interaction codes, e.g. read, search-type. */
  interactions?: string[];
  /** Search parameter names, e.g. identifier. */
  searchParams?: string[];
}

export interface ReadStep {
  read: { type: string; id: string; profile?: string; title?: string };
}

export interface SearchStep {
  search: {
    type: string;
    params: Record<string, string | string[]>;
    profile?: string;
    title?: string;
    /** Number of matches expected over all pages fetched; minResults defaults to 1. */
    expect?: { minResults?: number; maxResults?: number };
  };
}

export type LiveStep = ReadStep | SearchStep;

export type Testcase = SubmitTestcase | ReceiveTestcase | LiveTestcase;


export function isXPathAssertion(a: Assertion): a is XPathAssertion {
  return typeof (a as XPathAssertion).xpath === 'string';
}

export function namespacesOf(tc: Pick<TestcaseBase, 'namespaces'>): Record<string, string> {
  return { ...DEFAULT_NAMESPACES, ...(tc.namespaces ?? {}) };
}
