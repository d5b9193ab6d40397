// Ratings are never lost to the queue (issue 14, point 5), end to end in real
// Chromium: the real hall server, the browser host, the clerk and outward
// pages, and the simulated evaluator (ft12, address 3) over a REAL serial
// line (a socat pty pair). The clerk presses F4 (办结) and at once F1 (叫号):
// the outward page calls the new number above the rating prompt, the
// evaluator keeps prompting, and the citizen's press is stored in the
// counter's SQLite against the ticket just served. Then F4 of the second
// citizen while the first still rates: the clerk sees it waiting, and it
// opens once the first is answered.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { DEMO_PASSWORD, demoSeedWith, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const shots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const ADDRESS = 3;
const LIMIT_SECONDS = 60;

let hall: TestHallServer;
let kiosk: HallClient;
let browser: Browser;
let pty: PtyPair;
let simPort: BytePort;
let counter: Counter;
let host: BrowserHost;
let dataDir: string;
let clerk: Page;
let outward: Page;
const sim = new EvaluatorSimulator({ addresses: [ADDRESS] });

interface Row {
  session_id: number;
  level: number | null;
  outcome: string;
  channel: string;
  ticket_number: string | null;
  staff_no: string;
}
function ratings(): Row[] {
  const db = new Database(join(dataDir, 'counter.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT session_id, level, outcome, channel, ticket_number, staff_no FROM rating ORDER BY at, rowid').all() as Row[];
  } finally {
    db.close();
  }
}

const issue = async (lineId: string) =>
  (await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } })).ticket.number;
const current = () => clerk.getByTestId('current-ticket').first().textContent();
async function press(key: string) {
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

beforeAll(async () => {
  hall = await startHallServer({ seedDir: demoSeedWith({ ratingTimeLimitSeconds: LIMIT_SECONDS }) });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  pty = await startPtyPair();
  simPort = await openSerialPort({ path: pty.b });
  sim.attach(simPort);
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  dataDir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-rating-kept-'));
  counter = await openCounter({
    dataDir,
    deviceName: 'e2e-rating-kept',
    autoEnroll: { serverUrl: hall.url, code },
    evaluator: { port: pty.a, protocol: 'ft12', address: ADDRESS },
  });
  host = await startBrowserHost({ core: counter, staticDir });
  browser = await launchChromium();
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  outward = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await outward.goto(host.outwardUrl);
  await clerk.getByTestId('signin-staff-no').fill('1001');
  await clerk.getByTestId('signin-password').fill(DEMO_PASSWORD);
  await clerk.getByTestId('signin-submit').click();
  await clerk.getByTestId('clerk-name').waitFor();
  await clerk.locator('[data-testid="evaluator-state"][data-state="ok"]').waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  sim.stop();
  await simPort?.close();
  await closeAllPtyPairs();
  await hall?.close();
});

describe('F1 right after F4 keeps the rating (Chromium, evaluator over a pty)', () => {
  it('the next number is called above the prompt; the evaluator press is stored against the ticket served', async () => {
    const first = await issue('A');
    const second = await issue('A');
    await press('F1');
    await expect.poll(current).toBe(first);
    await press('F4');
    await outward.getByTestId('outward-rating').waitFor();
    const sessionId = Number(await outward.getByTestId('outward-rating').getAttribute('data-session'));
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(sessionId);

    // F1 at once: the second citizen is called; the first still has the prompt.
    await press('F1');
    await expect.poll(current).toBe(second);
    await expect.poll(() => outward.getByTestId('outward-number').textContent()).toBe(second);
    expect(Number(await outward.getByTestId('outward-rating').getAttribute('data-session'))).toBe(sessionId);
    expect(await clerk.getByTestId('rating-open').textContent()).toContain(first);
    // The prompt names the number it rates, so the citizen just called does not take it for theirs.
    expect(await outward.getByTestId('outward-rating-title').textContent()).toBe(`请 ${first} 号对刚才的服务进行评价`);
    expect(sim.device(ADDRESS).session?.sessionId).toBe(sessionId);
    await outward.evaluate(() => document.fonts.ready);
    await outward.screenshot({ path: join(shots, 'outward-rating-while-calling.png') });

    // The first citizen presses 满意 on the evaluator.
    expect(sim.press(4)).toBe(true);
    await expect.poll(() => ratings().length).toBe(1);
    expect(ratings()[0]).toEqual({ session_id: sessionId, level: 4, outcome: 'rated', channel: 'evaluator', ticket_number: first, staff_no: '1001' });
    await outward.getByTestId('outward-rating').waitFor({ state: 'detached' });
    await expect.poll(() => outward.getByTestId('outward-number').textContent()).toBe(second);
    await expect.poll(() => sim.device(ADDRESS).state).toBe(1); // 办理中: the second citizen
    await expect.poll(() => clerk.getByTestId('clerk-latest-rating').textContent()).toContain('最近评价：满意');
  });

  it('F4 of the next citizen while the one before still rates: it waits its turn, then prompts', async () => {
    const third = await issue('A');
    const second = await current();
    await press('F4'); // the second citizen's service ends: its prompt opens
    await outward.getByTestId('outward-rating').waitFor();
    const secondSession = Number(await outward.getByTestId('outward-rating').getAttribute('data-session'));
    await press('F1');
    await expect.poll(current).toBe(third);
    await press('F4'); // the third is done too, before the second has pressed
    await expect.poll(() => clerk.getByTestId('rating-waiting').textContent()).toContain(third!);
    expect(await clerk.getByTestId('rating-open').textContent()).toContain(second!);
    await clerk.screenshot({ path: join(shots, 'clerk-rating-waiting.png') });

    expect(sim.press(5)).toBe(true); // the second citizen
    await expect
      .poll(async () => Number(await outward.getByTestId('outward-rating').getAttribute('data-session')))
      .not.toBe(secondSession);
    const thirdSession = Number(await outward.getByTestId('outward-rating').getAttribute('data-session'));
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(thirdSession);
    await outward.getByTestId('outward-rate-2').click(); // the third answers by touch
    await expect.poll(() => ratings().length).toBe(3);
    expect(ratings().slice(1).map((row) => [row.session_id, row.ticket_number, row.level, row.channel])).toEqual([
      [secondSession, second, 5, 'evaluator'],
      [thirdSession, third, 2, 'touch'],
    ]);
  });
});
