// Offline 叫号 (issue 21, point 5): while the hall server is out of reach, F1
// calls this counter's printed 现场补号 tickets of today, lowest number first,
// for the lines the window serves. A call is recorded as the walk-in served
// at this window (typed_ticket + its ticket.served_offline mutation, one
// transaction — the same record as 手动录入票号), so it is never called twice
// here, and on reconnect the hall server, which has put the walk-in in its
// queue from the walkin.issued before it (outbox order), marks it served by
// this window — or, if another window called it meanwhile, keeps a conflict
// for the hall manager (server/sync.ts). The called ticket is the window's
// current one, shown and announced on the outward screen like any other.
import type { Ticket } from '../../common/model.ts';
import { OFFLINE_TICKET_ID_BASE } from '../core/offline-ticket.ts';
import type { Db } from '../store/database.ts';
import type { TypedTickets } from './typed-tickets.ts';

export const NO_WALK_IN_TO_CALL =
  '离线中：本窗口没有待叫的现场补号。群众持取号机凭条的，请用「手动录入票号」（Alt+M）；需要时可按 Alt+W 现场补号';

interface WaitingWalkIn {
  number: string;
  seq: number;
  line_id: string;
  issued_at: string;
}

export class OfflineCalls {
  private readonly db: Db;
  private readonly typed: TypedTickets;

  constructor(options: { db: Db; typed: TypedTickets }) {
    this.db = options.db;
    this.typed = options.typed;
  }

  /**
   * This counter's walk-ins of `day` for `lineIds` not yet served here (offline,
   * or called here online: the call log), nor called by any window as far as
   * the hall queue's last copy here says; in issue order.
   */
  waiting(day: string, lineIds: readonly string[]): WaitingWalkIn[] {
    if (lineIds.length === 0) return [];
    return this.db
      .prepare(
        `SELECT w.number, w.seq, w.line_id, w.issued_at FROM walk_in w
         WHERE w.day = ? AND w.line_id IN (${lineIds.map(() => '?').join(', ')})
           AND NOT EXISTS (SELECT 1 FROM typed_ticket t WHERE t.day = w.day AND t.number = w.number)
           AND NOT EXISTS (SELECT 1 FROM queue_ticket q WHERE q.day = w.day AND q.number = w.number AND q.status <> 'waiting')
           AND NOT EXISTS (SELECT 1 FROM call_log c WHERE c.ticket_number = w.number AND c.at >= w.issued_at)
         ORDER BY w.seq`,
      )
      .all(day, ...lineIds) as WaitingWalkIn[];
  }

  /**
   * Calls the next walk-in: recorded as served at this window with its
   * mutation (one transaction); the ticket to put in hand, or null when none waits.
   */
  callNext(day: string, lineIds: readonly string[], who: { windowId: number; staffNo: string }): Ticket | null {
    const next = this.waiting(day, lineIds)[0];
    if (!next) return null;
    const served = this.typed.serve(next.number, day, who);
    return {
      id: OFFLINE_TICKET_ID_BASE + next.seq,
      number: next.number,
      lineId: next.line_id,
      priority: 'normal',
      status: 'called',
      issuedAt: next.issued_at,
      calledAt: served.at,
      windowId: who.windowId,
      recallCount: 0,
      endedAt: null,
    };
  }
}
