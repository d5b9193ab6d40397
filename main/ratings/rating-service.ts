// Ratings at the counter (好差评): the rating session after 办结 or on the
// clerk's 请评价, its prompt on the outward screen, the evaluator (or touch)
// answer, the stored rating (a 差评 opens its follow-up: follow-ups.ts), and what the evaluator
// shows (the clerk's identity, idle/serving/paused).
//
// The one-rating-per-session rule and the time limit are RatingSessions'
// (devices/evaluator/sessions.ts); this service ties each session to the
// window, the clerk, the ticket and the case, and stores every closed
// session — rated, 未评价 (time limit) or cancelled (another evaluator set
// up) — in one transaction with its outbox mutation. Stored ratings are never
// edited (the table's triggers refuse it).
//
// Ratings are never lost to the queue (docs/ratings-and-queue.md): 叫号, 锁屏
// and 退出 leave an open session running until the citizen answers or the time
// limit passes. Meanwhile the evaluator keeps its prompt — what it should show
// next (serving, paused, another clerk) is sent once the session has closed —
// and a 办结 of the next citizen waits in line: that session opens as soon as
// the one before it closes, so sessions never overlap and keep their order.
//
// Clock and timers are injected; the evaluator driver is injected, or null
// when this window has none (touch on the outward screen still works).
import { addWorkingDays } from '../../common/calendar.ts';
import type { IsoDate, WorkingCalendar } from '../../common/cases.ts';
import { HallError } from '../../common/errors.ts';
import {
  FOLLOW_UP_OPENED,
  LEVEL_NAME,
  LEVELS_BEST_FIRST,
  RATING_RECORDED,
  type ClerkRating,
  type EvaluatorStatus,
  type OutwardRating,
  type RatingRecord,
} from '../../common/ratings.ts';
import { systemTimers, type Timers } from '../devices/evaluator/clock.ts';
import { EvaluatorError } from '../devices/evaluator/driver.ts';
import { DisplayState, MAX_LIMIT_SECONDS, MIN_LIMIT_SECONDS } from '../devices/evaluator/ft12.ts';
import { isBadRating } from '../devices/evaluator/levels.ts';
import { newSessionId, RatingSessions, type SessionOutcome } from '../devices/evaluator/sessions.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';
import { RatingStore } from '../store/rating-store.ts';
import { uuidv7Generator, type UuidV7 } from '../uuidv7.ts';

import { FollowUps } from './follow-ups.ts';
import type { EvaluatorTestResult, RatingContext, RatingServiceOptions, RatingSettings } from './rating-types.ts';
export type { EvaluatorTestResult, RatingContext, RatingEvaluator, RatingServiceOptions, RatingSettings } from './rating-types.ts';

interface OpenMeta {
  sessionId: number;
  context: RatingContext;
  caseNo: string | null;
  itemCode: string | null;
  limitSeconds: number;
  openedAt: Date;
}

export class RatingService {
  /** 差评回访 (managers). */
  readonly followUps: FollowUps;
  private readonly store: RatingStore;
  private readonly outbox: Outbox;
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private evaluator: RatingServiceOptions['evaluator'];
  private readonly settings: () => RatingSettings;
  private readonly calendars: () => WorkingCalendar[];
  private readonly today: () => IsoDate;
  private readonly who: RatingServiceOptions['who'];
  private readonly onChange: () => void;
  private sessions: RatingSessions;
  private readonly timers: Timers;
  private readonly graceMs: number | undefined;
  private started = false;
  /** What the evaluator should show now (restored after a test, or on a new device). */
  private displayState: 'idle' | 'serving' | 'paused' = 'paused';
  private identity: { staffNo: string; name: string } | null = null;
  /** 测试评价 sessions: never stored, never sent. */
  private readonly testSessions = new Set<number>();
  private detachDevice: (() => void)[] = [];
  /** Sessions closed here whose CANCEL_RATING did not reach the device: cancelled again once it answers. */
  private staleOnDevice: number[] = [];
  private readonly newId: UuidV7;
  private readonly recordedListeners = new Set<(record: RatingRecord) => void>();
  private readonly detach: (() => void)[] = [];
  private open: OpenMeta | null = null;
  /** Services completed while an earlier session was still open: each opens, in order, once the one before closes. */
  private waiting: RatingContext[] = [];
  /** The last ticket completed here: 请评价 right after 办结 rates that service. */
  private lastServed: RatingContext | null = null;
  private latestByWindow = new Map<number, ClerkRating['latest']>();

