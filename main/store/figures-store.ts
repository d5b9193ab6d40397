// Read-only queries for 今日统计 (main/figures/figures.ts): one clerk's events
// at one window within a time range — the call log, the rating sessions, and
// the cases they decided or finished. Each query uses the table's
// (window_id, time) index; the staff number only filters what it finds.
import type { CallLogEntry } from '../../common/contract.ts';
import type { CaseDecision } from '../../common/cases.ts';
import type { Item } from '../../common/model.ts';
import type { RatingLevel, RatingOutcome } from '../../common/ratings.ts';
import type { Db } from './database.ts';

/** Parameters of every query: window, staff number, [since, until) as ISO times. */
export type FiguresRange = [windowId: number, staffNo: string, since: string, until: string];

/** The queries, named so tests can check their plans (EXPLAIN QUERY PLAN). */
export const FIGURES_QUERIES = {
  calls: `SELECT at, action, ticket_number AS ticketNumber FROM call_log
          WHERE window_id = ? AND staff_no = ? AND at >= ? AND at < ? ORDER BY at, id`,
  ratings: `SELECT level, outcome FROM rating
            WHERE window_id = ? AND staff_no = ? AND at >= ? AND at < ?`,
  decided: `SELECT kind, decision FROM cases
            WHERE window_id = ? AND staff_no = ? AND decided_at >= ? AND decided_at < ?`,
  finished: `SELECT kind, promised_date AS promisedDate, finished_at AS finishedAt FROM cases
             WHERE window_id = ? AND finished_by = ? AND finished_at >= ? AND finished_at < ?`,
} as const;

export interface FigureRating {
  level: RatingLevel | null;
  outcome: RatingOutcome;
}
export interface FigureDecision {
  kind: Item['kind'];
  decision: CaseDecision;
}
export interface FigureFinish {
  kind: Item['kind'];
  promisedDate: string | null;
  finishedAt: string;
}

export class FiguresStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** The clerk's 叫号 / 重呼 / 过号 / 办结 at the window in the range, oldest first. */
  calls(...range: FiguresRange): CallLogEntry[] {
    return (this.db.prepare(FIGURES_QUERIES.calls).all(...range) as CallLogEntry[]).map((row) => ({ ...row }));
  }

  /** The clerk's rating sessions (rated, 未评价, cancelled) closed in the range. */
  ratings(...range: FiguresRange): FigureRating[] {
    return (this.db.prepare(FIGURES_QUERIES.ratings).all(...range) as FigureRating[]).map((row) => ({ ...row }));
  }

  /** Cases the clerk decided in the range. */
  decided(...range: FiguresRange): FigureDecision[] {
    return (this.db.prepare(FIGURES_QUERIES.decided).all(...range) as FigureDecision[]).map((row) => ({ ...row }));
  }

  /** Cases the clerk finished (办结) in the range: 即办件 on the spot, 承诺件 from the list. */
  finished(...range: FiguresRange): FigureFinish[] {
    return (this.db.prepare(FIGURES_QUERIES.finished).all(...range) as FigureFinish[]).map((row) => ({ ...row }));
  }
}
