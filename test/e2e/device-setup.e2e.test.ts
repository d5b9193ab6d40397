// End to end in real Chromium (issue 7): the hall manager sets a window up.
// The real hall server, the real counter core behind the browser host, the
// evaluator simulator (ft12, address 5) on one end of a socat pty pair and
// the printer simulator on a loopback TCP port.
//
// Window 1 starts with the launcher's evaluator setting at address 3, where
// nothing answers. A clerk cannot open 设备设置; the manager signs in,
// changes the address to 5, and tests it (PING and a test rating) against
// the simulator; sets the printer and prints a test page; exports the setup.
// Then a fresh counter at window 2 (its own data folder, no launcher
// settings) imports the file, and its devices work: a citizen served there
// rates on the evaluator and the rating is stored with the device address.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { PrinterSimulator } from '../../sim/printer/simulator.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { HallClient } from '../../main/hall-client.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const ADDRESS = 5;

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let pty: PtyPair;
let simPort: BytePort;
let printer: PrinterSimulator;
let printerPort: number;
let first: E2eCounter | null = null;
let second: E2eCounter | null = null;
let page: Page;
let exportedFile = '';
const sim = new EvaluatorSimulator({ addresses: [ADDRESS] });

const byId = (id: string) => page.getByTestId(id);

function ratingRows(dataDir: string): { level: number | null; channel: string; device_address: number | null; window_id: number }[] {
  const db = new Database(join(dataDir, 'counter.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT level, channel, device_address, window_id FROM rating ORDER BY at, rowid').all() as never;
  } finally {
    db.close();
  }
}

async function openDeviceSetup() {
  await page.keyboard.press('Alt+D');
  await byId('device-setup').waitFor();
}

