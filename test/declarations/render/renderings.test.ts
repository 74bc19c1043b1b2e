import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../../src/declarations/build-declaration.js';
import { declarationJwsSha256, signDeclaration } from '../../../src/declarations/declaration-signing.js';
import type { DeclarationView } from '../../../src/declarations/render/declaration-view.js';
import type { StatusAnswer } from '../../../src/declarations/status.js';
import { fhirId, renderDeclarationFhir } from '../../../src/declarations/render/render-fhir.js';
import { renderDeclarationHtml } from '../../../src/declarations/render/render-html.js';
import { renderDeclarationPdf } from '../../../src/declarations/render/render-pdf.js';
import { buildSelfDeclaration } from '../../../src/declarations/build-self-declaration.js';
import { ISSUER, ISSUANCE, ORGNR, passedRun, testKeyRing } from '../fixtures.js';
import { pdfText } from './pdf-text.js';
import { FhirValidator } from '../../../src/fhir/fhir-validator.js';
import { ProfileCatalog } from '../../../src/profiles/catalog.js';

async function view(): Promise<DeclarationView> {
  const ring = await testKeyRing();
  const declaration = buildDeclaration(
    passedRun({ manufacturer: { name: 'Omsorg <img src=x onerror=alert(1)> AS', organisasjonsnummer: '974760673' } }),
    {
      issuer: ISSUER,
      issuance: ISSUANCE,
      kid: ring.current.kid,
      now: new Date('2026-01-15T10:00:00Z'),
      id: 'egn-test',
      waivers: [
        {
          id: 'w',
          runId: 'run-1',
          ruleId: 'AR-0007',
          justification: 'Rettes i 5.3',
          deadline: '2026-09-01T00:00:00.000Z',
          grantedBy: 'a',
          grantedAt: '2026-01-01T00:00:00Z',
        },
      ],
    },
  );
  const jws = await signDeclaration(declaration, ring.current);
  return {
    declaration,
    jws,
    jwsSha256: declarationJwsSha256(jws),
    status: { status: 'active' },
    assuranceLevel: 'B',
    countersignatures: [],
    baseUrl: 'https://samsvar.test',
  };
}

describe('renderings of a declaration', () => {
  it('HTML in bokmål: who, what, profiles, test cases, deviations and how to verify, with hostile text escaped', async () => {
    const v = await view();
    const html = renderDeclarationHtml(v);
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain('Omsorg &lt;img src=x onerror=alert(1)&gt; AS');
    expect(html).not.toContain('<img');
    for (const text of [
      '974760673',
      'OmsorgsJournal 5.2.0',
      'Dialogmelding 1.1',
      'DM-SEND-01',
      'AR-0007',
      'Rettes i 5.3',
      '1. september 2026',
      'Gyldig',
      'samsvar verify egn-test.jws',
      'bestått med avvik: AR-0007',
      v.jwsSha256,
    ]) {
      expect(html).toContain(text);
    }
    expect(html).not.toMatch(/\{\{\w+\}\}/);
  });

  it('PDF: a printable document carrying the verification URL as a link', async () => {
    const pdf = await renderDeclarationPdf(await view());
    expect(pdfText(pdf).replace(/\s+/g, ' ')).toContain('AR-SEND-01 (apprec-1.0), bestått med avvik: AR-0007');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/URI (https://samsvar.test/api/v1/declarations/egn-test)');
    expect(pdf.length).toBeGreaterThan(2000);
  });

  it('FHIR: a Bundle of one passing TestReport per profile and direction, deviations as warnings', async () => {
    const bundle = renderDeclarationFhir(await view());
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', id: 'egn-test' });
    const reports = bundle.entry.map((e) => e.resource);
    expect(reports.map((r) => r.name)).toEqual([
      'Applikasjonskvittering 1.0 1.0.0 (send)',
      'Dialogmelding 1.1 1.1.0 (receive)',
      'Dialogmelding 1.1 1.1.0 (send)',
    ]);
    for (const r of reports) expect(r).toMatchObject({ resourceType: 'TestReport', status: 'completed', result: 'pass' });
    const apprec = reports[0];
    // AR-SEND-01 failed on AR-0007 and passed only because it was waived: a warning, not a pass.
    expect(apprec.test!.map((t) => t.action[0].operation.result)).toEqual(['warning', 'warning']);
    expect(apprec.test![0]!.action[0].operation.message).toContain('AR-0007');
    expect(reports[1]!.test!.map((t) => t.action[0].operation.result)).toEqual(['pass']);
    expect(bundle.entry.every((e) => /^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl))).toBe(true);
    expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(3);
  });

  it('FHIR: gives an id issued with `_` (before ids were letters and digits) a valid FHIR id, unique also when shortened', async () => {
    expect(fhirId('egn_ab_c')).toBe('egn-ab-c');
    const long = 'x'.repeat(70);
    expect(fhirId(long)).toMatch(/^[A-Za-z0-9\-.]{64}$/);
    expect(fhirId(long)).not.toBe(fhirId(`${long}y`));
  });
});

