// End to end in real Chromium (issue 7): 暂停服务. The hall locks an idle
// counter after idleLockMinutes (1 here); Playwright's clock stands in for
// the minute. While locked the outward screen shows 暂停服务 and F1 calls
// nobody; the clerk's own password unlocks, a wrong one is refused; Alt+L
// pauses at once; 切换工作人员 signs out.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let one: E2eCounter;
let clerk: Page;
let outward: Page;

const outwardMode = () => outward.getByTestId('outward-mode').getAttribute('data-mode');

beforeAll(async () => {
  const seedDir = mkdtempSync(join(tmpdir(), 'halldesk-seed-'));
  cpSync(DEMO_SEED_DIR, seedDir, { recursive: true });
  const settingsFile = join(seedDir, 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(settingsFile, JSON.stringify({ ...settings, idleLockMinutes: 1 }));
  hall = await startHallServer({ seedDir });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  one = await startE2eCounter(hall, { windowId: 1 });
  browser = await launchChromium();
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  outward = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.clock.install();
  await clerk.goto(one.host.clerkUrl);
  await outward.goto(one.host.outwardUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await one?.close();
  await hall?.close();
});

describe('暂停服务: the idle lock', () => {
  it('locks after the idle minute: the outward screen shows 暂停服务 and F1 calls nobody', async () => {
    await signIn(clerk, '1001');
    await expect.poll(outwardMode).toBe('idle');
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await expect.poll(() => clerk.getByTestId('queue-count-A').textContent()).toBe('1');

    await clerk.clock.fastForward('00:30');
    expect(await clerk.getByTestId('lock-screen').count()).toBe(0); // half the time: still open
    await clerk.clock.fastForward('00:31');
    await clerk.getByTestId('lock-screen').waitFor();
    await expect.poll(outwardMode).toBe('paused');
    await outward.getByTestId('outward-paused').waitFor();
    expect(await outward.getByTestId('outward-paused').textContent()).toContain('暂停服务');

    await clerk.keyboard.press('F1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await clerk.getByTestId('queue-count-A').textContent()).toBe('1');
    await screenshot(clerk, 'lock-screen.png');
    await screenshot(outward, 'outward-paused.png');
  });

  it('a wrong password is refused; the clerk’s own password unlocks and the outward screen returns', async () => {
    await clerk.getByTestId('lock-password').fill('000000');
    await clerk.keyboard.press('Enter');
    await expect.poll(() => clerk.getByTestId('lock-screen').textContent()).toContain('密码错误');
    expect(await clerk.getByTestId('lock-password').inputValue()).toBe('');
    await clerk.getByTestId('lock-password').fill(DEMO_PASSWORD);
    await clerk.keyboard.press('Enter');
    await clerk.getByTestId('lock-screen').waitFor({ state: 'detached' });
    await expect.poll(outwardMode).toBe('idle');
    await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F1');
    await expect.poll(() => clerk.getByTestId('current-ticket').first().textContent()).toBe('A001');
  });

  it('Alt+L pauses at once; 切换工作人员 signs the clerk out', async () => {
    // The call from the last test has answered (a key pressed while one is in flight is refused out loud).
    await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('Alt+L');
    await clerk.getByTestId('lock-screen').waitFor();
    await expect.poll(outwardMode).toBe('paused');
    await clerk.getByTestId('lock-switch-user').click();
    await clerk.getByTestId('signin-staff-no').waitFor();
    await expect.poll(outwardMode).toBe('closed');
  });
});
