// Guessing a password at this counter: every wrong password checked here
// (offline sign-in, unlocking 暂停服务 against the stored verifier) is
// counted per staff number in SQLite, so a restart clears nothing. Each
// wrong answer comes a little later than the last (a growing delay); after
// the hall's signInMaxFailures the staff number is locked for
// signInLockMinutes and refused before its password is checked. Passwords
// the hall server checks are counted there (its answer SIGN_IN_LOCKED
// passes through unchanged).
import { hallDateTimeAt } from '../../common/calendar.ts';
import { HallError } from '../../common/errors.ts';
import type { Db } from '../store/database.ts';

export interface SignInPolicy {
  maxFailures: number;
  lockMinutes: number;
}

/** The wait before answering the n-th wrong password in a row: none for a typo, then 0.5 s, 1 s, 2 s … at most 4 s. */
export const growingDelay = (failures: number): number => (failures <= 1 ? 0 : Math.min(4000, 250 * 2 ** (failures - 1)));

interface FailureRow {
  failures: number;
  last_at: string;
  locked_until: string | null;
}

export class SignInThrottle {
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly policy: () => SignInPolicy;
  private readonly delay: (failures: number) => number;

  constructor(options: { db: Db; clock: () => Date; policy: () => SignInPolicy; delay?: (failures: number) => number }) {
    this.db = options.db;
    this.clock = options.clock;
    this.policy = options.policy;
    this.delay = options.delay ?? growingDelay;
  }

  /** Throws SIGN_IN_LOCKED while the staff number is locked: before any password is checked. */
  refuseIfLocked(staffNo: string): void {
    const row = this.row(staffNo);
    const now = this.clock();
    if (row?.locked_until && Date.parse(row.locked_until) > now.getTime()) throw locked(staffNo, row.locked_until, now);
  }

  /**
   * A wrong password: counted, then answered after the growing delay. Returns the
   * error to throw — SIGN_IN_LOCKED once this failure reached the hall's limit.
   */
  async failed(staffNo: string, wrong: HallError): Promise<HallError> {
    const now = this.clock();
    const { maxFailures, lockMinutes } = this.policy();
    const windowMs = lockMinutes * 60_000;
    const failures = this.db.transaction(() => {
      const row = this.row(staffNo);
      // Failures older than a lock's length are forgotten; an expired lock starts a new count.
      const stale = !row || now.getTime() - Date.parse(row.last_at) > windowMs || row.locked_until !== null;
      const count = stale ? 1 : row.failures + 1;
      const lockedUntil = count >= maxFailures ? new Date(now.getTime() + windowMs).toISOString() : null;
      this.db
        .prepare(
          `INSERT INTO sign_in_failure (staff_no, failures, last_at, locked_until) VALUES (?, ?, ?, ?)
           ON CONFLICT (staff_no) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at,
             locked_until = excluded.locked_until`,
        )
        .run(staffNo, count, now.toISOString(), lockedUntil);
      return { count, lockedUntil };
    })();
    await new Promise((resolve) => setTimeout(resolve, this.delay(failures.count)));
    return failures.lockedUntil ? locked(staffNo, failures.lockedUntil, now) : wrong;
  }

  /** The right password: the count starts again. */
  succeeded(staffNo: string): void {
    this.db.prepare('DELETE FROM sign_in_failure WHERE staff_no = ?').run(staffNo);
  }

  /** A hall manager unlocks the staff number here. */
  unlock(staffNo: string): boolean {
    return this.db.prepare('DELETE FROM sign_in_failure WHERE staff_no = ?').run(staffNo).changes > 0;
  }

  private row(staffNo: string): FailureRow | undefined {
    return this.db.prepare('SELECT failures, last_at, locked_until FROM sign_in_failure WHERE staff_no = ?').get(staffNo) as
      | FailureRow
      | undefined;
  }
}

function locked(staffNo: string, until: string, now: Date): HallError {
  // Hall time: HH:mm today, with the date when the lock ends on another day.
  const end = hallDateTimeAt(until);
  const at = end.slice(0, 10) === hallDateTimeAt(now).slice(0, 10) ? end.slice(11, 16) : end.slice(0, 16);
  return new HallError(
    'SIGN_IN_LOCKED',
    `工号 ${staffNo} 密码错误次数过多，已锁定：请于 ${at} 后重试，或请大厅管理员解锁`,
    429,
    { retryAt: until },
  );
}
