// End to end in real Chromium (issue 21, point 4): a clerk who signed in
// online signs out while the hall server is down, and another clerk signs in
// offline; 切换工作人员 on the lock screen works offline too. The sign-out is
// recorded at the counter and reaches the hall server when it is back.
//
// The real hall server (in this process, stopped and started again on the
// same port and SQLite file), the real counter core, the browser host.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { RENDERER_DIR, screenshot, signIn } from '../helpers/e2e-counter.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const ADMIN = 'offline-sign-out-admin';

let dir: string;
let dbPath: string;
let port = 0;
let server: HallServer | null = null;
let browser: Browser;
let counter: Counter;
let host: BrowserHost;
let page: Page;

const byId = (id: string) => page.getByTestId(id);

async function startServer(): Promise<string> {
  server = createHallServer({ dbPath, adminToken: ADMIN, seedDir: DEMO_SEED_DIR });
  const url = await server.listen(port, '127.0.0.1');
  port = Number(new URL(url).port);
  return url;
}

async function stopServer(): Promise<void> {
  await server!.close();
  server = null;
}

/** Who the hall server has signed in at window 1 (its staff number), or null. */
function clerkAtWindow1(): string | null {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare('SELECT s.staff_no AS staffNo FROM window_clerks AS w JOIN staff_credentials AS s ON s.staff_id = w.staff_id WHERE w.window_id = 1')
      .get() as { staffNo: string } | undefined;
    return row?.staffNo ?? null;
  } finally {
    db.close();
  }
}

async function signOutButton(): Promise<void> {
  await byId('sign-out').click();
  await byId('signin-staff-no').waitFor();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-e2e-offline-sign-out-'));
  dbPath = join(dir, 'hall.sqlite');
  const url = await startServer();
  const admin = new HallClient({ baseUrl: url, token: ADMIN });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  counter = await openCounter(
    { dataDir: join(dir, 'counter'), deviceName: 'e2e-offline-sign-out', autoEnroll: { serverUrl: url, code } },
    { retryDelay: () => 200, push: { baseDelayMs: 100, maxDelayMs: 500 } },
  );
  host = await startBrowserHost({ core: counter, staticDir: RENDERER_DIR });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await counter?.close();
  await server?.close();
});

describe('offline sign-out and 切换工作人员', () => {
  it('both clerks have signed in online at this counter once (so each can sign in offline)', async () => {
    await signIn(page, '1002');
    await signOutButton();
    await signIn(page, '1001');
    await expect.poll(() => byId('connection-state').getAttribute('data-state')).toBe('online');
    expect(clerkAtWindow1()).toBe('1001');
  });

  it('the server stops: 退出 signs 1001 out at once, and 1002 signs in offline', async () => {
    await stopServer();
    await expect.poll(() => byId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    await signOutButton();
    // Not 无法连接大厅服务器: the sign-out went through here.
    expect(await byId('action-error').count()).toBe(0);
    await signIn(page, '1002');
    expect(await byId('clerk-name').textContent()).toContain('陈建国');
    await screenshot(page, 'offline-signed-in-after-sign-out.png');
  });

  it('切换工作人员 on the lock screen, offline: 1002 out, 1001 in', async () => {
    await page.keyboard.press('Alt+L');
    await byId('lock-switch-user').click();
    await byId('signin-staff-no').waitFor();
    expect(await byId('action-error').count()).toBe(0);
    await signIn(page, '1001');
    expect(await byId('clerk-name').textContent()).toContain('王丽华');
    await signOutButton();
  });

  it('the server returns: the owed sign-out reaches it (nobody signed in at window 1 there)', async () => {
    expect(clerkAtWindow1()).toBe('1001'); // the server still thinks 1001 is there
    await startServer();
    await expect.poll(() => byId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => clerkAtWindow1(), { timeout: 15_000 }).toBeNull();
    await signIn(page, '1002');
    expect(clerkAtWindow1()).toBe('1002');
  });
});
