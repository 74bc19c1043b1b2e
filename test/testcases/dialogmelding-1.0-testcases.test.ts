import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import { generateReceiveMessage, templateMessageType } from '../../src/testcases/receive-message.js';
import type { ReceiveTestcase } from '../../src/testcases/testcase.js';
import { buildAppRec, shippedEngine, XML_PROFILES } from './helpers.js';

/**
 * The Dialogmelding 1.0 acceptance tests (dialogmeldingen and overføring av legemiddelopplysninger)
 * send broken messages too: not well-formed or not valid by the schema. The receiver must reject
 * them and say why; these test cases send a schema-invalid message generated per run.
 */
const engine = shippedEngine(XML_PROFILES);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): ReceiveTestcase => {
  const tc = testcases.find((t) => t.id === id);
  if (!tc || tc.kind !== 'receive') throw new Error(`no shipped receive test case ${id}`);
  return tc;
};
const bytes = (s: string) => Buffer.from(s, 'utf8');

/** Test case, the error code of a rejection that passes, and the test case's assertion naming the error. */
const REJECTIONS: [string, string, string][] = [
  ['dialogmelding-1.0-foresporsel-mottak-syntaksfeil', 'T02', 'TC-DM10-RCV-SCHEMA'],
  ['dialogmelding-1.0-foresporsel-mottak-uten-avsender', 'T01', 'TC-DM10-RCV-SENDER'],
  ['dialogmelding-1.0-foresporsel-mottak-uten-fodselsnummer', 'E30', 'TC-DM10-RCV-FNR'],
  ['epj-1.0-legemiddelopplysninger-mottak-syntaksfeil', 'T02', 'TC-EPJ10-RCV-SCHEMA'],
  ['epj-1.0-legemiddelopplysninger-mottak-uten-avsender', 'T02', 'TC-EPJ10-RCV-SENDER'],
  ['epj-1.0-legemiddelopplysninger-mottak-feil-i-fagmeldingen', 'T02', 'TC-EPJ10-RCV-CONTENT'],
];
const ERROR_TEXT: Record<string, string> = {
  T01: "Ikke XML / ikke 'well formed' / uleselig",
  T02: 'XML validerer ikke',
  E30: 'Pasientens fødselsnummer mangler',
};

describe.skipIf(!engine)('Dialogmelding 1.0 receive test cases for messages that break the schema', () => {
  it.each(REJECTIONS)('%s sends a schema-invalid message and passes only its rejection with %s', async (id, code, assertion) => {
    const tc = byId(id);
    const g = generateReceiveMessage(tc, { runId: 'run-11' });
    expect((await engine!.validate(Buffer.from(g.xml), { profile: tc.profile })).findings.map((f) => f.ruleId)).toContain('XSD');
    const ctx = { generated: { msgId: g.msgId, xml: g.xml } };
    const answer = (status: string, v?: string, version?: '1.1') =>
      bytes(buildAppRec({ status, errors: v ? [{ v, dn: ERROR_TEXT[v] ?? 'Annen feil' }] : [], originalMsgId: g.msgId, originalMsgType: templateMessageType(tc), version }));
    for (const version of [undefined, '1.1'] as const) {
      const rejected = await evaluateSubmission(tc, answer('2', code, version), engine!, ctx);
      expect(rejected.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(rejected.verdict).toBe('passed');
    }
    const accepted = await evaluateSubmission(tc, answer('1'), engine!, ctx);
    expect(accepted.verdict).toBe('failed');
    expect(accepted.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['RCV-STATUS', assertion]));
    const vague = await evaluateSubmission(tc, answer('2', 'X99'), engine!, ctx);
    expect(vague.verdict).toBe('failed');
    expect(vague.findings.map((f) => f.ruleId)).toEqual([assertion]);
  });

  it('covers the eight invalid Dialogmelding 1.0 acceptance-test scenarios', () => {
    const covered = REJECTIONS.flatMap(([id]) => byId(id).requirements ?? []);
    expect(covered.filter((r) => r.startsWith('sarepta:dialogmelding-1.0/'))).toHaveLength(8);
  });
});
