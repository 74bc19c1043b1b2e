import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage, templateMessageType } from '../../src/testcases/receive-message.js';
import type { ReceiveTestcase, Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine, XML_PROFILES } from './helpers.js';

/**
 * The test cases for Svarrapport and Rekvisisjon: the systems that send them are checked against
 * the project's own examples, the systems that receive them answer standalone messages (no
 * Hodemelding) whose type comes from Message/Type.
 */
const engine = shippedEngine(XML_PROFILES);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new Error(`no shipped test case ${id}`);
  return tc;
};
const PROFILES = path.resolve(import.meta.dirname, '../../profiles');
const example = (profile: string, file: string) => readFileSync(path.join(PROFILES, profile, 'examples', 'valid', file), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);
const lab = () => testcases.filter((t) => /^(svarrapport|rekvisisjon)-/.test(t.profile));

/** For each submit test case: a message the project wrote that passes it, and a change that must fail it. */
const SUBMIT: [string, string, string, [string, string], string][] = [
  ['svarrapport-1.4-send', 'svarrapport-1.4', 'medisinsk-genetikk.xml', ['<ServProvId>FJL-GEN-2026-00931</ServProvId>', '<ServProvId> </ServProvId>'], 'TC-SVAR-SERVPROVID'],
  ['svarrapport-1.4-biokjemi-send', 'svarrapport-1.4-biokjemi', 'elektrolytter-med-referanseomrade.xml', ['<Type>Serum</Type>', '<IdByRequester>x</IdByRequester>'], 'TC-SVMBK-SAMPLE'],
  ['svarrapport-1.4-mikrobiologi-send', 'svarrapport-1.4-mikrobiologi', 'urindyrkning-med-resistens.xml', ['<TextCode V="R" S="2.16.578.1.12.4.1.1.8271" DN="Resistent"/>', '<TextResultValue>R</TextResultValue>'], 'TC-SVMIK-RESISTANCE'],
  ['svarrapport-1.4-immunologi-send', 'svarrapport-1.4-immunologi', 'autoantistoffer-forelopig.xml', ['<MsgDescr V="IMTR" DN="Immunologi og transfusjonsmedisin"/>\n    <ServProvId>', '<MsgDescr V="CLIN" DN="Medisinsk biokjemi"/>\n    <ServProvId>'], 'TC-SVIMM-MSGDESCR'],
  ['svarrapport-1.4-patologi-send', 'svarrapport-1.4-patologi', 'histologi-hudbiopsi.xml', ['<Heading V="DIAG" DN="Diagnose"/>', '<Heading V="VU" DN="Vurdering"/>'], 'TC-SVPAT-DIAGNOSIS'],
  ['svarrapport-1.4-radiologi-send', 'svarrapport-1.4-radiologi', 'ultralyd-abdomen.xml', ['<TypeId V="HER" DN="HER-id"/>\n          <Dept>\n            <Name>Avdeling for bildediagnostikk', '<TypeId V="ENH" DN="Organisasjonsnummer"/>\n          <Dept>\n            <Name>Avdeling for bildediagnostikk'], 'TC-SVRAD-LAB-HER'],
  ['svarrapport-1.3-send', 'svarrapport-1.3', 'biokjemi-v1.3.xml', ['<TypeOffId V="FNR" DN="Fødselsnummer"/>', '<TypeOffId V="HNR" DN="H-nummer"/>'], 'TC-SV13-PATIENT'],
  ['rekvisisjon-1.6-send', 'rekvisisjon-1.6', 'annet-fagomrade.xml', ['<HCPerson>\n            <Name>Fiktiv Fastlege</Name>\n            <Id>8999932</Id>\n            <TypeId V="HER" DN="HER-id"/>\n          </HCPerson>', ''], 'TC-REKV-REQUESTER'],
  ['rekvisisjon-1.6-laboratorium-send-biokjemi', 'rekvisisjon-1.6-laboratorium', 'biokjemi-og-mikrobiologi.xml', ['<Investigation>\n        <Id V="NPU03230" S="2.16.578.1.12.4.1.1.7280" DN="S-Kalium"/>\n      </Investigation>\n      <Investigation>\n        <Id V="CRP" S="2.16.578.1.12.4.1.1.8212" OT="S-CRP"/>\n      </Investigation>', ''], 'TC-RQMBK-ANALYSES'],
  ['rekvisisjon-1.6-laboratorium-send-mikrobiologi', 'rekvisisjon-1.6-laboratorium', 'biokjemi-og-mikrobiologi.xml', ['<AnatomicalOrigin>Midtstråleurin</AnatomicalOrigin>', ''], 'TC-RQMIK-SITE'],
  ['rekvisisjon-1.6-patologi-send-histologi', 'rekvisisjon-1.6-patologi', 'histologi-hudbiopsi.xml', ['<AnatomicalOrigin>Venstre underarm</AnatomicalOrigin>', ''], 'TC-RQHIST-SPECIMEN'],
  ['rekvisisjon-1.6-patologi-send-cytologi', 'rekvisisjon-1.6-patologi', 'cytologi-cervix-uten-kliniske-opplysninger.xml', ['<Id V="VC" S="2.16.578.1.12.4.1.1.8219" DN="Væskebasert cytologi"/>', '<Id V="VC" S="2.16.578.1.12.4.1.1.8212" OT="Væskebasert cytologi"/>'], 'TC-RQCYT-EXAMINATION'],
  ['rekvisisjon-1.6-radiologi-send-mr', 'rekvisisjon-1.6-radiologi', 'mr-lever-med-kontraindikasjoner.xml', ['<MsgDescr V="MR" DN="Magnettomografi"/>', '<MsgDescr V="UL" DN="Ultralyd"/>'], 'TC-RQMR-MSGDESCR'],
  ['rekvisisjon-1.6-laboratorium-send-immunologi', 'rekvisisjon-1.6-laboratorium', 'biokjemi-og-mikrobiologi.xml', ['<MsgDescr V="LAB" DN="Laboratoriemedisin"/>', '<MsgDescr V="CLIN" DN="Medisinsk biokjemi"/>'], 'TC-RQIMM-MSGDESCR'],
  ['rekvisisjon-1.6-laboratorium-send-endring', 'rekvisisjon-1.6-laboratorium', 'kansellering-av-rekvisisjon.xml', ['<ServType V="C" DN="Kansellering"/>', '<ServType V="N" DN="Ny"/>'], 'TC-RQEND-SERVTYPE'],
  ['rekvisisjon-1.6-patologi-send-endring', 'rekvisisjon-1.6-patologi', 'endring-histologi.xml', ['<ServType V="M" DN="Endring"/>\n    <IssueDate', '<ServType V="N" DN="Ny"/>\n    <IssueDate'], 'TC-RQPEND-SERVTYPE'],
  ['rekvisisjon-1.6-radiologi-send', 'rekvisisjon-1.6-radiologi', 'ultralyd-lever.xml', ['<Heading V="PROB" DN="Aktuell problemstilling"/>\n      <TextResultValue>Forhøyede leverenzymer over tre måneder. Fettlever? Fokale lesjoner?</TextResultValue>', '<Heading V="PROB" DN="Aktuell problemstilling"/>'], 'TC-RQRAD-QUESTION'],
  ['rekvisisjon-1.5-send-laboratorium', 'rekvisisjon-1.5', 'laboratorium-v1.5.xml', ['<AnalysedSubject>\n        <CollectedSample>\n          <CollectedDate V="2026-03-01T08:45:00"/>\n        </CollectedSample>\n        <TypeCoded V="U" S="2.16.578.1.12.4.1.1.8351" DN="Urin"/>\n        <IdByRequester>TBL-20260301-02</IdByRequester>\n        <AnatomicalOrigin>Midtstråleurin</AnatomicalOrigin>\n      </AnalysedSubject>', ''], 'TC-RQ15L-SAMPLE'],
  ['rekvisisjon-1.5-send-radiologi', 'rekvisisjon-1.5', 'radiologi-med-timebestilling-v1.5.xml', ['<Type V="R" DN="Rekvisisjon"/>', '<Type V="REQ_RTG" DN="Rekvisisjon-Radiologi"/>'], 'TC-RQ15-MSGTYPE'],
];