async function levelAView(): Promise<DeclarationView> {
  const ring = await testKeyRing();
  const declaration = buildSelfDeclaration(
    {
      manufacturer: { name: 'Omsorg & Journal AS', organisasjonsnummer: ORGNR },
      product: { name: 'OmsorgsJournal', version: '5.2.0' },
      profiles: [
        {
          profile: {
            profile: 'dialogmelding-1.1',
            version: '1.1.0',
            title: 'Dialogmelding 1.1',
            profileSha256: 'a'.repeat(64),
            status: 'active',
          },
          direction: 'send',
        },
      ],
      documentation: [{ name: 'samsvarsrapport.pdf', mediaType: 'application/pdf', size: 4321, sha256: 'd'.repeat(64) }],
      issuance: { placeOfIssue: 'Bodø', signatory: { name: 'Ola <b>Nordmann</b>', function: 'produktansvarlig' } },
    },
    { issuer: ISSUER, kid: ring.current.kid, now: new Date('2026-01-15T10:00:00Z'), id: 'egn-niva-a' },
  );
  const jws = await signDeclaration(declaration, ring.current);
  return {
    declaration,
    jws,
    jwsSha256: declarationJwsSha256(jws),
    status: { status: 'active' },
    assuranceLevel: 'A',
    countersignatures: [],
    baseUrl: 'https://samsvar.test',
  };
}

describe('the EHDS fields: place of issue and who signs for the manufacturer', () => {
  it('appear in the HTML and the PDF', async () => {
    const v = await view();
    expect(renderDeclarationHtml(v)).toContain('<dt>Sted og dato</dt><dd>Tromsø, 15. januar 2026</dd>');
    expect(renderDeclarationHtml(v)).toContain('<dt>Signert for produsenten av</dt><dd>Kari Nordmann, daglig leder</dd>');
    const text = pdfText(await renderDeclarationPdf(v));
    expect(text).toContain('Sted og dato: Tromsø, 15. januar 2026.');
    expect(text).toContain('Signert for produsenten av: Kari Nordmann, daglig leder');
    expect(text).toContain('Grunnlag: samsvar 0.1.0, testkjøring run-1');
    expect(text).not.toContain('Samsvar har ikke testet systemet');
  });
});

describe('renderings of a level A declaration', () => {
  it("HTML: marked as level A and untested, with the documents' digests, signatory escaped", async () => {
    const html = renderDeclarationHtml(await levelAView());
    expect(html).toContain(
      '<p class="level-a">Tillitsnivå A: leverandørens egen erklæring på grunnlag av vedlagt dokumentasjon. Samsvar har ikke testet systemet.</p>',
    );
    expect(html).toContain('A – egenerklæring med dokumentasjon');
    expect(html).toContain('Ikke testet i samsvar');
    expect(html).toContain(`<td>samsvarsrapport.pdf</td><td>application/pdf</td><td>4321 byte</td><td><code>${'d'.repeat(64)}</code></td>`);
    expect(html).toContain('Ingen: erklæringen er ikke testet i samsvar.');
    expect(html).toContain('Ola &lt;b&gt;Nordmann&lt;/b&gt;, produktansvarlig');
    expect(html).not.toMatch(/\{\{\w+\}\}/);
  });

  it('PDF: says level A and untested, and lists the documentation', async () => {
    // Long lines wrap on the page: compare with whitespace collapsed.
    const text = pdfText(await renderDeclarationPdf(await levelAView())).replace(/\s+/g, ' ');
    expect(text).toContain(
      'Tillitsnivå A: leverandørens egen erklæring på grunnlag av vedlagt dokumentasjon. Samsvar har ikke testet systemet.',
    );
    expect(text).toContain('Dokumentasjon (nivå A)');
    expect(text).toContain('samsvarsrapport.pdf (application/pdf, 4321 byte)');
    expect(text).toContain(`SHA-256: ${'d'.repeat(64)}`);
    expect(text).toContain('Sted og dato: Bodø, 15. januar 2026.');
  });

  it('FHIR: reports that are pending, not passed, naming the documentation instead of tests', async () => {
    const bundle = renderDeclarationFhir(await levelAView());
    const [report] = bundle.entry.map((e) => e.resource) as any[];
    expect(report).toMatchObject({
      resourceType: 'TestReport',
      result: 'pending',
      name: expect.stringMatching(/level A, self-declared, not tested/),
    });
    expect(report.test).toBeUndefined(); // FHIR has no empty arrays
    expect(report.participant.map((p: { type: string }) => p.type)).not.toContain('test-engine');
    expect(report.setup.action[0].operation.message).toMatch(/^Level A: self-declared on the basis of .*d{64}$/);
  });
});

