// The evaluator driver: owns the serial line, the timing, the retries and
// the reconnects; the codecs (ft12.ts, ascii-keypad.ts) stay pure.
//
// ft12: commands go out one at a time, each waiting for its answer and
// resent until it comes (command-queue.ts). Every RESULT is acknowledged
// (repeats too) and surfaced; one rating per session is the session layer's
// rule (sessions.ts). ascii-keypad: nothing is ever sent; mapped key bytes
// are surfaced as key presses.
//
// Health per device — ok / not_answering / unplugged, with a zh-CN message
// saying what happened and what to do — is pushed to listeners on change.
// After the line closes or fails the driver reopens it with backoff
// (250 ms doubling to 5 s) and PINGs every device again.
import type { Logger } from '../../log.ts';
import { silentLogger } from '../../log.ts';
import type { BytePort, PortClosed, PortOpener, SerialLineError } from '../serial-line.ts';
import { classifySerialError } from '../serial-line.ts';
import {
  createAsciiKeypadDecoder,
  DEFAULT_KEY_MAP,
  type AsciiKeypadCounts,
  type KeyMap,
} from './ascii-keypad.ts';
import { systemTimers, type TimerHandle, type Timers } from './clock.ts';
import {
  ASCII_KEYPAD_ADDRESS,
  CommandQueue,
  describeAddress,
  EvaluatorError,
  type EvaluatorErrorCode,
} from './command-queue.ts';
import {
  createFt12Decoder,
  Ft12Command,
  isValidAddress,
  NakReason,
  type DeviceMessage,
  type DisplayState,
  type Ft12Counts,
  type Ft12Drop,
} from './ft12.ts';
import { truncateGb18030 } from '../gb18030.ts';
import type { RatingLevel } from './levels.ts';
import type { RatingDevice, RatingSource } from './sessions.ts';

export type EvaluatorProtocol = 'ft12' | 'ascii-keypad';
export type HealthState = 'ok' | 'not_answering' | 'unplugged';

export { ASCII_KEYPAD_ADDRESS, EvaluatorError, type EvaluatorErrorCode };

export interface EvaluatorHealth {
  /** ft12 device address, or ASCII_KEYPAD_ADDRESS. */
  address: number;
  state: HealthState;
  /** zh-CN for the clerk's status bar: what happened and what to do. */
  message: string;
  /** For logs: the port and the system's error text. */
  detail: string | null;
  since: number;
}

export interface PingInfo {
  model: number;
  firmware: { major: number; minor: number };
}

export interface EvaluatorResult {
  address: number;
  sessionId: number;
  level: RatingLevel;
}

export interface EvaluatorKeyPress {
  address: number;
  /** The raw key: the ft12 KEY code, or the keypad's byte. */
  key: number;
  /** The level an ascii keypad's key map gives it; null for an ft12 KEY (a key outside a session). */
  level: RatingLevel | null;
}

export interface EvaluatorCounts {
  ft12: Ft12Counts;
  keypad: AsciiKeypadCounts;
  results: number;
  acksSent: number;
  sends: number;
  resends: number;
  naks: number;
  notAnswering: number;
  reconnects: number;
}

export interface EvaluatorDriverOptions {
  open: PortOpener;
  /** The line's name in messages when the opener does not say (e.g. the configured path). */
  name?: string;
  protocol?: EvaluatorProtocol;
  /** ft12 devices on this line (1–250). Default [1]. Ignored for an ascii keypad. */
  addresses?: readonly number[];
  /** ascii-keypad key map; default '1'…'5' → 1…5. */
  keyMap?: KeyMap;
  timers?: Timers;
  logger?: Logger;
  /** Per send. Default 300 ms. */
  answerTimeoutMs?: number;
  /** Sends per command before the device counts as not answering. Default 3. */
  maxSends?: number;
  /** Reopen delay after the line goes: doubles from initialMs up to maxMs. Default 250 ms → 5 s. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** A partial frame followed by this much silence is given up on. Default 50 ms. */
  idleFlushMs?: number;
  /** PING a device not heard from for this long (so a dead or revived device shows). 0 = never. Default 10 s. */
  heartbeatMs?: number;
}

/** 「串口 /dev/ttyUSB0 」 for messages, or just 「串口」 when the line has no name. */
const lineLabel = (path: string) => (path ? `串口 ${path} ` : '串口');

