// End to end in real Chromium (issue 17): the hall manager's desk (Alt+O).
// The real hall server; three real counter cores behind the browser host —
// window 1 (clerk 1001, the evaluator simulator speaking ft12 on one end of
// a socat pty pair), window 2 (clerk 1002) and window 5, where the manager
// (1006) watches 大厅总览 — each change at the two working windows shows on
// the manager's page as it happens: a call, 办结, a bad rating pressed on the
// evaluator (with its follow-up's due date), a pause with its reason. Then a
// case accepted at window 1 is found in 办件查询 by the applicant's ID number,
// 查看详情 says the view is recorded, and 查阅记录 lists it. Screenshots:
// docs/screenshots/manager-overview.png (1366×768), manager-overview-1920.png,
// manager-case-search.png, manager-case-details.png, manager-case-audit.png.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import {
  acceptInstantCase,
  openCounterPages,
  screenshot,
  signIn,
  startE2eCounter,
  TEST_ID_NUMBER,
  type E2eCounter,
} from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const ADDRESS = 3;
/** Three counters and Chromium on a shared 2-core machine: give each look time (no timing is asserted). */
const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let pty: PtyPair;
let simPort: BytePort;
const sim = new EvaluatorSimulator({ addresses: [ADDRESS] });
const counters: E2eCounter[] = [];
let w1: Page;
let w1Outward: Page;
let w2: Page;
let desk: Page;

const byId = (page: Page, id: string) => page.getByTestId(id);
const text = async (page: Page, id: string) => ((await byId(page, id).first().textContent()) ?? '').trim();
const attr = (page: Page, id: string, name: string) => byId(page, id).first().getAttribute(name);
const issue = async (lineId: string) => (await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } })).ticket.number;
async function press(page: Page, key: string) {
  await byId(page, 'action-call-next').and(page.locator(':enabled')).waitFor();
  await page.keyboard.press(key);
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  pty = await startPtyPair();
  simPort = await openSerialPort({ path: pty.b });
  sim.attach(simPort);
  const one = await startE2eCounter(hall, { windowId: 1, evaluator: { port: pty.a, protocol: 'ft12', address: ADDRESS } });
  const two = await startE2eCounter(hall, { windowId: 2 });
  const five = await startE2eCounter(hall, { windowId: 5 });
  counters.push(one, two, five);
  browser = await launchChromium();
  const first = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, '1001');
  w1 = first.clerk;
  w1Outward = first.outward;
  w2 = (await openCounterPages(browser, two, { viewport: { width: 1366, height: 768 } }, '1002')).clerk;
  desk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  desk.on('pageerror', (error) => console.error('page error:', error));
  await desk.goto(five.host.clerkUrl);
  await signIn(desk, '1006');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const one of counters) await one.close();
  sim.stop();
  await simPort?.close();
  await closeAllPtyPairs();
  await hall?.close();
});

