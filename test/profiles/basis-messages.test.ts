import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage, messageHeaderOf } from '../../src/testcases/receive-message.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine } from '../testcases/helpers.js';

/**
 * Epikrise 1.0/1.1/1.2, Henvisning 1.0 and Administrativ kommunikasjon mot kjernejournal: the
 * invalid examples fail for exactly the rule their name gives, every kind is recognised without a
 * named profile, and every submit test case passes a good message and fails a bad one for the
 * assertion that says why. Epikrise and Henvisning are sent on their own (root Message); the
 * kjernejournal document travels in a Hodemelding.
 */
const PROFILES = ['epikrise-1.0', 'epikrise-1.1', 'epikrise-1.2', 'henvisning-1.0', 'kjernejournaladm-1.0'];
const ROOT = path.resolve(import.meta.dirname, '../../profiles');
const engine = shippedEngine([...PROFILES, 'msghead-1.2', 'apprec-1.0']);
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

describe.skipIf(!engine).each(PROFILES)('profile %s', (profile) => {
  it('has at least two valid and three invalid examples', () => {
    expect(examples(profile, 'valid').length).toBeGreaterThanOrEqual(2);
    expect(examples(profile, 'invalid').length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples(profile, 'invalid'))('rejects invalid/%s for exactly the named rule', async (file) => {
    const r = await engine!.validate(Buffer.from(example(profile, 'invalid', file)), { profile });
    expect(r.valid).toBe(false);
    expect([...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))]).toEqual([file.slice(0, file.indexOf('--'))]);
  });

  it.each(examples(profile, 'valid'))('recognises valid/%s without a named profile, with no warning', async (file) => {
    const r = await engine!.validate(Buffer.from(example(profile, 'valid', file)));
    expect(r.profile).toBe(profile);
    expect(r.valid).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'warning' && f.ruleId !== 'CODELIST-DN')).toEqual([]);
  });
});

describe.skipIf(!engine)('Epikrise and Henvisning sent on their own', () => {
  it('a document whose root is another Epikrise class passes the schema but not EPI-0001', async () => {
    const servRprt = edit(example('epikrise-1.2', 'valid', 'sykehusepikrise.xml').replace(/<Message xmlns="([^"]+)">[\s\S]*?<ServRprt>/, '<ServRprt xmlns="$1">'), /<\/ServRprt>\s*<\/Message>/, '</ServRprt>');
    const r = await engine!.validate(Buffer.from(servRprt));
    expect(r.profile).toBe('epikrise-1.2');
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['EPI-0001']);
  });

  it('reads MsgId and message type from Message itself, as the AppRec must repeat them', () => {
    const g = generateReceiveMessage(byId('epikrise-1.2-mottak'), { runId: 'r' });
    expect(g.msgType).toBe('EPIKRISE');
    expect(messageHeaderOf(g.xml)).toEqual({ msgId: g.msgId, msgType: 'EPIKRISE' });
    expect(generateReceiveMessage(byId('henvisning-1.0-mottak'), { runId: 'r' }).msgType).toBe('H');
    expect(generateReceiveMessage(byId('kjernejournaladm-1.0-mottak-statuslogg'), { runId: 'r' }).msgType).toBe('ADM_KOMM_KJERNEJOURNAL');
  });

  it('judges the AppRec for a generated epikrise by its MsgId, its type EPIKRISE and the copy receiver role', async () => {
    const tc = byId('epikrise-1.2-mottak-kopimottaker');
    const g = generateReceiveMessage(tc, { runId: 'r' });
    const asCopy = (xml: string) => edit(xml, '<Sender>\n    <HCP>', '<Sender>\n    <Role V="COP" DN="Kopimottaker"/>\n    <HCP>');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    // Epikrise 1.2 is answered with AppRec 1.1 (HITS 1168:2016), which its test cases name.
    const good = asCopy(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'EPIKRISE', version: '1.1' }));
    expect((await evaluateSubmission(tc, Buffer.from(good), engine!, ctx)).verdict).toBe('passed');
    const inOldVersion = await evaluateSubmission(tc, Buffer.from(asCopy(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'EPIKRISE' }))), engine!, ctx);
    expect(inOldVersion.findings.map((f) => f.ruleId)).toContain('PROFILE-MISMATCH');

    const wrongType = asCopy(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'E', version: '1.1' }));
    const primary = buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'EPIKRISE', version: '1.1' });
    const ids = async (xml: string) => (await evaluateSubmission(tc, Buffer.from(xml), engine!, ctx)).findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    expect(await ids(wrongType)).toEqual(['RCV-ORIGINAL-MSGTYPE']);
    expect(await ids(primary)).toEqual(['TC-RCV-ROLE-COP']);
  });

  it('expects a rejection with a precise error code for a message that breaks the standard on purpose', async () => {
    const tc = byId('henvisning-1.0-mottak-ugyldig-fnr');
    const g = generateReceiveMessage(tc, { runId: 'r' });
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const apprec = (v: string, dn: string) => buildAppRec({ status: '2', errors: [{ v, dn }], originalMsgId: g.msgId, originalMsgType: 'H' });
    expect((await evaluateSubmission(tc, Buffer.from(apprec('E31', 'Pasientens fødselsnummer er feil')), engine!, ctx)).verdict).toBe('passed');
    const vague = await evaluateSubmission(tc, Buffer.from(apprec('X99', 'Annen feil')), engine!, ctx);
    expect(vague.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['TC-RCV-ERROR-CODE']);
    const accepted = await evaluateSubmission(tc, Buffer.from(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'H' })), engine!, ctx);
    expect(accepted.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RCV-STATUS', 'TC-RCV-ERROR-CODE']));
  });
});

