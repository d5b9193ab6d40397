// The queue routine at a window beyond 叫号 (DOMAIN.md, Queue; issue 14):
// 转窗/转业务 (transferTicket), 挂起 (parkTicket), 叫指定号 / 回呼
// (callTicket), 暂停服务 with a reason (pauseWindow) and 恢复服务
// (resumeWindow), 预约签到 (checkInAppointment), 优先/绿色通道
// (setTicketPriority). Each is one IMMEDIATE transaction: SQLite's write lock
// makes windows take turns, and every claim is a conditional UPDATE, so a
// ticket has one owner at a time. Each answer is kept under the caller's
// Idempotency-Key (in call_next_replies, keyed `op:key`, pruned with the
// call-next replies): a retry after a lost answer gets the same answer and
// changes nothing. A refusal changes nothing. Live events go out after commit.
import { createHash } from 'node:crypto';
import { HallError } from '../common/errors.ts';
import { ticketLine } from '../common/hall-codes.ts';
import type { HallEvent } from '../common/http-api.ts';
import { checkResidentId } from '../common/identity.ts';
import { maskIdNumber, maskName } from '../common/mask.ts';
import { HallSettings, type HallWindow, type Priority, type Ticket } from '../common/model.ts';
import { createAheadCount, EFFECTIVE_LINE } from './waiting-queue.ts';
import { createTicketNumbering } from './ticket-numbers.ts';
import { hallDateTimeAt } from '../common/calendar.ts';
import { hallToday } from '../common/hall-time.ts';
import type {
  BoardWindow,
  CheckInAppointmentRequest,
  CheckInResult,
  PauseWindowRequest,
  QueueBoard,
  TransferTicketRequest,
  WindowPause,
} from '../common/ticket-ops.ts';
import type { z } from 'zod';
import type { CreateAppointmentRequest } from '../common/ticket-ops.ts';
import { serviceTiming } from '../common/overtime.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import { dialectOf, prepareBlindWrite } from './storage/hall-database.ts';
import { indexedBy } from './storage/dialect.ts';


/**
 * The first waiting ticket, in order, of one line and one priority that a
 * window may call (not sent to another window by 转窗). A seek on the partial
 * index tickets_waiting_heads (server migration 11), so its cost does not grow
 * with the queue. Parameters: day, line, priority, window id.
 */
export const WAITING_HEAD = `
  SELECT id, ${EFFECTIVE_LINE} AS lineId, priority, COALESCE(sort_key, id) AS "order"
  FROM tickets
  WHERE status = 'waiting' AND day = ? AND ${EFFECTIVE_LINE} = ? AND priority = ?
    AND (target_window_id IS NULL OR target_window_id = ?)
  ORDER BY COALESCE(sort_key, id), id
  LIMIT 1`;

/**
 * The heads of `pairs` (line, priority) queues in one statement: WAITING_HEAD
 * once per pair, joined by UNION ALL — still one index seek each, but one
 * statement (on PostgreSQL one round trip inside call-next's write turn
 * instead of one a pair). Parameters: day, line, priority, window id — per pair.
 */
export function waitingHeadsSql(pairs: number): string {
  return Array.from({ length: pairs }, (_, i) => `SELECT * FROM (${WAITING_HEAD}) AS head${i}`).join('\n  UNION ALL\n');
}

/** 叫号 at a paused window is refused: the hall and the outward screen say it is paused. */
export function pausedRefusal(reason: string): HallError {
  return new HallError('CONFLICT', `本窗口暂停服务中（${reason}），不能叫号；请先恢复服务再叫号（柜台终端：Alt+X 或「恢复服务」）`, 409);
}

const TICKET_COLUMNS = `id, number, ${EFFECTIVE_LINE} AS lineId, priority, status, issued_at AS issuedAt,
  called_at AS calledAt, window_id AS windowId, recall_count AS recallCount, ended_at AS endedAt`;

