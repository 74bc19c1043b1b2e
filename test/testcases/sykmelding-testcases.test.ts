import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { shippedEngine } from './helpers.js';

/**
 * The sykmelding test cases (a GP system sends a sykmelding to NAV): each passes with a message a
 * system doing the task would send, and fails, naming its assertion, with one that misses the point.
 */
const engine = shippedEngine(['msghead-1.2', 'sykmelding-2013']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => testcases.find((t) => t.id === id) ?? (() => { throw new Error(`no test case ${id}`); })();
const example = (file: string) => readFileSync(path.resolve(import.meta.dirname, '../../profiles/sykmelding-2013/examples/valid', file), 'utf8');

const hundred = example('sykmelding-100-prosent.xml');
const gradert = example('gradert-etter-helg-med-vedlegg-iso-8859-1.xml');
const avventende = example('avventende-tilbakedatert-med-begrunnelse.xml');
const annenGrunn = hundred.replace(/<HovedDiagnose>[\s\S]*?<\/HovedDiagnose>/, '<AnnenFraversArsak><Arsakskode V="2" DN="Under behandling"/><Beskriv>Strålebehandling.</Beskriv></AnnenFraversArsak>');
const withoutHpr = (xml: string) => xml.replace(/<Id>\s*<fk1:Id>9144889<\/fk1:Id>[\s\S]*?<\/Id>/, '');

const table: Record<string, { good: string; goodEncoding?: BufferEncoding; bad: string; fails: string[] }> = {
  'sykmelding-2013-send': { good: hundred, bad: withoutHpr(hundred.replace('V="1" DN="Én arbeidsgiver"', 'V="3" DN="Ingen arbeidsgiver"')), fails: ['TC-SM-ARBEIDSGIVER', 'TC-SM-BEHANDLER'] },
  'sykmelding-2013-gradert': { good: gradert, goodEncoding: 'latin1', bad: hundred, fails: ['TC-SM-TO-PERIODER'] },
  'sykmelding-2013-avventende': { good: avventende, bad: hundred, fails: ['TC-SM-AVVENTENDE'] },
  'sykmelding-2013-tilbakedatert': { good: avventende, bad: hundred, fails: ['TC-SM-TILBAKEDATERT', 'TC-SM-BEGRUNNELSE'] },
  'sykmelding-2013-annen-fravaersgrunn': { good: annenGrunn, bad: hundred, fails: ['TC-SM-ANNEN-GRUNN'] },
  'sykmelding-2013-vedlegg': { good: gradert, goodEncoding: 'latin1', bad: hundred, fails: ['TC-SM-VEDLEGG'] },
};

describe.skipIf(!engine)('sykmelding submit test cases', () => {
  it('cover every shipped sykmelding test case, and there are at least three', () => {
    const ids = testcases.filter((t) => t.profile === 'sykmelding-2013').map((t) => t.id).sort();
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(table).sort()).toEqual(ids);
  });

  it.each(Object.entries(table))('%s passes with a message that does the task', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.good, c.goodEncoding ?? 'utf8'), engine!);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
    expect(result.validation.profile).toBe('sykmelding-2013');
  });

  it.each(Object.entries(table))('%s fails, naming the assertion, with one that does not', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.bad, 'utf8'), engine!);
    expect(result.verdict).toBe('failed');
    expect(result.findings.filter((f) => f.layer === 'testcase' && f.severity === 'error').map((f) => f.ruleId).sort()).toEqual([...c.fails].sort());
  });
});
