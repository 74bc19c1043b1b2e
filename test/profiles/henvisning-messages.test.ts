import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage, messageHeaderOf } from '../../src/testcases/receive-message.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine } from '../testcases/helpers.js';

/**
 * Henvisning 2.0 (in a Hodemelding), 1.1 (sent on its own) and the Dialogmelding 1.1 status on a
 * referral that answers it: each invalid example fails for exactly
 * the rule its name gives, every valid one is recognised without a named profile, the receive test
 * cases expect the AppRec version HITS 1168:2016 names, and every submit test case passes a good
 * message and fails a bad one for the assertion that says why.
 */
const PROFILES = ['henvisning-2.0', 'henvisning-1.1', 'dialogmelding-1.1-status-henvisning'];
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const engine = shippedEngine([...PROFILES, 'henvisning-1.0', 'dialogmelding-1.1-foresporsel', 'msghead-1.2', 'apprec-1.0', 'apprec-1.1']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];

const examples = (profile: string, kind: 'valid' | 'invalid') => readdirSync(path.join(ROOT, profile, 'examples', kind)).filter((f) => f.endsWith('.xml')).sort();
const example = (profile: string, kind: string, file: string) => readFileSync(path.join(ROOT, profile, 'examples', kind, file), 'utf8');
const byId = (id: string): Testcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new Error(`no shipped test case ${id}`);
  return tc;
};
function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  if (out === xml) throw new Error(`fixture edit found nothing to replace: ${String(from)}`);
  return out;
}
const errorIds = (findings: { severity: string; ruleId: string }[]) => [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();

describe.skipIf(!engine).each(PROFILES)('profile %s', (profile) => {
  it('has at least two valid and three invalid examples', () => {
    expect(examples(profile, 'valid').length).toBeGreaterThanOrEqual(2);
    expect(examples(profile, 'invalid').length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples(profile, 'invalid'))('rejects invalid/%s for exactly the named rule', async (file) => {
    const r = await engine!.validate(Buffer.from(example(profile, 'invalid', file)), { profile });
    expect(r.valid).toBe(false);
    // A message of another type, validated against this profile on purpose, is also reported as not this profile's.
    expect(errorIds(r.findings).filter((id) => id !== 'PROFILE-MISMATCH')).toEqual([file.slice(0, file.indexOf('--'))]);
  });

  it.each(examples(profile, 'valid'))('recognises valid/%s without a named profile, with no warning', async (file) => {
    const r = await engine!.validate(Buffer.from(example(profile, 'valid', file)));
    expect(r.profile).toBe(profile);
    expect(r.valid).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'warning' && f.ruleId !== 'CODELIST-DN')).toEqual([]);
  });
});

describe.skipIf(!engine)('Henvisning 2.0 in a Hodemelding', () => {
  const ny = example('henvisning-2.0', 'valid', 'henvisning-ny-tilstand.xml');

  it('is detected by the embedded document namespace even under another message type, and by its message type with a broken document', async () => {
    const otherType = await engine!.validate(Buffer.from(edit(ny, 'V="HENVISNING_NYTILSTAND" DN="Henvisning ny tilstand"', 'V="DIALOG_NOTAT" DN="Notat"')));
    expect(otherType.profile).toBe('henvisning-2.0');
    expect(errorIds(otherType.findings)).toEqual(['HEN20-0001']);
    const wrongNamespace = await engine!.validate(Buffer.from(edit(ny, 'xmlns="http://ehelse.no/xmlstds/henvisning/2017-11-30"', 'xmlns="http://ehelse.no/xmlstds/henvisning/2017-01-31"')));
    expect(wrongNamespace.profile).toBe('henvisning-2.0');
    expect(errorIds(wrongNamespace.findings)).toEqual(['HEN20-0002']);
  });

  it('checks the referral inside the envelope against the schema: a misplaced element is a schema error', async () => {
    const r = await engine!.validate(Buffer.from(edit(ny, /(<ReqServ>)/, '<Diagnosis><Concept V="L90" S="2.16.578.1.12.4.1.1.7170" DN="Kneartrose"/></Diagnosis>\n          <Ukjent/>\n          $1')));
    expect(errorIds(r.findings)).toEqual(['XSD']);
  });

  it('warns when a change or cancellation does not refer to the referral it changes', async () => {
    const cancel = example('henvisning-2.0', 'valid', 'kansellering.xml');
    const r = await engine!.validate(Buffer.from(edit(cancel, /\s*<ConversationRef>[\s\S]*?<\/ConversationRef>/, '')));
    expect(r.valid).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['HEN20-0012']);
  });

  it('warns when an assessed right to health care comes without its deadline, or an assessment rides on a first referral', async () => {
    const videre = example('henvisning-2.0', 'valid', 'viderehenvisning-pakkeforlop.xml');
    const noDeadline = edit(videre, /\s*<DatoMottakOgVurdering>\s*<TypeDato V="3"[\s\S]*?<\/DatoMottakOgVurdering>/, '');
    expect((await engine!.validate(Buffer.from(noDeadline))).findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['HEN20-0014']);
    const asFirst = edit(videre, 'V="HENVISNING_VIDERE" DN="Viderehenvisning"', 'V="HENVISNING_NYTILSTAND" DN="Henvisning ny tilstand"');
    expect((await engine!.validate(Buffer.from(asFirst))).findings.filter((f) => f.severity === 'warning').map((f) => f.ruleId)).toEqual(['HEN20-0013']);
  });

  it('makes the AppRec repeat MsgInfo/MsgId and the message type, in Applikasjonskvittering 1.1', async () => {
    const tc = byId('henvisning-2.0-mottak');
    const g = generateReceiveMessage(tc, { runId: 'r' });
    expect(messageHeaderOf(g.xml)).toEqual({ msgId: g.msgId, msgType: 'HENVISNING_NYTILSTAND' });
    expect(generateReceiveMessage(byId('henvisning-2.0-mottak-viderehenvisning'), { runId: 'r' }).msgType).toBe('HENVISNING_VIDERE');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const good = buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'HENVISNING_NYTILSTAND', version: '1.1' });
    expect((await evaluateSubmission(tc, Buffer.from(good), engine!, ctx)).verdict).toBe('passed');
    const inOldVersion = await evaluateSubmission(tc, Buffer.from(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'HENVISNING_NYTILSTAND' })), engine!, ctx);
    expect(inOldVersion.findings.map((f) => f.ruleId)).toContain('PROFILE-MISMATCH');
    const wrongType = buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'HENVISNING', version: '1.1' });
    expect((await evaluateSubmission(tc, Buffer.from(wrongType), engine!, ctx)).findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['RCV-ORIGINAL-MSGTYPE']);
  });

  it('expects a rejection with a precise error code for a message that breaks the standard on purpose', async () => {
    const tc = byId('henvisning-2.0-mottak-ugyldig-fnr');
    const g = generateReceiveMessage(tc, { runId: 'r' });
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const apprec = (v: string, dn: string) => buildAppRec({ status: '2', errors: [{ v, dn }], originalMsgId: g.msgId, originalMsgType: 'HENVISNING_NYTILSTAND', version: '1.1' });
    expect((await evaluateSubmission(tc, Buffer.from(apprec('E31', 'Pasientens fødselsnummer er feil')), engine!, ctx)).verdict).toBe('passed');
    const vague = await evaluateSubmission(tc, Buffer.from(apprec('X99', 'Annen feil')), engine!, ctx);
    expect(vague.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['TC-RCV-ERROR-CODE']);
  });
});

