// One counter for the end-to-end tests: the real counter core on a fresh
// data folder (or a given one), enrolled to a window of the real hall server,
// served to Chromium by the browser host.
//
//   const hall = await startHallServer();
//   const one = await startE2eCounter(hall, { windowId: 1, evaluator });
//   const page = await browser.newPage(); await page.goto(one.host.clerkUrl);
//   await signIn(page, '1006');
//   await one.close();
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { residentIdCheckChar } from '../../common/identity.ts';
import type { Counter, CounterOptions } from '../../main/counter-api.ts';
import { openCounter, type CounterDependencies } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { DEMO_PASSWORD, type TestHallServer } from './hall-server.ts';

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

export interface E2eCounter {
  counter: Counter;
  host: BrowserHost;
  dataDir: string;
  close(): Promise<void>;
}

export async function startE2eCounter(
  hall: TestHallServer,
  options: { windowId: number; dataDir?: string } & Partial<Omit<CounterOptions, 'dataDir'>>,
  deps: CounterDependencies = {},
): Promise<E2eCounter> {
  const { windowId, dataDir: given, ...rest } = options;
  const dataDir = given ?? mkdtempSync(join(tmpdir(), `halldesk-e2e-w${windowId}-`));
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } })).code;
  const counter = await openCounter(
    { deviceName: `e2e-window-${windowId}`, autoEnroll: { serverUrl: hall.url, code }, ...rest, dataDir },
    deps,
  );
  const host = await startBrowserHost({ core: counter, staticDir: RENDERER_DIR });
  return {
    counter,
    host,
    dataDir,
    async close() {
      await host.close();
      await counter.close();
    },
  };
}

/** Signs a demo staff member in on the clerk page and waits for the workspace. */
export async function signIn(page: Page, staffNo: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByTestId('signin-staff-no').fill(staffNo);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('clerk-name').waitFor();
}

/**
 * The counter's clerk and outward pages in a browser context of their own
 * (e.g. `{ timezoneId, viewport }`), page errors logged; the clerk signed in
 * when a staff number is given. Close the context when done.
 */
export async function openCounterPages(
  browser: Browser,
  one: E2eCounter,
  options: BrowserContextOptions = {},
  staffNo?: string,
): Promise<{ context: BrowserContext; clerk: Page; outward: Page }> {
  const context = await browser.newContext(options);
  const clerk = await context.newPage();
  const outward = await context.newPage();
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(one.host.clerkUrl);
  await outward.goto(one.host.outwardUrl);
  if (staffNo !== undefined) await signIn(clerk, staffNo);
  return { context, clerk, outward };
}

/** Waits until no finite animation runs, then takes the screenshot into docs/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  );
  await page.screenshot({ path: join(SCREENSHOT_DIR, name) });
}

/** A valid resident ID number for the applicants of the tests. */
export const TEST_ID_NUMBER = '32010219900307123' + residentIdCheckChar('32010219900307123');

/** 个体工商户设立登记 (即办件) for a person, all materials present, 受理 → 准予: its case number. */
export async function acceptInstantCase(page: Page, applicantName: string): Promise<string> {
  const byId = (id: string) => page.getByTestId(id);
  await page.keyboard.press('F6');
  await expect.poll(() => byId('case-result').count()).toBe(0);
  await page.keyboard.press('F7');
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-search');
  await page.keyboard.type('gtgsh');
  await byId('item-option-SCJG-DJ-011').click();
  await expect.poll(() => byId('item-selected').getAttribute('data-code')).toBe('SCJG-DJ-011');
  await byId('applicant-name').fill(applicantName);
  await byId('applicant-id-number').fill(TEST_ID_NUMBER);
  await byId('applicant-phone').fill('13812345678');
  await page.keyboard.press('Alt+Q');
  await expect.poll(() => byId('decide-accept').getAttribute('data-allowed')).toBe('true');
  await page.keyboard.press('Alt+S');
  await byId('dialog-instant').waitFor();
  await byId('instant-approve').click();
  await byId('case-result').waitFor();
  return ((await byId('case-result-no').textContent()) ?? '').trim();
}
