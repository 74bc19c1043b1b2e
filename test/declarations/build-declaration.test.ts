import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import type { Waiver } from '../../src/waivers/waivers.js';
import { ISSUER, ISSUANCE, ORGNR, passedRun } from './fixtures.js';

const now = new Date('2026-11-26T12:00:00Z');
const opts = { issuer: ISSUER, issuance: ISSUANCE, kid: 'k1', now };

function waiver(ruleId: string, deadline: string, profile?: string): Waiver {
  return {
    id: 'w1',
    runId: 'run-1',
    ruleId,
    profile,
    justification: 'Retting avtalt i versjon 5.3',
    deadline,
    grantedBy: 'admin',
    grantedAt: now.toISOString(),
  };
}

describe('building a declaration from a run', () => {
  it('covers the passed profiles only, once per direction tested, with the fields EHDS asks for', () => {
    const d = buildDeclaration(passedRun(), opts);
    expect(d.conformsTo.map((p) => `${p.profile}/${p.direction}`)).toEqual(['dialogmelding-1.1/receive', 'dialogmelding-1.1/send']);
    expect(d.testCases.map((t) => t.id)).toEqual(['DM-RECV-01', 'DM-SEND-01']);
    expect(d).toMatchObject({
      type: 'samsvar-egenerklaering/1',
      manufacturer: { name: 'Omsorg & Journal AS', organisasjonsnummer: ORGNR },
      product: { name: 'OmsorgsJournal', version: '5.2.0' },
      assuranceLevel: 'B',
      validator: { name: 'samsvar', version: '0.1.0' },
      runId: 'run-1',
      issuedAt: '2026-11-26T12:00:00.000Z',
      expiresAt: '2028-11-26T12:00:00.000Z',
      kid: 'k1',
      deviations: [],
    });
    expect(d.conformsTo[0].profileSha256).toBe('a'.repeat(64));
    expect(d.testCases[0].evidence[0]).toEqual({ name: 'apprec.xml', sha256: '3'.repeat(64), findingsSha256: '4'.repeat(64) });
    expect(d.statement).toMatch(/eget ansvar/);
  });

  it('is refused with a reason per profile when no profile passed', () => {
    const run = passedRun({ testCases: passedRun().testCases.map((t) => ({ ...t, errorRuleIds: ['MH-0001'] })) });
    expect(() => buildDeclaration(run, opts)).toThrow(
      expect.objectContaining({
        code: 'unprocessable',
        detail: expect.stringMatching(
          /no passed profile.*dialogmelding-1\.1: test case DM-RECV-01 failed on MH-0001, DM-SEND-01 failed on MH-0001/,
        ),
      }),
    );
  });

  it('does not declare what a run tested when the content it tested is no longer served, and says so rather than "retired"', () => {
    const run = passedRun();
    run.profiles[0].status = 'changed';
    expect(() => buildDeclaration(run, opts)).toThrow(
      /dialogmelding-1\.1: the content of 1\.1\.0 or of a profile it uses changed since the run opened; open a new run/,
    );
  });

  it('does not declare a retired profile version or a profile without test cases', () => {
    const run = passedRun();
    run.profiles[0].status = 'retired';
    expect(() => buildDeclaration(run, opts)).toThrow(/dialogmelding-1\.1: the profile version 1\.1\.0 is retired/);
    const noCases = passedRun({ testCases: [] });
    expect(() => buildDeclaration(noCases, opts)).toThrow(/no test case was run/);
  });

  it('does not declare a profile an administrator moved back to draft after the run opened, as level A does not', () => {
    const run = passedRun();
    const drafted = run.profiles.find((p) => p.profile === 'dialogmelding-1.1')!;
    drafted.status = 'draft';
    const d = buildDeclaration({ ...run, profiles: run.profiles }, { ...opts, waivers: [waiver('AR-0007', '2027-03-01T00:00:00.000Z')] });
    expect(d.conformsTo.map((p) => p.profile)).not.toContain('dialogmelding-1.1');
    expect(() => buildDeclaration({ ...run, profiles: [drafted] }, opts)).toThrow(
      /dialogmelding-1\.1: the profile version 1\.1\.0 is draft; only active profiles can be declared/,
    );
  });

  it('lists waived findings as deviations and expires at the earliest deadline', () => {
    const d = buildDeclaration(passedRun(), { ...opts, waivers: [waiver('AR-0007', '2027-03-01T00:00:00.000Z', 'apprec-1.0')] });
    expect(d.conformsTo.map((p) => p.profile)).toContain('apprec-1.0');
    expect(d.deviations).toEqual([
      { profile: 'apprec-1.0', ruleId: 'AR-0007', justification: 'Retting avtalt i versjon 5.3', deadline: '2027-03-01T00:00:00.000Z' },
    ]);
    expect(d.expiresAt).toBe('2027-03-01T00:00:00.000Z');
    // The test case that passed only by the waiver says so; the others passed outright.
    expect(d.testCases.map((t) => [t.id, t.waived])).toEqual([
      ['AR-SEND-01', ['AR-0007']],
      ['DM-RECV-01', undefined],
      ['DM-SEND-01', undefined],
    ]);
  });

  it('is valid 24 months to the day: one issued on 29 February expires on 28 February, not on 1 March', () => {
    expect(buildDeclaration(passedRun(), { ...opts, now: new Date('2028-02-29T12:00:00Z') }).expiresAt).toBe('2030-02-28T12:00:00.000Z');
  });

  it('does not let a waiver for one profile pass another', () => {
    const d = buildDeclaration(passedRun(), { ...opts, waivers: [waiver('AR-0007', '2027-03-01T00:00:00.000Z', 'dialogmelding-1.1')] });
    expect(d.conformsTo.map((p) => p.profile)).not.toContain('apprec-1.0');
    expect(d.deviations).toEqual([]);
  });

  it('does not count a waiver past its deadline: the finding blocks again, and the refusal says why', () => {
    const d = buildDeclaration(passedRun(), { ...opts, waivers: [waiver('AR-0007', '2026-01-01T00:00:00.000Z')] });
    expect(d.conformsTo.map((p) => p.profile)).not.toContain('apprec-1.0');
    const onlyApprec = passedRun({ testCases: passedRun().testCases.filter((t) => t.profile === 'apprec-1.0') });
    expect(() => buildDeclaration(onlyApprec, { ...opts, waivers: [waiver('AR-0007', '2026-01-01T00:00:00.000Z')] })).toThrow(
      /apprec-1\.0: test case AR-SEND-01 failed on AR-0007 \(the waiver for AR-0007 passed its deadline 2026-01-01\)/,
    );
  });

  it('names the place of issue and who signs for the manufacturer, as EHDS Annex IV asks', () => {
    const d = buildDeclaration(passedRun(), {
      ...opts,
      issuance: { placeOfIssue: '  Tromsø ', signatory: { name: 'Kari   Nordmann', function: 'daglig leder' } },
    });
    expect(d).toMatchObject({ placeOfIssue: 'Tromsø', signatory: { name: 'Kari Nordmann', function: 'daglig leder' } });
  });

  it('refuses to issue without a place of issue or a signatory', () => {
    expect(() => buildDeclaration(passedRun(), { ...opts, issuance: { placeOfIssue: ' ', signatory: ISSUANCE.signatory } })).toThrow(
      expect.objectContaining({ code: 'unprocessable', detail: expect.stringMatching(/placeOfIssue must be given/) }),
    );
    expect(() =>
      buildDeclaration(passedRun(), { ...opts, issuance: { placeOfIssue: 'Oslo', signatory: { name: 'Kari Nordmann', function: '' } } }),
    ).toThrow(/signatory\.function must be given/);
    expect(() =>
      buildDeclaration(passedRun(), { ...opts, issuance: { placeOfIssue: 'Oslo\u0007', signatory: ISSUANCE.signatory } }),
    ).toThrow(/control characters/);
  });

  it('refuses an invalid organisasjonsnummer', () => {
    const run = passedRun({ manufacturer: { name: 'X', organisasjonsnummer: '974760674' } });
    expect(() => buildDeclaration(run, opts)).toThrow(expect.objectContaining({ code: 'unprocessable' }));
  });
});

describe('a test case that cannot be waived', () => {
  it('blocks its profile whatever the waivers say', () => {
    const run = passedRun();
    run.testCases[0] = { ...run.testCases[0], blocked: 'was not submitted', evidence: [] };
    const d = buildDeclaration(run, { ...opts, waivers: [waiver('AR-0007', '2027-03-01T00:00:00.000Z')] });
    expect(d.conformsTo.map((p) => p.profile)).toEqual(['apprec-1.0']);
  });
});
