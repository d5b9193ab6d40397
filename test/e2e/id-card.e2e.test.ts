// End to end in real Chromium with a real ID card reader line: a socat pty
// pair, the simulated reader (SAM frames, paced at 115200 baud) on one end,
// the counter's driver on the other, the real hall server, the browser host,
// the clerk and outward pages. A card laid while the 办件 form is open fills
// name and number and shows sex, birth date, address and validity; laid with
// no form open it is offered (Enter 开始办件, Esc 忽略) and shown masked on the
// outward screen; lifted and laid again it is read again; an expired card is
// refused in red and the clerk confirms to type the identity; a bad card
// fills nothing; the reader unplugged and plugged in again.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { loadCards, type SampleCard } from '../../sim/id-card/cards.ts';
import { IdCardSimulator } from '../../sim/id-card/simulator.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const cards = loadCards();
const card = (label: string): SampleCard => cards.find((c) => c.label.includes(label))!;

let hall: TestHallServer;
let browser: Browser;
let line: PtyPair;
let simPort: BytePort;
let one: E2eCounter;
let context: BrowserContext;
let clerk: Page;
let outward: Page;
const sim = new IdCardSimulator({ paceBaud: 115_200 });

async function plugSim(): Promise<void> {
  simPort = await openSerialPort({ path: line.b, baudRate: 115_200 });
  sim.attach(simPort);
}

beforeAll(async () => {
  hall = await startHallServer();
  line = await startPtyPair();
  await plugSim();
  one = await startE2eCounter(
    hall,
    { windowId: 1, idCardReader: { port: line.a, baudRate: 115_200 } },
    { idCardPollMs: 100 },
  );
  browser = await launchChromium();
  ({ context, clerk, outward } = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, '1001'));
  await clerk.getByTestId('id-card-reader-state').and(clerk.locator('[data-state="ok"]')).waitFor();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await one?.close();
  sim.stop();
  await simPort?.close().catch(() => {});
  await closeAllPtyPairs();
  await hall?.close();
});

const byId = (id: string) => clerk.getByTestId(id);
/** The machine may be busy: a read, a render and a WebSocket hop get 10 s. */
const poll = <T,>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

