import { describe, expect, it } from 'vitest';
import { SHIPPED_TESTCASES_DIR } from '../../src/core/paths.js';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { parseGenDate } from '../../src/testcases/run-data-checks.js';
import { drawRunTestData } from '../../src/testcases/run-data.js';
import { randomSource } from '../../src/testcases/synthetic-data.js';
import type { ReceiveTestcase, SubmitTestcase } from '../../src/testcases/testcase.js';
import { runMessage } from '../helpers/run-messages.js';
import { shippedEngine } from './helpers.js';

const engine = shippedEngine(['dialogmelding-1.1-foresporsel', 'henvisning-1.0', 'epikrise-1.1', 'svarrapport-1.4']);

/** One receive test case per template that builds a sound message: every standard samsvar can generate. */
function templates(): { template: string; profile: string }[] {
  const seen = new Map<string, string>();
  for (const tc of loadTestcases(SHIPPED_TESTCASES_DIR, engine!.catalog)) {
    if (tc.kind !== 'receive') continue;
    const r = tc as ReceiveTestcase;
    if (r.message.template && !r.message.defects && !seen.has(r.message.template)) seen.set(r.message.template, tc.profile);
  }
  return [...seen].map(([template, profile]) => ({ template, profile }));
}

describe.skipIf(!engine)('the run\'s data in a sent message, read generically from every standard\'s header', () => {
  const data = drawRunTestData('run-a', new Date(Date.now() - 60_000).toISOString(), { name: 'EPJ', herId: '8999911' }, randomSource('a'));
  const other = drawRunTestData('run-b', data.openedAt, data.systemParty, randomSource('b'));
  const submitOf = (profile: string): SubmitTestcase => ({ id: `t-${profile}`, profile, kind: 'submit', title: 't', description: 'd', expect: {} });
  const runIds = async (profile: string, xml: string) =>
    (await evaluateSubmission(submitOf(profile), Buffer.from(xml), engine!, { run: data })).findings.filter((f) => f.ruleId.startsWith('RUN-')).map((f) => f.ruleId);

  it('finds nothing to refuse in a message from the system\'s party to samsvar\'s about the run\'s patient, for every template', async () => {
    const all = templates();
    expect(all.length).toBeGreaterThan(50);
    const found: Record<string, string[]> = {};
    for (const { template, profile } of all) {
      const ids = await runIds(profile, runMessage(template, data));
      if (ids.length) found[template] = ids;
    }
    expect(found).toEqual({});
  });

  it('names another party as sender, or another patient, in every template that carries them', async () => {
    const missed: string[] = [];
    for (const { template, profile } of templates()) {
      const wrongSender = await runIds(profile, runMessage(template, data, { senderHerId: '8999955' }));
      if (!wrongSender.includes('RUN-SENDER')) missed.push(`${template}: sender`);
      const xml = runMessage(template, { ...data, patient: other.patient });
      const wrongPatient = await runIds(profile, xml);
      if (xml.includes(other.patient.fnr) && !wrongPatient.includes('RUN-PATIENT')) missed.push(`${template}: patient`);
    }
    expect(missed).toEqual([]);
  });

  it('reads GenDate without a time zone as Norwegian time, summer and winter', () => {
    expect(parseGenDate('2026-01-15T10:00:00')).toBe(Date.parse('2026-01-15T09:00:00Z'));
    expect(parseGenDate('2026-07-15T10:00:00')).toBe(Date.parse('2026-07-15T08:00:00Z'));
    expect(parseGenDate('2026-07-15T10:00:00+01:00')).toBe(Date.parse('2026-07-15T09:00:00Z'));
    expect(parseGenDate('15.07.2026')).toBeNull();
  });
});
