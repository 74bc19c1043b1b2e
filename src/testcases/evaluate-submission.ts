import type { XmlDocument } from 'libxml2-wasm';
import { hasErrors, sortFindings, type Finding } from '../core/finding.js';
import { SamsvarError } from '../core/samsvar-error.js';
import type { ArtifactValidator, ValidationResult } from '../engine/engine.js';
import type { ProfileCatalog } from '../profiles/catalog.js';
import { detectRules, type XmlProfileManifest } from '../profiles/manifest.js';
import { evaluateFhirPathAssertions } from './fhir-assertions.js';
import { messageTypeOf } from './receive-message.js';
import {
  isXPathAssertion,
  namespacesOf,
  type FhirPathAssertion,
  type ReceiveTestcase,
  type SubmitTestcase,
  type Testcase,
  type XPathAssertion,
} from './testcase.js';
import { evaluateXPathAssertions } from './xml-assertions.js';
import { locate, withXml } from './xml-document.js';

export interface EvaluationContext {
  /** For a receive test case: the message samsvar generated for this run (as stored by the service). */
  generated?: { msgId: string; xml: string };
}

export interface Evaluation {
  verdict: 'passed' | 'failed';
  /** The profile validation's findings followed by the test case's own, in report order. */
  findings: Finding[];
  /** The engine's result for the artifact alone (the profile part of the verdict). */
  validation: ValidationResult;
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

/** A syntax finding means there is no document to look into; the engine has already said why. */
function unreadable(validation: ValidationResult): boolean {
  return validation.findings.some((f) => f.layer === 'syntax' && f.severity === 'error');
}

function verdictOf(validation: ValidationResult, own: Finding[]): Evaluation {
  const findings = sortFindings([...validation.findings, ...own]);
  const passed = validation.valid && validation.profile !== null && !hasErrors(own);
  return { verdict: passed ? 'passed' : 'failed', findings, validation };
}

/** XML the engine accepted as well-formed, parsed once more (safely) for the assertions. */
function withSubmittedXml(bytes: Uint8Array, fn: (doc: XmlDocument) => Finding[]): Finding[] {
  try {
    return withXml(bytes, fn);
  } catch (e) {
    if (e instanceof SamsvarError) {
      return [{ ruleId: 'SYNTAX-MALFORMED', severity: 'error', layer: 'syntax', message: e.detail, line: 1, column: 1 }];
    }
    throw e;
  }
}

async function evaluateSubmit(tc: SubmitTestcase, bytes: Uint8Array, engine: ArtifactValidator): Promise<Evaluation> {
  const kind = engine.catalog.require(tc.profile).manifest.kind;
  const validation = await engine.validate(bytes, { profile: tc.profile, format: kind });
  const assertions = tc.expect.assertions ?? [];
  if (unreadable(validation) || assertions.length === 0) return verdictOf(validation, []);
  let own: Finding[];
  if (kind === 'xml') {
    const xpaths = assertions.filter(isXPathAssertion);
    own = withSubmittedXml(bytes, (doc) => evaluateXPathAssertions(doc, xpaths, namespacesOf(tc)));
  } else {
    // The engine has parsed this JSON under its limits (size, depth, duplicate keys) already.
    const resource: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    own = evaluateFhirPathAssertions(resource, assertions.filter((a): a is FhirPathAssertion => !isXPathAssertion(a)));
  }
  return verdictOf(validation, own);
}

function receiveFinding(ruleId: string, message: string, where: { xpath?: string; line?: number }, reference: string): Finding {
  return {
    ruleId,
    severity: 'error',
    layer: 'testcase',
    message,
    ...(where.line ? { line: where.line } : {}),
    ...(where.xpath ? { xpath: where.xpath } : {}),
    reference,
  };
}

/**
 * The checks every receive test case makes on the AppRec: it answers the generated message (by
 * MsgId and message type), with an expected status and the expected error codes.
 */
function checkAppRec(doc: XmlDocument, tc: ReceiveTestcase, generated: { msgId: string; msgType: string }, apprec: AppRecVersion): Finding[] {
  const ns = apprec.namespaces;
  const label = apprec.label;
  const findings: Finding[] = [];
  const at = (xpath: string) => {
    const nodes = doc.find(xpath, ns);
    return nodes.length ? locate(nodes[0], ns) : locate(doc.root, ns);
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

/**
 * Validates the receipt against the AppRec version it is written in, when the test case accepts
 * that version; anything else (another version, not an AppRec at all) is checked against the first
 * accepted one, whose findings then say what is wrong.
 */
async function validateAppRec(tc: ReceiveTestcase, bytes: Uint8Array, engine: ArtifactValidator): Promise<{ validation: ValidationResult; apprec: AppRecVersion }> {
  const accepted = acceptedAppRecProfiles(tc, engine.catalog);
  let validation = accepted.length > 1 ? await engine.validate(bytes, { format: 'xml' }) : undefined;
  if (!validation?.profile || !accepted.includes(validation.profile)) validation = await engine.validate(bytes, { profile: accepted[0], format: 'xml' });
  const m = engine.catalog.require(validation.profile ?? accepted[0]!).manifest as XmlProfileManifest;
  const namespaces = namespacesOf(tc);
  return {
    validation,
    apprec: {
      namespaces: { ...namespaces, ar: detectRules(m)[0]?.rootNamespace ?? namespaces.ar! },
      label: m.standard ? `${m.standard.name} ${m.standard.version}` : m.title,
    },
  };
}

async function evaluateReceive(tc: ReceiveTestcase, bytes: Uint8Array, engine: ArtifactValidator, ctx: EvaluationContext): Promise<Evaluation> {
  const generated = ctx.generated;
  if (!generated) {
    throw new SamsvarError('unprocessable', `test case ${tc.id} checks the AppRec for a message samsvar generates per run; fetch that message first, import it, then submit the AppRec your system produced`);
  }
  const { validation, apprec } = await validateAppRec(tc, bytes, engine);
  if (unreadable(validation)) return verdictOf(validation, []);
  const original = { msgId: generated.msgId, msgType: messageTypeOf(generated.xml) };
  // `ar` in the test case's own assertions means the namespace of the AppRec version answered with.
  const own = withSubmittedXml(bytes, (doc) => [
    ...checkAppRec(doc, tc, original, apprec),
    ...evaluateXPathAssertions(doc, (tc.expect.assertions ?? []) as XPathAssertion[], apprec.namespaces),
  ]);
  return verdictOf(validation, own);
}

/**
 * Decides a submission for a test case. Submit kind: the artifact must pass the test case's profile
 * and every error assertion. Receive kind: the submitted AppRec must pass the AppRec profile and
 * answer ctx.generated with the expected status and error codes.
 */
export async function evaluateSubmission(tc: Testcase, bytes: Uint8Array, engine: ArtifactValidator, ctx: EvaluationContext = {}): Promise<Evaluation> {
  return tc.kind === 'receive' ? evaluateReceive(tc, bytes, engine, ctx) : evaluateSubmit(tc, bytes, engine);
}
