// End to end in real Chromium: the case workflow (办件) at window 1, with the
// real hall server, the real counter core behind the browser host, and the
// clerk and outward pages. Screenshots for the README go to docs/screenshots/
// (case-form.png, case-notice.png, case-outward.png, case-list.png).
//
// Test ids driven here (renderer/clerk/*, renderer/outward/*):
//   workspace     tab-queue, tab-case, tab-list, current-ticket, action-call-next
//   item search   item-search (input), item-results, item-option-<code>, item-selected (data-code)
//   applicant     applicant-type-person / -enterprise, applicant-name, applicant-id-number,
//                 applicant-phone, applicant-enterprise-name, applicant-credit-code,
//                 applicant-contact-name, applicant-contact-phone; "<input id>-error" for each message
//   materials     material-<i> (data-provided), materials-all, materials-count
//   decision      decide-accept, decide-accept-with-missing, decide-notice, decide-refuse
//                 (data-allowed), decision-summary, case-promised-date (data-date), case-owed-by
//   dialogs       dialog-accept, confirm-accept, confirm-promised-date (data-date), dialog-instant,
//                 instant-approve, instant-reject, notice-preview, notice-missing (one per row),
//                 confirm-notice, dialog-refuse, refuse-reason-<i>, refuse-detail, confirm-refuse,
//                 dialog-error, discard-confirm, dialog-finish, finish-approve, finish-reject
//   result        case-result (data-decision, data-status), case-result-no, case-result-decision,
//                 case-result-promised (data-date), case-result-new
//   case list     case-list, case-row-<caseNo> (open promised; data-deadline, data-status),
//                 case-today-<caseNo>, case-deadline-<caseNo>, case-finish-<caseNo>, case-today-count,
//                 case-state-<caseNo>, case-supply-<caseNo> (补交登记 of a case owing 容缺 material)
//   补交登记      finish-blocked, finish-supply (办结 refused while owed), dialog-supply,
//                 supply-material-<i> (data-checked), confirm-supply
//   figures       figure-called, figure-accepted, figure-finished, figure-instant-share,
//                 figure-average, figure-on-time
//   outward       outward-case (data-decision), outward-case-item, outward-case-applicant,
//                 outward-case-id, outward-material-<i> (data-provided), outward-case-decision,
//                 outward-case-no, outward-case-promised, outward-case-owed-by, outward-owed (the
//                 owed list after 容缺受理), outward-owed-<i>, outward-number
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingDays, isoDateAt } from '../../common/calendar.ts';
import { creditCodeCheckChar, residentIdCheckChar } from '../../common/identity.ts';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { HallClient } from '../../main/hall-client.ts';
import { createLogger } from '../../main/log.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));

// An enterprise with a credit code right by GB 32100, and one with the last character wrong.
const CREDIT_17 = '91320102MA1W2X3Y4';
const CREDIT_CODE = CREDIT_17 + creditCodeCheckChar(CREDIT_17);
const WRONG_CREDIT_CODE = CREDIT_17 + (creditCodeCheckChar(CREDIT_17) === '0' ? '1' : '0');
const ID_17 = '32010219900307123';
const ID_NUMBER = ID_17 + residentIdCheckChar(ID_17);

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let clerk: Page;
let outward: Page;
let logFile: string;
let printer: PrinterSimulator;
const jobText = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, '')).join('\n');
/** The hall's day, as the core counts it (China Standard Time). */
const today = () => isoDateAt(new Date());
const cases: { promised?: string; instant?: string; near?: string } = {};

const byId = (page: Page, id: string) => page.getByTestId(id);
/** expect.poll with room for a busy machine (two shared cores): the default second is too short. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });
/** The test id of the element with the focus (a dialog takes it a frame after it opens). */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
const allowed = (decision: string) => byId(clerk, `decide-${decision}`).getAttribute('data-allowed');


