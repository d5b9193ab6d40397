// Guessing the hall's secrets is slowed down and stopped, and a restart does
// not forgive it: failed enrollment codes and sign-ins are counted in the
// auth_failures table (migration 9).
//
// - Enrollment (by caller address): ENROLLMENT_FAILURES_ALLOWED wrong codes,
//   then the address waits out ENROLLMENT_LOCKOUT_MS from its first one.
// - Sign-in, counted three ways at once: per staff number, per device and per
//   caller address. A failure is written when it happens, a success clears
//   the three counts (no write when there were none); attempts whose password
//   is being checked count too (in memory), so that parallel guesses cannot
//   slip past the limit. A wrong password is answered after a growing delay
//   (none for the first, then 0.25 s, 0.5 s, 1 s … 4 s). The failure that reaches the hall's signInMaxFailures
//   (a device or address: SOURCE_FAILURE_FACTOR × that, over all staff
//   numbers tried from it; their delay grows over their last signInMaxFailures
//   failures) locks the key for signInLockMinutes. A locked key is refused
//   before the password is checked: SIGN_IN_LOCKED (429) with retryAt. Counts
//   go stale after signInLockMinutes without a failure. A hall manager unlocks.
import { HallError } from '../common/errors.ts';
import { hallDateTimeAt } from '../common/calendar.ts';
import type { HallDatabase } from './db.ts';

/** What a row of auth_failures counts. */
export type FailureScope = 'enroll-address' | 'sign-in-staff' | 'sign-in-device' | 'sign-in-address';
export type SignInScope = 'staff' | 'device' | 'address';

/** Wrong codes allowed from one address before it waits out the lockout: 8 digits must not be guessable. */
export const ENROLLMENT_FAILURES_ALLOWED = 5;
export const ENROLLMENT_LOCKOUT_MS = 10 * 60 * 1000;

/** A device or an address may fail this many times the staff limit (it serves every clerk of a counter, or a whole subnet behind one address). */
export const SOURCE_FAILURE_FACTOR = 4;
export const SIGN_IN_DELAY_CAP_MS = 4_000;
/** Keys are staff numbers (≤ 32), device ids and addresses: anything longer is cut, never stored whole. */
const MAX_KEY_LENGTH = 128;

export interface SignInPolicy {
  maxFailures: number;
  lockMinutes: number;
}

export interface SignInKeys {
  staffNo: string;
  deviceId: string;
  address: string;
}

/** A counted key, as the hall manager's list shows it. */
export interface SignInLockEntry {
  scope: SignInScope;
  key: string;
  failures: number;
  lastFailedAt: string;
  /** Null while the key is only counted. */
  lockedUntil: string | null;
}

interface FailureRow {
  scope: FailureScope;
  key: string;
  failures: number;
  firstAt: string;
  lastAt: string;
  lockedUntil: string | null;
}

const SCOPE_OF: Record<SignInScope, FailureScope> = {
  staff: 'sign-in-staff',
  device: 'sign-in-device',
  address: 'sign-in-address',
};

/**
 * How long the answer to the n-th wrong password in a row waits: a single
 * typo is answered at once (as on the counter), then 0.25 s, 0.5 s, 1 s … at
 * most SIGN_IN_DELAY_CAP_MS.
 */
export function signInDelayMs(failures: number): number {
  return failures < 2 ? 0 : Math.min(250 * 2 ** (failures - 2), SIGN_IN_DELAY_CAP_MS);
}

/** A sign-in attempt let through to its password check: end it with signInFailed or signInSucceeded. */
export interface SignInAttempt {
  keys: SignInKeys;
}

/** What a wrong password costs. */
export interface SignInFailure {
  /** Wait this long before answering. */
  delayMs: number;
  /** It locked a key: answer this (SIGN_IN_LOCKED) instead of SIGN_IN_FAILED. */
  lock: HallError | null;
}

