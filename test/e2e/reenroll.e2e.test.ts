// 重新注册 in Chromium: the real hall server, the real counter core behind the
// browser host. A manager at window 1 opens 设备设置, enters a wrong code
// (refused, the old enrollment stays), then a new code for window 2, confirms,
// and ends on the sign-in screen; a clerk signing in there is at window 2.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

let hall: TestHallServer;
let browser: Browser;
let one: E2eCounter | null = null;
let page: Page;
const byId = (id: string) => page.getByTestId(id);

beforeAll(async () => {
  hall = await startHallServer();
  one = await startE2eCounter(hall, { windowId: 1 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(one.host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await one?.close();
  await hall?.close();
});

describe('重新注册 (Chromium)', () => {
  it('a refused code keeps the enrollment; a new code moves the counter to window 2 and signs the manager out', async () => {
    await signIn(page, '1006');
    await page.keyboard.press('Alt+D');
    await byId('device-setup').waitFor();
    expect(await byId('reenroll-server-url').inputValue()).toBe(hall.url);
    await byId('reenroll-submit').scrollIntoViewIfNeeded();

    // The form's own check first.
    await byId('reenroll-code').fill('123');
    await byId('reenroll-submit').click();
    await page.getByText('注册码应为 8 位数字').waitFor();

    // A code the server does not know: refused, nothing changes.
    await byId('reenroll-code').fill('12345678');
    await byId('reenroll-submit').click();
    await expect
      .poll(() => page.getByText(`本终端将以新身份注册到 ${hall.url}；注册后需重新登录`).count())
      .toBe(1);
    await byId('reenroll-confirm').click();
    await expect.poll(() => byId('reenroll-result').getAttribute('data-ok')).toBe('false');
    expect(await byId('reenroll-result').textContent()).toContain('注册码无效或已使用');
    expect(await byId('reenroll-result').textContent()).toContain('本终端仍按原注册');
    expect(await byId('server-window').textContent()).toBe('1号窗口');

    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 2 } });
    await byId('reenroll-code').fill(code);
    await byId('reenroll-submit').click();
    await byId('reenroll-confirm').click();
    // Nobody is signed in now: the sign-in screen, with what happened.
    await byId('signin-staff-no').waitFor();
    await page.getByText(`本终端已重新注册到 ${hall.url}：请重新登录`).first().waitFor();

    await signIn(page, '1001');
    await page.getByText('2号窗口').first().waitFor();
  });
});