/** Types the query into the item search and picks the item with `code` with the arrow keys and Enter. */
async function findItem(query: string, code: string) {
  await clerk.keyboard.press('F7');
  await poll(() => clerk.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-search');
  await clerk.keyboard.type(query);
  await byId(clerk, `item-option-${code}`).waitFor();
  const options = await byId(clerk, 'item-results')
    .locator('[role="option"]')
    .evaluateAll((els) => els.map((el) => el.id));
  const index = options.indexOf(`item-option-${code}`);
  expect(index).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < index; i++) await clerk.keyboard.press('ArrowDown');
  await clerk.keyboard.press('Enter');
  await poll(() => byId(clerk, 'item-selected').getAttribute('data-code')).toBe(code);
}

/** Decision buttons follow the core's verdict on the form as it stands. */
async function expectAllowed(expected: Record<string, boolean>) {
  await poll(() => byId(clerk, 'decision-summary').getAttribute('data-fresh')).toBe('true');
  for (const [decision, value] of Object.entries(expected)) {
    await expect.poll(() => allowed(decision), { message: decision, timeout: 15_000 }).toBe(String(value));
  }
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  browser = await launchChromium();
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-cases-'));
  logFile = join(dataDir, 'counter.log');
  // Everything the counter and its host log, at every level, goes to a real file checked at the end.
  const log = createLogger((line) => appendFileSync(logFile, line + '\n'), () => new Date(), 'debug');
  printer = new PrinterSimulator({ recordDir: join(dataDir, 'printer-jobs') });
  const { port } = await printer.listenTcp(0);
  counter = await openCounter({
    dataDir,
    deviceName: 'e2e-cases',
    log,
    autoEnroll: { serverUrl: hall.url, code },
    printer: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: { width: 80, nativeQr: true, fourByteGb18030: false } },
  });
  host = await startBrowserHost({ core: counter, staticDir, log });
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  outward = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await outward.goto(host.outwardUrl);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await printer?.close();
  await hall?.close();
});

