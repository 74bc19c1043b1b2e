import { describe, expect, it } from 'vitest';
import { checkPersonNumber } from '../../src/identifiers/norwegian-ids.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import { osloDateTime, randomSource, syntheticFodselsnummer } from '../../src/testcases/synthetic-data.js';
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

  it('reports its message type, which the AppRec must repeat', () => {
    expect(generateReceiveMessage(foresporsel, { runId: 'r' }).msgType).toBe('DIALOG_FORESPORSEL');
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

  it('writes winter time with +01:00', () => {
    expect(osloDateTime(new Date('2026-01-15T23:30:05Z'))).toBe('2026-01-16T00:30:05+01:00');
  });
});
