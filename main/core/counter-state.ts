// What every feature of the counter reads and a few of them change: this
// counter's enrollment, the hall's cached config, the window's status (clerk,
// ticket in hand), the 暂停服务 lock and the connection. Features receive it
// in their constructor; nothing here talks to a device or decides a feature's
// rule. Every change that a screen shows ends with publish().
import type { ConnectionState } from '../../common/contract.ts';
import { HallError, managerOnlyMessage } from '../../common/errors.ts';
import type { WindowStatus } from '../../common/http-api.ts';
import type { HallWindow, Staff, Ticket } from '../../common/model.ts';
import type { CounterOptions } from '../counter-api.ts';
import { HallClient } from '../hall-client.ts';
import type { Logger } from '../log.ts';
import type { SecretStore } from '../secret-store.ts';
import type { CounterStore, HallConfig, StoredEnrollment } from '../store/counter-store.ts';

/** The secret store's key for the device token. */
export const DEVICE_TOKEN = 'device-token';
export const DEFAULT_HALL_NAME = '政务服务中心';
export const NOT_ENROLLED_MESSAGE = '本终端尚未注册，请先输入大厅服务器地址和注册码';
export const SCREEN_LOCKED_MESSAGE = '屏幕已锁定（暂停服务），请先输入密码解锁';

/** Where a case is taken: who is signed in at which window, and the ticket in hand. */
export interface CaseContext {
  windowId: number;
  /** HallWindow.code; null while the window's config has not been pulled yet. */
  windowCode: string | null;
  staffNo: string;
  /** Enrollment.deviceNo; null for a counter enrolled before device numbers existed. */
  deviceNo: number | null;
  /** The ticket the window is serving now, from the counter's window state. */
  ticket: { number: string; calledAt: string | null } | null;
}

export interface CounterStateOptions {
  store: CounterStore;
  options: CounterOptions;
  clock: () => Date;
  log: Logger;
  secrets: SecretStore;
  fetch: typeof fetch | undefined;
}

export class CounterState {
  readonly store: CounterStore;
  readonly options: CounterOptions;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly secrets: SecretStore;
  readonly fetch: typeof fetch | undefined;

  enrollment: StoredEnrollment | null;
  config: HallConfig;
  status: WindowStatus | null;
  connection: Omit<ConnectionState, 'syncIssue'>;
  /** A clerk signed in against the stored verifier while the server was unreachable. */
  offlineClerk: Staff | null = null;
  closed = false;
  /** Recomputes the views and emits those that changed (set by the counter once the views exist). */
  publish: () => void = () => {};
  /** The server could not be reached: the live link ends and reconnects (set by the hall link). */
  onUnreachable: () => void = () => {};
  /**
   * How many times this counter's own actions (an answer to 叫号, 办结, 转窗…)
   * have set the ticket in hand: a read of the window begun before one of them
   * may hold the ticket it just ended (see HallLink.refreshWindow).
   */
  currentChanges = 0;
  /** 暂停服务 (a lock without a clerk is void: see isLocked; a restart signs the clerk out). */
  private locked = false;
  private client: HallClient | null = null;

  constructor(options: CounterStateOptions) {
    this.store = options.store;
    this.options = options.options;
    this.clock = options.clock;
    this.log = options.log;
    this.secrets = options.secrets;
    this.fetch = options.fetch;
    this.enrollment = this.store.enrollment();
    this.config = this.store.config();
    this.status = this.store.windowStatus();
    this.connection = {
      state: this.enrollment ? 'connecting' : 'offline',
      serverUrl: this.enrollment?.serverUrl ?? null,
      since: this.clock().toISOString(),
      reason: this.enrollment ? null : '本终端尚未注册到大厅服务器',
    };
  }

  // ---- where this counter is ------------------------------------------------

  windowId(): number | null {
    return this.enrollment?.windowId ?? null;
  }

  /** This counter's window: from the hall's config, else from the last status the server sent. */
  window(): HallWindow | null {
    const windowId = this.windowId();
    return (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
  }

  hallName(): string {
    return this.config.settings?.hallName ?? DEFAULT_HALL_NAME;
  }

  requireEnrolled(): { enrollment: StoredEnrollment; windowId: number } {
    const windowId = this.windowId();
    if (!this.enrollment || windowId === null) throw new HallError('NOT_ENROLLED', NOT_ENROLLED_MESSAGE, 409);
    return { enrollment: this.enrollment, windowId };
  }

  // ---- who is at the window -------------------------------------------------

  requireClerk(): Staff {
    const clerk = this.status?.clerk;
    if (!clerk) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    return clerk;
  }

  requireManager(message = managerOnlyMessage('设备设置')): Staff {
    const clerk = this.status?.clerk;
    if (!clerk || clerk.role !== 'manager') throw new HallError('FORBIDDEN', message, 403);
    return clerk;
  }

  /** Who takes a case or a walk-in where: the signed-in clerk at this counter's window, and the ticket in hand. */
  caseContext(): CaseContext {
    const { enrollment, windowId } = this.requireEnrolled();
    const clerk = this.requireClerk();
    const current = this.status?.current ?? null;
    return {
      windowId,
      windowCode: this.window()?.code ?? null,
      staffNo: clerk.staffNo,
      deviceNo: enrollment.deviceNo,
      ticket: current && { number: current.number, calledAt: current.calledAt },
    };
  }

  /** The status the server (or an offline sign-in) gives; kept in SQLite for a restart. */
  setStatus(status: WindowStatus | null): void {
    this.status = status;
    if (status) this.store.saveWindowStatus(status);
  }

  setCurrent(ticket: Ticket | null): void {
    this.currentChanges++;
    if (this.status) this.setStatus({ ...this.status, current: ticket });
    this.publish();
  }

  /** Locked with a clerk signed in (sign-in always starts unlocked). */
  isLocked(): boolean {
    return this.locked && (this.status?.clerk ?? null) !== null;
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
  }

  // ---- the hall server ------------------------------------------------------

  requireClient(): HallClient {
    if (!this.enrollment) throw new HallError('NOT_ENROLLED', NOT_ENROLLED_MESSAGE, 409);
    if (!this.client) {
      const token = this.secrets.get(DEVICE_TOKEN);
      if (!token) throw new HallError('NOT_ENROLLED', '本终端的设备令牌丢失，请联系管理员重新注册', 409);
      this.client = new HallClient({ baseUrl: this.enrollment.serverUrl, token, fetch: this.fetch });
    }
    return this.client;
  }

  /** Where the outbox is pushed; null while not enrolled, closing, or without a device token. */
  pushTarget(): { client: HallClient; deviceId: string } | null {
    if (!this.enrollment || this.closed) return null;
    try {
      return { client: this.requireClient(), deviceId: this.enrollment.deviceId };
    } catch {
      return null;
    }
  }

  /** A new enrollment or server address: the next request builds its client anew. */
  setEnrollment(enrollment: StoredEnrollment): void {
    this.enrollment = enrollment;
    this.client = null;
  }

  /** Runs a server request; a network failure also marks the counter offline. */
  async online<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
        this.setConnection('offline', error.message);
        this.onUnreachable();
      }
      throw error;
    }
  }

  setConnection(state: ConnectionState['state'], reason: string | null): void {
    if (this.connection.state === state && this.connection.reason === reason) return;
    this.connection = {
      state,
      reason,
      serverUrl: this.enrollment?.serverUrl ?? null,
      since: this.clock().toISOString(),
    };
    this.log.info('connection', { state, reason });
    this.publish();
  }
}