describe('renderings of countersignatures', () => {
  const countersignature = (role: 'admin' | 'lab', name: string) => ({
    type: 'samsvar-kontrasignatur/1' as const,
    declarationId: 'egn-test',
    declarationJwsSha256: 'e'.repeat(64),
    assuranceLevel: 'C' as const,
    confirmedBy: { name, role },
    statement: 'Bekreftet.',
    at: '2026-02-01T10:00:00.000Z',
    kid: 'k',
    jws: 'x.y.z',
  });

  it("name who confirmed: an administrator's countersignature (before re-tests were required) is never shown as a laboratory's", async () => {
    const v = { ...(await view()), countersignatures: [countersignature('admin', 'Forvalter'), countersignature('lab', 'Testlab AS')] };
    expect(renderDeclarationHtml(v)).toContain('Forvalter (administrator, gir ikke nivå C)');
    const text = pdfText(await renderDeclarationPdf(v)).replace(/\s+/g, ' ');
    expect(text).toContain('Forvalter (administrator, gir ikke nivå C), 1. februar 2026');
    expect(text).toContain('Testlab AS (testlaboratorium), 1. februar 2026');
  });
});

describe('renderings of the status now', () => {
  it('say in bokmål why a declaration is not active, and when an active one must be re-tested or expire', async () => {
    const revoked = {
      ...(await view()),
      status: {
        status: 'revoked' as const,
        reason: 'revoked on 2026-03-01 by Forvalter: feil i AppRec',
        cause: { kind: 'revoked' as const, at: '2026-03-01T10:00:00.000Z', by: 'Forvalter', reason: 'feil i AppRec' },
      },
    };
    const html = renderDeclarationHtml(revoked);
    expect(html.replace(/<[^>]+>/g, '')).toContain('Tilbakekalt 1. mars 2026 av Forvalter. Begrunnelse: feil i AppRec');
    expect(html).not.toContain('revoked on');
    expect(pdfText(await renderDeclarationPdf(revoked)).replace(/\s+/g, ' ')).toContain('Tilbakekalt 1. mars 2026 av Forvalter.');

    const retest = {
      ...(await view()),
      status: {
        status: 'active' as const,
        retestRequired: [{ profile: 'dialogmelding-1.1', version: '1.1.0', newVersion: '1.2.0', deadline: '2026-06-01T10:00:00.000Z' }],
      },
    };
    const expected = 'Må testes på nytt: dialogmelding-1.1 versjon 1.2.0 innen 1. juni 2026. Ellers utløper erklæringen.';
    expect(renderDeclarationHtml(retest)).toContain(expected);
    expect(pdfText(await renderDeclarationPdf(retest)).replace(/\s+/g, ' ')).toContain(expected);
  });
});

describe('a revocation by a spot check', () => {
  const revokedBySpotCheck = async (cause: Extract<StatusAnswer['cause'], { kind: 'revoked' }>) => {
    const v = { ...(await view()), status: { status: 'revoked' as const, cause } };
    const html = renderDeclarationHtml(v)
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ');
    return [html, pdfText(await renderDeclarationPdf(v)).replace(/\s+/g, ' ')];
  };
  // The PDF breaks lines inside words (DM-|RECV-01): compared without white space.
  const squeezed = (t: string) => t.replace(/\s+/g, '');

  it('gives its reason in bokmål in both renderings from what the spot check recorded as data, never from the English reason', async () => {
    const texts = await revokedBySpotCheck({
      kind: 'revoked',
      at: '2026-03-02T10:00:00Z',
      by: 'stikkprøve',
      reason: 'the English reason the API gives, in whatever words',
      spotCheck: { kind: 'failed', id: 'sc-9', testCases: ['DM-SEND-01', 'DM-RECV-01'], runId: 'r-7' },
    });
    const said =
      'Tilbakekalt 2. mars 2026 av stikkprøve. Begrunnelse: stikkprøve sc-9: testtilfellene DM-SEND-01, DM-RECV-01 besto ikke i testkjøring r-7.';
    for (const text of texts) {
      expect(squeezed(text)).toContain(squeezed(said));
      expect(text).not.toMatch(/English reason/);
    }
  });

  it('says only that the spot check was not passed when the revocation kept no data (revoked before it was kept)', async () => {
    const reason = 'spot check sc-9: test case DM-SEND-01 did not pass in run r-7';
    for (const text of await revokedBySpotCheck({ kind: 'revoked', at: '2026-03-02T10:00:00Z', by: 'stikkprøve', reason })) {
      expect(text).toContain('Tilbakekalt 2. mars 2026 av stikkprøve. Begrunnelse: stikkprøven ble ikke bestått.');
      expect(text).not.toMatch(/spot check|did not pass/);
    }
  });
});

