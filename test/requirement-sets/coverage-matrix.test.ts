import { describe, expect, it } from 'vitest';
import type { DeclarationContent } from '../../src/declarations/declaration.js';
import type { RegistryEntry } from '../../src/registry/registry-view.js';
import { coverageMatrix } from '../../src/requirement-sets/coverage-matrix.js';
import type { RequirementSet } from '../../src/requirement-sets/requirement-set.js';

const set: RequirementSet = {
  id: 'hjemmetjeneste',
  title: 'Hjemmetjeneste',
  serviceType: 'hjemmetjeneste',
  requirements: [
    { profile: 'p-one', direction: 'send', level: 'mandatory' },
    { profile: 'p-two', level: 'mandatory' },
    { profile: 'p-three', level: 'recommended' },
  ],
};

let n = 0;
function entry(
  system: string,
  version: string,
  profiles: Array<[string, 'send' | 'receive']>,
  opts: { level?: 'A' | 'B' | 'C'; status?: RegistryEntry['status']['status']; issuedAt?: string } = {},
): RegistryEntry {
  const declaration = {
    id: `d${++n}`,
    manufacturer: { name: 'Leverandør AS', organisasjonsnummer: '923609016' },
    product: { name: system, version },
    conformsTo: profiles.map(([profile, direction]) => ({ profile, direction, version: '1', title: profile, profileSha256: 'x' })),
    issuedAt: opts.issuedAt ?? `2026-0${n}-01T00:00:00Z`,
  } as unknown as DeclarationContent;
  return { declaration, status: { status: opts.status ?? 'active' }, assuranceLevel: opts.level ?? 'B' };
}

describe('the coverage matrix of a kravsett', () => {
  it('marks a requirement tested only by an active level B or C declaration, and never counts level A as tested', () => {
    const rows = coverageMatrix(set, [
      entry('Omsorg', '1', [['p-one', 'send']], { level: 'B' }),
      entry('Omsorg', '1', [['p-two', 'receive']], { level: 'A' }),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cells.map((c) => c.mark)).toEqual(['tested', 'documented', 'missing']);
    expect(rows[0]!.mandatoryTested).toEqual({ covered: 1, total: 2 });
  });

  it('keeps the direction a requirement asks for: a receive declaration does not cover a send requirement', () => {
    const rows = coverageMatrix(set, [entry('Omsorg', '1', [['p-one', 'receive']])]);
    expect(rows[0]!.cells[0]!.mark).toBe('missing');
  });

  it('shows a revoked declaration as revoked, and superseded or expired ones as missing', () => {
    const rows = coverageMatrix(set, [
      entry('Omsorg', '1', [['p-one', 'send']], { status: 'revoked' }),
      entry('Omsorg', '1', [['p-two', 'send']], { status: 'expired' }),
      entry('Omsorg', '1', [['p-three', 'send']], { status: 'superseded' }),
    ]);
    expect(rows[0]!.cells.map((c) => c.mark)).toEqual(['revoked', 'missing', 'missing']);
  });

  it('gives each system version its own row, those with most mandatory requirements tested first, and leaves out systems that touch nothing in the set', () => {
    const rows = coverageMatrix(set, [
      entry('Annen', '2', [['p-one', 'send']]),
      entry('Omsorg', '1', [
        ['p-one', 'send'],
        ['p-two', 'send'],
      ]),
      entry('Uvedkommende', '1', [['p-other', 'send']]),
    ]);
    expect(rows.map((r) => `${r.system} ${r.version}`)).toEqual(['Omsorg 1', 'Annen 2']);
  });
});
