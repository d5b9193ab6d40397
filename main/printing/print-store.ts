// The print queue's table (migration 11). Plain statements, no logic beyond
// the state changes; the order of work is print-service.ts's.
import type { PrintJob, PrintJobKind } from '../../common/printing.ts';
import type { PrintDocument, PrinterProfile } from '../devices/printer/index.ts';
import type { Db } from '../store/database.ts';

export interface StoredPrintJob extends PrintJob {
  document: PrintDocument;
  profile: PrinterProfile;
}

interface Row {
  id: number;
  kind: PrintJobKind;
  title: string;
  case_no: string | null;
  document: string;
  profile: string;
  state: PrintJob['state'];
  attempts: number;
  last_error: string | null;
  maybe_printed: number;
  created_at: string;
  printed_at: string | null;
  reprint_of: number | null;
}

const fromRow = (row: Row): StoredPrintJob => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  caseNo: row.case_no,
  state: row.state,
  attempts: row.attempts,
  lastError: row.last_error,
  maybePrinted: row.maybe_printed === 1,
  createdAt: row.created_at,
  printedAt: row.printed_at,
  reprintOf: row.reprint_of,
  document: JSON.parse(row.document) as PrintDocument,
  profile: JSON.parse(row.profile) as PrinterProfile,
});

export interface NewPrintJob {
  kind: PrintJobKind;
  title: string;
  caseNo: string | null;
  document: PrintDocument;
  profile: PrinterProfile;
  createdAt: string;
  reprintOf: number | null;
}

export class PrintStore {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** The new job's id; null when the case already has its original slip of this kind (a repeated submission). */
  insert(job: NewPrintJob): number | null {
    const result = this.db
      .prepare(
        `INSERT INTO print_job (kind, title, case_no, document, profile, created_at, reprint_of)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(job.kind, job.title, job.caseNo, JSON.stringify(job.document), JSON.stringify(job.profile), job.createdAt, job.reprintOf);
    return result.changes === 1 ? Number(result.lastInsertRowid) : null;
  }

  get(id: number): StoredPrintJob | null {
    const row = this.db.prepare('SELECT * FROM print_job WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** The oldest job waiting for its turn. */
  nextQueued(): StoredPrintJob | null {
    const row = this.db
      .prepare("SELECT * FROM print_job WHERE state = 'queued' ORDER BY id LIMIT 1")
      .get() as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Everything not printed, and the latest printed jobs; newest first. */
  list(printedLimit = 30): StoredPrintJob[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM print_job WHERE state <> 'printed'
           UNION ALL SELECT * FROM (SELECT * FROM print_job WHERE state = 'printed' ORDER BY id DESC LIMIT ?))
         ORDER BY id DESC`,
      )
      .all(printedLimit) as Row[];
    return rows.map(fromRow);
  }

  waitingCount(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM print_job WHERE state <> 'printed'").get() as { n: number }).n;
  }

  /** queued → printing, one more attempt; false when the job was not queued. */
  startPrinting(id: number): boolean {
    return (
      this.db
        .prepare("UPDATE print_job SET state = 'printing', attempts = attempts + 1 WHERE id = ? AND state = 'queued'")
        .run(id).changes === 1
    );
  }

  printed(id: number, at: string, warning: string | null): void {
    this.db
      .prepare("UPDATE print_job SET state = 'printed', printed_at = ?, last_error = ?, maybe_printed = 0 WHERE id = ?")
      .run(at, warning, id);
  }

  refused(id: number, message: string): void {
    this.db.prepare("UPDATE print_job SET state = 'refused', last_error = ?, maybe_printed = 0 WHERE id = ?").run(message, id);
  }

  failed(id: number, message: string, maybePrinted: boolean): void {
    this.db
      .prepare("UPDATE print_job SET state = 'failed', last_error = ?, maybe_printed = ? WHERE id = ?")
      .run(message, maybePrinted ? 1 : 0, id);
  }

  /** Back in line (retry, or the clerk chose to print again after a maybe-printed failure). */
  requeue(id: number): void {
    this.db
      .prepare("UPDATE print_job SET state = 'queued', maybe_printed = 0, printed_at = NULL WHERE id = ? AND state <> 'printing'")
      .run(id);
  }

  /** A job left 'printing' by a crash or a quit mid-job: it may have printed, so the clerk decides. */
  interrupted(message: string): number {
    return this.db
      .prepare("UPDATE print_job SET state = 'failed', last_error = ?, maybe_printed = 1 WHERE state = 'printing'")
      .run(message).changes;
  }
}