describe('大厅总览 while two windows work', () => {
  it('a clerk is told the desk is a manager’s; the manager opens it with Alt+O and sees every window', async () => {
    await w2.keyboard.press('Alt+O');
    await poll(() => w2.locator('.ant-message').textContent()).toContain('管理台仅限大厅管理员使用');
    expect(await byId(w2, 'manager-desk').count()).toBe(0);

    await desk.keyboard.press('Alt+O');
    await byId(desk, 'hall-overview').waitFor();
    for (const id of [1, 2, 3, 4, 5]) await byId(desk, `overview-tile-${id}`).waitFor();
    await poll(() => attr(desk, 'overview-tile-1', 'data-state')).toBe('idle');
    await poll(() => attr(desk, 'overview-tile-2', 'data-state')).toBe('idle');
    await poll(() => attr(desk, 'overview-tile-3', 'data-state')).toBe('offline');
    // Window 1's counter reported its evaluator (answering the simulator) and no printer.
    await poll(() => attr(desk, 'overview-device-1-evaluator', 'data-level')).toBe('ok');
    await poll(() => attr(desk, 'overview-device-1-printer', 'data-level')).toBe('none');
  });

  it('shows each call, 办结, the bad rating pressed on the evaluator and a pause as they happen', async () => {
    const a1 = await issue('A');
    const a2 = await issue('A');
    await issue('A');
    await poll(() => text(desk, 'overview-waiting-A')).toBe('3');

    await press(w1, 'F1');
    await poll(() => attr(desk, 'overview-tile-1', 'data-state')).toBe('serving');
    await poll(() => text(desk, 'overview-number-1')).toBe(a1);
    await press(w2, 'F1');
    await poll(() => text(desk, 'overview-number-2')).toBe(a2);
    await poll(() => text(desk, 'overview-waiting-A')).toBe('1');

    // 办结 at window 1: the citizen presses 非常不满意 on the evaluator → a 差评 with its follow-up due date.
    await press(w1, 'F4');
    await poll(() => attr(desk, 'overview-tile-1', 'data-state')).toBe('idle');
    await poll(() => text(desk, 'overview-served-1')).toBe('1');
    await poll(() => text(desk, 'overview-line-served-A')).toBe('1');
    await poll(() => sim.device(ADDRESS).session).not.toBeNull();
    expect(sim.press(1)).toBe(true);
    await w1Outward.getByTestId('outward-rating').waitFor({ state: 'detached' });
    const badRating = desk.locator('[data-testid="overview-alerts"] li[data-kind="bad_rating"]');
    await poll(() => badRating.count()).toBe(1);
    expect(await badRating.textContent()).toMatch(new RegExp(`1号窗口.*1001 收到差评「非常不满意」（${a1}）`));
    expect(await badRating.textContent()).toMatch(/请于 \d{4}-\d{2}-\d{2} 前核实整改并回访/);

    // Window 2: 办结, then 暂停服务 (Alt+X) with 临时离开.
    await press(w2, 'F4');
    await poll(() => attr(desk, 'overview-tile-2', 'data-state')).toBe('idle');
    await poll(() => byId(w2, 'qr-pause').isEnabled()).toBe(true);
    await w2.keyboard.press('Alt+X');
    await byId(w2, 'dialog-pause').waitFor();
    await byId(w2, 'qr-pause-reason-临时离开').click();
    await byId(w2, 'dialog-pause-ok').click();
    await poll(() => attr(desk, 'overview-tile-2', 'data-state')).toBe('paused');
    await poll(() => text(desk, 'overview-pause-2')).toContain('临时离开');
    expect(await text(desk, 'overview-count-paused')).toBe('1');

    // Window 1 calls again: serving, the number and its timer on the tile.
    await press(w1, 'F1');
    await poll(() => text(desk, 'overview-number-1')).toMatch(/^A00\d$/);
    await byId(desk, 'overview-timer-1').waitFor();

    await screenshot(desk, 'manager-overview.png');
    await desk.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(desk, 'manager-overview-1920.png');
    await desk.setViewportSize({ width: 1366, height: 768 });
  }, 120_000);
});

describe('办件查询 and 查阅记录', () => {
  it('finds the case window 1 accepted by the applicant’s ID number, masked; 查看详情 is recorded', async () => {
    await byId(w2, 'qr-resume').click();
    await poll(() => attr(desk, 'overview-tile-2', 'data-state')).not.toBe('paused');
    // 个体工商户设立登记 is line C's: window 1 (A, C) accepts it, window 5's manager looks it up.
    const caseNo = await acceptInstantCase(w1, '王小明');

    await desk.keyboard.press('Alt+2');
    await byId(desk, 'case-search').waitFor();
    // A malformed ID number: the server's message, nothing found.
    await byId(desk, 'cs-id-number').fill(TEST_ID_NUMBER.slice(0, 17));
    await desk.keyboard.press('Enter');
    await poll(() => text(desk, 'cs-error')).toMatch(/证件号码不正确/);

    await byId(desk, 'cs-id-number').fill(TEST_ID_NUMBER.toLowerCase());
    // The push that carries the ID number may still be on its way: search until it is there.
    await poll(async () => {
      await byId(desk, 'cs-submit').click();
      return desk.locator('[data-testid="cs-results"] tbody tr[data-row-key]').count();
    }).toBe(1);
    const row = desk.locator('[data-testid="cs-results"] tbody tr[data-row-key]').first();
    expect(await row.getAttribute('data-row-key')).toBe(caseNo);
    expect(await row.textContent()).toContain('1号窗口');
    expect(await desk.locator('body').textContent()).not.toContain(TEST_ID_NUMBER);
    expect(await text(desk, 'cs-applicant')).toMatch(/\*{6,}/);

    await screenshot(desk, 'manager-case-search.png');
    await byId(desk, `cs-open-${caseNo}`).click();
    await byId(desk, 'cs-details').waitFor();
    expect(await text(desk, 'cs-recorded')).toMatch(/本次查看已记入查阅记录（第 \d+ 条）/);
    await screenshot(desk, 'manager-case-details.png');
    await desk.keyboard.press('Escape');
    await byId(desk, 'cs-details').waitFor({ state: 'hidden' });

    await desk.keyboard.press('Alt+3');
    await byId(desk, 'case-audit').waitFor();
    const entry = desk.locator('[data-testid="audit-results"] tbody tr[data-row-key]').first();
    await poll(() => entry.textContent()).toContain(caseNo);
    expect(await entry.textContent()).toContain('1006');
    await screenshot(desk, 'manager-case-audit.png');
  }, 120_000);
});
