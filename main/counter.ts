// The counter core, wired together: the shared state (main/core/), one module
// per thing a clerk does — queue/, cases/, ratings/, session/, device-setup/,
// printing/, sync/ — and the two screens' views. Each module answers its
// contract calls through a handler map; this file joins the maps, checks the
// contract's lock and manager rules, and owns start and close. Plain Node: the
// data folder, clock, fetch and secrets come in from the host.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { calls, type CallHandlers, type CallSpec, type ClerkState } from '../common/contract.ts';
import { HallError, managerOnlyMessage } from '../common/errors.ts';
import type { CallName } from '../common/ipc-names.ts';
import type { OutwardScreenStatus } from '../common/device-setup.ts';
import { caseHandlers } from './cases/handlers.ts';
import { CaseService } from './cases/case-service.ts';
import { CounterState, DEVICE_TOKEN, SCREEN_LOCKED_MESSAGE } from './core/counter-state.ts';
import { Views, type ViewListener } from './views.ts';
import type { Counter, CounterDependencies, CounterOptions, LocalSettings } from './counter-api.ts';
import { CounterDevices } from './device-setup/counter-devices.ts';
import { deviceSetupHandlers } from './device-setup/handlers.ts';
import { idCardHandlers } from './id-card/handlers.ts';
import { IdCardService } from './id-card/id-card-service.ts';
import { silentLogger } from './log.ts';
import { printHandlers } from './printing/handlers.ts';
import { Queue } from './queue/handlers.ts';
import { OvertimeWatch } from './queue/overtime-watch.ts';
import { TicketOps } from './queue/ticket-ops.ts';
import { ratingHandlers } from './ratings/handlers.ts';
import { reportHandlers } from './manager/reports.ts';
import { managerDeskHandlers } from './manager/desk.ts';
import { DeviceHealthReporter } from './manager/device-health.ts';
import { applicantIdSource } from './manager/applicant-ids.ts';
import { RatingService } from './ratings/rating-service.ts';
import { DEFAULT_RETENTION_DAYS, Retention } from './retention.ts';
import { FileSecretStore } from './secret-store.ts';
import { ClerkCredentials } from './session/clerk-credentials.ts';
import { Enrollment } from './session/enrollment.ts';
import { sessionHandlers, settleOwedSignOut, signOutAfterRestart } from './session/handlers.ts';
import { SignInThrottle } from './session/sign-in-throttle.ts';
import { CounterStore } from './store/counter-store.ts';
import { openDatabase } from './store/database.ts';
import { Outbox } from './store/outbox.ts';
import { syncHandlers } from './sync/handlers.ts';
import { chainKeySource } from './sync/chain-key.ts';
import { selfCheck } from './sync/self-check.ts';
import type { IntegrityFinding } from '../common/sync-issues.ts';
import { HallLink } from './sync/hall-link.ts';
import { Pusher } from './sync/pusher.ts';
import { SyncStreams } from './sync/streams.ts';

export type { CounterDependencies };


export async function openCounter(options: CounterOptions, deps: CounterDependencies = {}): Promise<Counter> {
  mkdirSync(options.dataDir, { recursive: true });
  const store = new CounterStore(openDatabase(join(options.dataDir, 'counter.db')));
  const counter = new CounterService(store, options, deps);
  await counter.start();
  return counter;
}

class CounterService implements Counter {
  private readonly state: CounterState;
  private readonly views: Views;
  private readonly devices: CounterDevices;
  private readonly ratings: RatingService;
  private readonly idCard: IdCardService;
  private readonly pusher: Pusher;
  private readonly link: HallLink;
  private readonly retention: Retention;
  private readonly overtime: OvertimeWatch;
  private readonly enrollment: Enrollment;
  private readonly handlers: CallHandlers;
  private readonly outbox: Outbox;
  private readonly chainKey: () => Buffer | null;
  /** What the start-up check of the records found (同步异常 shows it). */
  private integrity: IntegrityFinding[] = [];
  /** Of those, records changed (not missing: the pusher reports those, 登记丢失 resolves them). */
  private recordsChanged = 0;

