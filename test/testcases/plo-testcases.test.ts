import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import { syntheticDnummer } from '../../src/testcases/synthetic-data.js';
import { checkPersonNumber } from '../../src/identifiers/norwegian-ids.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine } from './helpers.js';

/**
 * The PLO 1.5 test cases: a municipal care system (or GP or hospital system) sends each message type
 * and receives it, and Helsedirektoratet's acceptance-test scenarios for receiving PLO 1.5 are each
 * covered by a test case.
 */
const engine = shippedEngine(['plo-1.5', 'msghead-1.2', 'epj-1.0-legemiddelopplysninger', 'apprec-1.0', 'apprec-1.1']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const plo = () => testcases.filter((t) => t.profile === 'plo-1.5');
const byId = (id: string): Testcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new Error(`no shipped test case ${id}`);
  return tc;
};
const EXAMPLES = path.resolve(import.meta.dirname, '../../profiles/plo-1.5/examples/valid');
const example = (file: string) => readFileSync(path.join(EXAMPLES, file), 'utf8');
const bytes = (s: string) => new TextEncoder().encode(s);
const cut = (xml: string, element: string) => xml.replace(new RegExp(`<${element}>[\\s\\S]*?</${element}>`, 'g'), '');

/** Per submit test case: the project's example that passes it, a change that must fail it, and the assertion that fails. */
const SUBMIT: [string, string, (xml: string) => string, string][] = [
  ['plo-1.5-helseopplysninger-til-lege-send', 'helseopplysninger-til-lege.xml', (x) => cut(cut(x, 'InnholdKonsultasjon'), 'InfoMedisinskDiagnose'), 'TC-PLO15-HELSEOPPLYSNINGER-LEGE-CONTENT'],
  ['plo-1.5-helseopplysninger-ved-soknad-send', 'helseopplysninger-ved-soknad.xml', (x) => cut(cut(x, 'InfoMedisinskDiagnose'), 'TjenesteBehov'), 'TC-PLO15-HELSEOPPL-SOKNAD-CONTENT'],
  ['plo-1.5-innleggelsesrapport-send', 'innleggelsesrapport.xml', (x) => cut(cut(x, 'InfoMedisinskDiagnose'), 'EksisterendeTjeneste'), 'TC-PLO15-INNLEGGELSESRAPPORT-CONTENT'],
  ['plo-1.5-utskrivningsrapport-send', 'utskrivningsrapport.xml', (x) => x.replace('<Type V="UTSKRIVNINGSRAPPORT"', '<Type V="INNLEGGELSESRAPPORT"'), 'TC-PLO15-MSGTYPE'],
  ['plo-1.5-medisinske-opplysninger-send', 'medisinske-opplysninger.xml', (x) => cut(x, 'InfoMedisinskDiagnose'), 'TC-PLO15-MEDISINSKE-OPPLYSNINGER-CONTENT'],
  ['plo-1.5-orientering-om-tjenestetilbud-send', 'orientering-om-tjenestetilbud.xml', (x) => x.replace('<BetegnelseTjeneste>Praktisk bistand</BetegnelseTjeneste>', ''), 'TC-PLO15-ORIENTERING-TJENESTETILBUD-CONTENT'],
  ['plo-1.5-melding-om-fravar-send', 'melding-om-fravar.xml', (x) => x.replace('V="N" DN="Ny"', 'V="M" DN="Endring"'), 'TC-PLO15-NY'],
  ['plo-1.5-dodsfall-send', 'dodsfall.xml', (x) => x.replace('<Hendelsekode V="13"', '<Hendelsekode V="2"'), 'TC-PLO15-LOG-DOD-CONTENT'],
  ['plo-1.5-innlagt-send', 'innlagt.xml', (x) => x.replace(/<Id>21518810038<\/Id>\s*<TypeId V="FNR"/, '<Id>61518800052</Id><TypeId V="HNR"'), 'TC-PLO15-PATIENT'],
  ['plo-1.5-utskrivningsklar-send', 'utskrivningsklar.xml', (x) => x.replace('<Hendelsekode V="3"', '<Hendelsekode V="1"'), 'TC-PLO15-LOG-UTSKRIVNINGSKLAR-CONTENT'],
  ['plo-1.5-avmelding-utskrivningsklar-send', 'avmelding-utskrivningsklar.xml', (x) => x.replace('<Hendelsekode V="4"', '<Hendelsekode V="3"'), 'TC-PLO15-LOG-AVMELDING-CONTENT'],
  ['plo-1.5-utskrevet-send', 'utskrevet.xml', (x) => x.replace('<UtTil V="1"', '<UtTil V=""'), 'TC-PLO15-LOG-UTSKREVET-CONTENT'],
];

