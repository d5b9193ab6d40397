// The counter core: holds this window's state, talks to the hall server, and
// publishes the clerk's and the citizen's views as contract events. Plain
// Node: the data folder, clock, fetch and secrets come in from the host.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { calls, type CallLogEntry, type CallArgs, type CallResult, type CallSpec, type ClerkState, type ConnectionState, type OutwardView } from '../common/contract.ts';
import { HallError, managerOnlyMessage } from '../common/errors.ts';
import type { HallEvent, PullStream, WindowStatus } from '../common/http-api.ts';
import type { CallName, EventName } from '../common/ipc-names.ts';
import type { Staff, Ticket } from '../common/model.ts';
import type { CaseRecord } from '../common/cases.ts';
import { DeviceSettingChange, type DeviceSetupView, type OutwardScreenStatus } from '../common/device-setup.ts';
import {
  describeMutation,
  SYNC_ISSUES_LIMIT,
  SYNC_ISSUES_OFFLINE,
  type SyncIssuesView,
} from '../common/sync-issues.ts';
import { CaseService, type CaseContext } from './cases/case-service.ts';
import { ClerkCredentials } from './session/clerk-credentials.ts';
import { RatingService } from './ratings/rating-service.ts';
import { CounterDevices, DEFAULT_HALL_NAME } from './device-setup/counter-devices.ts';
import type { Timers } from './devices/evaluator/clock.ts';
import type { DiscoveryDeps } from './devices/discovery.ts';
import { DEFAULT_RETENTION_DAYS, Retention, type RetentionTimer } from './retention.ts';
import type { Counter, CounterOptions, LocalSettings } from './counter-api.ts';
import { HallClient } from './hall-client.ts';
import { deviceProofMatches, expectedDeviceProof, newDeviceProofNonce } from './session/device-proof.ts';
import { silentLogger, type Logger } from './log.ts';
import { FileSecretStore, type SecretStore } from './secret-store.ts';
import { CounterStore, type HallConfig, type StoredEnrollment } from './store/counter-store.ts';
import { openDatabase } from './store/database.ts';
import { Outbox, OutboxNotSettled } from './store/outbox.ts';
import { walkInTicket } from './devices/printer/templates.ts';
import type { TextRasteriser } from './devices/printer/text-raster.ts';
import type { PrintService } from './printing/print-service.ts';
import { Pusher, type PushTuning } from './sync/pusher.ts';
import { SyncStreams } from './sync/streams.ts';
import { TYPED_TICKET_ONLINE, typedTicketNumber, TypedTickets } from './queue/typed-tickets.ts';
import { WALK_IN_LOW_WATER, WalkIns } from './queue/walk-ins.ts';

export interface CounterDependencies {
  fetch?: typeof fetch;
  secrets?: SecretStore;
  /** Reconnect delay after the n-th failed attempt (ms); default: full-jitter backoff 1 s → 30 s. */
  retryDelay?: (attempt: number) => number;
  /** Push loop timing (main/sync/pusher.ts); defaults: batches of 500, backoff 1 s → 60 s, 30 s timeout. */
  push?: Partial<PushTuning>;
  /** The daily retention run (main/retention.ts); default: a real, unref'd interval. */
  retentionTimer?: RetentionTimer;
  /** Serial port discovery for 设备设置 (main/devices/discovery.ts); default: the real system. */
  discovery?: Partial<DiscoveryDeps>;
  /** Draws print lines the printer cannot print (tests pass one without system fonts). */
  rasteriser?: TextRasteriser;
  /** 测试评价's time limit (s); default 30. */
  evaluatorTestSeconds?: number;
  /** How long 显示测试画面 lasts (ms); default 10 s. */
  testPatternMs?: number;
  /** How often a known USB serial device (evaluator, serial printer) is looked for after a replug (ms); default 2000. */
  portPollMs?: number;
  /** The timers of that poll; default: real ones, unref'd. */
  portTimers?: Timers;
}

const TOKEN = 'device-token';
export const SCREEN_LOCKED_MESSAGE = '屏幕已锁定（暂停服务），请先输入密码解锁';
export async function openCounter(options: CounterOptions, deps: CounterDependencies = {}): Promise<Counter> {
  mkdirSync(options.dataDir, { recursive: true });
  const store = new CounterStore(openDatabase(join(options.dataDir, 'counter.db')));
  const counter = new CounterService(store, options, deps);
  await counter.start();
  return counter;
}

type Listener = (name: EventName, payload: unknown) => void;

class CounterService implements Counter {
  private readonly store: CounterStore;
  private readonly options: CounterOptions;
  private readonly secrets: SecretStore;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly retryDelay: (attempt: number) => number;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly listeners = new Set<Listener>();
  private readonly localSettingsListeners = new Set<() => void>();
  private outwardStatus: OutwardScreenStatus = { level: 'error', message: '对外屏未打开：请检查外屏显示器' };
  private readonly published = new Map<EventName, string>();
  private readonly cases: CaseService;
  private readonly ratings: RatingService;
  private readonly outbox: Outbox;
  private readonly pusher: Pusher;
  private readonly streams: SyncStreams;
  /** 设备设置: the setup in use, the printer, the evaluator, the device tests (main/counter-devices.ts). */
  private readonly devices: CounterDevices;
  /** 暂停服务 (persisted). */
  private locked: boolean;
  /** Set by changeServerAddress: the next connection attempt goes at once. */
  private reconnectNow = false;
  private readonly credentials: ClerkCredentials;
  private readonly retention: Retention;
  private readonly walkIns: WalkIns;
  private readonly typedTickets: TypedTickets;
  /** A clerk signed in against the stored verifier while the server was unreachable. */
  private offlineClerk: Staff | null = null;

  private enrollment: StoredEnrollment | null;
  private client: HallClient | null = null;
  private config: HallConfig;
  private status: WindowStatus | null;
  private connection: Omit<ConnectionState, 'syncIssue'>;
  private closed = false;
  private stream: AbortController | null = null;
  private wakeRetry: (() => void) | null = null;
  private connectLoop: Promise<void> | null = null;
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly refreshAgain = new Set<string>();

