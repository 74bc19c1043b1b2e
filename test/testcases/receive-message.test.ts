import { describe, expect, it } from 'vitest';
import { checkPersonNumber } from '../../src/identifiers/norwegian-ids.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import { osloDateTime, randomSource, syntheticFodselsnummer, syntheticHjelpenummer } from '../../src/testcases/synthetic-data.js';
import type { ReceiveTestcase } from '../../src/testcases/testcase.js';
import { withXml } from '../../src/testcases/xml-document.js';
import { shippedEngine, XML_PROFILES } from './helpers.js';

const shipped = loadTestcases();
const receiving = shipped.filter((tc): tc is ReceiveTestcase => tc.kind === 'receive');
const foresporsel = receiving.find((tc) => tc.id === 'dialogmelding-1.1-foresporsel-mottak')!;
const MH = { mh: 'http://www.kith.no/xmlstds/msghead/2006-05-24' };
const read = (xml: string, xpath: string) => withXml(xml, (doc) => String(doc.eval(`string(${xpath})`, MH)));

describe('the message generated for a receive test case', () => {
  it('has a fresh MsgId every time, written into MsgInfo/MsgId', () => {
    const a = generateReceiveMessage(foresporsel, { runId: 'run-1' });
    const b = generateReceiveMessage(foresporsel, { runId: 'run-1' });
    expect(a.msgId).not.toBe(b.msgId);
    expect(a.msgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(read(a.xml, '/mh:MsgHead/mh:MsgInfo/mh:MsgId')).toBe(a.msgId);
  });

  it('is the same for the same seed, run and time (so a stored run can be re-created)', () => {
    const now = new Date('2026-11-26T09:00:00Z');
    const a = generateReceiveMessage(foresporsel, { runId: 'run-1', seed: 's', now });
    expect(generateReceiveMessage(foresporsel, { runId: 'run-1', seed: 's', now }).xml).toBe(a.xml);
    expect(generateReceiveMessage(foresporsel, { runId: 'run-2', seed: 's', now }).msgId).not.toBe(a.msgId);
  });

  it('is dated now, in Norwegian time with its offset', () => {
    const g = generateReceiveMessage(foresporsel, { runId: 'r', now: new Date('2026-07-01T10:00:00Z') });
    expect(g.genDate).toBe('2026-07-01T12:00:00+02:00');
    expect(read(g.xml, '/mh:MsgHead/mh:MsgInfo/mh:GenDate')).toBe(g.genDate);
  });

  it("names a synthetic patient whose fødselsnummer has valid control digits", () => {
    for (let i = 0; i < 20; i++) {
      const g = generateReceiveMessage(foresporsel, { runId: `r${i}` });
      expect(checkPersonNumber(g.patient.fnr)).toEqual({ ok: true, kind: 'fnr', synthetic: true });
      expect(read(g.xml, "/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident[mh:TypeId/@V='FNR']/mh:Id")).toBe(g.patient.fnr);
    }
  });

  it("comes from samsvar's test party and goes to the vendor's system when the run names it", () => {
    const g = generateReceiveMessage(foresporsel, { runId: 'r', receiver: { name: 'Fjord & Fjell <legesenter>', herId: '4567' } });
    expect(read(g.xml, '/mh:MsgHead/mh:MsgInfo/mh:Sender/mh:Organisation/mh:OrganisationName')).toBe('Samsvar testpart');
    expect(read(g.xml, '/mh:MsgHead/mh:MsgInfo/mh:Receiver/mh:Organisation/mh:OrganisationName')).toBe('Fjord & Fjell <legesenter>');
    expect(read(g.xml, '/mh:MsgHead/mh:MsgInfo/mh:Receiver/mh:Organisation/mh:Ident/mh:Id')).toBe('4567');
  });

  it('refuses a receiver HER-id that is not a HER-id, and a submit test case', () => {
    expect(() => generateReceiveMessage(foresporsel, { runId: 'r', receiver: { name: 'x', herId: '12ab' } })).toThrow(/HER-id '12ab'/);
    const submit = shipped.find((tc) => tc.kind === 'submit')!;
    expect(() => generateReceiveMessage(submit, { runId: 'r' })).toThrow(/only receive test cases/);
  });

  it('fills {{patient.hnr}} with a hjelpenummer of the same synthetic patient', () => {
    const hnrCase = receiving.find((tc) => tc.id === 'dialogmelding-1.0-foresporsel-mottak-hjelpenummer')!;
    const g = generateReceiveMessage(hnrCase, { runId: 'r' });
    expect(read(g.xml, "/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident[mh:TypeId/@V='HNR']/mh:Id")).toBe(g.patient.hnr);
    expect(read(g.xml, "/mh:MsgHead/mh:MsgInfo/mh:Patient/mh:Ident[mh:TypeId/@V='FNR']")).toBe('');
  });

  it('reports its message type, which the AppRec must repeat', () => {
    expect(generateReceiveMessage(foresporsel, { runId: 'r' }).msgType).toBe('DIALOG_FORESPORSEL');
  });

  it('names the same run patient in every message of a run that builds on another, and a fresh patient otherwise', () => {
    const forelopig = receiving.find((tc) => tc.id === 'svarrapport-1.4-mikrobiologi-mottak-forelopig')!;
    const endelig = receiving.find((tc) => tc.id === 'svarrapport-1.4-mikrobiologi-mottak-endelig')!;
    const ukjent = receiving.find((tc) => tc.id === 'svarrapport-1.4-mottak-ukjent-pasient')!;
    const a = generateReceiveMessage(forelopig, { runId: 'run-9' });
    const b = generateReceiveMessage(endelig, { runId: 'run-9' });
    expect(b.patient).toEqual(a.patient);
    expect(checkPersonNumber(a.patient.fnr)).toEqual({ ok: true, kind: 'fnr', synthetic: true });
    expect(a.xml).toContain(`<OffId>${a.patient.fnr}</OffId>`);
    expect(a.xml).toContain('<ServProvId>SAMSVAR-run-9-MIK</ServProvId>');
    expect(b.xml).toContain('<ServProvId>SAMSVAR-run-9-MIK</ServProvId>');
    expect(generateReceiveMessage(endelig, { runId: 'run-10' }).patient.fnr).not.toBe(a.patient.fnr);
    expect(generateReceiveMessage(ukjent, { runId: 'run-9' }).patient.fnr).not.toBe(a.patient.fnr);
  });

  it('reports the message type of a standalone message (Svarrapport, Rekvisisjon) from its own Type', () => {
    const svar = receiving.find((tc) => tc.id === 'svarrapport-1.4-radiologi-mottak')!;
    expect(generateReceiveMessage(svar, { runId: 'r' }).msgType).toBe('SVAR_RTG');
    const rekv = receiving.find((tc) => tc.id === 'rekvisisjon-1.5-mottak')!;
    expect(generateReceiveMessage(rekv, { runId: 'r' }).msgType).toBe('R');
  });

  it('refers a svar to the forespørsel it answers when the run names it', () => {
    const svar = receiving.find((tc) => tc.profile === 'dialogmelding-1.1-svar')!;
    const g = generateReceiveMessage(svar, { runId: 'r', inReplyTo: 'f0f0f0f0-0000-4000-8000-000000000001' });
    expect(read(g.xml, '/mh:MsgHead/mh:MsgInfo/mh:ConversationRef/mh:RefToParent')).toBe('f0f0f0f0-0000-4000-8000-000000000001');
  });

  const engine = shippedEngine(XML_PROFILES);
  const wellFormed = receiving.filter((tc) => !tc.message.defects);
  const defective = receiving.filter((tc) => tc.message.defects);
  it.skipIf(!engine).each(wellFormed.map((tc) => [tc.id, tc] as const))('validates against its profile: %s', async (_id, tc) => {
    const g = generateReceiveMessage(tc, { runId: 'run-42' });
    const result = await engine!.validate(Buffer.from(g.xml), { profile: tc.profile });
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
    // Display texts drift with the code lists; anything else a warning says is a template bug.
    expect(result.findings.filter((f) => f.severity === 'warning' && f.ruleId !== 'CODELIST-DN')).toEqual([]);
  });

  // An acceptance-test scenario where the receiver must report an error sends a broken message on
  // purpose: it must break exactly the rules the test case names, so the scenario tests what it says.
  it.skipIf(!engine).each(defective.map((tc) => [tc.id, tc] as const))('breaks exactly its declared defects: %s', async (_id, tc) => {
    const g = generateReceiveMessage(tc, { runId: 'run-42' });
    const result = await engine!.validate(Buffer.from(g.xml), { profile: tc.profile });
    const errors = [...new Set(result.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId))].sort();
    expect(result.valid).toBe(false);
    expect(errors).toEqual([...tc.message.defects!].sort());
  });
});

