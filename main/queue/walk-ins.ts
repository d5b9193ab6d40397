// 现场补号 (walk-in tickets): the counter prints a queue number itself, e.g.
// when the kiosk or the link to the hall server is down. Numbers come from
// ranges the hall server leases to this window while online (common/sync.ts:
// W + window code + - + three digits, e.g. W03-007), so they work offline and
// never collide with kiosk tickets or another window's walk-ins. Each number
// issued is recorded with its `walkin.issued` mutation in one transaction.
import { HallError } from '../../common/errors.ts';
import type { WalkInLease } from '../../common/http-api.ts';
import { WALKIN_ISSUED, walkInNumber, type WalkInIssuedArgs } from '../../common/sync.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';

/** Top up (lease another range) when fewer than this many numbers remain today. */
export const WALK_IN_LOW_WATER = 20;

export const WALK_INS_USED_UP = '现场补号号段已用完，请联网后再补号';

export interface WalkInIssued {
  number: string;
  day: string;
  seq: number;
  lineId: string;
  issuedAt: string;
}

/**
 * What a walk-in slip's QR holds: the ticket's 排队进度 page on the hall server
 * (server/ticket-progress.ts), as the 受理回执's QR holds the case's page.
 */
export function ticketLookupUrl(serverUrl: string | null, day: string, number: string): string {
  const base = (serverUrl ?? 'https://hall.invalid').replace(/\/+$/, '');
  return `${base}/ticket/${encodeURIComponent(day)}/${encodeURIComponent(number)}`;
}

/** What pruneSettledWalkIns removed. */
export interface WalkInsPruned {
  /** The hall days whose leases and walk-ins went, oldest first. */
  days: string[];
  leases: number;
  walkIns: number;
}

// Days before today that hold leases or walk-ins and whose walk-in mutations
// the hall server all acknowledged: no walkin.issued outbox row of the day in
// any other state (pending, sent, or rejected — kept for the clerk to see).
// Acked rows the outbox pruned count as acknowledged.
const SETTLED_DAYS = `
  WITH past(day) AS (
    SELECT day FROM walk_in_lease WHERE day < @today
    UNION SELECT day FROM walk_in WHERE day < @today)
  SELECT day FROM past
  WHERE NOT EXISTS (
    SELECT 1 FROM outbox
    WHERE state <> 'acked' AND name = '${WALKIN_ISSUED}' AND json_extract(args, '$.day') = past.day)
  ORDER BY day`;

/**
 * Housekeeping (run by main/retention.ts): drops the leased ranges and the
 * issued walk-ins of days before `today` (the hall's date) once every
 * walk-in mutation of that day is acknowledged by the hall server. A day
 * with a walk-in not yet acked keeps all its rows. One transaction.
 */
export function pruneSettledWalkIns(db: Db, today: string): WalkInsPruned {
  return db.transaction(() => {
    const days = db.prepare(SETTLED_DAYS).pluck().all({ today }) as string[];
    const deleteLeases = db.prepare('DELETE FROM walk_in_lease WHERE day = ?');
    const deleteWalkIns = db.prepare('DELETE FROM walk_in WHERE day = ?');
    let leases = 0;
    let walkIns = 0;
    for (const day of days) {
      leases += deleteLeases.run(day).changes;
      walkIns += deleteWalkIns.run(day).changes;
    }
    return { days, leases, walkIns };
  })();
}

interface LeaseRow {
  day: string;
  prefix: string;
  from_no: number;
  to_no: number;
  next_no: number;
}

export class WalkIns {
  private readonly db: Db;
  private readonly outbox: Outbox;
  private readonly clock: () => Date;

  constructor(options: { db: Db; outbox: Outbox; clock: () => Date }) {
    this.db = options.db;
    this.outbox = options.outbox;
    this.clock = options.clock;
  }

  /** Numbers still available for `day` (the hall's date). */
  remaining(day: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(to_no + 1 - next_no), 0) AS n FROM walk_in_lease WHERE day = ?')
      .get(day) as { n: number };
    return row.n;
  }

  /** Keeps a range the hall server leased; a range already held is left as it is. */
  store(lease: WalkInLease): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO walk_in_lease (day, prefix, from_no, to_no, next_no, leased_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(lease.day, lease.prefix, lease.from, lease.to, lease.from, lease.leasedAt);
  }

  /**
   * Takes the next number of `day` from the leased ranges (lowest first) and
   * records it with its mutation, in one transaction. Works offline; throws
   * WALK_INS_USED_UP when no leased number is left.
   */
  issue(day: string, who: { lineId: string; windowId: number; staffNo: string }): WalkInIssued {
    return this.db.transaction(() => {
      const lease = this.db
        .prepare(
          'SELECT day, prefix, from_no, to_no, next_no FROM walk_in_lease WHERE day = ? AND next_no <= to_no ORDER BY from_no LIMIT 1',
        )
        .get(day) as LeaseRow | undefined;
      if (!lease) throw new HallError('CONFLICT', WALK_INS_USED_UP, 409);
      const seq = lease.next_no;
      const issuedAt = this.clock().toISOString();
      const number = walkInNumber(lease.prefix, seq);
      this.db.prepare('UPDATE walk_in_lease SET next_no = next_no + 1 WHERE day = ? AND from_no = ?').run(day, lease.from_no);
      this.db
        .prepare('INSERT INTO walk_in (number, day, seq, line_id, staff_no, issued_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(number, day, seq, who.lineId, who.staffNo, issuedAt);
      const args: WalkInIssuedArgs = {
        number,
        day,
        seq,
        lineId: who.lineId,
        windowId: who.windowId,
        staffNo: who.staffNo,
        issuedAt,
      };
      this.outbox.append(WALKIN_ISSUED, args);
      return { number, day, seq, lineId: who.lineId, issuedAt };
    })();
  }
}
