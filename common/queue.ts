// Which waiting ticket a window calls next (DOMAIN.md, "Call next"). Pure, so
// the hall server and anything that shows a queue order rank tickets alike.
import type { HallWindow, Priority, Ticket } from './model.ts';

/** A higher rank is served first: green channel, then 优先 (elderly, disabled), then appointments. */
export const PRIORITY_RANK: Record<Priority, number> = { green: 3, priority: 2, appointment: 1, normal: 0 };

/**
 * What ranking needs of a ticket; `id` grows with issue order. `order`, when
 * given, is its place instead of its id (a ticket transferred 排在最前 has a
 * lower one; common/ticket-ops.ts).
 */
export type RankedTicket = Pick<Ticket, 'id' | 'lineId' | 'priority'> & { order?: number };

function compareFor(lineIds: readonly string[]) {
  const preference = new Map(lineIds.map((lineId, index) => [lineId, index]));
  const place = (ticket: RankedTicket) => preference.get(ticket.lineId) ?? lineIds.length;
  return (a: RankedTicket, b: RankedTicket): number =>
    PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] ||
    place(a) - place(b) ||
    (a.order ?? a.id) - (b.order ?? b.id) ||
    a.id - b.id;
}

/**
 * The waiting tickets a window serves, best first: priority rank, then the
 * window's order of line preference, then issue order. Tickets for lines the
 * window does not serve are left out.
 */
export function rankWaiting<T extends RankedTicket>(
  tickets: readonly T[],
  window: Pick<HallWindow, 'lineIds'>,
): T[] {
  const served = new Set(window.lineIds);
  return tickets.filter((ticket) => served.has(ticket.lineId)).sort(compareFor(window.lineIds));
}

/** How many waiting tickets of the same line are served before `ticket`. */
export function countAhead(ticket: RankedTicket, waiting: readonly RankedTicket[]): number {
  const compare = compareFor([ticket.lineId]);
  return waiting.filter((other) => other.lineId === ticket.lineId && compare(other, ticket) < 0).length;
}