describe.skipIf(!engine)('PLO 1.5 submit test cases', () => {
  it.each(SUBMIT)('%s passes with the example %s and fails for the change', async (id, file, change, failing) => {
    const good = example(file);
    const passed = await evaluateSubmission(byId(id), bytes(good), engine!);
    expect(passed.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(passed.verdict).toBe('passed');
    const bad = change(good);
    expect(bad).not.toBe(good);
    const failed = await evaluateSubmission(byId(id), bytes(bad), engine!);
    expect(failed.verdict).toBe('failed');
    expect(failed.findings.map((f) => f.ruleId)).toContain(failing);
  });

  it('has a known-good and a known-bad message here for every PLO 1.5 submit test case', () => {
    expect(SUBMIT.map(([id]) => id).sort()).toEqual(plo().filter((t) => t.kind === 'submit').map((t) => t.id).sort());
  });
});

describe.skipIf(!engine)('PLO 1.5 receive test cases', () => {
  it('passes an AppRec that answers the generated message by its MsgId and MsgInfo/Type, and fails a wrong type', async () => {
    const tc = byId('plo-1.5-dodsfall-mottak');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.msgType).toBe('LOG_DOD');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const ok = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'LOG_DOD' })), engine!, ctx);
    expect(ok.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ok.verdict).toBe('passed');
    const wrong = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'LOG_INNLAGT' })), engine!, ctx);
    expect(wrong.findings.map((f) => f.ruleId)).toContain('RCV-ORIGINAL-MSGTYPE');
  });

  it('expects an unknown patient to be rejected with E35', async () => {
    const tc = byId('plo-1.5-medisinske-opplysninger-mottak-ukjent-pasient');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const accepted = await evaluateSubmission(tc, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'MEDISINSKE_OPPLYSNINGER' })), engine!, ctx);
    expect(accepted.verdict).toBe('failed');
    const rejected = buildAppRec({ status: '2', errors: [{ v: 'E35', dn: 'Pasienten finnes ikke' }], originalMsgId: g.msgId, originalMsgType: 'MEDISINSKE_OPPLYSNINGER' });
    expect((await evaluateSubmission(tc, bytes(rejected), engine!, ctx)).verdict).toBe('passed');
  });

  it('accepts a rejected cancellation only with a reason', async () => {
    const tc = byId('plo-1.5-innleggelsesrapport-mottak-kansellering');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.xml).toContain('<Forsendelsesstatus V="C"');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const bare = await evaluateSubmission(tc, bytes(buildAppRec({ status: '2', originalMsgId: g.msgId, originalMsgType: 'INNLEGGELSESRAPPORT' })), engine!, ctx);
    expect(bare.findings.map((f) => f.ruleId)).toContain('TC-PLO15-RCV-REJECT-REASON');
    const reasoned = buildAppRec({ status: '2', errors: [{ v: 'E10', dn: 'Ugyldig meldingsreferanse' }], originalMsgId: g.msgId, originalMsgType: 'INNLEGGELSESRAPPORT' });
    expect((await evaluateSubmission(tc, bytes(reasoned), engine!, ctx)).verdict).toBe('passed');
  });

  it('generates a patient with a valid synthetic D-nummer for the D-nummer scenario', () => {
    const g = generateReceiveMessage(byId('plo-1.5-helseopplysninger-ved-soknad-mottak-dnummer'), { runId: 'run-7', seed: 's' });
    const dnr = /<Id>(\d{11})<\/Id>\s*<TypeId V="DNR"/.exec(g.xml)![1];
    expect(checkPersonNumber(dnr)).toMatchObject({ ok: true, kind: 'dnr', synthetic: true });
    expect(dnr).toBe(syntheticDnummer(g.patient.dateOfBirth));
  });
});

describe.skipIf(!engine)('PLO 1.5 coverage', () => {
  it('has at least three test cases of every message type, sent and received', () => {
    const byType = new Map<string, Testcase[]>();
    for (const t of plo()) {
      const type = t.kind === 'receive' ? generateReceiveMessage(t, { runId: 'r' }).msgType : /TC-PLO15-MSGTYPE/.test(JSON.stringify(t)) ? /Type\/@V = '([A-Z_]+)'/.exec(JSON.stringify(t))![1] : '';
      byType.set(type, [...(byType.get(type) ?? []), t]);
    }
    expect([...byType.keys()].sort()).toEqual(
      ['FRAVARSMELDING', 'HELSEOPPLYSNINGER_LEGE', 'HELSEOPPL_SOKNAD', 'INNLEGGELSESRAPPORT', 'LOG_AVMELDING', 'LOG_DOD', 'LOG_INNLAGT', 'LOG_UTSKREVET', 'LOG_UTSKRIVNINGSKLAR', 'MEDISINSKE_OPPLYSNINGER', 'ORIENTERING_TJENESTETILBUD', 'UTSKRIVNINGSRAPPORT'],
    );
    for (const [type, list] of byType) {
      expect(list.length, type).toBeGreaterThanOrEqual(3);
      expect(new Set(list.map((t) => t.kind)), type).toEqual(new Set(['submit', 'receive']));
    }
  });

  it('names the acceptance-test scenarios it covers (144 valid, 32 schema-invalid), one folder per PLO 1.5 message kind', () => {
    const scenarios = new Set(plo().flatMap((t) => t.requirements ?? []).filter((r) => r.startsWith('sarepta:')));
    expect(scenarios.size).toBe(176);
    for (const s of scenarios) expect(s).toMatch(/^sarepta:plo-1\.5\/Testcase-mottak-[A-Za-z_]+-v1_5\/[A-Za-z0-9_-]+$/);
    const folders = new Set([...scenarios].map((s) => s.split('/')[1]));
    expect(folders.size).toBe(8);
  });

  it('writes every text in Norwegian and sends no template without synthetic data', () => {
    for (const t of plo()) {
      expect(t.title, t.id).toMatch(/^(Send|Motta) /);
      if (t.kind === 'receive') expect(t.message.xml, t.id).toMatch(/syntetisk|synthetic/);
    }
  });
});
