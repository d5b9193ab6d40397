// End to end in real Chromium: 同步异常 for the hall manager. The real hall
// server, the real counter core behind the browser host.
//
// Window 1's counter holds a record the hall server rejects (a case of window
// 2, as from a copied data folder); window 2's counter pushed a central ticket
// served offline that the server never issued (a ticket conflict). A clerk
// pressing Alt+Y sees this counter's rejected record and is told 全大厅 is for
// managers; the manager opens it
// from the header and sees the rejected record under 本机 and 全大厅 and the
// conflict, each with time, window, what and the zh-CN reason.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_DECIDED, TICKET_SERVED_OFFLINE } from '../../common/sync.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openDatabase } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { counterChainKey } from '../helpers/chain-key.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { caseArgs, chain } from '../sync/support.ts';

let hall: TestHallServer;
let browser: Browser;
let counter: E2eCounter | null = null;
let page: Page;
let rejectedSeq = 0;
let caseNo = '';

const byId = (id: string) => page.getByTestId(id);

beforeAll(async () => {
  hall = await startHallServer();
  // Window 1's counter, enrolled; then, closed, its outbox gets a case of window 2.
  const first = await startE2eCounter(hall, { windowId: 1 });
  const dataDir = first.dataDir;
  await first.close();
  const db = openDatabase(join(dataDir, 'counter.db'));
  try {
    const { deviceNo } = JSON.parse(
      (db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").get() as { value: string }).value,
    ) as { deviceNo: number };
    const args = caseArgs(7, 2, deviceNo, new Date().toISOString().slice(0, 10));
    caseNo = args.caseNo;
    const outbox = new Outbox(db, { chainKey: () => counterChainKey(dataDir, db) });
    rejectedSeq = db.transaction(() => outbox.append(CASE_DECIDED, args))().seq;
  } finally {
    db.close();
  }
  counter = await startE2eCounter(hall, { windowId: 1, dataDir });
  // Window 2 served A999 offline (typed from a slip); the server never issued it.
  const window2 = await hall.enroll(2);
  const client = new HallClient({ baseUrl: hall.url, token: window2.token });
  const at = new Date(Date.now() - 25 * 60_000).toISOString();
  await client.request('push', {
    body: {
      deviceId: window2.deviceId,
      mutations: chain([{ name: TICKET_SERVED_OFFLINE, args: { number: 'A999', windowId: 2, staffNo: '1002', at } }]),
    },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(counter.host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await counter?.close();
  await hall?.close();
});

describe('同步异常 (Alt+Y)', () => {
  it("a clerk sees this counter's rejected record; the manager sees it, the hall's and the ticket conflict", async () => {
    await signIn(page, '1001');
    expect(await byId('open-sync-issues').count()).toBe(0);
    await page.keyboard.press('Alt+Y');
    await byId('sync-issues').waitFor();
    await byId(`sync-issue-local-${rejectedSeq}`).waitFor();
    expect(await byId(`sync-issue-local-${rejectedSeq}`).textContent()).toContain('不能提交2号窗口的办件');
    expect(await byId('sync-local-advice').textContent()).toContain('不会自动重传');
    expect(await byId('sync-hall-note').textContent()).toBe('全大厅的同步异常仅大厅管理员可以查看');
    expect(await byId('sync-stuck-none').textContent()).toContain('上传正常');
    await page.keyboard.press('Escape');
    await expect.poll(() => byId('sync-issues').count()).toBe(0);
    await byId('sign-out').click();
    await byId('signin-staff-no').waitFor();

    await signIn(page, '1006');
    // The record went and came back rejected.
    await expect.poll(() => byId('unsent-count').count(), { timeout: 10_000 }).toBe(0);
    await byId('open-sync-issues').click();
    await byId('sync-issues').waitFor();
    const local = byId(`sync-issue-local-${rejectedSeq}`);
    await local.waitFor();
    await expect.poll(() => local.textContent()).toContain(`办件 ${caseNo}`);
    expect(await local.textContent()).toContain('不能提交2号窗口的办件');
    const hallRow = byId('sync-issue-hall-1');
    expect(await hallRow.textContent()).toContain(`办件 ${caseNo}`);
    expect(await hallRow.textContent()).toContain('1号窗口');
    expect(await byId('sync-issue-hall-2').count()).toBe(0);
    const conflict = page.locator('[data-testid^="sync-conflict-"]');
    expect(await conflict.count()).toBe(1);
    expect(await conflict.textContent()).toContain('票号 A999');
    expect(await conflict.textContent()).toContain('2号窗口 · 工号 1002');
    expect(await conflict.textContent()).toContain('在服务器上不存在');
    // The masked applicant of the refused case is not shown.
    expect(await byId('sync-issues').textContent()).not.toContain('王**');
    await screenshot(page, 'sync-issues.png');

    // Esc closes it; Alt+Y opens it again.
    await page.keyboard.press('Escape');
    await expect.poll(() => byId('sync-issues').count()).toBe(0);
    await page.keyboard.press('Alt+Y');
    await byId(`sync-issue-local-${rejectedSeq}`).waitFor();

    // One manager drawer at a time: Alt+D opens 设备设置 in its place, and back.
    await page.keyboard.press('Alt+D');
    await byId('device-setup').waitFor();
    await expect.poll(() => byId('sync-issues').isVisible()).toBe(false);
    await page.keyboard.press('Alt+Y');
    await byId('sync-issues').waitFor();
    await expect.poll(() => byId('device-setup').isVisible()).toBe(false);
  });
});