  constructor(store: CounterStore, options: CounterOptions, deps: CounterDependencies) {
    const clock = options.clock ?? (() => new Date());
    const log = options.log ?? silentLogger;
    const secrets = deps.secrets ?? new FileSecretStore(options.dataDir);
    const state = (this.state = new CounterState({ store, options, clock, log, secrets, fetch: deps.fetch }));
    const devices = (this.devices = new CounterDevices({
      store,
      clock,
      log,
      deps,
      launcher: { printer: options.printer, evaluator: options.evaluator, idCardReader: options.idCardReader },
      config: () => state.config,
      windowId: () => state.windowId(),
      windowName: () => state.window()?.name ?? null,
      server: () => ({ url: state.enrollment?.serverUrl ?? null, deviceNo: state.enrollment?.deviceNo ?? null }),
      displays: () => options.displays?.() ?? [],
      ratings: () => this.ratings,
      onChange: () => state.publish(),
      idCardReader: (setup) => this.idCard.setReader(setup),
    }));
    const settings = () => state.config.settings;
    this.retention = new Retention({ db: store.db, clock, days: () => settings()?.retentionDays ?? DEFAULT_RETENTION_DAYS, log, timer: deps.retentionTimer });
    // Every local commit that records a mutation starts a push (after the commit).
    // The keyed chain (docs/records-trust.md): its key comes from the device token, never from the database.
    const chainKey = (this.chainKey = chainKeySource({
      token: () => state.secrets.get(DEVICE_TOKEN),
      deviceId: () => state.enrollment?.deviceId ?? null,
    }));
    const outbox = (this.outbox = new Outbox(store.db, { clock, onAppend: () => this.pusher.kick(), chainKey }));
    this.pusher = new Pusher({ outbox, target: () => state.pushTarget(), log, onChange: () => state.publish(), tuning: deps.push, applicantIds: applicantIdSource(store.db) });
    const cases = new CaseService({ store, outbox, clock, log, config: () => state.config, context: () => state.caseContext() });
    const ratings = (this.ratings = new RatingService({
      db: store.db,
      outbox,
      clock,
      log,
      evaluator: devices.initialEvaluator(),
      settings: () => ({
        ratingTimeLimitSeconds: settings()?.ratingTimeLimitSeconds ?? 60,
        badRatingFollowUpWorkingDays: settings()?.badRatingFollowUpWorkingDays ?? 5,
      }),
      calendars: () => cases.calendars(),
      today: () => cases.today(),
      who: () => (state.status?.clerk ? { staffNo: state.status.clerk.staffNo, role: state.status.clerk.role } : null),
      onChange: () => state.publish(),
    }));
    const idCard = (this.idCard = new IdCardService({
      clock,
      log,
      today: () => cases.today(),
      onChange: () => state.publish(),
      pollMs: deps.idCardPollMs,
      testWaitMs: deps.idCardTestWaitMs,
    }));
    const streams = new SyncStreams(store, log);
    const pusher = this.pusher;
    const link = (this.link = new HallLink({
      state,
      pusher,
      streams,
      retryDelay: deps.retryDelay ?? ((attempt) => Math.random() * Math.min(30_000, 1000 * 2 ** attempt)),
      beforePull: () => settleOwedSignOut(state),
      // The hall may have pushed another device setup for this window.
      onConfig: () => void devices.apply(),
      onOnline: () => void queue.topUpWalkIns(),
    }));
    const views = (this.views = new Views({ state, streams, outbox, pusher, cases, ratings, devices, idCard, recordsChanged: () => this.recordsChanged }));
    state.publish = () => views.publish();
    // 超时提醒: the overtime level in the clerk's state changes when the service crosses its standard time.
    const overtime = (this.overtime = new OvertimeWatch({ publish: () => state.publish(), now: () => clock().getTime() }));
    views.subscribe((name, payload) => {
      if (name === 'clerkState') overtime.follow((payload as ClerkState).service);
    });
    // 大厅总览: the hall hears how this window's devices are (main/manager/device-health.ts).
    const deviceHealth = new DeviceHealthReporter({ target: () => state.pushTarget()?.client ?? null, log });
    views.subscribe((name, payload) => {
      if (name === 'clerkState') deviceHealth.follow(payload as ClerkState);
    });
    const clerkState = () => views.clerkState();
    const queue = new Queue({ state, outbox, streams, link, cases, ratings, devices, clerkState });
    this.enrollment = new Enrollment({ state, outbox, pusher, ratings, cases, devices, link, clerkState });
    const credentials = new ClerkCredentials(store.db, { clock });
    const policy = () => ({ maxFailures: settings()?.signInMaxFailures ?? 5, lockMinutes: settings()?.signInLockMinutes ?? 15 });
    const throttle = new SignInThrottle({ db: store.db, clock, policy, delay: deps.signInDelay });
    this.handlers = {
      getClerkState: clerkState,
      getOutwardView: () => views.outwardView(),
      ...this.enrollment.handlers(),
      ...sessionHandlers({ state, credentials, throttle, ratings, cases, link, clerkState }),
      ...queue.handlers(),
      ...new TicketOps({ state, cases, ratings, clerkState }).handlers(),
      ...caseHandlers({ state, cases, printing: () => devices.printing }),
      ...ratingHandlers({ state, ratings, clerkState }),
      ...printHandlers(() => devices.printing),
      ...deviceSetupHandlers({ state, devices }),
      ...idCardHandlers({ idCard }),
      ...syncHandlers({ state, outbox, pusher: this.pusher, integrity: () => this.integrity }),
      ...reportHandlers({ state }),
      ...managerDeskHandlers({ state }),
    };
  }

