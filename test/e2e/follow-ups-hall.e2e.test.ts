// End to end in real Chromium (issue 21, point 6): a 差评 given at window 1
// (its rating.recorded and followup.opened reach the hall server as window 1's
// counter sends them) is advanced by a hall manager at window 2 in 差评回访
// (F10): the list is the hall's, the step goes to the hall server with the
// manager's staff number. Then the hall server stops: window 2's manager still
// sees the hall's list, from the counter's cached copy, and is told plainly
// that another window's follow-up waits for the server.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { FOLLOW_UP_OPENED, RATING_RECORDED } from '../../common/ratings.ts';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { chain } from '../sync/support.ts';

let hall: TestHallServer;
let hallOpen = true;
let browser: Browser;
let counter: E2eCounter | null = null;
let page: Page;

const byId = (id: string) => page.getByTestId(id);

function hallSteps(): { to_state: string; staff_no: string | null; note: string }[] {
  const db = new Database(join(hall.dataDir, 'hall.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT to_state, staff_no, note FROM follow_up_steps ORDER BY rowid').all() as { to_state: string; staff_no: string | null; note: string }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  hall = await startHallServer();
  // Window 1's counter: a 非常不满意 for A007 and its follow-up, as it pushes them.
  const window1 = await hall.enroll(1);
  const at = new Date().toISOString();
  const rating = { id: 'r-w1-bad', sessionId: 3, caseNo: null, itemCode: null, windowId: 1, staffNo: '1001', ticketNumber: 'A007', level: 1, outcome: 'rated', channel: 'evaluator', deviceAddress: 1, openedAt: at, at };
  const pushed = await new HallClient({ baseUrl: hall.url, token: window1.token }).request('push', {
    body: {
      deviceId: window1.deviceId,
      mutations: chain([
        { name: RATING_RECORDED, args: rating },
        { name: FOLLOW_UP_OPENED, args: { id: 1, ratingId: 'r-w1-bad', dueDate: '2026-12-31', state: 'verifying', at } },
      ]),
    },
  });
  expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied']);
  counter = await startE2eCounter(hall, { windowId: 2 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(counter.host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await counter?.close();
  if (hallOpen) await hall?.close();
});

describe('差评回访 hall-wide (F10)', () => {
  it('the manager at window 2 sees window 1’s 差评 and moves it to 整改中; the hall server has the step by 1006', async () => {
    await signIn(page, '1006');
    await page.keyboard.press('F10');
    await byId('follow-ups').waitFor();
    const card = page.locator('[data-testid^="follow-up-"]').filter({ hasText: 'A007' });
    await card.first().waitFor();
    expect(await card.getByTestId('follow-up-window').textContent()).toBe('1号窗口');
    expect(await card.getByTestId('follow-up-state').textContent()).toBe('待核实');
    await card.locator('textarea').fill('已核实：等候过久，已提醒窗口');
    await screenshot(page, 'follow-ups-hall.png');
    await card.getByRole('button', { name: /转为「整改中」/ }).click();
    await expect.poll(() => card.getByTestId('follow-up-state').textContent()).toBe('整改中');
    expect(hallSteps()).toEqual([{ to_state: 'fixing', staff_no: '1006', note: '已核实：等候过久，已提醒窗口' }]);
  });

  it('offline: the cached copy of the hall list, and a step on another window’s follow-up waits for the server', async () => {
    await page.keyboard.press('Escape');
    await hall.close();
    hallOpen = false;
    await waitFor<ClerkState>(counter!.counter, 'clerkState', (s) => s.connection.state === 'offline', 15_000);
    await page.keyboard.press('F10');
    const card = page.locator('[data-testid^="follow-up-"]').filter({ hasText: 'A007' });
    await card.first().waitFor();
    expect(await card.getByTestId('follow-up-state').textContent()).toBe('整改中');
    await card.locator('textarea').fill('已电话回访');
    await card.getByRole('button', { name: /转为「已回访」/ }).click();
    await expect.poll(() => card.locator('.follow-error').textContent()).toContain('离线时只能处理本窗口登记的差评回访');
    expect(await card.getByTestId('follow-up-state').textContent()).toBe('整改中');
  });
});
