// The queue routine through the counter core (main/queue/ticket-ops.ts), real
// hall server over HTTP, real SQLite files: 转窗 from window 1 to window 5
// (called there, its outward screen shows it), 挂起 and 回呼, 叫指定号,
// 暂停服务 with 午休 on the outward view, 预约签到, 优先; each refused offline
// with what to do instead, nothing written. Also counter migration 20.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { ClerkFigures } from '../../common/cases.ts';
import { IssuedTicket } from '../../common/http-api.ts';
import { QueueBoard } from '../../common/ticket-ops.ts';
import { HallClient } from '../../main/hall-client.ts';
import { migrate } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { deviceRig, type DeviceRig } from './device-rig.ts';

let rig: DeviceRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function setUp() {
  rig = await deviceRig({}, {}, 1);
  await rig.signIn('1001');
  const w5 = await rig.another(5);
  await rig.signIn('1005', w5);
  const { token } = await rig.hall.enroll(null);
  const kiosk = new HallClient({ baseUrl: rig.hall.url, token });
  const issue = async (lineId: string) => IssuedTicket.parse(await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } })).ticket;
  return { w1: rig.counter, w5, issue, rig };
}

describe('the queue routine at the counter', () => {
  it('transfers A001 from window 1 to window 5: window 5 calls it and its outward screen shows it; 转窗 counts in 今日统计', async () => {
    const { w1, w5, issue } = await setUp();
    const a1 = await issue('A');
    await issue('A');
    const called = (await w1.call('callNext', {})) as ClerkState;
    expect(called.current?.number).toBe('A001');

    const board = QueueBoard.parse(await w1.call('getQueueBoard', {}));
    expect(board.windows.find((w) => w.windowId === 5)).toMatchObject({ open: true, waiting: 1 });
    const after = (await w1.call('transferTicket', { number: 'A001', to: { windowId: 5 }, place: 'keep' })) as ClerkState;
    expect(after.current).toBeNull();
    expect(after.log[0]).toMatchObject({ action: 'transfer', ticketNumber: 'A001' });
    const outward1 = (await w1.call('getOutwardView', {})) as OutwardView;
    expect(outward1.calling).toBeNull();

    const at5 = (await w5.call('callNext', {})) as ClerkState;
    expect(at5.current).toMatchObject({ number: 'A001', windowId: 5, issuedAt: a1.issuedAt });
    const outward5 = await waitFor<OutwardView>(w5, 'outwardView', (v) => v.calling?.number === 'A001');
    expect(outward5.windowName).toBe('5号窗口');
    expect(ClerkFigures.parse(await w1.call('getFigures', {})).transferred).toBe(1);
  });

  it('parks the ticket in hand, lists it, calls it back; calls a 过号 number back and a number by hand', async () => {
    const { w1, issue } = await setUp();
    await issue('A');
    await issue('A');
    await w1.call('callNext', {});
    const parked = (await w1.call('parkTicket', {})) as ClerkState;
    expect(parked.current).toBeNull();
    expect(QueueBoard.parse(await w1.call('getQueueBoard', {})).parked.map((t) => t.number)).toEqual(['A001']);
    expect(((await w1.call('callNext', {})) as ClerkState).current?.number).toBe('A002');
    const back = (await w1.call('callTicket', { number: 'a001' })) as ClerkState;
    expect(back.current).toMatchObject({ number: 'A001', status: 'called' });
    expect(back.log.slice(0, 3).map((e) => [e.action, e.ticketNumber])).toEqual([
      ['callTicket', 'A001'],
      ['complete', 'A002'],
      ['callNext', 'A002'],
    ]);
    await w1.call('recall', {});
    await w1.call('noShow', {});
    expect(QueueBoard.parse(await w1.call('getQueueBoard', {})).noShows.map((t) => t.number)).toEqual(['A001']);
    expect(((await w1.call('callTicket', { number: 'A001' })) as ClerkState).current?.number).toBe('A001');

    const taken = await failure(rig!.another(2).then(async (w2) => {
      await rig!.signIn('1002', w2);
      return w2.call('callTicket', { number: 'A001' });
    }));
    expect(taken).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/A001 已由1号窗口叫号办理，不能重复叫号/) });
  });

  it('pauses with 午休: the outward view shows the reason; 叫号 is refused until 恢复服务; Alt+L stays the screen lock', async () => {
    const { w1, issue } = await setUp();
    await issue('A');
    const paused = (await w1.call('pauseWindow', { reason: '午休', note: '13:30 开窗' })) as ClerkState;
    expect(paused.pause).toMatchObject({ reason: '午休', note: '13:30 开窗' });
    expect(paused.pauseReasons).toEqual(['午休', '临时离开', '业务培训', '设备故障', '工作会议']);
    expect(paused.locked).toBe(false);
    const outward = (await w1.call('getOutwardView', {})) as OutwardView;
    expect(outward).toMatchObject({ mode: 'paused', pause: { reason: '午休', expectedBackAt: null } });
    const refused = await failure(w1.call('callNext', {}));
    expect(refused.message).toMatch(/本窗口暂停服务中（午休），不能叫号/);
    const missing = await failure(w1.call('pauseWindow', { reason: ' ' }));
    expect(missing).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/请选择暂停原因/) });
    await w1.call('resumeWindow', {});
    expect(((await w1.call('getOutwardView', {})) as OutwardView)).toMatchObject({ mode: 'idle', pause: null });
    expect(((await w1.call('callNext', {})) as ClerkState).current?.number).toBe('A001');
    // The screen lock is apart: it pauses the outward screen without a reason and works as before.
    await w1.call('complete', {});
    expect(((await w1.call('lockScreen', {})) as ClerkState).locked).toBe(true);
    expect(((await w1.call('getOutwardView', {})) as OutwardView)).toMatchObject({ mode: 'paused', pause: null });
  });

  it('checks an appointment in and raises a ticket to 优先', async () => {
    const { w1, issue, rig: r } = await setUp();
    await issue('A');
    const admin = new HallClient({ baseUrl: r.hall.url, token: r.hall.adminToken });
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await admin.request('createAppointment', {
      body: { code: 'YY0001', idNumber: '11010519491231002X', name: '张三', lineId: 'A', day: today, slotStart: '00:00', slotEnd: '23:59' },
    });
    const checkedIn = await w1.call('checkInAppointment', { code: 'yy0001' });
    expect(checkedIn).toMatchObject({ number: 'A002', lineId: 'A', slot: '00:00–23:59' });
    await issue('A'); // A003
    const raised = await w1.call('setTicketPriority', { number: 'A003', priority: 'priority' });
    expect(raised).toMatchObject({ number: 'A003', priority: 'priority' });
    expect(((await w1.call('callNext', {})) as ClerkState).current?.number).toBe('A003');
    const twice = await failure(w1.call('checkInAppointment', { idNumber: '11010519491231002x' }));
    expect(twice.message).toMatch(/请勿重复签到/);
  });

  it('offline, each is refused with the reason and what to do instead; nothing is written', async () => {
    const { w1, issue, rig: r } = await setUp();
    await issue('A');
    await w1.call('callNext', {});
    // The hall server goes away (closed once: the rig's own close skips it).
    const stop = r.hall.close.bind(r.hall);
    r.hall.close = async () => {};
    await stop();
    await waitFor<ClerkState>(w1, 'clerkState', (s) => s.connection.state === 'offline', 15_000);
    const logBefore = r.query('SELECT * FROM call_log');
    const expectations: [Promise<unknown>, RegExp][] = [
      [w1.call('transferTicket', { number: 'A001', to: { lineId: 'B' }, place: 'keep' }), /转窗需要大厅服务器确认.*请恢复网络后再转/],
      [w1.call('parkTicket', {}), /挂起需要告知大厅服务器/],
      [w1.call('callTicket', { number: 'A001' }), /手动录入票号/],
      [w1.call('pauseWindow', { reason: '午休' }), /Alt\+L 锁屏暂停/],
      [w1.call('checkInAppointment', { code: 'YY0001' }), /预约签到需要大厅服务器/],
      [w1.call('setTicketPriority', { number: 'A001', priority: 'green' }), /调整优先需要大厅服务器/],
      [w1.call('getQueueBoard', {}), /需要连接大厅服务器/],
    ];
    for (const [promise, text] of expectations) {
      const error = await failure(promise);
      expect(error.code).toBe('SERVER_UNREACHABLE');
      expect(error.message).toMatch(text);
    }
    expect(r.query('SELECT * FROM call_log')).toEqual(logBefore);
    expect(((await w1.call('getClerkState', {})) as ClerkState).current?.number).toBe('A001');
  }, 30_000);
});

