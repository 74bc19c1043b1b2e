import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine, XML_PROFILES } from './helpers.js';

/**
 * The test cases for the pleie- og omsorgsmeldinger (PLO): a system that sends a PLO document is
 * checked against the project's own examples; a system that receives one gets a message generated
 * per run and answers it with an AppRec that repeats its MsgId and MsgInfo/Type.
 */
const engine = shippedEngine([...XML_PROFILES, 'plo-1.6', 'plo-2.0']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new Error(`no shipped test case ${id}`);
  return tc;
};
const PROFILES = path.resolve(import.meta.dirname, '../../profiles');
const example = (profile: string, file: string) => readFileSync(path.join(PROFILES, profile, 'examples', 'valid', file), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);
const plo = (version: string) => testcases.filter((t) => t.profile === `plo-${version}`);
const status = (v: string, dn: string) => (xml: string) => xml.replace('<Forsendelsesstatus V="N" DN="Ny"/>', `<Forsendelsesstatus V="${v}" DN="${dn}"/>`);
const same = (xml: string) => xml;

/** For each submit test case: a message the project wrote that passes it, and a change that must fail it. */
const SUBMIT: [string, string, (xml: string) => string, [string, string], string][] = [
  ['plo-2.0-sammenfatning-send', '2.0:sammenfatning-innleggelse.xml', same, ['<BetegnelseTjeneste>Hjemmesykepleie</BetegnelseTjeneste>', '<BetegnelseTjeneste> </BetegnelseTjeneste>'], 'TC-PLO20-SF-SERVICES'],
  ['plo-2.0-helseopplysninger-saksbehandling-send', '2.0:helseopplysninger-saksbehandling.xml', same, ['<OpplysningerTilSoknad>\n            <EgensoknadSendt>true</EgensoknadSendt>\n          </OpplysningerTilSoknad>\n', ''], 'TC-PLO20-HS-APPLICATION'],
  ['plo-2.0-pasientlogistikk-send-tilbakemelding', '2.0:pasientlogistikk-tilbakemelding.xml', same, ['<TidspunktForHendelse>2026-03-02T10:15:00</TidspunktForHendelse>', '<TidspunktForHendelse> </TidspunktForHendelse>'], 'TC-PLO20-PL-REPLY'],
  ['plo-2.0-pasientlogistikk-send-utskrevet', '2.0:pasientlogistikk-utskrevet.xml', same, ['<Forsendelsesstatus V="N" DN="Ny"/>', '<Forsendelsesstatus V="C" DN="Kansellering"/>'], 'TC-PLO20-STATUS'],
  ['plo-1.6-helseopplysninger-send', 'helseopplysninger.xml', same, ['S="2.16.578.1.12.4.1.1.9140"', 'S="2.16.578.1.12.4.1.1.9139"'], 'TC-PLO16-HV-CONTENT'],
  ['plo-1.6-helseopplysninger-til-lege-send', 'helseopplysninger-til-lege.xml', same, ['<Type V="HELSEOPPLYSNINGER_LEGE"', '<Type V="MEDISINSKE_OPPLYSNINGER"'], 'TC-PLO16-TYPE'],
  ['plo-1.6-helseopplysninger-til-lege-kansellering', 'helseopplysninger-til-lege.xml', status('C', 'Kansellering'), ['<Forsendelsesstatus V="C" DN="Kansellering"/>', '<Forsendelsesstatus V="N" DN="Ny"/>'], 'TC-PLO16-STATUS'],
  ['plo-1.6-innleggelsesrapport-send', 'innleggelsesrapport.xml', same, ['<epj3:Navn>Paracetamol</epj3:Navn>', '<epj3:GeneriskNavn>Paracetamol</epj3:GeneriskNavn>'], 'TC-PLO16-IR-MEDICATION'],
  ['plo-1.6-innleggelsesrapport-endring', 'innleggelsesrapport.xml', status('M', 'Endring'), ['<TypeId V="FNR" DN="Fødselsnummer" S="2.16.578.1.12.4.1.1.8116"/>\n      </Ident>\n    </Patient>', '<TypeId V="HNR" DN="Hjelpenummer" S="2.16.578.1.12.4.1.1.8116"/>\n      </Ident>\n    </Patient>'], 'TC-PLO16-PATIENT'],
  ['plo-1.6-medisinske-opplysninger-send', 'medisinske-opplysninger.xml', same, ['S="2.16.578.1.12.4.1.1.7110"', 'S="2.16.578.1.12.4.1.1.7160"'], 'TC-PLO16-MO-DIAGNOSIS'],
  ['plo-1.6-orientering-om-tjenestetilbud-send', 'orientering-om-tjenestetilbud.xml', same, ['<Startdato>2026-01-05</Startdato>', ''], 'TC-PLO16-OT-SERVICE'],
  ['plo-1.6-orientering-om-tjenestetilbud-kansellering', 'orientering-om-tjenestetilbud.xml', status('C', 'Kansellering'), ['<Forsendelsesstatus V="C" DN="Kansellering"/>', '<Forsendelsesstatus V="M" DN="Endring"/>'], 'TC-PLO16-STATUS'],
  ['plo-1.6-utskrivningsrapport-send', 'utskrivningsrapport.xml', same, ['<TypeInnhold V="11" DN="Utskrivningsrapport" S="2.16.578.1.12.4.1.1.9139"/>', '<TypeInnhold V="11" DN="Utskrivningsrapport" S="2.16.578.1.12.4.1.1.9138"/>'], 'TC-PLO16-TE-CONTENT'],
  ['plo-1.6-pasientlogistikk-send-innlagt', 'pasientlogistikk-innlagt.xml', same, ['<TidspunktForHendelse V="2026-03-02T10:15:00"/>', '<TidspunktForHendelse/>'], 'TC-PLO16-PL-ADMITTED'],
  ['plo-1.6-pasientlogistikk-send-utskrivningsklar', 'pasientlogistikk-utskrivningsklar.xml', same, ['<Hendelsekode V="1" DN="Pasient innlagt"', '<Hendelsekode V="2" DN="Pasient utskrevet"'], 'TC-PLO16-PL-READY-ADMITTED'],
];