/** '10:42' in Beijing time, rounded up to the minute; with the date when it is not today's. */
export function beijingRetryTime(at: Date, now: Date): string {
  const minute = new Date(Math.ceil(at.getTime() / 60_000) * 60_000);
  const text = hallDateTimeAt(minute).slice(0, 16); // 2026-03-02 10:42
  const today = hallDateTimeAt(now).slice(0, 10);
  if (text.startsWith(today)) return text.slice(11);
  return `${Number(text.slice(5, 7))}月${Number(text.slice(8, 10))}日 ${text.slice(11)}`;
}

const cut = (key: string) => key.slice(0, MAX_KEY_LENGTH);

export function createThrottle(db: HallDatabase, clock: () => Date) {
  const selectRow = db.prepare<[string, string], FailureRow>(
    `SELECT scope, key, failures, first_at AS firstAt, last_at AS lastAt, locked_until AS lockedUntil
     FROM auth_failures WHERE scope = ? AND key = ?`,
  );
  const upsertRow = db.prepare<[string, string, number, string, string, string | null]>(
    `INSERT INTO auth_failures (scope, key, failures, first_at, last_at, locked_until) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (scope, key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at,
       last_at = excluded.last_at, locked_until = excluded.locked_until`,
  );
  const deleteRow = db.prepare<[string, string]>('DELETE FROM auth_failures WHERE scope = ? AND key = ?');
  const selectSignInRows = db.prepare<[], FailureRow>(
    `SELECT scope, key, failures, first_at AS firstAt, last_at AS lastAt, locked_until AS lockedUntil
     FROM auth_failures WHERE scope LIKE 'sign-in-%' ORDER BY last_at DESC LIMIT 1000`,
  );
  // Rows nobody has failed against for a day and that hold no lock: forgotten.
  const deleteStale = db.prepare<[string, string]>(
    'DELETE FROM auth_failures WHERE last_at < ? AND (locked_until IS NULL OR locked_until < ?)',
  );
  let lastPruned = 0;

  function prune(now: Date): void {
    if (now.getTime() - lastPruned < 60_000) return;
    lastPruned = now.getTime();
    const dayAgo = new Date(now.getTime() - 24 * 3600_000).toISOString();
    deleteStale.run(dayAgo, now.toISOString());
  }

  const scopeOfRow = (scope: FailureScope): SignInScope =>
    scope === 'sign-in-staff' ? 'staff' : scope === 'sign-in-device' ? 'device' : 'address';

  /** Whether a row still counts: it holds a lock, or its last failure is recent. */
  function live(row: FailureRow, staleAfterMs: number, now: Date): boolean {
    const locked = row.lockedUntil !== null && Date.parse(row.lockedUntil) > now.getTime();
    return locked || now.getTime() - Date.parse(row.lastAt) <= staleAfterMs;
  }

  /** A row's count as it stands now: null when there is none, or it went stale. */
  function current(scope: FailureScope, key: string, staleAfterMs: number, now: Date): FailureRow | null {
    const row = selectRow.get(scope, cut(key));
    return row && live(row, staleAfterMs, now) ? row : null;
  }

  function entryOf(row: FailureRow, now: Date): SignInLockEntry {
    return {
      scope: scopeOfRow(row.scope),
      key: row.key,
      failures: row.failures,
      lastFailedAt: row.lastAt,
      lockedUntil: row.lockedUntil !== null && Date.parse(row.lockedUntil) > now.getTime() ? row.lockedUntil : null,
    };
  }

  function limitOf(scope: SignInScope, policy: SignInPolicy): number {
    return scope === 'staff' ? policy.maxFailures : policy.maxFailures * SOURCE_FAILURE_FACTOR;
  }

  const lockedMessage: Record<SignInScope, (until: string) => string> = {
    staff: (until) => `密码错误次数过多，该工号已锁定，请于 ${until} 后重试或请大厅管理员解锁`,
    device: (until) => `本终端登录失败次数过多，已暂停登录，请于 ${until} 后重试或请大厅管理员解锁`,
    address: (until) => `来自本终端网络地址的登录失败次数过多，已暂停登录，请于 ${until} 后重试或请大厅管理员解锁`,
  };
  /** Sign-in attempts whose password is being checked now, by scope and key. */
  const checking = new Map<string, number>();
  const pendingKey = (scope: SignInScope, key: string) => `${scope}\n${cut(key)}`;
  const scopesOf = (keys: SignInKeys): [SignInScope, string][] => [
    ['staff', keys.staffNo],
    ['device', keys.deviceId],
    ['address', keys.address],
  ];
  const released = new WeakSet<SignInAttempt>();
  function release(attempt: SignInAttempt): void {
    if (released.has(attempt)) return;
    released.add(attempt);
    for (const [scope, key] of scopesOf(attempt.keys)) {
      const left = (checking.get(pendingKey(scope, key)) ?? 1) - 1;
      if (left > 0) checking.set(pendingKey(scope, key), left);
      else checking.delete(pendingKey(scope, key));
    }
  }

  const lockedError = (scope: SignInScope, until: Date, now: Date) =>
    new HallError('SIGN_IN_LOCKED', lockedMessage[scope](beijingRetryTime(until, now)), 429, {
      retryAt: until.toISOString(),
    });

  return {
    // ---- enrollment codes, by caller address --------------------------------------

    /** Throws 429 while `address` is locked out of enrollment. */
    checkEnrollment(address: string): void {
      const now = clock();
      const row = current('enroll-address', address, ENROLLMENT_LOCKOUT_MS, now);
      if (!row) return;
      if (now.getTime() - Date.parse(row.firstAt) > ENROLLMENT_LOCKOUT_MS) {
        deleteRow.run('enroll-address', cut(address));
        return;
      }
      if (row.failures >= ENROLLMENT_FAILURES_ALLOWED) {
        throw new HallError(
          'ENROLLMENT_CODE_INVALID',
          `注册码输错次数过多，请 ${ENROLLMENT_LOCKOUT_MS / 60_000} 分钟后再试，或向管理员核对注册码`,
          429,
        );
      }
    },

    enrollmentFailed(address: string): void {
      const now = clock();
      prune(now);
      const row = current('enroll-address', address, ENROLLMENT_LOCKOUT_MS, now);
      const failures = (row?.failures ?? 0) + 1;
      const firstAt = row?.firstAt ?? now.toISOString();
      const lockedUntil =
        failures >= ENROLLMENT_FAILURES_ALLOWED
          ? new Date(Date.parse(firstAt) + ENROLLMENT_LOCKOUT_MS).toISOString()
          : null;
      upsertRow.run('enroll-address', cut(address), failures, firstAt, now.toISOString(), lockedUntil);
    },

    enrollmentSucceeded(address: string): void {
      deleteRow.run('enroll-address', cut(address));
    },

    // ---- sign-in ------------------------------------------------------------------

    /**
     * Before the password is checked: refuses (SIGN_IN_LOCKED, 429) when any of
     * the three keys is locked, or when the attempts already being checked
     * could reach its limit; otherwise lets the attempt through, counted as
     * being checked until signInFailed or signInSucceeded.
     */
    beginSignIn(keys: SignInKeys, policy: SignInPolicy): SignInAttempt {
      const now = clock();
      const staleAfterMs = policy.lockMinutes * 60_000;
      const rows = scopesOf(keys).map(([scope, key]) => ({ scope, key, row: current(SCOPE_OF[scope], key, staleAfterMs, now) }));
      const lockedUntil = (row: FailureRow | null) =>
        row?.lockedUntil != null && Date.parse(row.lockedUntil) > now.getTime() ? Date.parse(row.lockedUntil) : 0;
      const locked = rows.filter(({ row }) => lockedUntil(row) > 0);
      if (locked.length > 0) {
        const longest = locked.reduce((a, b) => (lockedUntil(b.row) > lockedUntil(a.row) ? b : a));
        throw lockedError(longest.scope, new Date(lockedUntil(longest.row)), now);
      }
      const busy = rows.some(
        ({ scope, key, row }) => (row && row.lockedUntil === null ? row.failures : 0) + (checking.get(pendingKey(scope, key)) ?? 0) >= limitOf(scope, policy),
      );
      if (busy) {
        throw new HallError('SIGN_IN_LOCKED', '登录尝试过于频繁，请稍候几秒再试', 429, {
          retryAt: new Date(now.getTime() + SIGN_IN_DELAY_CAP_MS).toISOString(),
        });
      }
      for (const [scope, key] of scopesOf(keys)) checking.set(pendingKey(scope, key), (checking.get(pendingKey(scope, key)) ?? 0) + 1);
      return { keys };
    },

    /** The password was wrong: counted against all three keys, in one transaction; says what it costs. */
    signInFailed(attempt: SignInAttempt, policy: SignInPolicy): SignInFailure {
      release(attempt);
      return db.transaction((): SignInFailure => {
        const now = clock();
        prune(now);
        const staleAfterMs = policy.lockMinutes * 60_000;
        let delayMs = 0;
        let lock: HallError | null = null;
        for (const [scope, key] of scopesOf(attempt.keys)) {
          const row = current(SCOPE_OF[scope], key, staleAfterMs, now);
          // An expired lock starts a new count.
          const failures = row && row.lockedUntil === null ? row.failures + 1 : 1;
          const limit = limitOf(scope, policy);
          const until = failures >= limit ? new Date(now.getTime() + staleAfterMs) : null;
          upsertRow.run(SCOPE_OF[scope], cut(key), failures, row?.firstAt ?? now.toISOString(), now.toISOString(), until?.toISOString() ?? null);
          if (until && !lock) lock = lockedError(scope, until, now);
          // A source's delay grows over its last maxFailures failures before its lock.
          delayMs = Math.max(delayMs, signInDelayMs(failures - (limit - policy.maxFailures)));
        }
        return { delayMs: lock ? 0 : delayMs, lock };
      }).immediate();
    },

    /** The password was right: the three counts start over. */
    signInSucceeded(attempt: SignInAttempt): void {
      release(attempt);
      // Mostly there is nothing to clear: no write then.
      if (!scopesOf(attempt.keys).some(([scope, key]) => selectRow.get(SCOPE_OF[scope], cut(key)))) return;
      db.transaction(() => {
        for (const [scope, key] of scopesOf(attempt.keys)) deleteRow.run(SCOPE_OF[scope], cut(key));
      }).immediate();
    },

    /** The attempt ended without a verdict on the password (an error): no longer being checked. */
    signInAbandoned(attempt: SignInAttempt): void {
      release(attempt);
    },

    /** Every key counted now (not stale), most recent first. */
    signInLocks(policy: SignInPolicy): SignInLockEntry[] {
      const now = clock();
      return selectSignInRows
        .all()
        .filter((row) => live(row, policy.lockMinutes * 60_000, now))
        .map((row) => entryOf(row, now));
    },

    /** A hall manager unlocks: forgets the counts of the keys given. Returns what was counted (and locked) before. */
    clearSignIn(which: Partial<Record<SignInScope, string>>, policy: SignInPolicy): SignInLockEntry[] {
      return db
        .transaction(() => {
          const now = clock();
          const cleared: SignInLockEntry[] = [];
          for (const [scope, key] of Object.entries(which) as [SignInScope, string | undefined][]) {
            if (key === undefined) continue;
            const row = current(SCOPE_OF[scope], key, policy.lockMinutes * 60_000, now);
            if (row) cleared.push(entryOf(row, now));
            deleteRow.run(SCOPE_OF[scope], cut(key));
          }
          return cleared;
        })
        .immediate();
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
