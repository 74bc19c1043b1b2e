import { describe, expect, it } from 'vitest';
import { buildSelfDeclaration, type SelfDeclarationInput } from '../../src/declarations/build-self-declaration.js';
import { ISSUANCE, ISSUER, ORGNR } from './fixtures.js';

const now = new Date('2026-11-26T12:00:00Z');
const opts = { issuer: ISSUER, kid: 'k1', now };
const profile = (id: string, status: 'draft' | 'active' | 'retired' = 'active') => ({
  profile: id,
  version: '1.0.0',
  title: `Profil ${id}`,
  profileSha256: 'a'.repeat(64),
  status,
});
const doc = { name: 'testrapport.pdf', mediaType: 'application/pdf', size: 1234, sha256: 'd'.repeat(64) };

function input(overrides: Partial<SelfDeclarationInput> = {}): SelfDeclarationInput {
  return {
    manufacturer: { name: 'Omsorg & Journal AS', organisasjonsnummer: ORGNR },
    product: { name: 'OmsorgsJournal', version: '5.2.0', systemId: 'sys-1' },
    profiles: [
      { profile: profile('dialogmelding-1.1'), direction: 'send' },
      { profile: profile('apprec-1.0'), direction: 'receive' },
    ],
    documentation: [doc],
    issuance: ISSUANCE,
    ...overrides,
  };
}

describe('a level A declaration (self-declared with documentation, nothing tested)', () => {
  it("lists the named profiles and the documents' digests, and no run, validator or test case", () => {
    const d = buildSelfDeclaration(input(), opts);
    expect(d).toMatchObject({
      assuranceLevel: 'A',
      conformsTo: [
        { profile: 'apprec-1.0', direction: 'receive', profileSha256: 'a'.repeat(64) },
        { profile: 'dialogmelding-1.1', direction: 'send' },
      ],
      testCases: [],
      deviations: [],
      documentation: [doc],
      placeOfIssue: 'Tromsø',
      signatory: { name: 'Kari Nordmann', function: 'daglig leder' },
      expiresAt: '2028-11-26T12:00:00.000Z',
    });
    expect(d).not.toHaveProperty('runId');
    expect(d).not.toHaveProperty('validator');
    expect(d.statement).toMatch(/ikke testet systemet \(tillitsnivå A\)/);
    expect(d.conformsTo[0]).not.toHaveProperty('status');
  });

  it('rests on documentation: none attached is refused', () => {
    expect(() => buildSelfDeclaration(input({ documentation: [] }), opts)).toThrow(
      expect.objectContaining({ code: 'unprocessable', detail: expect.stringMatching(/attach at least one document/) }),
    );
  });

  it('declares only active profiles, each direction once', () => {
    expect(() =>
      buildSelfDeclaration(input({ profiles: [{ profile: profile('gammel-1.0', 'retired'), direction: 'send' }] }), opts),
    ).toThrow(/gammel-1\.0' is retired/);
    expect(() =>
      buildSelfDeclaration(
        input({
          profiles: [
            { profile: profile('p'), direction: 'send' },
            { profile: profile('p'), direction: 'send' },
          ],
        }),
        opts,
      ),
    ).toThrow(/p\/send twice/);
  });

  it('needs the place of issue and the signatory like any declaration', () => {
    expect(() =>
      buildSelfDeclaration(input({ issuance: { placeOfIssue: 'Oslo', signatory: { name: '', function: 'daglig leder' } } }), opts),
    ).toThrow(/signatory\.name must be given/);
  });
});
