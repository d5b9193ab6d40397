// The evaluator driver's ft12 commands on the line (driver.ts owns the line,
// the reconnects and the health): one command at a time, whatever the
// address, so commands to several devices on one line are serialised. Each
// waits for its answer (matched by address and answer code, and by session
// id or state where the answer carries one) for 300 ms and is sent up to 3
// times, then the device counts as not answering. A NAK for a damaged frame
// sends it again at once. ACK_RESULT and broadcasts are written once and
// expect no answer; an ACK_RESULT goes ahead of the waiting commands.
import type { Logger } from '../../log.ts';
import type { BytePort } from '../serial-line.ts';
import type { TimerHandle, Timers } from './clock.ts';
import {
  BROADCAST_ADDRESS,
  encodeHostMessage,
  NakReason,
  toHex,
  type DeviceMessage,
  type HostMessage,
} from './ft12.ts';

/** The address a keypad's health and key presses carry: an ascii keypad has none of its own. */
export const ASCII_KEYPAD_ADDRESS = 0;

export const describeAddress = (address: number) =>
  address === ASCII_KEYPAD_ADDRESS ? '评价键盘' : `评价器（地址 ${address}）`;

export type EvaluatorErrorCode = 'NOT_ANSWERING' | 'UNPLUGGED' | 'REJECTED' | 'STOPPED';

/** A command that did not go through; `message` is zh-CN. */
export class EvaluatorError extends Error {
  readonly code: EvaluatorErrorCode;
  readonly address: number;
  constructor(code: EvaluatorErrorCode, address: number, message: string) {
    super(message);
    this.name = 'EvaluatorError';
    this.code = code;
    this.address = address;
  }
}

/** What an answer does to the command waiting for it: null leaves it waiting; otherwise it resolves with `value`. */
export type AnswerMatch = (answer: DeviceMessage) => { value: unknown } | null;

interface Request {
  message: HostMessage;
  bytes: Uint8Array;
  /** The answer ends the request: resolve with this value. */
  match: AnswerMatch;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  sends: number;
  /** ACK_RESULT and broadcasts: written once, no answer. */
  fireAndForget: boolean;
}

export interface CommandQueueOptions {
  timers: Timers;
  log: Logger;
  /** Per send. */
  answerTimeoutMs: number;
  /** Sends per command before the device counts as not answering. */
  maxSends: number;
  /** The driver's counters; the queue adds its own to them. */
  stats: { sends: number; resends: number; acksSent: number; notAnswering: number };
  /** The open line, or null while it is closed. */
  port(): BytePort | null;
  /** What to tell a caller whose command cannot go out because the line is closed (the device's health message). */
  unpluggedMessage(address: number): string | undefined;
  /** A command went unanswered `maxSends` times. */
  notAnswering(address: number, message: string, detail: string): void;
  /** A write failed: the line is gone. */
  writeFailed(port: BytePort, error: unknown): void;
}

export class CommandQueue {
  private readonly options: CommandQueueOptions;
  private readonly timers: Timers;
  private readonly stats: CommandQueueOptions['stats'];
  private readonly queue: Request[] = [];
  private inFlight: Request | null = null;
  private writing = false;
  private answerTimer: TimerHandle = null;

  constructor(options: CommandQueueOptions) {
    this.options = options;
    this.timers = options.timers;
    this.stats = options.stats;
  }

  /** Sends a command and resolves with what `match` makes of its answer. */
  request(message: HostMessage, match: AnswerMatch): Promise<unknown> {
    const bytes = encodeHostMessage(message); // throws RangeError on values the protocol cannot carry
    if (!this.options.port()) {
      return Promise.reject(
        new EvaluatorError(
          'UNPLUGGED',
          message.address,
          this.options.unpluggedMessage(message.address) ??
            `${describeAddress(message.address)}未连接：请检查串口线或联系管理员`,
        ),
      );
    }
    if (message.address === BROADCAST_ADDRESS) {
      return new Promise((resolve, reject) =>
        this.enqueue({ ...this.fireAndForget(message), resolve, reject }, false),
      );
    }
    return new Promise((resolve, reject) =>
      this.enqueue({ message, bytes, match, resolve, reject, sends: 0, fireAndForget: false }, false),
    );
  }

  /** ACK_RESULT, ahead of the waiting commands (after the ACKs already waiting). */
  acknowledgeResult(address: number, sessionId: number): void {
    this.enqueue(this.fireAndForget({ type: 'ACK_RESULT', address, sessionId }), true);
  }

  /** Whether a PING to `address` is on the line or waiting. */
  pinging(address: number): boolean {
    return [this.inFlight, ...this.queue].some(
      (r) => r?.message.address === address && r.message.type === 'PING',
    );
  }

