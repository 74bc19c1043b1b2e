import { describe, expect, it } from 'vitest';
import { spotCheckOutcome, validateSpotCheckRequest, type SpotCheck } from '../../src/declarations/spot-checks.js';

const base: SpotCheck = {
  id: 'sc1',
  declarationId: 'd1',
  testCases: ['DM-SEND-01', 'DM-RECV-01'],
  requestedBy: 'admin',
  requestedAt: '2026-03-01T00:00:00.000Z',
  deadline: '2026-03-15T00:00:00.000Z',
};

describe('spot checks (stikkprøver)', () => {
  it('stays open until the deadline, then is missed', () => {
    expect(spotCheckOutcome(base, new Date('2026-03-10T00:00:00Z'))).toEqual({ state: 'open' });
    expect(spotCheckOutcome(base, new Date('2026-03-15T00:00:00Z'))).toMatchObject({ state: 'missed' });
  });

  it('passes when every chosen test case passed in time', () => {
    const sc = { ...base, answer: { runId: 'r2', at: '2026-03-12T00:00:00.000Z', passedTestCases: ['DM-RECV-01', 'DM-SEND-01', 'X'] } };
    expect(spotCheckOutcome(sc, new Date('2026-04-01T00:00:00Z'))).toEqual({ state: 'passed' });
  });

  it('fails when a chosen test case did not pass, and is missed when answered late', () => {
    const failed = { ...base, answer: { runId: 'r2', at: '2026-03-12T00:00:00.000Z', passedTestCases: ['DM-SEND-01'] } };
    expect(spotCheckOutcome(failed, new Date('2026-03-13T00:00:00Z'))).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/DM-RECV-01 did not pass in run r2/),
    });
    const late = { ...base, answer: { runId: 'r2', at: '2026-03-16T00:00:00.000Z', passedTestCases: base.testCases } };
    expect(spotCheckOutcome(late, new Date('2026-03-17T00:00:00Z'))).toMatchObject({ state: 'missed' });
  });

  it('gives why it failed or was missed as data, next to the English reason the API records', () => {
    const answered = (at: string, passedTestCases: string[]) => ({ ...base, answer: { runId: 'r2', at, passedTestCases } });
    expect(spotCheckOutcome(base, new Date('2026-03-16T00:00:00Z'))).toEqual({
      state: 'missed',
      reason: 'spot check sc1 was not answered by its deadline 2026-03-15T00:00:00.000Z',
      cause: { kind: 'unanswered', id: 'sc1', deadline: base.deadline },
    });
    expect(spotCheckOutcome(answered('2026-03-16T00:00:00.000Z', base.testCases), new Date('2026-03-17T00:00:00Z'))).toMatchObject({
      state: 'missed',
      cause: { kind: 'late', id: 'sc1', deadline: base.deadline },
    });
    expect(spotCheckOutcome(answered('2026-03-12T00:00:00.000Z', ['DM-SEND-01']), new Date('2026-03-13T00:00:00Z'))).toEqual({
      state: 'failed',
      reason: 'spot check sc1: test case DM-RECV-01 did not pass in run r2',
      cause: { kind: 'failed', id: 'sc1', testCases: ['DM-RECV-01'], runId: 'r2' },
    });
  });

  it("accepts only the declaration's own test cases and a future deadline", () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(validateSpotCheckRequest({ testCases: ['A', 'A'], deadline: '2026-04-01T00:00:00Z' }, ['A', 'B'], now)).toEqual({
      testCases: ['A'],
      deadline: '2026-04-01T00:00:00.000Z',
    });
    expect(() => validateSpotCheckRequest({ testCases: ['C'], deadline: '2026-04-01' }, ['A'], now)).toThrow(/no test case C/);
    expect(() => validateSpotCheckRequest({ testCases: [], deadline: '2026-04-01' }, ['A'], now)).toThrow(/non-empty/);
    expect(() => validateSpotCheckRequest({ testCases: ['A'], deadline: 'snart' }, ['A'], now)).toThrow(/ISO 8601/);
    expect(() => validateSpotCheckRequest({ testCases: ['A'], deadline: '2026-02-01T00:00:00Z' }, ['A'], now)).toThrow(/future/);
  });
});
