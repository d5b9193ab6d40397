// The queue routine over real HTTP against the real hall server (issue 14):
// 转窗/转业务, 挂起 and 回呼, 叫指定号, 过号 then 回呼, 暂停服务 with a reason,
// 预约签到, 优先. Each refusal is Chinese and changes nothing (table digests);
// a retry with the same Idempotency-Key changes nothing either; 50 windows
// calling one ticket at once → exactly one owner.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CallNextResult, IssuedTicket, QueueSummary, TicketResult, WindowStatus } from '../../common/http-api.ts';
import type { HallWindow, Ticket } from '../../common/model.ts';
import { CheckInResult, PauseResult, QueueBoard, TransferResult } from '../../common/ticket-ops.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { ADMIN_TOKEN, call, openHallDatabaseAt, refusal, startTestHall, tableDigests, type Answer, type TestHall } from './support.ts';

// 2026-12-07 09:10 in the hall (Beijing).
let now = new Date('2026-12-07T01:10:00.000Z');
const clock = () => new Date(now);

let hall: TestHall | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await hall?.close();
  hall = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  now = new Date('2026-12-07T01:10:00.000Z');
});

async function open(seedDir = DEMO_SEED_DIR): Promise<TestHall> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-ticket-ops-'));
  dirs.push(dataDir);
  hall = await startTestHall({ dataDir, seedDir, clock, signInDelayMs: () => 0 });
  return hall;
}

let keys = 0;
const freshKey = () => `test-key-${++keys}`;

/** A counter at `windowId` with a clerk signed in; `act` posts an op to its window. */
async function counterAt(h: TestHall, windowId: number, staffNo: string) {
  const { token } = await h.enroll(windowId);
  const signedIn = await call(h.url, 'POST', '/v1/auth/sign-in', { token, body: { staffNo, password: DEMO_PASSWORD } });
  expect(signedIn.status, JSON.stringify(signedIn.json)).toBe(200);
  const act = (op: string, body?: unknown, key = freshKey()): Promise<Answer> =>
    call(h.url, 'POST', `/v1/windows/${windowId}/${op}`, { token, body, headers: { 'Idempotency-Key': key } });
  const ok = async (op: string, body?: unknown, key?: string): Promise<unknown> => {
    const answer = await act(op, body, key);
    expect(answer.status, `${op} ${JSON.stringify(answer.json)}`).toBe(200);
    return answer.json;
  };
  return {
    token,
    act,
    callNext: async () => CallNextResult.parse(await ok('call-next')).ticket,
    callTicket: async (number: string) => TicketResult.parse(await ok('call-ticket', { number })).ticket,
    transfer: async (number: string, to: object, place: 'keep' | 'first' = 'keep') =>
      TransferResult.parse(await ok('transfer-ticket', { number, to, place })).ticket,
    park: async () => TicketResult.parse(await ok('park')).ticket,
    recall: async () => TicketResult.parse(await ok('recall')).ticket,
    noShow: async () => TicketResult.parse(await ok('no-show')).ticket,
    board: async () =>
      QueueBoard.parse((await call(h.url, 'GET', '/v1/queue/board', { token })).json),
    state: async () => WindowStatus.parse((await call(h.url, 'GET', `/v1/windows/${windowId}/state`, { token })).json),
  };
}

async function kioskOf(h: TestHall) {
  const { token } = await h.enroll(null);
  return async (lineId: string, priority = 'normal'): Promise<Ticket> => {
    const answer = await call(h.url, 'POST', '/v1/tickets', { token, body: { lineId, priority } });
    return IssuedTicket.parse(answer.json).ticket;
  };
}

/** Runs `request`, expects the refusal, and that no table changed. */
async function refusedUnchanged(h: TestHall, request: () => Promise<Answer>, status: number, code: string, text: RegExp) {
  const before = tableDigests(h.dbPath);
  const answer = await request();
  const error = refusal(answer, status, code as never);
  expect(error.message).toMatch(text);
  expect(tableDigests(h.dbPath)).toEqual(before);
  return error;
}

