import { describe, expect, it } from 'vitest';
import { failureReason, judgeTestcase, type Waiver } from '../../src/waivers/waivers.js';

const now = new Date('2026-11-26T12:00:00Z');
const waiver = (ruleId: string, deadline: string, extra: Partial<Waiver> = {}): Waiver => ({
  id: `w-${ruleId}-${deadline.slice(0, 10)}`,
  runId: 'run-1',
  ruleId,
  justification: 'Rettes i neste versjon',
  deadline,
  grantedBy: 'admin',
  grantedAt: '2026-11-01T00:00:00.000Z',
  ...extra,
});

describe("whether a test case's errors block its profile", () => {
  it('passes a test case without errors, whatever the waivers', () => {
    expect(judgeTestcase('p', [], [waiver('R1', '2027-01-01T00:00:00.000Z')], now)).toEqual({ outcome: 'passed' });
  });

  it('passes with deviation when an active waiver covers every error rule, naming each rule and deadline', () => {
    const j = judgeTestcase(
      'p',
      ['R1', 'R2', 'R1'],
      [waiver('R1', '2027-01-01T00:00:00.000Z'), waiver('R2', '2027-02-01T00:00:00.000Z', { profile: 'p' })],
      now,
    );
    expect(j).toEqual({
      outcome: 'passed_with_deviation',
      waived: [
        { ruleId: 'R1', waiverId: 'w-R1-2027-01-01', justification: 'Rettes i neste versjon', deadline: '2027-01-01T00:00:00.000Z' },
        { ruleId: 'R2', waiverId: 'w-R2-2027-02-01', justification: 'Rettes i neste versjon', deadline: '2027-02-01T00:00:00.000Z' },
      ],
    });
  });

  it('fails on a rule no waiver names, and on a waiver for another profile', () => {
    const j = judgeTestcase(
      'p',
      ['R1', 'R2'],
      [waiver('R1', '2027-01-01T00:00:00.000Z'), waiver('R2', '2027-01-01T00:00:00.000Z', { profile: 'other' })],
      now,
    );
    expect(j).toEqual({ outcome: 'failed', blocking: ['R2'], lapsed: [] });
    expect(failureReason(j as Extract<typeof j, { outcome: 'failed' }>)).toBe('failed on R2');
  });

  it("fails once the waiver's deadline has passed, saying so", () => {
    const j = judgeTestcase('p', ['R1'], [waiver('R1', '2026-11-26T12:00:00.000Z')], now);
    expect(j).toMatchObject({ outcome: 'failed', blocking: ['R1'], lapsed: [{ ruleId: 'R1', deadline: '2026-11-26T12:00:00.000Z' }] });
    expect(failureReason(j as Extract<typeof j, { outcome: 'failed' }>)).toBe(
      'failed on R1 (the waiver for R1 passed its deadline 2026-11-26)',
    );
  });

  it('uses the latest deadline when a rule was waived twice, one of them lapsed', () => {
    const j = judgeTestcase('p', ['R1'], [waiver('R1', '2026-01-01T00:00:00.000Z'), waiver('R1', '2027-06-01T00:00:00.000Z')], now);
    expect(j).toMatchObject({ outcome: 'passed_with_deviation', waived: [{ deadline: '2027-06-01T00:00:00.000Z' }] });
  });

  it('never waives what binds the evidence to the system and the run: the artifact would not show what the system did', () => {
    for (const rule of [
      'EVIDENCE-SHIPPED',
      'EVIDENCE-REPLAYED',
      'EVIDENCE-MSGID-SEEN',
      'RUN-PATIENT',
      'RUN-SENDER',
      'RCV-APPREC-SENDER',
      'RCV-ORIGINAL-MSGID',
    ]) {
      expect(judgeTestcase('p', [rule], [waiver(rule, '2027-01-01T00:00:00.000Z')], now)).toEqual({
        outcome: 'failed',
        blocking: [rule],
        lapsed: [],
      });
    }
  });

  it('never passes a failed verdict that no error finding explains', () => {
    expect(judgeTestcase('p', [], [waiver('R1', '2027-01-01T00:00:00.000Z')], now, true)).toEqual({
      outcome: 'failed',
      blocking: [],
      lapsed: [],
    });
  });
});