  constructor(store: CounterStore, options: CounterOptions, deps: CounterDependencies) {
    this.store = store;
    this.options = options;
    this.locked = store.screenLocked();
    this.secrets = deps.secrets ?? new FileSecretStore(options.dataDir);
    this.fetchImpl = deps.fetch;
    this.retryDelay = deps.retryDelay ?? ((attempt) => Math.random() * Math.min(30_000, 1000 * 2 ** attempt));
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLogger;
    this.enrollment = store.enrollment();
    this.config = store.config();
    this.status = store.windowStatus();
    this.devices = new CounterDevices({
      store,
      clock: this.clock,
      log: this.log,
      deps,
      launcher: { printer: options.printer, evaluator: options.evaluator },
      config: () => this.config,
      windowId: () => this.windowId(),
      windowName: () => this.windowName(),
      server: () => ({ url: this.enrollment?.serverUrl ?? null, deviceNo: this.enrollment?.deviceNo ?? null }),
      displays: () => this.options.displays?.() ?? [],
      ratings: () => this.ratings,
      onChange: () => this.publish(),
      onOutwardDisplayChange: () => this.localSettingsChanged(),
    });
    this.streams = new SyncStreams(store, this.log);
    this.credentials = new ClerkCredentials(store.db, { clock: this.clock });
    this.retention = new Retention({
      db: store.db,
      clock: this.clock,
      days: () => this.config.settings?.retentionDays ?? DEFAULT_RETENTION_DAYS,
      log: this.log,
      timer: deps.retentionTimer,
    });
    // Every local commit that records a mutation starts a push (after the commit).
    this.outbox = new Outbox(store.db, { clock: this.clock, onAppend: () => this.pusher.kick() });
    this.pusher = new Pusher({
      outbox: this.outbox,
      target: () => this.pushTarget(),
      log: this.log,
      onChange: () => this.publish(),
      tuning: deps.push,
    });
    this.walkIns = new WalkIns({ db: store.db, outbox: this.outbox, clock: this.clock });
    this.typedTickets = new TypedTickets({ db: store.db, outbox: this.outbox, clock: this.clock });
    this.cases = new CaseService({
      store,
      outbox: this.outbox,
      clock: this.clock,
      log: this.log,
      config: () => this.config,
      context: () => this.caseContext(),
    });
    this.ratings = new RatingService({
      db: store.db,
      outbox: this.outbox,
      clock: this.clock,
      log: this.log,
      evaluator: this.devices.initialEvaluator(),
      settings: () => ({
        ratingTimeLimitSeconds: this.config.settings?.ratingTimeLimitSeconds ?? 60,
        badRatingFollowUpWorkingDays: this.config.settings?.badRatingFollowUpWorkingDays ?? 5,
      }),
      calendars: () => this.cases.calendars(),
      today: () => this.cases.today(),
      who: () => (this.status?.clerk ? { staffNo: this.status.clerk.staffNo, role: this.status.clerk.role } : null),
      onChange: () => this.publish(),
    });
    this.connection = {
      state: this.enrollment ? 'connecting' : 'offline',
      serverUrl: this.enrollment?.serverUrl ?? null,
      since: this.clock().toISOString(),
      reason: this.enrollment ? null : '本终端尚未注册到大厅服务器',
    };
  }

  async start(): Promise<void> {
    const clerk = this.status?.clerk ?? null;
    this.ratings.restoreShown(
      clerk && { staffNo: clerk.staffNo, name: clerk.name },
      clerk === null || this.isLocked() ? 'paused' : this.status?.current ? 'serving' : 'idle',
    );
    this.ratings.start();
    // Personal data of concluded, synced cases past the hall's retention days: purged now and daily.
    this.retention.start();
    if (!this.enrollment && this.options.autoEnroll) {
      try {
        await this.enroll(this.options.autoEnroll);
      } catch (error) {
        this.log.warn('automatic enrollment failed', { error: String(error) });
      }
    }
    this.ensureConnecting();
    // Whatever an earlier run left unsent goes now, without waiting for the live link.
    this.pusher.kick();
    this.devices.start();
  }

  localSettings(): LocalSettings {
    return { outwardDisplayId: this.devices.effective.outwardDisplayId };
  }

  onLocalSettingsChange(listener: () => void): () => void {
    this.localSettingsListeners.add(listener);
    return () => this.localSettingsListeners.delete(listener);
  }

  private localSettingsChanged(): void {
    for (const listener of [...this.localSettingsListeners]) {
      try {
        listener();
      } catch (error) {
        this.log.warn('local settings listener failed', { error: String(error) });
      }
    }
  }

  setOutwardStatus(status: OutwardScreenStatus): void {
    if (this.closed) return;
    this.outwardStatus = status;
    this.publish();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.devices.stop();
    this.retention.stop();
    this.stream?.abort();
    this.wakeRetry?.();
    await this.connectLoop;
    await Promise.allSettled(this.refreshing.values());
    await this.ratings.close();
    await this.pusher.close();
    await this.devices.close();
    this.store.db.close();
  }

