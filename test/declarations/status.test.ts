import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import type { DeclarationContent } from '../../src/declarations/declaration.js';
import { declarationStatus, WITHDRAWN_BY } from '../../src/declarations/status.js';
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

  it('expires when the content under a tested profile version changed, and names it', () => {
    const tested = d.conformsTo[0]!;
    const changed = (profile: string, version: string, sha256: string) =>
      profile === tested.profile && version === tested.version && sha256 !== 'f'.repeat(64);
    expect(declarationStatus(d, { now: later, others: [d], isRetired: notRetired, contentChanged: changed })).toEqual({
      status: 'expired',
      reason: `expired: the content of profile version ${tested.profile} ${tested.version} changed since it was tested`,
      cause: { kind: 'content-changed', profiles: [`${tested.profile} ${tested.version}`] },
    });
    expect(declarationStatus(d, { now: later, others: [d], isRetired: notRetired, contentChanged: () => false })).toEqual({
      status: 'active',
    });
  });

  it('expires when the content of a profile whose rules its tests also applied changed, and names that one', () => {
    const used = { profile: 'msghead-1.2', version: '1.2.1', profileSha256: 'e'.repeat(64) };
    const withUses = { ...d, conformsTo: d.conformsTo.map((p) => ({ ...p, uses: [used] })) };
    const changed = (profile: string, version: string, sha256: string) =>
      profile === used.profile && version === used.version && sha256 !== '0'.repeat(64);
    expect(declarationStatus(withUses, { now: later, others: [withUses], isRetired: notRetired, contentChanged: changed })).toEqual({
      status: 'expired',
      reason: 'expired: the content of profile version msghead-1.2 1.2.1 changed since it was tested',
      cause: { kind: 'content-changed', profiles: ['msghead-1.2 1.2.1'] },
    });
    // Without the used profile on record (declarations issued before runs recorded it), only its own content counts.
    expect(declarationStatus(d, { now: later, others: [d], isRetired: notRetired, contentChanged: changed })).toEqual({ status: 'active' });
  });

  it('follows the lifecycle of a profile whose rules its tests also applied: retired, it expires; a newer version asks for a re-test', () => {
    const used = { profile: 'msghead-1.2', version: '1.2.1', profileSha256: 'e'.repeat(64) };
    const withUses = { ...d, conformsTo: d.conformsTo.map((p) => ({ ...p, uses: [used] })) };
    const retired = (profile: string) => profile === used.profile;
    expect(declarationStatus(withUses, { now: later, others: [withUses], isRetired: retired })).toEqual({
      status: 'expired',
      reason: 'expired: profile version msghead-1.2 1.2.1 was retired',
      cause: { kind: 'retired', profiles: ['msghead-1.2 1.2.1'] },
    });
    const retestOf = (profile: string) =>
      profile === used.profile ? { version: '1.2.2', deadline: '2026-07-01T00:00:00.000Z' } : undefined;
    expect(declarationStatus(withUses, { now: later, others: [withUses], isRetired: notRetired, retestOf })).toEqual({
      status: 'active',
      retestRequired: [{ profile: 'msghead-1.2', version: '1.2.1', newVersion: '1.2.2', deadline: '2026-07-01T00:00:00.000Z' }],
    });
  });

  it('asks for a re-test against a newer version until its deadline, then expires', () => {
    const tested = d.conformsTo[0]!;
    const retestOf = (profile: string) =>
      profile === tested.profile ? { version: '9.0.0', deadline: '2026-07-01T00:00:00.000Z' } : undefined;
    expect(declarationStatus(d, { now: later, others: [d], isRetired: notRetired, retestOf })).toEqual({
      status: 'active',
      retestRequired: [{ profile: tested.profile, version: tested.version, newVersion: '9.0.0', deadline: '2026-07-01T00:00:00.000Z' }],
    });
    expect(declarationStatus(d, { now: new Date('2026-07-02T00:00:00Z'), others: [d], isRetired: notRetired, retestOf })).toMatchObject({
      status: 'expired',
      cause: { kind: 'retest-missed', deadline: '2026-07-01T00:00:00.000Z', profiles: [`${tested.profile} 9.0.0`] },
    });
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
    expect(declarationStatus(d, { now: new Date('2028-01-10T10:00:00Z'), others: [d], isRetired: notRetired })).toMatchObject({
      status: 'expired',
      reason: 'expired on 2028-01-10',
    });
  });

  it('names dates as they fall in Norway, as the HTML and PDF renderings do, not as they fall in UTC', () => {
    const lateEvening = declaration(new Date('2026-11-26T23:30:00Z'), 'd-late');
    expect(
      declarationStatus(lateEvening, { now: new Date('2029-01-01T00:00:00Z'), others: [lateEvening], isRetired: notRetired }),
    ).toMatchObject({ reason: 'expired on 2028-11-27' });
    const revoked = declarationStatus(d, {
      now: later,
      others: [d],
      isRetired: notRetired,
      revocation: { at: '2026-05-01T22:30:00.000Z', by: 'NHN', reason: 'x' },
    });
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

  it('is superseded by a newer declaration for the same system version covering its profiles', () => {
    const newer = declaration(later, 'd2');
    expect(declarationStatus(d, { now: later, others: [d, newer], isRetired: notRetired })).toEqual({
      status: 'superseded',
      reason: 'superseded by d2',
      cause: { kind: 'superseded', by: 'd2' },
      supersededBy: 'd2',
    });
    expect(declarationStatus(newer, { now: later, others: [d, newer], isRetired: notRetired }).status).toBe('active');
  });

  it('is never superseded by a declaration of another version, older or newer', () => {
    const v72 = declaration(issuedAt, 'v72', { product: { name: 'OmsorgsJournal', version: '7.2' } });
    const v71 = declaration(later, 'v71', { product: { name: 'OmsorgsJournal', version: '7.1' } });
    const v73 = declaration(later, 'v73', { product: { name: 'OmsorgsJournal', version: '7.3' } });
    expect(declarationStatus(v72, { now: later, others: [v72, v71, v73], isRetired: notRetired }).status).toBe('active');
  });

  it('is never superseded by a lower level: a newer B leaves a laboratory-confirmed C active', () => {
    const newer = declaration(later, 'd2');
    expect(
      declarationStatus(d, {
        now: later,
        level: 'C',
        others: [
          { content: d, level: 'C', inForce: true },
          { content: newer, level: 'B', inForce: true },
        ],
        isRetired: notRetired,
      }).status,
    ).toBe('active');
    expect(
      declarationStatus(d, { now: later, level: 'C', others: [{ content: newer, level: 'C', inForce: true }], isRetired: notRetired })
        .status,
    ).toBe('superseded');
  });

  it('is not superseded by a revoked, withdrawn or expired declaration', () => {
    const newer = declaration(later, 'd2');
    expect(
      declarationStatus(d, { now: later, others: [{ content: newer, level: 'B', inForce: false }], isRetired: notRetired }).status,
    ).toBe('active');
    const shortLived = { ...newer, expiresAt: '2026-06-01T00:00:00.000Z' };
    expect(declarationStatus(d, { now: later, others: [shortLived], isRetired: notRetired }).status).toBe('active');
  });

  it('says when the manufacturer withdrew it, apart from a revocation', () => {
    expect(
      declarationStatus(d, {
        now: later,
        others: [d],
        isRetired: notRetired,
        revocation: { at: '2026-05-01T08:00:00.000Z', by: WITHDRAWN_BY, reason: 'erstattes av nivå B' },
      }),
    ).toEqual({
      status: 'revoked',
      reason: 'withdrawn by the manufacturer on 2026-05-01: erstattes av nivå B',
      cause: { kind: 'withdrawn', at: '2026-05-01T08:00:00.000Z', reason: 'erstattes av nivå B' },
    });
  });

  it('is not superseded by another system, or by a newer declaration that covers only some of its profiles', () => {
    const otherSystem = declaration(later, 'd3', { product: { name: 'AnnenJournal', version: '1.0' } });
    const partial = declaration(later, 'd4', { testCases: passedRun().testCases.filter((t) => t.id === 'DM-SEND-01') });
    expect(declarationStatus(d, { now: later, others: [d, otherSystem, partial], isRetired: notRetired }).status).toBe('active');
  });

  it('is not superseded by a newer untested (level A) declaration, though a tested one supersedes an A', () => {
    const selfDeclared: DeclarationContent = { ...declaration(later, 'd5'), assuranceLevel: 'A' };
    expect(declarationStatus(d, { now: later, others: [d, selfDeclared], isRetired: notRetired }).status).toBe('active');
    const olderA: DeclarationContent = { ...d, id: 'd0', assuranceLevel: 'A' };
    const tested = declaration(later, 'd6');
    expect(declarationStatus(olderA, { now: later, others: [olderA, tested], isRetired: notRetired })).toMatchObject({
      status: 'superseded',
      supersededBy: 'd6',
    });
  });
});