  constructor(options: RatingServiceOptions) {
    this.db = options.db;
    this.store = new RatingStore(options.db);
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.log = options.log;
    this.evaluator = options.evaluator;
    this.settings = options.settings;
    this.calendars = options.calendars;
    this.today = options.today;
    this.who = options.who;
    this.onChange = options.onChange;
    this.newId = options.newId ?? uuidv7Generator(this.clock);
    this.timers = options.timers ?? systemTimers;
    this.graceMs = options.graceMs;
    this.sessions = this.bind();
    this.followUps = new FollowUps({ db: this.db, store: this.store, outbox: this.outbox, clock: this.clock, log: this.log, who: this.who });
  }

  /**
   * Sessions on the current evaluator (or none), results fed in from its
   * driver. Each time the evaluator starts answering — the first time, and
   * after every reconnect (unplugged and plugged in again, the line lost and
   * reopened, a device that stopped answering and answers again) — it is
   * given back what it should show (restore()).
   */
  private bind(): RatingSessions {
    const sessions = new RatingSessions({
      timers: this.timers,
      device: this.evaluator?.driver ?? undefined,
      graceMs: this.graceMs,
    });
    this.detachDevice.push(sessions.onClose((outcome) => this.closed(outcome)));
    const evaluator = this.evaluator;
    if (evaluator) {
      this.detachDevice.push(sessions.attach(evaluator.driver));
      let answering = evaluator.driver.health(evaluator.address).state === 'ok';
      this.detachDevice.push(
        evaluator.driver.onHealth((health) => {
          if (health.address === evaluator.address) {
            const was = answering;
            answering = health.state === 'ok';
            if (answering && !was && this.started && this.evaluator === evaluator) this.restore(evaluator);
          }
          this.onChange();
        }),
      );
    }
    return sessions;
  }

  /** Opens the evaluator's line (it reconnects on its own from then on). */
  start(): void {
    this.started = true;
    this.evaluator?.driver.start();
  }

  async close(): Promise<void> {
    this.started = false;
    this.cancelTests();
    for (const off of this.detach.splice(0)) off();
    if (this.open || this.waiting.length > 0) {
      this.log.warn('counter closing with a rating session open or waiting', {
        sessionId: this.open?.sessionId ?? null,
        waiting: this.waiting.length,
      });
    }
    // The program ends: an open session is not left unaccounted for — stored as cancelled
    // (and the evaluator told), never silently dropped. Services still waiting never had a prompt.
    this.waiting = [];
    if (this.open) this.sessions.cancel(this.open.sessionId);
    for (const off of this.detachDevice.splice(0)) off();
    this.sessions.dispose();
    this.open = null;
    await this.evaluator?.driver.stop();
  }

  /**
   * Another evaluator (设备设置 changed): an open session is cancelled (and
   * stored as such), the old driver is stopped first so its serial port is
   * free, then the new one starts showing what the old one showed.
   */
  async setEvaluator(evaluator: RatingServiceOptions['evaluator']): Promise<void> {
    // Not the citizen's doing: the service stays the one 请评价 rates again.
    this.cancelOpen({ keepLastServed: true });
    this.cancelTests();
    for (const off of this.detachDevice.splice(0)) off();
    this.sessions.dispose();
    const old = this.evaluator;
    this.evaluator = null;
    this.staleOnDevice = [];
    try {
      await old?.driver.stop();
    } catch (error) {
      this.log.warn('old evaluator did not stop cleanly', { error: String(error) });
    }
    this.evaluator = evaluator;
    this.sessions = this.bind();
    // Once it answers, it shows what the old one showed (bind).
    if (this.started) evaluator?.driver.start();
    this.onChange();
  }

