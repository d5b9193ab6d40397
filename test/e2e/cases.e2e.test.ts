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
//                 case-today-<caseNo>, case-deadline-<caseNo>, case-finish-<caseNo>, case-today-count
//   figures       figure-called, figure-accepted, figure-finished, figure-instant-share,
//                 figure-average, figure-on-time
//   outward       outward-case (data-decision), outward-case-item, outward-case-applicant,
//                 outward-case-id, outward-material-<i> (data-provided), outward-case-decision,
//                 outward-case-no, outward-case-promised, outward-number
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
const allowed = (decision: string) => byId(clerk, `decide-${decision}`).getAttribute('data-allowed');


/** Types the query into the item search and picks the item with `code` with the arrow keys and Enter. */
async function findItem(query: string, code: string) {
  await clerk.keyboard.press('F7');
  await expect
    .poll(() => clerk.evaluate(() => document.activeElement?.getAttribute('data-testid')))
    .toBe('item-search');
  await clerk.keyboard.type(query);
  await byId(clerk, `item-option-${code}`).waitFor();
  const options = await byId(clerk, 'item-results')
    .locator('[role="option"]')
    .evaluateAll((els) => els.map((el) => el.id));
  const index = options.indexOf(`item-option-${code}`);
  expect(index).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < index; i++) await clerk.keyboard.press('ArrowDown');
  await clerk.keyboard.press('Enter');
  await expect.poll(() => byId(clerk, 'item-selected').getAttribute('data-code')).toBe(code);
}

