// The counter core: holds this window's state, talks to the hall server, and
// publishes the clerk's and the citizen's views as contract events. Plain
// Node: the data folder, clock, fetch and secrets come in from the host.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CallLogEntry, CallArgs, ClerkState, ConnectionState, OutwardView } from '../common/contract.ts';
import { HallError } from '../common/errors.ts';
import type { HallEvent, QueueSummary, WindowStatus } from '../common/http-api.ts';
import type { CallName, EventName } from '../common/ipc-names.ts';
import type { Ticket } from '../common/model.ts';
import { CaseService, type CaseContext } from './cases.ts';
import type { Counter, CounterOptions, LocalSettings } from './counter-api.ts';
import { HallClient } from './hall-client.ts';
import { silentLogger, type Logger } from './log.ts';
import { FileSecretStore, type SecretStore } from './secret-store.ts';
import { CounterStore, type HallConfig, type StoredEnrollment } from './store/counter-store.ts';
import { openDatabase } from './store/database.ts';
import { Outbox } from './store/outbox.ts';

export interface CounterDependencies {
  fetch?: typeof fetch;
  secrets?: SecretStore;
  /** Reconnect delay after the n-th failed attempt (ms); default: full-jitter backoff 1 s → 30 s. */
  retryDelay?: (attempt: number) => number;
}

