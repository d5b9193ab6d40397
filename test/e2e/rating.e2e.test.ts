// End to end in real Chromium with a real evaluator line: a socat pty pair,
// the simulated evaluator (ft12, address 3) on one end, the counter's driver
// on the other, the real hall server, the browser host, the clerk and
// outward pages. 办结 → the outward page shows the rating prompt → the
// evaluator (or touch) answers → the rating is stored in the counter's
// SQLite and the clerk sees it; the time limit gives 未评价; calling the next
// number leaves an open session running (docs/ratings-and-queue.md).
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
const LIMIT_SECONDS = 8;

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
  level: number | null;
  outcome: string;
  channel: string;
  ticket_number: string | null;
  staff_no: string;
  device_address: number | null;
  window_id: number;
}
function ratings(): Row[] {
  const db = new Database(join(dataDir, 'counter.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM rating ORDER BY at, rowid').all() as Row[];
  } finally {
    db.close();
  }
}

const issue = async (lineId: string) =>
  (await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } })).ticket.number;
async function press(key: string) {
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}
/** Calls the next number (a fresh ticket) and completes it: the rating prompt opens. */
async function serveAndComplete(): Promise<string> {
  const ticket = await issue('A');
  await press('F1');
  await expect.poll(() => clerk.getByTestId('current-ticket').first().textContent()).toBe(ticket);
  await press('F4');
  await outward.getByTestId('outward-rating').waitFor();
  return ticket;
}
const latest = () => clerk.getByTestId('clerk-latest-rating').textContent();

beforeAll(async () => {
  // The demo hall with a short rating time limit.
  hall = await startHallServer({ seedDir: demoSeedWith({ ratingTimeLimitSeconds: LIMIT_SECONDS }) });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });

  pty = await startPtyPair();
  simPort = await openSerialPort({ path: pty.b });
  sim.attach(simPort);

  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  dataDir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-rating-'));
  counter = await openCounter({
    dataDir,
    deviceName: 'e2e-rating',
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

describe('rating (好差评) through a real serial line and Chromium', () => {
  it('signing in shows the clerk on the evaluator; the clerk sees the evaluator healthy', async () => {
    await expect.poll(() => clerk.getByTestId('evaluator-state').getAttribute('data-state')).toBe('ok');
    await expect.poll(() => sim.device(ADDRESS).identity?.staffNumber).toBe('1001');
  });

  it('办结 → the outward page prompts → the evaluator presses 满意 → stored and the clerk sees it', async () => {
    const ticket = await serveAndComplete();
    const prompt = outward.getByTestId('outward-rating');
    const sessionId = Number(await prompt.getAttribute('data-session'));
    expect(await outward.getByTestId('outward-clerk-name').textContent()).toBeTruthy();
    for (const [level, name] of [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']] as const) {
      expect(await outward.getByTestId(`outward-rate-${level}`).textContent()).toBe(name);
    }
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(sessionId);
    await outward.evaluate(() => document.fonts.ready);
    await outward.screenshot({ path: join(shots, 'outward-rating.png') });

    expect(sim.press(4)).toBe(true);
    await expect.poll(latest).toContain('最近评价：满意');
    await outward.getByTestId('outward-rating').waitFor({ state: 'detached' });
    const rows = ratings();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ level: 4, outcome: 'rated', channel: 'evaluator', ticket_number: ticket, staff_no: '1001', device_address: ADDRESS, window_id: 1 });
    await clerk.screenshot({ path: join(shots, 'clerk-rating.png') });
  });

  it('touch on the outward page answers first; the evaluator key after it is ignored', async () => {
    await serveAndComplete();
    await outward.getByTestId('outward-rate-5').click();
    await expect.poll(latest).toContain('最近评价：非常满意');
    sim.press(1); // the device may have left the prompt already; either way nothing more is stored
    await new Promise((resolve) => setTimeout(resolve, 800));
    const rows = ratings();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ level: 5, channel: 'touch' });
  });

  it('the time limit passes: 未评价, never a good rating', async () => {
    await serveAndComplete();
    await expect.poll(latest, { timeout: (LIMIT_SECONDS + 5) * 1000 }).toContain('最近评价：未评价');
    const rows = ratings();
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ level: null, outcome: 'not_rated', channel: 'none' });
  }, 30_000);

  it('calling the next number leaves the open session on the device; the press after it is stored', async () => {
    const ticket = await serveAndComplete();
    await expect.poll(() => sim.device(ADDRESS).session).not.toBeNull();
    const next = await issue('A');
    await press('F1');
    await expect.poll(() => outward.getByTestId('outward-number').textContent()).toBe(next);
    await outward.getByTestId('outward-rating').waitFor(); // still prompting (docs/ratings-and-queue.md)
    expect(ratings()).toHaveLength(3);
    expect(sim.press(3)).toBe(true);
    await expect.poll(() => ratings().length).toBe(4);
    expect(ratings()[3]).toMatchObject({ level: 3, outcome: 'rated', channel: 'evaluator', ticket_number: ticket });
    await outward.getByTestId('outward-rating').waitFor({ state: 'detached' });
    await expect.poll(() => sim.device(ADDRESS).state).toBe(1); // serving the new number
  });

  it('the line is unplugged: the clerk sees the fault at once; plugged back, the evaluator is ok again', async () => {
    await pty.kill('SIGKILL');
    await expect.poll(() => clerk.getByTestId('evaluator-state').getAttribute('data-state')).toBe('unplugged');
    expect(await clerk.getByTestId('evaluator-state').textContent()).toBe('评价器未连接');
    await simPort.close();
    await pty.restart();
    simPort = await openSerialPort({ path: pty.b });
    sim.attach(simPort);
    await expect
      .poll(() => clerk.getByTestId('evaluator-state').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('ok');
  }, 30_000);
});
