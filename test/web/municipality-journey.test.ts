import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../declarations/fixtures.js';
import { PROFILE, run, systemVersion } from '../server/declaration-helpers.js';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../support/service.js';
import { browserAvailable, expectAccessible, launchBrowser, screenshot, skipReason, tabOrder } from './browser.js';
import { startWebService } from './web-service.js';

const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

describe.skipIf(!browserAvailable)(`a municipality's journey in the browser ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let tested: string;

  beforeAll(async () => {
    t = await startWebService();
    // A tested (level B) declaration from a passed run, and a documented-only (level A) one from another vendor.
    const vendor = await registerVendor(t, 'Omsorg & Journal AS');
    const runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'OmsorgsJournal', '5.2.0'));
    tested = (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as { id: string }
    ).id;
    const other = await registerVendor(t, 'Fjordjournal AS');
    const versionId = await systemVersion(t, other.token, 'FjordEPJ', '2.0');
    const systemId = (
      (await (await t.call('GET', '/api/v1/systems', { token: other.token })).json()) as { id: string; name: string }[]
    ).find((s) => s.name === 'FjordEPJ')!.id;
    const documented = await t.call('POST', `/api/v1/systems/${systemId}/versions/${versionId}/declaration`, {
      token: other.token,
      json: {
        profiles: [{ profile: PROFILE, direction: 'send' }],
        documents: [{ name: 'samsvarsrapport.pdf', mediaType: 'application/pdf', content: TINY_PDF.toString('base64') }],
        ...ISSUANCE,
      },
    });
    expect(documented.status).toBe(201);
    const set = {
      title: 'Hjemmetjeneste',
      serviceType: 'hjemmetjeneste',
      requirements: [
        { profile: PROFILE, level: 'mandatory' },
        { profile: 'apprec-1.0', level: 'recommended' },
      ],
    };
    expect((await t.call('PUT', '/api/v1/requirement-sets/hjemmetjeneste', { token: ADMIN_TOKEN, json: set })).status).toBe(200);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('starts on a front page that says what samsvar is, in bokmål, and leads on with the keyboard', async () => {
    await page.goto(`${t.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('nb');
    expect(await page.textContent('h1')).toContain('meldingsstandarder');
    await expectAccessible(page);
    await screenshot(page, 'forside');
    // The first Tab reaches the skip link, and following it puts focus on the main content.
    const order = await tabOrder(page, 3);
    expect(order[0]).toBe('Hopp til innholdet');
    await page.reload();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('innhold');
  });

  it('searches the registry by system, filters by level and opens the declaration', async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole('link', { name: 'Søk i registeret' }).click();
    await page.getByLabel('System').fill('Omsorg');
    await page.getByRole('button', { name: 'Søk' }).click();
    await expect.poll(() => page.textContent('[role="status"]')).toContain('Viser 1–1 av 1 erklæring');
    await expectAccessible(page);
    await screenshot(page, 'register');

    await page.goto(`${t.url}/register?niva=A`);
    expect(await page.textContent('tbody')).toContain('FjordEPJ');
    expect(await page.textContent('tbody')).not.toContain('OmsorgsJournal');

    await page.goto(`${t.url}/register?system=Omsorg`);
    await page.getByRole('link', { name: 'OmsorgsJournal 5.2.0' }).click();
    expect(page.url()).toBe(`${t.url}/erklaering/${tested}`);
    expect(await page.textContent('h1')).toContain('OmsorgsJournal 5.2.0');
    expect(await page.textContent('main')).toContain('Status: Gyldig');
    await expectAccessible(page);
    await screenshot(page, 'erklaering');
  });

  it("verifies the declaration's signature in the page against the JWKS, and says so when the signed content was changed", async () => {
    await page.goto(`${t.url}/erklaering/${tested}`);
    await page.getByRole('button', { name: 'Kontroller signaturen' }).click();
    await expect.poll(() => page.textContent('#verify-result')).toContain('Signaturen er gyldig');

    // The same check against a JWS whose payload was changed (another manufacturer name) must fail.
    await page.route('**/*.jws', async (route) => {
      const jws = await (await route.fetch()).text();
      const [h, p, s] = jws.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
      payload.manufacturer.name = 'Falsk AS';
      await route.fulfill({
        status: 200,
        contentType: 'application/jose',
        body: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`,
      });
    });
    await page.reload();
    await page.getByRole('button', { name: 'Kontroller signaturen' }).click();
    await expect.poll(() => page.textContent('#verify-result')).toContain('Signaturen er ugyldig');
    await page.unroute('**/*.jws');
  });

  it("says in bokmål why the check could not be made, never the browser's own English error", async () => {
    const result = async (prepare: (p: Page) => Promise<unknown>) => {
      const p = await browser.newPage();
      await prepare(p);
      await p.goto(`${t.url}/erklaering/${tested}`);
      await p.getByRole('button', { name: 'Kontroller signaturen' }).click();
      await expect.poll(() => p.getAttribute('#verify-result', 'class')).toContain('bad');
      const text = (await p.textContent('#verify-result')) ?? '';
      await p.close();
      return text;
    };
    // The keys cannot be fetched (the network is down): the browser's fetch says "Failed to fetch".
    expect(await result((p) => p.route('**/jwks.json', (route) => route.abort()))).toBe(
      'Fikk ikke hentet erklæringen eller nøklene. Sjekk nettforbindelsen og prøv igjen.',
    );
    // A browser whose Web Crypto has no Ed25519 refuses the key with a NotSupportedError.
    expect(
      await result((p) =>
        p.addInitScript(() => {
          crypto.subtle.importKey = () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
        }),
      ),
    ).toContain('Nettleseren din kan ikke kontrollere Ed25519-signaturer');
    // A signed token that is not base64url: the browser's atob throws an InvalidCharacterError.
    expect(
      await result((p) =>
        p.route('**/*.jws', (route) => route.fulfill({ status: 200, contentType: 'application/jose', body: '@@.@@.@@' })),
      ),
    ).toBe('Kontrollen feilet: den signerte erklæringen eller nøklene kunne ikke leses.');
  });

  it('opens the kravsett matrix: tested, documented only (level A, never counted as tested) and missing', async () => {
    await page.goto(`${t.url}/kravsett`);
    await page.getByRole('link', { name: 'Hjemmetjeneste' }).click();
    const rows = await page.$$eval('table.matrix tbody tr', (trs) => trs.map((tr) => (tr.textContent ?? '').replace(/\s+/g, ' ').trim()));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/OmsorgsJournal 5\.2\.0.*Testet.*Mangler.*1 av 1/);
    expect(rows[1]).toMatch(/FjordEPJ 2\.0.*Bare dokumentert \(nivå A, ikke testet\).*Mangler.*0 av 1/);
    await expectAccessible(page);
    await screenshot(page, 'kravsett');
  });
});
