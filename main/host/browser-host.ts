// The browser host: the same counter core, served to a real browser on
// 127.0.0.1.
//
// Credentials per screen: each role has its own random token. The clerk page
// is served only with the clerk token in its URL, the outward page only with
// the outward token, and a WebSocket gets the role of the token it presents —
// never a role named in the URL. The outward token can therefore do what the
// contract allows `from: ['outward']` (read the outward view, a touch rating)
// and nothing else. Also required: our own Host and, for the WebSocket, Origin.
//
// Every request is hostile: a bad %-escape, an odd method or header, a path
// out of the build folder, a bad upgrade, a frame that is not UTF-8 or over
// WIRE_MESSAGE_MAX_BYTES (closed with 1009 and a Chinese reason) — each gets
// a refusal or a closed socket, and no handler lets an error out. Every
// message goes through dispatchCall, which answers errors as data.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { basename, extname } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { events, WIRE_MESSAGE_MAX_BYTES, WireCall, type Reply } from '../../common/contract.ts';
import { describeIssues } from '../../common/errors.ts';
import type { OutwardScreenStatus } from '../../common/device-setup.ts';
import type { ScreenRole } from '../../common/ipc-names.ts';
import { dispatchCall, type CounterCore } from '../bridge.ts';
import { silentLogger, type Logger } from '../log.ts';
import { resolveAppFile } from '../shell/app-files.ts';
import { APP_ORIGIN, PAGES } from '../shell/trust.ts';
import { HostSocket } from './host-socket.ts';

/** The browser host cannot see displays: the outward screen counts as shown while an outward page is connected. */
export const OUTWARD_PAGE_MISSING = '对外屏页面未打开：请在外屏打开对外屏地址';
/** Calls one page may have running at once; more are answered BUSY. */
export const MAX_CALLS_IN_FLIGHT = 32;
/** Replies and events waiting for a page that does not read them; past this the socket is dropped. */
export const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export interface BrowserHostOptions {
  /** setOutwardStatus (the counter's): told whether an outward page is open. */
  core: CounterCore & { setOutwardStatus?(status: OutwardScreenStatus): void };
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  /** Fixed for tests; random per run otherwise. The two must differ. */
  tokens?: Partial<Record<ScreenRole, string>>;
  log?: Logger;
  /** How long a client may take to send a request's headers / all of it (default 10 s / 30 s). */
  timeouts?: { headersMs: number; requestMs: number };
}

export interface BrowserHost {
  origin: string;
  /** The clerk's page with the clerk token: for the clerk's screen only. */
  clerkUrl: string;
  /** The outward page with the outward (display-only) token. */
  outwardUrl: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; frame-ancestors 'none'";
/** On every answer, refusals included. no-referrer: a page's URL (with its token) never leaves in a Referer. */
const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const ROLES: readonly ScreenRole[] = ['clerk', 'outward'];
/** Which token an HTML file needs: a page's own role; any other page the clerk's. */
const PAGE_ROLE = new Map<string, ScreenRole>(ROLES.map((role) => [PAGES[role], role]));

/** The path and query of a request line in origin form (`/path?query`); null for anything else. */
function requestTarget(raw: string | undefined): { path: string; query: URLSearchParams } | null {
  if (typeof raw !== 'string' || !raw.startsWith('/')) return null;
  const at = raw.indexOf('?');
  return at < 0
    ? { path: raw, query: new URLSearchParams() }
    : { path: raw.slice(0, at), query: new URLSearchParams(raw.slice(at + 1)) };
}

const digest = (text: string) => createHash('sha256').update(text).digest();
/** For logs: a client's text, cut short. */
const clip = (text: unknown) => String(text ?? '').slice(0, 120);

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const tokens: Record<ScreenRole, string> = {
    clerk: options.tokens?.clerk ?? randomBytes(24).toString('base64url'),
    outward: options.tokens?.outward ?? randomBytes(24).toString('base64url'),
  };
  if (tokens.clerk === tokens.outward) throw new Error('browser host: the clerk and outward tokens must differ');
  const tokenDigests = ROLES.map((role) => [role, digest(tokens[role])] as const);
  const log = options.log ?? silentLogger;
  let allowedHosts: string[] = [];
  let allowedOrigins: string[] = [];

