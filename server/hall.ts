// What the hall server does, over its database: enrollment, sign-in, tickets
// and the window calls. Every write is one transaction; live events are
// published after it commits.
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { HallError } from '../common/errors.ts';
import { MAX_DEVICE_NO } from '../common/hall-codes.ts';
import { API_VERSION, type HallEvent, type RouteResponse } from '../common/http-api.ts';
import { HallSettings, Priority, type HallWindow, type LineQueue, type Staff, type Ticket } from '../common/model.ts';
import { isoDateAt } from '../common/calendar.ts';
import { MAX_WALK_IN_PER_WINDOW_PER_DAY, walkInPrefix } from '../common/sync.ts';
import { rankWaiting, type RankedTicket } from '../common/queue.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import { prepareBlindWrite } from './storage/hall-database.ts';
import { deviceProof } from './device-proof.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { createThrottle, type SignInLockEntry, type SignInPolicy, type SignInScope } from './throttle.ts';
import { hallToday } from '../common/hall-time.ts';
import { pausedRefusal, waitingHeadsSql } from './ticket-ops.ts';
import { createAheadCount, EFFECTIVE_LINE } from './waiting-queue.ts';
import { createTicketNumbering } from './ticket-numbers.ts';

export type DeviceRole = 'counter' | 'kiosk';

/** An enrolled device, as its token proves it. */
export interface Device {
  id: string;
  role: DeviceRole;
  windowId: number | null;
}

