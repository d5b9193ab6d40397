// End to end in real Chromium, the browser set to New York time: the clerk
// page shows Beijing times (the hall's, common/hall-time.ts), never the
// browser's zone; 今日统计 shows the clerk's own 叫号 / 办结 / 过号 / 转窗 and
// ratings by level as they happen; every aria-label on the workspace says in
// Chinese what it labels; the 不予受理 说明 takes Enter as a new line and
// Ctrl+Enter as 确认, as README says. Screenshot: docs/screenshots/clerk-figures.png.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { hallClock } from '../../common/hall-time.ts';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, startE2eCounter, TEST_ID_NUMBER, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const ZONE = 'America/New_York'; // 12 or 13 hours behind Beijing: every clock reading differs

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let context: BrowserContext;
let one: E2eCounter;
let clerk: Page;
let outward: Page;

const byId = (page: Page, id: string) => page.getByTestId(id);
/** expect.poll with room for a busy test machine. */
const eventually = <T>(read: () => Promise<T> | T, message?: string) => expect.poll(read, { timeout: 15_000, message });
const clerkState = async () => (await one.counter.call('getClerkState', {})) as ClerkState;
const figure = (id: string) => byId(clerk, `figure-${id}`).textContent();

async function press(key: string) {
  await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

/** A fresh ticket on line A, called with F1: its number. */
async function callFresh(): Promise<string> {
  const { ticket } = await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  await eventually(async () => (await clerkState()).queue.find((line) => line.lineId === 'A')?.waiting).toBeGreaterThan(0);
  await press('F1');
  await eventually(() => byId(clerk, 'current-ticket').first().textContent()).toBe(ticket.number);
  return ticket.number;
}

/** 办结 with F4, then the citizen touches `level` on the outward screen. */
async function completeAndRate(level: number): Promise<void> {
  await press('F4');
  await byId(outward, `outward-rate-${level}`).click();
  await eventually(() => byId(outward, 'outward-rating').count()).toBe(0);
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  one = await startE2eCounter(hall, { windowId: 1 });
  browser = await launchChromium();
  ({ context, clerk, outward } = await openCounterPages(browser, one, { timezoneId: ZONE, viewport: { width: 1366, height: 768 } }, '1001'));
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await one?.close();
  await hall?.close();
});

describe('Beijing time and 今日统计 in a browser set to New York time', { timeout: 90_000 }, () => {
  it('shows the ticket and call-log times in Beijing time, not the browser zone', async () => {
    expect(await clerk.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(ZONE);
    await callFresh();
    const { current, log } = await clerkState();
    const meta = (await clerk.locator('.ticket-meta').textContent()) ?? '';
    expect(meta).toContain(hallClock(current!.issuedAt));
    expect(meta).toContain(hallClock(current!.calledAt!));
    expect(await clerk.locator('.log-time').first().textContent()).toBe(hallClock(log[0]!.at));
    // What the browser's own zone would have shown is nowhere.
    const browserClock = await clerk.evaluate((at) => {
      const d = new Date(at);
      return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    }, current!.calledAt!);
    expect(browserClock).not.toBe(hallClock(current!.calledAt!));
    expect(meta).not.toContain(browserClock);
  });

  it("今日统计 follows the clerk's calls, 办结, 过号 and ratings", async () => {
    await completeAndRate(5); // the ticket called above: 非常满意
    await callFresh();
    await press('F2'); // 重呼, then 过号
    await eventually(() => byId(clerk, 'current-recalls').textContent()).toBe('1');
    await press('F3');
    await eventually(async () => (await clerkState()).current).toBeNull();
    await callFresh();
    await completeAndRate(2); // 不满意
    await eventually(() => figure('rating-2')).toBe('1');
    const expected: Record<string, string> = {
      called: '3',
      completed: '2',
      'no-shows': '1',
      transferred: '0',
      'rating-5': '1',
      'rating-4': '0',
      'rating-3': '0',
      'rating-2': '1',
      'rating-1': '0',
      'not-rated': '0',
    };
    for (const [id, value] of Object.entries(expected)) await eventually(() => figure(id), id).toBe(value);
    expect(await figure('average')).toMatch(/^\d+(\.\d)?$/);
    await screenshot(clerk, 'clerk-figures.png');
  });

  it('labels every part of the workspace in Chinese (no "segmented control")', async () => {
    await byId(clerk, 'walk-in-line').waitFor(); // window 1 serves two lines: the 现场补号 line choice shows
    // antd's icons name themselves (role="img" aria-label="loading"): the labels here are the app's own.
    const labels = await clerk.$$eval('[aria-label]:not(.anticon)', (elements) => elements.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels.length).toBeGreaterThan(3);
    expect(labels.filter((label) => !/[\u4e00-\u9fff]/.test(label))).toEqual([]);
    expect(await byId(clerk, 'walk-in-line').getAttribute('aria-label')).toBe('现场补号的业务类型');
  });

  it('不予受理: Enter starts a new line in the 说明, Ctrl+Enter confirms — as README says', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| Alt+S / Alt+R / Alt+G / Alt+B |')) ?? '';
    expect(row).toContain('Ctrl+Enter confirms');

    await clerk.keyboard.press('F6');
    await clerk.keyboard.press('F7');
    await clerk.keyboard.type('gtgsh');
    await byId(clerk, 'item-option-SCJG-DJ-011').click();
    await byId(clerk, 'applicant-name').fill('张晓明');
    await byId(clerk, 'applicant-id-number').fill(TEST_ID_NUMBER);
    await byId(clerk, 'applicant-phone').fill('13812345678');
    await eventually(() => byId(clerk, 'decide-refuse').getAttribute('data-allowed')).toBe('true');
    await clerk.keyboard.press('Alt+B');
    await byId(clerk, 'dialog-refuse').waitFor();
    await clerk.keyboard.press('5'); // 其他（见说明）: needs the 说明
    await byId(clerk, 'refuse-detail').focus();
    await clerk.keyboard.type('经营场所证明与登记住所不一致');
    await clerk.keyboard.press('Enter');
    await clerk.keyboard.type('请核实后重新申请');
    expect(await byId(clerk, 'refuse-detail').inputValue()).toBe('经营场所证明与登记住所不一致\n请核实后重新申请');
    expect(await byId(clerk, 'case-result').count()).toBe(0); // Enter did not confirm
    await clerk.keyboard.press('Control+Enter');
    await eventually(() => byId(clerk, 'case-result').getAttribute('data-decision')).toBe('refuse');
  });
});