describe('synthetic test data', () => {
  it('draws fødselsnummer in the +80 range across centuries, all valid', () => {
    const rnd = randomSource('fnr');
    for (let i = 0; i < 500; i++) {
      const p = syntheticFodselsnummer(rnd);
      expect(checkPersonNumber(p.fnr).ok).toBe(true);
      expect(Number(p.fnr.slice(2, 4))).toBeGreaterThan(80);
      const individual = Number(p.fnr.slice(6, 9));
      expect(p.dateOfBirth < '2000' ? individual < 500 : individual >= 500).toBe(true);
    }
  });

  it('draws a hjelpenummer (month + 40) for the same date of birth, with valid control digits', () => {
    const rnd = randomSource('hnr');
    for (let i = 0; i < 200; i++) {
      const p = syntheticFodselsnummer(rnd);
      const hnr = syntheticHjelpenummer(rnd, p.dateOfBirth);
      expect(checkPersonNumber(hnr).ok).toBe(true);
      expect(Number(hnr.slice(2, 4)) - 40).toBe(Number(p.dateOfBirth.slice(5, 7)));
      expect(hnr.slice(0, 2) + hnr.slice(4, 6)).toBe(p.dateOfBirth.slice(8, 10) + p.dateOfBirth.slice(2, 4));
    }
  });

  it('writes winter time with +01:00', () => {
    expect(osloDateTime(new Date('2026-01-15T23:30:05Z'))).toBe('2026-01-16T00:30:05+01:00');
  });
});