export class EvaluatorDriver implements RatingDevice, RatingSource {
  readonly protocol: EvaluatorProtocol;
  readonly addresses: readonly number[];
  private readonly openPort: PortOpener;
  private readonly lineName: string;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly idleFlushMs: number;
  private readonly heartbeatMs: number;

  private readonly ft12 = createFt12Decoder('device');
  private readonly keypad: ReturnType<typeof createAsciiKeypadDecoder>;
  private readonly healthByAddress = new Map<number, EvaluatorHealth>();
  private readonly lastHeard = new Map<number, number>();
  private readonly healthListeners = new Set<(health: EvaluatorHealth) => void>();
  private readonly resultListeners = new Set<(result: EvaluatorResult) => void>();
  private readonly keyListeners = new Set<(press: EvaluatorKeyPress) => void>();
  private readonly stats = {
    results: 0,
    acksSent: 0,
    sends: 0,
    resends: 0,
    naks: 0,
    notAnswering: 0,
    reconnects: 0,
  };

  private running = false;
  private port: BytePort | null = null;
  private connecting = false;
  private backoffMs: number;
  private reconnectTimer: TimerHandle = null;
  private flushTimer: TimerHandle = null;
  private heartbeatTimer: TimerHandle = null;
  private readonly commands: CommandQueue;

  constructor(options: EvaluatorDriverOptions) {
    this.openPort = options.open;
    this.lineName = options.name ?? '';
    this.protocol = options.protocol ?? 'ft12';
    const addresses =
      this.protocol === 'ft12' ? [...new Set(options.addresses ?? [1])] : [ASCII_KEYPAD_ADDRESS];
    if (this.protocol === 'ft12') {
      for (const address of addresses) {
        if (!isValidAddress(address, false)) throw new RangeError(`评价器地址 ${address} 无效：应为 1–250`);
      }
    }
    this.addresses = addresses;
    this.keypad = createAsciiKeypadDecoder(options.keyMap ?? DEFAULT_KEY_MAP);
    this.timers = options.timers ?? systemTimers;
    this.log = options.logger ?? silentLogger;
    this.backoffInitialMs = options.reconnect?.initialMs ?? 250;
    this.backoffMaxMs = options.reconnect?.maxMs ?? 5000;
    this.backoffMs = this.backoffInitialMs;
    this.idleFlushMs = options.idleFlushMs ?? 50;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    for (const address of addresses) {
      this.healthByAddress.set(address, {
        address,
        state: 'unplugged',
        message: `${describeAddress(address)}尚未连接：正在打开串口，请稍候`,
        detail: null,
        since: this.timers.now(),
      });
    }
    this.commands = new CommandQueue({
      timers: this.timers,
      log: this.log,
      answerTimeoutMs: options.answerTimeoutMs ?? 300,
      maxSends: options.maxSends ?? 3,
      stats: this.stats,
      port: () => this.port,
      unpluggedMessage: (address) => this.healthByAddress.get(address)?.message,
      notAnswering: (address, message, detail) => {
        if (this.healthByAddress.has(address)) this.setHealth(address, 'not_answering', message, detail);
      },
      writeFailed: (port, error) => this.lineFailed(port, error),
    });
  }

  // -------------------------------------------------------------------------
  // Lifecycle

