import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage } from '../../src/testcases/receive-message.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine } from './helpers.js';

/**
 * The e-resept test cases of a prescriber's EPJ: what it sends (resept, tilbakekalling, requests
 * for lists) passes with a message that does the task and fails, naming the assertion, with one
 * that does not; what it receives is answered with the AppRec each test case expects.
 */
const engine = shippedEngine(['msghead-1.2', 'apprec-1.0', 'eresept-m1', 'eresept-m5', 'eresept-m52']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => testcases.find((t) => t.id === id) ?? (() => { throw new Error(`no test case ${id}`); })();
const example = (profile: string, file: string) => readFileSync(path.resolve(import.meta.dirname, '../../profiles', profile, 'examples/valid', file), 'utf8');

const m1 = example('eresept-m1', 'm1.xml');
const unsigned = (xml: string) => xml.replace(/<Signature[\s\S]*<\/Signature>/, '');
const table: Record<string, { good: string; bad: string; fails: string[] }> = {
  'eresept-m1-send': { good: m1, bad: unsigned(m1.replace(/<HealthcareProfessional>[\s\S]*?<\/HealthcareProfessional>/, '')), fails: ['TC-ER-REKVIRENT', 'TC-ER-SIGNATUR'] },
  'eresept-m1-virkestoff': { good: example('eresept-m1', 'm1-virkestoff-tidligste-utlevering.xml'), bad: m1, fails: ['TC-ER-M1-VIRKESTOFF'] },
  'eresept-m1-magistrell': { good: example('eresept-m1', 'm1-magistrell.xml'), bad: m1, fails: ['TC-ER-M1-BLANDING'] },
  'eresept-m5-send': { good: example('eresept-m5', 'm5.xml'), bad: unsigned(example('eresept-m5', 'm5.xml')), fails: ['TC-ER-SIGNATUR'] },
  'eresept-m5-erstatt': { good: example('eresept-m5', 'm5-erstattes-av-ny-resept.xml'), bad: example('eresept-m5', 'm5.xml'), fails: ['TC-ER-M5-NY'] },
  'eresept-m5-merknad': { good: example('eresept-m5', 'm5.xml'), bad: example('eresept-m5', 'm5.xml').replace(/<Merknad>[^<]*<\/Merknad>/, ''), fails: ['TC-ER-M5-MERKNAD'] },
  'eresept-m95-send': { good: example('eresept-m95', 'm95.xml'), bad: example('eresept-m95', 'm95.xml').replace(/<Fnr>\d+<\/Fnr>/, ''), fails: ['TC-ER-M95-PASIENT'] },
  'eresept-m97-send': { good: example('eresept-m97', 'm97.xml'), bad: example('eresept-m97', 'm97.xml').replace(/<ReseptId>[^<]*<\/ReseptId>/, '<ReseptId> </ReseptId>'), fails: ['TC-ER-M97-RESEPT'] },
  'eresept-m911-send': { good: example('eresept-m911', 'm911.xml'), bad: example('eresept-m911', 'm911.xml').replace(/<Fnr>\d+<\/Fnr>/, '<Fnr>123</Fnr>'), fails: ['TC-ER-M911-PASIENT'] },
  'eresept-m251-send': { good: example('eresept-m251', 'm251.xml'), bad: unsigned(example('eresept-m251', 'm251.xml')), fails: ['TC-ER-SIGNATUR'] },
};

describe.skipIf(!engine)('e-resept send test cases', () => {
  it('cover every shipped e-resept submit test case', () => {
    const ids = testcases.filter((t) => t.kind === 'submit' && t.profile.startsWith('eresept-')).map((t) => t.id).sort();
    expect(Object.keys(table).sort()).toEqual(ids);
  });

  it.each(Object.entries(table))('%s passes with a message that does the task', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.good), engine!);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
  });

  it.each(Object.entries(table))('%s fails, naming the assertion, with one that does not', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.bad), engine!);
    expect(result.verdict).toBe('failed');
    expect(result.findings.filter((f) => f.layer === 'testcase' && f.severity === 'error').map((f) => f.ruleId).sort()).toEqual([...c.fails].sort());
  });
});

describe.skipIf(!engine)('e-resept receive test cases', () => {
  const receiving = testcases.filter((t) => t.kind === 'receive' && t.profile.startsWith('eresept-'));

  it.each(receiving.map((t) => [t.id, t] as const))('%s generates a message of its own message type, answered by the AppRec it expects', async (_id, tc) => {
    if (tc.kind !== 'receive') throw new Error('not a receive test case');
    const g = generateReceiveMessage(tc, { runId: 'run-7' });
    expect(g.msgType).toBe(`ERM${tc.profile.slice('eresept-m'.length)}`);
    const status = tc.expect.apprec.status[0];
    const errors = (tc.expect.apprec.errorCodes ?? []).map((v) => ({ v, dn: 'Pasienten finnes ikke i mottakersystemet' }));
    const apprec = buildAppRec({ status, errors, originalMsgId: g.msgId, originalMsgType: g.msgType });
    const ok = await evaluateSubmission(tc, Buffer.from(apprec), engine!, { generated: { msgId: g.msgId, xml: g.xml } });
    expect(ok.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(ok.verdict).toBe('passed');
    const wrong = buildAppRec({ status: status === '1' ? '2' : '1', errors: status === '1' ? [{ v: 'E35', dn: 'Pasienten finnes ikke i mottakersystemet' }] : [], originalMsgId: g.msgId, originalMsgType: g.msgType });
    expect((await evaluateSubmission(tc, Buffer.from(wrong), engine!, { generated: { msgId: g.msgId, xml: g.xml } })).verdict).toBe('failed');
  });
});
