// The waiting queue in SQL: the line a ticket waits in, and 您前面还有 N 人 —
// how many waiting tickets of a line are served before one
// ticket, by the rule of common/queue.ts (countAhead), without reading the
// line's queue. The line's waiting count is kept by the database (server
// migration 15); what is subtracted — tickets of lower priority, and those of
// its own priority placed after it — is a seek for a newly issued ordinary
// ticket, the kiosk's case at a morning rush. (countAhead over every waiting
// ticket of the line cost an issue O(waiting): 13% of the hall server's time
// at 20,000 waiting.)
import { PRIORITY_RANK } from '../common/queue.ts';
import type { Priority } from '../common/model.ts';
import type { HallDatabase } from './db.ts';
import { dialectOf } from './storage/hall-database.ts';
import { indexedBy } from './storage/dialect.ts';

/** The line a ticket waits in now (转业务 sets queue_line_id). */
export const EFFECTIVE_LINE = 'COALESCE(queue_line_id, line_id)';
const PRIORITIES = Object.keys(PRIORITY_RANK) as Priority[];

export interface AheadOf {
  id: number;
  /** The line it waits in (effective: after 转业务). */
  lineId: string;
  priority: Priority;
  /** Its place, COALESCE(sort_key, id); default its id. */
  order?: number;
}

export function createAheadCount(db: HallDatabase): (day: string, ticket: AheadOf) => number {
  const selectWaiting = db
    .prepare<[string, string], number>('SELECT waiting FROM queue_waiting WHERE day = ? AND line_id = ?')
    .pluck();
  const waitingWhere = `FROM tickets ${indexedBy(dialectOf(db), 'tickets_waiting_heads')}
    WHERE status = 'waiting' AND day = ? AND ${EFFECTIVE_LINE} = ? AND priority = ?`;
  const countOfPriority = db
    .prepare<[string, string, string], number>(`SELECT COUNT(*) ${waitingWhere}`)
    .pluck();
  // Two ranges of the index, not one OR (which would walk the whole priority).
  const countPlacedAfter = db
    .prepare<[string, string, string, number], number>(
      `SELECT COUNT(*) ${waitingWhere} AND COALESCE(sort_key, id) > ?`,
    )
    .pluck();
  const countTiedFrom = db
    .prepare<[string, string, string, number, number], number>(
      `SELECT COUNT(*) ${waitingWhere} AND COALESCE(sort_key, id) = ? AND id >= ?`,
    )
    .pluck();

  return (day, ticket) => {
    const order = ticket.order ?? ticket.id;
    const behindOrSelf = PRIORITIES.filter((p) => PRIORITY_RANK[p] < PRIORITY_RANK[ticket.priority]).reduce(
      (sum, p) => sum + (countOfPriority.get(day, ticket.lineId, p) ?? 0),
      (countPlacedAfter.get(day, ticket.lineId, ticket.priority, order) ?? 0) +
        (countTiedFrom.get(day, ticket.lineId, ticket.priority, order, ticket.id) ?? 0),
    );
    return Math.max(0, (selectWaiting.get(day, ticket.lineId) ?? 0) - behindOrSelf);
  };
}