  /**
   * The evaluator answers (again): a device that was unplugged, lost power or
   * restarted shows nothing of ours, so it is given everything — prompts it
   * may still hold for sessions closed meanwhile are cancelled, then the
   * clerk (SHOW_IDENTITY), the state (SET_STATE) and the open session's
   * prompt (START_RATING, same session id, the time it has left). The
   * commands go out in this order (the driver sends one at a time); a
   * command that fails is logged, and the next reconnect tries again.
   */
  private restore(evaluator: NonNullable<RatingServiceOptions['evaluator']>): void {
    const { driver, address } = evaluator;
    for (const sessionId of this.staleOnDevice.splice(0)) {
      driver.cancelRating(address, sessionId).catch(this.commandFailed('CANCEL_RATING (after reconnect)'));
    }
    this.sendShown(evaluator);
    const open = this.sessions.openSession(address);
    if (!open) return;
    const leftMs = open.limitSeconds * 1000 - (this.timers.now() - open.openedAt);
    // Whole seconds, rounded down: the device gives up no later than the host does.
    const seconds = Math.min(MAX_LIMIT_SECONDS, Math.floor(leftMs / 1000));
    if (seconds < MIN_LIMIT_SECONDS) {
      this.log.info('rating session not sent again: too little time left', { sessionId: open.sessionId, leftMs });
      return;
    }
    this.log.info('rating session sent again after reconnect', { sessionId: open.sessionId, seconds });
    driver.startRating(address, open.sessionId, seconds).catch(this.commandFailed('START_RATING (after reconnect)'));
  }

  /** After a restart: who is signed in and what the evaluator should show once it answers (nothing is sent now). */
  restoreShown(identity: { staffNo: string; name: string } | null, state: 'idle' | 'serving' | 'paused'): void {
    this.identity = identity;
    this.displayState = state;
  }

  /** Every stored rating, right after its commit (tests, the bench). */
  onRecorded(listener: (record: RatingRecord) => void): () => void {
    this.recordedListeners.add(listener);
    return () => this.recordedListeners.delete(listener);
  }

  // ---- sessions -------------------------------------------------------------

  /**
   * Opens a rating session for `context` (the ticket just completed, or in
   * hand); without a ticket, the last one completed here. One session at a
   * time: asking again while one is open keeps that one.
   */
  request(context: RatingContext): { sessionId: number } {
    if (this.open) return { sessionId: this.open.sessionId };
    // A citizen's rating comes before a manager's 测试评价 still prompting on the device.
    this.cancelTests();
    const last = this.lastServed;
    const rated =
      context.ticket === null && last && last.windowId === context.windowId && last.staffNo === context.staffNo
        ? last
        : context;
    const found = rated.ticket ? this.store.caseFor(rated.windowId, rated.ticket.number, rated.ticket.calledAt) : null;
    const limitSeconds = this.settings().ratingTimeLimitSeconds;
    const sessionId = newSessionId();
    const address = this.evaluator?.address ?? 0;
    const meta: OpenMeta = {
      sessionId,
      context: rated,
      caseNo: found?.caseNo ?? null,
      itemCode: found?.itemCode ?? null,
      limitSeconds,
      openedAt: this.clock(),
    };
    this.open = meta;
    let deviceReady: Promise<{ ok: true } | { ok: false; error: Error }>;
    try {
      ({ deviceReady } = this.sessions.open({ sessionId, address, limitSeconds }));
    } catch (error) {
      this.open = null;
      throw new HallError('CONFLICT', `无法开始评价：${error instanceof Error ? error.message : String(error)}`, 409);
    }
    this.log.info('rating session opened', { sessionId, ticket: rated.ticket?.number ?? null, caseNo: meta.caseNo });
    void deviceReady.then((ack) => {
      if (!ack.ok) this.log.warn('evaluator did not take the rating session', { sessionId, error: ack.error.message });
    });
    this.onChange();
    return { sessionId };
  }

  /**
   * 办结: remembers the service and opens its rating session — or, while the
   * citizen before is still rating (叫号 came in between), queues it: it opens
   * as soon as that session closes (rated, 未评价 or cancelled).
   */
  completed(context: RatingContext): void {
    this.lastServed = context;
    // The ticket is done: the device goes back to idle by itself when the
    // session ends, so idle is what a reconnect (or a 测试评价) restores.
    this.displayState = 'idle';
    if (this.open && !sameService(this.open.context, context)) {
      if (!this.waiting.some((waiting) => sameService(waiting, context))) this.waiting.push(context);
      this.log.info('rating session waits for the one before it', {
        sessionId: this.open.sessionId,
        ticket: context.ticket?.number ?? null,
        waiting: this.waiting.length,
      });
      this.onChange();
      return;
    }
    this.request(context);
  }

  /**
   * 叫号: a new citizen stands at the window. An open session is NOT
   * cancelled — the citizen just served may still be pressing a key — but
   * 请评价 without a ticket no longer means the service before.
   */
  nextCitizen(): void {
    this.lastServed = null;
  }

