// End to end in real Chromium: the real hall server, two counters (windows 1
// and 2) each behind its own browser host, the clerk and outward pages of
// both. Tickets come from a kiosk device over HTTP. Screenshots for the README
// are written to docs/screenshots/.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
const counters: Counter[] = [];
const hosts: BrowserHost[] = [];
const pages: { clerk: Page; outward: Page }[] = [];
/** The voice clips each outward page fetched, in order (each clip is fetched once, then cached). */
const clipRequests = new Map<Page, string[]>();

async function counterWithHost(windowId: number, enrolled: boolean) {
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } })).code;
  const counter = await openCounter({
    dataDir: mkdtempSync(join(tmpdir(), `halldesk-e2e-${windowId}-`)),
    deviceName: `e2e-${windowId}`,
    autoEnroll: enrolled ? { serverUrl: hall.url, code } : undefined,
  });
  counters.push(counter);
  const host = await startBrowserHost({ core: counter, staticDir });
  hosts.push(host);
  const clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const outward = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  outward.on('request', (request) => {
    const clip = /\/voice\/([^/]+)\.wav$/.exec(new URL(request.url()).pathname)?.[1];
    if (clip) clipRequests.get(outward)!.push(decodeURIComponent(clip));
  });
  clipRequests.set(outward, []);
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await outward.goto(host.outwardUrl);
  pages.push({ clerk, outward });
  return { clerk, outward, code };
}

const issue = (lineId: string) => kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } });
const number = (page: Page) => page.getByTestId('outward-number');
/** Presses a hotkey once the previous action has finished (叫号 is enabled whenever nothing is in flight). */
async function press(clerk: Page, key: string) {
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const host of hosts) await host.close();
  for (const counter of counters) await counter.close();
  await hall?.close();
});

describe('two windows calling through the browser host', () => {
  it('enrolls window 1 from the clerk page and signs both clerks in', async () => {
    const one = await counterWithHost(1, false);
    await one.clerk.getByTestId('enroll-server-url').fill(hall.url);
    await one.clerk.getByTestId('enroll-code').fill('1234');
    await one.clerk.getByTestId('enroll-submit').click();
    await expect.poll(() => one.clerk.getByText('8 位数字').count()).toBeGreaterThan(0);
    await screenshot(one.clerk, 'clerk-enroll.png');
    await one.clerk.getByTestId('enroll-code').fill(one.code);
    await one.clerk.getByTestId('enroll-submit').click();
    await one.clerk.getByTestId('signin-staff-no').waitFor();
    await one.clerk.getByTestId('signin-staff-no').fill('1001');
    await one.clerk.getByTestId('signin-password').fill('wrong-password');
    await one.clerk.getByTestId('signin-submit').click();
    await expect.poll(() => one.clerk.getByTestId('action-error').textContent()).toContain('工号或密码错误');
    await screenshot(one.clerk, 'clerk-sign-in.png');
    await signIn(one.clerk, '1001');

    const two = await counterWithHost(2, true);
    await signIn(two.clerk, '1002');
    await expect.poll(() => two.outward.getByTestId('outward-clerk-name').textContent()).toContain('');
    expect(await two.outward.getByTestId('outward-clerk-staff-no').textContent()).toContain('1002');
    expect(await two.outward.getByTestId('outward-window-name').textContent()).toContain('2号窗口');
    for (const { clerk } of pages) {
      await expect.poll(() => clerk.getByTestId('connection-state').getAttribute('data-state')).toBe('online');
    }
  });

  it('two windows call: each outward page shows its own number, never the same one', async () => {
    const [one, two] = pages as [(typeof pages)[0], (typeof pages)[0]];
    await issue('A');
    await issue('A');
    await issue('C');
    await expect.poll(() => one.clerk.getByTestId('queue-count-A').textContent()).toBe('2');
    await expect.poll(() => one.clerk.getByTestId('queue-count-C').textContent()).toBe('1');

    await press(one.clerk, 'F1'); // 叫号 hotkey
    await expect.poll(() => number(one.outward).textContent()).toBe('A001');
    // «请A001号到1号窗口办理» is spoken from the recorded clips, in order (repeats come from the cache).
    await expect
      .poll(() => clipRequests.get(one.outward))
      .toEqual(['qing', 'A', '0', '1', 'hao', 'dao', 'chuangkou', 'banli']);
    await expect.poll(() => one.clerk.getByTestId('current-ticket').textContent()).toBe('A001');

    await two.clerk.getByTestId('action-call-next').click();
    await expect.poll(() => number(two.outward).textContent()).toBe('A002');
    expect(await number(one.outward).textContent()).toBe('A001');
    await expect.poll(() => one.clerk.getByTestId('queue-count-A').textContent()).toBe('0');

    expect(await one.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('serving');
    const photo = await one.outward.getByTestId('outward-clerk-photo').getAttribute('src');
    expect(photo).toMatch(/^data:image\//);
    await screenshot(one.outward, 'outward-calling.png');
    await screenshot(one.clerk, 'clerk-workspace.png');
  });

  it('recall announces again; no-show needs a recall first, then ends the ticket', async () => {
    const [one] = pages as [(typeof pages)[0]];
    await one.clerk.getByTestId('action-no-show').click({ force: true });
    const noShowBlocked = async () =>
      (await one.clerk.getByTestId('action-no-show').isDisabled()) ||
      ((await one.clerk.getByTestId('action-error').textContent()) ?? '').includes('重呼');
    await expect.poll(noShowBlocked).toBe(true);
    expect(await number(one.outward).textContent()).toBe('A001');

    await press(one.clerk, 'F2'); // 重呼
    await expect.poll(() => one.outward.getByTestId('outward-announcement').getAttribute('data-announcement')).toBe('1');
    await expect.poll(() => one.clerk.getByTestId('current-recalls').textContent()).toBe('1');

    await press(one.clerk, 'F3'); // 过号
    await expect.poll(() => number(one.outward).count()).toBe(0);
    expect(await one.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('idle');
    await screenshot(one.outward, 'outward-idle.png');

    await press(one.clerk, 'F1'); // next: window 1 also serves line C
    await expect.poll(() => number(one.outward).textContent()).toBe('C001');
  });

  it('complete (办结) ends the ticket; the call log and an empty queue are shown to the clerk', async () => {
    const [one, two] = pages as [(typeof pages)[0], (typeof pages)[0]];
    await press(two.clerk, 'F4'); // 办结
    await expect.poll(() => number(two.outward).count()).toBe(0);
    await expect.poll(() => two.clerk.getByTestId('current-ticket').count().then(async (n) => n === 0 || !(await two.clerk.getByTestId('current-ticket').textContent()))).toBe(true);

    await press(two.clerk, 'F1');
    await expect.poll(() => two.clerk.getByTestId('action-error').textContent()).toContain('暂无等候');

    const log = await one.clerk.getByTestId('call-log').textContent();
    for (const ticket of ['A001', 'C001']) expect(log).toContain(ticket);
  });
});