  /** Opens the line (retrying with backoff until it opens) and PINGs every device. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
    this.scheduleHeartbeat();
  }

  /** Closes the line; pending commands fail with STOPPED. No reconnects after this. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of [this.reconnectTimer, this.flushTimer, this.heartbeatTimer]) {
      this.timers.clearTimeout(timer);
    }
    this.reconnectTimer = this.flushTimer = this.heartbeatTimer = null;
    this.commands.failAll('STOPPED', '评价器驱动已停止');
    const port = this.port;
    this.port = null;
    await port?.close();
  }

  get connected(): boolean {
    return this.port !== null;
  }

  // -------------------------------------------------------------------------
  // Listeners

  onHealth(listener: (health: EvaluatorHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Every RESULT frame, repeats included (each is acknowledged). */
  onResult(listener: (result: EvaluatorResult) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /** ft12 KEY frames and ascii keypad keys. */
  onKeyPress(listener: (press: EvaluatorKeyPress) => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  health(address: number = this.addresses[0]!): EvaluatorHealth {
    const health = this.healthByAddress.get(address);
    if (!health) throw new RangeError(`评价器地址 ${address} 不在本串口的配置中`);
    return { ...health };
  }

  healthAll(): EvaluatorHealth[] {
    return [...this.healthByAddress.values()].map((h) => ({ ...h }));
  }

  counts(): EvaluatorCounts {
    return { ft12: this.ft12.counts(), keypad: this.keypad.counts(), ...this.stats };
  }

  // -------------------------------------------------------------------------
  // Commands (ft12; an ascii keypad takes none, so they resolve at once)

  async ping(address: number): Promise<PingInfo | null> {
    if (this.protocol !== 'ft12') return null;
    return this.commands.request({ type: 'PING', address }, (m) =>
      m.type === 'PING_ANSWER' ? { value: { model: m.model, firmware: m.firmware } } : null,
    ) as Promise<PingInfo>;
  }

  /** Shows the clerk on the evaluator's LCD; each text is cut to 32 GB18030 bytes at a character boundary. */
  async showIdentity(address: number, staffNumber: string, name: string): Promise<void> {
    if (this.protocol !== 'ft12') return;
    const clean = (text: string) => truncateGb18030(text.replaceAll('\0', ''), 32);
    await this.commands.request(
      { type: 'SHOW_IDENTITY', address, staffNumber: clean(staffNumber), name: clean(name) },
      (m) => (m.type === 'SHOW_IDENTITY_ANSWER' ? { value: undefined } : null),
    );
  }

  async startRating(address: number, sessionId: number, limitSeconds: number): Promise<void> {
    if (this.protocol !== 'ft12') return;
    await this.commands.request({ type: 'START_RATING', address, sessionId, limitSeconds }, (m) =>
      m.type === 'START_RATING_ANSWER' && m.sessionId === sessionId ? { value: undefined } : null,
    );
  }

  /** 'no_such_session': the device had already left that session (timed out, or an earlier cancel went through). */
  async cancelRating(address: number, sessionId: number): Promise<'cancelled' | 'no_such_session'> {
    if (this.protocol !== 'ft12') return 'cancelled';
    return this.commands.request({ type: 'CANCEL_RATING', address, sessionId }, (m) =>
      m.type === 'CANCEL_RATING_ANSWER' && m.sessionId === sessionId
        ? { value: 'cancelled' }
        : m.type === 'NAK' &&
            m.rejected === Ft12Command.CANCEL_RATING &&
            m.reason === NakReason.NO_SUCH_SESSION
          ? { value: 'no_such_session' }
          : null,
    ) as Promise<'cancelled' | 'no_such_session'>;
  }

  async setState(address: number, state: DisplayState): Promise<void> {
    if (this.protocol !== 'ft12') return;
    await this.commands.request({ type: 'SET_STATE', address, state }, (m) =>
      m.type === 'SET_STATE_ANSWER' && m.state === state ? { value: undefined } : null,
    );
  }

  // -------------------------------------------------------------------------
  // The line

  private async connect(): Promise<void> {
    if (!this.running || this.port || this.connecting) return;
    this.connecting = true;
    let port: BytePort;
    try {
      port = await this.openPort();
    } catch (error) {
      this.connecting = false;
      const lineError = classifySerialError(error, this.lineName);
      this.setAllUnplugged(lineError, false);
      this.scheduleReconnect();
      return;
    }
    this.connecting = false;
    if (!this.running) {
      await port.close();
      return;
    }
    this.port = port;
    this.backoffMs = this.backoffInitialMs;
    this.log.info('evaluator line open', { port: port.name, protocol: this.protocol });
    port.onData((chunk) => this.onBytes(chunk));
    port.onClose((closed) => this.onLineClosed(port, closed));
    if (this.protocol === 'ascii-keypad') {
      this.setHealth(ASCII_KEYPAD_ADDRESS, 'ok', '评价键盘已连接', port.name);
      return;
    }
    for (const address of this.addresses) this.probe(address);
  }

  private probe(address: number): void {
    this.ping(address).then(
      () => {},
      () => {}, // health is updated where the request fails
    );
  }

  private onLineClosed(port: BytePort, closed: PortClosed): void {
    if (this.port !== port) return;
    this.port = null;
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.ft12.flush();
    if (closed.requested) return;
    const error = classifySerialError(closed.error ?? new Error('line closed'), port.name);
    this.log.warn('evaluator line lost', { port: port.name, error: error.message });
    this.commands.failAll(
      'UNPLUGGED',
      `评价器连接中断（${lineLabel(port.name)}已断开）：请检查串口线，系统正在自动重连`,
    );
    this.setAllUnplugged(error, true);
    this.stats.reconnects++;
    this.scheduleReconnect();
  }

  /** A write failed: handle it as a lost line, then close the port ourselves. */
  private lineFailed(port: BytePort, error: unknown): void {
    if (this.port !== port) return;
    this.onLineClosed(port, {
      requested: false,
      error: error instanceof Error ? error : new Error(String(error)),
    });
    port.close().catch(() => {});
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.backoffMaxMs);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private scheduleHeartbeat(): void {
    if (!this.running || this.heartbeatMs <= 0 || this.protocol !== 'ft12') return;
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = null;
      if (this.port) {
        const now = this.timers.now();
        for (const address of this.addresses) {
          const quiet = now - (this.lastHeard.get(address) ?? -Infinity) >= this.heartbeatMs;
          if (quiet && !this.commands.pinging(address)) this.probe(address);
        }
      }
      this.scheduleHeartbeat();
    }, this.heartbeatMs);
  }