  /**
   * The next number is called: an open session is cancelled (CANCEL_RATING)
   * and stored as cancelled. `keepLastServed`: the cancel is not about the
   * citizen (another evaluator): 请评价 can open that service's rating again.
   * True when a session was open.
   */
  cancelOpen(options: { keepLastServed?: boolean } = {}): boolean {
    // Not the citizens' doing either: services waiting for their turn stay (请评价 reopens one).
    this.waiting = [];
    if (!this.open) return false;
    const { sessionId } = this.open;
    const evaluator = this.evaluator;
    const { deviceDone } = this.sessions.cancel(sessionId);
    if (!options.keepLastServed) this.lastServed = null;
    void deviceDone.then((ack) => {
      if (ack.ok) return;
      this.log.warn('evaluator did not take CANCEL_RATING', { error: ack.error.message });
      this.cancelOnReconnect(evaluator, sessionId);
    });
    return true;
  }

  /** A CANCEL_RATING that did not reach the device (unplugged): sent when it answers again, in case it still prompts. */
  private cancelOnReconnect(evaluator: RatingServiceOptions['evaluator'], sessionId: number): void {
    if (!evaluator || evaluator !== this.evaluator || this.staleOnDevice.includes(sessionId)) return;
    this.staleOnDevice.push(sessionId);
    // Only the latest few matter: a device prompts for one session at a time.
    if (this.staleOnDevice.length > 4) this.staleOnDevice.shift();
  }

  /** The citizen touched a level on the outward screen. */
  rateByTouch(sessionId: number, level: number): { accepted: boolean } {
    const verdict = this.sessions.offerResult({ sessionId, level, channel: 'touch' });
    if (verdict !== 'accepted') this.log.info('touch rating ignored', { sessionId, verdict });
    return { accepted: verdict === 'accepted' };
  }

  private closed(outcome: SessionOutcome): void {
    // 测试评价: the manager's own press, not a citizen's rating.
    if (this.testSessions.delete(outcome.sessionId)) return;
    const meta = this.open;
    if (!meta || meta.sessionId !== outcome.sessionId) {
      this.log.warn('rating session closed that this service did not open', { sessionId: outcome.sessionId });
      return;
    }
    this.open = null;
    const at = this.clock();
    const record: RatingRecord = {
      id: this.newId(),
      sessionId: meta.sessionId,
      caseNo: meta.caseNo,
      itemCode: meta.itemCode,
      windowId: meta.context.windowId,
      staffNo: meta.context.staffNo,
      ticketNumber: meta.context.ticket?.number ?? null,
      level: outcome.status === 'rated' ? outcome.level : null,
      outcome: outcome.status,
      channel: outcome.status === 'rated' ? outcome.channel : 'none',
      deviceAddress: this.evaluator ? outcome.address : null,
      openedAt: meta.openedAt.toISOString(),
      at: at.toISOString(),
    };
    try {
      this.db.transaction(() => {
        this.store.insertRating(record);
        this.outbox.append(RATING_RECORDED, record);
        if (record.level !== null && isBadRating(record.level)) {
          const dueDate = addWorkingDays(this.today(), this.settings().badRatingFollowUpWorkingDays, this.calendars());
          const id = this.store.openFollowUp(record.id, dueDate, '差评自动生成，待核实', record.at);
          this.outbox.append(FOLLOW_UP_OPENED, { id, ratingId: record.id, dueDate, state: 'verifying', at: record.at });
        }
      })();
    } catch (error) {
      // Never silent: the log says which session and what it was.
      this.log.error('rating could not be stored', { sessionId: record.sessionId, outcome: record.outcome, ratingLevel: record.level, error: String(error) });
      this.afterSession();
      this.onChange();
      return;
    }
    // Touch answered first: the evaluator leaves its prompt (a key pressed meanwhile is acknowledged and ignored).
    const evaluator = this.evaluator;
    if (record.channel === 'touch' && evaluator) {
      evaluator.driver
        .cancelRating(evaluator.address, record.sessionId)
        .catch((error: unknown) => {
          this.log.warn('evaluator CANCEL_RATING after touch failed', { error: String(error) });
          this.cancelOnReconnect(evaluator, record.sessionId);
        });
    }
    // Rated or timed out: 请评价 does not rate that service again (a service completed since stays).
    if (record.outcome !== 'cancelled' && this.lastServed && sameService(this.lastServed, meta.context)) this.lastServed = null;
    this.latestByWindow.set(record.windowId, {
      level: record.level,
      outcome: record.outcome,
      channel: record.channel,
      ticketNumber: record.ticketNumber,
      at: record.at,
    });
    this.log.info('rating stored', { sessionId: record.sessionId, outcome: record.outcome, ratingLevel: record.level, channel: record.channel });
    for (const listener of [...this.recordedListeners]) listener(record);
    this.afterSession();
    this.onChange();
  }

