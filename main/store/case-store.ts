// The cases (办件) decided at this counter, and the per-day case number
// sequence. applicant_json holds the full applicant — personal data that stays
// in this file; everything that leaves it is masked first (main/cases.ts).
// Writes here run inside the caller's transaction, next to the outbox row.
import {
  Applicant,
  type CaseDecision,
  type CaseStatus,
  type InstantOutcome,
  type IsoDate,
} from '../../common/cases.ts';
import type { Db } from './database.ts';

/** The hot queries, named so tests can check their plans (EXPLAIN QUERY PLAN). */
export const CASE_QUERIES = {
  decidedSince:
    'SELECT * FROM cases WHERE window_id = ? AND decided_at >= ? ORDER BY decided_at DESC, case_no DESC',
  open: `SELECT * FROM cases WHERE window_id = ? AND status = 'accepted'
         ORDER BY promised_date, decided_at`,
  finishedSince: 'SELECT * FROM cases WHERE window_id = ? AND finished_at >= ? ORDER BY finished_at',
  /** 容缺后补: cases 办结 while 容缺 material is still owed (a material without suppliedAt). */
  finishedOwing: `SELECT * FROM cases WHERE window_id = ? AND finished_at IS NOT NULL
         AND decision = 'accept_with_missing'
         AND EXISTS (SELECT 1 FROM json_each(cases.missing_json) WHERE json_extract(value, '$.suppliedAt') IS NULL)
         ORDER BY owed_by, decided_at`,
} as const;

export interface MissingMaterial {
  name: string;
  requirement: string;
  waivable: boolean;
  /** 补交登记 (容缺受理): when it was handed in; absent or null while owed. */
  suppliedAt?: string | null;
}

export interface StoredCase {
  caseNo: string;
  itemCode: string;
  itemName: string;
  kind: 'instant' | 'promised';
  windowId: number;
  staffNo: string;
  ticketNumber: string | null;
  /** When the ticket was called (for the handling time); null without a ticket. */
  calledAt: string | null;
  applicant: Applicant;
  decision: CaseDecision;
  status: CaseStatus;
  outcome: InstantOutcome | null;
  decidedAt: string;
  promisedDate: IsoDate | null;
  finishedAt: string | null;
  /** Staff number of the clerk who finished (办结) the case. */
  finishedBy: string | null;
  missing: MissingMaterial[];
  owedBy: IsoDate | null;
  refuseReason: string | null;
}

interface Row {
  case_no: string;
  item_code: string;
  item_name: string;
  kind: StoredCase['kind'];
  window_id: number;
  staff_no: string;
  ticket_number: string | null;
  called_at: string | null;
  applicant_json: string;
  decision: CaseDecision;
  status: CaseStatus;
  outcome: InstantOutcome | null;
  decided_at: string;
  promised_date: string | null;
  finished_at: string | null;
  finished_by: string | null;
  missing_json: string;
  owed_by: string | null;
  refuse_reason: string | null;
}

const fromRow = (row: Row): StoredCase => ({
  caseNo: row.case_no,
  itemCode: row.item_code,
  itemName: row.item_name,
  kind: row.kind,
  windowId: row.window_id,
  staffNo: row.staff_no,
  ticketNumber: row.ticket_number,
  calledAt: row.called_at,
  applicant: Applicant.parse(JSON.parse(row.applicant_json)),
  decision: row.decision,
  status: row.status,
  outcome: row.outcome,
  decidedAt: row.decided_at,
  promisedDate: row.promised_date,
  finishedAt: row.finished_at,
  finishedBy: row.finished_by,
  missing: JSON.parse(row.missing_json) as MissingMaterial[],
  owedBy: row.owed_by,
  refuseReason: row.refuse_reason,
});

export class CaseStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  /** Takes the next case sequence number of `day` (1, 2, …). Call inside the transaction that inserts the case. */
  takeSequence(day: IsoDate): number {
    const row = this.db
      .prepare(
        `INSERT INTO case_sequence (day, last_seq) VALUES (?, 1)
         ON CONFLICT (day) DO UPDATE SET last_seq = last_seq + 1
         RETURNING last_seq AS seq`,
      )
      .get(day) as { seq: number };
    return row.seq;
  }

  insert(c: StoredCase): void {
    this.db
      .prepare(
        `INSERT INTO cases (case_no, item_code, item_name, kind, window_id, staff_no, ticket_number, called_at,
           applicant_json, decision, status, outcome, decided_at, promised_date, finished_at, finished_by, missing_json, owed_by, refuse_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.caseNo,
        c.itemCode,
        c.itemName,
        c.kind,
        c.windowId,
        c.staffNo,
        c.ticketNumber,
        c.calledAt,
        JSON.stringify(c.applicant),
        c.decision,
        c.status,
        c.outcome,
        c.decidedAt,
        c.promisedDate,
        c.finishedAt,
        c.finishedBy,
        JSON.stringify(c.missing),
        c.owedBy,
        c.refuseReason,
      );
  }

  get(caseNo: string): StoredCase | null {
    const row = this.db.prepare('SELECT * FROM cases WHERE case_no = ?').get(caseNo) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Marks an accepted case finished; false when it was not in the accepted state. */
  finish(caseNo: string, outcome: InstantOutcome, finishedAt: string, finishedBy: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE cases SET status = 'finished', outcome = ?, finished_at = ?, finished_by = ?
           WHERE case_no = ? AND status = 'accepted'`,
        )
        .run(outcome, finishedAt, finishedBy, caseNo).changes === 1
    );
  }

  /** 补交登记: stores the case's materials with their suppliedAt. Call inside the transaction that read them. */
  setMissing(caseNo: string, missing: readonly MissingMaterial[]): void {
    this.db.prepare('UPDATE cases SET missing_json = ? WHERE case_no = ?').run(JSON.stringify(missing), caseNo);
  }

  /** Cases finished at the window that still owe 容缺 material (容缺后补), earliest 补交 deadline first. */
  finishedOwing(windowId: number): StoredCase[] {
    const rows = this.db.prepare(CASE_QUERIES.finishedOwing).all(windowId) as Row[];
    return rows.map(fromRow);
  }

  /** Cases decided at the window since `since` (ISO time), newest first. */
  decidedSince(windowId: number, since: string): StoredCase[] {
    const rows = this.db.prepare(CASE_QUERIES.decidedSince).all(windowId, since) as Row[];
    return rows.map(fromRow);
  }

  /** Accepted cases not finished yet at the window, nearest promised date first. */
  open(windowId: number): StoredCase[] {
    const rows = this.db.prepare(CASE_QUERIES.open).all(windowId) as Row[];
    return rows.map(fromRow);
  }

  /** Cases finished at the window since `since` (ISO time). */
  finishedSince(windowId: number, since: string): StoredCase[] {
    const rows = this.db.prepare(CASE_QUERIES.finishedSince).all(windowId, since) as Row[];
    return rows.map(fromRow);
  }
}
