// End to end in real Chromium (issue 15): a staff number is locked after the
// hall's signInMaxFailures wrong passwords (the hall server counts them), the
// right password is then refused too with the time to retry, and the hall
// manager unlocks it in 设备设置 → 登录解锁; the clerk signs in. A restart of
// the counter signs the clerk out.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

let hall: TestHallServer;
let browser: Browser;
let one: E2eCounter;
let page: Page;

const byId = (id: string) => page.getByTestId(id);

async function trySignIn(staffNo: string, password: string): Promise<string> {
  await byId('signin-staff-no').fill(staffNo);
  await byId('signin-password').fill(password);
  await byId('signin-submit').click();
  // The answer is in once the button stops spinning.
  await page.locator('[data-testid="signin-submit"].ant-btn-loading').waitFor({ state: 'detached' });
  await byId('action-error').last().waitFor();
  return lastError();
}

const lastError = async () => (await byId('action-error').last().textContent()) ?? '';

beforeAll(async () => {
  hall = await startHallServer();
  one = await startE2eCounter(hall, { windowId: 1 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(one.host.clerkUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await one?.close();
  await hall?.close();
});

describe('sign-in lockout', () => {
  it('five wrong passwords lock the staff number; the right one is then refused with the time to retry', { timeout: 90_000 }, async () => {
    for (let i = 1; i <= 5; i++) expect(await trySignIn('1001', `guess-${i}`)).toContain('密码');
    await trySignIn('1001', DEMO_PASSWORD);
    await expect.poll(lastError).toMatch(/锁定/);
    const refused = await lastError();
    expect(refused).toMatch(/\d\d:\d\d/);
    expect(await byId('clerk-name').count()).toBe(0);
    await screenshot(page, 'sign-in-locked.png');
  });

  it('the hall manager unlocks it in 设备设置 → 登录解锁, and the clerk signs in', async () => {
    await signIn(page, '1006');
    await page.keyboard.press('Alt+D');
    await byId('device-setup').waitFor();
    await byId('setup-unlock-staff').fill('1001');
    await byId('setup-unlock').click();
    await expect.poll(() => byId('setup-unlock-result').textContent()).toContain('已解除工号 1001 的登录锁定');
    await byId('setup-unlock-result').scrollIntoViewIfNeeded();
    await screenshot(page, 'sign-in-unlock.png');
    await page.keyboard.press('Escape');
    await byId('sign-out').click();
    await byId('signin-staff-no').waitFor();
    await signIn(page, '1001');
    expect(await byId('clerk-name').textContent()).toBeTruthy();
  });

  it('a restart of the counter signs the clerk out: the page asks for the password again', async () => {
    const { dataDir } = one;
    await one.close();
    one = await startE2eCounter(hall, { windowId: 1, dataDir });
    await page.goto(one.host.clerkUrl);
    await byId('signin-staff-no').waitFor();
    expect(await byId('clerk-name').count()).toBe(0);
    await signIn(page, '1001', DEMO_PASSWORD);
  });
});
