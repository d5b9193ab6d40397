// SQL for ratings and bad-rating follow-ups (migration 12). Ratings are only
// ever inserted (the table's triggers refuse UPDATE and DELETE).
import type { ClerkRating, FollowUp, FollowUpState, RatingRecord } from '../../common/ratings.ts';
import type { Db } from './database.ts';

interface FollowUpRow {
  id: number;
  rating_id: string;
  due_date: string;
  state: FollowUpState;
  level: 1 | 2 | 3 | 4 | 5;
  case_no: string | null;
  item_code: string | null;
  window_id: number;
  staff_no: string;
  ticket_number: string | null;
  at: string;
}

const FOLLOW_UP_SELECT = `
  SELECT f.id, f.rating_id, f.due_date, f.state, r.level, r.case_no, r.item_code, r.window_id, r.staff_no,
         r.ticket_number, r.at
  FROM follow_up AS f JOIN rating AS r ON r.id = f.rating_id`;

export class RatingStore {
  private readonly db: Db;
  private readonly insert;

  constructor(db: Db) {
    this.db = db;
    this.insert = db.prepare(
      `INSERT INTO rating (id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome,
         channel, device_address, opened_at, at)
       VALUES (@id, @sessionId, @caseNo, @itemCode, @windowId, @staffNo, @ticketNumber, @level, @outcome,
         @channel, @deviceAddress, @openedAt, @at)`,
    );
  }

  insertRating(record: RatingRecord): void {
    this.insert.run(record);
  }

  /** The case decided at this window for this ticket (the latest, when several). */
  caseFor(windowId: number, ticketNumber: string, calledAt: string | null): { caseNo: string; itemCode: string } | null {
    const row = this.db
      .prepare(
        `SELECT case_no AS caseNo, item_code AS itemCode FROM cases
         WHERE window_id = ? AND ticket_number = ? AND called_at IS ?
         ORDER BY decided_at DESC LIMIT 1`,
      )
      .get(windowId, ticketNumber, calledAt) as { caseNo: string; itemCode: string } | undefined;
    return row ?? null;
  }

  latest(windowId: number): ClerkRating['latest'] {
    const row = this.db
      .prepare(
        `SELECT level, outcome, channel, ticket_number AS ticketNumber, at FROM rating
         WHERE window_id = ? ORDER BY at DESC, rowid DESC LIMIT 1`,
      )
      .get(windowId) as NonNullable<ClerkRating['latest']> | undefined;
    return row ?? null;
  }

  /** Opens a follow-up in 待核实 with its first step; returns its id. */
  openFollowUp(ratingId: string, dueDate: string, note: string, at: string): number {
    const id = Number(
      this.db
        .prepare(`INSERT INTO follow_up (rating_id, due_date, state) VALUES (?, ?, 'verifying')`)
        .run(ratingId, dueDate).lastInsertRowid,
    );
    this.db
      .prepare(`INSERT INTO follow_up_step (follow_up_id, state, note, staff_no, at) VALUES (?, 'verifying', ?, NULL, ?)`)
      .run(id, note, at);
    return id;
  }

  /** Moves from `from` to `to` with its step; false when the state was no longer `from`. */
  advanceFollowUp(id: number, from: FollowUpState, to: FollowUpState, note: string, staffNo: string, at: string): boolean {
    const changed = this.db.prepare('UPDATE follow_up SET state = ? WHERE id = ? AND state = ?').run(to, id, from).changes;
    if (changed !== 1) return false;
    this.db
      .prepare('INSERT INTO follow_up_step (follow_up_id, state, note, staff_no, at) VALUES (?, ?, ?, ?, ?)')
      .run(id, to, note, staffNo, at);
    return true;
  }

  followUp(id: number): FollowUp | null {
    const row = this.db.prepare(`${FOLLOW_UP_SELECT} WHERE f.id = ?`).get(id) as FollowUpRow | undefined;
    return row ? this.shape(row) : null;
  }

  /** Open ones first (earliest due first), then the finished ones, newest first. */
  followUps(limit = 200): FollowUp[] {
    const rows = this.db
      .prepare(
        `${FOLLOW_UP_SELECT}
         ORDER BY f.state = 'called_back', CASE WHEN f.state = 'called_back' THEN NULL ELSE f.due_date END, r.at DESC
         LIMIT ?`,
      )
      .all(limit) as FollowUpRow[];
    return rows.map((row) => this.shape(row));
  }

  private shape(row: FollowUpRow): FollowUp {
    const steps = this.db
      .prepare('SELECT state, note, staff_no AS staffNo, at FROM follow_up_step WHERE follow_up_id = ? ORDER BY at, rowid')
      .all(row.id) as FollowUp['steps'];
    return {
      id: row.id,
      ratingId: row.rating_id,
      level: row.level,
      caseNo: row.case_no,
      itemCode: row.item_code,
      windowId: row.window_id,
      staffNo: row.staff_no,
      ticketNumber: row.ticket_number,
      ratedAt: row.at,
      dueDate: row.due_date,
      state: row.state,
      steps,
    };
  }
}