  async start(): Promise<void> {
    const { state } = this;
    this.checkRecords();
    signOutAfterRestart(state);
    const clerk = state.status?.clerk ?? null;
    this.ratings.restoreShown(
      clerk && { staffNo: clerk.staffNo, name: clerk.name },
      clerk === null || state.isLocked() ? 'paused' : state.status?.current ? 'serving' : 'idle',
    );
    this.ratings.start();
    // Personal data of concluded, synced cases past the hall's retention days: purged now and daily.
    this.retention.start();
    if (!state.enrollment && state.options.autoEnroll) {
      try {
        await this.enrollment.enroll(state.options.autoEnroll);
      } catch (error) {
        state.log.warn('automatic enrollment failed', { error: String(error) });
      }
    }
    this.link.ensureConnecting();
    // Whatever an earlier run left unsent goes now, without waiting for the live link.
    this.pusher.kick();
    this.devices.start();
  }

  /** The counter checks its own records (main/sync/self-check.ts), then keys its chain if it is not yet. */
  private checkRecords(): void {
    const { log } = this.state;
    try {
      const report = selfCheck(this.state.store.db, this.chainKey());
      this.integrity = report.findings.map(({ seq, what, detail, missing }) => ({ seq, what, detail, ...(missing ? { missing } : {}) }));
      this.recordsChanged = report.findings.filter((f) => !f.missing).length;
      log.info('records checked', { fromSeq: report.fromSeq, toSeq: report.toSeq, checked: report.checked, compared: report.compared, findings: report.findings.length });
      for (const finding of report.findings) log.error('record check: changed on this counter', { seq: finding.seq, what: finding.what, detail: finding.detail });
    } catch (error) {
      log.error('record check failed', { error: String(error) });
    }
    try {
      if (this.outbox.keyChain()) log.info('outbox chain keyed', { fromSeq: this.outbox.keyedFrom() });
    } catch (error) {
      log.error('keying the outbox chain failed', { error: String(error) });
    }
  }

  async call(name: CallName, args: unknown): Promise<unknown> {
    // Who may make the call is part of the contract (common/contract.ts).
    const spec: CallSpec = calls[name];
    if (this.state.isLocked() && !spec.whileLocked) throw new HallError('SCREEN_LOCKED', SCREEN_LOCKED_MESSAGE, 423);
    if (spec.manager) this.state.requireManager(managerOnlyMessage(spec.manager));
    // The one place a name meets its arguments: the bridge has parsed `args` against calls[name].args.
    const handler = this.handlers[name] as (args: unknown) => unknown;
    return handler(args);
  }

  subscribe(listener: ViewListener): () => void {
    return this.views.subscribe(listener);
  }

  localSettings(): LocalSettings {
    return { outwardDisplayId: this.devices.effective.outwardDisplayId };
  }

  onLocalSettingsChange(listener: () => void): () => void {
    return this.devices.onOutwardDisplayChange(listener);
  }

  setOutwardStatus(status: OutwardScreenStatus): void {
    if (!this.state.closed) this.views.setOutwardStatus(status);
  }

  async close(): Promise<void> {
    this.state.closed = true;
    await this.devices.stop();
    await this.idCard.close();
    this.retention.stop();
    this.overtime.stop();
    await this.link.close();
    await this.ratings.close();
    await this.pusher.close();
    await this.devices.close();
    this.state.store.db.close();
  }
}
