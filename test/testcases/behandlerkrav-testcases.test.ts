import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSubmission } from '../../src/testcases/evaluate-submission.js';
import { loadTestcases } from '../../src/testcases/load-testcases.js';
import type { Testcase } from '../../src/testcases/testcase.js';
import { shippedEngine } from './helpers.js';

/** The Helfo claim test cases pass with a claim that does the task and fail, naming the assertion, with one that does not. */
const engine = shippedEngine(['msghead-1.2', 'behandlerkrav-2006', 'npr-behandlerkrav-0.78']);
const testcases = engine ? loadTestcases(undefined, engine.catalog) : [];
const byId = (id: string): Testcase => testcases.find((t) => t.id === id) ?? (() => { throw new Error(`no test case ${id}`); })();
const example = (profile: string, file: string) => readFileSync(path.resolve(import.meta.dirname, '../../profiles', profile, 'examples/valid', file), 'utf8');

const bkm = example('behandlerkrav-2006', 'to-regninger.xml');
const credit = example('behandlerkrav-2006', 'kreditering.xml');
const npr = example('npr-behandlerkrav-0.78', 'poliklinisk-krav.xml');
const table: Record<string, { good: string; bad: string; fails: string[] }> = {
  'behandlerkrav-2006-send': { good: bkm, bad: credit.replace(' navnEPJ="Testjournal"', ''), fails: ['TC-BKM-REGNINGER', 'TC-BKM-EPJ'] },
  'behandlerkrav-2006-diagnose-takst': { good: bkm, bad: bkm.replace(/<Diagnose [^>]*\/>/g, ''), fails: ['TC-BKM-DIAGNOSE'] },
  'behandlerkrav-2006-kreditering': { good: credit, bad: bkm, fails: ['TC-BKM-KREDITERING'] },
  'npr-behandlerkrav-0.78-send': { good: npr, bad: npr.replace(' versjonEPJ="1.0"', ''), fails: ['TC-NPRB-EPJ'] },
  'npr-behandlerkrav-0.78-henvisning': { good: npr, bad: npr.replace(/ henvisningsperiodeID="H1" debitor/, ' debitor'), fails: ['TC-NPRB-HENVISNING'] },
  'npr-behandlerkrav-0.78-prosedyre': { good: npr, bad: npr.replace(/<Tjeneste>[\s\S]*<\/Tjeneste>/, ''), fails: ['TC-NPRB-TILSTAND'] },
};

describe.skipIf(!engine)('Helfo claim test cases', () => {
  it('cover every shipped behandlerkrav test case', () => {
    const ids = testcases.filter((t) => t.profile.includes('behandlerkrav')).map((t) => t.id).sort();
    expect(Object.keys(table).sort()).toEqual(ids);
  });

  it.each(Object.entries(table))('%s passes with a claim that does the task', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.good), engine!);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.verdict).toBe('passed');
  });

  it.each(Object.entries(table))('%s fails, naming the assertion, with one that does not', async (id, c) => {
    const result = await evaluateSubmission(byId(id), Buffer.from(c.bad), engine!);
    expect(result.verdict).toBe('failed');
    expect([...new Set(result.findings.filter((f) => f.layer === 'testcase' && f.severity === 'error').map((f) => f.ruleId))].sort()).toEqual([...c.fails].sort());
  });
});
