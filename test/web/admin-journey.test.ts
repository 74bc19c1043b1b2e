import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUANCE } from '../declarations/fixtures.js';
import { PROFILE, run, submitAll, systemVersion } from '../server/declaration-helpers.js';
import { oppgaveFiles, zipPackage } from '../support/profile-package.js';
import { ADMIN_TOKEN, registerVendor, type TestService } from '../support/service.js';
import { browserAvailable, expectAccessible, launchBrowser, screenshot, skipReason } from './browser.js';
import { startWebService } from './web-service.js';

describe.skipIf(!browserAvailable)(`an administrator's and a laboratory's journey in the browser ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let declarationId: string;
  let labToken: string;

  beforeAll(async () => {
    t = await startWebService();
    const vendor = await registerVendor(t, 'Omsorg & Journal AS');
    const runId = await run(t, vendor.token, await systemVersion(t, vendor.token, 'OmsorgsJournal', '5.2.0'));
    declarationId = (
      (await (await t.call('POST', `/api/v1/runs/${runId}/declaration`, { token: vendor.token, json: ISSUANCE })).json()) as { id: string }
    ).id;
    labToken = (
      (await (
        await t.call('POST', '/api/v1/tokens', { token: ADMIN_TOKEN, json: { role: 'lab', name: 'Akkreditert Testlab AS' } })
      ).json()) as { token: string }
    ).token;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const signIn = async (token: string) => {
    page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/forvaltning`);
    await page.getByLabel('Nøkkel').fill(token);
    await page.getByRole('button', { name: 'Logg inn' }).click();
    await page.waitForURL(`${t.url}/forvaltning`);
  };

  it("refuses a vendor's token at the administrators' door", async () => {
    const vendor = await registerVendor(t, 'Annen AS');
    page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/forvaltning`);
    await page.getByLabel('Nøkkel').fill(vendor.token);
    await page.getByRole('button', { name: 'Logg inn' }).click();
    expect(await page.textContent('[role="alert"]')).toContain('leverandørnøkkel');
  });

  it('lets a laboratory confirm a declaration, which then names the laboratory', async () => {
    await signIn(labToken);
    await page.getByRole('link', { name: 'Erklæringer' }).click();
    await expectAccessible(page);
    // Level C rests on the laboratory's own re-test: it starts a run of its own on the page …
    await page.getByRole('button', { name: 'Start laboratoriets testkjøring' }).click();
    const started = (await page.textContent('[role="status"]'))!;
    const retestRun = /Testkjøring (\S+) er startet/.exec(started)![1]!;
    // … submits its own artifacts to it (as `samsvar submit` would, with the laboratory's token) …
    await submitAll(t, labToken, retestRun);
    // … and confirms naming that run.
    await page.getByLabel('Laboratoriets testkjøring (id)').fill(retestRun);
    await page.getByRole('button', { name: 'Bekreft nivå C etter laboratoriets testkjøring' }).click();
    expect(await page.textContent('[role="status"]')).toContain('lagret');
    await page.goto(`${t.url}/erklaering/${declarationId}`);
    expect(await page.textContent('main')).toContain('Testlaboratorium: Akkreditert Testlab AS');
    expect(await page.textContent('main')).toContain(`Kjørt på nytt i laboratoriets testkjøring ${retestRun}`);
  });

  it('lets an administrator verify a vendor against Enhetsregisteret, after which its declaration no longer shows it as unverified', async () => {
    await page.goto(`${t.url}/erklaering/${declarationId}`);
    expect(await page.textContent('main')).toContain(
      'ikke verifisert: navn og organisasjonsnummer er slik leverandøren selv registrerte dem',
    );
    await signIn(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Leverandører', exact: true }).first().click();
    await expectAccessible(page);
    const form = page.getByRole('region', { name: /Verifiser Omsorg & Journal AS/ });
    // A name that is not the registered one leaves the vendor unverified, with the reason.
    await form.getByLabel('Navn i Enhetsregisteret').fill('Omsorg og Journal Holding AS');
    await form.getByLabel('Hva du kontrollerte (kilde, dato, hva som stemte)').fill('Enhetsregisteret i dag: enheten er aktiv');
    await form.getByRole('button', { name: 'Verifiser leverandøren' }).click();
    expect(await page.textContent('[role="alert"]')).toBeTruthy();
    const again = page.getByRole('region', { name: /Verifiser Omsorg & Journal AS/ });
    await again.getByLabel('Navn i Enhetsregisteret').fill('OMSORG & JOURNAL AS');
    await again
      .getByLabel('Hva du kontrollerte (kilde, dato, hva som stemte)')
      .fill('Enhetsregisteret i dag: enheten er aktiv, ikke slettet, navnet stemmer');
    await again.getByRole('button', { name: 'Verifiser leverandøren' }).click();
    expect(await page.textContent('[role="status"]')).toContain('lagret');
    expect(await page.textContent('main')).toContain('enheten er aktiv, ikke slettet, navnet stemmer');
    await screenshot(page, 'forvaltning-leverandorer');
    await page.goto(`${t.url}/erklaering/${declarationId}`);
    expect(await page.textContent('main')).toContain('verifisert mot Enhetsregisteret av forvaltningen');
  });

  it('shows an administrator the impact of retiring a profile before the change, and the declaration expires after it', async () => {
    await signIn(ADMIN_TOKEN);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Profiler', exact: true }).click();
    await page.getByRole('link', { name: 'Dialogmelding 1.1 – forespørsel' }).click();
    expect(await page.textContent('ul.impact')).toContain('OmsorgsJournal 5.2.0');
    await expectAccessible(page);
    await screenshot(page, 'forvaltning-profil');
    await page.getByLabel('Ny status').selectOption('retired');
    await page.getByLabel('Begrunnelse').fill('Erstattet av ny versjon');
    await page.getByRole('button', { name: 'Lagre status' }).click();
    expect(await page.textContent('[role="status"]')).toContain('lagret');
    expect(await page.textContent('main')).toContain('status faset ut');

    await page.goto(`${t.url}/erklaering/${declarationId}`);
    expect(await page.textContent('.notice')).toContain(`Utløpt fordi profilversjonen ${PROFILE} 1.1.1 er faset ut`);
  });

  it('does not revive the expired declaration when the profile is reactivated', async () => {
    await page.goto(`${t.url}/forvaltning/profiler/${PROFILE}`);
    await page.getByLabel('Ny status').selectOption('active');
    await page.getByLabel('Begrunnelse').fill('Tatt i bruk igjen');
    await page.getByRole('button', { name: 'Lagre status' }).click();
    expect(await page.textContent('main')).toContain('status aktiv');
    await page.goto(`${t.url}/erklaering/${declarationId}`);
    expect(await page.textContent('.notice')).toContain('Utløpt');
  });

  it("lists an imported profile's versions and the open runs that use it", async () => {
    const imp = (version: string) =>
      t.call('POST', '/api/v1/admin/profiles', {
        token: ADMIN_TOKEN,
        body: zipPackage(oppgaveFiles({ version })) as BodyInit,
        contentType: 'application/zip',
      });
    expect((await imp('1.0.0')).status).toBe(201);
    expect(
      (
        await t.call('POST', '/api/v1/admin/profiles/eksempel-oppgave/versions/1.0.0/status', {
          token: ADMIN_TOKEN,
          json: { status: 'active' },
        })
      ).status,
    ).toBe(200);
    const vendor = await registerVendor(t, 'Oppgave AS');
    const sv = await systemVersion(t, vendor.token, 'Oppgavesystem', '1.0');
    expect(
      (await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: sv, profiles: ['eksempel-oppgave'] } })).status,
    ).toBe(201);
    expect((await imp('1.1.0')).status).toBe(201);

    await page.goto(`${t.url}/forvaltning/profiler`);
    await page.getByRole('link', { name: 'Eksempel: oppgave' }).click();
    expect(await page.textContent('main')).toContain('1 testkjøring uten erklæring bruker denne versjonen');
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent?.trim())),
    );
    expect(rows).toEqual([
      ['1.0.0 (i bruk)', 'aktiv'],
      ['1.1.0', 'utkast'],
    ]);
    await expectAccessible(page);
    await screenshot(page, 'forvaltning-profil-versjoner');

    await page.getByLabel('Versjon', { exact: true }).selectOption('1.1.0');
    await page.getByLabel('Frist for ny test').fill('2030-06-30');
    await page.getByRole('button', { name: 'Ta i bruk versjonen' }).click();
    expect(await page.textContent('[role="status"]')).toContain('lagret');
    const after = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
    );
    expect(after.map((r) => r.slice(0, 2))).toEqual([
      ['1.0.0', 'foreldet'],
      ['1.1.0 (i bruk)', 'aktiv'],
    ]);
    expect(after[1]![3]).toContain('testes på nytt innen');
  });

  it('keeps a kravsett and reads the audit trail', async () => {
    await page.goto(`${t.url}/forvaltning/kravsett`);
    await page.getByLabel('ID (små bokstaver, tall og bindestrek)').fill('legekontor');
    await page.getByLabel('Tittel').fill('Legekontor');
    await page.getByLabel('Tjenestetype').fill('fastlege');
    await page.getByLabel('Applikasjonskvittering (AppRec) 1.0', { exact: true }).selectOption('mandatory');
    await page.getByRole('button', { name: 'Lagre kravsettet' }).click();
    expect(await page.textContent('[role="status"]')).toContain('lagret');
    await expectAccessible(page);
    await page.goto(`${t.url}/kravsett/legekontor`);
    expect(await page.textContent('h1')).toContain('Legekontor');

    await page.goto(`${t.url}/forvaltning/revisjon`);
    const actions = await page.$$eval('tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(actions).toContain('profile.status');
    await expectAccessible(page);
  });

  it("refuses an administrator's action without the session's CSRF token", async () => {
    const res = await page.request.post(`${t.url}/forvaltning/erklaeringer/${declarationId}/tilbakekall`, {
      form: { begrunnelse: 'forfalsket' },
    });
    expect(res.status()).toBe(403);
  });
});
