// Rating sessions (一次一评): a session is opened with an id (u32, sent to the
// device) and a time limit; the first valid result for it closes it as
// rated; repeats, results for unknown or closed sessions are ignored; when
// the limit passes it closes as not rated (未评价) — never as a good rating;
// it can be cancelled (calling the next number). Clock and timers are
// injected. Which case, clerk and window a session belongs to, and storing
// the outcome, is the caller's business (the rating-session integration).
import { systemTimers, type TimerHandle, type Timers } from './clock.ts';
import { isRatingLevel, type RatingLevel } from './levels.ts';
import { MAX_LIMIT_SECONDS, MIN_LIMIT_SECONDS } from './ft12.ts';

/** Where a rating came from: the evaluator keypad or the outward screen's touch prompt. */
export type RatingChannel = 'evaluator' | 'touch';

export interface OpenSessionInfo {
  sessionId: number;
  address: number;
  limitSeconds: number;
  openedAt: number;
}

export type SessionOutcome =
  | {
      status: 'rated';
      sessionId: number;
      address: number;
      level: RatingLevel;
      channel: RatingChannel;
      at: number;
    }
  /** The time limit passed without a result: 未评价. */
  | { status: 'not_rated'; sessionId: number; address: number; at: number }
  | { status: 'cancelled'; sessionId: number; address: number; at: number };

/**
 * What became of an offered result: only 'accepted' is a rating. 'repeat' is
 * the same session already rated (a device resend); 'closed' a session that
 * timed out or was cancelled; 'unknown' a session never opened here;
 * 'wrong_address' an open session that belongs to another device; 'invalid'
 * a level outside 1–5.
 */
export type OfferVerdict = 'accepted' | 'repeat' | 'closed' | 'unknown' | 'wrong_address' | 'invalid';

export type DeviceAck = { ok: true } | { ok: false; error: Error };

/** The commands a session sends (the evaluator driver; a keypad that takes no commands resolves at once). */
export interface RatingDevice {
  startRating(address: number, sessionId: number, limitSeconds: number): Promise<unknown>;
  cancelRating(address: number, sessionId: number): Promise<unknown>;
}

/** Where results come from (the evaluator driver). */
export interface RatingSource {
  onResult(
    listener: (result: { address: number; sessionId: number; level: RatingLevel }) => void,
  ): () => void;
  onKeyPress(listener: (press: { address: number; level: RatingLevel | null }) => void): () => void;
}

export interface RatingSessionsOptions {
  timers?: Timers;
  device?: RatingDevice;
  /**
   * Extra time after the limit before the host gives up: a key pressed on
   * the device just before its own limit is still in flight. Default 1000 ms.
   */
  graceMs?: number;
  /** How many closed session ids are remembered (to tell 'repeat'/'closed' from 'unknown'). Default 1024. */
  rememberClosed?: number;
}

export type SessionCounts = Record<OfferVerdict | 'opened' | 'not_rated' | 'cancelled', number>;

interface LiveSession extends OpenSessionInfo {
  timer: TimerHandle;
  resolve: (outcome: SessionOutcome) => void;
}

/** A fresh, non-zero u32 session id. Random so that a device still resending from before a restart matches nothing. */
export function newSessionId(
  random: () => number = () => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32,
): number {
  return 1 + Math.floor(random() * 0xfffffffe);
}

export class RatingSessions {
  private readonly timers: Timers;
  private readonly device: RatingDevice | null;
  private readonly graceMs: number;
  private readonly rememberClosed: number;
  private readonly live = new Map<number, LiveSession>();
  private readonly closed = new Map<number, { address: number; status: SessionOutcome['status'] }>();
  private readonly closeListeners = new Set<(outcome: SessionOutcome) => void>();
  private readonly tally: SessionCounts = {
    opened: 0,
    accepted: 0,
    repeat: 0,
    closed: 0,
    unknown: 0,
    wrong_address: 0,
    invalid: 0,
    not_rated: 0,
    cancelled: 0,
  };

  constructor(options: RatingSessionsOptions = {}) {
    this.timers = options.timers ?? systemTimers;
    this.device = options.device ?? null;
    this.graceMs = options.graceMs ?? 1000;
    this.rememberClosed = options.rememberClosed ?? 1024;
  }

