import { describe, expect, it } from 'vitest';
import { profileStatus } from '../../src/runs/run-status.js';
import type { SubmissionSummary } from '../../src/storage/repository.js';
import type { Testcase } from '../../src/testcases/testcase.js';

const tc = (id: string): Testcase => ({ id, profile: 'p', kind: 'submit', direction: 'send', title: id, description: 'd'.repeat(20), expect: {} });
const rp = { profileId: 'p', profileVersion: '1', profileSha256: 'abc' };
let n = 0;
const sub = (testcaseId: string, verdict: 'passed' | 'failed'): SubmissionSummary => ({
  id: `s${++n}`, runId: 'r', testcaseId, profileId: 'p', verdict, artifactSha256: 'a', findingsSha256: 'f', artifactSize: 1, contentType: 'application/xml', createdAt: new Date(n).toISOString(),
});

describe('a profile\'s status in a run', () => {
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
    expect(s.testcases.map((r) => [r.id, r.verdict, r.submissions])).toEqual([['a', 'passed', 2], ['b', 'passed', 1]]);
  });
  it('can never pass without test cases', () => {
    expect(profileStatus(rp, [], [sub('a', 'passed')]).status).not.toBe('passed');
  });
});