describe('转窗 / 转业务 (transferTicket)', () => {
  it('sends A001 from window 1 to window 5, keeping its original issue time: only window 5 calls it, before later tickets', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    const a1 = await issue('A');
    now = new Date(now.getTime() + 60_000);
    await issue('A');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const w2 = await counterAt(h, 2, '1002');
    const w5 = await counterAt(h, 5, '1005');
    expect((await w1.callNext())?.number).toBe('A001');

    const moved = await w1.transfer('A001', { windowId: 5 });
    expect(moved).toMatchObject({ number: 'A001', status: 'waiting', windowId: null, issuedAt: a1.issuedAt });
    expect((await w1.state()).current).toBeNull();
    const board = await w1.board();
    expect(board.windows.find((w) => w.windowId === 5)?.waiting).toBe(3);
    expect(board.windows.find((w) => w.windowId === 2)?.waiting).toBe(2);
    // Window 2 serves line A but A001 was sent to window 5.
    expect((await w2.callNext())?.number).toBe('A002');
    // Window 5 (lines C, A) gets it ahead of A003: it kept its issue time.
    const called = await w5.callNext();
    expect(called).toMatchObject({ number: 'A001', status: 'called', windowId: 5, issuedAt: a1.issuedAt });
  });

  it('to a line: keep ranks it by its issue time among that line, first puts it before every waiting ticket', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('B'); // B001
    await issue('A'); // A001, issued between B001 and B002
    await issue('B'); // B002
    await issue('A'); // A002
    const w1 = await counterAt(h, 1, '1001');
    const w4 = await counterAt(h, 4, '1004'); // line B only
    expect((await w1.callNext())?.number).toBe('A001');
    const moved = await w1.transfer('A001', { lineId: 'B' }, 'keep');
    expect(moved.lineId).toBe('B');
    expect((await w4.callNext())?.number).toBe('B001');
    expect((await w4.callNext())?.number).toBe('A001');
    expect((await w4.callNext())?.number).toBe('B002');

    // A002 put first in line B: before B003, issued before it, and B004.
    await issue('B'); // B003
    expect((await w1.callNext())?.number).toBe('A002');
    await w1.transfer('A002', { lineId: 'B' }, 'first');
    await issue('B'); // B004
    expect((await w4.callNext())?.number).toBe('A002');
    expect((await w4.callNext())?.number).toBe('B003');
    const summary = QueueSummary.parse((await call(h.url, 'GET', '/v1/queue/summary', { token: w1.token })).json);
    expect(summary.lines.find((line) => line.lineId === 'B')?.waiting).toBe(1);
  });

  it('tells the target window over the live events', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const w5 = await counterAt(h, 5, '1005');
    await w1.callNext();
    const abort = new AbortController();
    const response = await fetch(`${h.url}/v1/events`, { headers: { authorization: `Bearer ${w5.token}` }, signal: abort.signal });
    const reader = response.body!.getReader();
    let text = '';
    const seen = (async () => {
      while (!text.includes('"type":"window","windowId":5')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    })();
    await w1.transfer('A001', { windowId: 5 });
    await seen;
    abort.abort();
    expect(text).toContain('"type":"queue"');
    expect(text).toContain('"type":"window","windowId":5');
  });

  it('refuses, in Chinese and changing nothing: unknown and finished numbers, a closed window, its own window, another window’s ticket', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const w2 = await counterAt(h, 2, '1002');
    await w1.callNext(); // A001
    await w1.callNext(); // A001 completed, A002 called
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A099', to: { windowId: 2 } }), 404, 'NOT_FOUND', /今天没有 A099 号，请核对/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A001', to: { windowId: 2 } }), 409, 'CONFLICT', /A001 已办结/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A002', to: { windowId: 3 } }), 409, 'CONFLICT', /3号窗口目前没有工作人员登录（未开窗），不能转过去/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A002', to: { windowId: 1 } }), 400, 'BAD_REQUEST', /不能转给本窗口/);
    await refusedUnchanged(h, () => w2.act('transfer-ticket', { number: 'A002', to: { windowId: 5 } }), 409, 'CONFLICT', /A002 已由1号窗口叫号办理/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A002', to: { windowId: 99 } }), 404, 'NOT_FOUND', /窗口 99 不存在/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: 'A002', to: { lineId: 'Z' } }), 404, 'NOT_FOUND', /业务类型 Z 不存在/);
    await refusedUnchanged(h, () => w1.act('transfer-ticket', { number: '12', to: { lineId: 'B' } }), 400, 'BAD_REQUEST', /票号格式/);
  });

  it('a retry with the same Idempotency-Key gets the same answer and changes nothing', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    await counterAt(h, 5, '1005');
    await w1.callNext();
    const first = await w1.act('transfer-ticket', { number: 'A001', to: { windowId: 5 } }, 'same-key');
    expect(first.status).toBe(200);
    const before = tableDigests(h.dbPath);
    const again = await w1.act('transfer-ticket', { number: 'A001', to: { windowId: 5 } }, 'same-key');
    expect(again.json).toEqual(first.json);
    expect(tableDigests(h.dbPath)).toEqual(before);
  });
});

