// The ID card reader driver: owns the serial line, the poll cycle, the retry
// and the reconnects; the codec (sam.ts, text-block.ts) stays pure.
//
// Every `pollMs` it asks find-card (20 01). On 9F it selects (20 02) and
// reads (30 01); the text block is parsed at once and the photo zeroed. The
// reader halts a card once read (find answers 80 until it is lifted and laid
// again), so each placement gives one card. A read that fails (41, a damaged
// or short answer, no answer) is tried once more from find; a second failure
// is reported as 读卡失败，请重新放卡 and the card is left alone until it is
// lifted. SAM errors (23, 24, 31–33, 40, 47, 60, 66) reset the SAM first.
//
// Health — ok / not_answering / unplugged, with a zh-CN message — goes to
// listeners on change. After the line closes the driver reopens it with
// backoff (250 ms doubling to 5 s). Nothing personal is logged: events carry
// the card, logs only what happened.
import type { Logger } from '../../log.ts';
import { silentLogger } from '../../log.ts';
import { systemTimers, type TimerHandle, type Timers } from '../evaluator/clock.ts';
import type { BytePort, PortClosed, PortOpener, SerialLineError } from '../serial-line.ts';
import { classifySerialError } from '../serial-line.ts';
import {
  createSamDecoder,
  encodeCommand,
  hex,
  SAM_ERROR_CODES,
  SamCommand,
  SamStatus,
  takeReadText,
  toAnswer,
  type SamAnswer,
  type SamCommandCode,
  type SamDecoderCounts,
} from './sam.ts';
import { parseTextBlock, type IdCardText, type TextBlockErrorCode } from './text-block.ts';

export type IdCardHealthState = 'ok' | 'not_answering' | 'unplugged';

export interface IdCardHealth {
  state: IdCardHealthState;
  /** zh-CN for the status bar: what happened and what to do. */
  message: string;
  /** For logs: the port and the system's error text. */
  detail: string | null;
  since: number;
}

/** What one placement of a card gave. */
export type IdCardEvent =
  | { kind: 'card'; card: IdCardText }
  | { kind: 'refused'; code: TextBlockErrorCode; message: string }
  | { kind: 'read_failed'; message: string };

export interface IdCardCounts {
  decoder: SamDecoderCounts;
  polls: number;
  cards: number;
  refused: number;
  readFailures: number;
  retries: number;
  timeouts: number;
  samResets: number;
  reconnects: number;
}

export interface IdCardDriverOptions {
  open: PortOpener;
  /** The line's name in messages when the opener does not say. */
  name?: string;
  /** The line's speed, for answer timeouts (a read answer is 1,295 bytes). Default 115200. */
  baudRate?: number;
  timers?: Timers;
  logger?: Logger;
  /** The hall's date (YYYY-MM-DD), for the birth-date check. */
  today?: () => string;
  /** Between find-card polls. Default 300 ms. */
  pollMs?: number;
  /** Answer timeout on top of the time the answer takes on the wire (a SAM read takes a few hundred ms itself). Default 1000 ms. */
  answerSlackMs?: number;
  /** Timeouts in a row before the reader counts as not answering. Default 2. */
  timeoutsToNotAnswering?: number;
  reconnect?: { initialMs?: number; maxMs?: number };
}

export const READ_FAILED_MESSAGE = '读卡失败，请重新放卡';

/** The answers a command can get: its own success and failure statuses, or a status that says the host's frame was bad. */
function answerFits(command: SamCommandCode): (answer: SamAnswer) => boolean {
  const generic = (sw3: number) =>
    SAM_ERROR_CODES.has(sw3) || sw3 === SamStatus.HOST_CHECKSUM || sw3 === SamStatus.HOST_LENGTH || sw3 === SamStatus.UNKNOWN_COMMAND;
  if (command === SamCommand.FIND_CARD) {
    return (a) => a.sw3 === SamStatus.CARD_FOUND || a.sw3 === SamStatus.NO_CARD || generic(a.sw3);
  }
  if (command === SamCommand.SELECT_CARD) {
    return (a) => (a.sw3 === SamStatus.OK && a.data.length === 8) || a.sw3 === SamStatus.SELECT_FAILED || generic(a.sw3);
  }
  if (command === SamCommand.READ_TEXT_PHOTO) {
    return (a) => (a.sw3 === SamStatus.OK && a.data.length >= 4) || a.sw3 === SamStatus.READ_FAILED || generic(a.sw3);
  }
  return (a) => (a.sw3 === SamStatus.OK && a.data.length < 4) || generic(a.sw3);
}

