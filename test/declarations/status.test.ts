import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import type { DeclarationContent } from '../../src/declarations/declaration.js';
import { declarationStatus, supersedingDeclarations, supersessionInGroup } from '../../src/declarations/status.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { ISSUER, ISSUANCE, passedRun } from './fixtures.js';

const issuedAt = new Date('2026-01-10T10:00:00Z');
const later = new Date('2026-06-10T10:00:00Z');
const notRetired = () => false;

function declaration(at: Date, id: string, overrides: Parameters<typeof passedRun>[0] = {}): DeclarationContent {
  return buildDeclaration(passedRun(overrides), { issuer: ISSUER, issuance: ISSUANCE, kid: 'k', now: at, id });
}

describe('declaration status', () => {
  const d = declaration(issuedAt, 'd1');

  it('is active when nothing has happened to it', () => {
    expect(declarationStatus(d, { now: later, others: [d], isRetired: notRetired })).toEqual({ status: 'active' });
  });

  it('is revoked with the reason and who revoked it, before anything else', () => {
    const answer = declarationStatus(d, {
      now: new Date('2030-01-01T00:00:00Z'),
      others: [d],
      isRetired: () => true,
      revocation: { at: '2026-05-01T08:00:00.000Z', by: 'NHN forvaltning', reason: 'stikkprøve feilet' },
    });
    expect(answer).toEqual({
      status: 'revoked',
      reason: 'revoked on 2026-05-01 by NHN forvaltning: stikkprøve feilet',
      cause: { kind: 'revoked', at: '2026-05-01T08:00:00.000Z', by: 'NHN forvaltning', reason: 'stikkprøve feilet' },
    });
  });

  it('is expired after its expiry date', () => {
    expect(declarationStatus(d, { now: new Date('2028-01-10T10:00:00Z'), others: [d], isRetired: notRetired })).toMatchObject({ status: 'expired', reason: 'expired on 2028-01-10' });
  });

  it('names dates as they fall in Norway, as the HTML and PDF renderings do, not as they fall in UTC', () => {
    const lateEvening = declaration(new Date('2026-11-26T23:30:00Z'), 'd-late');
    expect(declarationStatus(lateEvening, { now: new Date('2029-01-01T00:00:00Z'), others: [lateEvening], isRetired: notRetired })).toMatchObject({ reason: 'expired on 2028-11-27' });
    const revoked = declarationStatus(d, { now: later, others: [d], isRetired: notRetired, revocation: { at: '2026-05-01T22:30:00.000Z', by: 'NHN', reason: 'x' } });
    expect(revoked.reason).toBe('revoked on 2026-05-02 by NHN: x');
  });

  it('is expired when a profile version it lists is retired', () => {
    const isRetired = (p: string, v: string) => p === 'dialogmelding-1.1' && v === '1.1.0';
    expect(declarationStatus(d, { now: later, others: [d], isRetired })).toMatchObject({
      status: 'expired',
      reason: expect.stringMatching(/dialogmelding-1\.1 1\.1\.0 was retired/),
      cause: { kind: 'retired', profiles: ['dialogmelding-1.1 1.1.0'] },
    });
  });

  it('is superseded by a newer declaration for the same system covering its profiles', () => {
    const newer = declaration(later, 'd2', { product: { name: 'OmsorgsJournal', version: '5.3.0' } });
    expect(declarationStatus(d, { now: later, others: [d, newer], isRetired: notRetired })).toEqual({ status: 'superseded', reason: 'superseded by d2', cause: { kind: 'superseded', by: 'd2' }, supersededBy: 'd2' });
    expect(declarationStatus(newer, { now: later, others: [d, newer], isRetired: notRetired }).status).toBe('active');
  });

  it('is not superseded by another system, or by a newer declaration that covers only some of its profiles', () => {
    const otherSystem = declaration(later, 'd3', { product: { name: 'AnnenJournal', version: '1.0' } });
    const partial = declaration(later, 'd4', { testCases: passedRun().testCases.filter((t) => t.id === 'DM-SEND-01') });
    expect(declarationStatus(d, { now: later, others: [d, otherSystem, partial], isRetired: notRetired }).status).toBe('active');
  });

  it('is not superseded by a newer untested (level A) declaration, though a tested one supersedes an A', () => {
    const selfDeclared: DeclarationContent = { ...declaration(later, 'd5', { product: { name: 'OmsorgsJournal', version: '5.3.0' } }), assuranceLevel: 'A' };
    expect(declarationStatus(d, { now: later, others: [d, selfDeclared], isRetired: notRetired }).status).toBe('active');
    const olderA: DeclarationContent = { ...d, id: 'd0', assuranceLevel: 'A' };
    const tested = declaration(later, 'd6');
    expect(declarationStatus(olderA, { now: later, others: [olderA, tested], isRetired: notRetired })).toMatchObject({ status: 'superseded', supersededBy: 'd6' });
  });
});

describe('supersession over one system\'s declarations', () => {
  const tests = passedRun().testCases;
  /** n declarations of one system, a day apart, of mixed levels, each listing some of the profiles. */
  const group = (n: number): DeclarationContent[] =>
    Array.from({ length: n }, (_, i) => {
      const d = declaration(new Date(issuedAt.getTime() + Math.floor(i / 2) * 86_400_000), `g${i}`, { testCases: tests.filter((_, k) => (i + k) % 3 !== 0) });
      return i % 5 === 0 ? { ...d, assuranceLevel: 'A' as const } : d;
    });

  it('finds, in one pass, what supersedes each declaration as the per-declaration rule does (same instants included)', () => {
    const g = group(60);
    const fast = supersessionInGroup(g);
    for (const d of g) expect([d.id, fast.get(d.id)]).toEqual([d.id, supersedingDeclarations(d, g)[0]?.id ?? null]);
  });

  it('costs time linear in the number of declarations (n vs 8n), not its square', async () => {
    const groups = new Map([250, 2000].map((n) => [n, group(n)]));
    expect(await growthRatio((n) => supersessionInGroup(groups.get(n)!), 250)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
