import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../src/declarations/build-declaration.js';
import { buildSelfDeclaration } from '../../src/declarations/build-self-declaration.js';
import type { RegistryEntry } from '../../src/registry/registry-view.js';
import { coverage } from '../../src/requirement-sets/coverage.js';
import { annexCsv, annexHtml, csvCell } from '../../src/requirement-sets/procurement-annex.js';
import { parseRequirementSet, type RequirementSet } from '../../src/requirement-sets/requirement-set.js';
import { ISSUER, ISSUANCE, ORGNR, passedRun } from '../declarations/fixtures.js';

const known = (id: string) => ['dialogmelding-1.1', 'apprec-1.0', 'henvisning-1.1'].includes(id);

const sykehjem: RequirementSet = parseRequirementSet(
  {
    id: 'sykehjem',
    title: 'Sykehjem',
    serviceType: 'sykehjem',
    basis: 'Forskrift om IKT-standarder i helse- og omsorgstjenesten; Referansekatalogen',
    requirements: [
      { profile: 'dialogmelding-1.1', level: 'mandatory' },
      { profile: 'apprec-1.0', direction: 'send', level: 'mandatory', note: '=HYPERLINK("http://evil")' },
      { profile: 'henvisning-1.1', level: 'recommended' },
    ],
  },
  known,
);

function entry(
  id: string,
  overrides: Parameters<typeof passedRun>[0],
  status: RegistryEntry['status']['status'] = 'active',
): RegistryEntry {
  const declaration = buildDeclaration(passedRun(overrides), {
    issuer: ISSUER,
    issuance: ISSUANCE,
    kid: 'k',
    now: new Date('2026-01-01T00:00:00Z'),
    id,
  });
  return { declaration, status: { status }, assuranceLevel: 'B' };
}

const full = entry('d1', { testCases: passedRun().testCases.map((t) => ({ ...t, errorRuleIds: [] })) });
const partial = entry('d2', { product: { name: 'Fjord EPJ', version: '2.0' } });
const revoked = entry(
  'd3',
  { product: { name: 'Tilbakekalt EPJ', version: '1.0' }, testCases: passedRun().testCases.map((t) => ({ ...t, errorRuleIds: [] })) },
  'revoked',
);

/** A level A declaration (self-declared with documentation, untested) of both mandatory profiles, by the same organisation as the others. */
function levelA(id: string, product: { name: string; version: string }): RegistryEntry {
  const profile = (id: string) => ({ profile: id, version: '1.0.0', title: id, profileSha256: 'a'.repeat(64), status: 'active' as const });
  const declaration = buildSelfDeclaration(
    {
      manufacturer: { name: 'Egen AS', organisasjonsnummer: ORGNR },
      product,
      profiles: [
        { profile: profile('dialogmelding-1.1'), direction: 'send' },
        { profile: profile('apprec-1.0'), direction: 'send' },
      ],
      documentation: [{ name: 'rapport.pdf', mediaType: 'application/pdf', size: 1, sha256: 'd'.repeat(64) }],
      issuance: { placeOfIssue: 'Bodø', signatory: { name: 'Ola Nordmann', function: 'produktansvarlig' } },
    },
    { issuer: ISSUER, kid: 'k', now: new Date('2026-01-01T00:00:00Z'), id },
  );
  return { declaration, status: { status: 'active' }, assuranceLevel: 'A' };
}