  /**
   * A session closed: the next service waiting for its rating opens now;
   * with none, the evaluator is given what it should show (the clerk and the
   * state set while the prompt was up: serving the next number, paused,
   * another clerk or nobody).
   */
  private afterSession(): void {
    const next = this.waiting.shift();
    if (next) {
      try {
        this.request(next);
        return;
      } catch (error) {
        this.log.error('waiting rating session could not be opened', { ticket: next.ticket?.number ?? null, error: String(error) });
      }
    }
    if (this.evaluator && this.started) this.sendShown(this.evaluator);
  }

  // ---- the evaluator's display ------------------------------------------------

  /** SHOW_IDENTITY then idle (or `state`): the clerk signed in. */
  clerkSignedIn(staffNo: string, name: string, state: 'idle' | 'serving' | 'paused' = 'idle'): void {
    this.identity = { staffNo, name };
    this.displayState = state;
    // A citizen still rating the clerk before keeps the prompt; the new clerk shows once it closes.
    if (this.evaluator && !this.open) this.sendShown(this.evaluator);
  }

  /**
   * SHOW_IDENTITY (when a clerk is signed in) and SET_STATE, queued at once:
   * the driver sends one command at a time in this order, so a state set
   * later goes out later.
   */
  private sendShown(evaluator: NonNullable<RatingServiceOptions['evaluator']>): void {
    const { driver, address } = evaluator;
    const identity = this.identity;
    if (identity) driver.showIdentity(address, identity.staffNo, identity.name).catch(this.commandFailed('SHOW_IDENTITY'));
    driver.setState(address, displayCode(this.displayState)).catch(this.commandFailed('SET_STATE'));
  }

  /** Logs a command the evaluator did not take (it is unplugged or not answering; its health says so to the clerk). */
  private commandFailed(command: string): (error: unknown) => void {
    return (error) => this.log.warn('evaluator command failed', { command, error: String(error) });
  }

  /** The clerk signed out: the evaluator shows paused, and a new device shows no identity. */
  clerkSignedOut(): void {
    this.identity = null;
    this.display('paused');
  }

  /**
   * What the evaluator shows (SET_STATE). While a citizen's session is open
   * the prompt stays: the state is kept and sent when the session closes.
   */
  display(state: 'idle' | 'serving' | 'paused'): void {
    this.displayState = state;
    const evaluator = this.evaluator;
    if (!evaluator || this.open) return;
    evaluator.driver
      .setState(evaluator.address, displayCode(state))
      .catch((error: unknown) => this.log.warn('evaluator SET_STATE failed', { state, error: String(error) }));
  }

  // ---- 设备设置: device tests (never a rating) ---------------------------------------

  /** Ends running 测试评价 sessions (a waiting testRating answers 'cancelled'). */
  private cancelTests(): void {
    for (const sessionId of [...this.testSessions]) {
      if (!this.sessions.cancel(sessionId).wasOpen) this.testSessions.delete(sessionId);
    }
  }

