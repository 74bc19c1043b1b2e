import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Debian's Chromium, driven by playwright-core (no browser download). `.ci/run` installs it and sets
 * SAMSVAR_REQUIRE_BROWSER=1, so in CI a missing browser fails the suite; on a machine without it the
 * browser tests are skipped with a reason instead.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable && process.env.SAMSVAR_REQUIRE_BROWSER === '1')
  throw new Error(`SAMSVAR_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
export const skipReason = browserAvailable ? '' : `no Chromium at ${CHROMIUM} (apt-get install chromium); browser tests skipped`;

/**
 * Playwright's waits are hang guards only, as long as vitest's own (180 s): its default of 30 s made
 * the journeys fail on a loaded machine, where a page can take that long to answer.
 */
const HANG_GUARD_MS = 170_000;

/** `backForwardCache`: keep Chromium's back/forward cache, which Playwright turns off, so Back restores a page as it was left. */
export async function launchBrowser(opts: { backForwardCache?: boolean } = {}): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ...(opts.backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(HANG_GUARD_MS);
    context.setDefaultNavigationTimeout(HANG_GUARD_MS);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    page.setDefaultTimeout(HANG_GUARD_MS);
    page.setDefaultNavigationTimeout(HANG_GUARD_MS);
    return page;
  };
  return browser;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (through the DevTools protocol, so the page's CSP need not allow it)
 * with the WCAG 2.1 A and AA rules, and fails with each violation and where it is.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: unknown,
          ): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  })) as string[];
  expect(violations, `WCAG 2.1 A/AA violations on ${page.url()}`).toEqual([]);
}

const SCREENSHOTS = path.resolve('reports', 'screenshots');

/** A full-page screenshot for reviewers, in reports/screenshots/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Tabs through a freshly loaded page from the top and returns the accessible names of what gets focus, in order. */
export async function tabOrder(page: Page, steps: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press('Tab');
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        return (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ') || el.tagName.toLowerCase();
      }),
    );
  }
  return seen;
}