describe('requirement sets (kravsett)', () => {
  it('refuse unknown profiles, duplicates and malformed input', () => {
    expect(() => parseRequirementSet({ ...sykehjem, requirements: [{ profile: 'nope', level: 'mandatory' }] }, known)).toThrow(
      /unknown profiles: nope/,
    );
    expect(() => parseRequirementSet({ ...sykehjem, requirements: [sykehjem.requirements[0], sykehjem.requirements[0]] }, known)).toThrow(
      /listed twice/,
    );
    expect(() => parseRequirementSet({ ...sykehjem, id: '../x' }, known)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(() => parseRequirementSet({ ...sykehjem, extra: 1 }, known)).toThrow(/unknown|additional/);
  });

  it("show each system's coverage from active declarations only", () => {
    const result = coverage(sykehjem, [partial, revoked, full]);
    expect(result.map((s) => `${s.system} ${s.version}`)).toEqual(['OmsorgsJournal 5.2.0', 'Fjord EPJ 2.0']);
    expect(result[0]).toMatchObject({
      meetsMandatory: true,
      mandatory: { tested: 2, documented: 0, total: 2 },
      recommended: { tested: 0, documented: 0, total: 1 },
    });
    expect(result[1]).toMatchObject({ meetsMandatory: false, mandatory: { tested: 1, total: 2 } });
    expect(result[1].requirements[1]).toEqual({ requirement: sykehjem.requirements[1], mark: 'missing' });
  });

  it('never count a level A declaration as meeting a requirement: it is shown as self-declared, not tested', () => {
    const [selfDeclared] = coverage(sykehjem, [levelA('a1', { name: 'Egen EPJ', version: '1.0' })]);
    expect(selfDeclared).toMatchObject({ system: 'Egen EPJ', meetsMandatory: false, mandatory: { tested: 0, documented: 2, total: 2 } });
    expect(selfDeclared!.requirements.map((r) => r.mark)).toEqual(['documented', 'documented', 'missing']);
    // A tested declaration of the same system version outranks its level A one.
    const both = coverage(sykehjem, [levelA('a1', full.declaration.product), full]);
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({ meetsMandatory: true, mandatory: { tested: 2, documented: 0, total: 2 } });
    expect(both[0]!.requirements.map((r) => r.declarationId)).toEqual(['d1', 'd1', undefined]);
  });

  it('say so in the annex, in HTML and CSV: a level A system is listed apart and never as meeting the mandatory requirements', () => {
    const systems = coverage(sykehjem, [levelA('a1', { name: 'Egen EPJ', version: '1.0' }), full]);
    const ctx = { profileTitle: () => undefined, registryUrl: 'https://samsvar.test', now: new Date('2026-05-17T12:00:00Z') };
    const page = annexHtml(sykehjem, systems, ctx);
    expect(page).toContain('teller ikke som oppfylt krav');
    expect(page).toContain(
      '<tr><td>Egen EPJ 1.0</td><td>Egen AS (974760673)</td><td class="missing">0 av 2</td><td>0 av 1</td><td>dialogmelding-1.1, apprec-1.0</td><td>–</td></tr>',
    );
    expect(page).toContain('<td class="ok">2 av 2</td>');
    const lines = annexCsv(sykehjem, systems, ctx)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/;Systemer testet \(nivå B eller C\);Systemer bare egenerklært \(nivå A, ikke testet\)$/);
    expect(lines[1]).toMatch(/;OmsorgsJournal 5\.2\.0 \(Omsorg & Journal AS\);Egen EPJ 1\.0 \(Egen AS\)$/);
  });

  it('export as a procurement annex in CSV that a spreadsheet cannot run as a formula', () => {
    const csv = annexCsv(sykehjem, coverage(sykehjem, [full, partial]), {
      profileTitle: () => undefined,
      registryUrl: 'https://samsvar.test',
      now: new Date(),
    });
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Kravsett;Tjenestetype;Profil;Profilnavn;Retning;Nivå;Merknad;Systemer testet (nivå B eller C);Systemer bare egenerklært (nivå A, ikke testet)',
    );
    expect(lines[1]).toContain(
      'dialogmelding-1.1;;Sende eller motta;Obligatorisk;;OmsorgsJournal 5.2.0 (Omsorg & Journal AS), Fjord EPJ 2.0 (Omsorg & Journal AS);',
    );
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('-1+1')).toBe("'-1+1");
    expect(csvCell('a;b')).toBe('"a;b"');
  });

  it('export as an HTML annex in bokmål with text escaped', () => {
    const set = { ...sykehjem, title: 'Sykehjem <b>' };
    const html = annexHtml(set, coverage(set, [full]), {
      profileTitle: (id) => (id === 'apprec-1.0' ? 'Applikasjonskvittering 1.0' : undefined),
      registryUrl: 'https://samsvar.test',
      now: new Date('2026-05-17T12:00:00Z'),
    });
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain('Sykehjem &lt;b&gt;');
    expect(html).toContain('Applikasjonskvittering 1.0 (apprec-1.0)');
    expect(html).toContain('2 av 2');
    expect(html).toContain('17. mai 2026');
    expect(html).not.toContain('{{');
  });
});