describe('the case workflow at the counter', () => {
  it('signs in and calls a ticket for 企业开办', async () => {
    await signIn(clerk, '1001');
    await kiosk.request('issueTicket', { body: { lineId: 'C', priority: 'normal' } });
    await poll(() => byId(clerk, 'queue-count-C').textContent()).toBe('1');
    await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F1');
    await poll(() => byId(clerk, 'current-ticket').textContent()).toBe('C001');
  });

  it('an enterprise with a wrong credit code cannot be decided; a missing required material allows only the notice', async () => {
    await clerk.keyboard.press('F6'); // 新建办件: the search box takes the focus
    await byId(clerk, 'case-panel').waitFor();
    await findItem('yyzz', 'SCJG-DJ-002'); // 营业执照变更登记 by its pinyin initials
    expect(await byId(clerk, 'item-selected').textContent()).toContain('承诺');

    // The item takes enterprises only; the focus is in the first field.
    await byId(clerk, 'applicant-enterprise-name').waitFor();
    await clerk.keyboard.type('南京示例科技有限公司');
    await byId(clerk, 'applicant-credit-code').fill(WRONG_CREDIT_CODE);
    await byId(clerk, 'applicant-contact-name').fill('李明');
    await byId(clerk, 'applicant-contact-phone').fill('13912345678');
    await poll(() => byId(clerk, 'applicant-credit-code-error').textContent()).toContain('校验位');
    await expectAllowed({ accept: false, 'accept-with-missing': false, notice: false, refuse: false });
    await clerk.keyboard.press('Alt+S'); // 受理 refused out loud, no dialog
    await poll(() => clerk.getByText('申请人信息有误').count()).toBeGreaterThan(0);
    expect(await byId(clerk, 'dialog-accept').count()).toBe(0);

    await byId(clerk, 'applicant-credit-code').fill(CREDIT_CODE);
    await poll(() => byId(clerk, 'applicant-credit-code-error').count()).toBe(0);
    // Materials 1, 3 and 4 present; 2 (股东会决议, required) and 5 (可容缺) missing.
    for (const key of ['Alt+1', 'Alt+3', 'Alt+4']) await clerk.keyboard.press(key);
    await poll(() => byId(clerk, 'materials-count').textContent()).toContain('3/5');
    await expectAllowed({ accept: false, 'accept-with-missing': false, notice: true, refuse: true });
    // The citizen sees the ticks as they are made.
    await poll(() => byId(outward, 'outward-material-0').getAttribute('data-provided')).toBe('true');
    expect(await byId(outward, 'outward-material-1').getAttribute('data-provided')).toBe('false');
    await screenshot(clerk, 'case-form.png');

    await clerk.keyboard.press('Alt+G'); // 一次性告知: the notice preview
    await byId(clerk, 'notice-preview').waitFor();
    const rows = byId(clerk, 'notice-missing');
    await poll(() => rows.count()).toBe(2);
    const notice = (await byId(clerk, 'notice-preview').textContent()) ?? '';
    // Every missing material with its requirement, the item, the applicant, the clerk, the window and the date.
    for (const text of [
      '股东会决议或股东决定',
      '全体股东签字（盖章）',
      '经办人身份证件及授权委托书',
      '委托他人办理时提交',
      '营业执照变更登记',
      '南京示例科技有限公司',
      '王丽华',
      '1号窗口',
    ]) {
      expect(notice).toContain(text);
    }
    expect(notice).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await screenshot(clerk, 'case-notice.png');
    await clerk.keyboard.press('Escape'); // back to the form
    await poll(() => byId(clerk, 'notice-preview').count()).toBe(0);
    expect(await byId(clerk, 'case-panel').count()).toBe(1);
  });

  it('all materials present: 受理 gives a case number and the promised date (3 working days)', async () => {
    await clerk.keyboard.press('Alt+Q'); // 全部齐全
    await expectAllowed({ accept: true, 'accept-with-missing': false, notice: false, refuse: true });
    const promised = addWorkingDays(today(), 3);
    await poll(() => byId(clerk, 'case-promised-date').getAttribute('data-date')).toBe(promised);

    await clerk.keyboard.press('Alt+S');
    await byId(clerk, 'dialog-accept').waitFor();
    expect(await byId(clerk, 'confirm-promised-date').getAttribute('data-date')).toBe(promised);
    await byId(clerk, 'confirm-accept').dblclick(); // two quick clicks: one case
    await byId(clerk, 'case-result').waitFor();
    const caseNo = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    expect(caseNo).toMatch(/^\d{8}-01-[1-9]\d*-\d{4}$/); // date, window 01, device, sequence
    cases.promised = caseNo;
    expect(await byId(clerk, 'case-result').getAttribute('data-decision')).toBe('accept');
    expect(await byId(clerk, 'case-result-promised').getAttribute('data-date')).toBe(promised);

    // 受理 printed the 受理回执, once for the two clicks, with the case lookup in its QR code.
    await poll(() => printer.jobs.filter((job) => jobText(job).includes(`办件编号：${caseNo}`)).length).toBe(1);
    const receipt = printer.jobs.find((job) => jobText(job).includes(`办件编号：${caseNo}`))!;
    expect(jobText(receipt)).toContain('受理回执');
    expect(receipt.qr.map((qr) => qr.payload)).toEqual([`${hall.url}/case/${caseNo}`]);

    // The citizen's screen: the item, the masked code (never the full one), the ticks and the decision.
    await poll(() => byId(outward, 'outward-case').getAttribute('data-decision')).toBe('accept');
    expect(await byId(outward, 'outward-case-item').textContent()).toContain('营业执照变更登记');
    const masked = (await byId(outward, 'outward-case-id').textContent()) ?? '';
    expect(masked).toBe(`${CREDIT_CODE.slice(0, 4)}**********${CREDIT_CODE.slice(-4)}`);
    expect(await outward.content()).not.toContain(CREDIT_CODE);
    for (let i = 0; i < 5; i++) {
      expect(await byId(outward, `outward-material-${i}`).getAttribute('data-provided')).toBe('true');
    }
    expect(await byId(outward, 'outward-case-no').textContent()).toBe(caseNo);
    expect(await byId(outward, 'outward-case-decision').textContent()).toContain('受理');
    expect(await byId(outward, 'outward-number').textContent()).toBe('C001');
    await screenshot(outward, 'case-outward.png');
  });

  it('an instant item (即办件) for a person is accepted and finished on the spot (准予)', async () => {
    await clerk.keyboard.press('F6'); // the result gives way to a new case
    await poll(() => byId(clerk, 'case-result').count()).toBe(0);
    await findItem('gtgsh', 'SCJG-DJ-011'); // 个体工商户设立登记
    await byId(clerk, 'applicant-name').fill('张晓明');
    await byId(clerk, 'applicant-id-number').fill(ID_NUMBER.toLowerCase()); // a lower-case x is fine
    await byId(clerk, 'applicant-phone').fill('13812345678');
    await clerk.keyboard.press('Alt+Q');
    await expectAllowed({ accept: true });
    await clerk.keyboard.press('Alt+S');
    await byId(clerk, 'dialog-instant').waitFor();
    await byId(clerk, 'instant-approve').click();
    await byId(clerk, 'case-result').waitFor();
    expect(await byId(clerk, 'case-result').getAttribute('data-status')).toBe('finished');
    expect(await byId(clerk, 'case-result-decision').textContent()).toContain('准予');
    cases.instant = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    await poll(() => byId(outward, 'outward-case-no').textContent()).toBe(cases.instant);
    expect(await outward.content()).not.toContain(ID_NUMBER);
  });

  it('a promised item due tomorrow is marked yellow in the list; 办结 from the list; figures follow', async () => {
    await clerk.keyboard.press('F6');
    await findItem('yyzzsl', 'SCJG-DJ-001'); // 营业执照设立登记: 1 working day
    await byId(clerk, 'applicant-type-person').click();
    await byId(clerk, 'applicant-name').fill('王芳');
    await byId(clerk, 'applicant-id-number').fill(ID_NUMBER);
    await byId(clerk, 'applicant-phone').fill('025-84561234');
    for (const key of ['Alt+1', 'Alt+2', 'Alt+3', 'Alt+4']) await clerk.keyboard.press(key);
    await expectAllowed({ accept: false, 'accept-with-missing': true, notice: true });
    // Promised tomorrow (1 working day): the 补交 deadline is capped at the promised date, not 5 working days on.
    const tomorrow = addWorkingDays(today(), 1);
    await poll(() => byId(clerk, 'case-promised-date').getAttribute('data-date')).toBe(tomorrow);
    expect(await byId(clerk, 'case-owed-by').getAttribute('data-date')).toBe(tomorrow);
    await clerk.keyboard.press('Alt+R'); // 容缺受理: shows what is owed and by when
    await byId(clerk, 'dialog-owed').waitFor();
    expect(await byId(clerk, 'dialog-owed').textContent()).toContain('住所使用证明');
    await clerk.keyboard.press('Enter');
    await byId(clerk, 'case-result').waitFor();
    cases.near = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    // The citizen checks it: masked name and ID, the decision, the promised date and the 容缺 deadline.
    await poll(() => byId(outward, 'outward-case-no').textContent()).toBe(cases.near);
    expect(await byId(outward, 'outward-case-applicant').textContent()).toBe('王*');
    expect(await byId(outward, 'outward-case-id').textContent()).toBe(`${ID_NUMBER.slice(0, 4)}**********${ID_NUMBER.slice(-4)}`);
    expect(await byId(outward, 'outward-case-promised').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await byId(outward, 'outward-case-owed-by').waitFor();
    expect(await byId(outward, 'outward-case-owed-by').textContent()).toBe(
      await byId(outward, 'outward-case-promised').textContent(),
    );
    expect(await outward.content()).not.toContain(ID_NUMBER);

    await clerk.keyboard.press('F8'); // 办件列表
    await byId(clerk, 'case-list').waitFor();
    await poll(() => byId(clerk, 'case-today-count').textContent()).toBe('3');
    for (const caseNo of [cases.promised!, cases.instant!, cases.near!]) {
      await byId(clerk, `case-today-${caseNo}`).waitFor();
    }
    await poll(() => byId(clerk, `case-row-${cases.near}`).getAttribute('data-deadline')).toBe('near');
    expect(await byId(clerk, `case-row-${cases.promised}`).getAttribute('data-deadline')).toBe('ok');
    expect(await byId(clerk, `case-row-${cases.instant}`).count()).toBe(0); // finished on the spot
    await screenshot(clerk, 'case-list.png');

    await byId(clerk, `case-finish-${cases.promised}`).click();
    await byId(clerk, 'dialog-finish').waitFor();
    await poll(() => focused(clerk)).toBe('finish-approve');
    await clerk.keyboard.press('Enter'); // 准予
    await poll(() => byId(clerk, `case-row-${cases.promised}`).count()).toBe(0);
    await poll(() => byId(clerk, `case-today-${cases.promised}`).getAttribute('data-status'))
      .toBe('finished');

    await poll(() => byId(clerk, 'figure-accepted').textContent()).toBe('3');
    await poll(() => byId(clerk, 'figure-finished').textContent()).toBe('2');
    expect(await byId(clerk, 'figure-called').textContent()).toBe('1');
    expect(await byId(clerk, 'figure-on-time').textContent()).toBe('100%');

    // The 容缺受理 case cannot be 办结 while 住所使用证明 is owed: the dialog says so and offers 补交登记.
    expect(await byId(clerk, `case-state-${cases.near}`).textContent()).toBe('待补交 1 项');
    await byId(clerk, `case-finish-${cases.near}`).click();
    await byId(clerk, 'finish-blocked').waitFor();
    expect(await byId(clerk, 'finish-blocked').textContent()).toContain('住所使用证明');
    expect(await byId(clerk, 'finish-approve').count()).toBe(0);
    await poll(() => focused(clerk)).toBe('finish-supply');
    await clerk.keyboard.press('b'); // 补交登记 instead
    await byId(clerk, 'dialog-supply').waitFor();
    expect(await byId(clerk, 'supply-material-0').getAttribute('data-checked')).toBe('true');
    await poll(() => focused(clerk)).toBe('confirm-supply');
    await clerk.keyboard.press('Enter'); // recorded, its 补交回执 printed
    await poll(() => byId(clerk, 'dialog-supply').count()).toBe(0);
    await poll(() => byId(clerk, `case-state-${cases.near}`).textContent()).toBe('已受理');
    await poll(() => printer.jobs.filter((job) => jobText(job).includes('补交回执') && jobText(job).includes(cases.near!)).length)
      .toBe(1);
    // Now it can be finished from the list.
    await byId(clerk, `case-finish-${cases.near}`).click();
    await byId(clerk, 'dialog-finish').waitFor();
    expect(await byId(clerk, 'finish-blocked').count()).toBe(0);
    await poll(() => focused(clerk)).toBe('finish-approve');
    await clerk.keyboard.press('Enter');
    await poll(() => byId(clerk, `case-row-${cases.near}`).count()).toBe(0);
    await poll(() => byId(clerk, 'figure-finished').textContent()).toBe('3');

    await clerk.keyboard.press('Escape'); // back to the case in hand
    await poll(() => byId(clerk, 'case-result').count()).toBe(1);
    await clerk.keyboard.press('Escape'); // done with it: back to the queue
    await poll(() => byId(clerk, 'tab-queue').getAttribute('aria-selected')).toBe('true');
    await poll(() => byId(outward, 'outward-case').count()).toBe(0);
    expect(await byId(outward, 'outward-number').textContent()).toBe('C001');
  });

  it('容缺受理 with two owed materials: the citizen sees every one; 补交登记 one by one, then 办结', async () => {
    await clerk.keyboard.press('F6');
    await poll(() => byId(clerk, 'case-result').count()).toBe(0);
    await findItem('spjy', 'SCJG-XK-005'); // 食品经营许可（新办）: 10 working days, the last two 可容缺
    await byId(clerk, 'applicant-type-person').click();
    await byId(clerk, 'applicant-name').fill('欧阳晓明');
    await byId(clerk, 'applicant-id-number').fill(ID_NUMBER);
    await byId(clerk, 'applicant-phone').fill('13812345678');
    for (const key of ['Alt+1', 'Alt+2', 'Alt+3']) await clerk.keyboard.press(key);
    await expectAllowed({ accept: false, 'accept-with-missing': true, notice: true });
    const owedBy = addWorkingDays(today(), 5); // the hall's 5 working days, before the promised date
    const promised = addWorkingDays(today(), 10);
    await poll(() => byId(clerk, 'case-owed-by').getAttribute('data-date')).toBe(owedBy);
    expect(await byId(clerk, 'case-promised-date').getAttribute('data-date')).toBe(promised);
    await clerk.keyboard.press('Alt+R');
    await byId(clerk, 'dialog-owed').waitFor();
    await byId(clerk, 'confirm-accept').click();
    await byId(clerk, 'case-result').waitFor();
    const caseNo = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    await byId(clerk, 'case-result-owed-hint').waitFor();

    // The citizen's screen lists every owed material in full, with the date they are owed by.
    await poll(() => byId(outward, 'outward-case-no').textContent()).toBe(caseNo);
    const owed = ['食品安全管理制度目录', '食品安全管理人员培训合格证明'];
    await poll(() => byId(outward, 'outward-owed').count()).toBe(1);
    for (const [i, name] of owed.entries()) {
      const row = byId(outward, `outward-owed-${i}`);
      expect(await row.textContent()).toContain(name);
      // Wholly on screen: neither clipped by the card nor cut off at the bottom.
      const box = (await row.boundingBox())!;
      const card = (await byId(outward, 'outward-case').boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(card.y + card.height + 0.5);
      expect(box.y + box.height).toBeLessThanOrEqual(1080);
      expect(
        await row.evaluate((el) => {
          const clip = el.closest('.ow-case');
          const rect = el.getBoundingClientRect();
          return clip !== null && rect.bottom <= clip.getBoundingClientRect().bottom && el.scrollWidth <= el.clientWidth + 1;
        }),
      ).toBe(true);
    }
    expect(await byId(outward, 'outward-case-owed-by').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await screenshot(outward, 'case-owed-outward.png');

    // F8: the case waits for 补交; 办结 is refused until then.
    await clerk.keyboard.press('F8');
    await byId(clerk, `case-row-${caseNo}`).waitFor();
    await poll(() => byId(clerk, `case-state-${caseNo}`).textContent()).toBe('待补交 2 项');
    // The first one arrives: untick the second (digit 2), Enter.
    await byId(clerk, `case-supply-${caseNo}`).click();
    await byId(clerk, 'dialog-supply').waitFor();
    await poll(() => focused(clerk)).toBe('confirm-supply');
    await clerk.keyboard.press('2');
    await poll(() => byId(clerk, 'supply-material-1').getAttribute('data-checked')).toBe('false');
    await screenshot(clerk, 'case-supply.png');
    await clerk.keyboard.press('Enter');
    await poll(() => byId(clerk, `case-state-${caseNo}`).textContent()).toBe('待补交 1 项');
    const slips = () => printer.jobs.filter((job) => jobText(job).includes('补交回执') && jobText(job).includes(caseNo));
    await poll(() => slips().length).toBe(1);
    expect(jobText(slips()[0]!)).toContain(`1.${owed[0]}`);
    expect(jobText(slips()[0]!)).toContain(`尚待补交1项（请于${owedBy}前补交）：`);

    await byId(clerk, `case-finish-${caseNo}`).click();
    await byId(clerk, 'finish-blocked').waitFor();
    await screenshot(clerk, 'case-finish-blocked.png');
    await byId(clerk, 'finish-supply').click();
    await byId(clerk, 'dialog-supply').waitFor();
    expect(await byId(clerk, 'supply-material-0').textContent()).toContain(owed[1]);
    await byId(clerk, 'confirm-supply').click();
    await poll(() => byId(clerk, `case-state-${caseNo}`).textContent()).toBe('已受理');
    await poll(() => slips().length).toBe(2);
    expect(jobText(slips()[1]!)).toContain('容缺材料已全部补齐。');

    await byId(clerk, `case-finish-${caseNo}`).click();
    await byId(clerk, 'finish-approve').click();
    await poll(() => byId(clerk, `case-row-${caseNo}`).count()).toBe(0);
    await poll(() => byId(clerk, `case-today-${caseNo}`).getAttribute('data-status')).toBe('finished');
    await clerk.keyboard.press('Escape');
  });

  it('never wrote a full ID number to the log file', () => {
    const text = readFileSync(logFile, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(ID_NUMBER);
    expect(text.toUpperCase()).not.toContain(ID_NUMBER.toUpperCase());
    expect(text).not.toContain(CREDIT_CODE);
  });
});
