// End to end in real Chromium (issue 21, point 3): a row in the middle of the
// counter's outbox is deleted from the real SQLite file. The hall server has
// the records before it and cannot take the ones after it: the clerk sees the
// header turn red with the reason (上传已停止, 第 2 条记录缺失), Alt+Y says
// what happened and that a manager records it; the manager records it as lost
// with a reason, the server keeps the range as lost (never as applied) and the
// records behind it go up. Bad input (too short a reason, a wrong range, a
// clerk) is refused and changes nothing.
//
// The real hall server, the real counter core behind the browser host.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_DECIDED, SYNC_CHAIN_KEYED, SYNC_GAP_LOST } from '../../common/sync.ts';
import { openDatabase } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { counterChainKey } from '../helpers/chain-key.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { dispatchCall } from '../../main/bridge.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { caseArgs } from '../sync/support.ts';

let hall: TestHallServer;
let browser: Browser;
let counter: E2eCounter | null = null;
let page: Page;
let deviceId = '';
let caseNos: string[] = [];
/** The seqs appended: the middle one is deleted. */
let seqs: number[] = [];

const byId = (id: string) => page.getByTestId(id);
/** As the clerk page's call crosses the bridge: parsed against the contract, the manager rule applied. */
const resolve = (args: unknown) => dispatchCall(counter!.counter, 'clerk', 'resolveSyncGap', args);

function hallRows(): { seq: number; name: string; status: string; reason: string | null }[] {
  const db = new Database(join(hall.dataDir, 'hall.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT seq, name, status, reason FROM sync_mutations WHERE device_id = ? AND name <> ? ORDER BY seq')
      .all(deviceId, SYNC_CHAIN_KEYED) as { seq: number; name: string; status: string; reason: string | null }[];
  } finally {
    db.close();
  }
}

function hallCaseNos(): string[] {
  const db = new Database(join(hall.dataDir, 'hall.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT case_no FROM cases ORDER BY case_no').all() as { case_no: string }[]).map((r) => r.case_no);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  hall = await startHallServer();
  const first = await startE2eCounter(hall, { windowId: 1 });
  const dataDir = first.dataDir;
  await first.close();
  // Three cases recorded while the counter was closed; the middle one's row is deleted from the file.
  const db = openDatabase(join(dataDir, 'counter.db'));
  try {
    const enrollment = JSON.parse(
      (db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").get() as { value: string }).value,
    ) as { deviceNo: number; deviceId: string };
    deviceId = enrollment.deviceId;
    const day = new Date().toISOString().slice(0, 10);
    const outbox = new Outbox(db, { chainKey: () => counterChainKey(dataDir, db) });
    const args = [1, 2, 3].map((n) => caseArgs(n, 1, enrollment.deviceNo, day));
    caseNos = args.map((a) => a.caseNo);
    seqs = db.transaction(() => args.map((a) => outbox.append(CASE_DECIDED, a).seq))();
    db.prepare('DELETE FROM outbox WHERE seq = ?').run(seqs[1]);
  } finally {
    db.close();
  }
  counter = await startE2eCounter(hall, { windowId: 1, dataDir });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(counter.host.clerkUrl);
});

afterAll(async () => {
  await browser?.close();
  await counter?.close();
  await hall?.close();
});