export interface HallOptions {
  clock: () => Date;
  /** Receives the live events of each change, together, once the change has committed. */
  publish: (...events: HallEvent[]) => void;
  /** How long a wrong password's answer is held, given the delay the throttle asks for (tests: 0). */
  signInDelayMs?: (delayMs: number) => number;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

type LogAction = 'issue' | 'call' | 'recall' | 'no_show' | 'complete' | 'sign_in' | 'sign_out';

const ENROLLMENT_CODE_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** 设备核对 requests allowed from one address per DEVICE_PROOF_WINDOW_MS (a counter asks once per address change). */
const DEVICE_PROOFS_ALLOWED = 20;
const DEVICE_PROOF_WINDOW_MS = 60 * 1000;
/** Addresses tracked at once; past this, expired entries are dropped first. */
const DEVICE_PROOF_SOURCES_TRACKED = 10_000;
/** TicketNumber allows at most four digits. */
const MAX_TICKETS_PER_LINE_PER_DAY = 9999;
const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

// lineId is the line a ticket waits in now: 转业务 moves it (server/ticket-ops.ts).
const TICKET_COLUMNS = `id, number, ${EFFECTIVE_LINE} AS lineId, priority, status, issued_at AS issuedAt,
  called_at AS calledAt, window_id AS windowId, recall_count AS recallCount, ended_at AS endedAt`;

/** Device tokens are kept only as this hash. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The hall's calendar day in Beijing time, whatever the server machine's zone; ticket numbers restart with it. */
export function businessDay(at: Date): string {
  return hallToday(at);
}

/** Walk-in numbers per lease. */
export const WALK_IN_LEASE_SIZE = 50;

/**
 * How long a call-next reply is kept for a retry with the same
 * Idempotency-Key. A counter retries within seconds or minutes; two days
 * also covers a clock step or a weekend of the server standing idle.
 */
export const CALL_NEXT_REPLY_KEEP_MS = 2 * 24 * 60 * 60 * 1000;
/** How often replies past CALL_NEXT_REPLY_KEEP_MS are pruned (also once at start). */
export const CALL_NEXT_REPLY_PRUNE_EVERY_MS = 60 * 60 * 1000;

/** setInterval/clearInterval, injected so tests drive the pruning. */
export interface PruneTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Real intervals that do not keep the process alive. */
export const realPruneTimer: PruneTimer = {
  setInterval: (run, ms) => setInterval(run, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * Prunes old call-next replies now and then every CALL_NEXT_REPLY_PRUNE_EVERY_MS;
 * a failed run is reported to `onError` and the next one tries again.
 * Returns a function that stops it.
 */
export function startCallNextReplyPruning(
  hall: Pick<Hall, 'pruneCallNextReplies'>,
  { timer = realPruneTimer, onError }: { timer?: PruneTimer; onError: (error: unknown) => void },
): () => void {
  const run = () => {
    try {
      hall.pruneCallNextReplies();
    } catch (error) {
      onError(error);
    }
  };
  run();
  const handle = timer.setInterval(run, CALL_NEXT_REPLY_PRUNE_EVERY_MS);
  return () => timer.clearInterval(handle);
}

export type Hall = ReturnType<typeof createHall>;

export function createHall(db: HallDatabase, { clock, publish, signInDelayMs = (ms) => ms }: HallOptions) {
  const config = createConfigStore(db);
  /** Failed enrollment codes and sign-ins, kept in the database (server/throttle.ts). */
  const throttle = createThrottle(db, clock);
  /** 设备核对 requests by caller address, since the first of them in the current window. */
  const deviceProofRequests = new Map<string, { count: number; since: number }>();

  const insertEnrollmentCode = db.prepare<[string, string, number | null, string, string]>(
    `INSERT INTO enrollment_codes (code, role, window_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const selectUsableCode = db.prepare<[string, string], { role: DeviceRole; windowId: number | null }>(
    `SELECT role, window_id AS windowId FROM enrollment_codes
     WHERE code = ? AND device_id IS NULL AND expires_at > ?`,
  );
  const markCodeUsed = db.prepare<[string, string]>(
    'UPDATE enrollment_codes SET device_id = ? WHERE code = ?',
  );
  const insertDevice = db.prepare<[string, number, string, DeviceRole, number | null, string, string]>(
    'INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const selectLastDeviceNo = db
    .prepare<[], number>('SELECT COALESCE(MAX(device_no), 0) FROM devices')
    .pluck();
  const selectDeviceByTokenHash = db.prepare<[string], Device>(
    'SELECT id, role, window_id AS windowId FROM devices WHERE token_hash = ?',
  );
  const selectTokenHashById = db
    .prepare<[string], string>('SELECT token_hash FROM devices WHERE id = ?')
    .pluck();
  const selectCredential = db.prepare<[string], { staffId: number; passwordHash: string }>(
    'SELECT staff_id AS staffId, password_hash AS passwordHash FROM staff_credentials WHERE staff_no = ?',
  );
  const selectClerk = db.prepare<[number], { staffId: number }>(
    'SELECT staff_id AS staffId FROM window_clerks WHERE window_id = ?',
  );
  const selectSessionsToEnd = db.prepare<[number, number], { windowId: number; staffId: number }>(
    'SELECT window_id AS windowId, staff_id AS staffId FROM window_clerks WHERE staff_id = ? OR window_id = ?',
  );
  const deleteSession = db.prepare<[number]>('DELETE FROM window_clerks WHERE window_id = ?');
  const insertSession = db.prepare<[number, number, string, string]>(
    'INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (?, ?, ?, ?)',
  );
  const selectTicket = db.prepare<[number], Ticket>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = ?`);
  const selectCurrentTicket = db.prepare<[number], Ticket>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE window_id = ? AND status = 'called'`,
  );
  const nextNumber = createTicketNumbering(db);
  const insertTicket = db
    .prepare<[string, string, number, string, Priority, string, string], number>(
      `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by)
       VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING id`,
    )
    .pluck();
  const aheadOf = createAheadCount(db);
  // Within one line and priority the first in order goes first, so the head of
  // each (line, priority) queue is all the ranking needs to see; tickets sent
  // to another window (转窗) are left out.
  const selectWaitingHeads = new Map<number, ReturnType<typeof db.prepare<(string | number)[], RankedTicket>>>();
  /** The head of each (line, priority) the window serves: lines × 4 index seeks, whatever the queue's length, in one statement. */
  const waitingHeads = (day: string, window: HallWindow): RankedTicket[] => {
    const pairs = window.lineIds.flatMap((lineId) => Priority.options.map((priority) => [day, lineId, priority, window.id]));
    if (pairs.length === 0) return [];
    let select = selectWaitingHeads.get(pairs.length);
    if (!select) {
      select = db.prepare<(string | number)[], RankedTicket>(waitingHeadsSql(pairs.length));
      selectWaitingHeads.set(pairs.length, select);
    }
    return select.all(...pairs.flat());
  };
  // Kept by the database as tickets change (server migration 15): a row per line, not a pass over the queue.
  const selectWaitingCounts = db.prepare<[string], { lineId: string; waiting: number }>(
    'SELECT line_id AS lineId, waiting FROM queue_waiting WHERE day = ?',
  );
  const selectPauseReason = db
    .prepare<[number], string>('SELECT reason FROM window_pauses WHERE window_id = ?')
    .pluck();
  // The ticket as called, from the claim itself (no read after it, under the write lock).
  const claimTicket = db.prepare<[number, string, number], Ticket>(
    `UPDATE tickets SET status = 'called', window_id = ?, called_at = ? WHERE id = ? AND status = 'waiting'
     RETURNING ${TICKET_COLUMNS}`,
  );
  const incrementRecalls = db.prepare<[number]>(
    'UPDATE tickets SET recall_count = recall_count + 1 WHERE id = ?',
  );
  const endTicket = db.prepare<[string, string, number]>(
    `UPDATE tickets SET status = ?, ended_at = ? WHERE id = ? AND status = 'called'`,
  );
  const selectReply = db
    .prepare<[number, string], string>(
      'SELECT reply FROM call_next_replies WHERE window_id = ? AND idempotency_key = ?',
    )
    .pluck();
  const insertReply = prepareBlindWrite<[number, string, string, string]>(
    db,
    'INSERT INTO call_next_replies (window_id, idempotency_key, reply, at) VALUES (?, ?, ?, ?)',
  );
  // A full scan: pruned hourly, the table holds about two days of calls, and an
  // index on `at` would cost every call-next a write for no real gain.
  const deleteRepliesBefore = db.prepare<[string]>('DELETE FROM call_next_replies WHERE at < ?');
  const insertLog = prepareBlindWrite<[string, LogAction, string, number | null, number | null, number | null]>(
    db,
    'INSERT INTO hall_log (at, action, device_id, window_id, ticket_id, staff_id) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectQueueVersion = db.prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM hall_log').pluck();

  const queueVersion = () => selectQueueVersion.get() ?? 0;

  /** The hall's sign-in lockout settings (defaults for a hall seeded before they existed). */
  function signInPolicy(): SignInPolicy {
    const parsed = HallSettings.safeParse(config.get('settings', 'hall'));
    const settings = parsed.success ? parsed.data : null;
    return { maxFailures: settings?.signInMaxFailures ?? 5, lockMinutes: settings?.signInLockMinutes ?? 15 };
  }

  function record(
    action: LogAction,
    device: Device,
    at: Date,
    about: { windowId?: number; ticketId?: number; staffId?: number },
  ): void {
    insertLog(
      at.toISOString(),
      action,
      device.id,
      about.windowId ?? null,
      about.ticketId ?? null,
      about.staffId ?? null,
    );
  }

  /** The staff member whose staff number and password these are, or null. */
  async function checkPassword(request: { staffNo: string; password: string }): Promise<Staff | null> {
    const credential = selectCredential.get(request.staffNo);
    const staff = credential ? config.get('staff', String(credential.staffId)) : null;
    // An unknown staff number costs the same time as a wrong password.
    const passwordMatches =
      credential && staff
        ? await verifyPassword(request.password, credential.passwordHash)
        : (await hashPassword(request.password), false);
    return passwordMatches ? staff : null;
  }

  /** Tells listeners what changed, in one publish (on PostgreSQL one NOTIFY); call after the transaction has committed. */
  /** \`by\`: the device whose call this was, when its answer tells it all (HallEvent window.by). */
  function announce(change: { queue: boolean; windowIds: readonly number[]; by?: Device }): void {
    const version = queueVersion();
    const by = change.by?.id;
    publish(
      ...(change.queue ? [{ type: 'queue', version } as const] : []),
      ...[...new Set(change.windowIds)].map((windowId): HallEvent =>
        by === undefined ? { type: 'window', windowId, version } : { type: 'window', windowId, version, by },
      ),
    );
  }

  function requireWindow(windowId: number): HallWindow {
    const window = config.get('window', String(windowId));
    if (!window) throw new HallError('NOT_FOUND', `窗口 ${windowId} 不存在，请检查窗口编号`, 404);
    return window;
  }

  /** The window, if `device` is the counter enrolled to it. */
  function requireCounterAt(device: Device, windowId: number): HallWindow {
    const window = requireWindow(windowId);
    if (device.role !== 'counter' || device.windowId !== windowId) {
      throw new HallError(
        'FORBIDDEN',
        `本设备不是${window.name}的柜台终端，不能操作该窗口；如需调整请联系管理员`,
        403,
      );
    }
    return window;
  }

  function requireOwnWindow(device: Device): number {
    if (device.role !== 'counter' || device.windowId === null) {
      throw new HallError(
        'FORBIDDEN',
        '本设备没有绑定窗口，不能在此登录或退出；请在窗口的柜台终端上操作',
        403,
      );
    }
    return device.windowId;
  }

  function requireClerk(windowId: number): void {
    if (!selectClerk.get(windowId)) {
      throw new HallError('NOT_SIGNED_IN', '本窗口还没有工作人员登录，请先登录', 409);
    }
  }

  function requireCurrentTicket(windowId: number): Ticket {
    const current = selectCurrentTicket.get(windowId);
    if (!current) throw new HallError('NO_CURRENT_TICKET', '当前没有正在办理的号，请先叫号', 409);
    return current;
  }

  function finishTicket(
    device: Device,
    windowId: number,
    ticket: Ticket,
    status: 'completed' | 'no_show',
    at: Date,
  ): void {
    endTicket.run(status, at.toISOString(), ticket.id);
    record(status === 'completed' ? 'complete' : 'no_show', device, at, { windowId, ticketId: ticket.id });
  }

  /** Runs one action on the window's current ticket and announces it. */
  function actOnCurrentTicket(
    device: Device,
    windowId: number,
    act: (current: Ticket, at: Date) => void,
  ): { ticket: Ticket } {
    requireCounterAt(device, windowId);
    const ticket = db
      .transaction(() => {
        requireClerk(windowId);
        const current = requireCurrentTicket(windowId);
        act(current, clock());
        return selectTicket.get(current.id) as Ticket;
      })
      .immediate();
    announce({ queue: true, windowIds: [windowId], by: device });
    return { ticket };
  }

  return {
    version: queueVersion,

    health(): RouteResponse<'health'> {
      return { ok: true, serverTime: clock().toISOString(), version: API_VERSION };
    },

    createEnrollmentCode(request: {
      role: DeviceRole;
      windowId: number | null;
    }): RouteResponse<'createEnrollmentCode'> {
      if (request.role === 'counter' && request.windowId === null) {
        throw new HallError('BAD_REQUEST', '柜台终端必须绑定一个窗口，请指定窗口编号', 400);
      }
      if (request.role === 'kiosk' && request.windowId !== null) {
        throw new HallError('BAD_REQUEST', '取号机不属于任何窗口，请不要指定窗口编号', 400);
      }
      if (request.windowId !== null) requireWindow(request.windowId);
      const now = clock();
      const expiresAt = new Date(now.getTime() + ENROLLMENT_CODE_LIFETIME_MS).toISOString();
      for (;;) {
        const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
        const inserted = insertEnrollmentCode.run(
          code,
          request.role,
          request.windowId,
          now.toISOString(),
          expiresAt,
        );
        if (inserted.changes === 1) return { code, expiresAt };
      }
    },

    /** Enrolls with a one-time code; `source` (the caller's address) is what failed guesses count against. */
    enroll(request: { code: string; deviceName: string }, source: string): RouteResponse<'enroll'> {
      const at = clock();
      throttle.checkEnrollment(source);
      const enrollment = db
        .transaction(() => {
          const code = selectUsableCode.get(request.code, at.toISOString());
          if (!code) return null;
          // Sequential and never reused, so a number names one device for good:
          // case numbers made offline by a device include it.
          const deviceNo = (selectLastDeviceNo.get() ?? 0) + 1;
          if (deviceNo > MAX_DEVICE_NO) {
            throw new HallError(
              'CONFLICT',
              `本大厅的设备编号（1–${MAX_DEVICE_NO}）已用完，不能再注册新设备；请联系系统管理员`,
              409,
            );
          }
          const deviceId = randomUUID();
          const token = randomBytes(32).toString('base64url');
          insertDevice.run(
            deviceId,
            deviceNo,
            request.deviceName,
            code.role,
            code.windowId,
            hashToken(token),
            at.toISOString(),
          );
          markCodeUsed.run(deviceId, request.code);
          return { deviceId, deviceNo, token, role: code.role, windowId: code.windowId };
        })
        .immediate();
      if (!enrollment) {
        throttle.enrollmentFailed(source);
        throw new HallError('ENROLLMENT_CODE_INVALID', '注册码无效或已使用，请向管理员重新获取', 400);
      }
      throttle.enrollmentSucceeded(source);
      return enrollment;
    },

    /**
     * 设备核对: proves this server holds the device's registration, for a
     * counter about to move here (main/counter.ts, changeServerAddress). Needs
     * no token; the answer is an HMAC keyed with the stored token hash, so it
     * tells the caller nothing it could sign in with. `source` (the caller's
     * address) is what the rate limit counts against.
     */
    deviceProof(deviceId: string, nonce: string, source: string): RouteResponse<'deviceProof'> {
      const now = clock().getTime();
      if (deviceProofRequests.size >= DEVICE_PROOF_SOURCES_TRACKED) {
        for (const [key, entry] of deviceProofRequests) {
          if (now - entry.since > DEVICE_PROOF_WINDOW_MS) deviceProofRequests.delete(key);
        }
        if (deviceProofRequests.size >= DEVICE_PROOF_SOURCES_TRACKED) deviceProofRequests.clear();
      }
      const earlier = deviceProofRequests.get(source);
      const current = earlier && now - earlier.since <= DEVICE_PROOF_WINDOW_MS ? earlier : { count: 0, since: now };
      if (current.count >= DEVICE_PROOFS_ALLOWED) {
        throw new HallError(
          'BUSY',
          `设备核对请求过于频繁，请 ${DEVICE_PROOF_WINDOW_MS / 60_000} 分钟后再试`,
          429,
        );
      }
      deviceProofRequests.set(source, { count: current.count + 1, since: current.since });
      const tokenHash = selectTokenHashById.get(deviceId);
      if (tokenHash === undefined) {
        throw new HallError(
          'NOT_FOUND',
          '本服务器没有这台设备的注册记录：请核对服务器地址是否为本大厅的服务器，或向管理员获取注册码重新注册',
          404,
        );
      }
      return { proof: deviceProof(Buffer.from(tokenHash, 'hex'), deviceId, nonce) };
    },

    /** The device a bearer token belongs to, or null. */
    authenticate(token: string): Device | null {
      return selectDeviceByTokenHash.get(hashToken(token)) ?? null;
    },

    /**
     * Signs a clerk in at the device's window. Refused before the password is
     * checked while the staff number, the device or `source` is locked; a
     * wrong password is counted, and answered after a growing delay
     * (server/throttle.ts).
     */
    async signIn(
      device: Device,
      request: { staffNo: string; password: string },
      source: string,
    ): Promise<RouteResponse<'signIn'>> {
      const windowId = requireOwnWindow(device);
      requireWindow(windowId);
      const keys = { staffNo: request.staffNo, deviceId: device.id, address: source };
      const policy = signInPolicy();
      const attempt = throttle.beginSignIn(keys, policy);
      let staff: Staff | null;
      try {
        staff = await checkPassword(request);
      } catch (error) {
        throttle.signInAbandoned(attempt);
        throw error;
      }
      if (!staff) {
        const failure = throttle.signInFailed(attempt, policy);
        if (failure.lock) throw failure.lock;
        await sleep(signInDelayMs(failure.delayMs));
        throw new HallError('SIGN_IN_FAILED', '工号或密码错误，请重新输入', 401);
      }
      throttle.signInSucceeded(attempt);
      const at = clock();
      // A clerk sits at one window, and a window has one clerk: end whatever stands in the way.
      const ended = db
        .transaction(() => {
          const sessions = selectSessionsToEnd.all(staff.id, windowId);
          for (const session of sessions) {
            deleteSession.run(session.windowId);
            record('sign_out', device, at, session);
          }
          insertSession.run(windowId, staff.id, device.id, at.toISOString());
          record('sign_in', device, at, { windowId, staffId: staff.id });
          return sessions;
        })
        .immediate();
      announce({ queue: false, windowIds: [windowId, ...ended.map((session) => session.windowId)] });
      return { staff, signedInAt: at.toISOString() };
    },

    /** Staff numbers, devices and addresses with failed sign-ins counted now, and which are locked. */
    signInLocks(): { locks: SignInLockEntry[]; serverTime: string } {
      return { locks: throttle.signInLocks(signInPolicy()), serverTime: clock().toISOString() };
    },

    /** A hall manager unlocks: the counts of the keys given start over. Returns what they held. */
    unlockSignIn(which: Partial<Record<SignInScope, string>>): { cleared: SignInLockEntry[] } {
      return { cleared: throttle.clearSignIn(which, signInPolicy()) };
    },

    /** Whether a hall manager is signed in at the counter `device` (the rule of 同步异常 and 解除登录锁定). */
    /** The hall manager signed in at the requesting counter's window (their staff number), or null. */
    managerAt(device: Device): { staffNo: string } | null {
      if (device.role !== 'counter' || device.windowId === null) return null;
      const session = selectClerk.get(device.windowId);
      const staff = session ? config.get('staff', String(session.staffId)) : null;
      return staff && staff.role === 'manager' ? { staffNo: staff.staffNo } : null;
    },

    managerSignedInAt(device: Device): boolean {
      if (device.role !== 'counter' || device.windowId === null) return false;
      const session = selectClerk.get(device.windowId);
      return session !== undefined && config.get('staff', String(session.staffId))?.role === 'manager';
    },

    signOut(device: Device): RouteResponse<'signOut'> {
      const windowId = requireOwnWindow(device);
      const signedOut = db
        .transaction(() => {
          const session = selectClerk.get(windowId);
          if (!session) return false;
          deleteSession.run(windowId);
          record('sign_out', device, clock(), { windowId, staffId: session.staffId });
          return true;
        })
        .immediate();
      if (signedOut) announce({ queue: false, windowIds: [windowId] });
      return { ok: true };
    },

    /** stream=config. A kiosk gets no staff entries (names, staff numbers, photos): the cursor still moves past them. */
    pullConfig(device: Device, cursor: number, limit: number): RouteResponse<'pull'> {
      if (cursor > config.version()) {
        throw new HallError(
          'CONFLICT',
          '同步游标超出服务器现有数据（服务器数据可能已重建），请清空本地配置后从头同步',
          410,
        );
      }
      const page = config.pull(cursor, limit);
      if (device.role === 'counter') return page;
      return { ...page, changes: page.changes.filter((entry) => entry.change.kind !== 'staff') };
    },

    issueTicket(
      device: Device,
      request: { lineId: string; priority: Priority },
    ): RouteResponse<'issueTicket'> {
      const line = config.get('line', request.lineId);
      if (!line)
        throw new HallError('NOT_FOUND', `业务类型 ${request.lineId} 不存在，请选择大厅开设的业务`, 404);
      const issued = db
        .transaction(() => {
          const at = clock();
          const day = businessDay(at);
          const { seq, number } = nextNumber(day, line.id);
          if (seq > MAX_TICKETS_PER_LINE_PER_DAY) {
            throw new HallError(
              'CONFLICT',
              `今日「${line.name}」的号已全部取完，请明日再来或咨询大厅工作人员`,
              409,
            );
          }
          const id = insertTicket.get(day, line.id, seq, number, request.priority, at.toISOString(), device.id)!;
          const ticket = selectTicket.get(id) as Ticket;
          record('issue', device, at, { ticketId: ticket.id });
          return { ticket, ahead: aheadOf(day, ticket) };
        })
        .immediate();
      announce({ queue: true, windowIds: [] });
      return issued;
    },

    queueSummary(): RouteResponse<'queueSummary'> {
      // A read transaction, so that the counts and the version belong together.
      return db.transaction(() => {
        const waiting = new Map(
          selectWaitingCounts.all(businessDay(clock())).map((row) => [row.lineId, row.waiting]),
        );
        const lines: LineQueue[] = config
          .list('line')
          .map((line) => ({ lineId: line.id, name: line.name, waiting: waiting.get(line.id) ?? 0 }));
        return { version: queueVersion(), lines };
      })();
    },

    /** A window's state. Only a counter is told who is signed in there (a kiosk always reads clerk: null). */
    windowStatus(device: Device, windowId: number): RouteResponse<'windowStatus'> {
      return db.transaction(() => {
        const window = requireWindow(windowId);
        const session = device.role === 'counter' ? selectClerk.get(windowId) : undefined;
        return {
          window,
          current: selectCurrentTicket.get(windowId) ?? null,
          clerk: session ? config.get('staff', String(session.staffId)) : null,
        };
      })();
    },

    /**
     * Completes the window's current ticket and calls the best waiting one, in
     * one immediate transaction: the write lock makes two windows' calls take
     * turns, so a ticket is claimed once. The reply is kept under the key.
     */
    callNext(device: Device, windowId: number, idempotencyKey: string): RouteResponse<'callNext'> {
      const window = requireCounterAt(device, windowId);
      if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw new HallError(
          'BAD_REQUEST',
          `Idempotency-Key 过长（最多 ${MAX_IDEMPOTENCY_KEY_LENGTH} 个字符），请改用 UUID`,
          400,
        );
      }
      const { reply, changed } = db
        .transaction(() => {
          const earlier = selectReply.get(windowId, idempotencyKey);
          if (earlier !== undefined)
            return { reply: JSON.parse(earlier) as RouteResponse<'callNext'>, changed: false };
          requireClerk(windowId);
          const pausedFor = selectPauseReason.get(windowId);
          if (pausedFor !== undefined) throw pausedRefusal(pausedFor);
          const at = clock();
          const current = selectCurrentTicket.get(windowId);
          if (current) finishTicket(device, windowId, current, 'completed', at);
          const next = rankWaiting(waitingHeads(businessDay(at), window), window)[0];
          let called: Ticket | null = null;
          if (next) {
            called = claimTicket.get(windowId, at.toISOString(), next.id) ?? null;
            if (!called) throw new Error(`ticket ${next.id} was claimed twice`);
            record('call', device, at, { windowId, ticketId: next.id });
          }
          const reply = { ticket: called };
          insertReply(windowId, idempotencyKey, JSON.stringify(reply), at.toISOString());
          return { reply, changed: Boolean(current || next) };
        })
        .immediate();
      if (changed) announce({ queue: true, windowIds: [windowId], by: device });
      return reply;
    },

    /**
     * Forgets call-next replies older than CALL_NEXT_REPLY_KEEP_MS (by the
     * hall clock); a retry only ever comes within minutes. Returns how many went.
     */
    pruneCallNextReplies(): number {
      const cutoff = new Date(clock().getTime() - CALL_NEXT_REPLY_KEEP_MS).toISOString();
      return deleteRepliesBefore.run(cutoff).changes;
    },

    recall(device: Device, windowId: number): RouteResponse<'recall'> {
      return actOnCurrentTicket(device, windowId, (current, at) => {
        incrementRecalls.run(current.id);
        record('recall', device, at, { windowId, ticketId: current.id });
      });
    },

    noShow(device: Device, windowId: number): RouteResponse<'noShow'> {
      return actOnCurrentTicket(device, windowId, (current, at) => {
        const required = config.get('settings', 'hall')?.noShowMinRecalls ?? 0;
        if (current.recallCount < required) {
          throw new HallError(
            'RECALLS_REQUIRED',
            `请至少重呼 ${required} 次后再过号（${current.number} 已重呼 ${current.recallCount} 次）`,
            409,
          );
        }
        finishTicket(device, windowId, current, 'no_show', at);
      });
    },

    /**
     * 现场补号: the next range of walk-in numbers for the window today, after
     * every range leased before (whichever counter took it), so ranges never
     * overlap. The day is the hall's (Beijing) date, as the counter counts it.
     */
    leaseWalkIns(device: Device, windowId: number): RouteResponse<'walkInLease'> {
      const window = requireCounterAt(device, windowId);
      return db
        .transaction(() => {
          const at = clock();
          const day = isoDateAt(at);
          const last = db
            .prepare<[number, string], { last: number | null }>(
              'SELECT MAX(to_no) AS last FROM walk_in_leases WHERE window_id = ? AND day = ?',
            )
            .get(windowId, day)!.last ?? 0;
          if (last >= MAX_WALK_IN_PER_WINDOW_PER_DAY) {
            throw new HallError('CONFLICT', `今日本窗口的现场补号已全部发完（${MAX_WALK_IN_PER_WINDOW_PER_DAY} 个），请群众到取号机取号`, 409);
          }
          const from = last + 1;
          const to = Math.min(from + WALK_IN_LEASE_SIZE - 1, MAX_WALK_IN_PER_WINDOW_PER_DAY);
          db.prepare(
            'INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (?, ?, ?, ?, ?, ?)',
          ).run(windowId, day, from, to, device.id, at.toISOString());
          return { prefix: walkInPrefix(window.code), day, from, to, leasedAt: at.toISOString() };
        })
        .immediate();
    },

    complete(device: Device, windowId: number): RouteResponse<'complete'> {
      return actOnCurrentTicket(device, windowId, (current, at) =>
        finishTicket(device, windowId, current, 'completed', at),
      );
    },
  };
}