/** Good and bad messages for every submit test case of these standards, as a vendor's system would send them. */
function submitCases(): Record<string, { good: string; bad: string; fails: string[] }> {
  const ny = example('henvisning-2.0', 'valid', 'henvisning-ny-tilstand.xml');
  const cancel = example('henvisning-2.0', 'valid', 'kansellering.xml');
  const videre = example('henvisning-2.0', 'valid', 'viderehenvisning-pakkeforlop.xml');
  const change = edit(cancel, '<ServType V="C" DN="Kansellering"/>', '<ServType V="M" DN="Endring"/>');
  const withoutAssessment = edit(videre, /\s*<VurderingAvHenvisning>[\s\S]*?<\/VurderingAvHenvisning>/, '');
  // Henvisning 1.1 is sent on its own; its submit test cases are those of 1.0, carried over.
  const h = example('henvisning-1.1', 'valid', 'henvisning-til-poliklinikk.xml');
  const beforeAddress = (xml: string, item: string) => edit(xml, '      <Address>\n        <Type V="H"', `      ${item}\n      <Address>\n        <Type V="H"`);
  const hFastlege = beforeAddress(h, '<PatRelHCP><Relation V="FLE" DN="Fastlege"/><HCP><HCProf><Name>Tea Testlege</Name><Id>9999801</Id><TypeId V="HPR" DN="HPR-nummer"/></HCProf></HCP></PatRelHCP>');
  const hFindings = beforeAddress(h, '<InfItem><Observation><Description>CRP 42, SR 70</Description></Observation><Type V="FUNN" DN="Funn og undersøkelsesresultater"/></InfItem>');
  const hResults = beforeAddress(h, '<InfItem><ResultItem><NumResult><NumResultValue V="48.1" U="ug/L"/></NumResult><DevResultInd V="H" DN="Høy"/><ClinInv><Id OT="CEA" S="2.16.578.1.12.4.1.1.7280"/></ClinInv></ResultItem><Type V="FUNN" DN="Funn og undersøkelsesresultater"/></InfItem>');
  const status = example('dialogmelding-1.1-status-henvisning', 'valid', 'innkalles-til-helsehjelp.xml');
  return {
    'dialogmelding-1.1-status-henvisning-send': {
      good: status,
      bad: edit(edit(status, /\s*<ConversationRef>[\s\S]*?<\/ConversationRef>/, ''), 'S="2.16.578.1.12.4.1.1.9148"', 'S="2.16.578.1.12.4.1.1.7321"'),
      fails: ['TC-DLGS-REFERANSE', 'TC-DLGS-STATUS', 'DLG-0303'],
    },
    'henvisning-1.1-send-innleggelse': { good: hFastlege, bad: h, fails: ['TC-HEN-FASTLEGE'] },
    'henvisning-1.1-send-vurdering': { good: hFindings, bad: edit(hFindings, 'V="T90" S="2.16.578.1.12.4.1.1.7170"', 'V="E11" S="2.16.578.1.12.4.1.1.7110"'), fails: ['TC-HEN-DIAGNOSIS'] },
    'henvisning-1.1-send-strukturerte-resultater': { good: hResults, bad: hFindings, fails: ['TC-HEN-NUMRESULT'] },
    'henvisning-1.1-send-bup': {
      good: example('henvisning-1.1', 'valid', 'henvisning-med-bup-opplysninger.xml'),
      bad: h,
      fails: ['TC-HEN11-FORESATT', 'TC-HEN11-TOLK', 'TC-HEN11-SAMTYKKE', 'TC-HEN11-KONTAKT'],
    },
    'henvisning-1.1-kansellering': { good: example('henvisning-1.1', 'valid', 'kansellering.xml'), bad: h, fails: ['TC-HEN-SERVTYPE-C'] },
    'henvisning-2.0-send': {
      good: ny,
      bad: edit(edit(ny, /<Id>13916941298<\/Id>/, '<Id>13916941289</Id>'), /\s*<InfItem>\s*<Observation>\s*<Description>Penicillin[\s\S]*?<\/InfItem>/, '').replace(/\s*<PatientPrecaution>[\s\S]*?<\/PatientPrecaution>/, ''),
      fails: ['TC-HEN20-PATIENT-FNR', 'TC-HEN20-CAVE', 'ID-FNR'],
    },
    'henvisning-2.0-send-endring': { good: change, bad: edit(change, /\s*<ConversationRef>[\s\S]*?<\/ConversationRef>/, ''), fails: ['TC-HEN20-CONVERSATION'] },
    'henvisning-2.0-kansellering': { good: cancel, bad: edit(cancel, '<ServType V="C" DN="Kansellering"/>', '<ServType V="N" DN="Ny"/>'), fails: ['TC-HEN20-SERVTYPE-C'] },
    'henvisning-2.0-send-viderehenvisning': { good: videre, bad: withoutAssessment, fails: ['TC-HEN20-VURDERING'] },
    'henvisning-2.0-send-viderehenvisning-pakkeforlop': {
      good: videre,
      bad: edit(videre, /\s*<Pakkeforlop>[\s\S]*?<\/Pakkeforlop>/, '').replace('<Priority V="PK"', '<Priority V="N"'),
      fails: ['TC-HEN20-PAKKEFORLOP', 'TC-HEN20-PRIORITY-PK'],
    },
  };
}

