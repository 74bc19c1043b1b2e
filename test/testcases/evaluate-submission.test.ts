import { describe, expect, it } from 'vitest';
import { SamsvarError } from '../../src/core/samsvar-error.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import type { ReceiveTestcase, Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine, withAttachment, XML_PROFILES } from './helpers.js';

const engine = shippedEngine(XML_PROFILES);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc) throw new Error(`no shipped test case ${id}`);
  return tc;
};

/** Well-formed, profile-valid messages of each Dialogmelding kind, as a vendor's system would send them. */
function messages() {
  const gen = (id: string) => generateReceiveMessage(byId(id), { runId: 'vendor-run', seed: 'fixtures', now: new Date('2026-11-26T09:00:00Z') }).xml;
  return {
    foresporsel: gen('dialogmelding-1.1-foresporsel-mottak'),
    svar: gen('dialogmelding-1.1-svar-mottak'),
    notat: gen('dialogmelding-1.1-notat-mottak'),
    helsefaglig: gen('dialogmelding-1.1-helsefaglig-mottak'),
    dm10: {
      foresporsel: gen('dialogmelding-1.0-foresporsel-mottak'),
      foresporselFraLege: gen('dialogmelding-1.0-foresporsel-plo-mottak'),
      svar: gen('dialogmelding-1.0-svar-mottak'),
      notat: gen('dialogmelding-1.0-notat-mottak'),
      avvik: gen('dialogmelding-1.0-avvik-mottak'),
    },
    epj: { svar: gen('epj-1.0-legemiddelopplysninger-mottak'), doseendring: gen('epj-1.0-legemiddelopplysninger-doseendring-mottak') },
  };
}

interface Case {
  good: string;
  bad: string;
  /** Assertion ids the bad artifact must be reported under. */
  fails: string[];
}

