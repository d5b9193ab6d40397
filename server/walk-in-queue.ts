// 现场补号 tickets in the hall queue (issue 14, point 6). A walk-in number
// (W01-007) printed by a counter from its leased range becomes a waiting
// ticket of its line, called by any window that serves the line, once:
//
// - online, at once: the counter's walkInTicket route (server/hall-service.ts)
//   right after it issued the number, whose answer gives the slip the
//   server's 您前面还有 N 人 at print time;
// - offline, on reconnect: the counter's `walkin.issued` mutation, applied by
//   the sync intake (server/sync.ts) in outbox order, i.e. issue order.
//
// Both go through enter(): whichever arrives first creates the ticket, the
// other finds it (same device, same number) and changes nothing, so the route
// is idempotent and a retry, or the mutation after the route, is harmless.
//
// Its place: a walk-in queues by the time it was issued, not when the server
// heard of it — right after the last ticket of the day issued at or before
// it (tickets.sort_key, the place ranking reads; server/ticket-ops.ts). Only
// waiting tickets are ranked, so numbers already called are never reordered;
// a walk-in issued during an outage that kiosk tickets outlived is served
// before the kiosk tickets issued after it.
//
// The ticket row: line_id is the walk-in prefix (W01-) and seq its number, so
// (day, line_id, seq) stays unique beside the kiosk's own numbering; the line
// it waits in is queue_line_id (the effective line everywhere it is read).
import type { WalkInIssuedArgs } from '../common/sync.ts';
import { walkInNumber, walkInPrefix } from '../common/sync.ts';
import { HallError } from '../common/errors.ts';
import type { HallEvent, RouteResponse, WalkInTicketRequest } from '../common/http-api.ts';
import type { Ticket } from '../common/model.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import type { Device } from './hall.ts';
import { createAheadCount, EFFECTIVE_LINE } from './waiting-queue.ts';

/** walk_ins.mutation_seq of a walk-in entered by the route before its mutation arrived. */
export const ENTERED_ONLINE = 0;

const TICKET_COLUMNS = `id, number, ${EFFECTIVE_LINE} AS lineId, priority, status, issued_at AS issuedAt,
  called_at AS calledAt, window_id AS windowId, recall_count AS recallCount, ended_at AS endedAt`;

export interface WalkInEntered {
  ticket: Ticket;
  /** False: it was in the queue already (a retry, or the mutation after the route). */
  created: boolean;
}

export type WalkInQueue = ReturnType<typeof createWalkInQueue>;

