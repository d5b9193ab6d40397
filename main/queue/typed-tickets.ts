// 手动录入票号: while the link to the hall server is down, the clerk serves a
// central (kiosk) ticket by typing its number from the citizen's slip. The
// counter records that this window served it, with its `ticket.served_offline`
// mutation in one transaction; on reconnect the hall server marks the ticket
// served, or — when it was already called, served or passed elsewhere, or is
// unknown — keeps a conflict record for the hall manager (server/sync.ts).
import { HallError } from '../../common/errors.ts';
import { TicketNumber } from '../../common/model.ts';
import { TICKET_SERVED_OFFLINE, type TicketServedOfflineArgs } from '../../common/sync.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';

export const TYPED_TICKET_ONLINE = '当前已联网，请用「叫号」办理排队群众；手动录入票号仅在离线时使用';

export interface TypedTicketServed {
  number: string;
  at: string;
}

/** The number as typed: trimmed and upper-cased, then checked; a zh-CN error otherwise. */
export function typedTicketNumber(typed: unknown): string {
  const parsed = TicketNumber.safeParse(typeof typed === 'string' ? typed.trim().toUpperCase() : typed);
  if (!parsed.success) {
    throw new HallError('BAD_REQUEST', `票号「${String(typed).slice(0, 16)}」格式不对：应为一至两个字母加三至四位数字，如 A012、AB012，现场补号如 W03-001、WB12-001；请核对群众的取号凭条`, 400);
  }
  return parsed.data;
}

export class TypedTickets {
  private readonly db: Db;
  private readonly outbox: Outbox;
  private readonly clock: () => Date;

  constructor(options: { db: Db; outbox: Outbox; clock: () => Date }) {
    this.db = options.db;
    this.outbox = options.outbox;
    this.clock = options.clock;
  }

  /**
   * Records that this window served `number` (already checked) on `day`, with
   * its mutation, in one transaction. The same number twice on one day is
   * refused here: the counter knows it served it already.
   */
  serve(number: string, day: string, who: { windowId: number; staffNo: string }): TypedTicketServed {
    return this.db.transaction(() => {
      const earlier = this.db
        .prepare('SELECT served_at FROM typed_ticket WHERE day = ? AND number = ?')
        .get(day, number) as { served_at: string } | undefined;
      if (earlier) {
        throw new HallError('CONFLICT', `票号 ${number} 今天已于 ${earlier.served_at} 在本窗口手动录入办理过，不能重复录入`, 409);
      }
      const at = this.clock().toISOString();
      this.db
        .prepare('INSERT INTO typed_ticket (number, day, window_id, staff_no, served_at) VALUES (?, ?, ?, ?, ?)')
        .run(number, day, who.windowId, who.staffNo, at);
      const args: TicketServedOfflineArgs = { number, windowId: who.windowId, staffNo: who.staffNo, at };
      this.outbox.append(TICKET_SERVED_OFFLINE, args);
      return { number, at };
    })();
  }
}
