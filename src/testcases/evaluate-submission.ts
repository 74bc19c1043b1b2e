import { hasErrors, sortFindings, type Finding } from '../core/finding.js';
import { ruleFinding, type RuleId } from '../core/rule-catalogue.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { Engine, Inspector, ValidationResult } from '../engine/engine.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { detectRules, type XmlProfileManifest } from '../profiles/manifest.js';
import type { ParsedXml, XmlLocation } from '../xml/read-xml.js';
import { evaluateFhirPathAssertions } from './fhir-assertions.js';
import { templateMessageType } from './receive-message.js';
import {
  isXPathAssertion,
  namespacesOf,
  type Assertion,
  type FhirPathAssertion,
  type ReceiveTestcase,
  type SubmitTestcase,
  type Testcase,
} from './testcase.js';
import { evaluateXPathAssertions } from './xml-assertions.js';
import type { Verdict } from '../core/verdict.js';
import type { RunTestData } from '../core/run-test-data.js';
import { resourceFingerprint, type ArtifactIdentity } from './artifact-identity.js';
import { readMessageHeader, type MessageHeader } from './message-header.js';
import { checkAppRecParties, checkSubmittedMessage, checkSubmittedResource, type GeneratedParties } from './run-data-checks.js';

export interface EvaluationContext {
  /**
   * For a receive test case: the MsgId of the message samsvar generated for this run and, when
   * known, its parties (the AppRec must come from its receiver and go to its sender).
   */
  generated?: { msgId: string; parties?: GeneratedParties };
  /** The run's test data: a message the system sends must carry it (patient, parties, GenDate within the run). */
  run?: RunTestData;
  /** When the artifact was received (ISO-8601); now when absent. */
  receivedAt?: string;
}

/** The engine as test cases use it: validation plus a look into the artifact it read, so XML is parsed once. */
export type InspectingValidator = Pick<Engine, 'catalog' | 'validateAndInspect'>;

export interface Evaluation {
  verdict: Verdict;
  /** The profile validation's findings followed by the test case's own, in report order. */
  findings: Finding[];
  /** The engine's result for the artifact alone (the profile part of the verdict). */
  validation: ValidationResult;
  /** MsgId or FHIR content hash, for the checks that the evidence is new (empty when the artifact could not be read). */
  identity: ArtifactIdentity;
}

/** What the inspector reads of the artifact: the test case's findings and what identifies the artifact. */
interface Inspected {
  findings: Finding[];
  identity: ArtifactIdentity;
}

const DEFAULT_APPREC_PROFILE = 'apprec-1.0';
/** Profiles whose manifest names this standard are AppRec versions a vendor may answer with. */
const APPREC_STANDARD = 'apprec';

/** Code list 8258, for messages that say what a status means. */
const APPREC_STATUS: Record<string, string> = { '1': 'OK', '2': 'Avvist', '3': 'OK, feil i delmelding' };

/** Common codes of list 8221, for messages that say what an expected error code means. */
const APPREC_ERRORS: Record<string, string> = {
  E10: 'Ugyldig meldingsidentifikator',
  E20: 'Lege finnes ikke',
  E21: 'Mottaker finnes ikke',
  E30: 'Pasientens fødselsnummer mangler',
  E31: 'Pasientens fødselsnummer er feil',
  E32: 'Pasientens navn mangler',
  E35: 'Pasienten finnes ikke i mottakersystemet',
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: 'XML validerer ikke',
  T10: 'Støtter ikke meldingsformatet',
  T99: 'Annen feil på format',
  X99: 'Annen feil',
};

function statusText(code: string): string {
  return APPREC_STATUS[code] ? `${code} (${APPREC_STATUS[code]})` : code;
}

function errorText(code: string): string {
  return APPREC_ERRORS[code] ? `V="${code}" (${APPREC_ERRORS[code]})` : `V="${code}"`;
}

function verdictOf(validation: ValidationResult, inspected: Inspected | undefined): Evaluation {
  const own = inspected?.findings ?? [];
  const findings = sortFindings([...validation.findings, ...own]);
  const passed = validation.valid && validation.profile !== null && !hasErrors(own);
  return { verdict: passed ? 'passed' : 'failed', findings, validation, identity: inspected?.identity ?? {} };
}

function identityOf(xml: ParsedXml, header: MessageHeader): ArtifactIdentity {
  return header.msgId ? { msgId: header.msgId.value, msgIdAt: xml.locate(header.msgId.node) } : {};
}

const receivedAt = (ctx: EvaluationContext) => (ctx.receivedAt ? new Date(ctx.receivedAt) : new Date());