  async call(name: CallName, args: unknown): Promise<unknown> {
    // Who may make the call is part of the contract (common/contract.ts).
    const spec: CallSpec = calls[name];
    if (this.isLocked() && !spec.whileLocked) throw new HallError('SCREEN_LOCKED', SCREEN_LOCKED_MESSAGE, 423);
    if (spec.manager) this.requireManager(managerOnlyMessage(spec.manager));
    switch (name) {
      case 'getClerkState':
        return this.clerkState();
      case 'getOutwardView':
        return this.outwardView();
      case 'enroll':
        await this.enroll(args as CallArgs<'enroll'>);
        this.ensureConnecting();
        return this.clerkState();
      case 'reenroll':
        return this.reenroll(args as CallArgs<'reenroll'>);
      case 'signIn':
        return this.signIn(args as CallArgs<'signIn'>);
      case 'signOut':
        return this.signOut();
      case 'callNext':
      case 'recall':
      case 'noShow':
      case 'complete':
        return this.windowAction(name);
      // Cases only write locally: they work while the hall server is offline.
      case 'getCatalogue':
        return this.cases.catalogue();
      case 'updateCaseDraft': {
        const view = this.cases.updateDraft((args as CallArgs<'updateCaseDraft'>).draft);
        this.publish();
        return view;
      }
      case 'submitCase': {
        const record = this.cases.submit(args as CallArgs<'submitCase'>);
        // After the commit: its slip joins the print queue (never throws).
        this.printCaseSlip(record);
        this.publish();
        return record;
      }
      case 'finishCase': {
        const { caseNo, outcome } = args as CallArgs<'finishCase'>;
        return this.cases.finish(caseNo, outcome);
      }
      case 'listCases':
        return this.cases.list();
      case 'getFigures':
        return this.cases.figures();
      // Ratings (好差评): main/ratings.ts.
      case 'requestRating':
        return this.requestRating();
      case 'rateByTouch': {
        const { sessionId, level } = args as CallArgs<'rateByTouch'>;
        return this.ratings.rateByTouch(sessionId, level);
      }
      case 'listFollowUps':
        return this.ratings.listFollowUps();
      case 'advanceFollowUp': {
        const { id, note } = args as CallArgs<'advanceFollowUp'>;
        return this.ratings.advanceFollowUp(id, note);
      }
      // 现场补号: from the leased range, online or not.
      case 'issueWalkIn':
        return this.issueWalkIn((args as CallArgs<'issueWalkIn'>).lineId);
      // 手动录入票号: offline only; reconciled by the hall server on reconnect.
      case 'serveTypedTicket':
        return this.serveTypedTicket((args as CallArgs<'serveTypedTicket'>).number);
      case 'listPrintJobs':
        return this.devices.printing?.view() ?? { printer: null, jobs: [] };
      case 'retryPrintJob':
        return this.requirePrinting().retry((args as CallArgs<'retryPrintJob'>).id);
      case 'reprintJob':
        return this.requirePrinting().reprint((args as CallArgs<'reprintJob'>).id);
      case 'previewPrintJob':
        return this.requirePrinting().preview((args as CallArgs<'previewPrintJob'>).id);
      // 暂停服务.
      case 'lockScreen':
        return this.lockScreen();
      case 'unlockScreen':
        return this.unlockScreen((args as CallArgs<'unlockScreen'>).password);
      // 设备设置: a signed-in manager only (checked above).
      case 'getDeviceSetup':
        return this.deviceSetupView();
      case 'listSerialPorts':
        return this.devices.serialPorts();
      case 'saveDeviceSetting':
        // The bridge has checked the change; parsing again fills the defaults (e.g. printer.font) for a direct caller too.
        return this.devices.save(
          DeviceSettingChange.parse((args as CallArgs<'saveDeviceSetting'>).change),
          this.requireManager().staffNo,
        );
      case 'resetDeviceSetting':
        return this.devices.reset((args as CallArgs<'resetDeviceSetting'>).section);
      case 'testPrinter':
        return this.devices.testPrinter();
      case 'pingEvaluator':
        return this.devices.pingEvaluator();
      case 'testEvaluatorRating':
        return this.devices.testEvaluatorRating();
      case 'testOutwardDisplay':
        return this.devices.testOutwardDisplay();
      case 'testVoice':
        return this.devices.testVoice();
      case 'exportDeviceSetup':
        return this.devices.exportSetup();
      case 'importDeviceSetup':
        return this.devices.importSetup(
          (args as CallArgs<'importDeviceSetup'>).text,
          () => this.requireManager().staffNo,
        );
      case 'changeServerAddress':
        return this.changeServerAddress((args as CallArgs<'changeServerAddress'>).serverUrl);
      // 同步异常: a signed-in manager only (checked above).
      case 'listSyncIssues':
        return this.listSyncIssues();
    }
  }

  // ---- 同步异常 -------------------------------------------------------------

  /**
   * What the hall server refused: this counter's rejected outbox rows (本机)
   * and the hall's list (全大厅), online only. Kinds and numbers, never a
   * record's content.
   */
  private async listSyncIssues(): Promise<SyncIssuesView> {
    const client = this.requireClient();
    const offline = () => new HallError('SERVER_UNREACHABLE', SYNC_ISSUES_OFFLINE, 503);
    if (this.connection.state === 'offline') throw offline();
    let hall;
    try {
      hall = await this.online(() => client.request('syncIssues', { query: { limit: SYNC_ISSUES_LIMIT } }));
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') throw offline();
      throw error;
    }
    const local = this.outbox.rejected(SYNC_ISSUES_LIMIT).map((entry) => ({
      seq: entry.seq,
      name: entry.name,
      ...describeMutation(entry.name, entry.args),
      at: entry.at,
      reason: entry.reason,
    }));
    return { windowId: this.windowId(), local, hall };
  }

  // ---- 设备设置 -------------------------------------------------------------

  private requireManager(message = managerOnlyMessage('设备设置')): Staff {
    const clerk = this.status?.clerk;
    if (!clerk || clerk.role !== 'manager') throw new HallError('FORBIDDEN', message, 403);
    return clerk;
  }

/**
   * The setup may have changed (a local setting, an import, a config pull, an
   * enrollment): CounterDevices rebuilds what changed, one run at a time.
   */
  private applyDevices(): Promise<void> {
    return this.devices.apply();
  }

  private windowName(): string | null {
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    return window?.name ?? null;
  }

  private deviceSetupView(): DeviceSetupView {
    return this.devices.view();
  }

