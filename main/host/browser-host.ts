// The browser host: the same counter core, served to a real browser on
// 127.0.0.1. Pages need the per-run token in their URL; the WebSocket needs
// the token and our own Origin. Every message goes through dispatchCall.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { events, WireCall } from '../../common/contract.ts';
import { describeIssues } from '../../common/errors.ts';
import type { OutwardScreenStatus } from '../../common/device-setup.ts';
import type { ScreenRole } from '../../common/ipc-names.ts';
import { dispatchCall, type CounterCore } from '../bridge.ts';
import { silentLogger, type Logger } from '../log.ts';

/** The browser host cannot see displays: the outward screen counts as shown while an outward page is connected. */
export const OUTWARD_PAGE_MISSING = '对外屏页面未打开：请在外屏打开对外屏地址';

export interface BrowserHostOptions {
  /** setOutwardStatus (the counter's): told whether an outward page is open. */
  core: CounterCore & { setOutwardStatus?(status: OutwardScreenStatus): void };
  /** The built renderer (out/renderer). */
  staticDir: string;
  port?: number;
  /** Fixed for tests; random per run otherwise. */
  token?: string;
  log?: Logger;
}

export interface BrowserHost {
  origin: string;
  token: string;
  clerkUrl: string;
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
const PAGES: Record<string, ScreenRole> = { '/clerk.html': 'clerk', '/outward.html': 'outward' };
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*";

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = options.log ?? silentLogger;
  const staticRoot = normalize(options.staticDir + sep);
  let origin = '';

  const tokenMatches = (given: string | null) => {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // Only our own host name and port: refuses DNS-rebinding pages.
  const hostAllowed = (host: string | undefined) => host === new URL(origin).host || host === `localhost:${new URL(origin).port}`;

  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (!hostAllowed(req.headers.host)) return refuse(res, 403, '拒绝访问：主机名不符');
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, '只支持 GET');
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname in PAGES && !tokenMatches(url.searchParams.get('token'))) {
        log.warn('page request without a valid token', { path: url.pathname });
        return refuse(res, 403, '拒绝访问：链接缺少有效的令牌（token）。请使用 HallDesk 启动时打印的完整地址。');
      }
      const file = normalize(join(staticRoot, decodeURIComponent(url.pathname)));
      if (!file.startsWith(staticRoot)) return refuse(res, 404, '未找到');
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        refuse(res, 404, '未找到');
      }
    })();
  });

  const sockets = new Map<WebSocket, ScreenRole>();
  let outwardReported: boolean | null = null;
  let closing = false;
  const reportOutward = () => {
    if (closing) return;
    const open = [...sockets.values()].some((role) => role === 'outward');
    if (open === outwardReported || !options.core.setOutwardStatus) return;
    outwardReported = open;
    options.core.setOutwardStatus(open ? { level: 'ok', message: null } : { level: 'error', message: OUTWARD_PAGE_MISSING });
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const role = url.searchParams.get('role');
    const reject = (status: number, reason: string) => {
      log.warn('websocket refused', { reason, origin: req.headers.origin ?? null });
      socket.end(`HTTP/1.1 ${status} Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${reason}`);
    };
    if (url.pathname !== '/ws') return reject(404, 'not found');
    if (!hostAllowed(req.headers.host)) return reject(403, '主机名不符');
    if (req.headers.origin !== origin && req.headers.origin !== `http://localhost:${new URL(origin).port}`) {
      return reject(403, '来源（Origin）不是本终端页面');
    }
    if (!tokenMatches(url.searchParams.get('token'))) return reject(403, '令牌无效');
    if (role !== 'clerk' && role !== 'outward') return reject(400, 'role 应为 clerk 或 outward');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, role);
      reportOutward();
      ws.on('close', () => {
        sockets.delete(ws);
        reportOutward();
      });
      ws.on('message', (data, isBinary) => void onMessage(ws, role, isBinary ? null : data.toString()));
    });
  });

  const send = (ws: WebSocket, message: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  async function onMessage(ws: WebSocket, role: ScreenRole, text: string | null) {
    let raw: unknown;
    try {
      raw = text === null ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = WireCall.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
      const detail = raw === undefined ? '消息不是有效的 JSON 文本' : describeIssues(parsed.error);
      return send(ws, { type: 'reply', id, ok: false, error: { code: 'BAD_REQUEST', message: `消息格式不正确：${detail}` } });
    }
    const reply = await dispatchCall(options.core, role, parsed.data.name, parsed.data.args, log);
    send(ws, { type: 'reply', id: parsed.data.id, ...reply });
  }

  const unsubscribe = options.core.subscribe((name, payload) => {
    const to = events[name].to;
    for (const [ws, role] of sockets) if (role === to) send(ws, { type: 'event', name, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  reportOutward();

  return {
    origin,
    token,
    clerkUrl: `${origin}/clerk.html?token=${token}`,
    outwardUrl: `${origin}/outward.html?token=${token}`,
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