export function createWalkInQueue(
  db: HallDatabase,
  { clock, publish = () => {} }: { clock: () => Date; publish?: (event: HallEvent) => void },
) {
  const config = createConfigStore(db);
  const selectLease = db
    .prepare<[number, string, string, number, number], number>(
      `SELECT COUNT(*) FROM walk_in_leases
       WHERE window_id = ? AND day = ? AND device_id = ? AND from_no <= ? AND to_no >= ?`,
    )
    .pluck();
  const selectWalkIn = db.prepare<[number, string, number], { number: string; device_id: string; mutation_seq: number }>(
    'SELECT number, device_id, mutation_seq FROM walk_ins WHERE window_id = ? AND day = ? AND seq = ?',
  );
  const insertWalkIn = db.prepare<[number, string, number, string, string, string, string, string, number]>(
    `INSERT INTO walk_ins (window_id, day, seq, number, device_id, line_id, staff_no, issued_at, mutation_seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const setMutationSeq = db.prepare<[number, number, string, number]>(
    `UPDATE walk_ins SET mutation_seq = ? WHERE window_id = ? AND day = ? AND seq = ? AND mutation_seq = ${ENTERED_ONLINE}`,
  );
  const selectTicketOf = db.prepare<[string, string, number], Ticket>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE day = ? AND line_id = ? AND seq = ?`,
  );
  // The place of the last ticket of the day issued at or before the walk-in: it
  // queues right after it (ties go by id, so walk-ins issued together keep their order).
  const selectPlace = db
    .prepare<[string, string], number>('SELECT COALESCE(MAX(COALESCE(sort_key, id)), 0) FROM tickets WHERE day = ? AND issued_at <= ?')
    .pluck();
  const insertTicket = db
    .prepare<[string, string, number, string, string, string, string, number], number>(
      `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, queue_line_id, sort_key)
       VALUES (?, ?, ?, ?, 'normal', 'waiting', ?, ?, ?, ?) RETURNING id`,
    )
    .pluck();
  const insertLog = db.prepare<[string, string, number, number]>(
    `INSERT INTO hall_log (at, action, device_id, window_id, ticket_id, staff_id) VALUES (?, 'issue', ?, ?, ?, NULL)`,
  );
  const aheadOf = createAheadCount(db);
  const selectQueueVersion = db.prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM hall_log').pluck();
  const selectOrder = db
    .prepare<[number], number>('SELECT COALESCE(sort_key, id) FROM tickets WHERE id = ?')
    .pluck();

  const queue = {
    /**
     * Puts the walk-in in the hall queue (inside the caller's transaction).
     * `refuse` makes the caller's error (a sync Rejection, or an HTTP 4xx),
     * with a zh-CN reason; nothing is written when it throws.
     * `mutationSeq`: the walkin.issued mutation's seq, or null from the route.
     */
    enter(device: Device, args: WalkInIssuedArgs, mutationSeq: number | null, refuse: (message: string) => Error): WalkInEntered {
      if (device.windowId !== args.windowId) {
        throw refuse(`本设备绑定的是${device.windowId ?? '（无）'}号窗口，不能提交${args.windowId}号窗口的现场补号 ${args.number}`);
      }
      const code = config.get('window', String(args.windowId))?.code ?? null;
      const prefix = code === null ? null : walkInPrefix(code);
      if (prefix === null || args.number !== walkInNumber(prefix, args.seq)) {
        throw refuse(`现场补号 ${args.number} 与本窗口的号段格式不符，本条未入库`);
      }
      if (selectLease.get(args.windowId, args.day, device.id, args.seq, args.seq) === 0) {
        throw refuse(`现场补号 ${args.number}（${args.day}）不在服务器租给本设备的号段内，本条未入库；请与大厅管理员核对`);
      }
      if (!config.get('line', args.lineId)) {
        throw refuse(`现场补号 ${args.number} 的业务类型 ${args.lineId} 在大厅已不存在，本条未入库；请与大厅管理员核对`);
      }
      const earlier = selectWalkIn.get(args.windowId, args.day, args.seq);
      if (earlier) {
        // The same device's same number again: the route retried, or its mutation after the route.
        if (earlier.device_id !== device.id || (mutationSeq !== null && earlier.mutation_seq !== ENTERED_ONLINE && earlier.mutation_seq !== mutationSeq)) {
          throw refuse(`现场补号 ${args.number}（${args.day}）已用过一次，本条未入库；请与大厅管理员核对`);
        }
        if (mutationSeq !== null) setMutationSeq.run(mutationSeq, args.windowId, args.day, args.seq);
        const ticket = selectTicketOf.get(args.day, prefix, args.seq);
        if (ticket) return { ticket, created: false };
        // A walk-in recorded before walk-ins joined the queue: it joins now.
      } else {
        insertWalkIn.run(args.windowId, args.day, args.seq, args.number, device.id, args.lineId, args.staffNo, args.issuedAt, mutationSeq ?? ENTERED_ONLINE);
      }
      const place = selectPlace.get(args.day, args.issuedAt) ?? 0;
      const id = insertTicket.get(args.day, prefix, args.seq, args.number, args.issuedAt, device.id, args.lineId, place)!;
      insertLog.run(clock().toISOString(), device.id, args.windowId, id);
      return { ticket: selectTicketOf.get(args.day, prefix, args.seq)!, created: true };
    },

    /** How many waiting tickets of its line are served before `ticket` now (0 once it is no longer waiting). */
    ahead(ticket: Ticket, day: string): number {
      if (ticket.status !== 'waiting') return 0;
      const order = selectOrder.get(ticket.id) ?? ticket.id;
      return aheadOf(day, { id: ticket.id, lineId: ticket.lineId, priority: ticket.priority, order });
    },

    /**
     * walkInTicket: the counter at `windowId` puts the walk-in it just issued
     * in the queue; answers its ticket and the waiting count ahead of it, in
     * one IMMEDIATE transaction. Idempotent by the number.
     */
    enterOnline(device: Device, windowId: number, request: WalkInTicketRequest): RouteResponse<'walkInTicket'> {
      const refuse = (message: string) => new HallError(device.windowId === windowId ? 'CONFLICT' : 'FORBIDDEN', message, device.windowId === windowId ? 409 : 403);
      const { result, created } = db
        .transaction(() => {
          const entered = queue.enter(device, { ...request, windowId }, null, refuse);
          return { result: { ticket: entered.ticket, ahead: queue.ahead(entered.ticket, request.day) }, created: entered.created };
        })
        .immediate();
      if (created) {
        const version = selectQueueVersion.get() ?? 0;
        publish({ type: 'queue', version });
        publish({ type: 'window', windowId, version });
      }
      return result;
    },
  };
  return queue;
}
