// Retention: the applicant's personal data of a concluded case (办结, or
// decided as 不予受理 / 一次性告知) whose records all reached the hall server
// (every case.decided / case.finished outbox row acked) is purged from the
// counter `retentionDays` after it concluded: applicant_json is replaced by
// the masked applicant (the same masking the screens and the server see).
// Runs at start and then daily; the clock and the timer come in from outside.
//
// The same run does the counter's housekeeping, so that a counter running
// every day for years does not grow without end:
// - walk-in leases and issued walk-ins (main/walk-ins.ts) of days before the
//   hall's today whose walkin.issued mutations are all acked;
// - call-log entries older than `retentionDays` (local only, never synced;
//   the clerk sees today's).
import { Applicant } from '../common/cases.ts';
import { normalizeCreditCode, normalizeResidentId } from '../common/identity.ts';
import { maskIdNumber, maskName, maskPhone } from '../common/mask.ts';
import { isoDateAt } from '../common/calendar.ts';
import { CASE_DECIDED, CASE_FINISHED } from '../common/sync.ts';
import { HALL_UTC_OFFSET_MINUTES } from '../common/hall-time.ts';
import type { Logger } from './log.ts';
import { CounterStore } from './store/counter-store.ts';
import type { Db } from './store/database.ts';
import { pruneSettledWalkIns, type WalkInsPruned } from './queue/walk-ins.ts';

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimer: RetentionTimer = {
  setInterval: (run, ms) => {
    const handle = setInterval(run, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export interface RetentionOptions {
  db: Db;
  clock: () => Date;
  /** The hall setting; read at every run. */
  days: () => number;
  log: Logger;
  timer?: RetentionTimer;
}

/** The applicant with every personal field masked, still an Applicant (so stored rows keep reading). */
export function maskedApplicant(applicant: Applicant): Applicant {
  return applicant.type === 'person'
    ? {
        type: 'person',
        name: maskName(applicant.name.trim()),
        idNumber: maskIdNumber(normalizeResidentId(applicant.idNumber)),
        phone: maskPhone(applicant.phone),
      }
    : {
        type: 'enterprise',
        name: maskName(applicant.name.trim()),
        creditCode: maskIdNumber(normalizeCreditCode(applicant.creditCode)),
        contactName: maskName(applicant.contactName.trim()),
        contactPhone: maskPhone(applicant.contactPhone),
      };
}

// Concluded: finished (instant cases are finished at decision), refused, or
// told what is missing. When: finished_at, else decided_at. Synced: no
// outbox row of the case that the server has not acknowledged.
const DUE = `
  SELECT case_no AS caseNo, applicant_json AS applicant FROM cases
  WHERE purged_at IS NULL
    AND status IN ('finished', 'refused', 'notice')
    AND decided_at < @cutoff -- implied by the next line; lets cases_unpurged narrow the scan
    AND coalesce(finished_at, decided_at) < @cutoff
    AND NOT EXISTS (
      SELECT 1 FROM outbox
      WHERE state <> 'acked' AND name IN ('${CASE_DECIDED}', '${CASE_FINISHED}')
        AND json_extract(args, '$.caseNo') = cases.case_no)`;

export class Retention {
  private readonly options: RetentionOptions;
  private readonly timer: RetentionTimer;
  private handle: unknown = null;

  constructor(options: RetentionOptions) {
    this.options = options;
    this.timer = options.timer ?? realTimer;
    // Freed and overwritten record space is zeroed, so purged bytes do not linger in the file.
    options.db.pragma('secure_delete = ON');
  }

  /** Runs now, then every day. */
  start(): void {
    this.runSafely();
    this.handle ??= this.timer.setInterval(() => this.runSafely(), DAY_MS);
  }

  stop(): void {
    if (this.handle !== null) this.timer.clearInterval(this.handle);
    this.handle = null;
  }

  /** Purges what is due now; returns how many cases were purged. */
  run(): number {
    const { db, clock, log } = this.options;
    const days = this.options.days();
    const now = clock();
    const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
    const update = db.prepare('UPDATE cases SET applicant_json = ?, purged_at = ? WHERE case_no = ? AND purged_at IS NULL');
    const purged = db.transaction(() => {
      const due = db.prepare(DUE).all({ cutoff }) as { caseNo: string; applicant: string }[];
      for (const row of due) {
        const applicant = Applicant.parse(JSON.parse(row.applicant));
        update.run(JSON.stringify(maskedApplicant(applicant)), now.toISOString(), row.caseNo);
      }
      return due.length;
    })();
    // The old page images in the WAL go too.
    if (purged > 0) db.pragma('wal_checkpoint(TRUNCATE)');
    if (purged > 0) log.info('personal data of concluded cases purged', { cases: purged, retentionDays: days });
    return purged;
  }

  /**
   * Housekeeping due now: walk-in leases and walk-ins of past hall days whose
   * mutations are all acked, and call-log entries older than the retention days.
   */
  prune(): { walkIns: WalkInsPruned; callLog: number } {
    const { db, clock, log } = this.options;
    const days = this.options.days();
    const now = clock();
    const walkIns = pruneSettledWalkIns(db, isoDateAt(now, HALL_UTC_OFFSET_MINUTES));
    if (walkIns.days.length > 0) log.info('walk-in numbers of past days pruned', { ...walkIns });
    const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
    const callLog = new CounterStore(db).pruneCallLog(cutoff);
    if (callLog > 0) log.info('call log pruned', { entries: callLog, retentionDays: days });
    return { walkIns, callLog };
  }

  private runSafely(): void {
    try {
      this.run();
    } catch (error) {
      this.options.log.error('retention run failed', { error: String(error) });
    }
    // Apart, so that a failed purge does not stop the housekeeping (nor the other way round).
    try {
      this.prune();
    } catch (error) {
      this.options.log.error('housekeeping run failed', { error: String(error) });
    }
  }
}
