import { MAX_FINDINGS, type Finding, type Layer, type Severity } from './finding.js';

/**
 * What the engine knows of one of its own rules: the layer that checks it, the severity it has
 * unless the check says otherwise, the clause it enforces (attached to every finding of the rule)
 * and, for FHIR clients, the OperationOutcome issue type that names it best.
 *
 * Rules that profiles bring (Schematron ids, test-case assertion ids) are the profile's data and
 * not listed here.
 */
export interface RuleInfo {
  layer: Layer;
  severity: Severity;
  /** What the rule checks, in one line. */
  summary: string;
  reference?: string;
  /** http://hl7.org/fhir/issue-type code; without one the layer decides (see operation-outcome). */
  issueType?: string;
}

const HTTP_REF = 'FHIR R4 RESTful API, https://hl7.org/fhir/R4/http.html';
const CAPABILITY_REF = 'FHIR R4 CapabilityStatement, https://hl7.org/fhir/R4/capabilitystatement.html';
const SEARCH_REF = 'FHIR R4 search, https://hl7.org/fhir/R4/search.html';
const READ_REF = 'FHIR R4 read, https://hl7.org/fhir/R4/http.html#read';
const MIME_REF = 'FHIR R4 mime type, https://hl7.org/fhir/R4/http.html#mime-type';

const syntax = (summary: string, issueType = 'structure'): RuleInfo => ({ layer: 'syntax', severity: 'error', summary, issueType });
const structure = (summary: string, issueType = 'structure'): RuleInfo => ({ layer: 'structure', severity: 'error', summary, issueType });
const live = (summary: string, reference?: string, severity: Severity = 'error'): RuleInfo => ({
  layer: 'testcase',
  severity,
  summary,
  ...(reference ? { reference } : {}),
});

