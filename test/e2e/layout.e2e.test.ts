// End to end in real Chromium: the clerk's workspace and the outward screen at
// the two screen sizes a hall has (1366×768 at most counters, 1920×1080), with
// the header as full as it gets (a manager, a printer, an evaluator). Nothing
// scrolls the page; 今日叫号记录 stays in sight; the 不予受理 dialog's
// character counter sits apart from the text; the 差评回访 drawer (F10) has
// the manager drawers' frame. Screenshots into docs/screenshots/ (looked at).
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { PrinterSimulator } from '../../sim/printer/simulator.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, startE2eCounter, TEST_ID_NUMBER, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const;

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let printer: PrinterSimulator;
let one: E2eCounter;
let clerk: Page;
let outward: Page;

const byId = (page: Page, id: string) => page.getByTestId(id);
/** Each step waits on the hall server or the core: give it time. */
const POLL = { timeout: 10_000 };

/** How far the page scrolls vertically (0: it fits). */
const overflow = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollHeight - window.innerHeight);

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error('not rendered');
  return b;
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function press(key: string) {
  await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  printer = new PrinterSimulator({});
  const { port } = await printer.listenTcp(0);
  one = await startE2eCounter(hall, {
    windowId: 1,
    printer: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: { width: 80, nativeQr: true, fourByteGb18030: false } },
    // No evaluator on this line: the badge shows (评价器未连接), as wide as it gets.
    evaluator: { port: '/dev/halldesk-no-such-evaluator', protocol: 'ft12', address: 3 },
  });
  browser = await launchChromium();
  // A manager: 同步异常 and 设备设置 in the header too.
  ({ clerk, outward } = await openCounterPages(browser, one, { viewport: SIZES[0] }, '1006'));
  // A step that hangs fails with its locator, inside the test's time.
  for (const page of [clerk, outward]) page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await one?.close();
  await printer?.close();
  await hall?.close();
});

