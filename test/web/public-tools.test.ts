import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_PROFILES_DIR } from '../../src/core/paths.js';
import type { TestService } from '../support/service.js';
import { browserAvailable, expectAccessible, launchBrowser, screenshot, skipReason } from './browser.js';
import { startWebService } from './web-service.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const example = (kind: string, file: string) => readFileSync(path.join(SHIPPED_PROFILES_DIR, PROFILE, 'examples', kind, file), 'utf8');

describe.skipIf(!browserAvailable)(`the profile catalogue and the validator in the browser ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await startWebService();
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("lists the profiles by standard and shows a profile's test cases with how each is judged", async () => {
    await page.goto(`${t.url}/profiler`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Dialogmelding 1.1 – forespørsel' }).click();
    expect(page.url()).toBe(`${t.url}/profiler/${PROFILE}`);
    const main = (await page.textContent('main')) ?? '';
    expect(main).toContain('Testtilfeller');
    expect(main).toContain('Slik vurderes det');
    // An assertion's own message says how the test case judges the message.
    expect(main).toContain('TC-DLGF-MSGTYPE');
    await expectAccessible(page);
    await screenshot(page, 'profil');
  });

  it('shows an invalid example with the rule it breaks marked on its line', async () => {
    await page.goto(`${t.url}/profiler/${PROFILE}`);
    await page.getByRole('link', { name: 'DLG-0005--missing-sporsmal.xml' }).click();
    expect(await page.textContent('ol.findings')).toContain('DLG-0005');
    expect(await page.$$eval('.listing li.has-finding', (l) => l.length)).toBeGreaterThan(0);
    await expectAccessible(page);
  });

  it("validates a pasted message, lists the findings in bokmål and marks them on the message's lines; nothing is stored", async () => {
    await page.goto(`${t.url}/validering`);
    await expectAccessible(page);
    const broken = example('invalid', 'DLG-0005--missing-sporsmal.xml');
    await page.getByLabel('Meldingen', { exact: true }).fill(broken);
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForSelector('#resultat');
    const result = (await page.textContent('[role="status"].notice')) ?? '';
    expect(result).toContain('Meldingen er ikke gyldig');
    const findings = await page.$$eval('ol.findings li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(findings.some((f) => f.includes('DLG-0005') && f.includes('Feil'))).toBe(true);
    // The finding links to its line, and that line is marked.
    const href = await page.getAttribute('ol.findings li a', 'href');
    expect(href).toMatch(/^#L\d+$/);
    expect(await page.getAttribute(`li${href}`, 'class')).toContain('has-finding');
    await expectAccessible(page);
    await screenshot(page, 'validering');

    await page.goto(`${t.url}/validering`);
    await page.getByLabel('Meldingen', { exact: true }).fill(example('valid', 'foresporsel-helseopplysninger.xml'));
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForSelector('#resultat');
    expect(await page.textContent('[role="status"].notice')).toContain('Meldingen er gyldig');
  });

  it('answers hostile input with its findings, not an error page, and an empty form with a clear request', async () => {
    await page.goto(`${t.url}/validering`);
    await page
      .getByLabel('Meldingen', { exact: true })
      .fill('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>');
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForSelector('#resultat');
    expect(await page.textContent('ol.findings')).toContain('SYNTAX-DOCTYPE');
    expect(await page.textContent('main')).not.toContain('root:x:0:0');

    await page.goto(`${t.url}/validering`);
    await page.getByRole('button', { name: 'Valider' }).click();
    expect(await page.textContent('[role="alert"]')).toContain('Lim inn en melding eller velg en fil');
  });

  it('validates an uploaded file', async () => {
    await page.goto(`${t.url}/validering`);
    await page.getByLabel('Eller last opp en fil').setInputFiles({
      name: 'melding.xml',
      mimeType: 'application/xml',
      buffer: Buffer.from(example('valid', 'foresporsel-iso-8859-1.xml'), 'utf8'),
    });
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.waitForSelector('#resultat');
    expect(await page.textContent('#resultat + .notice, [role="status"].notice')).toMatch(/gyldig/);
  });
});

describe.skipIf(!browserAvailable)(`the validator with the keyboard only ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;

  beforeAll(async () => {
    t = await startWebService();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('reaches the validator from the front page, fills the form and submits it without a mouse', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/`);
    // Skip link, brand, then the navigation: Registeret, Kravsett, Profiler og testtilfeller, Valider en melding.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Valider en melding');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.url}/validering`);
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab'); // brand
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab'); // the five menu links
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('melding');
    await page.keyboard.insertText(example('invalid', 'DLG-0005--missing-sporsmal.xml'));
    await page.keyboard.press('Tab'); // file
    await page.keyboard.press('Tab'); // profile
    await page.keyboard.press('Tab'); // button
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Valider');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#resultat');
    // The result takes focus, so a screen reader user hears it first.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('resultat');
  });
});