describe.skipIf(!engine)('submit test cases for laboratory, pathology and radiology messages', () => {
  it.each(SUBMIT)('%s passes with the example and fails for the missing content', async (id, profile, file, [from, to], failing) => {
    const good = example(profile, file);
    const passed = await evaluateSubmission(byId(id), bytes(good), engine!);
    expect(passed.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(passed.verdict).toBe('passed');
    expect(good).toContain(from);
    const failed = await evaluateSubmission(byId(id), bytes(good.replace(from, to)), engine!);
    expect(failed.verdict).toBe('failed');
    expect(failed.findings.map((f) => f.ruleId)).toContain(failing);
  });

  it('has a known-good and a known-bad message here for every submit test case of these standards', () => {
    expect(SUBMIT.map(([id]) => id).sort()).toEqual(lab().filter((t) => t.kind === 'submit').map((t) => t.id).sort());
  });

  it('has at least three test cases per profile, in both directions for every kind', () => {
    const byProfile = new Map<string, Testcase[]>();
    for (const t of lab()) byProfile.set(t.profile, [...(byProfile.get(t.profile) ?? []), t]);
    expect(byProfile.size).toBe(12);
    for (const [profile, list] of byProfile) {
      expect(list.length, profile).toBeGreaterThanOrEqual(3);
      expect(new Set(list.map((t) => t.kind)), profile).toEqual(new Set(['submit', 'receive']));
    }
  });
});

describe.skipIf(!engine)('receive test cases for standalone messages', () => {
  it('passes an AppRec that answers the generated svarrapport by its MsgId and its Message/Type', async () => {
    const tc = byId('svarrapport-1.4-mikrobiologi-mottak-endelig');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const ok = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'SVAR_LAB' })), engine!, ctx);
    expect(ok.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ok.verdict).toBe('passed');
    const wrongType = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'DIALOG_NOTAT' })), engine!, ctx);
    expect(wrongType.findings.find((f) => f.ruleId === 'RCV-ORIGINAL-MSGTYPE')!.message).toContain("'SVAR_LAB'");
  });

  it('expects the rejection, with its error code, of an answer without fødselsnummer', async () => {
    const tc = byId('svarrapport-1.4-mottak-uten-fodselsnummer');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.xml).toContain('<OffId></OffId>');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const accepted = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'SVAR_LAB' })), engine!, ctx);
    expect(accepted.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RCV-STATUS', 'RCV-ERROR-CODE']));
    const rejected = buildAppRec({ status: '2', errors: [{ v: 'E30', dn: 'Pasientens fødselsnummer mangler' }], originalMsgId: g.msgId, originalMsgType: 'SVAR_LAB' });
    expect((await evaluateSubmission(tc, bytes(rejected), engine!, ctx)).verdict).toBe('passed');
  });

  it('names the acceptance-test scenarios each test case covers', () => {
    const scenarios = lab().flatMap((t) => t.requirements ?? []).filter((r) => r.startsWith('sarepta:'));
    expect(new Set(scenarios).size).toBeGreaterThanOrEqual(100);
    for (const s of scenarios) expect(s).toMatch(/^sarepta:(svarrapport-1\.3|rekvisisjon-1\.5)\/Testcase-[A-Za-z0-9-]+\/[A-Za-z0-9-]+$/);
  });
});

