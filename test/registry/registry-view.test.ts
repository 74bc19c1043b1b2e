import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import { registrySummary, type RegistryEntry } from '../../src/registry/registry-view.js';
import { ISSUER, ISSUANCE, passedRun } from '../declarations/fixtures.js';

function entry(
  id: string,
  at: string,
  overrides: Parameters<typeof passedRun>[0],
  status: RegistryEntry['status'] = { status: 'active' },
): RegistryEntry {
  const declaration = buildDeclaration(passedRun(overrides), { issuer: ISSUER, issuance: ISSUANCE, kid: 'k', now: new Date(at), id });
  return { declaration, status, assuranceLevel: 'B' };
}

const entries = [
  entry('d1', '2026-01-01T00:00:00Z', {}),
  entry(
    'd2',
    '2026-02-01T00:00:00Z',
    { manufacturer: { name: 'Fjordjournal AS', organisasjonsnummer: '923609016' }, product: { name: 'Fjord EPJ', version: '2.0' } },
    { status: 'revoked', reason: 'x' },
  ),
  entry('d3', '2026-03-01T00:00:00Z', {
    product: { name: 'OmsorgsJournal Mobil', version: '1.0' },
    testCases: passedRun().testCases.map((t) => ({ ...t, profile: 'apprec-1.0', errorRuleIds: [] })),
  }),
];

describe('the public registry view', () => {
  it('summarises each declaration with its status and links to every rendering', () => {
    const s = registrySummary(entries[1], 'https://samsvar.test');
    expect(s).toMatchObject({
      id: 'd2',
      status: 'revoked',
      statusReason: 'x',
      assuranceLevel: 'B',
      vendor: { organisasjonsnummer: '923609016' },
    });
    expect(s.links.fhir).toBe('https://samsvar.test/api/v1/declarations/d2.fhir.json');
  });
});