/** Decision buttons follow the core's verdict on the form as it stands. */
async function expectAllowed(expected: Record<string, boolean>) {
  await expect.poll(() => byId(clerk, 'decision-summary').getAttribute('data-fresh')).toBe('true');
  for (const [decision, value] of Object.entries(expected)) {
    await expect.poll(() => allowed(decision), { message: decision }).toBe(String(value));
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
    await expect.poll(() => byId(clerk, 'queue-count-C').textContent()).toBe('1');
    await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F1');
    await expect.poll(() => byId(clerk, 'current-ticket').textContent()).toBe('C001');
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
    await expect.poll(() => byId(clerk, 'applicant-credit-code-error').textContent()).toContain('校验位');
    await expectAllowed({ accept: false, 'accept-with-missing': false, notice: false, refuse: false });
    await clerk.keyboard.press('Alt+S'); // 受理 refused out loud, no dialog
    await expect.poll(() => clerk.getByText('申请人信息有误').count()).toBeGreaterThan(0);
    expect(await byId(clerk, 'dialog-accept').count()).toBe(0);

    await byId(clerk, 'applicant-credit-code').fill(CREDIT_CODE);
    await expect.poll(() => byId(clerk, 'applicant-credit-code-error').count()).toBe(0);
    // Materials 1, 3 and 4 present; 2 (股东会决议, required) and 5 (可容缺) missing.
    for (const key of ['Alt+1', 'Alt+3', 'Alt+4']) await clerk.keyboard.press(key);
    await expect.poll(() => byId(clerk, 'materials-count').textContent()).toContain('3/5');
    await expectAllowed({ accept: false, 'accept-with-missing': false, notice: true, refuse: true });
    // The citizen sees the ticks as they are made.
    await expect.poll(() => byId(outward, 'outward-material-0').getAttribute('data-provided')).toBe('true');
    expect(await byId(outward, 'outward-material-1').getAttribute('data-provided')).toBe('false');
    await screenshot(clerk, 'case-form.png');

    await clerk.keyboard.press('Alt+G'); // 一次性告知: the notice preview
    await byId(clerk, 'notice-preview').waitFor();
    const rows = byId(clerk, 'notice-missing');
    await expect.poll(() => rows.count()).toBe(2);
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
    await expect.poll(() => byId(clerk, 'notice-preview').count()).toBe(0);
    expect(await byId(clerk, 'case-panel').count()).toBe(1);
  });

  it('all materials present: 受理 gives a case number and the promised date (3 working days)', async () => {
    await clerk.keyboard.press('Alt+Q'); // 全部齐全
    await expectAllowed({ accept: true, 'accept-with-missing': false, notice: false, refuse: true });
    const promised = addWorkingDays(today(), 3);
    await expect.poll(() => byId(clerk, 'case-promised-date').getAttribute('data-date')).toBe(promised);

    await clerk.keyboard.press('Alt+S');
    await byId(clerk, 'dialog-accept').waitFor();
    expect(await byId(clerk, 'confirm-promised-date').getAttribute('data-date')).toBe(promised);
    await byId(clerk, 'confirm-accept').dblclick(); // two quick clicks: one case
    await byId(clerk, 'case-result').waitFor();
    const caseNo = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    expect(caseNo).toMatch(/^\d{8}01\d{3}\d{4}$/); // date, window 01, device, sequence
    cases.promised = caseNo;
    expect(await byId(clerk, 'case-result').getAttribute('data-decision')).toBe('accept');
    expect(await byId(clerk, 'case-result-promised').getAttribute('data-date')).toBe(promised);

    // 受理 printed the 受理回执, once for the two clicks, with the case lookup in its QR code.
    await expect.poll(() => printer.jobs.filter((job) => jobText(job).includes(`办件编号：${caseNo}`)).length).toBe(1);
    const receipt = printer.jobs.find((job) => jobText(job).includes(`办件编号：${caseNo}`))!;
    expect(jobText(receipt)).toContain('受理回执');
    expect(receipt.qr.map((qr) => qr.payload)).toEqual([`${hall.url}/case/${caseNo}`]);

    // The citizen's screen: the item, the masked code (never the full one), the ticks and the decision.
    await expect.poll(() => byId(outward, 'outward-case').getAttribute('data-decision')).toBe('accept');
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
    await expect.poll(() => byId(clerk, 'case-result').count()).toBe(0);
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
    await expect.poll(() => byId(outward, 'outward-case-no').textContent()).toBe(cases.instant);
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
    await clerk.keyboard.press('Alt+R'); // 容缺受理: shows what is owed and by when
    await byId(clerk, 'dialog-owed').waitFor();
    expect(await byId(clerk, 'dialog-owed').textContent()).toContain('住所使用证明');
    await clerk.keyboard.press('Enter');
    await byId(clerk, 'case-result').waitFor();
    cases.near = ((await byId(clerk, 'case-result-no').textContent()) ?? '').trim();
    // The citizen checks it: masked name and ID, the decision, the promised date and the 容缺 deadline.
    await expect.poll(() => byId(outward, 'outward-case-no').textContent()).toBe(cases.near);
    expect(await byId(outward, 'outward-case-applicant').textContent()).toBe('王*');
    expect(await byId(outward, 'outward-case-id').textContent()).toBe(`${ID_NUMBER.slice(0, 4)}**********${ID_NUMBER.slice(-4)}`);
    expect(await byId(outward, 'outward-case-promised').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await byId(outward, 'outward-case-owed-by').waitFor();
    expect(await outward.content()).not.toContain(ID_NUMBER);

    await clerk.keyboard.press('F8'); // 办件列表
    await byId(clerk, 'case-list').waitFor();
    await expect.poll(() => byId(clerk, 'case-today-count').textContent()).toBe('3');
    for (const caseNo of [cases.promised!, cases.instant!, cases.near!]) {
      await byId(clerk, `case-today-${caseNo}`).waitFor();
    }
    await expect.poll(() => byId(clerk, `case-row-${cases.near}`).getAttribute('data-deadline')).toBe('near');
    expect(await byId(clerk, `case-row-${cases.promised}`).getAttribute('data-deadline')).toBe('ok');
    expect(await byId(clerk, `case-row-${cases.instant}`).count()).toBe(0); // finished on the spot
    await screenshot(clerk, 'case-list.png');

    await byId(clerk, `case-finish-${cases.promised}`).click();
    await byId(clerk, 'dialog-finish').waitFor();
    await clerk.keyboard.press('Enter'); // 准予
    await expect.poll(() => byId(clerk, `case-row-${cases.promised}`).count()).toBe(0);
    await expect
      .poll(() => byId(clerk, `case-today-${cases.promised}`).getAttribute('data-status'))
      .toBe('finished');

    await expect.poll(() => byId(clerk, 'figure-accepted').textContent()).toBe('3');
    await expect.poll(() => byId(clerk, 'figure-finished').textContent()).toBe('2');
    expect(await byId(clerk, 'figure-called').textContent()).toBe('1');
    expect(await byId(clerk, 'figure-on-time').textContent()).toBe('100%');

    // The 容缺受理 case is finished from the list too.
    await byId(clerk, `case-finish-${cases.near}`).click();
    await byId(clerk, 'dialog-finish').waitFor();
    await clerk.keyboard.press('Enter');
    await expect.poll(() => byId(clerk, `case-row-${cases.near}`).count()).toBe(0);
    await expect.poll(() => byId(clerk, 'figure-finished').textContent()).toBe('3');

    await clerk.keyboard.press('Escape'); // back to the case in hand
    await expect.poll(() => byId(clerk, 'case-result').count()).toBe(1);
    await clerk.keyboard.press('Escape'); // done with it: back to the queue
    await expect.poll(() => byId(clerk, 'tab-queue').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => byId(outward, 'outward-case').count()).toBe(0);
    expect(await byId(outward, 'outward-number').textContent()).toBe('C001');
  });

  it('never wrote a full ID number to the log file', () => {
    const text = readFileSync(logFile, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(ID_NUMBER);
    expect(text.toUpperCase()).not.toContain(ID_NUMBER.toUpperCase());
    expect(text).not.toContain(CREDIT_CODE);
  });
});
