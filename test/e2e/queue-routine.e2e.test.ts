// The queue routine end to end in real Chromium (issue 14): the real hall
// server, two counters (windows 1 and 5) each behind its browser host, the
// clerk and outward pages of both, tickets from a kiosk over HTTP. Transfer
// A012 from window 1 to window 5 (排在最前) and see it called there, said
// «请A012号到5号窗口办理»; 挂起 and 回呼; 过号 then 回呼; 暂停服务 with 午休
// on the outward page; 预约签到 jumps the queue within its slot. Keys only
// where the clerk would use keys. Screenshots to docs/screenshots/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
const counters: E2eCounter[] = [];
let w1: { clerk: Page; outward: Page };
let w5: { clerk: Page; outward: Page };
/** The voice clips window 5's outward page fetched, in order (each once, then cached). */
const clips5: string[] = [];

/** Polls for up to 10 s: a loaded machine answers slowly, and nothing here is about speed. */
const poll = <T,>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const issue = (lineId: string) => kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } });
/** Texts read without waiting for the element (absent: ''), so that a poll sees each change. */
const text = (page: Page, testid: string) => page.getByTestId(testid).allTextContents().then((texts) => texts.join(''));
const outwardNumber = (page: Page) => text(page, 'outward-number');
const current = (page: Page) => text(page, 'current-ticket');
/** Presses a key once nothing is in flight (叫号 is enabled whenever nothing is). */
async function press(clerk: Page, key: string) {
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  browser = await launchChromium();
  for (const [windowId, staffNo] of [
    [1, '1001'],
    [5, '1005'],
  ] as const) {
    const one = await startE2eCounter(hall, { windowId });
    counters.push(one);
    const pages = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, staffNo);
    await pages.outward.setViewportSize({ width: 1920, height: 1080 });
    if (windowId === 1) w1 = pages;
    else w5 = pages;
  }
  w5.outward.on('request', (request) => {
    const clip = /\/voice\/([^/]+)\.wav$/.exec(new URL(request.url()).pathname)?.[1];
    if (clip) clips5.push(decodeURIComponent(clip));
  });
  for (let i = 0; i < 12; i++) await issue('A');
  await w1.clerk.locator('[data-testid=queue-count-A]', { hasText: /^12$/ }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const one of counters) await one.close();
  await hall?.close();
});