describe('挂起, 过号 and 回呼 (parkTicket, callTicket)', () => {
  it('parks the current ticket, serves the next, then calls the parked one back', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    await w1.callNext();
    expect(await w1.park()).toMatchObject({ number: 'A001', status: 'parked', windowId: 1 });
    expect((await w1.state()).current).toBeNull();
    expect((await w1.board()).parked.map((t) => t.number)).toEqual(['A001']);
    // 叫号 skips a parked ticket.
    expect((await w1.callNext())?.number).toBe('A002');
    const back = await w1.callTicket('a001');
    expect(back).toMatchObject({ number: 'A001', status: 'called', windowId: 1 });
    expect((await w1.board()).parked).toEqual([]);
    // A002 was 办结 by the call, as 叫号 does.
    const db = openHallDatabaseAt(h.dbPath);
    expect(db.prepare("SELECT status FROM tickets WHERE number = 'A002'").pluck().get()).toBe('completed');
    db.close();
  });

  it('calls a 过号 ticket back when the citizen turns up, and a waiting number the consultant desk sends', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('C');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    await w1.callNext();
    await w1.recall();
    expect(await w1.noShow()).toMatchObject({ number: 'A001', status: 'no_show' });
    expect((await w1.board()).noShows.map((t) => t.number)).toEqual(['A001']);
    expect(await w1.callTicket('A001')).toMatchObject({ number: 'A001', status: 'called', recallCount: 0 });
    // A waiting number out of turn: A002 before C001.
    expect(await w1.callTicket('A002')).toMatchObject({ number: 'A002', status: 'called' });
    expect((await w1.board()).noShows).toEqual([]);
  });

  it('refuses in Chinese, changing nothing: nothing to park, unknown or finished numbers, a ticket another window serves', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const w2 = await counterAt(h, 2, '1002');
    await refusedUnchanged(h, () => w1.act('park'), 409, 'NO_CURRENT_TICKET', /当前没有正在办理的号，无法挂起/);
    await w1.callNext();
    await w1.callNext(); // A001 办结, A002 called
    await refusedUnchanged(h, () => w2.act('call-ticket', { number: 'A002' }), 409, 'CONFLICT', /A002 已由1号窗口叫号办理，不能重复叫号/);
    await refusedUnchanged(h, () => w2.act('call-ticket', { number: 'A001' }), 409, 'CONFLICT', /A001 已办结/);
    await refusedUnchanged(h, () => w2.act('call-ticket', { number: 'B777' }), 404, 'NOT_FOUND', /今天没有 B777 号/);
    await refusedUnchanged(h, () => w2.act('call-ticket', { number: '' }), 400, 'BAD_REQUEST', /票号格式/);
  });
});

describe('暂停服务 with a reason (pauseWindow, resumeWindow)', () => {
  it('pauses with 午休, a note and the expected return; the window state carries it; 叫号 is refused until resumed', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const paused = PauseResult.parse(await (await w1.act('pause', { reason: '午休', note: '下午准时开窗', expectedBack: '13:30' })).json);
    expect(paused.pause).toEqual({
      reason: '午休',
      note: '下午准时开窗',
      expectedBackAt: '2026-12-07T05:30:00.000Z',
      pausedAt: now.toISOString(),
    });
    expect((await w1.state()).pause?.reason).toBe('午休');
    expect((await w1.board()).windows.find((w) => w.windowId === 1)?.pause?.reason).toBe('午休');
    await refusedUnchanged(h, () => w1.act('call-next'), 409, 'CONFLICT', /本窗口暂停服务中（午休），不能叫号；请先恢复服务/);
    await refusedUnchanged(h, () => w1.act('call-ticket', { number: 'A001' }), 409, 'CONFLICT', /暂停服务中/);
    expect(PauseResult.parse((await w1.act('resume')).json).pause).toBeNull();
    expect((await w1.state()).pause).toBeNull();
    expect((await w1.callNext())?.number).toBe('A001');
  });

  it('refuses in Chinese, changing nothing: no reason, a reason not on the hall list, a time gone by, a citizen still served', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    await refusedUnchanged(h, () => w1.act('pause', { reason: '' }), 400, 'BAD_REQUEST', /请选择暂停原因/);
    await refusedUnchanged(h, () => w1.act('pause', {}), 400, 'BAD_REQUEST', /reason/);
    await refusedUnchanged(h, () => w1.act('pause', { reason: '回家' }), 400, 'BAD_REQUEST', /「回家」不是大厅设定的暂停原因，请从中选择：午休、临时离开、业务培训/);
    await refusedUnchanged(h, () => w1.act('pause', { reason: '临时离开', expectedBack: '08:00' }), 400, 'BAD_REQUEST', /预计恢复时间 08:00 已经过了/);
    await refusedUnchanged(h, () => w1.act('pause', { reason: '临时离开', expectedBack: '25:00' }), 400, 'BAD_REQUEST', /时间格式应为/);
    await w1.callNext();
    await refusedUnchanged(h, () => w1.act('pause', { reason: '临时离开' }), 409, 'CONFLICT', /A001 还在办理，请先办结、挂起或转窗，再暂停服务/);
  });
});