const lineLabel = (path: string) => (path ? `串口 ${path} ` : '串口');

type Outcome = { answer: SamAnswer } | { error: 'timeout' | 'bad_frame' | 'line' };

export class IdCardDriver {
  private readonly openPort: PortOpener;
  private readonly lineName: string;
  private readonly msPerByte: number;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly today: (() => string) | undefined;
  private readonly pollMs: number;
  private readonly answerSlackMs: number;
  private readonly timeoutsToNotAnswering: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;

  private readonly decoder = createSamDecoder();
  private readonly healthListeners = new Set<(health: IdCardHealth) => void>();
  private readonly eventListeners = new Set<(event: IdCardEvent) => void>();
  private readonly stats = {
    polls: 0,
    cards: 0,
    refused: 0,
    readFailures: 0,
    retries: 0,
    timeouts: 0,
    samResets: 0,
    reconnects: 0,
  };
  private current: IdCardHealth;
  private running = false;
  private port: BytePort | null = null;
  private connecting = false;
  private backoffMs: number;
  private reconnectTimer: TimerHandle = null;
  private pollTimer: TimerHandle = null;
  /** The one command in flight: its answer, a damaged frame, or the line's end settles it. */
  private waiting: { settle: (outcome: Outcome) => void; timer: TimerHandle; accepts: (answer: SamAnswer) => boolean } | null = null;
  private timeoutsInRow = 0;
  /** A read failed twice: leave the card alone until find says it is gone. */
  private awaitingLift = false;
  private cycling = false;

  constructor(options: IdCardDriverOptions) {
    this.openPort = options.open;
    this.lineName = options.name ?? '';
    this.msPerByte = 10_000 / (options.baudRate ?? 115_200);
    this.timers = options.timers ?? systemTimers;
    this.log = options.logger ?? silentLogger;
    this.today = options.today;
    this.pollMs = options.pollMs ?? 300;
    this.answerSlackMs = options.answerSlackMs ?? 1000;
    this.timeoutsToNotAnswering = options.timeoutsToNotAnswering ?? 2;
    this.backoffInitialMs = options.reconnect?.initialMs ?? 250;
    this.backoffMaxMs = options.reconnect?.maxMs ?? 5000;
    this.backoffMs = this.backoffInitialMs;
    this.current = {
      state: 'unplugged',
      message: '读卡器未连接：正在打开串口，请稍候',
      detail: null,
      since: this.timers.now(),
    };
  }

