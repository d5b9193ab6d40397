// End to end in real Chromium: the printer at window 1. The real hall server,
// the real counter core (with its print queue) behind the browser host, and
// the printer simulator on a loopback TCP port. Screenshot for the README:
// docs/screenshots/print-status.png, print-queue.png.
//
// Test ids (renderer/clerk/PrintQueue.tsx): printer-state (data-level),
// printer-waiting, print-queue, print-job-<id> (data-state, data-case),
// print-job-state-<id>, print-job-error-<id>, print-retry-<id>,
// print-reprint-<id>, print-preview-<id>, print-preview-image-<id>.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { acceptInstantCase as acceptCase, screenshot, signIn, TEST_ID_NUMBER } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const ID_NUMBER = TEST_ID_NUMBER;

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let clerk: Page;
let simulator: PrinterSimulator;
const caseNos: string[] = [];

const byId = (page: Page, id: string) => page.getByTestId(id);
const text = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, '')).filter(Boolean);


const acceptInstantCase = (name: string) => acceptCase(clerk, name);

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  browser = await launchChromium();
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-print-'));
  simulator = new PrinterSimulator({ recordDir: join(dataDir, 'printer-jobs') });
  const { port } = await simulator.listenTcp(0);
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  counter = await openCounter({
    dataDir,
    deviceName: 'e2e-print',
    autoEnroll: { serverUrl: hall.url, code },
    printer: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: { width: 80, nativeQr: true, fourByteGb18030: false } },
  });
  host = await startBrowserHost({ core: counter, staticDir });
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  clerk.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await simulator?.close();
  await hall?.close();
});

describe('the printer at the counter', () => {
  it('signs in; the status bar shows the printer ready', async () => {
    await signIn(clerk, '1001');
    await expect.poll(() => byId(clerk, 'printer-state').getAttribute('data-level')).toBe('ok');
    expect(await byId(clerk, 'printer-state').textContent()).toContain('打印机正常');
    await kiosk.request('issueTicket', { body: { lineId: 'C', priority: 'normal' } });
    await expect.poll(() => byId(clerk, 'queue-count-C').textContent()).toBe('1');
    await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F1');
    await expect.poll(() => byId(clerk, 'current-ticket').textContent()).toBe('C001');
  });

  it('受理 prints the 受理回执: the case number in its text, the case lookup URL in its QR code', async () => {
    const caseNo = await acceptInstantCase('张晓明');
    caseNos.push(caseNo);
    const [job] = await simulator.waitForJobs(1);
    const lines = text(job!);
    expect(lines).toEqual(expect.arrayContaining(['受理回执', `办件编号：${caseNo}`, '受理窗口：1号窗口']));
    expect(lines.join('\n')).not.toContain(ID_NUMBER); // only the masked ID is printed
    expect(job!.qr.map((qr) => qr.payload)).toEqual([`${hall.url}/case/${caseNo}`]);
    expect(job!.cut).toBe('partial');
  });

  it('paper out: the clerk sees 打印机缺纸 and the receipt waits in the queue; paper back, 重试 prints it once', async () => {
    simulator.setState({ paperOut: true });
    const caseNo = await acceptInstantCase('王芳');
    caseNos.push(caseNo);
    await expect.poll(() => byId(clerk, 'printer-state').getAttribute('data-level')).toBe('error');
    expect(await byId(clerk, 'printer-state').textContent()).toContain('打印机缺纸');
    expect(await byId(clerk, 'printer-waiting').textContent()).toContain('1');

    await screenshot(clerk, 'print-status.png'); // the red badge in the status bar
    await clerk.keyboard.press('Alt+P'); // 打印队列
    await byId(clerk, 'print-queue').waitFor();
    const row = clerk.locator(`[data-case="${caseNo}"]`);
    await expect.poll(() => row.getAttribute('data-state')).toBe('refused');
    const id = ((await row.getAttribute('data-testid')) ?? '').replace('print-job-', '');
    expect(await byId(clerk, `print-job-state-${id}`).textContent()).toBe('未打印');
    expect(await byId(clerk, `print-job-error-${id}`).textContent()).toContain('打印机缺纸：请装入热敏纸后点重试');
    await byId(clerk, `print-preview-${id}`).click(); // the slip as it will print
    await byId(clerk, `print-preview-image-${id}`).waitFor();
    expect(await byId(clerk, `print-preview-image-${id}`).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(simulator.jobs).toHaveLength(1); // nothing was sent while the paper was out
    await screenshot(clerk, 'print-queue.png');

    simulator.setState({ paperOut: false });
    await byId(clerk, `print-retry-${id}`).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('printed');
    await expect.poll(() => byId(clerk, 'printer-state').getAttribute('data-level')).toBe('ok');
    await simulator.waitForJobs(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(simulator.jobs).toHaveLength(2); // printed exactly once
    expect(text(simulator.jobs[1]!)).toContain(`办件编号：${caseNo}`);
    expect(simulator.jobs.every((job) => !job.held)).toBe(true);
    expect(await byId(clerk, 'printer-waiting').count()).toBe(0);
  });
});