describe('预约签到 (checkInAppointment) and 优先 (setTicketPriority)', () => {
  const ID = '11010519491231002X';
  async function book(h: TestHall, body: Record<string, unknown>) {
    const answer = await call(h.url, 'POST', '/v1/admin/appointments', { token: ADMIN_TOKEN, body });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  }

  it('checked in within its slot, the ticket jumps the normal queue of its line; late past the threshold, it is a normal one', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('A');
    await book(h, { code: 'YY0907', idNumber: ID, name: '张三', lineId: 'A', day: '2026-12-07', slotStart: '09:00', slotEnd: '09:30' });
    await book(h, { code: 'YYLATE', idNumber: '440106198001010019', name: '王五', lineId: 'A', day: '2026-12-07', slotStart: '08:30', slotEnd: '09:00' });
    const w2 = await counterAt(h, 2, '1002');
    const late = CheckInResult.parse((await w2.act('appointment-check-in', { code: 'yylate' })).json);
    expect(late.appointment.onTime).toBe(false); // 09:10 > 08:30 + 15 min
    expect(late.ticket).toMatchObject({ number: 'A003', priority: 'normal' });
    const onTime = CheckInResult.parse((await w2.act('appointment-check-in', { idNumber: ID.toLowerCase() })).json);
    expect(onTime).toMatchObject({ ticket: { number: 'A004', priority: 'appointment', lineId: 'A' }, ahead: 0 });
    expect(onTime.appointment).toEqual({ code: 'YY0907', day: '2026-12-07', slotStart: '09:00', slotEnd: '09:30', onTime: true });
    expect((await w2.callNext())?.number).toBe('A004');
    expect((await w2.callNext())?.number).toBe('A001');
    // The ID number is never stored in clear.
    const db = openHallDatabaseAt(h.dbPath);
    expect(JSON.stringify(db.prepare('SELECT * FROM appointments').all())).not.toContain(ID);
    db.close();
  });

  it('refuses in Chinese, changing nothing: twice, another day’s, unknown, a bad ID number, neither or both keys', async () => {
    const h = await open();
    await book(h, { code: 'YY0907', idNumber: ID, name: '张三', lineId: 'A', day: '2026-12-07', slotStart: '09:00', slotEnd: '09:30' });
    await book(h, { code: 'YY1208', idNumber: '440106198001010019', name: '王五', lineId: 'B', day: '2026-12-08', slotStart: '10:00', slotEnd: '10:30' });
    const w2 = await counterAt(h, 2, '1002');
    expect((await w2.act('appointment-check-in', { code: 'YY0907' })).status).toBe(200);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { code: 'YY0907' }), 409, 'CONFLICT', /该预约已于 09:10 签到，号码 A001；请勿重复签到/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { idNumber: ID }), 409, 'CONFLICT', /已于 09:10 签到/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { code: 'YY1208' }), 409, 'CONFLICT', /该预约是 2026-12-08 10:00–10:30 的，不是今天的/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { idNumber: '440106198001010019' }), 409, 'CONFLICT', /不是今天的/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { code: 'NOSUCH' }), 404, 'NOT_FOUND', /没有找到该预约/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', { idNumber: '110105194912310021' }), 400, 'BAD_REQUEST', /校验位错误/);
    await refusedUnchanged(h, () => w2.act('appointment-check-in', {}), 400, 'BAD_REQUEST', /请输入预约码或身份证号码（二选一）/);
  });

  it('raises a waiting ticket to 优先 (老年人、残疾人): it is called first; a called one is refused', async () => {
    const h = await open();
    const issue = await kioskOf(h);
    await issue('A');
    await issue('A');
    await issue('A');
    const w1 = await counterAt(h, 1, '1001');
    const raised = TicketResult.parse((await w1.act('ticket-priority', { number: 'A003', priority: 'priority' })).json);
    expect(raised.ticket.priority).toBe('priority');
    expect((await w1.callNext())?.number).toBe('A003');
    await refusedUnchanged(h, () => w1.act('ticket-priority', { number: 'A003', priority: 'green' }), 409, 'CONFLICT', /A003 正在办理，不在等候中/);
    await refusedUnchanged(h, () => w1.act('ticket-priority', { number: 'A002', priority: 'vip' }), 400, 'BAD_REQUEST', /priority/);
  });
});

