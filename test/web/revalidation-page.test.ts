import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationFeature } from '../../src/server/routes/declaration-feature.js';
import { revalidationFeature } from '../../src/server/routes/revalidation-feature.js';
import { webPages } from '../../src/web/web-pages.js';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';
import { dialectsUnderTest } from '../support/databases.js';
import { ADMIN_TOKEN, registerVendor, startTestService, type TestService } from '../support/service.js';
import { browserAvailable, expectAccessible, launchBrowser, skipReason } from './browser.js';

const PROFILE = 'dialogmelding-1.1-foresporsel';
const EXAMPLE = readFileSync(
  path.resolve(import.meta.dirname, '../../profiles', PROFILE, 'examples/valid/foresporsel-helseopplysninger.xml'),
  'utf8',
);

/** The shipped example as the system would send it in the run: its parties and patient, a fresh MsgId, GenDate now. */
function inRun(patientFnr: string): string {
  return EXAMPLE.replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${randomUUID()}</MsgId>`)
    .replace(/<GenDate>[^<]*<\/GenDate>/, `<GenDate>${osloDateTime(new Date())}</GenDate>`)
    .replaceAll('<Id>8142987</Id>', '<Id>8999911</Id>')
    .replaceAll('<Id>8094866</Id>', '<Id>8999901</Id>')
    .replaceAll('<Id>15450210185</Id>', `<Id>${patientFnr}</Id>`);
}

describe.skipIf(!browserAvailable)(`an administrator follows a re-validation in the browser ${skipReason}`, () => {
  let t: TestService;
  let browser: Browser;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));

  beforeAll(async () => {
    const declarations = await declarationFeature(
      { dataDir: mkdtempSync(path.join(tmpdir(), 'samsvar-web-keys-')) },
      { env: { SAMSVAR_SWEEP_SECONDS: '0' } },
    );
    // The job holds after its first submission until the page has shown that much progress.
    const revalidations = revalidationFeature({ afterItem: (_id, position) => (position === 0 ? gate : undefined) });
    t = await startTestService(
      dialectsUnderTest()[0]!,
      {},
      {
        routeModules: [...declarations.modules, ...revalidations.modules],
        backgroundTasks: revalidations.backgroundTasks,
        pages: webPages(declarations.feature, revalidations.feature),
      },
    );
    const vendor = await registerVendor(t);
    const system = (await (await t.call('POST', '/api/v1/systems', { token: vendor.token, json: { name: 'EPJ' } })).json()) as {
      id: string;
    };
    const version = (await (
      await t.call('POST', `/api/v1/systems/${system.id}/versions`, { token: vendor.token, json: { version: '1', herId: '8999911' } })
    ).json()) as { id: string };
    const run = (await (
      await t.call('POST', '/api/v1/runs', { token: vendor.token, json: { systemVersionId: version.id, profiles: [PROFILE] } })
    ).json()) as { id: string; testData: { patient: { fnr: string } } };
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', `/api/v1/runs/${run.id}/submissions?testcase=${PROFILE}-send`, {
        token: vendor.token,
        body: inRun(run.testData.patient.fnr),
        contentType: 'application/xml',
      });
      expect(res.status).toBe(201);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    release();
    await browser?.close();
    await t?.stop();
  });

  it('starts a re-validation from /forvaltning and sees its progress indicator move to the end', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/forvaltning`);
    await page.getByLabel('Nøkkel').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Logg inn' }).click();
    await page.waitForURL(`${t.url}/forvaltning`);
    await page.getByRole('link', { name: 'Revalidering' }).click();
    await expectAccessible(page);
    await page.getByLabel('Profil').selectOption(PROFILE);
    await page.getByRole('button', { name: 'Kjør innsendingene på nytt' }).click();
    await page.waitForURL(/\/forvaltning\/revalidering\/[A-Za-z0-9_-]+$/);
    // The page renews its progress block by itself: first one of three, then, released, all three.
    await page.locator('#fremdrift', { hasText: '1 av 3 innsendinger' }).waitFor();
    expect(await page.locator('#fremdrift progress').getAttribute('value')).toBe('1');
    await expectAccessible(page);
    release();
    await page.locator('#fremdrift[data-status="done"]').waitFor();
    expect(await page.locator('#fremdrift progress').getAttribute('value')).toBe('3');
    expect(await page.textContent('#fremdrift')).toContain('Ingen innsendinger fikk et annet resultat.');
  });
});