/**
 * Assertions of either language on what the engine read (FHIRPath ones never meet XML and vice
 * versa), the run's data a sent message must carry, and what identifies the artifact.
 */
function submitInspector(assertions: readonly Assertion[], namespaces: Record<string, string>, ctx: EvaluationContext): Inspector<Inspected> {
  return {
    xml: (xml) => {
      const header = readMessageHeader(xml);
      const findings = evaluateXPathAssertions(xml, assertions.filter(isXPathAssertion), namespaces);
      if (ctx.run) findings.push(...checkSubmittedMessage(xml, header, ctx.run, receivedAt(ctx)));
      return { findings, identity: identityOf(xml, header) };
    },
    fhir: (resource) => ({
      findings: [
        ...evaluateFhirPathAssertions(resource, assertions.filter((a): a is FhirPathAssertion => !isXPathAssertion(a))),
        ...(ctx.run ? checkSubmittedResource(resource, ctx.run) : []),
      ],
      identity: { resourceSha256: resourceFingerprint(resource) },
    }),
  };
}

async function evaluateSubmit(tc: SubmitTestcase, bytes: Uint8Array, engine: InspectingValidator, ctx: EvaluationContext): Promise<Evaluation> {
  const kind = engine.catalog.require(tc.profile).manifest.kind;
  const inspector = submitInspector(tc.expect.assertions ?? [], namespacesOf(tc), ctx);
  const { result, inspected } = await engine.validateAndInspect(bytes, { profile: tc.profile, format: kind }, inspector);
  return verdictOf(result, inspected);
}

/** A finding of the AppRec checks, citing the clause of the AppRec version answered with (`label`). */
function receiveFinding(ruleId: Extract<RuleId, `RCV-${string}`>, message: string, where: XmlLocation, clause: string): Finding {
  return ruleFinding(ruleId, message, { ...where, reference: clause });
}

/**
 * The checks every receive test case makes on the AppRec: it answers the generated message (by
 * MsgId and message type), with an expected status and the expected error codes.
 */
function checkAppRec({ doc, locate }: ParsedXml, tc: ReceiveTestcase, generated: { msgId: string; msgType: string }, apprec: AppRecVersion): Finding[] {
  const ns = apprec.namespaces;
  const label = apprec.label;
  const findings: Finding[] = [];
  const at = (xpath: string) => {
    const nodes = doc.find(xpath, ns);
    return locate(nodes.length ? nodes[0]! : doc.root);
  };
  const str = (xpath: string) => String(doc.eval(`normalize-space(${xpath})`, ns));

  const originalId = str('/ar:AppRec/ar:OriginalMsgId/ar:Id');
  if (originalId !== generated.msgId) {
    findings.push(
      receiveFinding(
        'RCV-ORIGINAL-MSGID',
        originalId
          ? `OriginalMsgId/Id is '${originalId}', but the message samsvar generated for this run has MsgId '${generated.msgId}': the AppRec must refer to the message it answers`
          : `OriginalMsgId/Id is missing or empty; it must be '${generated.msgId}', the MsgId of the message samsvar generated for this run`,
        at('/ar:AppRec/ar:OriginalMsgId/ar:Id'),
        `${label}, OriginalMsgId`,
      ),
    );
  }
  const originalType = str('/ar:AppRec/ar:OriginalMsgId/ar:MsgType/@V');
  if (generated.msgType && originalType !== generated.msgType) {
    findings.push(
      receiveFinding(
        'RCV-ORIGINAL-MSGTYPE',
        `OriginalMsgId/MsgType/@V is '${originalType}', but the message it answers is of type '${generated.msgType}' (its MsgInfo/Type/@V, or Type/@V of a message sent on its own)`,
        at('/ar:AppRec/ar:OriginalMsgId/ar:MsgType'),
        `${label}, OriginalMsgId/MsgType`,
      ),
    );
  }
  const status = str('/ar:AppRec/ar:Status/@V');
  const expected = tc.expect.apprec.status;
  if (!expected.includes(status)) {
    findings.push(
      receiveFinding(
        'RCV-STATUS',
        `Status/@V is ${status ? statusText(status) : 'missing'}, but this test case expects ${expected.map(statusText).join(' or ')}`,
        at('/ar:AppRec/ar:Status'),
        `${label}, Status (kodeverk 8258)`,
      ),
    );
  }
  const codes = new Set((doc.find('/ar:AppRec/ar:Error/@V', ns) as { content: string }[]).map((n) => n.content.trim()));
  for (const code of tc.expect.apprec.errorCodes ?? []) {
    if (codes.has(code)) continue;
    const found = codes.size ? `it has ${[...codes].join(', ')}` : 'it has no Error';
    findings.push(
      receiveFinding(
        'RCV-ERROR-CODE',
        `the AppRec must report an Error with ${errorText(code)}; ${found}`,
        at('/ar:AppRec/ar:Status'),
        `${label}, Error (kodeverk 8221)`,
      ),
    );
  }
  return findings;
}

