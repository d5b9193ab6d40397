// The browser host's side of the contract: one WebSocket to the counter core,
// carrying WireCall messages out and WireServerMessage replies/events in
// (common/contract.ts). Reconnects with backoff when the host goes away.
//
// Kept free of DOM globals (the socket factory and timers come in as options)
// so it runs under the unit tests with a fake socket.
import type { EventPayload, HallDeskApi } from '../common/contract.ts';
import type { ErrorCode } from '../common/errors.ts';
import {
  CALL_NAMES,
  EVENT_NAMES,
  type CallName,
  type EventName,
  type ScreenRole,
} from '../common/ipc-names.ts';

/** The renderer's own link to the counter core (not the core's link to the hall server). */
export type LinkState = 'connecting' | 'open' | 'closed';

export const DISCONNECTED_MESSAGE = '与终端主程序的连接已断开，正在重连…';
export const TIMEOUT_MESSAGE = '终端主程序没有及时响应，请稍后重试；如反复出现请联系管理员';
const INTERNAL_MESSAGE = '终端内部错误，请重试；如反复出现请联系管理员';

/** Contract error codes, plus the two the transport itself raises. */
export type CallErrorCode = ErrorCode | 'DISCONNECTED' | 'TIMEOUT';

/** A failed call: a stable code and a zh-CN message the clerk can act on. */
export class CallError extends Error {
  readonly code: CallErrorCode;
  constructor(code: CallErrorCode, message: string) {
    super(message);
    this.name = 'CallError';
    this.code = code;
  }
}

/** What the clerk is told of a failed call: the core's zh-CN message, or that something inside went wrong. */
export const callErrorText = (error: unknown): string =>
  error instanceof CallError ? error.message : INTERNAL_MESSAGE;

/** The WebSocket address of the browser host that served this page. */
export function hostSocketUrl(
  role: ScreenRole,
  where: { protocol: string; host: string; search: string },
): string {
  const token = new URLSearchParams(where.search).get('token') ?? '';
  const scheme = where.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${where.host}/ws?token=${encodeURIComponent(token)}&role=${role}`;
}

/**
 * Errors crossing Electron's contextBridge keep only their message; a bridge
 * may also reject with a plain `{ code, message }`. Either way the stores get
 * a CallError with a Chinese message.
 */
export function toCallError(error: unknown): CallError {
  if (error instanceof CallError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message) {
      return new CallError(typeof code === 'string' ? (code as ErrorCode) : 'INTERNAL', message);
    }
  }
  return new CallError('INTERNAL', INTERNAL_MESSAGE);
}

/** The renderer's view of its transport, whichever it is. */
export interface Link {
  readonly api: HallDeskApi;
  state(): LinkState;
  /** Called on every change of state; returns the unsubscribe function. */
  onState(listener: (state: LinkState) => void): () => void;
  /** Stops for good (no more reconnects). */
  close(): void;
}

/** What the transport hears from a socket (a close always follows an error). */
export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(): void;
}

/** The part of the WebSocket API the transport uses. */
export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WsLinkOptions {
  url: string;
  /** Opens a socket (e.g. a browser WebSocket) and wires its events to the handlers. */
  createSocket: (url: string, handlers: SocketHandlers) => SocketLike;
  /** A call with no reply after this long fails with TIMEOUT. */
  callTimeoutMs?: number;
  /** Reconnect delays grow from initialMs, doubling up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  timers?: Timers;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, half of it jittered. */
export function reconnectDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: CallError): void;
  timer: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export function createWsLink(options: WsLinkOptions): Link {
  const callTimeoutMs = options.callTimeoutMs ?? 20_000;
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 300, maxMs: 5_000 };
  const random = options.random ?? Math.random;
  const timers = options.timers ?? defaultTimers;

  let socket: SocketLike | null = null;
  let current: object | null = null;
  let state: LinkState = 'connecting';
  let attempt = 0;
  let reconnectTimer: unknown = null;
  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const stateListeners = new Set<(state: LinkState) => void>();
  const eventListeners = new Map<EventName, Set<(payload: unknown) => void>>(
    EVENT_NAMES.map((n) => [n, new Set()]),
  );

  const setState = (next: LinkState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) {
      try {
        listener(next);
      } catch (error) {
        console.error('link state listener failed', error);
      }
    }
  };

  const failAllPending = () => {
    for (const [id, call] of pending) {
      timers.clearTimeout(call.timer);
      pending.delete(id);
      call.reject(new CallError('DISCONNECTED', DISCONNECTED_MESSAGE));
    }
  };

  const handleMessage = (data: unknown) => {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      console.warn('ignored a message that is not JSON');
      return;
    }
    if (!isObject(message)) return;
    if (message.type === 'reply' && typeof message.id === 'number') {
      const call = pending.get(message.id);
      if (!call) return; // Timed out already, or not ours.
      pending.delete(message.id);
      timers.clearTimeout(call.timer);
      if (message.ok === true) {
        call.resolve(message.result);
      } else {
        const error = isObject(message.error) ? message.error : {};
        const code = typeof error.code === 'string' ? (error.code as ErrorCode) : 'INTERNAL';
        const text =
          typeof error.message === 'string' && error.message
            ? error.message
            : '终端主程序返回了错误，请重试；如反复出现请联系管理员';
        call.reject(new CallError(code, text));
      }
    } else if (message.type === 'event' && typeof message.name === 'string') {
      const listeners = eventListeners.get(message.name as EventName);
      if (!listeners) return;
      for (const listener of [...listeners]) {
        try {
          listener(message.payload);
        } catch (error) {
          console.error('event listener failed', error);
        }
      }
    }
  };

  const scheduleReconnect = () => {
    if (stopped) return;
    setState('closed');
    const delay = reconnectDelay(attempt, initialMs, maxMs, random);
    attempt += 1;
    reconnectTimer = timers.setTimeout(connect, delay);
  };

  const connect = () => {
    reconnectTimer = null;
    if (stopped) return;
    // Each socket gets its own generation: late events from a replaced socket are ignored.
    const generation = {};
    current = generation;
    const live = () => current === generation;
    try {
      const opened = options.createSocket(options.url, {
        onOpen() {
          if (!live()) return;
          attempt = 0;
          setState('open');
        },
        onMessage(data) {
          if (live()) handleMessage(data);
        },
        onClose() {
          if (!live()) return;
          current = null;
          socket = null;
          failAllPending();
          scheduleReconnect();
        },
      });
      if (live()) socket = opened;
    } catch (error) {
      console.error('could not open the socket', error);
      current = null;
      socket = null;
      scheduleReconnect();
    }
  };

  const call = (name: CallName, args: unknown): Promise<unknown> => {
    const ws = socket;
    if (state !== 'open' || !ws) return Promise.reject(new CallError('DISCONNECTED', DISCONNECTED_MESSAGE));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        if (pending.delete(id)) reject(new CallError('TIMEOUT', TIMEOUT_MESSAGE));
      }, callTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ type: 'call', id, name, args: args ?? {} }));
      } catch {
        pending.delete(id);
        timers.clearTimeout(timer);
        reject(new CallError('DISCONNECTED', DISCONNECTED_MESSAGE));
      }
    });
  };

  const calls = Object.fromEntries(CALL_NAMES.map((name) => [name, (args: unknown) => call(name, args)]));
  const api = {
    ...calls,
    on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
      const set = eventListeners.get(name);
      if (!set) return () => {};
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  } as HallDeskApi;

  connect();

  return {
    api,
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      stopped = true;
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      const ws = socket;
      socket = null;
      current = null;
      failAllPending();
      ws?.close();
      setState('closed');
    },
  };
}
