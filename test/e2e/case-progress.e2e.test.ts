// End to end in real Chromium (issue 16, point 3): 容缺受理 at window 1 prints
// the 受理回执; its QR code (a raster image, read back with jsQR) holds the
// case lookup URL; a citizen's phone (390×844) opens it and sees the case's
// progress page from the hall server: the item, 容缺受理·待补交, the promised
// date, each owed material with its 补交 deadline, the masked name — and no ID
// number or phone. Screenshot: docs/screenshots/case-progress.png.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingDays, isoDateAt } from '../../common/calendar.ts';
import { HallClient } from '../../main/hall-client.ts';
import { PrinterSimulator } from '../../sim/printer/simulator.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, SCREENSHOT_DIR, startE2eCounter, TEST_ID_NUMBER, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { decodeQrBitmap } from '../helpers/printer-qr.ts';

let hall: TestHallServer;
let browser: Browser;
let printer: PrinterSimulator;
let one: E2eCounter;
let clerk: Page;

const byId = (page: Page, id: string) => page.getByTestId(id);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const chineseDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

beforeAll(async () => {
  hall = await startHallServer();
  browser = await launchChromium();
  // A printer without native QR: the receipt's QR code is a raster image, decoded as a phone would.
  printer = new PrinterSimulator({ decodeQrImage: decodeQrBitmap });
  const { port } = await printer.listenTcp(0);
  one = await startE2eCounter(hall, {
    windowId: 1,
    printer: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: { width: 80, nativeQr: false, fourByteGb18030: false } },
  });
  ({ clerk } = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, '1001'));
});

afterAll(async () => {
  await browser?.close();
  await one?.close();
  await printer?.close();
  await hall?.close();
});

describe('the receipt QR code opens the case progress page', () => {
  it('容缺受理 → the 受理回执 QR → 办件进度查询 on a phone', async () => {
    const kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
    await kiosk.request('issueTicket', { body: { lineId: 'C', priority: 'normal' } });
    await poll(() => byId(clerk, 'queue-count-C').textContent()).toBe('1');
    await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F1');
    await poll(() => byId(clerk, 'current-ticket').textContent()).toBe('C001');

    // 食品经营许可（新办）for a person, the two 可容缺 materials missing: 容缺受理.
    await clerk.keyboard.press('F6');
    await clerk.keyboard.press('F7');
    await poll(() => clerk.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-search');
    await clerk.keyboard.type('spjy');
    await byId(clerk, 'item-option-SCJG-XK-005').click();
    await poll(() => byId(clerk, 'item-selected').getAttribute('data-code')).toBe('SCJG-XK-005');
    await byId(clerk, 'applicant-type-person').click();
    await byId(clerk, 'applicant-name').fill('欧阳晓明');
    await byId(clerk, 'applicant-id-number').fill(TEST_ID_NUMBER);
    await byId(clerk, 'applicant-phone').fill('13812345678');
    for (const key of ['Alt+1', 'Alt+2', 'Alt+3']) await clerk.keyboard.press(key);
    await poll(() => byId(clerk, 'decide-accept-with-missing').getAttribute('data-allowed')).toBe('true');
    const today = isoDateAt(new Date());
    const owedBy = addWorkingDays(today, 5);
    const promised = addWorkingDays(today, 10);
    await poll(() => byId(clerk, 'case-owed-by').getAttribute('data-date')).toBe(owedBy);
    await clerk.keyboard.press('Alt+R');
    await byId(clerk, 'dialog-owed').waitFor();
    await byId(clerk, 'confirm-accept').click();
    await byId(clerk, 'case-result').waitFor();
    const caseNo = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    expect(caseNo).toMatch(/^\d{8}-\d{2}-[1-9]\d*-\d{4}$/); // YYYYMMDD-窗口代码-设备编号-序号

    // The 受理回执's QR code, read from the printed raster image.
    await poll(() => printer.jobs.filter((job) => job.lines.some((l) => l.text.replace(/ +/g, '').includes(`办件编号：${caseNo}`))).length).toBe(1);
    const receipt = printer.jobs.find((job) => job.lines.some((l) => l.text.replace(/ +/g, '').includes(`办件编号：${caseNo}`)))!;
    expect(receipt.qr).toEqual([{ payload: `${hall.url}/case/${caseNo}`, source: 'raster' }]);
    const url = receipt.qr[0]!.payload;

    // The case reaches the hall server with the counter's push.
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    await poll(async () => (await admin.request('adminCase', { params: { caseNo } }).catch(() => null))?.caseNo ?? null).toBe(caseNo);

    // The citizen's phone.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const phone = await context.newPage();
    const errors: string[] = [];
    phone.on('pageerror', (error) => errors.push(String(error)));
    phone.on('console', (message) => errors.push(message.text())); // e.g. a CSP violation
    const response = await phone.goto(url);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    await expect(phone.title()).resolves.toBe('办件进度查询');
    const text = (await phone.locator('body').innerText()).replace(/\s+/g, ' ');
    for (const shown of [
      '办件进度查询',
      caseNo,
      '食品经营许可（新办）',
      '欧**',
      '容缺受理·待补交',
      chineseDate(promised),
      '食品安全管理制度目录',
      '食品安全管理人员培训合格证明',
      `补交期限：${chineseDate(owedBy)}`,
      '未补交',
    ]) {
      expect(text).toContain(shown);
    }
    const html = await phone.content();
    for (const hidden of [TEST_ID_NUMBER, TEST_ID_NUMBER.slice(-4), '13812345678', '5678', '欧阳晓明']) {
      expect(html).not.toContain(hidden);
    }
    // Fits the phone's width: nothing to scroll sideways; text large enough to read.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const statusSize = await phone.locator('.status .value').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(statusSize).toBeGreaterThanOrEqual(20);
    await phone.evaluate(() => document.fonts.ready);
    await phone.screenshot({ path: join(SCREENSHOT_DIR, 'case-progress.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