  /** PING: the device answers, or why not. */
  async ping(): Promise<{ ok: boolean; message: string }> {
    const evaluator = this.evaluator;
    if (!evaluator) return { ok: false, message: NO_EVALUATOR };
    if (evaluator.address === 0) {
      // An ascii keypad takes no commands: the open line is all there is to know.
      const health = evaluator.driver.health(0);
      return health.state === 'ok'
        ? { ok: true, message: '评价键盘已连接（键盘不应答查询，请用「测试评价」按一次键检验）' }
        : { ok: false, message: health.message };
    }
    try {
      let info;
      try {
        info = await evaluator.driver.ping(evaluator.address);
      } catch (error) {
        // Just (re)built: the line may still be opening. Give it a moment, once.
        if (!(error instanceof EvaluatorError) || error.code !== 'UNPLUGGED') throw error;
        await this.nextHealth(evaluator, 2000);
        info = await evaluator.driver.ping(evaluator.address);
      }
      const detail = info ? `（型号 ${info.model}，固件 ${info.firmware.major}.${info.firmware.minor}）` : '';
      return { ok: true, message: `评价器（地址 ${evaluator.address}）应答正常${detail}` };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Resolves on the evaluator's next health report, or after `ms`. */
  private nextHealth(evaluator: NonNullable<RatingServiceOptions['evaluator']>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const off = evaluator.driver.onHealth(done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  /**
   * 测试评价: the device prompts for `limitSeconds`; answers with the level
   * pressed, or none after the limit. Nothing is stored or sent. The device
   * then shows what it showed before.
   */
  async testRating(limitSeconds: number): Promise<EvaluatorTestResult> {
    const evaluator = this.evaluator;
    if (!evaluator) return { ok: false, level: null, message: NO_EVALUATOR };
    if (this.open || this.sessions.openSession(evaluator.address)) {
      throw new HallError('CONFLICT', '评价器正在评价中，请等本次评价结束后再测试', 409);
    }
    const sessionId = newSessionId();
    const sessions = this.sessions;
    this.testSessions.add(sessionId);
    let opened;
    try {
      opened = sessions.open({ sessionId, address: evaluator.address, limitSeconds });
    } catch (error) {
      this.testSessions.delete(sessionId);
      throw new HallError('CONFLICT', `无法开始测试评价：${error instanceof Error ? error.message : String(error)}`, 409);
    }
    this.log.info('evaluator test rating opened', { sessionId });
    const ready = await opened.deviceReady;
    // A citizen's rating that took the device over (request) keeps its prompt.
    const restore = () => {
      if (!this.open) this.display(this.displayState);
    };
    if (!ready.ok) {
      sessions.cancel(sessionId);
      restore();
      return { ok: false, level: null, message: `评价器未能开始测试评价：${ready.error.message}` };
    }
    const outcome = await opened.outcome;
    restore();
    if (outcome.status === 'rated') {
      return { ok: true, level: outcome.level, message: `评价器按下：${LEVEL_NAME[outcome.level]}` };
    }
    if (outcome.status === 'cancelled') {
      return { ok: false, level: null, message: '测试评价已取消（窗口开始了群众评价、评价器设置已更改或程序正在退出）' };
    }
    return {
      ok: false,
      level: null,
      message: `${limitSeconds} 秒内评价器没有按键：请检查评价器是否显示评价画面、按键是否正常`,
    };
  }

  // ---- views --------------------------------------------------------------------

  evaluatorStatus(): EvaluatorStatus | null {
    if (!this.evaluator) return null;
    const health = this.evaluator.driver.health(this.evaluator.address);
    return { state: health.state, message: health.message };
  }

  clerkView(windowId: number | null): ClerkRating {
    const open = this.open;
    let latest: ClerkRating['latest'] = null;
    if (windowId !== null) {
      if (!this.latestByWindow.has(windowId)) this.latestByWindow.set(windowId, this.store.latest(windowId));
      latest = this.latestByWindow.get(windowId) ?? null;
    }
    return {
      open: open && {
        sessionId: open.sessionId,
        endsAt: endsAt(open).toISOString(),
        ticketNumber: open.context.ticket?.number ?? null,
      },
      waiting: this.waiting.map((waiting) => waiting.ticket?.number ?? null),
      latest,
    };
  }

  outwardView(): OutwardRating | null {
    const open = this.open;
    if (!open) return null;
    return {
      sessionId: open.sessionId,
      ticketNumber: open.context.ticket?.number ?? null,
      limitSeconds: open.limitSeconds,
      endsAt: endsAt(open).toISOString(),
      levels: LEVELS_BEST_FIRST.map((level) => ({ level, name: LEVEL_NAME[level] })),
    };
  }
}

const NO_EVALUATOR = '本窗口未设置评价器：请先在「评价器」中选择串口和协议并保存';

function displayCode(state: 'idle' | 'serving' | 'paused'): DisplayState {
  return state === 'serving' ? DisplayState.SERVING : state === 'paused' ? DisplayState.PAUSED : DisplayState.IDLE;
}

/** The same service: the same window, clerk and ticket (a ticket called again is another service). */
function sameService(a: RatingContext, b: RatingContext): boolean {
  return (
    a.windowId === b.windowId &&
    a.staffNo === b.staffNo &&
    a.ticket?.number === b.ticket?.number &&
    a.ticket?.calledAt === b.ticket?.calledAt
  );
}

const endsAt = (open: OpenMeta) => new Date(open.openedAt.getTime() + open.limitSeconds * 1000);