async function openCaseWithItem(): Promise<void> {
  await clerk.keyboard.press('F6');
  await clerk.keyboard.press('F7');
  await poll(() => clerk.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-search');
  await clerk.keyboard.type('gtgsh');
  await byId('item-option-SCJG-DJ-011').click();
  await poll(() => byId('item-selected').getAttribute('data-code')).toBe('SCJG-DJ-011');
}

/** 放弃当前办件 (Esc, then the dialog's 放弃), back on the queue tab. */
async function discardCase(): Promise<void> {
  await byId('tab-case').click();
  await clerk.keyboard.press('Escape');
  const confirm = byId('discard-confirm');
  await confirm.waitFor({ state: 'visible' });
  await confirm.click();
  await confirm.waitFor({ state: 'hidden' });
  await poll(() => byId('tab-queue').getAttribute('aria-selected')).toBe('true');
}

describe('ID card reader, end to end', { timeout: 60_000 }, () => {
  it('a card laid while the form is open fills it; the outward screen shows it masked', async () => {
    await openCaseWithItem();
    sim.lay(card('男，有效'));
    await poll(() => byId('applicant-name').inputValue()).toBe('张测试');
    expect(await byId('applicant-id-number').inputValue()).toBe('320102199001011232');
    await poll(() => byId('id-card-sex').textContent()).toBe('男');
    expect(await byId('id-card-birth').textContent()).toBe('1990-01-01');
    expect(await byId('id-card-address').textContent()).toBe('江苏省南京市玄武区测试路1号');
    expect(await byId('id-card-validity').textContent()).toBe('2020.01.01–2040.01.01');
    // The citizen checks it on the outward screen: masked, never whole.
    await poll(() => outward.locator('body').innerText()).toContain('3201**********1232');
    const seen = await outward.locator('body').innerText();
    expect(seen).not.toContain('320102199001011232');
    expect(seen).not.toContain('张测试');
    await clerk.getByTestId('applicant-phone').fill('13812345678');
    await screenshot(clerk, 'id-card-form.png');
  });

  it('with no form open the card is offered and shown masked outside; lifted and laid again it is read again', async () => {
    await discardCase();
    await clerk.getByTestId('tab-queue').click();
    const readsBefore = sim.counts().reads;
    sim.lay(card('女，有效'));
    await byId('id-card-offer').waitFor();
    expect(await byId('id-card-offer').innerText()).toContain('李示例');
    await poll(() => outward.getByTestId('outward-id-card-name').textContent()).toBe('李**');
    expect(await outward.getByTestId('outward-id-card-number').textContent()).toBe('1101**********2240');
    await screenshot(outward, 'id-card-outward.png');
    await clerk.keyboard.press('Escape');
    await poll(() => byId('id-card-offer').count()).toBe(0);
    await poll(() => outward.getByTestId('outward-id-card').count()).toBe(0);

    // Lifted and laid again: read again, offered again; Enter starts the case with the applicant filled.
    sim.lift();
    sim.lay(card('女，有效'));
    await byId('id-card-offer').waitFor();
    expect(sim.counts().reads).toBe(readsBefore + 2);
    await clerk.keyboard.press('Enter');
    await poll(() => byId('tab-case').getAttribute('aria-selected')).toBe('true');
    await poll(() => clerk.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('item-search');
    await clerk.keyboard.type('gtgsh');
    await byId('item-option-SCJG-DJ-011').click();
    await poll(() => byId('applicant-name').inputValue()).toBe('李示例');
    expect(await byId('applicant-id-number').inputValue()).toBe('110105198506122240');
    expect(await byId('id-card-address').textContent()).toBe('北京市朝阳区示例街道2号院3单元401室');
  });

  it('an expired card is refused in red; the clerk confirms and types the identity; a bad card fills nothing', async () => {
    await discardCase();
    await openCaseWithItem();
    sim.lay(card('已过期'));
    await byId('id-card-expired').waitFor();
    expect(await byId('id-card-expired').innerText()).toBe('证件已过期（有效期至 2025.03.15），请持有效证件办理');
    expect(await byId('id-card-expired').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(200, 49, 43)');
    expect(await byId('applicant-name').inputValue()).toBe('');
    await poll(() => outward.getByTestId('outward-id-card-expired').count()).toBe(1);
    await screenshot(clerk, 'id-card-expired.png');
    await byId('id-card-expired-confirm').click();
    await byId('id-card-expired').waitFor({ state: 'hidden' });
    expect(await byId('applicant-name').inputValue()).toBe('');
    expect(await byId('applicant-id-number').inputValue()).toBe('');
    await poll(() => outward.getByTestId('outward-id-card').count()).toBe(0);

    sim.lay(card('校验位错误'));
    await poll(() => clerk.locator('body').innerText()).toContain('公民身份号码校验位错误');
    expect(await byId('applicant-name').inputValue()).toBe('');
    expect(await byId('applicant-id-number').inputValue()).toBe('');
  });

  it('unplugged → 读卡器未连接; plugged in again → 正常 and the next card is read', async () => {
    await line.kill();
    await clerk.getByTestId('id-card-reader-state').and(clerk.locator('[data-state="unplugged"]')).waitFor();
    expect(await byId('id-card-reader-state').innerText()).toContain('读卡器未连接');
    sim.stop();
    await simPort.close().catch(() => {});
    await line.restart();
    await plugSim();
    await clerk.getByTestId('id-card-reader-state').and(clerk.locator('[data-state="ok"]')).waitFor({ timeout: 15_000 });
    await discardCase();
    await openCaseWithItem();
    sim.lay(card('港澳台'));
    await poll(() => byId('applicant-id-number').inputValue()).toBe('810000199508200030');
    expect(await byId('applicant-name').inputValue()).toBe('陈港测');
  });

  it('设备设置 (a manager): the reader section refuses a bad baud rate; 读卡测试 shows the card masked and fills nothing', async () => {
    await discardCase();
    await byId('sign-out').click();
    await byId('signin-staff-no').waitFor();
    await signIn(clerk, '1006');
    await clerk.keyboard.press('Alt+D');
    await byId('device-setup').waitFor();
    const section = byId('idCard-section');
    await section.scrollIntoViewIfNeeded();
    expect(await byId('id-card-port').inputValue()).toBe(line.a);
    expect(await byId('idCard-source').textContent()).toContain('启动参数');
    // A bad baud rate: said in Chinese, nothing saved.
    await byId('id-card-baud').fill('12');
    await byId('idCard-save').click();
    await poll(() => section.innerText()).toContain('波特率应为 300–921600 之间的整数');
    expect(await byId('idCard-source').textContent()).toContain('启动参数');
    // Corrected and saved: this counter's own setting now, the driver restarted on it.
    await byId('id-card-baud').fill('115200');
    await byId('idCard-save').click();
    await poll(() => byId('idCard-source').textContent()).toContain('本机设置');
    await clerk.getByTestId('id-card-reader-state').and(clerk.locator('[data-state="ok"]')).waitFor();

    await byId('id-card-test').click();
    await poll(() => byId('id-card-test-result').innerText()).toContain('请把身份证平放');
    sim.lay(card('女，有效'));
    await poll(() => byId('id-card-test-result').innerText()).toContain('读卡成功');
    const result = await byId('id-card-test-result').innerText();
    expect(result).toContain('李**');
    expect(result).toContain('1101**********2240');
    expect(result).not.toContain('李示例');
    expect(result).not.toContain('110105198506122240');
    expect(await byId('id-card-offer').count()).toBe(0);
    await section.scrollIntoViewIfNeeded();
    await screenshot(clerk, 'id-card-setup.png');
  });
});