describe('one owner at a time', () => {
  const WINDOWS = 50;
  it('50 windows call the same ticket at once (callTicket and callNext, over HTTP): exactly one gets it', async () => {
    const seedDir = mkdtempSync(join(tmpdir(), 'halldesk-seed-'));
    dirs.push(seedDir);
    for (const file of ['settings.json', 'lines.json', 'items.json', 'photos']) {
      cpSync(join(DEMO_SEED_DIR, file), join(seedDir, file), { recursive: true });
    }
    const windows: HallWindow[] = Array.from({ length: WINDOWS }, (_, i) => ({
      id: i + 1,
      code: String(i + 1).padStart(2, '0'),
      name: `${i + 1}号窗口`,
      lineIds: ['A'],
    }));
    writeFileSync(join(seedDir, 'windows.json'), JSON.stringify(windows));
    writeFileSync(
      join(seedDir, 'staff.json'),
      JSON.stringify(
        windows.map((w) => ({
          id: w.id,
          staffNo: String(3000 + w.id),
          name: `测试人员${w.id}`,
          department: '政务服务管理办公室',
          role: 'clerk',
          photo: 'photos/1001.svg',
          password: DEMO_PASSWORD,
        })),
      ),
    );
    const h = await open(seedDir);
    const issue = await kioskOf(h);
    await issue('A');
    const counters = [];
    for (const w of windows) counters.push(await counterAt(h, w.id, String(3000 + w.id)));
    const answers = await Promise.all(
      counters.map((counter, i) => (i % 2 === 0 ? counter.act('call-ticket', { number: 'A001' }) : counter.act('call-next'))),
    );
    const winners = answers.flatMap((answer, i) => {
      const ticket = answer.status === 200 ? (answer.json as { ticket: Ticket | null }).ticket : null;
      return ticket?.number === 'A001' ? [i + 1] : [];
    });
    expect(winners).toHaveLength(1);
    for (const [i, answer] of answers.entries()) {
      if (i + 1 === winners[0]) continue;
      if (i % 2 === 0) {
        const error = refusal(answer, 409, 'CONFLICT');
        expect(error.message).toBe(`A001 已由${winners[0]}号窗口叫号办理，不能重复叫号；请核对号码，或与该窗口联系`);
      } else {
        expect(answer).toMatchObject({ status: 200, json: { ticket: null } });
      }
    }
    const db = openHallDatabaseAt(h.dbPath);
    expect(db.prepare("SELECT status, window_id AS windowId FROM tickets WHERE number = 'A001'").get()).toEqual({
      status: 'called',
      windowId: winners[0],
    });
    expect(db.prepare("SELECT COUNT(*) FROM hall_log WHERE action = 'call'").pluck().get()).toBe(1);
    db.close();
  });
});

it('the OpenAPI document names every operation', async () => {
  const h = await open();
  const doc = (await call(h.url, 'GET', '/v1/openapi.json')).json as { paths: Record<string, Record<string, { operationId: string }>> };
  const ids = Object.values(doc.paths).flatMap((path) => Object.values(path).map((op) => op.operationId));
  for (const name of ['transferTicket', 'parkTicket', 'callTicket', 'pauseWindow', 'resumeWindow', 'checkInAppointment', 'setTicketPriority']) {
    expect(ids).toContain(name);
  }
});