const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
const MAX_TICKETS_PER_LINE_PER_DAY = 9999;

type OpName =
  | 'transferTicket'
  | 'parkTicket'
  | 'callTicket'
  | 'pauseWindow'
  | 'resumeWindow'
  | 'checkInAppointment'
  | 'setTicketPriority';
type LogAction = 'call' | 'complete' | 'transfer' | 'park' | 'pause' | 'resume' | 'check_in' | 'priority' | 'issue';

interface Device {
  id: string;
  role: 'counter' | 'kiosk';
  windowId: number | null;
}

interface PauseRow {
  reason: string;
  note: string | null;
  expectedBackAt: string | null;
  pausedAt: string;
}

interface AppointmentRow {
  code: string;
  lineId: string;
  day: string;
  slotStart: string;
  slotEnd: string;
  ticketId: number | null;
  checkedInAt: string | null;
}

const STATUS_TEXT: Record<Ticket['status'], string> = {
  waiting: '等候中',
  called: '正在办理',
  completed: '已办结',
  no_show: '已过号',
  parked: '已挂起',
};

/** The hall's time of day, "09:05", of an ISO time. */
const hallHourMinute = (at: string | Date) => hallDateTimeAt(at).slice(11, 16);
/** The ISO time of the hall's `day` at `time` ("13:30"). */
const hallTimeOn = (day: string, time: string) => new Date(`${day}T${time}:00+08:00`).toISOString();
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const hashIdNumber = (idNumber: string) => createHash('sha256').update(`halldesk-appointment:${idNumber}`).digest('hex');

export type TicketOps = ReturnType<typeof createTicketOps>;