describe('the clerk page and the outward screen at 1366×768 and 1920×1080', () => {
  it('the workspace fits without scrolling and 今日叫号记录 shows its rows', async () => {
    // A morning's worth of calls in the log.
    for (let i = 0; i < 6; i++) {
      await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
      await press('F1');
      await expect.poll(() => byId(clerk, 'current-ticket').textContent(), POLL).toBe(`A00${i + 1}`);
      if (i < 5) {
        await press('F4');
        await expect.poll(() => byId(clerk, 'current-ticket').count(), POLL).toBe(0);
      }
    }
    await expect.poll(() => byId(clerk, 'call-log').locator('.log-row').count(), POLL).toBeGreaterThanOrEqual(11);
    for (const size of SIZES) {
      await clerk.setViewportSize(size);
      await expect.poll(() => overflow(clerk), POLL).toBeLessThanOrEqual(0);
      const log = await box(byId(clerk, 'call-log'));
      expect(log.y + log.height).toBeLessThanOrEqual(size.height);
      // At least four rows of the log in sight.
      expect(log.height).toBeGreaterThanOrEqual(4 * 28);
      await screenshot(clerk, `clerk-workspace-${size.width}x${size.height}.png`);
    }
  });

  it('the header as full as it gets (a manager, five badges with 语音未开启) still leaves the window name in sight', async () => {
    // As an outward page in a browser that blocks autoplay would say it.
    await one.counter.call('reportOutwardAudio', { state: 'blocked' });
    await byId(clerk, 'voice-state').waitFor();
    for (const size of SIZES) {
      await clerk.setViewportSize(size);
      const window = await box(byId(clerk, 'window-name'));
      const status = await box(clerk.locator('.ws-status'));
      expect(window.x + window.width).toBeLessThanOrEqual(status.x);
      expect(status.x + status.width).toBeLessThanOrEqual(size.width);
      // Wide enough, the badge says what to do; narrower, its tooltip does.
      const advice = await byId(clerk, 'voice-state').textContent();
      if (size.width >= 1600) expect(advice).toContain('请在外屏上点击「开启语音」');
      await screenshot(clerk, `clerk-header-voice-${size.width}x${size.height}.png`);
    }
    await one.counter.call('reportOutwardAudio', { state: 'running' });
    await expect.poll(() => byId(clerk, 'voice-state').count(), POLL).toBe(0);
    await clerk.setViewportSize(SIZES[0]);
  });

  it('the outward screen calling A006 fits both sizes', async () => {
    await expect.poll(() => byId(outward, 'outward-number').textContent(), POLL).toBe('A006');
    for (const size of SIZES) {
      await outward.setViewportSize(size);
      expect(await overflow(outward)).toBeLessThanOrEqual(0);
      await screenshot(outward, `outward-calling-${size.width}x${size.height}.png`);
    }
  });

  it('差评回访 (F10) opens in the manager drawers\' frame: same width, title with its key, 关闭 Esc; one drawer at a time', async () => {
    // A bad rating, touched on the outward screen, opens a follow-up.
    await press('F4');
    await byId(outward, 'outward-rating').waitFor();
    await byId(outward, 'outward-rate-1').click();
    await expect.poll(() => byId(clerk, 'clerk-latest-rating').textContent(), POLL).toContain('非常不满意');

    await clerk.keyboard.press('F10');
    const drawer = byId(clerk, 'follow-up-drawer');
    await drawer.waitFor();
    await clerk.locator('[data-testid^="follow-up-"] [data-testid="follow-up-state"]').first().waitFor();
    expect(await drawer.locator('.ant-drawer-title kbd').textContent()).toBe('F10');
    expect(await byId(clerk, 'follow-ups-close').textContent()).toMatch(/关闭\s*Esc/);
    const followUpsWidth = (await box(drawer)).width;
    await clerk.getByPlaceholder(/处理说明/).fill('已电话联系申请人核实情况');
    await screenshot(clerk, 'follow-ups-1366x768.png');

    // Alt+D opens 设备设置 in its place: the same frame, the same width.
    await clerk.keyboard.press('Alt+D');
    await byId(clerk, 'device-setup').waitFor();
    await expect.poll(() => drawer.count(), POLL).toBe(0);
    const setupDrawer = clerk.locator('.ant-drawer-content-wrapper', { has: byId(clerk, 'device-setup') });
    expect((await box(setupDrawer)).width).toBeCloseTo(followUpsWidth, 0);
    await clerk.keyboard.press('Escape');
    await expect.poll(() => byId(clerk, 'device-setup').count(), POLL).toBe(0);

    // F10 again, then Esc closes it; the button in the rating panel opens it too.
    await clerk.keyboard.press('F10');
    await drawer.waitFor();
    await clerk.keyboard.press('Escape');
    await expect.poll(() => drawer.count(), POLL).toBe(0);
    await byId(clerk, 'open-follow-ups').click();
    await drawer.waitFor();
    await byId(clerk, 'follow-ups-close').click();
    await expect.poll(() => drawer.count(), POLL).toBe(0);
  });

  it('办件 and 办件列表 fit too', async () => {
    await clerk.setViewportSize(SIZES[0]);
    await clerk.keyboard.press('F8');
    await byId(clerk, 'case-list').waitFor();
    expect(await overflow(clerk)).toBeLessThanOrEqual(0);
    await clerk.keyboard.press('F6');
    await byId(clerk, 'case-panel').waitFor();
    expect(await overflow(clerk)).toBeLessThanOrEqual(0);
  });

  it('不予受理: the character counter sits below the detail, apart from its text', async () => {
    await clerk.keyboard.press('F7');
    await clerk.keyboard.type('gtgsh');
    await byId(clerk, 'item-option-SCJG-DJ-011').click();
    await byId(clerk, 'applicant-name').fill('张晓明');
    await byId(clerk, 'applicant-id-number').fill(TEST_ID_NUMBER);
    await byId(clerk, 'applicant-phone').fill('13812345678');
    await expect.poll(() => byId(clerk, 'decide-refuse').getAttribute('data-allowed'), POLL).toBe('true');
    await clerk.keyboard.press('Alt+B');
    await byId(clerk, 'dialog-refuse').waitFor();
    await byId(clerk, 'refuse-detail').fill('申请人提交的经营场所证明与登记住所不一致，依据《个体工商户登记管理办法》第九条不予受理。');
    const detail = byId(clerk, 'refuse-detail');
    const count = clerk.locator('.refuse-detail .ant-input-data-count');
    expect(await count.textContent()).toMatch(/^\d+ \/ 500$/);
    const text = await box(detail);
    const counter = await box(count);
    expect(overlaps(text, counter)).toBe(false);
    expect(counter.y).toBeGreaterThanOrEqual(text.y + text.height);
    // Nor does it run into the buttons under it (返回修改, 确认不予受理).
    const buttons = clerk.getByRole('dialog').locator('button');
    expect(await buttons.count()).toBeGreaterThanOrEqual(2);
    for (const button of await buttons.all()) expect(overlaps(await box(button), counter)).toBe(false);
    await screenshot(clerk, 'case-refuse-1366x768.png');
    await clerk.keyboard.press('Escape');
    await expect.poll(() => byId(clerk, 'dialog-refuse').count(), POLL).toBe(0);
  });

  it('the case the clerk fills in, on the outward screen, fits both sizes', async () => {
    // The tests before left ratings waiting their turn (each 办结 opens one; no
    // evaluator here): the citizens answer them on the screen, then it shows the case.
    while ((await byId(outward, 'outward-rating').count()) > 0) {
      const session = await byId(outward, 'outward-rating').getAttribute('data-session');
      await byId(outward, 'outward-rate-5').click();
      await expect
        .poll(async () => ((await byId(outward, 'outward-rating').count()) ? await byId(outward, 'outward-rating').getAttribute('data-session') : null), POLL)
        .not.toBe(session);
    }
    await byId(outward, 'outward-case').waitFor();
    await expect.poll(() => byId(outward, 'outward-case-applicant').textContent(), POLL).toMatch(/^张/);
    for (const size of SIZES) {
      await outward.setViewportSize(size);
      expect(await overflow(outward)).toBeLessThanOrEqual(0);
      await screenshot(outward, `outward-case-${size.width}x${size.height}.png`);
    }
  });
});