it('counter migration 20 keeps the queue mirror and the call log, and lets them hold 挂起, 叫指定号 and 转窗', () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'halldesk-mig20-')), 'counter.db'));
  migrate(db, migrations.slice(0, 19));
  db.prepare("INSERT INTO call_log (at, window_id, action, ticket_number, staff_no) VALUES ('t', 1, 'callNext', 'A001', '1001')").run();
  db.prepare(
    "INSERT INTO queue_ticket (id, day, number, line_id, priority, status, issued_at, window_id, recall_count, version) VALUES (7, '2026-12-07', 'A001', 'A', 'normal', 'called', 't', 1, 0, 3)",
  ).run();
  const before = [db.prepare('SELECT * FROM call_log').all(), db.prepare('SELECT * FROM queue_ticket').all()];
  migrate(db, migrations.slice(0, 20));
  expect([db.prepare('SELECT * FROM call_log').all(), db.prepare('SELECT * FROM queue_ticket').all()]).toEqual(before);
  db.prepare("UPDATE queue_ticket SET status = 'parked' WHERE id = 7").run();
  expect(() => db.prepare("UPDATE queue_ticket SET status = 'gone' WHERE id = 7").run()).toThrow(/CHECK/);
  for (const action of ['callTicket', 'park', 'transfer']) {
    db.prepare("INSERT INTO call_log (at, window_id, action, ticket_number) VALUES ('t', 1, ?, 'A001')").run(action);
  }
  expect(() => db.prepare("INSERT INTO call_log (at, window_id, action, ticket_number) VALUES ('t', 1, 'lose', 'A001')").run()).toThrow(/CHECK/);
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('queue_ticket_waiting', 'call_log_by_window_time')").pluck().all()).toHaveLength(2);
  db.close();
});
