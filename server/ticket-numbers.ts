// A line's next number for the day: the kiosk's 取号 (server/hall.ts) and an
// appointment's 签到 (server/ticket-ops.ts) both take it inside their write
// transaction.
//
// The line's last seq is read as "the first row of the (day, line_id, seq)
// key, backwards" rather than MAX(seq): on PostgreSQL, MAX over a range the
// planner believes small (a table not analysed yet, as a hall's day starts)
// is planned as an aggregate over every ticket of the line — 0.9 ms an issue
// at 2,000 of them under load (bench:hall with pg_stat_statements) — while
// ORDER BY … DESC LIMIT 1 is one index seek whatever the statistics. SQLite
// seeks for either.
import type { HallDatabase } from './storage/hall-database.ts';

export interface TicketNumber {
  seq: number;
  /** What the citizen is called by: the line's letters and the seq, at least three digits (A001). */
  number: string;
}

/** The line's last seq of the day (0 before its first ticket); parameters: day, line. */
export const LAST_SEQ_SQL =
  'SELECT COALESCE((SELECT seq FROM tickets WHERE day = ? AND line_id = ? ORDER BY seq DESC LIMIT 1), 0)';

export function createTicketNumbering(db: HallDatabase): (day: string, lineId: string) => TicketNumber {
  const selectLastSeq = db.prepare<[string, string], number>(LAST_SEQ_SQL).pluck();
  return (day, lineId) => {
    const seq = selectLastSeq.get(day, lineId)! + 1;
    return { seq, number: lineId + String(seq).padStart(3, '0') };
  };
}
