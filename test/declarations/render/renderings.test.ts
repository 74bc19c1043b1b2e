import { describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../../src/declarations/build-declaration.js';
import { declarationJwsSha256, signDeclaration } from '../../../src/declarations/declaration-signing.js';
import type { DeclarationView } from '../../../src/declarations/render/declaration-view.js';
import { renderDeclarationFhir } from '../../../src/declarations/render/render-fhir.js';
import { renderDeclarationHtml } from '../../../src/declarations/render/render-html.js';
import { renderDeclarationPdf } from '../../../src/declarations/render/render-pdf.js';
import { ISSUER, passedRun, testKeyRing } from '../fixtures.js';

async function view(): Promise<DeclarationView> {
  const ring = await testKeyRing();
  const declaration = buildDeclaration(passedRun({ manufacturer: { name: 'Omsorg <img src=x onerror=alert(1)> AS', organisasjonsnummer: '974760673' } }), {
    issuer: ISSUER,
    kid: ring.current.kid,
    now: new Date('2026-01-15T10:00:00Z'),
    id: 'egn-test',
    waivers: [{ id: 'w', runId: 'run-1', ruleId: 'AR-0007', justification: 'Rettes i 5.3', deadline: '2026-09-01T00:00:00.000Z', grantedBy: 'a', grantedAt: '2026-01-01T00:00:00Z' }],
  });
  const jws = await signDeclaration(declaration, ring.current);
  return { declaration, jws, jwsSha256: declarationJwsSha256(jws), status: { status: 'active' }, assuranceLevel: 'B', countersignatures: [], baseUrl: 'https://samsvar.test' };
}

describe('renderings of a declaration', () => {
  it('HTML in bokmål: who, what, profiles, test cases, deviations and how to verify, with hostile text escaped', async () => {
    const v = await view();
    const html = renderDeclarationHtml(v);
    expect(html).toContain('<html lang="nb">');
    expect(html).toContain('Omsorg &lt;img src=x onerror=alert(1)&gt; AS');
    expect(html).not.toContain('<img');
    for (const text of ['974760673', 'OmsorgsJournal 5.2.0', 'Dialogmelding 1.1', 'DM-SEND-01', 'AR-0007', 'Rettes i 5.3', '1. september 2026', 'Gyldig', 'samsvar verify egn-test.jws', v.jwsSha256]) {
      expect(html).toContain(text);
    }
    expect(html).not.toMatch(/\{\{\w+\}\}/);
  });

  it('PDF: a printable document carrying the verification URL as a link', async () => {
    const pdf = await renderDeclarationPdf(await view());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/URI (https://samsvar.test/api/v1/declarations/egn-test)');
    expect(pdf.length).toBeGreaterThan(2000);
  });

  it('FHIR: a Bundle of one passing TestReport per profile and direction, deviations as warnings', async () => {
    const bundle = renderDeclarationFhir(await view());
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', id: 'egn-test' });
    const reports = bundle.entry.map((e) => e.resource);
    expect(reports.map((r) => r.name)).toEqual(['Applikasjonskvittering 1.0 1.0.0 (send)', 'Dialogmelding 1.1 1.1.0 (receive)', 'Dialogmelding 1.1 1.1.0 (send)']);
    for (const r of reports) expect(r).toMatchObject({ resourceType: 'TestReport', status: 'completed', result: 'pass' });
    const apprec = reports[0];
    expect(apprec.test.map((t) => t.action[0].operation.result)).toEqual(['pass', 'warning']);
    expect(bundle.entry.every((e) => /^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl))).toBe(true);
    expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(3);
  });
});