function cases(): Record<string, Case> {
  const m = messages();
  const ORIGINAL = '6f1c8a2e-4b7d-4c3a-9e55-0a1b2c3d4e5f';
  const okAppRec = buildAppRec({ status: '1', originalMsgId: ORIGINAL });
  const avvist = buildAppRec({ status: '2', errors: [{ v: 'E35', dn: 'Pasienten finnes ikke i mottakersystemet' }], originalMsgId: ORIGINAL });
  const d = m.dm10;
  const noPurpose = (xml: string) => xml.replace(/<Formål [^>]*\/>/, '');
  const v11 = (apprec: string) => apprec.replace('apprec/2004-11-21', 'apprec/2012-02-15').replace('<MIGversion>1.0 2004-11-21', '<MIGversion>v1.1 2012-02-15');
  const hprToOther = (xml: string) => xml.replace('V="HPR" DN="HPR-nummer"', 'V="XXX" DN="Annet"');
  const inReplyTo = (xml: string, msgId: string) =>
    xml.replace(/(<MsgId>[^<]*<\/MsgId>)/, `$1<ConversationRef><RefToParent>${msgId}</RefToParent><RefToConversation>${msgId}</RefToConversation></ConversationRef>`);
  const emptyText = (xml: string) => xml.replace(/<TekstNotatInnhold>[^<]*<\/TekstNotatInnhold>/, '<TekstNotatInnhold> </TekstNotatInnhold>');
  return {
    'msghead-1.2-avsender-mottaker': {
      good: m.foresporsel,
      bad: m.foresporsel.replace('<Id>8999911</Id>', '<Id>8999901</Id>'),
      fails: ['TC-MH-DISTINCT-PARTIES'],
    },
    'msghead-1.2-pasient': {
      good: m.foresporsel,
      bad: m.foresporsel.replace('V="FNR" DN="Fødselsnummer"', 'V="XXX" DN="Annet"').replace(/<GivenName>[^<]*<\/GivenName>\s*<DateOfBirth>/, '<DateOfBirth>'),
      fails: ['TC-MH-PATIENT-FNR', 'TC-MH-PATIENT-NAME'],
    },
    'msghead-1.2-vedlegg': {
      good: withAttachment(m.notat),
      bad: withAttachment(m.notat, { mimeType: 'application/x-msdownload' }),
      fails: ['TC-MH-ATTACHMENT-MIME'],
    },
    'apprec-1.0-ok': { good: okAppRec, bad: avvist, fails: ['TC-AR-STATUS-OK', 'TC-AR-NO-ERROR'] },
    'apprec-1.0-avvist': { good: avvist, bad: okAppRec, fails: ['TC-AR-STATUS-AVVIST', 'TC-AR-ERROR'] },
    'apprec-1.0-parter': {
      good: okAppRec,
      bad: buildAppRec({ status: '1', originalMsgId: ORIGINAL, id: ORIGINAL }),
      fails: ['TC-AR-OWN-ID'],
    },
    'apprec-1.1-ok': { good: v11(okAppRec), bad: v11(avvist), fails: ['TC-AR11-STATUS-OK', 'TC-AR11-NO-ERROR'] },
    'apprec-1.1-avvist': { good: v11(avvist), bad: v11(okAppRec), fails: ['TC-AR11-STATUS-AVVIST', 'TC-AR11-ERROR'] },
    'apprec-1.1-parter': {
      good: v11(okAppRec),
      bad: v11(okAppRec).replace('<Id>8999911</Id>\n        <TypeId V="HER" DN="HER-id"/>', '<Id>974123452</Id>\n        <TypeId V="ENH" DN="Organisasjonsnummer"/>'),
      fails: ['TC-AR11-SENDER-HER'],
    },
    'dialogmelding-1.0-foresporsel-send': {
      good: d.foresporsel,
      bad: d.foresporsel.replace(/<Foresporsel>[\s\S]*<\/Foresporsel>/, '<Notat><TemaKodet V="1" DN="Notat om pasient" S="2.16.578.1.12.4.1.1.7321"/><TekstNotatInnhold>Hei</TekstNotatInnhold></Notat>'),
      fails: ['TC-DM10F-FORESPORSEL'],
    },
    'dialogmelding-1.0-foresporsel-legemidler-send': { good: d.foresporsel, bad: noPurpose(d.foresporsel), fails: ['TC-DM10L-FORMAL'] },
    'dialogmelding-1.0-foresporsel-plo-kommune-send': { good: d.foresporsel, bad: d.foresporselFraLege, fails: ['TC-DM10K-TYPEFORESP'] },
    'dialogmelding-1.0-foresporsel-plo-lege-send': { good: d.foresporselFraLege, bad: d.foresporsel, fails: ['TC-DM10P-TYPEFORESP'] },
    'dialogmelding-1.0-svar-send': {
      good: d.svar,
      bad: d.svar.replace(/<ConversationRef>[\s\S]*<\/ConversationRef>/, '').replace(/<Foresporsel>[\s\S]*<\/Foresporsel>/, ''),
      fails: ['TC-DM10S-CONVERSATION', 'TC-DM10S-FORESPORSEL'],
    },
    'dialogmelding-1.0-svar-vedlegg-send': { good: withAttachment(d.svar, { description: 'Journalutskrift' }), bad: d.svar, fails: ['TC-DM10V-ATTACHMENT'] },
    'dialogmelding-1.0-notat-send': { good: d.notat, bad: d.notat.replace(/<RollerRelatertNotat>[\s\S]*<\/RollerRelatertNotat>/, ''), fails: ['TC-DM10N-FORFATTER'] },
    'dialogmelding-1.0-avvik-send': { good: d.avvik, bad: d.avvik.replace('V="DIALOG_AVVIK"', 'V="DIALOG_NOTAT"'), fails: ['TC-DM10A-MSGTYPE'] },
    'dialogmelding-1.0-avvik-referanse': {
      good: d.avvik,
      bad: d.avvik.replace(/<RefToParent>[^<]*<\/RefToParent>/, (x) => x.replace(/>[^<]*</, `>${/<MsgId>([^<]*)<\/MsgId>/.exec(d.avvik)![1]}<`)),
      fails: ['TC-DM10AR-CONVERSATION'],
    },
    'epj-1.0-legemiddelopplysninger-send': {
      good: m.epj.svar,
      bad: m.epj.svar.replace(/<epj3:Navn>[^<]*<\/epj3:Navn>/g, '<epj3:Navn> </epj3:Navn>'),
      fails: ['TC-EPJS-LEGEMIDLER'],
    },
    'epj-1.0-legemiddelopplysninger-svar-send': {
      good: m.epj.svar,
      bad: m.epj.svar.replace(/<ConversationRef>[\s\S]*?<\/ConversationRef>/, ''),
      fails: ['TC-EPJA-CONVERSATION'],
    },
    'epj-1.0-legemiddelopplysninger-doseendring-send': { good: m.epj.doseendring, bad: m.epj.svar, fails: ['TC-EPJD-TILLEGGSINFO', 'TC-EPJD-REFERANSE'] },
    'dialogmelding-1.1-foresporsel-send': {
      good: m.foresporsel,
      bad: m.foresporsel.replace(/<Foresporsel>[\s\S]*<\/Foresporsel>/, '<Notat><TemaKodet V="99" DN="Annen henvendelse" S="2.16.578.1.12.4.1.1.9153"/><TekstNotatInnhold>Hei</TekstNotatInnhold></Notat>'),
      fails: ['TC-DLGF-FORESPORSEL'],
    },
    'dialogmelding-1.1-foresporsel-avsender': { good: m.foresporsel, bad: hprToOther(m.foresporsel), fails: ['TC-DLGF-HCP-HPR'] },
    'dialogmelding-1.1-foresporsel-vedlegg': { good: withAttachment(m.foresporsel), bad: m.foresporsel, fails: ['TC-DLGF-ATTACHMENT'] },
    'dialogmelding-1.1-svar-send': { good: m.svar, bad: emptyText(m.svar), fails: ['TC-DLGS-TEKST'] },
    'dialogmelding-1.1-svar-referanse': {
      good: m.svar,
      bad: m.svar.replace(/<RefToParent>[^<]*<\/RefToParent>/, '<RefToParent> </RefToParent>'),
      fails: ['TC-DLGS-CONVERSATION'],
    },
    'dialogmelding-1.1-svar-pasient': { good: m.svar, bad: hprToOther(m.svar), fails: ['TC-DLGS-HCP-HPR'] },
    'dialogmelding-1.1-notat-send': { good: m.notat, bad: emptyText(m.notat), fails: ['TC-DLGN-TEKST'] },
    'dialogmelding-1.1-notat-helsepersonell': { good: m.notat, bad: hprToOther(m.notat), fails: ['TC-DLGN-HCP-HPR'] },
    'dialogmelding-1.1-notat-vedlegg': { good: withAttachment(m.notat, { description: 'EKG' }), bad: m.notat, fails: ['TC-DLGN-ATTACHMENT'] },
    'dialogmelding-1.1-helsefaglig-send': { good: m.helsefaglig, bad: hprToOther(m.helsefaglig), fails: ['TC-DLGH-ANSVARLIG'] },
    'dialogmelding-1.1-helsefaglig-svar': { good: inReplyTo(m.helsefaglig, ORIGINAL), bad: m.helsefaglig, fails: ['TC-DLGHS-CONVERSATION'] },
  };
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe.skipIf(!engine)('submit test cases', () => {
  const table = cases();

  it('every shipped submit test case has a known-good and a known-bad artifact here', () => {
    // Svarrapport and Rekvisisjon have their own table in lab-testcases.test.ts.
    const submitIds = testcases.filter((t) => t.kind === 'submit' && XML_PROFILES.includes(t.profile) && !/^(svarrapport|rekvisisjon)-/.test(t.profile)).map((t) => t.id);
    expect(Object.keys(table).sort()).toEqual(submitIds.sort());
  });

  it.each(Object.entries(table))('%s passes with a good artifact', async (id, c) => {
    const result = await evaluateSubmission(byId(id), bytes(c.good), engine!);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
    expect(result.validation.profile).toBe(byId(id).profile);
  });

  it.each(Object.entries(table))('%s fails with a bad artifact, naming the assertion', async (id, c) => {
    const result = await evaluateSubmission(byId(id), bytes(c.bad), engine!);
    expect(result.verdict).toBe('failed');
    const named = result.findings.filter((f) => f.layer === 'testcase').map((f) => f.ruleId);
    for (const ruleId of c.fails) expect(named).toContain(ruleId);
  });

  it('reports the profile findings and the assertion findings together, the assertion pointing at the node', async () => {
    const { foresporsel } = messages();
    const bad = foresporsel.replace('V="HPR" DN="HPR-nummer"', 'V="XXX" DN="Annet"');
    const result = await evaluateSubmission(byId('dialogmelding-1.1-foresporsel-avsender'), bytes(bad), engine!);
    const finding = result.findings.find((f) => f.ruleId === 'TC-DLGF-HCP-HPR')!;
    expect(finding).toMatchObject({
      severity: 'error',
      layer: 'testcase',
      xpath: '/mh:MsgHead/mh:Document/mh:RefDoc/mh:Content/dia:Dialogmelding/dia:Foresporsel/dia:RollerRelatertNotat',
      reference: 'Dialogmelding 1.1, RollerRelatertNotat',
    });
    expect(finding.line).toBeGreaterThan(40);
    expect(finding.message).toMatch(/HPR-nummer/);
  });

  it('fails an artifact the profile refuses even when every assertion holds', async () => {
    const { foresporsel } = messages();
    const invalid = foresporsel.replace('<MIGversion>v1.2 2006-05-24</MIGversion>', '<MIGversion>v1.1</MIGversion>');
    const result = await evaluateSubmission(byId('dialogmelding-1.1-foresporsel-send'), bytes(invalid), engine!);
    expect(result.verdict).toBe('failed');
    expect(result.validation.valid).toBe(false);
    expect(result.findings.some((f) => f.layer === 'testcase')).toBe(false);
  });

  it('fails hostile or malformed input with the engine\'s syntax finding, without evaluating assertions', async () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
    for (const input of [laughs, '<MsgHead><unclosed></MsgHead>', '']) {
      const result = await evaluateSubmission(byId('msghead-1.2-pasient'), bytes(input), engine!);
      expect(result.verdict).toBe('failed');
      expect(result.findings.some((f) => f.layer === 'syntax')).toBe(true);
      expect(result.findings.some((f) => f.layer === 'testcase')).toBe(false);
    }
  });
});

