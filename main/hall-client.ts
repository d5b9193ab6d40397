// The counter's HTTP client for the hall server, driven by the route table in
// common/http-api.ts. Every answer is validated; every failure becomes a
// HallError with a Chinese message the clerk can act on.
import type { z } from 'zod';
import type { ErrorCode, HallErrorDetails } from '../common/errors.ts';
import { ApiError, HallError } from '../common/errors.ts';
import { HallEvent, pathFor, routes, type RouteName, type RouteResponse } from '../common/http-api.ts';

export interface RequestOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's default timeout. */
  timeoutMs?: number;
  /** Gives up early (reported like a timeout: SERVER_UNREACHABLE). */
  signal?: AbortSignal;
}

export interface HallClientOptions {
  baseUrl: string;
  token?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** The live stream counts as dead after this long without a single byte (ms); default 5000. The server beats every 2 s. */
  streamIdleMs?: number;
}

/** The clerk's reason when the live stream went silent. */
export const STREAM_SILENT_REASON = '大厅服务器无响应（5 秒内未收到任何数据），请检查网络连接；正在自动重连';

export class HallClient {
  readonly baseUrl: string;
  private readonly token: string | null;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly streamIdleMs: number;

  constructor(options: HallClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token ?? null;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.streamIdleMs = options.streamIdleMs ?? 5000;
  }

  withToken(token: string): HallClient {
    return new HallClient({
      baseUrl: this.baseUrl,
      token,
      fetch: this.fetchImpl,
      timeoutMs: this.timeoutMs,
      streamIdleMs: this.streamIdleMs,
    });
  }

  private url(name: RouteName, options: RequestOptions): string {
    const url = new URL(this.baseUrl + pathFor(routes[name].path, options.params));
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
    return url.toString();
  }

  async request<N extends RouteName>(name: N, options: RequestOptions = {}): Promise<RouteResponse<N>> {
    const payload = await this.requestUnchecked(name, options);
    const parsed = (routes[name].response as z.ZodType).safeParse(payload);
    if (!parsed.success) {
      throw new HallError('SERVER_ERROR', '大厅服务器返回的数据格式不符合接口约定，请联系管理员检查服务器版本', 502);
    }
    return parsed.data as RouteResponse<N>;
  }

  /**
   * As request, but a successful answer is returned as it came, unchecked:
   * for a caller that validates it itself, tolerating parts a newer hall
   * server added (the config stream's unknown kinds, main/sync/streams.ts).
   */
  async requestUnchecked(name: RouteName, options: RequestOptions = {}): Promise<unknown> {
    const spec = routes[name];
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(name, options), {
        method: spec.method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal
          ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs)])
          : AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
    } catch (error) {
      throw unreachable(error);
    }
    const details: HallErrorDetails = {};
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (retryAfterMs !== null) details.retryAfterMs = retryAfterMs;
    let payload: unknown;
    try {
      payload = await response.json();
    } catch (error) {
      if (isAbort(error)) throw unreachable(error);
      // An error status keeps its number, so that the caller still knows whether to retry.
      const status = response.ok ? 502 : response.status;
      throw new HallError('SERVER_ERROR', `大厅服务器的应答不是有效数据（HTTP ${response.status}），请稍后重试或联系管理员`, status, details);
    }
    if (!response.ok) {
      const parsed = ApiError.safeParse(payload);
      if (parsed.success) {
        if (parsed.data.lastSeq !== undefined) details.lastSeq = parsed.data.lastSeq;
        if (parsed.data.lastHash !== undefined) details.lastHash = parsed.data.lastHash;
        if (parsed.data.retryAt !== undefined) details.retryAt = parsed.data.retryAt;
        throw new HallError(parsed.data.code, parsed.data.message, response.status, details);
      }
      const code: ErrorCode = response.status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST';
      throw new HallError(code, `大厅服务器拒绝了请求（HTTP ${response.status}），请稍后重试或联系管理员`, response.status, details);
    }
    return payload;
  }

  /**
   * Reads the live event stream until it ends or `signal` aborts. Malformed
   * events are skipped (and reported), never acted on. A stream (or its
   * opening) silent for `streamIdleMs` is a dead link: SERVER_UNREACHABLE
   * with STREAM_SILENT_REASON.
   */
  async listen(
    onEvent: (event: HallEvent) => void,
    signal: AbortSignal,
    onMalformed: (line: string) => void = () => {},
  ): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const silence = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => silence.abort(), this.streamIdleMs);
    };
    const both = AbortSignal.any([signal, silence.signal]);
    const failed = (error: unknown) =>
      silence.signal.aborted && !signal.aborted
        ? new HallError('SERVER_UNREACHABLE', STREAM_SILENT_REASON, 503)
        : unreachable(error);
    alive();
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(this.url('events', {}), { headers, signal: both });
      } catch (error) {
        throw failed(error);
      }
      if (!response.ok || !response.body) {
        const parsed = ApiError.safeParse(await response.json().catch(() => null));
        if (parsed.success) throw new HallError(parsed.data.code, parsed.data.message, response.status);
        throw new HallError('SERVER_ERROR', `实时事件连接失败（HTTP ${response.status}）`, response.status);
      }
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body) {
          alive();
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, end).replace(/\r$/, '');
            buffer = buffer.slice(end + 1);
            if (!line.startsWith('data:')) continue;
            const parsed = parseEvent(line.slice(5).trim());
            if (parsed) onEvent(parsed);
            else onMalformed(line);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw failed(error);
      }
      // The body may end quietly after an abort by silence.
      if (silence.signal.aborted && !signal.aborted) throw failed(null);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseEvent(text: string): HallEvent | null {
  try {
    const parsed = HallEvent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

function unreachable(error: unknown): HallError {
  const reason = isAbort(error) ? '大厅服务器响应超时' : '无法连接大厅服务器';
  return new HallError('SERVER_UNREACHABLE', `${reason}，请检查网络连接；如持续出现请联系管理员`, 503);
}
