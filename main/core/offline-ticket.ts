// A ticket the counter called itself while the hall server was out of reach
// (offline 叫号 of this counter's 现场补号, main/queue/offline-calls.ts). It is
// the citizen at the window, so it stays in hand when the link returns (the
// hall server knows of it through the outbox: ticket.served_offline), and
// its id is the counter's own, above any id the hall server gives.
import type { Ticket } from '../../common/model.ts';

/** Ids of tickets called offline start here (hall server ids are row ids, far below). */
export const OFFLINE_TICKET_ID_BASE = 2_000_000_000;

export function isOfflineCall(ticket: Pick<Ticket, 'id'> | null | undefined): boolean {
  return ticket != null && ticket.id >= OFFLINE_TICKET_ID_BASE;
}