/** The AppRec version a receipt was checked against, and how the test case's XPaths address it. */
interface AppRecVersion {
  /** The test case's namespaces with `ar` bound to this version's namespace. */
  namespaces: Record<string, string>;
  /** How findings cite it, e.g. "Applikasjonskvittering 1.1". */
  label: string;
}

/** The AppRec profiles a receive test case accepts: the one it names, else every version of the AppRec standard. */
export function acceptedAppRecProfiles(tc: ReceiveTestcase, catalog: ProfileCatalog): string[] {
  if (tc.expect.apprecProfile) return [tc.expect.apprecProfile];
  const versions = catalog.list().filter((p) => p.manifest.kind === 'xml' && p.manifest.standard?.id === APPREC_STANDARD).map((p) => p.manifest.id);
  return versions.length ? versions : [DEFAULT_APPREC_PROFILE];
}

function appRecVersion(tc: ReceiveTestcase, catalog: ProfileCatalog, profile: string): AppRecVersion {
  const m = catalog.require(profile).manifest as XmlProfileManifest;
  const namespaces = namespacesOf(tc);
  return { namespaces: { ...namespaces, ar: detectRules(m)[0]?.rootNamespace ?? namespaces.ar! }, label: m.standard ? `${m.standard.name} ${m.standard.version}` : m.title };
}

/**
 * Validates the receipt against the AppRec version it is written in, when the test case accepts
 * that version; anything else (another version, not an AppRec at all) is checked against the first
 * accepted one, whose findings then say what is wrong. The AppRec checks and the test case's own
 * assertions (`ar` meaning the namespace of the version answered with) look into the document the
 * engine parsed; only a receipt in no accepted version is read a second time, for that check.
 */
async function evaluateReceive(tc: ReceiveTestcase, bytes: Uint8Array, engine: InspectingValidator, ctx: EvaluationContext): Promise<Evaluation> {
  const generated = ctx.generated;
  if (!generated) {
    throw new SamsvarError('unprocessable', `test case ${tc.id} checks the AppRec for a message samsvar generates per run; fetch that message first, import it, then submit the AppRec your system produced`);
  }
  const original = { msgId: generated.msgId, msgType: templateMessageType(tc) };
  const accepted = acceptedAppRecProfiles(tc, engine.catalog);
  const checks: Inspector<Inspected> = {
    xml: (xml, profile) => {
      const header = readMessageHeader(xml);
      const identity = identityOf(xml, header);
      if (!accepted.includes(profile)) return { findings: [], identity };
      const apprec = appRecVersion(tc, engine.catalog, profile);
      const parties = generated.parties ? checkAppRecParties(xml, header, generated.parties, ctx.run, receivedAt(ctx)) : [];
      return { findings: [...checkAppRec(xml, tc, original, apprec), ...parties, ...evaluateXPathAssertions(xml, tc.expect.assertions ?? [], apprec.namespaces)], identity };
    },
    fhir: () => ({ findings: [], identity: {} }),
  };
  if (accepted.length > 1) {
    const detected = await engine.validateAndInspect(bytes, { format: 'xml' }, checks);
    if (detected.result.profile && accepted.includes(detected.result.profile)) return verdictOf(detected.result, detected.inspected);
  }
  const { result, inspected } = await engine.validateAndInspect(bytes, { profile: accepted[0], format: 'xml' }, checks);
  return verdictOf(result, inspected);
}

/**
 * Decides a submission for a test case. Submit kind: the artifact must pass the test case's profile
 * and every error assertion. Receive kind: the submitted AppRec must pass the AppRec profile and
 * answer ctx.generated with the expected status and error codes. A live test case has no
 * submission: samsvar runs it against the system's FHIR API.
 */
export async function evaluateSubmission(tc: Testcase, bytes: Uint8Array, engine: InspectingValidator, ctx: EvaluationContext = {}): Promise<Evaluation> {
  if (tc.kind === 'live') throw new SamsvarError('unprocessable', `test case ${tc.id} is a live test case: samsvar runs it against your FHIR API instead of judging a file`);
  return tc.kind === 'receive' ? evaluateReceive(tc, bytes, engine, ctx) : evaluateSubmit(tc, bytes, engine, ctx);
}