describe.skipIf(!engine)('submit test cases for PLO', () => {
  it.each(SUBMIT)('%s passes with the example and fails for the missing content', async (id, file, prepare, [from, to], failing) => {
    const [version, name] = file.includes(':') ? file.split(':') : ['1.6', file];
    const good = prepare(example(`plo-${version}`, name));
    const passed = await evaluateSubmission(byId(id), bytes(good), engine!);
    expect(passed.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(passed.verdict).toBe('passed');
    expect(good).toContain(from);
    const failed = await evaluateSubmission(byId(id), bytes(good.replace(from, to)), engine!);
    expect(failed.verdict).toBe('failed');
    expect(failed.findings.map((f) => f.ruleId)).toContain(failing);
  });

  it('has a known-good and a known-bad message here for every submit test case of PLO 1.6 and 2.0', () => {
    expect(SUBMIT.map(([id]) => id).sort()).toEqual([...plo('1.6'), ...plo('2.0')].filter((t) => t.kind === 'submit').map((t) => t.id).sort());
  });
});

describe.skipIf(!engine)('receive test cases for PLO', () => {
  it('passes an AppRec that answers the generated message by its MsgId and MsgInfo/Type, and fails one with another type', async () => {
    const tc = byId('plo-1.6-pasientlogistikk-mottak-utskrivningsklar');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.msgType).toBe('LOG_UTSKRIVNINGSKLAR');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const ok = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'LOG_UTSKRIVNINGSKLAR' })), engine!, ctx);
    expect(ok.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ok.verdict).toBe('passed');
    const wrongType = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'LOG_INNLAGT' })), engine!, ctx);
    expect(wrongType.findings.find((f) => f.ruleId === 'RCV-ORIGINAL-MSGTYPE')!.message).toContain("'LOG_UTSKRIVNINGSKLAR'");
  });

  it('expects the rejection, with its error code, of medisinske opplysninger without a patient', async () => {
    const tc = byId('plo-1.6-medisinske-opplysninger-mottak-mangler-pasient');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.xml).not.toContain('<Patient>');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const accepted = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'MEDISINSKE_OPPLYSNINGER' })), engine!, ctx);
    expect(accepted.verdict).toBe('failed');
    const rejected = buildAppRec({ status: '2', errors: [{ v: 'E30', dn: 'Pasientens fødselsnummer mangler' }], originalMsgId: g.msgId, originalMsgType: 'MEDISINSKE_OPPLYSNINGER' });
    expect((await evaluateSubmission(tc, bytes(rejected), engine!, ctx)).verdict).toBe('passed');
  });

  it('cancels the report about the run patient, so the cancellation names the patient of the report it cancels', () => {
    const report = generateReceiveMessage(byId('plo-1.6-utskrivningsrapport-mottak-kansellering'), { runId: 'run-3' });
    const other = generateReceiveMessage(byId('plo-1.6-utskrivningsrapport-mottak-kansellering'), { runId: 'run-4' });
    expect(report.xml).toContain('<Forsendelsesstatus V="C" DN="Kansellering"/>');
    expect(report.patient.fnr).not.toBe(other.patient.fnr);
  });
});