const TOKEN = 'device-token';
const DEFAULT_HALL_NAME = '政务服务中心';

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
  private readonly published = new Map<EventName, string>();
  private readonly cases: CaseService;

  private enrollment: StoredEnrollment | null;
  private client: HallClient | null = null;
  private config: HallConfig;
  private status: WindowStatus | null;
  private queue: QueueSummary | null = null;
  private connection: ConnectionState;
  private closed = false;
  private stream: AbortController | null = null;
  private wakeRetry: (() => void) | null = null;
  private connectLoop: Promise<void> | null = null;
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly refreshAgain = new Set<string>();

  constructor(store: CounterStore, options: CounterOptions, deps: CounterDependencies) {
    this.store = store;
    this.options = options;
    this.secrets = deps.secrets ?? new FileSecretStore(options.dataDir);
    this.fetchImpl = deps.fetch;
    this.retryDelay = deps.retryDelay ?? ((attempt) => Math.random() * Math.min(30_000, 1000 * 2 ** attempt));
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? silentLogger;
    this.enrollment = store.enrollment();
    this.config = store.config();
    this.status = store.windowStatus();
    this.cases = new CaseService({
      store,
      outbox: new Outbox(store.db, { clock: this.clock }),
      clock: this.clock,
      log: this.log,
      config: () => this.config,
      context: () => this.caseContext(),
    });
    this.connection = {
      state: this.enrollment ? 'connecting' : 'offline',
      serverUrl: this.enrollment?.serverUrl ?? null,
      since: this.clock().toISOString(),
      reason: this.enrollment ? null : '本终端尚未注册到大厅服务器',
    };
  }

  async start(): Promise<void> {
    if (!this.enrollment && this.options.autoEnroll) {
      try {
        await this.enroll(this.options.autoEnroll);
      } catch (error) {
        this.log.warn('automatic enrollment failed', { error: String(error) });
      }
    }
    this.ensureConnecting();
  }

  localSettings(): LocalSettings {
    return { outwardDisplayId: this.store.outwardDisplayId() };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.abort();
    this.wakeRetry?.();
    await this.connectLoop;
    await Promise.allSettled(this.refreshing.values());
    this.store.db.close();
  }

  async call(name: CallName, args: unknown): Promise<unknown> {
    switch (name) {
      case 'getClerkState':
        return this.clerkState();
      case 'getOutwardView':
        return this.outwardView();
      case 'enroll':
        await this.enroll(args as CallArgs<'enroll'>);
        this.ensureConnecting();
        return this.clerkState();
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
    }
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

  // ---- views -------------------------------------------------------------

  private windowId(): number | null {
    return this.enrollment?.windowId ?? null;
  }

  private clerkState(): ClerkState {
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    const clerk = this.status?.clerk ?? null;
    const lineOrder = window?.lineIds ?? [];
    const counts = new Map((this.queue?.lines ?? []).map((line) => [line.lineId, line.waiting]));
    const midnight = this.cases.dayStart(this.cases.today());
    return {
      connection: this.connection,
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
    };
  }

  private outwardView(): OutwardView {
    const windowId = this.windowId();
    const window = (windowId !== null ? this.config.windows.get(windowId) : undefined) ?? this.status?.window ?? null;
    const clerk = this.status?.clerk ?? null;
    const current = this.status?.current ?? null;
    return {
      hallName: this.config.settings?.hallName ?? DEFAULT_HALL_NAME,
      windowName: window?.name ?? null,
      mode: clerk === null ? 'closed' : current ? 'serving' : 'idle',
      clerk: clerk && { name: clerk.name, staffNo: clerk.staffNo, department: clerk.department, photo: clerk.photo },
      calling: current && {
        number: current.number,
        lineName: this.config.lines.get(current.lineId)?.name ?? current.lineId,
        announcement: current.recallCount,
      },
      notice: this.config.settings?.notice ?? '',
      case: clerk === null ? null : this.cases.outward(),
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
    this.log.info('enrolled', { deviceId: result.deviceId, deviceNo: result.deviceNo, windowId: result.windowId });
    this.publish();
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
    const result = await this.online(() => client.request('signIn', { body: args }));
    this.log.info('clerk signed in', { staffNo: result.staff.staffNo });
    await this.refreshWindow();
    return this.clerkState();
  }

  private async signOut(): Promise<ClerkState> {
    const client = this.requireClient();
    await this.online(() => client.request('signOut'));
    this.cases.clearShown();
    await this.refreshWindow();
    return this.clerkState();
  }

  // ---- window actions -----------------------------------------------------

  private async windowAction(action: 'callNext' | 'recall' | 'noShow' | 'complete'): Promise<ClerkState> {
    const client = this.requireClient();
    const windowId = this.windowId()!;
    const params = { id: windowId };
    let ticket: Ticket | null;
    if (action === 'callNext') {
      // The key makes a retry after a lost answer return the same ticket.
      const headers = { 'Idempotency-Key': randomUUID() };
      ticket = (await this.online(() => retryUnreachable(() => client.request('callNext', { params, headers })))).ticket;
      // A new citizen (or nobody): the last case leaves the outward screen.
      this.cases.clearShown();
      if (ticket === null) {
        // Call-next also ended the ticket in hand, if there was one.
        this.setCurrent(null);
        throw new HallError('QUEUE_EMPTY', '暂无等候的群众，可稍后再叫号', 404);
      }
    } else {
      ticket = (await this.online(() => client.request(action, { params }))).ticket;
    }
    const entry: CallLogEntry = { at: this.clock().toISOString(), action, ticketNumber: ticket.number };
    this.store.appendCallLog(windowId, this.status?.clerk?.staffNo ?? null, entry);
    this.setCurrent(ticket.status === 'called' ? ticket : null);
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
        // Subscribed first, then read everything: no change can fall between.
        void refresh(
          Promise.all([this.pullConfig(), this.refreshWindow(), this.refreshQueue()]).then(() =>
            this.setConnection('online', null),
          ),
        );
        return;
      case 'queue':
        void refresh(this.refreshQueue());
        return;
      case 'window':
        if (event.windowId === this.windowId()) void refresh(this.refreshWindow());
        return;
      case 'config':
        void refresh(this.pullConfig());
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
      const client = this.requireClient();
      for (;;) {
        const page = await client.request('pull', { query: { stream: 'config', cursor: this.store.configCursor() } });
        if (this.closed) return;
        this.store.applyConfigPage(page.changes, page.cursor);
        if (!page.hasMore) break;
      }
      this.config = this.store.config();
      this.publish();
    });
  }

  private refreshWindow(): Promise<void> {
    return this.coalesce('window', async () => {
      const windowId = this.windowId();
      if (windowId === null) return;
      const status = await this.requireClient().request('windowStatus', { params: { id: windowId } });
      if (this.closed) return;
      this.status = status;
      this.store.saveWindowStatus(status);
      this.publish();
    });
  }

  private refreshQueue(): Promise<void> {
    return this.coalesce('queue', async () => {
      const summary = await this.requireClient().request('queueSummary');
      if (this.closed) return;
      if (this.queue && summary.version < this.queue.version) return;
      this.queue = summary;
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
