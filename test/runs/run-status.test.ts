import { describe, expect, it } from 'vitest';
import type { Waiver } from '../../src/waivers/waivers.js';
import { profileStatus, runState, type WaiverContext } from '../../src/runs/run-status.js';
import type { SubmissionSummary } from '../../src/storage/submission-repository.js';
import type { Testcase } from '../../src/testcases/testcase.js';

const tc = (id: string, over: Partial<Testcase> = {}): Testcase =>
  ({ id, profile: 'p', kind: 'submit', title: id, description: 'd'.repeat(20), expect: {}, ...over }) as Testcase;
const rp = { profileId: 'p', profileVersion: '1', profileSha256: 'abc', uses: [] };
let n = 0;
const sub = (testcaseId: string, verdict: 'passed' | 'failed'): SubmissionSummary => ({
  id: `s${++n}`,
  runId: 'r',
  testcaseId,
  profileId: 'p',
  verdict,
  artifactSha256: 'a',
  findingsSha256: 'f',
  artifactSize: 1,
  contentType: 'application/xml',
  createdAt: new Date(n).toISOString(),
});

describe("a profile's status in a run", () => {
  it('is not started while nothing was submitted', () => {
    expect(profileStatus(rp, [tc('a'), tc('b')], []).status).toBe('not_started');
  });
  it('is failing while a test case is missing or its latest submission failed', () => {
    expect(profileStatus(rp, [tc('a'), tc('b')], [sub('a', 'passed')]).status).toBe('failing');
    expect(profileStatus(rp, [tc('a')], [sub('a', 'passed'), sub('a', 'failed')]).status).toBe('failing');
  });
  it('has passed when the latest submission of every test case passed', () => {
    const s = profileStatus(rp, [tc('a'), tc('b')], [sub('a', 'failed'), sub('b', 'passed'), sub('a', 'passed')]);
    expect(s.status).toBe('passed');
    expect(s.testcases.map((r) => [r.id, r.verdict, r.submissions])).toEqual([
      ['a', 'passed', 2],
      ['b', 'passed', 1],
    ]);
  });
  it('can never pass without test cases', () => {
    expect(profileStatus(rp, [], [sub('a', 'passed')]).status).not.toBe('passed');
  });
  it('is not held back by an optional test case that was not run or failed, which counts once it passes', () => {
    const cases = [tc('a'), tc('opt', { optional: true })];
    expect(profileStatus(rp, cases, [sub('a', 'passed')]).status).toBe('passed');
    expect(profileStatus(rp, cases, [sub('a', 'passed'), sub('opt', 'failed')]).status).toBe('passed');
    expect(profileStatus(rp, cases, [sub('a', 'failed'), sub('opt', 'passed')]).status).toBe('failing');
    expect(profileStatus(rp, cases, [sub('a', 'passed')]).testcases.map((r) => [r.id, r.optional])).toEqual([
      ['a', false],
      ['opt', true],
    ]);
    // Only optional test cases: one of them must have passed.
    expect(profileStatus(rp, [tc('opt', { optional: true })], [sub('opt', 'failed')]).status).toBe('failing');
  });
});

describe("waived findings in a run's status", () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const waiver = (ruleId: string, deadline: string, profile?: string): Waiver => ({
    id: `w-${ruleId}`,
    runId: 'r',
    ruleId,
    ...(profile ? { profile } : {}),
    justification: 'Rettes i 5.3',
    deadline,
    grantedBy: 'admin',
    grantedAt: '2026-11-01T00:00:00.000Z',
  });
  const context = (waivers: Waiver[], rules: Record<string, string[]>): WaiverContext => ({
    waivers,
    now,
    errorRuleIds: (id) => rules[id],
  });

  it('do not block the profile: a test case failing only on waived rules counts as passed with deviation, with the rules and deadlines', () => {
    const failed = sub('a', 'failed');
    const s = profileStatus(
      rp,
      [tc('a'), tc('b')],
      [failed, sub('b', 'passed')],
      context([waiver('MH-0042', '2027-03-01T00:00:00.000Z')], { [failed.id]: ['MH-0042'] }),
    );
    expect(s.status).toBe('passed_with_deviation');
    expect(s.testcases[0]).toMatchObject({
      id: 'a',
      verdict: 'failed',
      outcome: 'passed_with_deviation',
      waived: [{ ruleId: 'MH-0042', waiverId: 'w-MH-0042', deadline: '2027-03-01T00:00:00.000Z', justification: 'Rettes i 5.3' }],
    });
    expect(s.testcases[1]).toMatchObject({ outcome: 'passed' });
    expect(runState([s])).toBe('passed_with_deviation');
  });

  it('still block on a rule no waiver covers, a waiver for another profile, or a lapsed waiver, naming the rule', () => {
    const failed = sub('a', 'failed');
    const uncovered = profileStatus(
      rp,
      [tc('a')],
      [failed],
      context([waiver('MH-0042', '2027-03-01T00:00:00.000Z')], { [failed.id]: ['MH-0042', 'MH-0043'] }),
    );
    expect(uncovered.status).toBe('failing');
    expect(uncovered.testcases[0]).toMatchObject({ outcome: 'failed', reason: 'failed on MH-0043' });
    const elsewhere = profileStatus(
      rp,
      [tc('a')],
      [failed],
      context([waiver('MH-0042', '2027-03-01T00:00:00.000Z', 'other')], { [failed.id]: ['MH-0042'] }),
    );
    expect(elsewhere.status).toBe('failing');
    const lapsed = profileStatus(
      rp,
      [tc('a')],
      [failed],
      context([waiver('MH-0042', '2026-11-01T00:00:00.000Z')], { [failed.id]: ['MH-0042'] }),
    );
    expect(lapsed.testcases[0]).toMatchObject({
      outcome: 'failed',
      reason: 'failed on MH-0042 (the waiver for MH-0042 passed its deadline 2026-11-01)',
    });
  });

  it('judge only the latest submission, and a failure no error finding explains is never waived', () => {
    const older = sub('a', 'failed');
    const newer = sub('a', 'failed');
    const s = profileStatus(
      rp,
      [tc('a')],
      [older, newer],
      context([waiver('MH-0042', '2027-03-01T00:00:00.000Z')], { [older.id]: ['MH-0042'], [newer.id]: [] }),
    );
    expect(s.status).toBe('failing');
  });

  it('leave a run with any failing profile failing, and one whose profiles all passed outright passed', () => {
    const passed = profileStatus(rp, [tc('a')], [sub('a', 'passed')]);
    const failing = profileStatus(rp, [tc('a')], [sub('a', 'failed')]);
    expect(runState([passed])).toBe('passed');
    expect(runState([passed, failing])).toBe('failing');
  });
});