describe('the queue routine in Chromium', { timeout: 60_000 }, () => {
  it('calls A012 by number at window 1, transfers it to window 5 first in line: window 5 calls it and its outward page says so', async () => {
    await press(w1.clerk, 'Alt+J');
    await w1.clerk.getByTestId('qr-call-number').fill('a012');
    await w1.clerk.keyboard.press('Enter');
    await poll(() => current(w1.clerk)).toBe('A012');
    await poll(() => outwardNumber(w1.outward)).toBe('A012');

    await press(w1.clerk, 'Alt+Z');
    const dialog = w1.clerk.getByTestId('dialog-transfer');
    await dialog.waitFor();
    expect(await w1.clerk.getByTestId('qr-transfer-number').inputValue()).toBe('A012');
    // The window picker shows who is open and how many wait there.
    await poll(() => text(w1.clerk, 'qr-transfer-window-5')).toContain('等候 11 人');
    expect(await w1.clerk.getByTestId('qr-transfer-window-2').textContent()).toContain('未开窗');
    await w1.clerk.getByTestId('qr-transfer-window-5').click();
    await w1.clerk.getByText('排在最前').click();
    await poll(() => w1.clerk.locator('.ant-radio-wrapper-checked').allTextContents()).toEqual([
      expect.stringContaining('5号窗口'),
      '排在最前',
    ]);
    await screenshot(w1.clerk, 'queue-transfer-dialog.png');
    await w1.clerk.getByTestId('dialog-transfer-ok').click();
    await poll(() => dialog.count()).toBe(0);
    await poll(() => w1.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('idle');
    await poll(() => text(w1.clerk, 'call-log')).toContain('转出');

    await press(w5.clerk, 'F1');
    await poll(() => current(w5.clerk)).toBe('A012');
    await poll(() => outwardNumber(w5.outward)).toBe('A012');
    expect(await w5.outward.getByTestId('outward-announcement').textContent()).toContain('请 A012 号到 5号窗口办理');
    await poll(() => clips5).toEqual(expect.arrayContaining(['qing', 'A', '0', '1', '2', 'hao', 'dao', '5', 'chuangkou', 'banli']));
    await screenshot(w5.outward, 'outward-transferred-5.png');
  });

  it('parks A001 (Alt+H), serves A002, then calls A001 back from the parked list', async () => {
    await press(w1.clerk, 'F1');
    await poll(() => current(w1.clerk)).toBe('A001');
    await press(w1.clerk, 'Alt+H');
    await poll(() => w1.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('idle');
    await press(w1.clerk, 'F1');
    await poll(() => current(w1.clerk)).toBe('A002');

    await press(w1.clerk, 'Alt+J');
    await w1.clerk.getByRole('tab', { name: /挂起的号（1）/ }).click();
    await screenshot(w1.clerk, 'queue-parked-list.png');
    await w1.clerk.getByTestId('qr-call-back-A001').click();
    await poll(() => current(w1.clerk)).toBe('A001');
    await poll(() => outwardNumber(w1.outward)).toBe('A001');
  });

  it('过号 A001, then calls it back from today’s 过号 list when the citizen turns up', async () => {
    await press(w1.clerk, 'F2');
    await poll(() => w1.outward.getByTestId('outward-announcement').getAttribute('data-announcement')).toBe('1');
    await press(w1.clerk, 'F3');
    await poll(() => w1.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('idle');
    await press(w1.clerk, 'Alt+J');
    await w1.clerk.getByRole('tab', { name: /今日过号（1）/ }).click();
    await w1.clerk.getByTestId('qr-call-back-A001').click();
    await poll(() => current(w1.clerk)).toBe('A001');
    await poll(() => outwardNumber(w1.outward)).toBe('A001');
    await press(w1.clerk, 'F4');
    // 办结 opens the rating; the citizen answers on the outward screen (a rating open keeps the screen).
    await w1.outward.getByTestId('outward-rate-5').click();
    await poll(() => w1.outward.getByTestId('outward-rating').count()).toBe(0);
    await poll(() => w1.clerk.getByTestId('qr-pause').isEnabled()).toBe(true);
  });

  it('pauses with 午休 and an expected return: the outward page shows both; 叫号 is refused; Alt+X resumes', async () => {
    // An hour from now in the hall's time, if that is still today.
    const back = new Date(Date.now() + 9 * 3600_000).toISOString().slice(11, 16);
    const sameDay = back > new Date(Date.now() + 8 * 3600_000).toISOString().slice(11, 16);
    await press(w1.clerk, 'Alt+X');
    await w1.clerk.getByTestId('dialog-pause').waitFor();
    await w1.clerk.getByTestId('qr-pause-reason-午休').click();
    await poll(() => text(w1.clerk, 'qr-pause-reason-chosen')).toBe('午休');
    if (sameDay) await w1.clerk.getByTestId('qr-pause-back').fill(back);
    await w1.clerk.getByTestId('dialog-pause-ok').click();
    await poll(() => text(w1.clerk, 'qr-paused')).toContain('午休');
    await poll(() => text(w1.outward, 'outward-pause-reason')).toContain('午休');
    if (sameDay) expect(await w1.outward.getByTestId('outward-pause-back').textContent()).toContain(`预计 ${back} 恢复服务`);
    await screenshot(w1.outward, 'outward-paused-reason.png');
    await screenshot(w1.clerk, 'clerk-paused-reason.png');

    await w1.clerk.keyboard.press('F1');
    await poll(() => text(w1.clerk, 'action-error')).toContain('本窗口暂停服务中（午休），不能叫号');
    await press(w1.clerk, 'Alt+X');
    await poll(() => w1.clerk.getByTestId('qr-paused').count()).toBe(0);
    await poll(() => w1.outward.getByTestId('outward-mode').getAttribute('data-mode')).toBe('idle');
  });

  it('checks an appointment in (Alt+A): its ticket is called before the normal ones waiting since morning', async () => {
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const hallNow = new Date(Date.now() + 8 * 3600_000).toISOString();
    // A slot that starts now (or 23:29 at the latest), so the check-in is on time.
    const slotStart = hallNow.slice(11, 16) < '23:29' ? hallNow.slice(11, 16) : '23:29';
    await admin.request('createAppointment', {
      body: { code: 'YY20261207', idNumber: '11010519491231002X', name: '张三', lineId: 'A', day: hallNow.slice(0, 10), slotStart, slotEnd: '23:59' },
    });
    await press(w1.clerk, 'Alt+A');
    await w1.clerk.getByTestId('qr-check-in-input').fill('yy20261207');
    await w1.clerk.keyboard.press('Enter');
    await poll(() => text(w1.clerk, 'qr-check-in-result')).toContain('A013');
    expect(await w1.clerk.getByTestId('qr-check-in-result').textContent()).toContain('预约优先');
    await screenshot(w1.clerk, 'queue-check-in.png');
    await w1.clerk.keyboard.press('Escape');
    await press(w1.clerk, 'F1');
    // A003…A011 waited since before; the appointment goes first within line A.
    await poll(() => current(w1.clerk)).toBe('A013');
    await poll(() => outwardNumber(w1.outward)).toBe('A013');
  });
});