  /**
   * The same device (same token) at a new address: kept only when that server accepts this device.
   * The token goes there only after the server has proved it holds this device's registration
   * (设备核对, common/http-api.ts deviceProof): a mistyped or hostile address never receives it.
   */
  private async changeServerAddress(serverUrl: string): Promise<DeviceSetupView> {
    const enrollment = this.enrollment;
    const windowId = this.windowId();
    if (!enrollment || windowId === null) {
      throw new HallError('NOT_ENROLLED', '本终端尚未注册，请先输入大厅服务器地址和注册码', 409);
    }
    const token = this.secrets.get(TOKEN);
    if (!token) throw new HallError('NOT_ENROLLED', '本终端的设备令牌丢失，请联系管理员重新注册', 409);
    // No token on this client: nothing secret goes to the address before it proves itself.
    // Redirects are not followed: the proof must come from this address, not one it points to.
    const fetchImpl = this.fetchImpl ?? fetch;
    const probe = new HallClient({
      baseUrl: serverUrl,
      fetch: (input, init) => fetchImpl(input, { ...init, redirect: 'manual' }),
    });
    const keep = `仍使用原地址 ${enrollment.serverUrl}`;
    const unproven = `新地址 ${probe.baseUrl} 不是本大厅的服务器`;
    const notSent = `未发送设备令牌；请核对地址；${keep}`;
    const nonce = newDeviceProofNonce();
    let proof: string;
    try {
      ({ proof } = await probe.request('deviceProof', { params: { deviceId: enrollment.deviceId }, body: { nonce } }));
    } catch (error) {
      const reason = error instanceof HallError ? error : null;
      let message: string;
      if (reason?.code === 'SERVER_UNREACHABLE') {
        message = `新地址 ${probe.baseUrl} 无法连接（${reason.message}）：请核对地址和网络；未发送设备令牌；${keep}`;
      } else if (reason?.code === 'BUSY') {
        message = `新地址 ${probe.baseUrl} 的服务器暂不受理核对（${reason.message}），未发送设备令牌；请稍后再试；${keep}`;
      } else if (reason?.code === 'NOT_FOUND') {
        // No record of this device there, or no such route (not a hall server, or one too old to prove itself).
        message = `${unproven}：该服务器不认可本终端（未能证明其持有本终端的注册信息；如确为本大厅服务器，请先将其升级到最新版本），${notSent}`;
      } else {
        message = `${unproven}（未能证明其持有本终端的注册信息：${reason?.message ?? String(error)}），${notSent}`;
      }
      this.log.warn('server address not changed: no device proof', { serverUrl: probe.baseUrl, error: String(error) });
      throw new HallError(reason?.code === 'SERVER_UNREACHABLE' ? 'SERVER_UNREACHABLE' : 'BAD_REQUEST', message, 400);
    }
    if (!deviceProofMatches(expectedDeviceProof(token, enrollment.deviceId, nonce), proof)) {
      this.log.warn('server address not changed: device proof mismatch', { serverUrl: probe.baseUrl });
      throw new HallError(
        'BAD_REQUEST',
        `${unproven}：该服务器不认可本终端（其核对应答与本终端的注册信息不符，未能证明其持有本终端的注册信息），${notSent}`,
        400,
      );
    }
    const client = probe.withToken(token);
    try {
      await client.request('windowStatus', { params: { id: windowId } });
    } catch (error) {
      const reason = error instanceof HallError ? error : null;
      let message: string;
      if (reason?.code === 'SERVER_UNREACHABLE') message = `新地址 ${client.baseUrl} 无法连接（${reason.message}）：请核对地址和网络；${keep}`;
      else if (reason?.code === 'UNAUTHORIZED' || reason?.code === 'FORBIDDEN') {
        message = `新地址 ${client.baseUrl} 的服务器不认可本终端（不是本大厅的服务器，或本终端已被注销）：请核对地址；${keep}`;
      } else if (reason?.code === 'NOT_FOUND') {
        message = `新地址 ${client.baseUrl} 的服务器上没有本终端的窗口：请核对地址是否为本大厅服务器；${keep}`;
      } else message = `新地址 ${client.baseUrl} 核对失败（${reason?.message ?? String(error)}）；${keep}`;
      this.log.warn('server address not changed', { serverUrl: client.baseUrl, error: String(error) });
      throw new HallError(reason?.code === 'SERVER_UNREACHABLE' ? 'SERVER_UNREACHABLE' : 'BAD_REQUEST', message, 400);
    }
    this.enrollment = this.store.saveServerUrl(client.baseUrl);
    this.client = null;
    this.log.info('server address changed', { from: enrollment.serverUrl, to: client.baseUrl });
    this.connection = { ...this.connection, serverUrl: client.baseUrl };
    // Reconnect: the live stream ends, the next attempt goes at once to the new address.
    this.reconnectNow = true;
    this.stream?.abort();
    this.wakeRetry?.();
    this.ensureConnecting();
    this.pusher.kick();
    this.publish();
    return this.deviceSetupView();
  }

  // ---- 暂停服务 -------------------------------------------------------------

  /** Locked with a clerk signed in (a lock without one is void: sign-in starts unlocked). */
  private isLocked(): boolean {
    return this.locked && (this.status?.clerk ?? null) !== null;
  }