export function createTicketOps(
  db: HallDatabase,
  { clock, publish }: { clock: () => Date; publish: (...events: HallEvent[]) => void },
) {
  const config = createConfigStore(db);
  const dialect = dialectOf(db);

  const selectTicket = db.prepare<[number], Ticket>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = ?`);
  const selectByNumber = db.prepare<[string, string], Ticket>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE day = ? AND number = ? ORDER BY id DESC LIMIT 1`,
  );
  const selectCurrent = db.prepare<[number], Ticket>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE window_id = ? AND status = 'called'`,
  );
  const selectClerk = db
    .prepare<[number], number>('SELECT staff_id FROM window_clerks WHERE window_id = ?')
    .pluck();
  const selectOpenWindows = db.prepare<[], number>('SELECT window_id FROM window_clerks').pluck();
  // 超时提醒: each window's ticket in hand, for its service timing on the board.
  const selectInHand = db.prepare<[], { windowId: number; lineId: string; calledAt: string | null }>(
    `SELECT window_id AS windowId, ${EFFECTIVE_LINE} AS lineId, called_at AS calledAt FROM tickets WHERE status = 'called'`,
  );
  const selectReply = db
    .prepare<[number, string], string>('SELECT reply FROM call_next_replies WHERE window_id = ? AND idempotency_key = ?')
    .pluck();
  const insertReply = prepareBlindWrite<[number, string, string, string]>(
    db,
    'INSERT INTO call_next_replies (window_id, idempotency_key, reply, at) VALUES (?, ?, ?, ?)',
  );
  const insertLog = prepareBlindWrite<[string, LogAction, string, number | null, number | null]>(
    db,
    'INSERT INTO hall_log (at, action, device_id, window_id, ticket_id) VALUES (?, ?, ?, ?, ?)',
  );
  const selectQueueVersion = db.prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM hall_log').pluck();
  const finishCurrent = db.prepare<[string, number]>(
    `UPDATE tickets SET status = 'completed', ended_at = ? WHERE id = ? AND status = 'called'`,
  );
  const claim = db.prepare<[number, string, number]>(
    `UPDATE tickets SET status = 'called', window_id = ?, called_at = ?, ended_at = NULL, recall_count = 0,
       target_window_id = NULL
     WHERE id = ? AND status IN ('waiting', 'parked', 'no_show')`,
  );
  const park = db.prepare<[number, number]>(
    `UPDATE tickets SET status = 'parked' WHERE id = ? AND status = 'called' AND window_id = ?`,
  );
  const requeue = db.prepare<[string | null, number | null, number | null, number]>(
    `UPDATE tickets SET status = 'waiting', window_id = NULL, called_at = NULL, ended_at = NULL, recall_count = 0,
       queue_line_id = ?, target_window_id = ?, sort_key = ?
     WHERE id = ? AND status IN ('waiting', 'parked', 'no_show', 'called')`,
  );
  const selectFirstOrder = db
    .prepare<[string], number | null>(
      "SELECT MIN(COALESCE(sort_key, id)) FROM tickets WHERE status = 'waiting' AND day = ?",
    )
    .pluck();
  const updatePriority = db.prepare<[Priority, number]>(
    `UPDATE tickets SET priority = ? WHERE id = ? AND status IN ('waiting', 'parked')`,
  );
  const selectPause = db.prepare<[number], PauseRow>(
    `SELECT reason, note, expected_back_at AS expectedBackAt, paused_at AS pausedAt FROM window_pauses WHERE window_id = ?`,
  );
  const selectPauses = db.prepare<[], PauseRow & { windowId: number }>(
    `SELECT window_id AS windowId, reason, note, expected_back_at AS expectedBackAt, paused_at AS pausedAt FROM window_pauses`,
  );
  const upsertPause = db.prepare<[number, string, string | null, string | null, string, string]>(
    `INSERT INTO window_pauses (window_id, reason, note, expected_back_at, paused_at, device_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (window_id) DO UPDATE SET reason = excluded.reason, note = excluded.note,
       expected_back_at = excluded.expected_back_at, device_id = excluded.device_id`,
  );
  const deletePause = db.prepare<[number]>('DELETE FROM window_pauses WHERE window_id = ?');
  /**
   * Today's waiting tickets per line (as queued), kept by the database (server
   * migration 15), and those sent to a window (转窗), few, by an index: the
   * board costs rows per line and window, not a pass over the queue.
   */
  const countWaitingToday = db.prepare<[string], { lineId: string; waiting: number }>(
    'SELECT line_id AS lineId, waiting FROM queue_waiting WHERE day = ? AND waiting > 0',
  );
  const countTargetedToday = db.prepare<[string], { lineId: string; targetWindowId: number; waiting: number }>(
    // INDEXED BY: without statistics the planner would walk the day's waiting heads instead.
    `SELECT ${EFFECTIVE_LINE} AS lineId, target_window_id AS targetWindowId, COUNT(*) AS waiting
     FROM tickets ${indexedBy(dialect, 'tickets_waiting_targeted')}
     WHERE status = 'waiting' AND target_window_id IS NOT NULL AND day = ? GROUP BY 1, 2`,
  );
  const aheadOf = createAheadCount(db);
  const selectParked = db.prepare<[string], Ticket>(
    // The few parked tickets (tickets_parked), not a pass over the day's.
    `SELECT ${TICKET_COLUMNS} FROM tickets ${indexedBy(dialect, 'tickets_parked')} WHERE status = 'parked' AND day = ? ORDER BY id`,
  );
  const selectNoShows = db.prepare<[string], Ticket>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE status = 'no_show' AND day = ? ORDER BY ended_at DESC, id DESC`,
  );
  const nextNumber = createTicketNumbering(db);
  const insertTicket = db
    .prepare<[string, string, number, string, Priority, string, string], number>(
      `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by)
       VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING id`,
    )
    .pluck();
  const appointmentColumns = `code, line_id AS lineId, day, slot_start AS slotStart, slot_end AS slotEnd,
    ticket_id AS ticketId, checked_in_at AS checkedInAt`;
  const selectAppointment = db.prepare<[string], AppointmentRow>(
    `SELECT ${appointmentColumns} FROM appointments WHERE code = ?`,
  );
  const selectAppointmentsById = db.prepare<[string], AppointmentRow>(
    `SELECT ${appointmentColumns} FROM appointments WHERE id_hash = ? ORDER BY day, slot_start`,
  );
  const markCheckedIn = db.prepare<[number, string, number, string]>(
    `UPDATE appointments SET ticket_id = ?, checked_in_at = ?, checked_in_window = ? WHERE code = ? AND ticket_id IS NULL`,
  );
  const insertAppointment = db.prepare<[string, string, string, string, string, string, string, string, string]>(
    `INSERT INTO appointments (code, id_hash, id_masked, name_masked, line_id, day, slot_start, slot_end, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  function settings(): HallSettings {
    const parsed = HallSettings.safeParse(config.get('settings', 'hall'));
    return parsed.success ? parsed.data : HallSettings.parse({ hallName: '政务服务中心', noShowMinRecalls: 0, notice: '' });
  }

  function requireWindow(windowId: number): HallWindow {
    const window = config.get('window', String(windowId));
    if (!window) throw new HallError('NOT_FOUND', `窗口 ${windowId} 不存在，请检查窗口编号`, 404);
    return window;
  }

  function requireCounterAt(device: Device, windowId: number): HallWindow {
    const window = requireWindow(windowId);
    if (device.role !== 'counter' || device.windowId !== windowId) {
      throw new HallError('FORBIDDEN', `本设备不是${window.name}的柜台终端，不能操作该窗口；如需调整请联系管理员`, 403);
    }
    return window;
  }

  function requireClerk(windowId: number): void {
    if (selectClerk.get(windowId) === undefined) {
      throw new HallError('NOT_SIGNED_IN', '本窗口还没有工作人员登录，请先登录', 409);
    }
  }

  /** The service timing of a window's ticket in hand (超时提醒), by its line's standard time. */
  function serviceOfWindow(inHand: { lineId: string; calledAt: string | null } | undefined, now: Date) {
    if (!inHand) return null;
    return serviceTiming(inHand.calledAt, config.get('line', inHand.lineId)?.standardServiceMinutes, now);
  }

  function windowName(windowId: number | null): string {
    return (windowId !== null && config.get('window', String(windowId))?.name) || `${windowId ?? '?'}号窗口`;
  }

  function requireTicket(day: string, number: string): Ticket {
    const ticket = selectByNumber.get(day, number);
    if (!ticket) {
      throw new HallError('NOT_FOUND', `今天没有 ${number} 号，请核对群众号票上的号码后重新输入`, 404);
    }
    return ticket;
  }

  function refuseFinished(ticket: Ticket): never {
    throw new HallError(
      'CONFLICT',
      `${ticket.number} 已办结，不能再操作；如群众还需办理其他事项，请让其重新取号或现场补号`,
      409,
    );
  }

  function takenElsewhere(ticket: Ticket): HallError {
    return new HallError(
      'CONFLICT',
      `${ticket.number} 已由${windowName(ticket.windowId)}叫号办理，不能重复叫号；请核对号码，或与该窗口联系`,
      409,
    );
  }

  function log(action: LogAction, device: Device, at: Date, windowId: number | null, ticketId: number | null) {
    insertLog(at.toISOString(), action, device.id, windowId, ticketId);
  }

  function announce(queue: boolean, windowIds: readonly number[]): void {
    const version = selectQueueVersion.get() ?? 0;
    publish(
      ...(queue ? [{ type: 'queue', version } as const] : []),
      ...[...new Set(windowIds)].map((windowId): HallEvent => ({ type: 'window', windowId, version })),
    );
  }

  /**
   * Runs `act` once per (window, op, key) in one IMMEDIATE transaction; a
   * retry with the same key gets the kept answer. `act` returns the answer and
   * which events to send.
   */
  function once<R>(
    device: Device,
    windowId: number,
    op: OpName,
    key: string,
    act: (window: HallWindow, at: Date) => { reply: R; queue: boolean; windowIds: number[] },
  ): R {
    const window = requireCounterAt(device, windowId);
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new HallError('BAD_REQUEST', `Idempotency-Key 过长（最多 ${MAX_IDEMPOTENCY_KEY_LENGTH} 个字符），请改用 UUID`, 400);
    }
    const stored = `${op}:${key}`;
    const outcome = db
      .transaction(() => {
        const earlier = selectReply.get(windowId, stored);
        if (earlier !== undefined) return { reply: JSON.parse(earlier) as R, queue: false, windowIds: [] as number[] };
        requireClerk(windowId);
        const at = clock();
        const done = act(window, at);
        insertReply(windowId, stored, JSON.stringify(done.reply), at.toISOString());
        return done;
      })
      .immediate();
    if (outcome.queue || outcome.windowIds.length > 0) announce(outcome.queue, outcome.windowIds);
    return outcome.reply;
  }

  const pauseView = (row: PauseRow | undefined): WindowPause | null =>
    row ? { reason: row.reason, note: row.note, expectedBackAt: row.expectedBackAt, pausedAt: row.pausedAt } : null;

  return {
    /** The window's 暂停服务, or null (windowStatus, the hall's overview). */
    pauseOf(windowId: number): WindowPause | null {
      return pauseView(selectPause.get(windowId));
    },

    /**
     * 转窗 / 转业务: the ticket leaves this window (or the queue it waits in) for
     * another line, or another window only that window calls. `place: keep`
     * keeps its original issue time (its place in order); `first` puts it
     * before every ticket waiting now, among tickets of its priority.
     */
    transferTicket(device: Device, windowId: number, key: string, request: TransferTicketRequest): { ticket: Ticket } {
      return once(device, windowId, 'transferTicket', key, (_window, at) => {
        const day = hallToday(at);
        const ticket = requireTicket(day, request.number);
        if (ticket.status === 'completed') refuseFinished(ticket);
        if (ticket.status === 'called' && ticket.windowId !== windowId) throw takenElsewhere(ticket);
        let queueLine: string;
        let targetWindow: number | null = null;
        const notified = [windowId];
        if ('windowId' in request.to) {
          const target = requireWindow(request.to.windowId);
          if (target.id === windowId) {
            throw new HallError('BAD_REQUEST', `${ticket.number} 已在本窗口，不能转给本窗口；请选择其他窗口或业务`, 400);
          }
          if (selectClerk.get(target.id) === undefined) {
            throw new HallError(
              'CONFLICT',
              `${target.name}目前没有工作人员登录（未开窗），不能转过去；请选择已开窗的窗口，或转到业务排队`,
              409,
            );
          }
          // The target window calls only lines it serves: keep the ticket's line if it is one of them.
          queueLine = target.lineIds.includes(ticket.lineId) ? ticket.lineId : target.lineIds[0]!;
          targetWindow = target.id;
          notified.push(target.id);
        } else {
          const line = config.get('line', request.to.lineId);
          if (!line) {
            throw new HallError('NOT_FOUND', `业务类型 ${request.to.lineId} 不存在，请选择大厅开设的业务`, 404);
          }
          queueLine = line.id;
        }
        const issuedLine = ticketLine(ticket.number);
        const sortKey = request.place === 'first' ? Math.min((selectFirstOrder.get(day) ?? ticket.id) - 1, ticket.id - 1) : null;
        const changed = requeue.run(queueLine === issuedLine ? null : queueLine, targetWindow, sortKey, ticket.id).changes;
        if (changed !== 1) throw new Error(`ticket ${ticket.id} could not be transferred`);
        log('transfer', device, at, windowId, ticket.id);
        return { reply: { ticket: selectTicket.get(ticket.id)! }, queue: true, windowIds: notified };
      });
    },

    /** 挂起: the window's current ticket waits aside (the citizen fetches a copy) until called back. */
    parkTicket(device: Device, windowId: number, key: string): { ticket: Ticket } {
      return once(device, windowId, 'parkTicket', key, (_window, at) => {
        const current = selectCurrent.get(windowId);
        if (!current) {
          throw new HallError('NO_CURRENT_TICKET', '当前没有正在办理的号，无法挂起；请先叫号', 409);
        }
        if (park.run(current.id, windowId).changes !== 1) throw new Error(`ticket ${current.id} could not be parked`);
        log('park', device, at, windowId, current.id);
        return { reply: { ticket: selectTicket.get(current.id)! }, queue: true, windowIds: [windowId] };
      });
    },

    /**
     * 叫指定号 / 回呼: calls a number of today that is waiting, parked (by any
     * window) or 过号 to this window; the window's current ticket is 办结 first,
     * as with 叫号. A number another window is serving is refused (409).
     */
    callTicket(device: Device, windowId: number, key: string, request: { number: string }): { ticket: Ticket } {
      return once(device, windowId, 'callTicket', key, (_window, at) => {
        const pausedFor = selectPause.get(windowId);
        if (pausedFor) throw pausedRefusal(pausedFor.reason);
        const ticket = requireTicket(hallToday(at), request.number);
        if (ticket.status === 'completed') refuseFinished(ticket);
        if (ticket.status === 'called') {
          if (ticket.windowId === windowId) return { reply: { ticket }, queue: false, windowIds: [] };
          throw takenElsewhere(ticket);
        }
        const current = selectCurrent.get(windowId);
        if (current) {
          finishCurrent.run(at.toISOString(), current.id);
          log('complete', device, at, windowId, current.id);
        }
        if (claim.run(windowId, at.toISOString(), ticket.id).changes !== 1) throw takenElsewhere(ticket);
        log('call', device, at, windowId, ticket.id);
        const notified = [windowId];
        if (ticket.status === 'parked' && ticket.windowId !== null) notified.push(ticket.windowId);
        return { reply: { ticket: selectTicket.get(ticket.id)! }, queue: true, windowIds: notified };
      });
    },

    /** 暂停服务 with a reason from the hall's list (午休, 临时离开…), a note and the expected return. */
    pauseWindow(device: Device, windowId: number, key: string, request: PauseWindowRequest): { pause: WindowPause | null } {
      return once(device, windowId, 'pauseWindow', key, (_window, at) => {
        const reasons = settings().pauseReasons;
        if (!reasons.includes(request.reason)) {
          throw new HallError(
            'BAD_REQUEST',
            `「${request.reason}」不是大厅设定的暂停原因，请从中选择：${reasons.join('、')}`,
            400,
          );
        }
        const current = selectCurrent.get(windowId);
        if (current) {
          throw new HallError(
            'CONFLICT',
            `${current.number} 还在办理，请先办结、挂起或转窗，再暂停服务`,
            409,
          );
        }
        let expectedBackAt: string | null = null;
        if (request.expectedBack !== undefined) {
          expectedBackAt = hallTimeOn(hallToday(at), request.expectedBack);
          if (Date.parse(expectedBackAt) <= at.getTime()) {
            throw new HallError(
              'BAD_REQUEST',
              `预计恢复时间 ${request.expectedBack} 已经过了（现在 ${hallHourMinute(at)}），请填写稍后的时间，或不填`,
              400,
            );
          }
        }
        upsertPause.run(windowId, request.reason, request.note || null, expectedBackAt, at.toISOString(), device.id);
        log('pause', device, at, windowId, null);
        return { reply: { pause: pauseView(selectPause.get(windowId)) }, queue: false, windowIds: [windowId] };
      });
    },

    /** 恢复服务; a window not paused stays as it is. */
    resumeWindow(device: Device, windowId: number, key: string): { pause: WindowPause | null } {
      return once(device, windowId, 'resumeWindow', key, (_window, at) => {
        if (deletePause.run(windowId).changes === 0) return { reply: { pause: null }, queue: false, windowIds: [] };
        log('resume', device, at, windowId, null);
        return { reply: { pause: null }, queue: false, windowIds: [windowId] };
      });
    },

    /** 优先 (老年人、残疾人) / 绿色通道 / back to 普通, for a waiting or parked ticket. */
    setTicketPriority(device: Device, windowId: number, key: string, request: { number: string; priority: Priority }): { ticket: Ticket } {
      return once(device, windowId, 'setTicketPriority', key, (_window, at) => {
        const ticket = requireTicket(hallToday(at), request.number);
        if (ticket.status === 'completed') refuseFinished(ticket);
        if (ticket.status !== 'waiting' && ticket.status !== 'parked') {
          throw new HallError(
            'CONFLICT',
            `${ticket.number} ${STATUS_TEXT[ticket.status]}，不在等候中，调整优先级没有意义；${
              ticket.status === 'no_show' ? '请先回呼该号' : '请核对号码'
            }`,
            409,
          );
        }
        if (ticket.priority === request.priority) return { reply: { ticket }, queue: false, windowIds: [] };
        updatePriority.run(request.priority, ticket.id);
        log('priority', device, at, windowId, ticket.id);
        return { reply: { ticket: selectTicket.get(ticket.id)! }, queue: true, windowIds: [] };
      });
    },

    /**
     * 预约签到: the appointment (by its code, or the ID number it was booked
     * with) gets a ticket of its line now. Checked in no later than the hall's
     * appointmentLateMinutes after its slot's start, the ticket has appointment
     * priority (served before normal tickets of its line); later, it is normal.
     */
    checkInAppointment(device: Device, windowId: number, key: string, request: CheckInAppointmentRequest): CheckInResult {
      return once(device, windowId, 'checkInAppointment', key, (_window, at) => {
        const today = hallToday(at);
        let appointment: AppointmentRow | undefined;
        if (request.code !== undefined) {
          appointment = selectAppointment.get(request.code);
        } else {
          const problem = checkResidentId(request.idNumber!);
          if (problem) throw new HallError('BAD_REQUEST', `${problem}；也可以改用预约码签到`, 400);
          const all = selectAppointmentsById.all(hashIdNumber(request.idNumber!));
          // Today's first one not checked in; else today's (checked in); else another day's.
          appointment =
            all.find((row) => row.day === today && row.ticketId === null) ??
            all.find((row) => row.day === today) ??
            all.find((row) => row.day > today) ??
            all.at(-1);
        }
        if (!appointment) {
          throw new HallError(
            'NOT_FOUND',
            '没有找到该预约，请核对预约码或身份证号码；未预约的群众请到取号机取号',
            404,
          );
        }
        if (appointment.day !== today) {
          throw new HallError(
            'CONFLICT',
            `该预约是 ${appointment.day} ${appointment.slotStart}–${appointment.slotEnd} 的，不是今天的，不能签到；请群众按预约日期前来，或今天到取号机取号`,
            409,
          );
        }
        if (appointment.ticketId !== null) {
          const earlier = selectTicket.get(appointment.ticketId);
          throw new HallError(
            'CONFLICT',
            `该预约已于 ${hallHourMinute(appointment.checkedInAt!)} 签到，号码 ${earlier?.number ?? ''}；请勿重复签到，请群众留意叫号`,
            409,
          );
        }
        const line = config.get('line', appointment.lineId);
        if (!line) throw new HallError('NOT_FOUND', `预约的业务类型 ${appointment.lineId} 大厅已不再开设，请群众到咨询台咨询`, 404);
        const onTime = minutesOf(hallHourMinute(at)) <= minutesOf(appointment.slotStart) + settings().appointmentLateMinutes;
        const { seq, number } = nextNumber(today, line.id);
        if (seq > MAX_TICKETS_PER_LINE_PER_DAY) {
          throw new HallError('CONFLICT', `今日「${line.name}」的号已全部取完，请群众明日再来或咨询大厅工作人员`, 409);
        }
        const priority: Priority = onTime ? 'appointment' : 'normal';
        const id = insertTicket.get(today, line.id, seq, number, priority, at.toISOString(), device.id)!;
        markCheckedIn.run(id, at.toISOString(), windowId, appointment.code);
        log('check_in', device, at, windowId, id);
        const ticket = selectTicket.get(id)!;
        return {
          reply: {
            ticket,
            ahead: aheadOf(today, ticket),
            appointment: {
              code: appointment.code,
              day: appointment.day,
              slotStart: appointment.slotStart,
              slotEnd: appointment.slotEnd,
              onTime,
            },
          },
          queue: true,
          windowIds: [],
        };
      });
    },

    /** Booked online: the booking system (admin route) hands the hall its appointments. */
    createAppointment(request: z.output<typeof CreateAppointmentRequest>): { code: string; day: string; lineId: string } {
      const problem = checkResidentId(request.idNumber);
      if (problem) throw new HallError('BAD_REQUEST', problem, 400);
      if (request.slotEnd <= request.slotStart) {
        throw new HallError('BAD_REQUEST', '预约时段的结束时间应晚于开始时间', 400);
      }
      if (!config.get('line', request.lineId)) {
        throw new HallError('NOT_FOUND', `业务类型 ${request.lineId} 不存在，请选择大厅开设的业务`, 404);
      }
      const inserted = db
        .prepare<[string], number>('SELECT COUNT(*) FROM appointments WHERE code = ?')
        .pluck()
        .get(request.code);
      if (inserted) throw new HallError('CONFLICT', `预约码 ${request.code} 已存在，请换一个`, 409);
      insertAppointment.run(
        request.code,
        hashIdNumber(request.idNumber),
        maskIdNumber(request.idNumber),
        maskName(request.name),
        request.lineId,
        request.day,
        request.slotStart,
        request.slotEnd,
        clock().toISOString(),
      );
      return { code: request.code, day: request.day, lineId: request.lineId };
    },

    /** What the transfer dialog, the park list and the 过号 list show: today's queue by line and window. */
    queueBoard(): QueueBoard {
      return db.transaction((): QueueBoard => {
        const day = hallToday(clock());
        // Untargeted tickets by line; tickets sent to a window (转窗) by that window.
        const byLine = new Map<string, number>();
        const byTarget = new Map<number, number>();
        for (const { lineId, waiting } of countWaitingToday.all(day)) byLine.set(lineId, waiting);
        for (const { lineId, targetWindowId, waiting } of countTargetedToday.all(day)) {
          byLine.set(lineId, (byLine.get(lineId) ?? 0) - waiting);
          byTarget.set(targetWindowId, (byTarget.get(targetWindowId) ?? 0) + waiting);
        }
        const open = new Set(selectOpenWindows.all());
        const pauses = new Map(selectPauses.all().map((row) => [row.windowId, pauseView(row)]));
        const inHand = new Map(selectInHand.all().map((row) => [row.windowId, row]));
        const now = clock();
        const lines = config.list('line').map((line) => ({
          lineId: line.id,
          name: line.name,
          waiting: byLine.get(line.id) ?? 0,
        }));
        const windows: BoardWindow[] = config.list('window').map((window) => ({
          windowId: window.id,
          name: window.name,
          lineIds: window.lineIds,
          open: open.has(window.id),
          pause: pauses.get(window.id) ?? null,
          waiting: window.lineIds.reduce((sum, lineId) => sum + (byLine.get(lineId) ?? 0), byTarget.get(window.id) ?? 0),
          service: serviceOfWindow(inHand.get(window.id), now),
        }));
        windows.sort((a, b) => a.windowId - b.windowId);
        return { lines, windows, parked: selectParked.all(day), noShows: selectNoShows.all(day) };
      })();
    },
  };
}