async function signOut() {
  await byId('sign-out').click();
  await byId('signin-staff-no').waitFor();
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  pty = await startPtyPair();
  simPort = await openSerialPort({ path: pty.b });
  sim.attach(simPort);
  printer = new PrinterSimulator({});
  printerPort = (await printer.listenTcp(0)).port;
  first = await startE2eCounter(hall, {
    windowId: 1,
    // The launcher's setting names the wrong address: nothing answers at 3.
    evaluator: { port: pty.a, protocol: 'ft12', address: 3 },
  }, { testPatternMs: 3000 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(first.host.clerkUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await second?.close();
  await first?.close();
  sim.stop();
  await simPort?.close();
  await closeAllPtyPairs();
  await printer?.close();
  await hall?.close();
});

describe('设备设置 (hall manager) in Chromium, against the simulators', () => {
  it('a clerk cannot open 设备设置', async () => {
    await signIn(page, '1001');
    expect(await byId('open-device-setup').count()).toBe(0);
    await page.keyboard.press('Alt+D');
    await expect.poll(() => page.getByText('设备设置仅限大厅管理员使用').count()).toBeGreaterThan(0);
    expect(await byId('device-setup').count()).toBe(0);
    // The evaluator named by the launcher does not answer at address 3: the clerk sees it.
    await expect
      .poll(() => byId('evaluator-state').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('not_answering');
    await signOut();
  });

  it('the manager changes the evaluator address to 5 and tests it: PING answers, a test rating comes back, nothing is stored', async () => {
    await signIn(page, '1006');
    await byId('open-device-setup').waitFor();
    await openDeviceSetup();
    await expect.poll(() => byId('evaluator-address').inputValue()).toBe('3');
    expect(await byId('evaluator-source').textContent()).toContain('启动参数');

    await byId('evaluator-address').fill(String(ADDRESS));
    await byId('evaluator-save').click();
    await expect.poll(() => byId('evaluator-source').textContent()).toContain('本机设置');
    await expect.poll(() => byId('evaluator-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('ok');

    await byId('evaluator-ping').click();
    await expect.poll(() => byId('evaluator-test-result').textContent(), { timeout: 10_000 }).toContain('正常');

    await byId('evaluator-test-rating').click();
    await expect.poll(() => sim.device(ADDRESS).session, { timeout: 10_000 }).not.toBeNull();
    expect(sim.press(4)).toBe(true);
    await expect.poll(() => byId('evaluator-test-result').textContent(), { timeout: 10_000 }).toContain('满意');
    // A test is not a rating.
    expect(ratingRows(first!.dataDir)).toEqual([]);
  });

  it('the manager sets the network printer and prints a test page, with its preview', async () => {
    await byId('printer-kind').getByText('网络（TCP）').click();
    await byId('printer-host').fill('127.0.0.1');
    await byId('printer-tcp-port').fill(String(printerPort));
    await byId('printer-save').click();
    await expect.poll(() => byId('printer-source').textContent()).toContain('本机设置');
    await expect.poll(() => byId('printer-state').getAttribute('data-level'), { timeout: 10_000 }).toBe('ok');
    await byId('printer-test').click();
    await expect.poll(() => byId('printer-test-result').textContent(), { timeout: 10_000 }).toContain('测试页');
    await byId('printer-test-preview').waitFor();
    const [job] = await printer.waitForJobs(1);
    expect(job!.lines.map((line) => line.text).join('\n')).toContain('测试页');
    await screenshot(page, 'device-setup.png');
  });

  it('显示测试画面 puts the test pattern on the outward screen, which returns by itself', async () => {
    const outward = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await outward.goto(first!.host.outwardUrl);
    await expect.poll(() => byId('outward-state').getAttribute('data-state')).toBe('ok');
    await byId('display-test').click();
    await outward.getByTestId('outward-test-pattern').waitFor();
    expect(await outward.getByTestId('outward-test-pattern').textContent()).toContain('1号窗口');
    await screenshot(outward, 'outward-test-pattern.png');
    await outward.getByTestId('outward-test-pattern').waitFor({ state: 'detached', timeout: 10_000 });
    await outward.close();
    await expect.poll(() => byId('outward-state').getAttribute('data-state')).toBe('error');
  }, 30_000);

  it('exports the setup as a file', async () => {
    const download = page.waitForEvent('download');
    await byId('setup-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^halldesk-设备设置-.*\.json$/);
    exportedFile = join(mkdtempSync(join(tmpdir(), 'halldesk-export-')), file.suggestedFilename());
    await file.saveAs(exportedFile);
    const document = JSON.parse(readFileSync(exportedFile, 'utf8')) as { setup: { evaluator: { address: number } } };
    expect(document.setup.evaluator.address).toBe(ADDRESS);
  });

  it('a fresh counter at window 2 imports the file; its evaluator and printer work there', async () => {
    // One serial line on this test machine: the first counter lets go of it, as the next PC would have its own.
    await first!.close();
    first = null;
    second = await startE2eCounter(hall, { windowId: 2 });
    await page.goto(second.host.clerkUrl);
    await signIn(page, '1006');
    await openDeviceSetup();
    expect(await byId('evaluator-source').textContent()).toContain('默认');

    // A file that is not a setup is refused and changes nothing.
    await byId('setup-import-file').setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from('{"kind":"x"}') });
    await expect.poll(() => byId('setup-import-result').textContent()).toContain('不是 HallDesk 设备设置文件');
    expect(await byId('evaluator-source').textContent()).toContain('默认');

    await byId('setup-import-file').setInputFiles(exportedFile);
    await expect.poll(() => byId('evaluator-source').textContent(), { timeout: 10_000 }).toContain('本机设置');
    await expect.poll(() => byId('evaluator-address').inputValue()).toBe(String(ADDRESS));
    await expect.poll(() => byId('evaluator-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('ok');
    await byId('printer-test').click();
    await expect.poll(() => byId('printer-test-result').textContent(), { timeout: 10_000 }).toContain('测试页');
    await printer.waitForJobs(2);

    // A clerk at window 2 serves a citizen, who rates on the evaluator.
    await page.keyboard.press('Escape');
    await signOut();
    await signIn(page, '1002');
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await page.getByTestId('action-call-next').and(page.locator(':enabled')).waitFor();
    await page.keyboard.press('F1');
    await page.getByTestId('action-complete').and(page.locator(':enabled')).waitFor();
    await page.keyboard.press('F4');
    await expect.poll(() => sim.device(ADDRESS).session, { timeout: 10_000 }).not.toBeNull();
    sim.press(5);
    await expect.poll(() => ratingRows(second!.dataDir)).toEqual([
      { level: 5, channel: 'evaluator', device_address: ADDRESS, window_id: 2 },
    ]);
  }, 60_000);
});
