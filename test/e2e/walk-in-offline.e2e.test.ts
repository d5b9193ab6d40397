// 现场补号 and offline 叫号 end to end in real Chromium (issue 14 point 6,
// issue 21 point 5): the real hall server is stopped; the clerk prints two
// walk-ins (Alt+W), F1 calls W01-001 — shown on the clerk page and the
// outward page — and F4 ends it; the server returns on the same port and
// data, the records arrive, W01-001 is served by window 1 there, and
// W01-002, printed while the server was down, is called by F1 after the
// kiosk ticket issued before it.
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
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { signIn } from '../helpers/e2e-counter.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const shots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const ADMIN = 'walk-in-e2e-admin';

let dbPath: string;
let port: number;
let url: string;
let server: HallServer | null = null;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let clerk: Page;
let outward: Page;
let kioskToken: string;

const byId = (page: Page, id: string) => page.getByTestId(id);
const current = () => byId(clerk, 'current-ticket').first().textContent();
const clerkState = async () => (await counter.call('getClerkState', {})) as ClerkState;

async function startServer(atPort: number): Promise<string> {
  server = createHallServer({ dbPath, adminToken: ADMIN, seedDir: DEMO_SEED_DIR });
  return server.listen(atPort, '127.0.0.1');
}

function hallQuery<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function press(key: string) {
  await byId(clerk, 'action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press(key);
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-walk-in-'));
  dbPath = join(dir, 'hall.sqlite');
  url = await startServer(0);
  port = Number(new URL(url).port);
  const admin = new HallClient({ baseUrl: url, token: ADMIN });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  const kioskCode = (await admin.request('createEnrollmentCode', { body: { role: 'kiosk', windowId: null } })).code;
  kioskToken = (await new HallClient({ baseUrl: url }).request('enroll', { body: { code: kioskCode, deviceName: 'kiosk' } })).token;
  counter = await openCounter(
    { dataDir: join(dir, 'counter'), deviceName: 'e2e-walk-in', autoEnroll: { serverUrl: url, code } },
    { retryDelay: () => 200, push: { baseDelayMs: 100, maxDelayMs: 500 } },
  );
  host = await startBrowserHost({ core: counter, staticDir });
  browser = await launchChromium();
  clerk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  outward = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  for (const page of [clerk, outward]) page.on('pageerror', (error) => console.error('page error:', error));
  await clerk.goto(host.clerkUrl);
  await outward.goto(host.outwardUrl);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await server?.close();
});

describe('现场补号 while the hall server is down, called offline and after reconnect', () => {
  it('online: signed in, a walk-in range leased, a kiosk ticket waiting', async () => {
    await signIn(clerk, '1001');
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state')).toBe('online');
    await expect.poll(() => hallQuery('SELECT from_no FROM walk_in_leases WHERE window_id = 1').length).toBeGreaterThan(0);
    await new HallClient({ baseUrl: url, token: kioskToken }).request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  });

  it('offline: Alt+W prints W01-001 and W01-002; F1 calls W01-001, on the clerk page and the outward page; F4 ends it', async () => {
    await server!.close();
    server = null;
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state'), { timeout: 10_000 }).toBe('offline');
    await clerk.keyboard.press('Alt+W');
    await expect.poll(() => byId(clerk, 'walk-in-last').textContent()).toContain('W01-001');
    await clerk.keyboard.press('Alt+W');
    await expect.poll(() => byId(clerk, 'walk-in-last').textContent()).toContain('W01-002');

    await press('F1');
    await expect.poll(current).toBe('W01-001');
    await expect.poll(() => outward.getByTestId('outward-number').textContent()).toBe('W01-001');
    await clerk.evaluate(() => document.fonts.ready);
    await clerk.screenshot({ path: join(shots, 'clerk-offline-walk-in.png') });
    await press('F4');
    await outward.getByTestId('outward-rating').waitFor();
    await outward.getByTestId('outward-rate-5').click();
    await expect.poll(async () => (await clerkState()).current).toBeNull();
  });

  it('back online: W01-001 served by window 1 at the hall; W01-002 waits in issue order and F1 calls it', async () => {
    await startServer(port);
    await expect.poll(() => byId(clerk, 'connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await expect.poll(async () => (await clerkState()).unsent, { timeout: 15_000 }).toBe(0);
    expect(hallQuery('SELECT number, status, window_id AS windowId FROM tickets ORDER BY id')).toEqual([
      { number: 'A001', status: 'waiting', windowId: null },
      { number: 'W01-001', status: 'completed', windowId: 1 },
      { number: 'W01-002', status: 'waiting', windowId: null },
    ]);
    expect(hallQuery('SELECT COUNT(*) AS n FROM ticket_conflicts')).toEqual([{ n: 0 }]);
    await press('F1');
    await expect.poll(current).toBe('A001');
    await press('F1');
    await expect.poll(current).toBe('W01-002');
    await expect.poll(() => outward.getByTestId('outward-number').textContent()).toBe('W01-002');
    expect(hallQuery("SELECT status, window_id AS windowId FROM tickets WHERE number = 'W01-002'")).toEqual([{ status: 'called', windowId: 1 }]);
  });
});
