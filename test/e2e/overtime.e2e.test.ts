// 超时提醒 end to end in real Chromium (issue 14, point 4): the clerk's
// service timer turns amber past the line's standard service time (demo hall:
// A 15 minutes) and red past twice it; the clerk's state carries the same
// level. The hall server's clock runs behind by the minutes the test wants
// the service to have lasted, so the ticket is called "that long ago".
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const shots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** How far behind the hall server's clock runs (ms). */
let behindMs = 0;
let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let clerk: Page;

beforeAll(async () => {
  hall = await startHallServer({ clock: () => new Date(Date.now() - behindMs) });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  counter = await openCounter({
    dataDir: mkdtempSync(join(tmpdir(), 'halldesk-e2e-overtime-')),
    deviceName: 'e2e-overtime',
    autoEnroll: { serverUrl: hall.url, code },
  });
  host = await startBrowserHost({ core: counter, staticDir });
  browser = await launchChromium();
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  clerk.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await clerk.getByTestId('signin-staff-no').fill('1001');
  await clerk.getByTestId('signin-password').fill(DEMO_PASSWORD);
  await clerk.getByTestId('signin-submit').click();
  await clerk.getByTestId('clerk-name').waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await hall?.close();
});

/** A fresh A ticket called with F1 as if `minutes` ago (the hall clock behind by that much). */
async function callAgo(minutes: number): Promise<string> {
  behindMs = minutes * 60_000;
  const { ticket } = await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press('F1');
  await expect.poll(() => clerk.getByTestId('current-ticket').first().textContent()).toBe(ticket.number);
  behindMs = 0;
  return ticket.number;
}

const level = () => clerk.getByTestId('service-timer').getAttribute('data-level');
const stateLevel = async () => ((await counter.call('getClerkState', {})) as ClerkState).service?.level ?? null;

describe('超时提醒 on the clerk page', () => {
  it('within the standard time the timer is plain; past it amber; past twice red — in the page and in the state', async () => {
    await callAgo(3);
    await expect.poll(level).toBe('ok');
    await expect.poll(stateLevel).toBe('ok');
    await expect.poll(() => clerk.getByTestId('service-timer').getAttribute('title')).toContain('标准办理时长 15 分钟');

    await clerk.keyboard.press('F4');
    await callAgo(16);
    await expect.poll(level).toBe('amber');
    await expect.poll(stateLevel).toBe('amber');
    expect(await clerk.getByTestId('service-timer').textContent()).toContain('超时（标准 15 分钟）');
    await clerk.evaluate(() => document.fonts.ready);
    await clerk.screenshot({ path: join(shots, 'clerk-overtime-amber.png') });

    await clerk.keyboard.press('F4');
    await callAgo(31);
    await expect.poll(level).toBe('red');
    await expect.poll(stateLevel).toBe('red');
    expect(await clerk.getByTestId('service-timer').textContent()).toContain('严重超时');
    await clerk.screenshot({ path: join(shots, 'clerk-overtime-red.png') });
  });
});
