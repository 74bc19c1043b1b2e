import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppRec, TEST_SYSTEM_HER_ID, withAttachment } from '../helpers/kith-messages.js';
import { FORESPORSEL_TEMPLATE, runMessage } from '../helpers/run-messages.js';
import type { RunTestData } from '../../src/core/run-test-data.js';
import { validOrgNumber, type TestService } from '../support/service.js';
import { browserAvailable, expectAccessible, launchBrowser, screenshot, skipReason } from './browser.js';
import { startWebService } from './web-service.js';

const PROFILE_TITLE = 'Dialogmelding 1.1 – forespørsel';

describe.skipIf(!browserAvailable)(`a vendor's journey in the browser ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let runUrl: string;
  let outgoing: () => string;
  let msgId: string;
  let apiToken: string;

  beforeAll(async () => {
    t = await startWebService();
    browser = await launchBrowser();
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const upload = async (testcaseTitle: string, name: string, content: string) => {
    const card = page.locator('section.card', { has: page.getByRole('heading', { name: testcaseTitle, exact: true }) });
    await card.locator('input[type="file"]').setInputFiles({ name, mimeType: 'application/xml', buffer: Buffer.from(content, 'utf8') });
    await card.getByRole('button', { name: 'Last opp og vurder' }).click();
    await page.waitForURL(/\/innsendinger\//);
  };

  it('registers, is signed in with an HttpOnly, SameSite=Strict session cookie, and sees the API token once', async () => {
    await page.goto(`${t.url}/leverandor`);
    await expectAccessible(page);
    await page.getByLabel('Organisasjonsnummer').fill(validOrgNumber());
    await page.getByLabel('Virksomhetens navn').fill('Nettleser Journal AS');
    await page.getByLabel('E-postadresse for kontakt').fill('post@nettleser.example');
    await page.getByRole('button', { name: 'Registrer' }).click();
    expect(await page.textContent('h1')).toContain('Nettleser Journal AS er registrert');
    expect(await page.inputValue('#ny-nokkel')).toMatch(/^smv_/);
    apiToken = await page.inputValue('#ny-nokkel');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'samsvar_sesjon', httpOnly: true, sameSite: 'Strict' });
    expect(cookies[0]!.value).not.toContain('smv_');
  });

  it('adds a system and a version and starts a run of one profile', async () => {
    await page.goto(`${t.url}/leverandor`);
    await page.getByLabel('Nytt system').fill('NettJournal');
    await page.getByRole('button', { name: 'Registrer systemet' }).click();
    await page.getByLabel('Ny versjon av NettJournal').fill('3.1');
    await page.getByLabel('HER-id for systemets testkommunikasjonspart').fill(TEST_SYSTEM_HER_ID);
    await page.getByRole('button', { name: 'Legg til versjon' }).click();
    await page.getByLabel(PROFILE_TITLE).check();
    await page.getByRole('button', { name: 'Start testkjøringen' }).click();
    await page.waitForURL(/\/leverandor\/kjoringer\//);
    runUrl = page.url();
    expect(await page.textContent('h1')).toContain('NettJournal 3.1');
    // The run's own test data, and what every test case requires of the evidence, are on the page.
    const runId = runUrl.split('/').pop()!;
    const { testData } = (await (await t.call('GET', `/api/v1/runs/${runId}`, { token: apiToken })).json()) as { testData: RunTestData };
    expect(await page.textContent('#testdata + p + dl')).toContain(testData.patient.fnr);
    expect(await page.textContent('main')).toContain(`sendes fra systemets testkommunikasjonspart (HER-id ${TEST_SYSTEM_HER_ID})`);
    outgoing = () => withAttachment(runMessage(FORESPORSEL_TEMPLATE, testData));
    await expectAccessible(page);
    await screenshot(page, 'leverandor-kjoring');
  });

  it("downloads the message samsvar generated for the run's receive test case", async () => {
    const link = page.getByRole('link', { name: 'Last ned meldingen samsvar har laget for denne testkjøringen' });
    const res = await page.request.get(new URL((await link.getAttribute('href'))!, t.url).toString());
    expect(res.status()).toBe(200);
    const generated = await res.text();
    msgId = /<MsgId>([^<]+)<\/MsgId>/.exec(generated)![1]!;
  });

  it("registers the version's FHIR API from its page, sees a refusal by the field, and moves the API", async () => {
    await page.goto(`${t.url}/leverandor`);
    const address = page.getByLabel('Adressen til FHIR-API-et for NettJournal 3.1');
    await address.fill('ftp://fhir.nettjournal.example/r4');
    await page.getByRole('button', { name: 'Registrer FHIR-API-et' }).click();
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    expect(await page.textContent('.field-problem')).toContain('Adressen til FHIR-API-et er ikke gyldig.');
    await expectAccessible(page);
    await address.fill('https://fhir.nettjournal.example/r4');
    await page.getByRole('button', { name: 'Registrer FHIR-API-et' }).click();
    await page.waitForURL(/\/leverandor$/);
    expect(await page.textContent('main')).toContain('FHIR-API https://fhir.nettjournal.example/r4');
    await address.fill('https://fhir2.nettjournal.example/r4');
    await page.getByRole('button', { name: 'Flytt FHIR-API-et' }).click();
    await page.waitForURL(/\/leverandor$/);
    expect(await page.textContent('main')).toContain('FHIR-API https://fhir2.nettjournal.example/r4');
    expect(await address.inputValue()).toBe('https://fhir2.nettjournal.example/r4');
  });

  it('leaves the upload buttons usable when the browser goes back to the run page', async () => {
    // Back restores the run page from the back/forward cache as it was left, after the upload disabled its button.
    const cached = await launchBrowser({ backForwardCache: true });
    try {
      const ctx = await cached.newContext();
      await ctx.addCookies(await context.cookies());
      const p = await ctx.newPage();
      await p.goto(runUrl);
      const card = p.locator('section.card', {
        has: p.getByRole('heading', { name: 'Send forespørsel om helseopplysninger', exact: true }),
      });
      await card
        .locator('input[type="file"]')
        .setInputFiles({ name: 'f.xml', mimeType: 'application/xml', buffer: Buffer.from(outgoing(), 'utf8') });
      await card.getByRole('button', { name: 'Last opp og vurder' }).click();
      await p.waitForURL(/\/innsendinger\//);
      // A page restored from the cache fires no load event, so only the commit is awaited.
      await p.goBack({ waitUntil: 'commit' });
      await expect.poll(() => p.url(), { timeout: 30_000 }).toBe(runUrl);
      await expect.poll(() => p.locator('button[disabled]').count(), { timeout: 30_000 }).toBe(0);
      expect(await card.locator('.progress.visible').count()).toBe(0);
    } finally {
      await cached.close();
    }
  });

  it('submits a broken message, reads the findings marked on its lines, fixes it and passes', async () => {
    await page.goto(runUrl);
    const broken = outgoing().replace(/<Sporsmal>[\s\S]*?<\/Sporsmal>/, '');
    await upload('Send forespørsel om helseopplysninger', 'forespørsel.xml', broken);
    expect(await page.textContent('[role="status"].notice')).toContain('Ikke bestått');
    expect(await page.textContent('ol.findings')).toContain('DLG-0005');
    const href = (await page.getAttribute('ol.findings li a', 'href'))!;
    expect(await page.getAttribute(`li${href}`, 'class')).toContain('has-finding');
    await expectAccessible(page);
    await screenshot(page, 'leverandor-innsending');

    await page.goto(runUrl);
    await upload('Send forespørsel om helseopplysninger', 'forespørsel.xml', outgoing());
    expect(await page.textContent('[role="status"].notice')).toContain('Bestått');
  });

  it('passes every test case of the profile and issues a declaration from the page', async () => {
    await page.goto(runUrl);
    const titles = await page.$$eval('section.card h4', (hs) => hs.map((h) => h.textContent ?? ''));
    for (const title of titles) {
      if (title === 'Send forespørsel om helseopplysninger') continue;
      await page.goto(runUrl);
      const receive = title.startsWith('Motta');
      await upload(
        title,
        receive ? 'apprec.xml' : 'melding.xml',
        receive ? buildAppRec({ originalMsgId: msgId, status: '1' }) : outgoing(),
      );
      expect(await page.textContent('[role="status"].notice'), title).toContain('Bestått');
    }
    await page.goto(runUrl);
    await page.getByLabel('Utstedelsessted').fill('Bodø');
    await page.getByLabel('Navn på den som signerer for leverandøren').fill('Ola Nordmann');
    await page.getByLabel('Stilling eller rolle').fill('daglig leder');
    await page.getByRole('button', { name: 'Utsted erklæringen' }).click();
    await page.waitForURL(/\/erklaering\//);
    expect(await page.textContent('main')).toContain('Status: Gyldig');
    expect(await page.textContent('main')).toContain('Nettleser Journal AS');
  });

  it("refuses a form without the session's CSRF token, and another vendor's run is not found", async () => {
    const forged = await page.request.post(`${runUrl}/erklaering`, { form: { sted: 'X', signatar: 'Y Z', funksjon: 'leder' } });
    expect(forged.status()).toBe(403);
    const stranger = await browser.newContext();
    const theirs = await stranger.newPage();
    await theirs.goto(runUrl);
    expect(theirs.url()).toContain('/leverandor/logg-inn');
    await stranger.close();
  });

  it('signs out, after which the run page asks to sign in again', async () => {
    await page.goto(`${t.url}/leverandor`);
    await page.getByRole('button', { name: 'Logg ut' }).click();
    await page.goto(runUrl);
    expect(page.url()).toContain('/leverandor/logg-inn');
  });
});