describe('a deleted outbox row (同步异常: 缺失记录, 登记丢失)', () => {
  const missing = () => seqs[1]!;

  it('the clerk sees red with the reason, and Alt+Y says what happened and who resolves it', async () => {
    await signIn(page, '1001');
    await expect.poll(() => byId('connection-state').getAttribute('data-sync'), { timeout: 15_000 }).toBe('blocked');
    expect(await byId('connection-state').getAttribute('class')).toContain('status-error');
    expect(await byId('connection-state').textContent()).toContain('上传已停止');
    const banner = byId('sync-banner');
    expect(await banner.getAttribute('data-state')).toBe('blocked');
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain(`本机第 ${missing()} 条记录缺失（已从本机数据库删除或丢失），大厅服务器没有收到，其后 1 条记录无法上传`);
    expect(text).not.toContain('已清理');
    // The record before the gap reached the server; the one after it did not.
    expect(hallRows().map((r) => r.seq)).toEqual([seqs[0]]);
    await screenshot(page, 'sync-gap-header.png');

    await page.keyboard.press('Alt+Y');
    await byId('sync-issues').waitFor();
    await byId('sync-stuck-message').waitFor();
    expect(await byId('sync-stuck-message').textContent()).toContain(`第 ${missing()} 条记录缺失`);
    expect(await byId('sync-stuck-advice').textContent()).toContain('登记丢失');
    expect(await byId('sync-gap-manager-only').textContent()).toContain('大厅管理员');
    expect(await byId('sync-gap-reason').count()).toBe(0);
    await screenshot(page, 'sync-gap-clerk.png');
    await page.keyboard.press('Escape');

    // A clerk cannot record it (the core refuses too).
    expect(await resolve({ fromSeq: missing(), toSeq: missing(), reason: '测试原因说明' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: '登记丢失仅限大厅管理员使用，请由管理员登录后操作' },
    });
    await byId('sign-out').click();
    await byId('signin-staff-no').waitFor();
  });

  it('bad input from the manager is refused and changes nothing', async () => {
    await signIn(page, '1006');
    await expect.poll(() => byId('connection-state').getAttribute('data-sync'), { timeout: 15_000 }).toBe('blocked');
    const tooShort = await resolve({ fromSeq: missing(), toSeq: missing(), reason: ' 删 ' });
    expect(tooShort).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(tooShort)).toContain('请写明原因');
    const wrongRange = await resolve({ fromSeq: missing(), toSeq: missing() + 1, reason: '测试原因说明' });
    expect(wrongRange).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(JSON.stringify(wrongRange)).toContain(`缺失的是第 ${missing()}–${missing()} 条记录`);
    const notANumber = await resolve({ fromSeq: 'x', toSeq: missing(), reason: '测试原因说明' });
    expect(notANumber).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(hallRows().map((r) => r.seq)).toEqual([seqs[0]]);
    const db = new Database(join(counter!.dataDir, 'counter.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE seq = ?').get(missing())).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('the manager records it as lost with a reason: sent to the server, the rest goes up, the header is green', async () => {
    await page.keyboard.press('Alt+Y');
    await byId('sync-gap-reason').waitFor();
    // Too short: the button waits for a reason.
    await byId('sync-gap-reason').fill('误删');
    expect(await byId('sync-gap-resolve').isDisabled()).toBe(true);
    await byId('sync-gap-reason').fill('终端数据库被误改，缺失的办件已与纸质回执核对');
    await screenshot(page, 'sync-gap-manager.png');
    await byId('sync-gap-resolve').click();
    await byId('sync-stuck-none').waitFor({ timeout: 15_000 });

    await expect.poll(() => hallRows().length, { timeout: 15_000 }).toBe(3);
    const rows = hallRows();
    expect(rows[0]).toMatchObject({ seq: seqs[0], name: CASE_DECIDED, status: 'applied' });
    expect(rows[1]).toMatchObject({ seq: missing(), name: SYNC_GAP_LOST, status: 'rejected' });
    expect(rows[1]!.reason).toContain(`本设备第 ${missing()} 条记录在柜台终端上缺失（被删除或丢失）`);
    expect(rows[1]!.reason).toContain('管理员（工号 1006）');
    expect(rows[1]!.reason).toContain('终端数据库被误改');
    expect(rows[2]).toMatchObject({ seq: seqs[2], name: CASE_DECIDED, status: 'applied' });
    // The lost case is not invented on the server; the ones around it are there.
    expect(hallCaseNos()).toEqual([caseNos[0], caseNos[2]]);

    await expect.poll(() => byId('connection-state').getAttribute('data-sync'), { timeout: 15_000 }).toBe('ok');
    expect(await byId('sync-banner').count()).toBe(0);
    await expect.poll(() => byId('unsent-count').count(), { timeout: 15_000 }).toBe(0);
    // The lost range shows hall-wide for managers, with its reason.
    await byId('sync-issues-refresh').click();
    await expect.poll(async () => (await byId('sync-hall').textContent()) ?? '').toContain('已登记丢失');
    await screenshot(page, 'sync-gap-resolved.png');
  });
});