/** Every rule id the engine, the receive checks and the live runner report. */
export const RULES = {
  // Before any parser: XML and FHIR JSON alike.
  'SYNTAX-SIZE': syntax('The artifact is larger than the size limit', 'too-long'),
  'SYNTAX-ENCODING': syntax('Not UTF-8 or ISO-8859-1 as declared, or bytes invalid in that encoding'),
  'SYNTAX-DOCTYPE': syntax('A DOCTYPE or ENTITY declaration (refused wherever it stands, comments included)'),
  'SYNTAX-DEPTH': syntax('Nested deeper than the depth limit', 'too-costly'),
  'SYNTAX-MALFORMED': syntax('Not well-formed XML'),
  'SYNTAX-FORMAT': syntax('Neither XML nor FHIR JSON'),
  'SYNTAX-JSON': syntax('Not JSON'),
  'SYNTAX-JSON-DUPLICATE-KEY': syntax('A JSON object has the same key twice'),
  // Which profile applies.
  'PROFILE-UNKNOWN': { layer: 'schema', severity: 'error', summary: 'No installed profile fits the document', issueType: 'not-supported' },
  'PROFILE-MISMATCH': {
    layer: 'schema',
    severity: 'error',
    summary: 'The document is not of the kind the named profile validates',
    issueType: 'not-supported',
  },
  'FINDINGS-LIMIT': {
    layer: 'schema',
    severity: 'information',
    summary: 'More findings than one report holds; the less severe are left out',
  },
  // XML layers.
  XSD: { layer: 'schema', severity: 'error', summary: "The profile's XML Schema refuses the document", issueType: 'structure' },
  'CODELIST-VALUE': {
    layer: 'codelist',
    severity: 'error',
    summary: "A code (V) not in the profile's code list for its OID (S), or used outside its validFrom/validTo",
    issueType: 'code-invalid',
  },
  'CODELIST-DN': {
    layer: 'codelist',
    severity: 'warning',
    summary: "A code's DN differs from the code list's text",
    issueType: 'code-invalid',
  },
  'CODELIST-UNKNOWN-OID': {
    layer: 'codelist',
    severity: 'information',
    summary: 'A code system OID the profile carries no list for',
    issueType: 'code-invalid',
  },
  // Norwegian identifiers, XML and FHIR.
  'ID-FNR': {
    layer: 'identifier',
    severity: 'error',
    summary: 'Fødselsnummer: 11 digits with both modulus-11 control digits',
    issueType: 'value',
  },
  'ID-DNR': {
    layer: 'identifier',
    severity: 'error',
    summary: 'D-nummer: day + 40, with both modulus-11 control digits',
    issueType: 'value',
  },
  'ID-ORGNR': {
    layer: 'identifier',
    severity: 'error',
    summary: 'Organisasjonsnummer: 9 digits with a modulus-11 control digit',
    issueType: 'value',
  },
  'ID-HER': { layer: 'identifier', severity: 'error', summary: 'HER-id: a positive whole number', issueType: 'value' },
  'ID-HPR': { layer: 'identifier', severity: 'error', summary: "HPR-nummer: a whole number of the register's length", issueType: 'value' },
  'ID-PERSON-REAL': {
    layer: 'identifier',
    severity: 'error',
    summary: 'A person number with valid control digits that is not a synthetic test number',
    issueType: 'value',
  },
  // FHIR structure and profiles.
  'FHIR-STRUCTURE-TYPE': structure('A JSON value of the wrong kind for its element'),
  'FHIR-STRUCTURE-RESOURCETYPE': structure('resourceType missing, unknown, or not what the profile describes'),
  'FHIR-STRUCTURE-PRIMITIVE': structure('A primitive value in the wrong format', 'value'),
  'FHIR-STRUCTURE-UNKNOWN': structure('An element the definition does not have'),
  'FHIR-STRUCTURE-ARRAY': structure('An array where a single value belongs, or the other way round'),
  'FHIR-XML-NAMESPACE': structure('FHIR XML: an element outside the FHIR namespace'),
  'FHIR-XML-ORDER': structure('FHIR XML: an element out of the order its definition gives'),
  'FHIR-XML-ATTRIBUTE': structure('FHIR XML: an attribute the format does not define there'),
  'FHIR-XML-TEXT': structure('FHIR XML: text inside an element, where values belong in value attributes'),
  'FHIR-STRUCTURE-EMPTY': structure('An empty array'),
  'FHIR-CARDINALITY-MIN': structure('Fewer repetitions than the minimum cardinality', 'required'),
  'FHIR-CARDINALITY-MAX': structure('More repetitions than the maximum cardinality'),
  'FHIR-REF-CONTAINED': structure('A local reference to no contained resource'),
  'FHIR-REF-TYPE': structure('A reference to a resource type the element does not allow'),
  'FHIR-REF-PROFILE-DEPTH': {
    layer: 'profile',
    severity: 'information',
    summary: 'A chain of references longer than samsvar follows to check targets against their target profiles',
    issueType: 'informational',
  },
  'FHIR-REF-PROFILE-UNKNOWN': {
    layer: 'profile',
    severity: 'error',
    summary: 'A reference that only a target profile which is not loaded could allow: it cannot be checked',
    issueType: 'not-supported',
  },
  'FHIR-REF-PROFILE': {
    layer: 'profile',
    severity: 'error',
    summary: 'A reference whose target, held in the Bundle or contained, conforms to none of the target profiles',
    issueType: 'invalid',
  },
  'FHIR-FIXED': { layer: 'profile', severity: 'error', summary: "A value other than the profile's fixed value", issueType: 'value' },
  'FHIR-PATTERN': { layer: 'profile', severity: 'error', summary: "A value without the profile's pattern", issueType: 'value' },
  'FHIR-SLICE-NOMATCH': {
    layer: 'profile',
    severity: 'error',
    summary: 'An element matching no slice of closed slicing',
    issueType: 'processing',
  },
  'FHIR-SLICE-ORDER': {
    layer: 'profile',
    severity: 'error',
    summary: 'Slices out of the order ordered slicing requires',
    issueType: 'processing',
  },
  'FHIR-EXT-UNKNOWN': {
    layer: 'profile',
    severity: 'warning',
    summary: 'An extension whose definition is not loaded',
    issueType: 'extension',
  },
  'FHIR-EXT-CONTEXT': {
    layer: 'profile',
    severity: 'error',
    summary: 'An extension used where its context does not allow it',
    issueType: 'extension',
  },
  'FHIR-PROFILE-UNKNOWN': {
    layer: 'profile',
    severity: 'warning',
    summary: 'meta.profile claims a profile that is not loaded',
    issueType: 'not-supported',
  },
  'FHIR-PROFILE-TYPE': {
    layer: 'profile',
    severity: 'error',
    summary: 'The profile describes another resource type',
    issueType: 'processing',
  },
  'FHIR-PROFILE-NOMATCH': {
    layer: 'profile',
    severity: 'error',
    summary: 'A value that meets none of the data type profiles its element allows',
    issueType: 'structure',
  },
  'FHIR-PROFILE-INVALID': {
    layer: 'profile',
    severity: 'error',
    summary: 'A profile that cannot be used to validate',
    issueType: 'processing',
  },
  'FHIR-BINDING-REQUIRED': {
    layer: 'terminology',
    severity: 'error',
    summary: 'A code outside a required binding',
    issueType: 'code-invalid',
  },
  'FHIR-BINDING-EXTENSIBLE': {
    layer: 'terminology',
    severity: 'warning',
    summary: 'A code outside an extensible binding',
    issueType: 'code-invalid',
  },
  'FHIR-BINDING-PREFERRED': {
    layer: 'terminology',
    severity: 'information',
    summary: 'A code outside a preferred binding',
    issueType: 'code-invalid',
  },
  'FHIR-CODE-UNKNOWN': {
    layer: 'terminology',
    severity: 'error',
    summary: 'A code not defined in its code system',
    issueType: 'code-invalid',
  },
  'FHIR-ATTACHMENT-SIZE': structure('An Attachment whose size does not match its data'),
  'FHIR-ELEMENT-ID': structure('An element id used twice'),
  'FHIR-BUNDLE-FULLURL': { layer: 'profile', severity: 'error', summary: 'Bundle entries without, or with clashing, fullUrl and id' },
  'FHIR-BUNDLE-LINK': { layer: 'profile', severity: 'error', summary: 'A Bundle link relation that does not belong to the Bundle type' },
  'FHIR-BUNDLE-ORPHAN': { layer: 'profile', severity: 'error', summary: 'A document or message entry nothing refers to' },
  'FHIR-BUNDLE-REF': {
    layer: 'profile',
    severity: 'error',
    summary: 'A reference inside a Bundle that does not resolve, or is versioned where it must not be',
  },
  'FHIR-BUNDLE-SEARCH': { layer: 'profile', severity: 'error', summary: 'A search result entry without a resource' },
  'FHIR-BUNDLE-TYPE': { layer: 'profile', severity: 'error', summary: 'A Bundle whose entries do not fit its type' },
  'FHIR-EXT-URL': {
    layer: 'profile',
    severity: 'error',
    summary: 'An extension url that is not a plain canonical',
    issueType: 'extension',
  },
  'FHIR-Q-ENABLEWHEN': {
    layer: 'profile',
    severity: 'error',
    summary:
      'A Questionnaire item whose enableWhen names no item of the questionnaire, the item itself, an item inside it, or (a warning) one after it',
  },
  'FHIR-QR-QUESTIONNAIRE': {
    layer: 'profile',
    severity: 'warning',
    summary:
      'A QuestionnaireResponse whose questionnaire is not named or not loaded (so its answers are not checked against it), or was not in effect when it was authored',
  },
  'FHIR-QR-ITEM': {
    layer: 'profile',
    severity: 'error',
    summary:
      'A QuestionnaireResponse item that does not fit its questionnaire: unknown or misplaced linkId, repeated, required and missing, or answered while not enabled',
  },
  'FHIR-QR-ANSWER': {
    layer: 'profile',
    severity: 'error',
    summary: 'An answer that does not fit its questionnaire item: its type, options, limits, length, format, units or number of answers',
  },
  'FHIR-MR-MEASURE': {
    layer: 'profile',
    severity: 'warning',
    summary:
      'A MeasureReport whose measure is not named or not loaded, or has a scoring samsvar does not know (so the report is not checked against it)',
  },
  'FHIR-MR-GROUP': {
    layer: 'profile',
    severity: 'error',
    summary: 'A MeasureReport group that does not match a group of its measure by code, is repeated, or is missing',
  },
  'FHIR-MR-POPULATION': {
    layer: 'profile',
    severity: 'error',
    summary:
      "A MeasureReport population that does not match its measure group's by code, is repeated or missing, or whose count and subjects disagree with the report's type",
  },
  'FHIR-MR-SCORE': {
    layer: 'profile',
    severity: 'error',
    summary: "A MeasureReport score that its measure's scoring or the report's type forbids, requires, bounds or gives a unit",
  },
  'FHIR-MR-STRATIFIER': {
    layer: 'profile',
    severity: 'error',
    summary: "A MeasureReport stratifier that does not match its measure group's by code, is repeated, or is missing",
  },
  'FHIR-MEASURE-GROUP': {
    layer: 'profile',
    severity: 'warning',
    summary:
      'A Measure without groups or populations, or with uncoded groups, populations or stratifiers among several (reports are matched by code)',
  },
  'FHIR-MEASURE-LIBRARY': {
    layer: 'profile',
    severity: 'error',
    summary: 'A Measure with CQL criteria but no loaded library to hold them, or (information) a library that is not loaded',
  },
  'FHIR-VALUE-LIMIT': { layer: 'profile', severity: 'error', summary: 'A value beyond a limit the definition sets (length, range)' },
  'FHIR-NARRATIVE-LINK': {
    layer: 'structure',
    severity: 'error',
    summary:
      'A narrative link or image that does not resolve in the resource, or an href a reader cannot follow (active content, urn: or cid:)',
  },
  'FHIR-VALUE-ABSENT': {
    layer: 'profile',
    severity: 'error',
    summary: 'A primitive given only extensions where the profile requires its value or names the extensions allowed in its place',
  },
  'FHIR-VITALSIGNS': { layer: 'profile', severity: 'information', summary: 'A vital sign checked against the vital-signs profile' },
  'FHIR-CODE-INVALID': {
    layer: 'terminology',
    severity: 'error',
    summary: 'A code the terminology server says is not valid',
    issueType: 'code-invalid',
  },
  'FHIR-CODE-SYSTEM': {
    layer: 'terminology',
    severity: 'error',
    summary: 'A code system that is not an absolute URI',
    issueType: 'code-invalid',
  },
  'FHIR-CANONICAL-URL': {
    layer: 'profile',
    severity: 'error',
    summary: "A canonical resource's url that is not absolute",
    issueType: 'invalid',
  },
  'FHIR-SD-FIXED': {
    layer: 'profile',
    severity: 'error',
    summary: 'A profile that fixes an element to another value than its base profile fixes it to',
    issueType: 'invalid',
  },
  'FHIR-SD-PATH': {
    layer: 'profile',
    severity: 'error',
    summary: "A profile's differential element whose id and path name different elements",
    issueType: 'invalid',
  },
  'FHIR-SD-TYPE-PROFILE': {
    layer: 'profile',
    severity: 'error',
    summary: "A profile's element type whose profile is a profile of another type",
    issueType: 'invalid',
  },
  'FHIR-SD-SLICING': {
    layer: 'profile',
    severity: 'error',
    summary: "A profile's slicing discriminator whose path names no element of what it slices",
    issueType: 'invalid',
  },
  'FHIR-CS-COUNT': {
    layer: 'profile',
    severity: 'error',
    summary: "A CodeSystem's count that does not fit its concepts and content",
    issueType: 'invalid',
  },
  'FHIR-CS-CONTENT': {
    layer: 'profile',
    severity: 'error',
    summary: "A CodeSystem's content that does not fit its concepts or supplements",
    issueType: 'business-rule',
  },
  'FHIR-CS-PROPERTY': {
    layer: 'profile',
    severity: 'error',
    summary: 'CodeSystem properties defined twice, of the wrong type, or used without a definition',
    issueType: 'business-rule',
  },
  'FHIR-CS-VALUESET': {
    layer: 'profile',
    severity: 'error',
    summary: 'CodeSystem.valueSet naming a value set that is not all of the code system',
    issueType: 'business-rule',
  },
  'FHIR-VS-SYSTEM': {
    layer: 'profile',
    severity: 'error',
    summary: 'A ValueSet include or exclude whose system is not an absolute URI',
    issueType: 'invalid',
  },
  'FHIR-VS-FILTER': {
    layer: 'profile',
    severity: 'error',
    summary: 'A ValueSet filter on a boolean property (or exists) whose value is not true or false',
    issueType: 'invalid',
  },
  'FHIR-VS-CODE': {
    layer: 'profile',
    severity: 'error',
    summary: 'A ValueSet concept not defined in its (complete, loaded) code system',
    issueType: 'code-invalid',
  },
  'FHIR-SP-COMPOSITE': {
    layer: 'profile',
    severity: 'error',
    summary: 'A composite SearchParameter with fewer than two components',
    issueType: 'business-rule',
  },
  'FHIR-SP-EXPRESSION': {
    layer: 'profile',
    severity: 'error',
    summary: 'A SearchParameter expression that does not parse or starts from a type that is not its base',
    issueType: 'invalid',
  },
  'FHIR-SP-DERIVED': {
    layer: 'profile',
    severity: 'error',
    summary: 'A SearchParameter whose type or base differs from the one it derives from',
    issueType: 'business-rule',
  },
  'FHIR-INVARIANT-UNEVALUATED': {
    layer: 'invariant',
    severity: 'information',
    summary: 'A constraint that could not be evaluated',
    issueType: 'invariant',
  },
  // Receive test cases: the AppRec a system answers a generated message with.
  'RCV-ORIGINAL-MSGID': {
    layer: 'testcase',
    severity: 'error',
    summary: "The AppRec does not name the generated message's MsgId",
    reference: 'Applikasjonskvittering 1.0, OriginalMsgId',
  },
  'RCV-ORIGINAL-MSGTYPE': {
    layer: 'testcase',
    severity: 'error',
    summary: "The AppRec does not name the generated message's type",
    reference: 'Applikasjonskvittering 1.0, OriginalMsgId/MsgType',
  },
  'RCV-STATUS': {
    layer: 'testcase',
    severity: 'error',
    summary: "The AppRec's status is not one the test case expects",
    reference: 'Applikasjonskvittering 1.0, Status (kodeverk 8258)',
  },
  'RCV-ERROR-CODE': {
    layer: 'testcase',
    severity: 'error',
    summary: 'The AppRec lacks an error code the test case expects',
    reference: 'Applikasjonskvittering 1.0, Error (kodeverk 8221)',
  },
  'RCV-APPREC-SENDER': {
    layer: 'testcase',
    severity: 'error',
    summary: 'The AppRec does not come from the receiver of the generated message (the system under test)',
    reference: 'Applikasjonskvittering 1.0, Sender',
  },
  'RCV-APPREC-RECEIVER': {
    layer: 'testcase',
    severity: 'error',
    summary: "The AppRec does not go to the sender of the generated message (samsvar's test party)",
    reference: 'Applikasjonskvittering 1.0, Receiver',
  },
  // Evidence bound to the run: the run's test data, fresh and not shipped with samsvar.
  'RUN-PATIENT': { layer: 'testcase', severity: 'error', summary: "The message's patient is not the run's test patient" },
  'RUN-SENDER': {
    layer: 'testcase',
    severity: 'error',
    summary: "The message does not come from the system's test communication party (its HER-id)",
  },
  'RUN-RECEIVER': { layer: 'testcase', severity: 'error', summary: "The message is not addressed to samsvar's test communication party" },
  'RUN-GENDATE': {
    layer: 'testcase',
    severity: 'error',
    summary: 'GenDate is outside the run (before it opened or after the message was received)',
  },
  'EVIDENCE-SHIPPED': {
    layer: 'testcase',
    severity: 'error',
    summary: 'The artifact equals a file shipped with samsvar (same SHA-256, MsgId or FHIR resource)',
  },
  'EVIDENCE-REPLAYED': {
    layer: 'testcase',
    severity: 'error',
    summary: 'The artifact (same SHA-256 or FHIR resource) was already submitted in another run or for another test case',
  },
  'EVIDENCE-MSGID-SEEN': {
    layer: 'testcase',
    severity: 'error',
    summary: "The MsgId was seen before in the service (another run's submission, another test case, or a message samsvar generated)",
  },
  // Live tests of a FHIR API.
  'LIVE-CAP-TYPE': live('GET [base]/metadata did not return a CapabilityStatement', CAPABILITY_REF),
  'LIVE-CAP-FHIRVERSION': live('The CapabilityStatement declares another FHIR version', CAPABILITY_REF),
  'LIVE-CAP-FORMAT': live('The CapabilityStatement does not offer the format', CAPABILITY_REF),
  'LIVE-CAP-REST': live('The CapabilityStatement declares no server REST API', CAPABILITY_REF),
  'LIVE-CAP-RESOURCE': live('A resource type is not declared', CAPABILITY_REF),
  'LIVE-CAP-PROFILE': live('A profile is not declared for its resource type', CAPABILITY_REF),
  'LIVE-CAP-INTERACTION': live('An interaction is not declared', CAPABILITY_REF),
  'LIVE-CAP-SEARCHPARAM': live('A search parameter is not declared', CAPABILITY_REF),
  'LIVE-CAP-SOFTWARE': live(
    'The CapabilityStatement names other software (name and version) than the system version under test',
    CAPABILITY_REF,
    'warning',
  ),
  'LIVE-CAP-IMPLEMENTATION': live('The CapabilityStatement gives another base URL than the one tested', CAPABILITY_REF, 'warning'),
  'LIVE-CAP-REACHED': live("Resources beyond the run's cap were not validated", undefined, 'information'),
  'LIVE-READ-TYPE': live('A read returned another resource type', READ_REF),
  'LIVE-READ-ID': live('A read returned another id', READ_REF),
  'LIVE-SEARCH-BUNDLE': live('A search did not return a searchset Bundle', SEARCH_REF),
  'LIVE-SEARCH-TYPE': live('A search matched another resource type', SEARCH_REF),
  'LIVE-SEARCH-ENTRY': live('A search match without a resource', SEARCH_REF),
  'LIVE-SEARCH-COUNT': live('A search found fewer or more matches than expected', SEARCH_REF),
  'LIVE-SEARCH-PAGING': live('A next link that is not a URL', SEARCH_REF),
  'LIVE-CONTENT-TYPE': live('A JSON answer not labelled application/fhir+json', MIME_REF),
  'LIVE-HTTP-STATUS': live('An HTTP status other than 200', HTTP_REF),
  'LIVE-NOT-JSON': live('An answer that is not JSON', HTTP_REF),
  'LIVE-NOT-RESOURCE': live('JSON that is not a FHIR resource', HTTP_REF),
  'LIVE-TIMEOUT': live('No complete answer within the time limit', HTTP_REF),
  'LIVE-DEADLINE': live("The run's time limit passed before a request"),
  'LIVE-TOO-LARGE': live('An answer larger than the size limit', HTTP_REF),
  'LIVE-TOO-DEEP': live('A resource nested deeper than any FHIR resource needs'),
  'LIVE-CONTENT-ENCODING': live('A compressed answer (refused rather than decompressed)', HTTP_REF),
  'LIVE-REDIRECT': live('A redirect that is not followed', HTTP_REF),
  'LIVE-HOST-REFUSED': live('A host the allowlist does not allow', HTTP_REF),
  'LIVE-NETWORK': live('The request failed on the network', HTTP_REF),
  'LIVE-VALIDATION-FAILED': live('A resource could not be validated'),
} as const satisfies Record<string, RuleInfo>;