describe.skipIf(!engine)('coverage of the PLO 1.6 message types', () => {
  it('has at least three test cases per document and both directions for each, and one per use of Pasientlogistikk', () => {
    const documentOf = (t: Testcase) => {
      const id = t.id.replace(/^plo-1\.6-/, '');
      return ['helseopplysninger-til-lege', 'helseopplysninger', 'innleggelsesrapport', 'medisinske-opplysninger', 'orientering-om-tjenestetilbud', 'utskrivningsrapport', 'pasientlogistikk'].find((d) => id.startsWith(d))!;
    };
    const byDocument = new Map<string, Testcase[]>();
    for (const t of plo('1.6')) byDocument.set(documentOf(t), [...(byDocument.get(documentOf(t)) ?? []), t]);
    expect(byDocument.size).toBe(7);
    for (const [doc, list] of byDocument) {
      expect(list.length, doc).toBeGreaterThanOrEqual(3);
      expect(new Set(list.map((t) => t.kind)), doc).toEqual(new Set(['submit', 'receive']));
    }
    const logisticsTypes = plo('1.6').filter((t) => t.kind === 'receive' && t.id.includes('pasientlogistikk')).map((t) => generateReceiveMessage(t, { runId: 'r' }).msgType);
    expect(new Set(logisticsTypes)).toEqual(new Set(['LOG_INNLAGT', 'LOG_UTSKRIVNINGSKLAR', 'LOG_AVMELDING', 'LOG_UTSKREVET', 'LOG_DOD']));
  });

  it('names the published PLO 1.6 example each receive test case covers', () => {
    const covered = plo('1.6').flatMap((t) => t.requirements ?? []).filter((r) => r.startsWith('sarepta-eksempel:'));
    expect(new Set(covered).size).toBe(22);
    for (const r of covered) expect(r).toMatch(/^sarepta-eksempel:plo-1\.6\/plo_1_6_[a-z_]+_1[._]6_mottak\/[A-Za-z_]+_v1-6_[A-Za-z0-9]+$/);
  });
});

describe.skipIf(!engine)('coverage of the PLO 2.0 documents', () => {
  it('has at least three test cases per document, in both directions', () => {
    const documents = ['sammenfatning', 'helseopplysninger-saksbehandling', 'pasientlogistikk'];
    for (const doc of documents) {
      const list = plo('2.0').filter((t) => t.id.startsWith(`plo-2.0-${doc}`));
      expect(list.length, doc).toBeGreaterThanOrEqual(3);
      expect(new Set(list.map((t) => t.kind)), doc).toEqual(new Set(['submit', 'receive']));
    }
    expect(plo('2.0').every((t) => documents.some((d) => t.id.startsWith(`plo-2.0-${d}`)))).toBe(true);
  });

  it('generates each PLO 2.0 receive message with the 2.0 document in its first Document', () => {
    for (const tc of plo('2.0').filter((t) => t.kind === 'receive')) {
      expect(generateReceiveMessage(tc, { runId: 'r' }).xml, tc.id).toMatch(/<p:(Sammenfatning|HelseopplysningerSaksbehandling|Pasientlogistikk) xmlns:p="http:\/\/ehelse\.no\/xmlstds\/po\//);
    }
  });
});
