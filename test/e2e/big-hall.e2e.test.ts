// End to end in real Chromium on the big hall (issue 20, point 1): the real
// hall server seeded with 400 windows and 50 lines (scripts/big-hall-seed.ts),
// a counter at window 227 — code B27, written as the hall writes it — calling
// a ticket of the 27th line, AA. The clerk's workspace and the outward screen
// show AA001 and «请 AA001 号到 B27号窗口办理»; a 现场补号 from this window is
// WB27-001; its case number, 20261207-B27-1101-0001 after 1,100 earlier
// enrolments, sits on one line of 办件列表. Screenshots: docs/screenshots/
// big-hall-clerk.png, big-hall-outward.png, big-hall-case-list.png.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { announcementText } from '../../common/announce.ts';
import { HallClient } from '../../main/hall-client.ts';
import { bigHallWindowCode, bigHallWindowLine, writeBigHallSeed } from '../../scripts/big-hall-seed.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, startE2eCounter, TEST_ID_NUMBER, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const WINDOW = 227;
const poll = <T,>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const root = mkdtempSync(join(tmpdir(), 'halldesk-big-hall-e2e-'));
let hall: TestHallServer;
let browser: Browser;
let one: E2eCounter;

beforeAll(async () => {
  hall = await startHallServer({ seedDir: writeBigHallSeed(join(root, 'seed')) });
  // A hall some years on: 1,100 counters enrolled before this one (replaced PCs, re-installs).
  for (let i = 0; i < 1100; i++) await hall.enroll((i % 400) + 1);
  browser = await launchChromium();
  one = await startE2eCounter(hall, { windowId: WINDOW });
});
afterAll(async () => {
  await browser?.close();
  await one?.close();
  await hall?.close();
  rmSync(root, { recursive: true, force: true });
});

it('window B27 calls AA001: the clerk and the citizen see the hall’s own codes, and the walk-in is WB27-001', async () => {
  expect(bigHallWindowCode(WINDOW)).toBe('B27');
  expect(bigHallWindowLine(WINDOW)).toBe('AA');
  const kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  const { context, clerk, outward } = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, '1001');
  await outward.setViewportSize({ width: 1920, height: 1080 });

  for (let i = 0; i < 3; i++) await kiosk.request('issueTicket', { body: { lineId: 'AA', priority: 'normal' } });
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press('F1'); // 叫号
  await poll(() => clerk.getByTestId('current-ticket').first().textContent()).toContain('AA001');
  await poll(() => outward.getByTestId('outward-number').textContent()).toBe('AA001');
  await poll(() => outward.getByTestId('outward-window-name').first().textContent()).toContain('B27号窗口');
  await poll(() => outward.getByTestId('outward-announcement').textContent()).toContain('请 AA001 号到 B27号窗口办理');
  // What the voice says for it, letters and all.
  expect(announcementText('AA001', 'B27号窗口')).toBe('请AA零零一号到B二十七号窗口办理');

  // 现场补号 from this window: W + its code.
  const walkIn = (await one.counter.call('issueWalkIn', { lineId: 'AA' })) as { number: string };
  expect(walkIn.number).toBe('WB27-001');

  await screenshot(clerk, 'big-hall-clerk.png');
  await screenshot(outward, 'big-hall-outward.png');

  // A case at this window: its number holds the window code and a device number past 999, on one line in 办件列表.
  const record = (await one.counter.call('submitCase', {
    draft: {
      itemCode: 'ZH-AA-001',
      applicant: { type: 'person', name: '王小明', idNumber: TEST_ID_NUMBER, phone: '13812345678' },
      provided: [true, true],
      ticketNumber: 'AA001',
    },
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: 'approved',
  })) as { caseNo: string };
  expect(record.caseNo).toMatch(/^\d{8}-B27-1101-0001$/);
  await clerk.keyboard.press('F8');
  const cell = clerk.locator('.case-list .case-no', { hasText: record.caseNo }).first();
  await cell.waitFor();
  const lines = await cell.evaluate((el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)));
  expect(lines).toBe(1);
  await screenshot(clerk, 'big-hall-case-list.png');
  await context.close();
});