  private onBytes(chunk: Uint8Array): void {
    if (this.protocol === 'ascii-keypad') {
      const { keys, dropped } = this.keypad.push(chunk);
      if (dropped > 0) this.log.debug('evaluator keypad noise', { bytes: dropped });
      for (const key of keys) {
        this.emit(this.keyListeners, { address: ASCII_KEYPAD_ADDRESS, key: key.byte, level: key.level });
      }
      return;
    }
    const { frames, dropped } = this.ft12.push(chunk);
    this.handle(frames, dropped);
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.ft12.pending > 0) {
      this.flushTimer = this.timers.setTimeout(() => {
        this.flushTimer = null;
        const flushed = this.ft12.flush();
        this.handle(flushed.frames, flushed.dropped);
      }, this.idleFlushMs);
    }
  }

  private handle(frames: DeviceMessage[], dropped: Ft12Drop[]): void {
    for (const drop of dropped) this.log.debug('evaluator frame dropped', { ...drop });
    for (const message of frames) this.onMessage(message);
  }

  private onMessage(message: DeviceMessage): void {
    const { address } = message;
    this.lastHeard.set(address, this.timers.now());
    if (this.healthByAddress.has(address) && this.healthByAddress.get(address)!.state !== 'ok') {
      this.setHealth(address, 'ok', `${describeAddress(address)}正常`, this.port?.name ?? null);
    }
    switch (message.type) {
      case 'RESULT':
        this.stats.results++;
        // Acknowledge every RESULT, repeats included; the session layer keeps one per session.
        this.commands.acknowledgeResult(address, message.sessionId);
        this.emit(this.resultListeners, { address, sessionId: message.sessionId, level: message.level });
        return;
      case 'KEY':
        this.emit(this.keyListeners, { address, key: message.key, level: null });
        return;
      case 'NAK':
        this.stats.naks++;
        this.commands.onNak(message);
        return;
      default:
        this.commands.onAnswer(message);
    }
  }

  // -------------------------------------------------------------------------
  // Health

  private setAllUnplugged(error: SerialLineError, wasOpen: boolean): void {
    const port = lineLabel(error.path);
    const message =
      error.code === 'BUSY'
        ? `评价器${port}被其他程序占用：请关闭占用该串口的程序，或联系管理员`
        : error.code === 'DENIED'
          ? `没有权限打开评价器${port}：请联系管理员设置串口权限`
          : wasOpen
            ? `评价器连接中断（${port}已断开）：请检查串口线，系统正在自动重连`
            : `评价器未连接（${port}无法打开）：请检查串口线或联系管理员`;
    for (const address of this.addresses) {
      this.setHealth(address, 'unplugged', message, `${error.code}: ${error.message}`);
    }
  }

  private setHealth(address: number, state: HealthState, message: string, detail: string | null): void {
    const previous = this.healthByAddress.get(address);
    if (!previous || (previous.state === state && previous.message === message)) return;
    const health: EvaluatorHealth = { address, state, message, detail, since: this.timers.now() };
    this.healthByAddress.set(address, health);
    this.log.info('evaluator health', { address, state, detail });
    this.emit(this.healthListeners, health);
  }

  private emit<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.log.error('evaluator listener failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