  /** The role a token stands for; compared in constant time (digests, so the length does not show). */
  const roleOfToken = (given: string | null): ScreenRole | null => {
    if (!given) return null;
    const candidate = digest(given);
    let found: ScreenRole | null = null;
    for (const [role, expected] of tokenDigests) if (timingSafeEqual(candidate, expected)) found = role;
    return found;
  };
  // Only our own host name and port, named once: refuses DNS-rebinding pages.
  const hostAllowed = (req: IncomingMessage) => {
    const named = req.headersDistinct.host ?? [];
    return named.length === 1 && allowedHosts.includes(named[0]!);
  };

  const refuse = (res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req)) return refuse(res, 403, '拒绝访问：主机名不符');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, '只支持 GET', { allow: 'GET, HEAD' });
    const target = requestTarget(req.url);
    if (!target) return refuse(res, 400, '请求地址不正确');
    // The same resolution as the Electron shell's app:// files: refuses bad escapes, `..`, encoded slashes, NUL.
    const file = resolveAppFile(options.staticDir, `${APP_ORIGIN}${target.path}`);
    if (!file) return refuse(res, 404, '未找到');
    if (extname(file).toLowerCase() === '.html') {
      const needed = PAGE_ROLE.get(basename(file).toLowerCase()) ?? 'clerk';
      if (roleOfToken(target.query.get('token')) !== needed) {
        log.warn('page request without a valid token', { path: clip(target.path) });
        return refuse(res, 403, '拒绝访问：链接缺少有效的令牌（token）。请使用 HallDesk 启动时写下的完整地址，每个屏幕用它自己的地址。');
      }
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return refuse(res, 404, '未找到');
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(body.byteLength),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  // Timeouts are checked every second (Node's default is every 30 s).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    serve(req, res).catch((error: unknown) => {
      log.error('request failed', { error: String(error) });
      try {
        refuse(res, 500, '终端内部错误');
      } catch {
        res.destroy();
      }
    });
  });
  // Slow clients do not hold a connection open for long.
  server.headersTimeout = options.timeouts?.headersMs ?? 10_000;
  server.requestTimeout = options.timeouts?.requestMs ?? 30_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  const sockets = new Map<HostSocket, { role: ScreenRole; inFlight: number }>();
  let outwardReported: boolean | null = null;
  let closing = false;
  const reportOutward = () => {
    if (closing) return;
    const open = [...sockets.values()].some((entry) => entry.role === 'outward');
    if (open === outwardReported || !options.core.setOutwardStatus) return;
    outwardReported = open;
    options.core.setOutwardStatus(open ? { level: 'ok', message: null } : { level: 'error', message: OUTWARD_PAGE_MISSING });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: WIRE_MESSAGE_MAX_BYTES, WebSocket: HostSocket });
  wss.on('error', (error) => log.error('websocket server error', { error: String(error) }));

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const reject = (status: number, reason: string) => {
      log.warn('websocket refused', { reason, origin: clip(req.headers.origin) });
      if (!socket.writable) return void socket.destroy();
      socket.once('finish', () => socket.destroy());
      const headers = { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(reason)), connection: 'close' };
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${reason}`);
    };
    const target = requestTarget(req.url);
    if (!target || target.path !== '/ws') return reject(404, '未找到');
    if (!hostAllowed(req)) return reject(403, '主机名不符');
    if (req.headers.origin === undefined || !allowedOrigins.includes(req.headers.origin)) {
      return reject(403, '来源（Origin）不是本终端页面');
    }
    // The role is the token's; a `role` in the URL (older pages send one) counts for nothing.
    const role = roleOfToken(target.query.get('token'));
    if (!role) return reject(403, '令牌无效');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws as HostSocket, role));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over without its error listener: a reset must not become an uncaught error.
    socket.on('error', (error) => log.debug('upgrade socket error', { error: String(error) }));
    try {
      upgrade(req, socket, head);
    } catch (error) {
      log.error('websocket upgrade failed', { error: String(error) });
      socket.destroy();
    }
  });

  function accept(ws: HostSocket, role: ScreenRole) {
    if (closing) return void ws.terminate();
    const entry = { role, inFlight: 0 };
    sockets.set(ws, entry);
    reportOutward();
    // Bad frames: `ws` closes the socket (1002/1007/1009, reason from host-socket.ts) and reports here.
    ws.on('error', (error) => log.warn('websocket closed for a bad message', { role, error: clip(error.message) }));
    ws.on('close', () => {
      sockets.delete(ws);
      reportOutward();
    });
    ws.on('message', (data, isBinary) => {
      onMessage(ws, entry, isBinary ? null : data.toString()).catch((error: unknown) =>
        log.error('websocket message failed', { role, error: String(error) }),
      );
    });
  }

  /** Sends one message as JSON; an answer that cannot be written as JSON becomes an INTERNAL reply. */
  const send = (ws: HostSocket, message: { type: 'reply'; id: number } & Reply | { type: 'event'; name: string; payload: unknown }) => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      log.error('message not serialisable', { type: message.type, error: String(error) });
      if (message.type !== 'reply') return;
      text = JSON.stringify({ type: 'reply', id: message.id, ok: false, error: { code: 'INTERNAL', message: '终端内部错误，请重试；如反复出现请联系管理员' } });
    }
    if (ws.bufferedAmount + text.length > MAX_UNSENT_BYTES) {
      log.warn('page does not read its messages: socket dropped', { role: sockets.get(ws)?.role });
      return void ws.terminate();
    }
    ws.send(text, (error) => {
      if (error) log.debug('send failed', { error: String(error) });
    });
  };
  const replyError = (ws: HostSocket, id: number, code: 'BAD_REQUEST' | 'BUSY', message: string) =>
    send(ws, { type: 'reply', id, ok: false, error: { code, message } });

  async function onMessage(ws: HostSocket, entry: { role: ScreenRole; inFlight: number }, text: string | null) {
    if (text === null) return replyError(ws, -1, 'BAD_REQUEST', '消息格式不正确：应为 JSON 文本，不是二进制数据');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return replyError(ws, -1, 'BAD_REQUEST', '消息格式不正确：消息不是有效的 JSON 文本');
    }
    const parsed = WireCall.safeParse(raw);
    if (!parsed.success) {
      const given = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const id = typeof given === 'number' && Number.isSafeInteger(given) && given >= 0 ? given : -1;
      return replyError(ws, id, 'BAD_REQUEST', `消息格式不正确：${describeIssues(parsed.error)}`);
    }
    const { id, name, args } = parsed.data;
    if (entry.inFlight >= MAX_CALLS_IN_FLIGHT) {
      return replyError(ws, id, 'BUSY', '同时进行的操作太多，终端正忙：请稍后重试');
    }
    entry.inFlight += 1;
    let reply: Reply;
    try {
      reply = await dispatchCall(options.core, entry.role, name, args, log);
    } finally {
      entry.inFlight -= 1;
    }
    send(ws, { type: 'reply', id, ...reply });
  }

  const unsubscribe = options.core.subscribe((name, payload) => {
    try {
      const to = events[name].to;
      for (const [ws, entry] of sockets) if (entry.role === to) send(ws, { type: 'event', name, payload });
    } catch (error) {
      log.error('event not delivered', { event: name, error: String(error) });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      unsubscribe();
      reject(error);
    });
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  server.on('error', (error) => log.error('browser host server error', { error: String(error) }));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  allowedOrigins = allowedHosts.map((host) => `http://${host}`);
  reportOutward();

  return {
    origin,
    clerkUrl: `${origin}/${PAGES.clerk}?token=${tokens.clerk}`,
    outwardUrl: `${origin}/${PAGES.outward}?token=${tokens.outward}`,
    async close() {
      closing = true;
      unsubscribe();
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