describe.skipIf(!engine)('receive test cases', () => {
  const tc = () => byId('dialogmelding-1.1-foresporsel-mottak');
  const generate = (id = 'dialogmelding-1.1-foresporsel-mottak') => {
    const g = generateReceiveMessage(byId(id), { runId: 'run-7' });
    return { g, ctx: { generated: { msgId: g.msgId, xml: g.xml } } };
  };

  it('passes with an AppRec that answers the generated message with the expected status', async () => {
    const { g, ctx } = generate();
    const result = await evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: g.msgId })), engine!, ctx);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
    expect(result.validation.profile).toBe('apprec-1.0');
  });

  it('fails an AppRec that refers to another message, naming both ids', async () => {
    const { g, ctx } = generate();
    const result = await evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: 'some-other-id' })), engine!, ctx);
    expect(result.verdict).toBe('failed');
    const f = result.findings.find((x) => x.ruleId === 'RCV-ORIGINAL-MSGID')!;
    expect(f.message).toContain("'some-other-id'");
    expect(f.message).toContain(g.msgId);
    expect(f.xpath).toBe('/ar:AppRec/ar:OriginalMsgId/ar:Id');
    expect(f.line).toBe(29);
  });

  it('fails an AppRec with the wrong status, saying what was expected', async () => {
    const { g, ctx } = generate();
    const apprec = buildAppRec({ status: '2', errors: [{ v: 'X99', dn: 'Annen feil' }], originalMsgId: g.msgId });
    const result = await evaluateSubmission(tc(), bytes(apprec), engine!, ctx);
    expect(result.verdict).toBe('failed');
    expect(result.findings.find((f) => f.ruleId === 'RCV-STATUS')!.message).toBe('Status/@V is 2 (Avvist), but this test case expects 1 (OK)');
  });

  it("evaluates the test case's own assertions on the AppRec too: an OK must not carry errors", async () => {
    const { g, ctx } = generate();
    const apprec = buildAppRec({ status: '1', errors: [{ v: 'X99', dn: 'Annen feil' }], originalMsgId: g.msgId });
    const result = await evaluateSubmission(tc(), bytes(apprec), engine!, ctx);
    expect(result.verdict).toBe('failed');
    expect(result.findings.map((f) => f.ruleId)).toContain('TC-DLGF-RCV-NO-ERROR');
  });

  it('fails an AppRec that names the wrong message type for the original', async () => {
    const { g, ctx } = generate();
    const result = await evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, originalMsgType: 'DIALOG_NOTAT' })), engine!, ctx);
    expect(result.findings.find((f) => f.ruleId === 'RCV-ORIGINAL-MSGTYPE')!.message).toMatch(/'DIALOG_NOTAT'.*'DIALOG_FORESPORSEL'/);
  });

  it('passes a rejection with the expected error code, and fails one without it', async () => {
    const id = 'dialogmelding-1.1-notat-mottak-ukjent-pasient';
    const { g, ctx } = generate(id);
    const e35 = buildAppRec({ status: '2', errors: [{ v: 'E35', dn: 'Pasienten finnes ikke i mottakersystemet' }], originalMsgId: g.msgId, originalMsgType: 'DIALOG_NOTAT' });
    expect((await evaluateSubmission(byId(id), bytes(e35), engine!, ctx)).verdict).toBe('passed');
    const x99 = buildAppRec({ status: '2', errors: [{ v: 'X99', dn: 'Annen feil' }], originalMsgId: g.msgId, originalMsgType: 'DIALOG_NOTAT' });
    const result = await evaluateSubmission(byId(id), bytes(x99), engine!, ctx);
    expect(result.verdict).toBe('failed');
    expect(result.findings.find((f) => f.ruleId === 'RCV-ERROR-CODE')!.message).toBe(
      'the AppRec must report an Error with V="E35" (Pasienten finnes ikke i mottakersystemet); it has X99',
    );
  });

  it('judges the answer to a deliberately faulty message like any other: the rejection it asks for passes', async () => {
    const id = 'dialogmelding-1.0-foresporsel-mottak-mangler-fnr';
    const { g, ctx } = generate(id);
    const e30 = buildAppRec({ status: '2', errors: [{ v: 'E30', dn: 'Pasientens fødselsnummer mangler' }], originalMsgId: g.msgId });
    expect((await evaluateSubmission(byId(id), bytes(e30), engine!, ctx)).verdict).toBe('passed');
    const ok = await evaluateSubmission(byId(id), bytes(buildAppRec({ status: '1', originalMsgId: g.msgId })), engine!, ctx);
    expect(ok.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RCV-STATUS', 'RCV-ERROR-CODE']));
  });

  it('fails a submission that is not a valid AppRec (e.g. the generated message sent back)', async () => {
    const { g, ctx } = generate();
    const result = await evaluateSubmission(tc(), bytes(g.xml), engine!, ctx);
    expect(result.verdict).toBe('failed');
    expect(result.validation.valid).toBe(false);
  });

  it('accepts an answer in AppRec 1.1 as well, checking it against apprec-1.1 and its own assertions', async () => {
    const { g, ctx } = generate();
    const ok = await evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, version: '1.1' })), engine!, ctx);
    expect(ok.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ok.verdict).toBe('passed');
    expect(ok.validation.profile).toBe('apprec-1.1');
    // The test case's `ar:` assertions address whichever version the system answered in.
    const withError = buildAppRec({ status: '1', errors: [{ v: 'X99', dn: 'Annen feil' }], originalMsgId: g.msgId, version: '1.1' });
    const bad = await evaluateSubmission(tc(), bytes(withError), engine!, ctx);
    expect(bad.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['AR11-0002', 'TC-DLGF-RCV-NO-ERROR']));
    const wrongId = await evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: 'other', version: '1.1' })), engine!, ctx);
    expect(wrongId.findings.find((f) => f.ruleId === 'RCV-ORIGINAL-MSGID')).toMatchObject({ reference: 'Applikasjonskvittering 1.1, OriginalMsgId' });
  });

  it('holds an answer to the AppRec version a test case names', async () => {
    const { g, ctx } = generate();
    const pinned = { ...tc(), expect: { ...tc().expect, apprecProfile: 'apprec-1.0' } } as ReceiveTestcase;
    const result = await evaluateSubmission(pinned, bytes(buildAppRec({ status: '1', originalMsgId: g.msgId, version: '1.1' })), engine!, ctx);
    expect(result.verdict).toBe('failed');
    expect(result.validation.profile).toBe('apprec-1.0');
    expect(result.findings.map((f) => f.ruleId)).toContain('PROFILE-MISMATCH');
  });

  it('needs the generated message: without it the service has called too early', async () => {
    await expect(evaluateSubmission(tc(), bytes(buildAppRec({ status: '1', originalMsgId: 'x' })), engine!)).rejects.toThrow(SamsvarError);
  });
});