/** FHIR invariants report under their constraint key, e.g. FHIR-INVARIANT-no-basis-fnr. */
export const INVARIANT_PREFIX = 'FHIR-INVARIANT-';
export type InvariantRuleId = `${typeof INVARIANT_PREFIX}${string}`;

export type RuleId = keyof typeof RULES;
export type EngineRuleId = RuleId | InvariantRuleId;

const INVARIANT: RuleInfo = {
  layer: 'invariant',
  severity: 'error',
  summary: 'A constraint (invariant) of the definition does not hold',
  issueType: 'invariant',
};

/** The catalogue entry of an engine rule id; undefined for a profile's own rules (Schematron, assertions). */
export function ruleInfo(ruleId: string): RuleInfo | undefined {
  if (Object.hasOwn(RULES, ruleId)) return RULES[ruleId as RuleId];
  return ruleId.startsWith(INVARIANT_PREFIX) ? INVARIANT : undefined;
}

/** Where a finding points and what may differ from the catalogue for this one finding. */
export type FindingDetails = Partial<Pick<Finding, 'line' | 'column' | 'xpath' | 'path' | 'severity' | 'layer' | 'reference'>>;

/**
 * A finding of an engine rule: layer, severity and reference from the catalogue unless `details`
 * says otherwise (an identifier rule a manifest lowers to a warning, say).
 */
export function ruleFinding(ruleId: EngineRuleId, message: string, details: FindingDetails = {}): Finding {
  const info = ruleInfo(ruleId)!;
  const { severity = info.severity, layer = info.layer, reference = info.reference, ...at } = details;
  return { ruleId, severity, layer, message, ...at, ...(reference ? { reference } : {}) };
}

/** The syntax finding that stops reading an artifact, at its position (1:1 when it has none). */
export function syntaxFinding(
  ruleId: Extract<RuleId, `SYNTAX-${string}`>,
  message: string,
  at?: { line: number; column: number },
): Finding {
  return ruleFinding(ruleId, message, { line: at?.line ?? 1, column: at?.column ?? 1 });
}

/** Says how many findings a report left out (see mostSevereFirst), on the layer of the validator that capped them. */
export function findingsLimitNotice(omitted: number, layer: Layer): Finding {
  return ruleFinding(
    'FINDINGS-LIMIT',
    `The document has more than ${MAX_FINDINGS} findings; ${omitted} less severe ones are left out. Fix these and validate again`,
    { layer },
  );
}
