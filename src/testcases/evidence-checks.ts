import { hasErrors, sortFindings, type Finding } from '../core/finding.js';
import type { Verdict } from '../core/verdict.js';
import { ruleFinding } from '../core/rule-catalogue.js';
import type { ArtifactIdentity } from './artifact-identity.js';
import type { ShippedEvidence } from './shipped-evidence.js';

/** A value (SHA-256, MsgId, FHIR content hash) some run's test case used first. */
export interface PriorUse {
  kind: 'sha256' | 'msgid' | 'resource';
  value: string;
  runId: string;
  testcaseId: string;
  origin: 'submitted' | 'generated';
}

/** The values an artifact would claim as evidence: its SHA-256, MsgId and FHIR content hash. */
export function evidenceValues(sha256: string, identity: ArtifactIdentity): { kind: PriorUse['kind']; value: string }[] {
  return [
    { kind: 'sha256' as const, value: sha256 },
    ...(identity.msgId ? [{ kind: 'msgid' as const, value: identity.msgId }] : []),
    ...(identity.resourceSha256 ? [{ kind: 'resource' as const, value: identity.resourceSha256 }] : []),
  ];
}

const nb = (f: Finding, messageNb: string): Finding => ({ ...f, messageNb });
const WHOLE_FILE = { line: 1, column: 1 };

/** An artifact equal to a file shipped with samsvar is no evidence of what the vendor's system does. */
export function shippedFindings(sha256: string, identity: ArtifactIdentity, shipped: ShippedEvidence): Finding[] {
  const out: Finding[] = [];
  const file = shipped.sha256.get(sha256);
  if (file) {
    out.push(nb(ruleFinding('EVIDENCE-SHIPPED', `the artifact is byte for byte ${file}, shipped with samsvar (SHA-256 ${sha256}): submit what your system produced`, WHOLE_FILE), `Filen er nøyaktig ${file}, som følger med samsvar. Lever det systemet ditt har laget.`));
  }
  const byMsgId = identity.msgId ? shipped.msgIds.get(identity.msgId) : undefined;
  if (byMsgId && !file) {
    out.push(nb(ruleFinding('EVIDENCE-SHIPPED', `MsgId ${identity.msgId} is the MsgId of ${byMsgId}, shipped with samsvar: a message your system produced has its own MsgId`, identity.msgIdAt ?? WHOLE_FILE), `MsgId ${identity.msgId} er MsgId-en i ${byMsgId}, som følger med samsvar. En melding systemet ditt har laget, har sin egen MsgId.`));
  }
  const byResource = identity.resourceSha256 ? shipped.resources.get(identity.resourceSha256) : undefined;
  if (byResource && !file) {
    out.push(nb(ruleFinding('EVIDENCE-SHIPPED', `the resource has the content of ${byResource}, shipped with samsvar (id and meta aside): submit what your system produced`, WHOLE_FILE), `Ressursen har samme innhold som ${byResource}, som følger med samsvar. Lever det systemet ditt har laget.`));
  }
  return out;
}

/**
 * An artifact already used as evidence by another run, or by another test case of this run, or
 * whose MsgId samsvar generated, is not new evidence. The same artifact submitted again for the
 * same test case of the same run is a re-submission, not a replay.
 */
export function replayFindings(identity: ArtifactIdentity, uses: readonly PriorUse[], here: { runId: string; testcaseId: string }): Finding[] {
  const out: Finding[] = [];
  for (const use of uses) {
    if (use.runId === here.runId && use.testcaseId === here.testcaseId && use.origin === 'submitted') continue;
    const where = use.runId === here.runId ? `test case ${use.testcaseId} of this run` : `another run (${use.runId}, test case ${use.testcaseId})`;
    const hvor = use.runId === here.runId ? `testtilfellet ${use.testcaseId} i denne kjøringen` : `en annen kjøring (${use.runId}, testtilfellet ${use.testcaseId})`;
    if (use.kind === 'msgid') {
      const text =
        use.origin === 'generated'
          ? [`MsgId ${use.value} is the MsgId of the message samsvar generated for ${where}: your system's message needs its own MsgId`, `MsgId ${use.value} er MsgId-en i meldingen samsvar genererte for ${hvor}. Meldingen fra systemet ditt må ha sin egen MsgId.`]
          : [`MsgId ${use.value} was already submitted for ${where}: each message your system sends has a fresh MsgId`, `MsgId ${use.value} er allerede levert for ${hvor}. Hver melding systemet sender, har en ny MsgId.`];
      out.push(nb(ruleFinding('EVIDENCE-MSGID-SEEN', text[0]!, identity.msgIdAt ?? WHOLE_FILE), text[1]!));
    } else {
      const what = use.kind === 'sha256' ? `the same file (SHA-256 ${use.value})` : 'a resource with the same content';
      const hva = use.kind === 'sha256' ? 'den samme filen' : 'en ressurs med samme innhold';
      out.push(nb(ruleFinding('EVIDENCE-REPLAYED', `${what} was already submitted for ${where}; evidence is accepted once`, WHOLE_FILE), `${hva[0]!.toUpperCase()}${hva.slice(1)} er allerede levert for ${hvor}; et bevis godtas én gang.`));
    }
  }
  return out;
}

/** The verdict and findings once evidence refusals are added: any error refusal fails the submission. */
export function withRefusals(verdict: Verdict, findings: Finding[], refused: Finding[]): { verdict: Verdict; findings: Finding[] } {
  if (refused.length === 0) return { verdict, findings };
  return { verdict: hasErrors(refused) ? 'failed' : verdict, findings: sortFindings([...findings, ...refused]) };
}