/**
 * The acceptance tests' broken messages (syntax and schema errors): for each test case, the error
 * code of a rejection that passes, and the test case's own assertion that names the error.
 */
const REJECTIONS: [string, string, string][] = [
  ['svarrapport-1.3-mottak-syntaksfeil', 'T02', 'TC-SV13-RCV-SCHEMA'],
  ['svarrapport-1.3-mottak-mangler-pasient', 'E36', 'TC-SV13-RCV-PATIENT'],
  ['svarrapport-1.3-mottak-mangler-fodselsnummer', 'E30', 'TC-SV13-RCV-FNR'],
  ['svarrapport-1.3-mottak-mangler-avsender', 'T02', 'TC-SV13-RCV-SENDER'],
  ['svarrapport-1.3-mottak-mangler-utstedelsestidspunkt', 'T02', 'TC-SV13-RCV-ISSUEDATE'],
  ['svarrapport-1.3-mottak-mangler-provetidspunkt', 'T01', 'TC-SV13-RCV-COLLECTED'],
  ['svarrapport-1.3-mottak-mangler-utskrivende-lege', 'T02', 'TC-SV13-RCV-RELSERVPROV'],
  ['rekvisisjon-1.5-mottak-syntaksfeil', 'T01', 'TC-RQ15-RCV-SCHEMA'],
  ['rekvisisjon-1.5-mottak-mangler-pasient', 'T02', 'TC-RQ15-RCV-PATIENT'],
  ['rekvisisjon-1.5-mottak-mangler-fodselsnummer', 'E30', 'TC-RQ15-RCV-FNR'],
  ['rekvisisjon-1.5-mottak-mangler-avsender', 'T02', 'TC-RQ15-RCV-SENDER'],
];
const ERROR_TEXT: Record<string, string> = {
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: 'XML validerer ikke',
  E30: 'Pasientens fødselsnummer mangler',
  E36: 'Pasientopplysninger er utilstrekkelige',
};

describe.skipIf(!engine)('receive test cases for messages that break the schema', () => {
  it.each(REJECTIONS)('%s sends a schema-invalid message and passes only its rejection with %s', async (id, code, assertion) => {
    const tc = byId(id) as ReceiveTestcase;
    const g = generateReceiveMessage(tc, { runId: 'run-9' });
    expect((await engine!.validate(Buffer.from(g.xml), { profile: tc.profile })).findings.map((f) => f.ruleId)).toContain('XSD');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const answer = (status: string, v?: string) =>
      bytes(buildAppRec({ status, errors: v ? [{ v, dn: ERROR_TEXT[v] ?? 'Annen feil' }] : [], originalMsgId: g.msgId, originalMsgType: templateMessageType(tc) }));
    const rejected = await evaluateSubmission(tc, answer('2', code), engine!, ctx);
    expect(rejected.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(rejected.verdict).toBe('passed');
    const accepted = await evaluateSubmission(tc, answer('1'), engine!, ctx);
    expect(accepted.verdict).toBe('failed');
    expect(accepted.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RCV-STATUS', assertion]));
    const vague = await evaluateSubmission(tc, answer('2', 'X99'), engine!, ctx);
    expect(vague.verdict).toBe('failed');
    expect(vague.findings.map((f) => f.ruleId)).toEqual([assertion]);
  });

  it('covers every invalid acceptance-test scenario of Svarrapport 1.3 and Rekvisisjon 1.5 with one of these test cases', () => {
    const covered = REJECTIONS.flatMap(([id]) => byId(id).requirements ?? []);
    expect(covered.filter((r) => r.startsWith('sarepta:svarrapport-1.3/'))).toHaveLength(33);
    expect(covered.filter((r) => r.startsWith('sarepta:rekvisisjon-1.5/'))).toHaveLength(20);
  });
});