  // -------------------------------------------------------------------------
  // Lifecycle and listeners

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timers.clearTimeout(this.reconnectTimer);
    this.timers.clearTimeout(this.pollTimer);
    this.reconnectTimer = this.pollTimer = null;
    this.settle({ error: 'line' });
    const port = this.port;
    this.port = null;
    await port?.close();
  }

  get connected(): boolean {
    return this.port !== null;
  }

  health(): IdCardHealth {
    return { ...this.current };
  }

  counts(): IdCardCounts {
    return { decoder: this.decoder.counts(), ...this.stats };
  }

  onHealth(listener: (health: IdCardHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** One event per placement: a card, a refused text block, or a read that failed twice. */
  onEvent(listener: (event: IdCardEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
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
      this.setUnplugged(classifySerialError(error, this.lineName), false);
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
    this.timeoutsInRow = 0;
    this.awaitingLift = false;
    this.decoder.flush();
    this.log.info('id card reader line open', { port: port.name });
    port.onData((chunk) => this.onBytes(chunk));
    port.onClose((closed) => this.onLineClosed(port, closed));
    this.schedulePoll(0);
  }

  private onLineClosed(port: BytePort, closed: PortClosed): void {
    if (this.port !== port) return;
    this.port = null;
    this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.decoder.flush();
    this.settle({ error: 'line' });
    if (closed.requested) return;
    const error = classifySerialError(closed.error ?? new Error('line closed'), port.name);
    this.log.warn('id card reader line lost', { port: port.name, error: error.message });
    this.setUnplugged(error, true);
    this.stats.reconnects++;
    this.scheduleReconnect();
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

  private onBytes(chunk: Uint8Array): void {
    const { frames, dropped } = this.decoder.push(chunk);
    for (const drop of dropped) {
      if (drop.reason === 'noise') continue;
      this.log.debug('id card reader frame dropped', { ...drop });
      // A damaged answer to the command in flight: no need to wait out its timeout.
      if (this.waiting && this.decoder.pending === 0) this.settle({ error: 'bad_frame' });
    }
    for (const frame of frames) {
      const answer = toAnswer(frame);
      // Only the answer the command in flight can have: a late answer to one that timed out is dropped.
      if (answer && this.waiting?.accepts(answer)) this.settle({ answer });
      else if (answer) {
        this.log.debug('id card reader answer not expected', { sw3: hex(answer.sw3), bytes: answer.data.length });
        answer.data.fill(0);
      }
    }
  }

  private settle(outcome: Outcome): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = null;
    this.timers.clearTimeout(waiting.timer);
    waiting.settle(outcome);
  }

  /** Sends one command and waits for its answer (time on the wire for `answerBytes`, plus slack). */
  private request(command: SamCommandCode, answerBytes: number): Promise<Outcome> {
    const port = this.port;
    if (!port || this.waiting) return Promise.resolve({ error: 'line' });
    return new Promise<Outcome>((resolve) => {
      const timer = this.timers.setTimeout(
        () => {
          if (this.waiting?.timer !== timer) return;
          this.waiting = null;
          this.decoder.flush(); // a half answer will not be finished by the next one
          this.stats.timeouts++;
          resolve({ error: 'timeout' });
        },
        this.answerSlackMs + (answerBytes + 10) * this.msPerByte,
      );
      this.waiting = { settle: resolve, timer, accepts: answerFits(command) };
      port.write(encodeCommand(command)).catch((error: unknown) => {
        this.log.warn('id card reader write failed', { error: error instanceof Error ? error.message : String(error) });
        // The line is gone (a pulled cable fails the write before any close notice): handled as lost, then closed here.
        this.onLineClosed(port, { requested: false, error: error instanceof Error ? error : new Error(String(error)) });
        port.close().catch(() => {});
      });
    });
  }

  // -------------------------------------------------------------------------
  // The poll cycle

  private schedulePoll(ms: number): void {
    if (!this.running || !this.port || this.pollTimer) return;
    this.pollTimer = this.timers.setTimeout(() => {
      this.pollTimer = null;
      void this.cycle();
    }, ms);
  }

  private async cycle(): Promise<void> {
    if (this.cycling) return;
    this.cycling = true;
    try {
      await this.pollOnce();
    } catch (error) {
      this.log.error('id card reader cycle failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.cycling = false;
      this.schedulePoll(this.pollMs);
    }
  }

  /** A good answer arrived: the reader is there. A timeout: count towards not answering. */
  private heard(outcome: Outcome): outcome is { answer: SamAnswer } {
    if ('answer' in outcome) {
      this.timeoutsInRow = 0;
      if (this.current.state !== 'ok') this.setHealth('ok', '读卡器正常', this.port?.name ?? null);
      return true;
    }
    if (outcome.error === 'timeout' && ++this.timeoutsInRow >= this.timeoutsToNotAnswering && this.port) {
      this.setHealth(
        'not_answering',
        `读卡器无响应（${lineLabel(this.port.name)}已打开，阅读器不应答）：请检查阅读器电源、连线和波特率设置`,
        `${this.timeoutsInRow} timeouts in a row`,
      );
    }
    return false;
  }

  private async pollOnce(): Promise<void> {
    this.stats.polls++;
    const found = await this.request(SamCommand.FIND_CARD, 15);
    if (!this.heard(found)) return;
    const sw3 = found.answer.sw3;
    if (sw3 !== SamStatus.CARD_FOUND) {
      if (sw3 === SamStatus.NO_CARD) this.awaitingLift = false;
      else await this.samError(sw3, 'find');
      return;
    }
    if (this.awaitingLift) return;
    const first = await this.selectAndRead();
    if (first === 'done' || first === 'gone') return;
    this.stats.retries++;
    this.log.info('id card read failed, retrying', { why: first });
    // The retry starts from find: the card may have been lifted meanwhile.
    const again = await this.request(SamCommand.FIND_CARD, 15);
    if (!this.heard(again)) return this.readFailed('no answer to find on retry');
    if (again.answer.sw3 !== SamStatus.CARD_FOUND) {
      if (again.answer.sw3 === SamStatus.NO_CARD) return; // lifted while being read: nothing to report
      await this.samError(again.answer.sw3, 'find');
      return this.readFailed(`find ${hex(again.answer.sw3)} on retry`);
    }
    const second = await this.selectAndRead();
    if (second !== 'done' && second !== 'gone') this.readFailed(second);
  }

  /** 'done': an event was sent; 'gone': the card was not there to select; else why the read failed. */
  private async selectAndRead(): Promise<'done' | 'gone' | string> {
    const selected = await this.request(SamCommand.SELECT_CARD, 20);
    if (!this.heard(selected)) return `select ${selected.error}`;
    if (selected.answer.sw3 === SamStatus.SELECT_FAILED) return 'select failed';
    if (selected.answer.sw3 !== SamStatus.OK) {
      await this.samError(selected.answer.sw3, 'select');
      return `select ${hex(selected.answer.sw3)}`;
    }
    const read = await this.request(SamCommand.READ_TEXT_PHOTO, 1295);
    if (!this.heard(read)) return `read ${read.error}`;
    const { answer } = read;
    if (answer.sw3 !== SamStatus.OK) {
      if (SAM_ERROR_CODES.has(answer.sw3)) await this.samError(answer.sw3, 'read');
      return `read ${hex(answer.sw3)}`;
    }
    const text = takeReadText(answer); // the photo is zeroed here
    if (!text.ok) return text.reason;
    const parsed = parseTextBlock(text.text, this.today?.());
    text.text.fill(0);
    if (parsed.ok) {
      this.stats.cards++;
      this.log.info('id card read', { type: parsed.card.cardType });
      this.emit({ kind: 'card', card: parsed.card });
    } else {
      this.stats.refused++;
      this.log.warn('id card text refused', { code: parsed.code });
      this.emit({ kind: 'refused', code: parsed.code, message: parsed.message });
    }
    return 'done';
  }

  private readFailed(why: string): void {
    this.stats.readFailures++;
    this.awaitingLift = true;
    this.log.warn('id card read failed twice', { why });
    this.emit({ kind: 'read_failed', message: READ_FAILED_MESSAGE });
  }

  /** A SAM / card error code: reported, and the SAM reset before the next try. */
  private async samError(sw3: number, during: string): Promise<void> {
    if (!SAM_ERROR_CODES.has(sw3)) {
      this.log.warn('id card reader answered an unexpected status', { during, sw3: hex(sw3) });
      return;
    }
    this.log.warn('id card reader SAM error, resetting', { during, sw3: hex(sw3) });
    this.stats.samResets++;
    const reset = await this.request(SamCommand.RESET_SAM, 15);
    this.heard(reset);
  }

  // -------------------------------------------------------------------------
  // Health and events

  private setUnplugged(error: SerialLineError, wasOpen: boolean): void {
    const port = lineLabel(error.path);
    const message =
      error.code === 'BUSY'
        ? `读卡器${port}被其他程序占用：请关闭占用该串口的程序（如厂家读卡软件），或联系管理员`
        : error.code === 'DENIED'
          ? `没有权限打开读卡器${port}：请联系管理员设置串口权限`
          : wasOpen
            ? `读卡器未连接（${port}已断开）：请检查阅读器USB线，系统正在自动重连`
            : `读卡器未连接（${port}无法打开）：请检查阅读器USB线，或在设备设置中选择正确的串口`;
    this.setHealth('unplugged', message, `${error.code}: ${error.message}`);
  }

  private setHealth(state: IdCardHealthState, message: string, detail: string | null): void {
    if (this.current.state === state && this.current.message === message) return;
    this.current = { state, message, detail, since: this.timers.now() };
    this.log.info('id card reader health', { state, detail });
    for (const listener of [...this.healthListeners]) {
      try {
        listener({ ...this.current });
      } catch (error) {
        this.log.error('id card health listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private emit(event: IdCardEvent): void {
    for (const listener of [...this.eventListeners]) {
      try {
        listener(event);
      } catch (error) {
        this.log.error('id card listener failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