/** Good and bad messages for every submit test case of these standards, as a vendor's system would send them. */
function submitCases(): Record<string, { good: string; bad: string; fails: string[] }> {
  const e12 = example('epikrise-1.2', 'valid', 'sykehusepikrise.xml');
  const e11 = example('epikrise-1.1', 'valid', 'sykehusepikrise-xhtml.xml');
  const e10 = example('epikrise-1.0', 'valid', 'sykehusepikrise.xml');
  const h = example('henvisning-1.0', 'valid', 'henvisning-til-poliklinikk.xml');
  const k = example('kjernejournaladm-1.0', 'valid', 'opprett-kjernejournal.xml');
  const asChange = (xml: string) => edit(xml, '<ServType V="N" DN="Ny"/>\n    <IssueDate', '<ServType V="M" DN="Endring"/>\n    <IssueDate');
  const withFastlege = (xml: string, ns: string) =>
    edit(xml, /(\s*<\/Patient>)/, `\n      <PatRelHCP xmlns="${ns}"><Relation V="FLE" DN="Fastlege"/><HCP><HCProf><Name>Kåre Ås</Name><Id>9144900</Id><TypeId V="HPR" DN="HPR-nummer"/></HCProf></HCP></PatRelHCP>$1`);
  const kopi = withFastlege(example('epikrise-1.2', 'valid', 'kopi-til-fastlege.xml'), 'http://www.kith.no/xmlstds/epikrise/2012-02-15');
  const hFastlege = edit(h, '      <Address>\n        <Type V="H"', '      <PatRelHCP><Relation V="FLE" DN="Fastlege"/><HCP><HCProf><Name>Tea Testlege</Name><Id>9999801</Id><TypeId V="HPR" DN="HPR-nummer"/></HCProf></HCP></PatRelHCP>\n      <Address>\n        <Type V="H"');
  const hFindings = edit(h, '      <Address>\n        <Type V="H"', '      <InfItem><Observation><Description>CRP 42, SR 70</Description></Observation><Type V="FUNN" DN="Funn og undersøkelsesresultater"/></InfItem>\n      <Address>\n        <Type V="H"');
  const hResults = edit(h, '      <Address>\n        <Type V="H"', '      <InfItem><ResultItem><NumResult><NumResultValue V="48.1" U="ug/L"/></NumResult><DevResultInd V="H" DN="Høy"/><ClinInv><Id OT="CEA" S="2.16.578.1.12.4.1.1.7280"/></ClinInv></ResultItem><Type V="FUNN" DN="Funn og undersøkelsesresultater"/></InfItem>\n      <Address>\n        <Type V="H"');
  const content = (xml: string, doc: string) => xml.replace('<OpprettKjernejournal/>', doc);
  const consent = (tiltak: string[], categories: string[]) =>
    `<SamtykkeTilUtleveringAvJournalopplysninger><Samtykke>${tiltak.map((v) => `<SamtykkeTilgangVedTiltak><GjelderTiltakstype V="${v}" S="2.16.578.1.12.4.1.1.9091"/></SamtykkeTilgangVedTiltak>`).join('')}${categories
      .map((v) => `<SamtykkeTilgangForTjenesteyter><GjelderTjenesteytereIEnhet><fk1:OrganisationName>Bølgen legesenter</fk1:OrganisationName><fk1:Ident><fk1:Id>8094866</fk1:Id><fk1:TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></fk1:Ident></GjelderTjenesteytereIEnhet><GjelderKategoriTjenesteyter V="${v}" S="2.16.578.1.12.4.1.1.9060"/></SamtykkeTilgangForTjenesteyter>`)
      .join('')}<SamtykkeOmfatter><ReferertInformasjonskategori><Informasjonskategori V="L01" S="2.16.578.1.12.4.1.1.9005" DN="Forskrivninger"/></ReferertInformasjonskategori></SamtykkeOmfatter></Samtykke><ReferanseSamtykke><ReferanseID>c1e5a0f2-8b7d-4e21-9a64-3f0d2b9c7e11</ReferanseID></ReferanseSamtykke></SamtykkeTilUtleveringAvJournalopplysninger>`;
  const remove = '<FjernDokument><ReferertEPJ_komponent><EPJKomponentId>33fc4240-e039-11dc-9aae-0002a5d5c51b</EPJKomponentId><ReferertInformasjonskategori><Informasjonskategori V="L01" S="2.16.578.1.12.4.1.1.9005" DN="Forskrivninger"/></ReferertInformasjonskategori></ReferertEPJ_komponent></FjernDokument>';
  return {
    'epikrise-1.2-send': { good: e12, bad: edit(edit(e12, /<Comment>\s*<Heading V="VU"[\s\S]*?<\/Comment>/, ''), 'S="2.16.578.1.12.4.1.1.7110" DN="Diabetes mellitus type 2"', 'S="2.16.578.1.12.4.1.1.7170" DN="Diabetes mellitus type 2"'), fails: ['TC-EPI-VURDERING', 'TC-EPI-DIAGNOSIS-ICD10'] },
    'epikrise-1.2-endring': { good: asChange(e12), bad: e12, fails: ['TC-EPI-SERVTYPE-M'] },
    'epikrise-1.2-kansellering': { good: example('epikrise-1.2', 'valid', 'kansellering.xml'), bad: e12, fails: ['TC-EPI-SERVTYPE-C'] },
    'epikrise-1.2-kopi-fastlege': { good: kopi, bad: e12, fails: ['TC-EPI-FASTLEGE', 'TC-EPI-COPYDEST'] },
    'epikrise-1.1-send': { good: e11, bad: edit(e11, /<OffId>(\d{9})(\d)(\d)<\/OffId>/, '<OffId>$1$3$2</OffId>'), fails: ['TC-EPI-PATIENT-FNR'] },
    'epikrise-1.1-endring': { good: asChange(e11), bad: e11, fails: ['TC-EPI-SERVTYPE-M'] },
    'epikrise-1.0-send': { good: e10, bad: edit(e10, /<InfItem>\s*<Observation>\s*<Description>Ingen kjente[\s\S]*?<\/InfItem>/, ''), fails: ['TC-EPI-CAVE'] },
    'henvisning-1.0-send-innleggelse': { good: hFastlege, bad: h, fails: ['TC-HEN-FASTLEGE'] },
    'henvisning-1.0-send-vurdering': { good: hFindings, bad: edit(hFindings, 'V="T90" S="2.16.578.1.12.4.1.1.7170"', 'V="E11" S="2.16.578.1.12.4.1.1.7110"'), fails: ['TC-HEN-DIAGNOSIS'] },
    'henvisning-1.0-send-strukturerte-resultater': { good: hResults, bad: hFindings, fails: ['TC-HEN-NUMRESULT'] },
    'henvisning-1.0-kansellering': { good: example('henvisning-1.0', 'valid', 'kansellering.xml'), bad: h, fails: ['TC-HEN-SERVTYPE-C'] },
    'kjernejournaladm-1.0-opprett': { good: k, bad: edit(k, 'V="ADM_KOMM_KJERNEJOURNAL"', 'V="KJERNEJOURNAL_ADM"'), fails: ['TC-KJA-TYPE'] },
    'kjernejournaladm-1.0-samtykke': { good: content(k, consent(['S01', 'S02', 'S03'], ['LE', 'SP'])), bad: content(k, consent(['S01'], ['LE', 'SP'])), fails: ['TC-KJA-TILTAK'] },
    'kjernejournaladm-1.0-fjern-dokument': { good: content(k, remove), bad: k, fails: ['TC-KJA-FJERN'] },
    'kjernejournaladm-1.0-slett': { good: content(k, '<SlettKjernejournal/>'), bad: k, fails: ['TC-KJA-SLETT'] },
  };
}

describe.skipIf(!engine)('submit test cases of these standards', () => {
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