  /** An answer from a device (not RESULT, KEY or NAK). */
  onAnswer(message: DeviceMessage): void {
    const request = this.inFlight;
    if (!request || request.message.address !== message.address) return;
    const matched = request.match(message);
    if (matched) this.finish(request, () => request.resolve(matched.value));
  }

  onNak(message: Extract<DeviceMessage, { type: 'NAK' }>): void {
    const request = this.inFlight;
    if (!request || request.message.address !== message.address) return;
    if (request.bytes[5] !== message.rejected) return;
    const matched = request.match(message);
    if (matched) {
      this.finish(request, () => request.resolve(matched.value));
      return;
    }
    if (message.reason === NakReason.BAD_CHECKSUM || message.reason === NakReason.BAD_LENGTH) {
      // Damaged on the way: send again at once (it counts as a send).
      this.timers.clearTimeout(this.answerTimer);
      this.answerTimer = null;
      this.retryOrGiveUp(request);
      return;
    }
    const why = message.reason === NakReason.UNKNOWN_COMMAND ? '不支持该命令' : '没有这个评价会话';
    this.finish(request, () =>
      request.reject(
        new EvaluatorError(
          'REJECTED',
          message.address,
          `${describeAddress(message.address)}拒绝了命令（${why}）：请确认评价器型号与所选协议一致，或联系管理员`,
        ),
      ),
    );
  }

  /** Every command on the line or waiting fails with `code`. */
  failAll(code: EvaluatorErrorCode, message: string): void {
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = null;
    this.writing = false;
    this.timers.clearTimeout(this.answerTimer);
    this.answerTimer = null;
    for (const request of pending) request.reject(new EvaluatorError(code, request.message.address, message));
  }

  // -------------------------------------------------------------------------

  private fireAndForget(message: HostMessage): Request {
    return {
      message,
      bytes: encodeHostMessage(message),
      match: () => null,
      resolve: () => {},
      reject: () => {},
      sends: 0,
      fireAndForget: true,
    };
  }

  private enqueue(request: Request, urgent: boolean): void {
    if (urgent) {
      const firstNormal = this.queue.findIndex((r) => !(r.fireAndForget && r.message.type === 'ACK_RESULT'));
      this.queue.splice(firstNormal < 0 ? this.queue.length : firstNormal, 0, request);
    } else {
      this.queue.push(request);
    }
    this.pump();
  }

  private pump(): void {
    if (this.inFlight || this.writing || !this.options.port()) return;
    const request = this.queue.shift();
    if (!request) return;
    this.inFlight = request;
    this.send(request);
  }

  private send(request: Request): void {
    const port = this.options.port();
    if (!port) return;
    request.sends++;
    this.stats.sends++;
    if (request.sends > 1) this.stats.resends++;
    if (request.message.type === 'ACK_RESULT') this.stats.acksSent++;
    this.writing = true;
    const attempt = request.sends;
    this.options.log.debug('evaluator send', {
      type: request.message.type,
      hex: toHex(request.bytes),
      send: attempt,
    });
    port.write(request.bytes).then(
      () => {
        this.writing = false;
        if (this.inFlight !== request) {
          this.pump(); // answered while the write was finishing
          return;
        }
        if (request.fireAndForget) {
          this.finish(request, () => request.resolve(undefined));
          return;
        }
        if (request.sends !== attempt) return; // a NAK already caused another send
        this.timers.clearTimeout(this.answerTimer);
        this.answerTimer = this.timers.setTimeout(() => {
          this.answerTimer = null;
          if (this.inFlight === request) this.retryOrGiveUp(request);
        }, this.options.answerTimeoutMs);
      },
      (error: unknown) => {
        this.writing = false;
        this.options.writeFailed(port, error);
      },
    );
  }

  private retryOrGiveUp(request: Request): void {
    if (request.sends < this.options.maxSends) {
      this.send(request);
      return;
    }
    const { address } = request.message;
    this.stats.notAnswering++;
    const message = `${describeAddress(address)}无应答：请检查评价器的电源和接线，或联系管理员`;
    this.options.log.warn('evaluator not answering', {
      address,
      command: request.message.type,
      sends: request.sends,
    });
    this.options.notAnswering(address, message, `${request.message.type} 发送 ${request.sends} 次均无应答`);
    this.finish(request, () => request.reject(new EvaluatorError('NOT_ANSWERING', address, message)));
  }

  private finish(request: Request, settle: () => void): void {
    if (this.inFlight === request) {
      this.inFlight = null;
      this.timers.clearTimeout(this.answerTimer);
      this.answerTimer = null;
    }
    settle();
    this.pump();
  }
}