describe("a declaration's status is said once, with its cause after it", () => {
  const AT = '2026-03-02T10:00:00Z';
  const causes: Array<[StatusAnswer, string]> = [
    [
      { status: 'revoked', cause: { kind: 'revoked', at: AT, by: 'Forvaltningen', reason: 'Feil ved stikkprøve' } },
      'Tilbakekalt 2. mars 2026 av Forvaltningen. Begrunnelse: Feil ved stikkprøve',
    ],
    [
      { status: 'revoked', cause: { kind: 'withdrawn', at: AT, reason: 'Ny versjon' } },
      'Tilbakekalt av produsenten 2. mars 2026. Begrunnelse: Ny versjon',
    ],
    [{ status: 'expired', cause: { kind: 'expired', at: AT } }, 'Utløpt 2. mars 2026.'],
    [{ status: 'expired', cause: { kind: 'retired', profiles: ['p 1.0'] } }, 'Utløpt fordi profilversjonen p 1.0 er faset ut.'],
    [{ status: 'superseded', cause: { kind: 'superseded', by: 'egn-ny' } }, 'Erstattet av nyere erklæring (egn-ny).'],
    [{ status: 'expired', cause: { kind: 'expired-logged' } }, 'Utløpt for godt:'],
  ];

  it.each(causes)('HTML and PDF: %j', async (status, said) => {
    const v = { ...(await view()), status };
    const word = said.split(' ')[0]!.replace('.', '');
    const html = renderDeclarationHtml(v)
      .replace(/<(style)\b[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');
    const pdf = pdfText(await renderDeclarationPdf(v)).replace(/\s+/g, ' ');
    for (const text of [html, pdf]) {
      expect(text).toContain(said);
      expect(text.split(word).length - 1, text).toBe(1);
    }
    expect(pdf).toContain(`Status: ${said}`);
  });
});

describe('the FHIR rendering states the status now', () => {
  const tagsOf = (bundle: ReturnType<typeof renderDeclarationFhir>) => [
    bundle.meta.tag.map((t) => t.code),
    ...bundle.entry.map((e) => e.resource.meta.tag.map((t) => t.code)),
  ];

  it.each<[string, StatusAnswer]>([
    ['revoked', { status: 'revoked', cause: { kind: 'revoked', at: '2026-03-02T10:00:00Z', by: 'Forvaltningen', reason: 'feil' } }],
    ['withdrawn', { status: 'revoked', cause: { kind: 'withdrawn', at: '2026-03-02T10:00:00Z', reason: 'ny versjon' } }],
    ['expired', { status: 'expired', cause: { kind: 'expired', at: '2026-03-02T10:00:00Z' } }],
    ['superseded', { status: 'superseded', cause: { kind: 'superseded', by: 'egn-ny' }, supersededBy: 'egn-ny' }],
  ])('a %s declaration carries its status as a tag on the Bundle and on every TestReport', async (_, status) => {
    const bundle = renderDeclarationFhir({ ...(await view()), status });
    expect(tagsOf(bundle)).toEqual([[status.status], [status.status], [status.status], [status.status]]);
    expect(bundle.meta.tag[0]!.system).toBe('https://samsvar.test/fhir/CodeSystem/declaration-status');
    // The tag changed after issuance, at a time the declaration does not record: no lastUpdated that says otherwise.
    expect(bundle.meta).not.toHaveProperty('lastUpdated');
  });

  it('an active one is tagged active, so a missing tag never has to be read as active', async () => {
    const bundle = renderDeclarationFhir(await view());
    expect(tagsOf(bundle).flat()).toEqual(['active', 'active', 'active', 'active']);
    expect(bundle.link).toBeUndefined();
  });

  it("a superseded one links to its successor, and the Bundle stays valid R4 for samsvar's own validator", async () => {
    const status: StatusAnswer = { status: 'superseded', cause: { kind: 'superseded', by: 'egn-ny' }, supersededBy: 'egn-ny' };
    const bundle = renderDeclarationFhir({ ...(await view()), status });
    expect(bundle.link).toEqual([{ relation: 'successor-version', url: 'https://samsvar.test/api/v1/declarations/egn-ny.fhir.json' }]);
    const result = await new FhirValidator(new ProfileCatalog()).validate(new TextEncoder().encode(JSON.stringify(bundle)));
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
