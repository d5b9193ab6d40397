// End to end in real Chromium, offline first (issue 6): the real hall server
// (in this process, stopped and started again on the same port and SQLite
// file), the real counter core with its print queue and the printer
// simulator, the browser host. The server stops: the clerk sees 离线 and the
// unsent count, accepts a case, the citizen rates it by touch on the outward
// screen, the clerk prints a walk-in ticket (Alt+W) from the range leased
// while online; the server returns: all three arrive exactly once, unsent is 0.
//
// Test ids: connection-state (data-state), unsent-count (data-count),
// walk-in-issue, walk-in-last (renderer/clerk/WalkInPanel.tsx); the case ids
// as in cases.e2e.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { acceptInstantCase as acceptCase, signIn } from '../helpers/e2e-counter.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const ADMIN = 'offline-e2e-admin';

let dir: string;
let dbPath: string;
let port: number;
let server: HallServer | null = null;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let clerk: Page;
let outward: Page;
let simulator: PrinterSimulator;
let deviceId: string;

const byId = (page: Page, id: string) => page.getByTestId(id);
const text = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, '')).filter(Boolean);

async function startServer(atPort: number): Promise<string> {
  server = createHallServer({ dbPath, adminToken: ADMIN, seedDir: DEMO_SEED_DIR });
  return server.listen(atPort, '127.0.0.1');
}

/** Reads the hall server's SQLite file (WAL: fine while it runs). */
function hallQuery<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const acceptInstantCase = (name: string) => acceptCase(clerk, name);

const clerkState = async () => (await counter.call('getClerkState', {})) as ClerkState;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-offline-'));
  dbPath = join(dir, 'hall.sqlite');
  const url = await startServer(0);
  port = Number(new URL(url).port);
  browser = await launchChromium();
  simulator = new PrinterSimulator({ recordDir: join(dir, 'printer-jobs') });
  const printer = await simulator.listenTcp(0);
  const admin = new HallClient({ baseUrl: url, token: ADMIN });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  counter = await openCounter(
    {
      dataDir: join(dir, 'counter'),
      deviceName: 'e2e-offline',
      autoEnroll: { serverUrl: url, code },
      printer: {
        link: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
        profile: { width: 80, nativeQr: true, fourByteGb18030: false },
      },
    },
    // Reconnect and resend quickly: the test waits for the link to return.
    { retryDelay: () => 200, push: { baseDelayMs: 100, maxDelayMs: 500 } },
  );
  deviceId = hallQuery<{ id: string }>("SELECT id FROM devices WHERE role = 'counter'")[0]!.id;
  host = await startBrowserHost({ core: counter, staticDir });
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  outward = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await outward.goto(host.outwardUrl);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await simulator?.close();
  await server?.close();
});

describe('offline at the counter', () => {
  let caseNo = '';
  let walkIn = '';

  it('signs in online; a walk-in range is leased', async () => {
    await signIn(clerk, '1001');
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state')).toBe('online');
    await expect
      .poll(() => hallQuery<{ from_no: number }>('SELECT from_no FROM walk_in_leases WHERE window_id = 1').length)
      .toBeGreaterThan(0);
  });

  it('the server stops: 离线, a case accepted, rated by touch, and a walk-in ticket printed from the leased range, all unsent', async () => {
    await server!.close();
    server = null;
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state'), { timeout: 5000 }).toBe('offline');
    expect(await byId(clerk, 'connection-state').textContent()).toContain('离线');

    caseNo = await acceptInstantCase('张晓明');
    expect(caseNo).toMatch(/^\d{8}-\d{2}-[1-9]\d*-\d{4}$/); // YYYYMMDD-窗口代码-设备编号-序号
    await expect.poll(() => byId(clerk, 'unsent-count').getAttribute('data-count')).toBe('1');

    // 请评价 (F9): the citizen touches 非常满意 on the outward screen.
    await clerk.keyboard.press('F9');
    await outward.getByTestId('outward-rating').waitFor();
    await outward.getByTestId('outward-rate-5').click();
    await expect.poll(() => byId(clerk, 'unsent-count').getAttribute('data-count')).toBe('2');

    await clerk.keyboard.press('Alt+W'); // 现场补号
    await expect.poll(() => byId(clerk, 'walk-in-last').textContent()).toContain('W01-001');
    walkIn = 'W01-001';
    await expect.poll(() => byId(clerk, 'unsent-count').getAttribute('data-count')).toBe('3');
    expect(await byId(clerk, 'unsent-count').textContent()).toContain('未上传 3 条');

    // The receipt and then the walk-in ticket, both printed by the simulator while offline.
    const jobs = await simulator.waitForJobs(2);
    const ticket = jobs.find((job) => text(job).includes(walkIn));
    expect(ticket, 'a walk-in ticket').toBeDefined();
    expect(text(ticket!)).toEqual(expect.arrayContaining(['排队号', walkIn]));
    expect(text(jobs[0]!)).toContain(`办件编号：${caseNo}`);
    // Nothing reached the server yet.
    expect(hallQuery('SELECT number FROM walk_ins')).toEqual([]);
  });

  it('the server returns on the same port and data: online again, the case, the rating and the walk-in arrive exactly once', async () => {
    await startServer(port);
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('online');
    await expect.poll(async () => (await clerkState()).unsent, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => byId(clerk, 'unsent-count').count()).toBe(0);
    expect(hallQuery<{ case_no: string }>('SELECT case_no FROM cases WHERE device_id = ?', deviceId)).toEqual([
      { case_no: caseNo },
    ]);
    expect(hallQuery('SELECT number, line_id AS lineId FROM walk_ins WHERE device_id = ?', deviceId)).toEqual([
      { number: walkIn, lineId: 'A' },
    ]);
    expect(hallQuery('SELECT level, channel FROM ratings WHERE device_id = ?', deviceId)).toEqual([
      { level: 5, channel: 'touch' },
    ]);
    // Each mutation applied once, in seq order, none rejected (seq 1: sync.chain_keyed, the chain keyed at enrollment).
    expect(
      hallQuery<{ seq: number; status: string }>(
        'SELECT seq, status FROM sync_mutations WHERE device_id = ? ORDER BY seq',
        deviceId,
      ),
    ).toEqual([
      { seq: 1, status: 'applied' },
      { seq: 2, status: 'applied' },
      { seq: 3, status: 'applied' },
      { seq: 4, status: 'applied' },
    ]);
  });
});