  /**
   * Opens a session and (when a device is given) sends START_RATING. The
   * session is open before the command leaves, so an early result counts.
   * Throws when the id was used before or the address already has an open
   * session (cancel it first). A device that does not answer leaves the
   * session open (touch can still answer; otherwise it times out): see
   * `deviceReady`.
   */
  open(request: { sessionId: number; address: number; limitSeconds: number }): {
    outcome: Promise<SessionOutcome>;
    deviceReady: Promise<DeviceAck>;
  } {
    const { sessionId, address, limitSeconds } = request;
    if (!Number.isInteger(sessionId) || sessionId < 0 || sessionId > 0xffffffff) {
      throw new RangeError(`评价会话号 ${sessionId} 无效`);
    }
    if (
      !Number.isInteger(limitSeconds) ||
      limitSeconds < MIN_LIMIT_SECONDS ||
      limitSeconds > MAX_LIMIT_SECONDS
    ) {
      throw new RangeError(
        `评价时限 ${limitSeconds} 秒无效：应为 ${MIN_LIMIT_SECONDS}–${MAX_LIMIT_SECONDS} 秒`,
      );
    }
    if (this.live.has(sessionId) || this.closed.has(sessionId))
      throw new Error(`评价会话号 ${sessionId} 已使用过`);
    if (this.openSession(address)) throw new Error(`评价器（地址 ${address}）已有进行中的评价，请先取消`);

    let resolve!: (outcome: SessionOutcome) => void;
    const outcome = new Promise<SessionOutcome>((r) => (resolve = r));
    const timer = this.timers.setTimeout(
      () => {
        if (this.live.get(sessionId)?.timer !== timer) return;
        this.close(sessionId, { status: 'not_rated', sessionId, address, at: this.timers.now() });
      },
      limitSeconds * 1000 + this.graceMs,
    );
    this.live.set(sessionId, {
      sessionId,
      address,
      limitSeconds,
      openedAt: this.timers.now(),
      timer,
      resolve,
    });
    this.tally.opened++;
    const deviceReady = this.device
      ? settle(this.device.startRating(address, sessionId, limitSeconds))
      : Promise.resolve(ok);
    return { outcome, deviceReady };
  }

  /** A result that names its session (ft12 RESULT, or touch on the outward screen). */
  offerResult(result: {
    sessionId: number;
    address?: number;
    level: number;
    channel?: RatingChannel;
  }): OfferVerdict {
    const verdict = this.judge(result.sessionId, result.address, result.level);
    this.tally[verdict]++;
    if (verdict === 'accepted') {
      const session = this.live.get(result.sessionId)!;
      this.close(session.sessionId, {
        status: 'rated',
        sessionId: session.sessionId,
        address: session.address,
        level: result.level as RatingLevel,
        channel: result.channel ?? 'evaluator',
        at: this.timers.now(),
      });
    }
    return verdict;
  }

  /** A press that names no session (an ascii keypad): it counts only for the session open on that address. */
  offerKey(press: { address: number; level: number; channel?: RatingChannel }): OfferVerdict {
    const session = this.openSession(press.address);
    if (!session) {
      const verdict: OfferVerdict = isRatingLevel(press.level) ? 'unknown' : 'invalid';
      this.tally[verdict]++;
      return verdict;
    }
    return this.offerResult({ ...press, sessionId: session.sessionId });
  }

  /**
   * Closes an open session as cancelled at once (a result arriving later is
   * ignored) and, with a device, sends CANCEL_RATING.
   */
  cancel(sessionId: number): { wasOpen: boolean; deviceDone: Promise<DeviceAck> } {
    const session = this.live.get(sessionId);
    if (!session) return { wasOpen: false, deviceDone: Promise.resolve(ok) };
    this.tally.cancelled++;
    this.close(sessionId, {
      status: 'cancelled',
      sessionId,
      address: session.address,
      at: this.timers.now(),
    });
    const deviceDone = this.device
      ? settle(this.device.cancelRating(session.address, sessionId))
      : Promise.resolve(ok);
    return { wasOpen: true, deviceDone };
  }

  openSession(address: number): OpenSessionInfo | null {
    for (const session of this.live.values()) {
      if (session.address === address) {
        const { sessionId, limitSeconds, openedAt } = session;
        return { sessionId, address, limitSeconds, openedAt };
      }
    }
    return null;
  }

  isOpen(sessionId: number): boolean {
    return this.live.has(sessionId);
  }

  onClose(listener: (outcome: SessionOutcome) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Feeds results and key presses from a driver into these sessions. */
  attach(source: RatingSource): () => void {
    const offResult = source.onResult((result) => this.offerResult({ ...result, channel: 'evaluator' }));
    const offKey = source.onKeyPress((press) => {
      if (press.level !== null)
        this.offerKey({ address: press.address, level: press.level, channel: 'evaluator' });
    });
    return () => {
      offResult();
      offKey();
    };
  }

  counts(): SessionCounts {
    return { ...this.tally };
  }

  /** Stops every timer; open sessions stay unresolved (shutdown). */
  dispose(): void {
    for (const session of this.live.values()) this.timers.clearTimeout(session.timer);
    this.live.clear();
    this.closeListeners.clear();
  }

  private judge(sessionId: number, address: number | undefined, level: number): OfferVerdict {
    if (!isRatingLevel(level)) return 'invalid';
    const session = this.live.get(sessionId);
    if (session) return address === undefined || address === session.address ? 'accepted' : 'wrong_address';
    const closed = this.closed.get(sessionId);
    if (!closed) return 'unknown';
    return closed.status === 'rated' ? 'repeat' : 'closed';
  }

  private close(sessionId: number, outcome: SessionOutcome): void {
    const session = this.live.get(sessionId);
    if (!session) return;
    this.live.delete(sessionId);
    this.timers.clearTimeout(session.timer);
    if (outcome.status === 'not_rated') this.tally.not_rated++;
    this.closed.set(sessionId, { address: session.address, status: outcome.status });
    while (this.closed.size > this.rememberClosed) this.closed.delete(this.closed.keys().next().value!);
    session.resolve(outcome);
    for (const listener of [...this.closeListeners]) listener(outcome);
  }
}

const ok: DeviceAck = { ok: true };

function settle(promise: Promise<unknown>): Promise<DeviceAck> {
  return promise.then(
    () => ok,
    (error: unknown) => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
  );
}