  private setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.store.saveScreenLocked(locked);
  }

  private lockScreen(): ClerkState {
    if (!this.status?.clerk) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    if (!this.isLocked()) {
      this.setLocked(true);
      // The citizen's rating prompt ends (stored as cancelled); the evaluator shows 暂停服务.
      this.ratings.cancelOpen();
      this.ratings.display('paused');
      this.log.info('screen locked', { staffNo: this.status.clerk.staffNo });
    }
    this.publish();
    return this.clerkState();
  }

  private async unlockScreen(password: string): Promise<ClerkState> {
    const clerk = this.status?.clerk;
    if (!clerk) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    if (!this.isLocked()) return this.clerkState();
    const wrong = () => new HallError('SIGN_IN_FAILED', '密码错误，请重新输入', 401);
    const check = await this.credentials.check(clerk.staffNo, password);
    if (check.result === 'wrong-password') {
      this.log.warn('unlock refused', { staffNo: clerk.staffNo });
      throw wrong();
    }
    if (check.result === 'unknown') {
      // No stored verifier: the hall server checks (the same clerk signs in again at this window).
      let result;
      try {
        const client = this.requireClient();
        result = await this.online(() => client.request('signIn', { body: { staffNo: clerk.staffNo, password } }));
      } catch (error) {
        if (error instanceof HallError && error.code === 'SIGN_IN_FAILED') throw wrong();
        if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
          throw new HallError(
            'SERVER_UNREACHABLE',
            '无法连接大厅服务器核对密码，本终端也没有该工号的离线登录记录：请联网后再解锁，或退出登录',
            503,
          );
        }
        throw error;
      }
      try {
        await this.credentials.remember(result.staff, password);
      } catch (error) {
        this.log.warn('offline sign-in verifier not stored', { staffNo: clerk.staffNo, error: String(error) });
      }
    }
    this.setLocked(false);
    this.log.info('screen unlocked', { staffNo: clerk.staffNo });
    this.ratings.display(this.status?.current ? 'serving' : 'idle');
    this.publish();
    return this.clerkState();
  }

  /** Who takes a case where: the signed-in clerk at this counter's window, and the ticket in hand. */
  private caseContext(): CaseContext {
    const windowId = this.windowId();
    if (!this.enrollment || windowId === null) {
      throw new HallError('NOT_ENROLLED', '本终端尚未注册，请先输入大厅服务器地址和注册码', 409);
    }
    const clerk = this.status?.clerk;
    if (!clerk) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    const window = this.config.windows.get(windowId) ?? this.status?.window ?? null;
    const current = this.status?.current ?? null;
    return {
      windowId,
      windowCode: window?.code ?? null,
      staffNo: clerk.staffNo,
      deviceNo: this.enrollment.deviceNo,
      ticket: current && { number: current.number, calledAt: current.calledAt },
    };
  }

  private requirePrinting(): PrintService {
    const printing = this.devices.printing;
    if (!printing) throw new HallError('NOT_FOUND', '本终端未配置打印机：请由大厅管理员在「设备设置」中设置打印机', 404);
    return printing;
  }

  /** Queues the slip of a decided case: who, where, and the lookup address come from the counter's state. */
  private printCaseSlip(record: CaseRecord): void {
    const printing = this.devices.printing;
    if (!printing) return;
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    printing.enqueueForCase(record, {
      hallName: this.config.settings?.hallName ?? DEFAULT_HALL_NAME,
      windowName: window?.name ?? '',
      clerkName: this.status?.clerk?.name ?? record.staffNo,
      clerkStaffNo: record.staffNo,
      serverUrl: this.enrollment?.serverUrl ?? null,
      item: this.config.items.get(record.itemCode) ?? null,
    });
  }

  // ---- views -------------------------------------------------------------

  private windowId(): number | null {
    return this.enrollment?.windowId ?? null;
  }

  private clerkState(): ClerkState {
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    const clerk = this.status?.clerk ?? null;
    const lineOrder = window?.lineIds ?? [];
    const counts = this.streams.waitingCounts();
    const midnight = this.cases.dayStart(this.cases.today());
    return {
      connection: { ...this.connection, syncIssue: this.pusher.status().issue },
      unsent: this.outbox.unsentCount(),
      enrolled: this.enrollment !== null,
      hallName: this.config.settings?.hallName ?? DEFAULT_HALL_NAME,
      window,
      clerk: clerk && { id: clerk.id, staffNo: clerk.staffNo, name: clerk.name, department: clerk.department, role: clerk.role },
      current: this.status?.current ?? null,
      queue: lineOrder.map((lineId) => ({
        lineId,
        name: this.config.lines.get(lineId)?.name ?? lineId,
        waiting: counts.get(lineId) ?? 0,
      })),
      noShowMinRecalls: this.config.settings?.noShowMinRecalls ?? 0,
      log: windowId === null ? [] : this.store.callLogSince(windowId, midnight),
      devices: { evaluator: this.devices.evaluatorStatus(), outward: this.outwardStatus },
      locked: this.isLocked(),
      idleLockMinutes: this.config.settings?.idleLockMinutes ?? 10,
      rating: this.ratings.clerkView(windowId),
      printer: this.devices.printing?.state() ?? null,
    };
  }

  private outwardView(): OutwardView {
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    const clerk = this.status?.clerk ?? null;
    const paused = this.isLocked();
    // 暂停服务: no number, no case, no rating prompt.
    const current = paused ? null : (this.status?.current ?? null);
    const voice = this.devices.effective.voice;
    return {
      hallName: this.config.settings?.hallName ?? DEFAULT_HALL_NAME,
      windowName: window?.name ?? null,
      mode: clerk === null ? 'closed' : paused ? 'paused' : current ? 'serving' : 'idle',
      clerk: clerk && { name: clerk.name, staffNo: clerk.staffNo, department: clerk.department, photo: clerk.photo },
      calling: current && {
        number: current.number,
        lineName: this.config.lines.get(current.lineId)?.name ?? current.lineId,
        announcement: current.recallCount,
      },
      notice: this.config.settings?.notice ?? '',
      case: clerk === null || paused ? null : this.cases.outward(),
      rating: clerk === null || paused ? null : this.ratings.outwardView(),
      voice: { enabled: voice.enabled, volume: voice.volume, test: this.devices.voiceTest },
      testPatternUntil: this.devices.testPatternUntil,
    };
  }

  /** Emits each view that changed since it was last emitted. */
  private publish(): void {
    const views: [EventName, unknown][] = [
      ['clerkState', this.clerkState()],
      ['outwardView', this.outwardView()],
    ];
    for (const [name, payload] of views) {
      const text = JSON.stringify(payload);
      if (this.published.get(name) === text) continue;
      this.published.set(name, text);
      for (const listener of this.listeners) listener(name, payload);
    }
  }

  private setConnection(state: ConnectionState['state'], reason: string | null): void {
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

  // ---- enrollment and sign-in ---------------------------------------------

  private async enroll({ serverUrl, code }: { serverUrl: string; code: string }): Promise<void> {
    if (this.enrollment) {
      throw new HallError('CONFLICT', `本终端已注册到 ${this.enrollment.serverUrl}，如需更换请联系管理员`, 409);
    }
    // The one-time code is spent by the server: first make sure the token can be kept.
    this.secrets.check?.();
    const client = new HallClient({ baseUrl: serverUrl, fetch: this.fetchImpl });
    const result = await client.request('enroll', { body: { code, deviceName: this.options.deviceName } });
    if (result.role !== 'counter' || result.windowId === null) {
      throw new HallError('ENROLLMENT_CODE_INVALID', '该注册码不是窗口终端的注册码，请向管理员索取本窗口的注册码', 400);
    }
    this.secrets.set(TOKEN, result.token);
    const enrollment = {
      deviceId: result.deviceId,
      deviceNo: result.deviceNo,
      serverUrl: client.baseUrl,
      role: result.role,
      windowId: result.windowId,
    };
    this.store.saveEnrollment(enrollment);
    this.enrollment = enrollment;
    this.config = this.store.config();
    this.status = null;
    this.setLocked(false);
    void this.applyDevices();
    this.log.info('enrolled', { deviceId: result.deviceId, deviceNo: result.deviceNo, windowId: result.windowId });
    this.publish();
  }

  /**
   * 重新注册 (设备设置, a manager): this counter takes a new device identity
   * from a new one-time code, perhaps at another window or hall. Only once the
   * hall server has acknowledged every record: the old identity's chain ends
   * with nothing left to send, the new one starts at seq 1
   * (Outbox.startNewChain, in the transaction that stores the enrollment). The
   * old enrollment and token stay until the server has issued new ones.
   * Afterwards nobody is signed in; the connection restarts at the new address.
   */
  private async reenroll({ serverUrl, code }: CallArgs<'reenroll'>): Promise<ClerkState> {
    const manager = this.requireManager();
    const previous = this.enrollment;
    if (!previous) throw new HallError('NOT_ENROLLED', '本终端尚未注册，请先输入大厅服务器地址和注册码', 409);
    this.requireAllAcknowledged('');
    // A rating prompt still open ends now, recorded as cancelled under the old
    // identity: that record reaches the hall server before the code is spent
    // (a few seconds at most; if it cannot, refused like any record not uploaded).
    if (this.ratings.cancelOpen()) {
      const deadline = Date.now() + 5000;
      while (this.outbox.unsentCount() > 0 && Date.now() < deadline && !this.closed) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      this.requireAllAcknowledged('');
    }
    // The one-time code is spent by the server: first make sure the token can be kept.
    this.secrets.check?.();
    const client = new HallClient({ baseUrl: serverUrl, fetch: this.fetchImpl });
    const keep = `本终端仍按原注册（${previous.serverUrl}）使用`;
    let result;
    try {
      result = await client.request('enroll', { body: { code, deviceName: this.options.deviceName } });
    } catch (error) {
      if (!(error instanceof HallError)) throw error;
      this.log.warn('re-enrollment refused', { serverUrl: client.baseUrl, code: error.code });
      throw new HallError(error.code, `${error.message}；${keep}`, error.status, error.details);
    }
    if (result.role !== 'counter' || result.windowId === null) {
      throw new HallError(
        'ENROLLMENT_CODE_INVALID',
        `该注册码不是窗口终端的注册码（已被用掉），请向管理员索取窗口的注册码；${keep}`,
        400,
      );
    }
    // The old link's pulls (and walk-in leases) still running would write the old
    // window's data after the reset: the live stream ends and they finish first.
    this.stream?.abort();
    for (let round = 0; round < 5 && this.refreshing.size > 0; round++) {
      await Promise.allSettled([...this.refreshing.values()]);
    }
    if (this.closed) throw new HallError('INTERNAL', '终端正在关闭，重新注册未完成；请重新获取注册码后再试', 503);
    const spent = `（注册码 ${code} 已被用掉，请向管理员重新获取）`;
    this.requireAllAcknowledged(spent);
    const enrollment: StoredEnrollment = {
      deviceId: result.deviceId,
      deviceNo: result.deviceNo,
      serverUrl: client.baseUrl,
      role: result.role,
      windowId: result.windowId,
    };
    const oldToken = this.secrets.get(TOKEN);
    this.secrets.set(TOKEN, result.token);
    let chain: { acked: number; rejected: number } = { acked: 0, rejected: 0 };
    try {
      this.store.saveReenrollment(enrollment, () => (chain = this.outbox.startNewChain()));
    } catch (error) {
      if (oldToken !== null) this.secrets.set(TOKEN, oldToken);
      if (error instanceof OutboxNotSettled) throw this.unsentRecords(error.unsent, spent);
      throw error;
    }
    this.enrollment = enrollment;
    this.client = null;
    this.config = this.store.config();
    this.status = null;
    this.offlineClerk = null;
    this.setLocked(false);
    this.cases.clearShown();
    this.ratings.clerkSignedOut();
    this.connection = {
      state: 'connecting',
      serverUrl: enrollment.serverUrl,
      since: this.clock().toISOString(),
      reason: null,
    };
    this.log.info('re-enrolled', {
      by: manager.staffNo,
      from: { deviceId: previous.deviceId, windowId: previous.windowId, serverUrl: previous.serverUrl },
      to: {
        deviceId: enrollment.deviceId,
        deviceNo: enrollment.deviceNo,
        windowId: enrollment.windowId,
        serverUrl: enrollment.serverUrl,
      },
      prunedAcked: chain.acked,
      prunedRejected: chain.rejected,
    });
    // The manager also leaves the old window on the server (best effort: the old token still works there).
    if (oldToken !== null) {
      new HallClient({ baseUrl: previous.serverUrl, token: oldToken, fetch: this.fetchImpl })
        .request('signOut')
        .catch((error: unknown) => this.log.warn('sign-out at the old window failed', { error: String(error) }));
    }
    void this.applyDevices();
    // Reconnect at once to the (possibly new) server, as the new device.
    this.reconnectNow = true;
    this.stream?.abort();
    this.wakeRetry?.();
    this.ensureConnecting();
    this.pusher.kick();
    this.publish();
    return this.clerkState();
  }

  private unsentRecords(unsent: number, suffix: string): HallError {
    return new HallError(
      'CONFLICT',
      `还有 ${unsent} 条记录未上传到大厅服务器，重新注册会使这些记录无法上传：请先联网等待上传完成${suffix}`,
      409,
    );
  }

  /** Re-enrollment waits until the hall server holds every record of this identity. */
  private requireAllAcknowledged(suffix: string): void {
    const unsent = this.outbox.unsentCount();
    if (unsent > 0) throw this.unsentRecords(unsent, suffix);
    const phase = this.pusher.status().phase;
    if (phase === 'pushing' || phase === 'waiting') {
      throw new HallError('CONFLICT', `正在与大厅服务器核对已上传的记录，请稍候再试${suffix}`, 409);
    }
  }

  /** Where the pusher sends to; null while not enrolled (or the token is gone). */
  private pushTarget(): { client: HallClient; deviceId: string } | null {
    if (!this.enrollment || this.closed) return null;
    try {
      return { client: this.requireClient(), deviceId: this.enrollment.deviceId };
    } catch {
      return null;
    }
  }

  private requireClient(): HallClient {
    if (!this.enrollment) throw new HallError('NOT_ENROLLED', '本终端尚未注册，请先输入大厅服务器地址和注册码', 409);
    if (!this.client) {
      const token = this.secrets.get(TOKEN);
      if (!token) throw new HallError('NOT_ENROLLED', '本终端的设备令牌丢失，请联系管理员重新注册', 409);
      this.client = new HallClient({ baseUrl: this.enrollment.serverUrl, token, fetch: this.fetchImpl });
    }
    return this.client;
  }

  /** Runs a server request; a network failure also marks the counter offline. */
  private async online<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
        this.setConnection('offline', error.message);
        this.stream?.abort();
      }
      throw error;
    }
  }

  private async signIn(args: CallArgs<'signIn'>): Promise<ClerkState> {
    const client = this.requireClient();
    let result;
    try {
      result = await this.online(() => client.request('signIn', { body: args }));
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return this.signInOffline(args);
      // A password the server refuses no longer opens this counter offline either.
      if (error instanceof HallError && error.code === 'SIGN_IN_FAILED') this.credentials.forget(args.staffNo);
      throw error;
    }
    this.offlineClerk = null;
    this.setLocked(false);
    this.log.info('clerk signed in', { staffNo: result.staff.staffNo });
    try {
      await this.credentials.remember(result.staff, args.password);
    } catch (error) {
      this.log.warn('offline sign-in verifier not stored', { staffNo: result.staff.staffNo, error: String(error) });
    }
    this.ratings.clerkSignedIn(result.staff.staffNo, result.staff.name);
    await this.refreshWindow();
    return this.clerkState();
  }

  /** The server is unreachable: the clerk's stored verifier decides, and the counter works locally. */
  private async signInOffline(args: CallArgs<'signIn'>): Promise<ClerkState> {
    const check = await this.credentials.check(args.staffNo, args.password);
    if (check.result === 'unknown') {
      throw new HallError('SERVER_UNREACHABLE', '该工号未在本终端联网登录过，离线时无法登录；请联网后登录', 503);
    }
    if (check.result === 'wrong-password') {
      this.log.warn('offline sign-in refused', { staffNo: args.staffNo });
      throw new HallError('SIGN_IN_FAILED', '工号或密码错误，请重新输入', 401);
    }
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    if (!window) throw new HallError('SERVER_UNREACHABLE', '本终端尚未取得窗口配置，离线时无法登录；请联网后登录', 503);
    this.offlineClerk = check.staff;
    this.setLocked(false);
    this.status = { window, current: this.status?.current ?? null, clerk: check.staff };
    this.store.saveWindowStatus(this.status);
    this.log.info('clerk signed in offline', { staffNo: check.staff.staffNo });
    this.ratings.clerkSignedIn(check.staff.staffNo, check.staff.name);
    this.publish();
    return this.clerkState();
  }

  private async signOut(): Promise<ClerkState> {
    const client = this.requireClient();
    const offline = this.offlineClerk !== null;
    if (offline) {
      // Signed in offline: the server never knew; sign out here.
      this.offlineClerk = null;
      if (this.status) {
        this.status = { ...this.status, clerk: null };
        this.store.saveWindowStatus(this.status);
      }
    } else {
      await this.online(() => client.request('signOut'));
    }
    this.cases.clearShown();
    this.ratings.cancelOpen();
    this.ratings.clerkSignedOut();
    this.setLocked(false);
    if (offline) await this.refreshWindow().catch(() => this.publish());
    else await this.refreshWindow();
    return this.clerkState();
  }

  // ---- window actions -----------------------------------------------------

  private async windowAction(action: 'callNext' | 'recall' | 'noShow' | 'complete'): Promise<ClerkState> {
    const client = this.requireClient();
    const windowId = this.windowId()!;
    const params = { id: windowId };
    let ticket: Ticket | null;
    // A new citizen: the last one's open rating session is cancelled (CANCEL_RATING).
    if (action === 'callNext') this.ratings.cancelOpen();
    if (action === 'callNext') {
      // The key makes a retry after a lost answer return the same ticket.
      const headers = { 'Idempotency-Key': randomUUID() };
      ticket = (await this.online(() => retryUnreachable(() => client.request('callNext', { params, headers })))).ticket;
      // A new citizen (or nobody): the last case leaves the outward screen.
      this.cases.clearShown();
      if (ticket === null) {
        // Call-next also ended the ticket in hand, if there was one.
        this.setCurrent(null);
        this.ratings.display('idle');
        throw new HallError('QUEUE_EMPTY', '暂无等候的群众，可稍后再叫号', 404);
      }
    } else {
      ticket = (await this.online(() => client.request(action, { params }))).ticket;
    }
    const entry: CallLogEntry = { at: this.clock().toISOString(), action, ticketNumber: ticket.number };
    this.store.appendCallLog(windowId, this.status?.clerk?.staffNo ?? null, entry);
    this.setCurrent(ticket.status === 'called' ? ticket : null);
    this.afterWindowAction(action, ticket);
    return this.clerkState();
  }

  /**
   * The evaluator follows the window: serving once a number is called, idle
   * after a no-show; 办结 opens the rating session (the device goes back to
   * idle on its own when the session ends).
   */
  private afterWindowAction(action: 'callNext' | 'recall' | 'noShow' | 'complete', ticket: Ticket): void {
    const windowId = this.windowId();
    const clerk = this.status?.clerk;
    if (action === 'complete' && windowId !== null && clerk) {
      this.ratings.completed({ windowId, staffNo: clerk.staffNo, ticket: { number: ticket.number, calledAt: ticket.calledAt } });
    } else if (action === 'callNext' || action === 'noShow') {
      this.ratings.display(ticket.status === 'called' ? 'serving' : 'idle');
    }
  }

  /** 现场补号: the next leased number, recorded with its mutation, then its ticket printed. */
  private issueWalkIn(lineId: string): CallResult<'issueWalkIn'> {
    const context = this.caseContext();
    const line = this.config.lines.get(lineId);
    if (!line) throw new HallError('NOT_FOUND', `业务类型 ${lineId} 不存在，请选择本窗口办理的业务`, 404);
    const day = this.cases.today();
    const issued = this.walkIns.issue(day, { lineId, windowId: context.windowId, staffNo: context.staffNo });
    this.log.info('walk-in issued', { number: issued.number, lineId });
    const printing = this.devices.printing;
    if (printing) {
      try {
        printing.enqueue(
          'ticket',
          walkInTicket({
            hallName: this.config.settings?.hallName ?? DEFAULT_HALL_NAME,
            ticketNumber: issued.number,
            lineName: line.name,
            peopleAhead: this.streams.waitingCounts().get(lineId) ?? 0,
            issuedAt: issued.issuedAt,
          }),
          null,
        );
      } catch (error) {
        this.log.error('walk-in ticket not queued for printing', { number: issued.number, error: String(error) });
      }
    }
    if (this.connection.state === 'online') void this.topUpWalkIns();
    this.publish();
    return { number: issued.number, lineId, issuedAt: issued.issuedAt, remaining: this.walkIns.remaining(day) };
  }

  /** 手动录入票号: a central ticket served while offline, recorded with its mutation. */
  private serveTypedTicket(typed: unknown): CallResult<'serveTypedTicket'> {
    if (this.connection.state === 'online') throw new HallError('CONFLICT', TYPED_TICKET_ONLINE, 409);
    const number = typedTicketNumber(typed);
    const context = this.caseContext();
    const served = this.typedTickets.serve(number, this.cases.today(), { windowId: context.windowId, staffNo: context.staffNo });
    this.log.info('central ticket served offline', { number, at: served.at });
    this.publish();
    return served;
  }

  /** While online: lease more walk-in numbers when fewer than WALK_IN_LOW_WATER remain today. */
  private topUpWalkIns(): Promise<void> {
    return this.coalesce('walk-ins', async () => {
      const windowId = this.windowId();
      if (windowId === null || this.closed) return;
      const day = this.cases.today();
      // At most a few ranges a run: a range of another day (midnight on the server) ends it.
      for (let round = 0; round < 5 && this.walkIns.remaining(day) < WALK_IN_LOW_WATER && !this.closed; round++) {
        const lease = await this.requireClient().request('walkInLease', { params: { id: windowId } });
        this.walkIns.store(lease);
        this.log.info('walk-in numbers leased', { prefix: lease.prefix, from: lease.from, to: lease.to, day: lease.day });
        if (lease.day !== day) break;
      }
    }).catch((error: unknown) => this.log.warn('walk-in lease not topped up', { error: String(error) }));
  }

  /** 请评价: a rating session for the ticket in hand, or the one just completed. */
  private requestRating(): ClerkState {
    const windowId = this.windowId();
    if (!this.enrollment || windowId === null) {
      throw new HallError('NOT_ENROLLED', '本终端尚未注册，请先输入大厅服务器地址和注册码', 409);
    }
    const clerk = this.status?.clerk;
    if (!clerk) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    const current = this.status?.current ?? null;
    this.ratings.request({
      windowId,
      staffNo: clerk.staffNo,
      ticket: current && { number: current.number, calledAt: current.calledAt },
    });
    return this.clerkState();
  }

  private setCurrent(ticket: Ticket | null): void {
    if (this.status) {
      this.status = { ...this.status, current: ticket };
      this.store.saveWindowStatus(this.status);
    }
    this.publish();
  }

  // ---- keeping in step with the server ------------------------------------

  private ensureConnecting(): void {
    if (this.connectLoop || !this.enrollment || this.closed) return;
    this.connectLoop = this.runConnection().finally(() => (this.connectLoop = null));
  }

  private async runConnection(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const abort = new AbortController();
      this.stream = abort;
      try {
        const client = this.requireClient();
        await client.listen(
          (event) => this.onHallEvent(event, abort),
          abort.signal,
          (line) => this.log.warn('malformed hall event', { line: line.slice(0, 200) }),
        );
        if (this.closed) return;
        throw new HallError('SERVER_UNREACHABLE', '与大厅服务器的实时连接中断，正在重连', 503);
      } catch (error) {
        if (this.closed) return;
        const message = error instanceof HallError ? error.message : '与大厅服务器通信失败，正在重试';
        this.setConnection('offline', message);
        if (error instanceof HallError && error.code === 'UNAUTHORIZED') {
          this.log.error('device token refused by the hall server', {});
        }
      }
      attempt += 1;
      if (this.reconnectNow) {
        this.reconnectNow = false;
        attempt = 0;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.retryDelay(attempt));
        this.wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRetry = null;
      if (this.connection.state === 'online') attempt = 0;
    }
  }

  private onHallEvent(event: HallEvent, stream: AbortController): void {
    const refresh = (what: Promise<void>) =>
      what.catch((error) => {
        this.log.warn('refresh failed', { error: String(error) });
        stream.abort();
      });
    switch (event.type) {
      case 'hello':
        // The link is back: what waits in the outbox goes at once.
        this.pusher.linkUp();
        // Subscribed first, then pull everything: no change can fall between.
        void refresh(
          Promise.all([this.pullConfig(), this.refreshWindow(), this.pull('queue'), this.pull('cases')]).then(() => {
            this.setConnection('online', null);
            void this.topUpWalkIns();
          }),
        );
        return;
      case 'queue':
        void refresh(this.pull('queue'));
        return;
      case 'window':
        // Sign-ins are in the queue stream too.
        void refresh(this.pull('queue'));
        if (event.windowId === this.windowId()) void refresh(this.refreshWindow());
        return;
      case 'config':
        void refresh(this.pullConfig());
        return;
      case 'cases':
        if (event.windowId === this.windowId()) void refresh(this.pull('cases'));
        return;
    }
  }

  /** Runs `task` once at a time per key; a request during a run causes one more run. */
  private coalesce(key: string, task: () => Promise<void>): Promise<void> {
    const running = this.refreshing.get(key);
    if (running) {
      this.refreshAgain.add(key);
      return running;
    }
    const run = (async () => {
      do {
        this.refreshAgain.delete(key);
        await task();
      } while (this.refreshAgain.has(key) && !this.closed);
    })().finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, run);
    return run;
  }

  private pullConfig(): Promise<void> {
    return this.coalesce('config', async () => {
      await this.streams.pull(this.requireClient(), 'config', () => this.closed);
      if (this.closed) return;
      this.config = this.store.config();
      this.publish();
      // The hall may have pushed another device setup for this window.
      void this.applyDevices();
    });
  }

  /** Pulls a stream to its end (live events only say that there is something to pull). */
  private pull(stream: Exclude<PullStream, 'config'>): Promise<void> {
    return this.coalesce(stream, async () => {
      const report = await this.streams.pull(this.requireClient(), stream, () => this.closed);
      if (report.reloaded) this.log.info('stream reloaded from scratch', { stream });
      if (!this.closed) this.publish();
    });
  }

  private refreshWindow(): Promise<void> {
    return this.coalesce('window', async () => {
      const windowId = this.windowId();
      if (windowId === null) return;
      let status = await this.requireClient().request('windowStatus', { params: { id: windowId } });
      if (this.closed) return;
      // A clerk signed in offline stays signed in here (cases and ratings are local) until signing out.
      if (this.offlineClerk && status.clerk === null) status = { ...status, clerk: this.offlineClerk };
      this.status = status;
      this.store.saveWindowStatus(status);
      this.publish();
    });
  }
}

/** Retries a request whose answer may have been lost; only for idempotent calls. */
async function retryUnreachable<T>(request: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const retriable = error instanceof HallError && error.code === 'SERVER_UNREACHABLE';
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
    }
  }
}