describe.skipIf(!engine)('submit test cases of Henvisning 2.0, 1.1 and the status on a referral', () => {
  const table = engine ? submitCases() : {};
  it('every one has a known-good and a known-bad message here', () => {
    const ids = testcases.filter((t) => t.kind === 'submit' && PROFILES.includes(t.profile)).map((t) => t.id).sort();
    expect(Object.keys(table).sort()).toEqual(ids);
  });

  it.each(Object.entries(table))('%s passes with a good message', async (id, c) => {
    const r = await evaluateSubmission(byId(id), Buffer.from(c.good), engine!);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.verdict).toBe('passed');
  });

  it.each(Object.entries(table))('%s fails with a bad message, naming the assertion', async (id, c) => {
    const r = await evaluateSubmission(byId(id), Buffer.from(c.bad), engine!);
    expect(r.verdict).toBe('failed');
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId).sort()).toEqual([...c.fails].sort());
  });
});

describe.skipIf(!engine)('test cases per message type', () => {
  it.each([
    ['henvisning-2.0', 'HENVISNING_NYTILSTAND'],
    ['henvisning-2.0', 'HENVISNING_VIDERE'],
    ['henvisning-1.1', 'HENVISNING'],
    ['dialogmelding-1.1-status-henvisning', 'DIALOG_STATUS_HENVISNING'],
  ])('%s %s has at least three, sending and receiving', (profile, type) => {
    const own = testcases.filter((t) => t.profile === profile && (profile !== 'henvisning-2.0' || JSON.stringify(t).includes(type)));
    expect(own.length).toBeGreaterThanOrEqual(3);
    expect(new Set(own.map((t) => t.kind))).toEqual(new Set(['submit', 'receive']));
  });

  it('a generated Henvisning 1.1 is answered in AppRec 1.1, repeating Message/MsgId and Type HENVISNING', async () => {
    const tc = byId('henvisning-1.1-mottak');
    const g = generateReceiveMessage(tc, { runId: 'r' });
    expect(messageHeaderOf(g.xml)).toEqual({ msgId: g.msgId, msgType: 'HENVISNING' });
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const good = buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'HENVISNING', version: '1.1' });
    expect((await evaluateSubmission(tc, Buffer.from(good), engine!, ctx)).verdict).toBe('passed');
    const inOldVersion = await evaluateSubmission(tc, Buffer.from(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'HENVISNING' })), engine!, ctx);
    expect(inOldVersion.findings.map((f) => f.ruleId)).toContain('PROFILE-MISMATCH');
  });
});
