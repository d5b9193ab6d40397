// The hall server: plain node:http in front of one hall (at the root, as a hall
// has always been served) or of many (each below /halls/<code>/, server/halls.ts).
// The front checks what holds for every hall — the Host header, slow and broken
// clients, the connection limit — logs each request, and hands it to its hall
// (server/hall-service.ts), which answers it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HallError, type ApiError } from '../common/errors.ts';
import { checkHallCode, hallPathOf, splitHallPath } from './halls.ts';
import { openPostgresLink } from './storage/postgres.ts';
import { isPostgresTarget } from './storage/hall-database.ts';
import { PostgresListener } from './event-bus.ts';
import { createHostCheck } from './host-check.ts';
import { openHall, type HallService, type HallServiceOptions, type HallSite, type SharedPostgres } from './hall-service.ts';
import { SECURITY_HEADERS, sendError, sendJson, type Answering } from './http-answers.ts';

export type { HallSite } from './hall-service.ts';

/** One of several halls on the server, answered below /halls/<code>/ (server/halls.ts). */
export interface CityHall extends HallSite {
  code: string;
}

/** What holds for the whole server, whichever hall a request is for. */
export interface ServerWideOptions extends HallServiceOptions {
  /** Also log requests that succeeded (default true; the command line: only with --verbose). */
  logRoutineRequests?: boolean;
  /**
   * Host names or addresses a request's Host header may name besides the
   * listen address (and localhost forms when bound to loopback, every address
   * of the machine when bound to all interfaces): HALL_ALLOWED_HOSTS.
   */
  allowedHosts?: readonly string[];
  /** Slow clients are cut off: the headers must arrive within headersMs, the whole request within requestMs. */
  timeouts?: { headersMs?: number; requestMs?: number };
}

/** One hall at the root (as a hall has always been served), or several, each below /halls/<code>/. */
export type HallServerOptions = ServerWideOptions & (HallSite | { halls: readonly CityHall[] });

export interface HallServer {
  /** Seeds an empty database (or upgrades an older one's config), then listens; resolves to the base URL, e.g. http://127.0.0.1:8720. */
  listen(port?: number, host?: string): Promise<string>;
  /** Ends live event streams, stops listening and closes the database. */
  close(): Promise<void>;
}

/** Request line and headers together; more is refused with 431. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;
/**
 * Connections held at once; more are dropped as they come. A city centre has
 * hundreds of windows, each counter holding its event stream and a few
 * requests, plus kiosks and bursts (1,000 call-nexts at once are tested).
 */
const MAX_CONNECTIONS = 8_192;
/** What a refused connection is told when no request could be read from it (clientError). */
const CLIENT_ERRORS: Record<string, { status: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    message: `请求头过大（请求行与请求头合计超过 ${MAX_HEADER_BYTES / 1024} KiB），服务器不予处理；请精简后重试`,
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    message: '请求发送过慢，服务器等待超时，已断开连接；请检查网络后重试',
  },
};
const BAD_HTTP = { status: 400, reason: 'Bad Request', message: '请求不是有效的 HTTP 请求，服务器无法处理；请检查客户端程序' };

/**
 * Opens every hall of the server: the one at the root, or each of `halls`
 * below its /halls/<code>. Halls on one PostgreSQL database share this
 * process's one connection to it, each in its schema. A hall that cannot be
 * opened closes the ones opened before it.
 */
function openHalls(options: HallServerOptions): { halls: Map<string, HallService>; close(): Promise<void> } {
  const log = options.log ?? (() => {});
  const sites: { code: string; site: HallSite }[] =
    'halls' in options ? options.halls.map((site) => ({ code: site.code, site })) : [{ code: '', site: options }];
  const databases = new Map<string, SharedPostgres>();
  const halls = new Map<string, HallService>();
  /** Every hall, then the shared connections — also when one of them fails to close (the first failure is thrown after). */
  const close = async () => {
    const closed = await Promise.allSettled([...halls.values()].map((hall) => hall.close()));
    for (const { link, listener } of databases.values()) {
      link?.close();
      await listener.close();
    }
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const codes = sites.map(({ code }) => code);
  const repeated = codes.find((code, i) => codes.indexOf(code) !== i);
  if ('halls' in options && (codes.length === 0 || repeated !== undefined)) {
    throw new TypeError(codes.length === 0 ? 'no hall to serve' : `hall ${repeated} given twice`);
  }
  for (const code of codes) if (code !== '') checkHallCode(code);
  try {
    for (const { code, site } of sites) {
      let shared: SharedPostgres | undefined;
      if (isPostgresTarget(site.dbPath)) {
        shared = databases.get(site.dbPath) ?? {
          link: code === '' ? undefined : openPostgresLink(site.dbPath),
          listener: new PostgresListener({ url: site.dbPath, log }),
        };
        databases.set(site.dbPath, shared);
      }
      halls.set(code, openHall(site, options, code === '' ? '' : hallPathOf(code), shared));
    }
  } catch (error) {
    void close().catch((closing: unknown) => log(JSON.stringify({ at: new Date().toISOString(), level: 'error', what: 'closing halls', error: String(closing) })));
    throw error;
  }
  return { halls, close };
}

export function createHallServer(options: HallServerOptions): HallServer {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => {});
  const answering: Answering = { clock, log };
  const logRoutine = options.logRoutineRequests ?? true;
  const { halls, close: closeHalls } = openHalls(options);
  /** '' when the server is one hall at the root. */
  const rootHall = halls.get('') ?? null;

  /** Decides whether a Host header names this server; set once listening (server/host-check.ts). */
  let hostAllowed: (header: string | undefined) => boolean = () => false;

  /** The request's hall and its path below the hall's; refused when the server has no such hall. */
  function hallFor(pathname: string): { hall: HallService; rest: string } {
    if (rootHall) return { hall: rootHall, rest: pathname };
    const split = splitHallPath(pathname);
    const hall = split && halls.get(split.code);
    if (split && hall) return { hall, rest: split.rest };
    throw new HallError(
      'NOT_FOUND',
      split
        ? `本服务器没有代码为「${split.code.slice(0, 40)}」的大厅：请检查服务器地址中的大厅代码（形如 http://服务器:端口/halls/大厅代码）`
        : '本服务器承载多个大厅：服务器地址应写到大厅，形如 http://服务器:端口/halls/大厅代码；大厅代码请向大厅管理员询问',
      404,
    );
  }

  function checkHost(req: IncomingMessage): void {
    if (req.headers.host === undefined) {
      throw new HallError('BAD_REQUEST', '请求缺少 Host 请求头，服务器不予处理；请使用正常的 HTTP 客户端', 400);
    }
    if (!hostAllowed(req.headers.host)) {
      throw new HallError(
        'HOST_NOT_ALLOWED',
        `请求的主机名「${req.headers.host.slice(0, 80)}」不是本大厅服务器的地址，服务器不予处理；如确需用这个名称访问，请由管理员把它加入服务器的 HALL_ALLOWED_HOSTS（或 --allowed-hosts）`,
        421,
      );
    }
  }

  /** Settle when their response is done; close() waits for them. */
  const responsesInFlight = new Set<Promise<void>>();
  /** The request each socket is answering now: a clientError on it is answered through its response, not the socket. */
  const inFlightOn = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();

  const headersTimeoutMs = options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: headersTimeoutMs,
      // Node wants the whole request's limit no shorter than the headers'.
      requestTimeout: Math.max(headersTimeoutMs, options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS),
      // How often the timeouts above are checked (Node's default is 30 s).
      connectionsCheckingInterval: 1_000,
      // A missing Host is answered below, in JSON like every refusal.
      requireHostHeader: false,
    },
    (req, res) => {
      const started = performance.now();
      const done = new Promise<void>((resolve) => res.on('close', resolve));
      responsesInFlight.add(done);
      void done.then(() => responsesInFlight.delete(done));
      const url = req.url ?? '/';
      const queryAt = url.indexOf('?');
      const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
      const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
      const socket = req.socket;
      inFlightOn.set(socket, { req, res });
      // A client that goes away mid-request is no error of ours.
      req.on('error', () => {});
      res.on('error', () => {});
      res.on('close', () => {
        inFlightOn.delete(socket);
        // A busy hall answers thousands a second: a routine line is not even made unless asked for.
        if (!logRoutine && res.statusCode < 400) return;
        log(
          JSON.stringify({
            at: clock().toISOString(),
            method: String(req.method).slice(0, 16),
            path: pathname.slice(0, 200),
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          }),
        );
      });
      let target: { hall: HallService; rest: string };
      try {
        checkHost(req);
        target = hallFor(pathname);
      } catch (error) {
        return sendError(answering, req, res, pathname, error);
      }
      target.hall.answer(req, res, target.rest, search);
    },
  );

  server.maxConnections = MAX_CONNECTIONS;

  // A connection that sent no readable request (bad HTTP, headers too large, too
  // slow): answered in JSON straight on the socket, then closed.
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    const { status, reason, message } = CLIENT_ERRORS[error.code ?? ''] ?? BAD_HTTP;
    const inFlight = inFlightOn.get(socket);
    if (inFlight && !inFlight.res.headersSent && socket.writable) {
      // E.g. a body that stopped coming: the handler still waits for it.
      sendJson(answering, inFlight.req, inFlight.res, status, { code: 'BAD_REQUEST', message } satisfies ApiError);
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ code: 'BAD_REQUEST', message } satisfies ApiError);
    const head = [
      `HTTP/1.1 ${status} ${reason}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'cache-control: no-store',
      ...Object.entries(SECURITY_HEADERS).map(([key, value]) => `${key}: ${value}`),
      'connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
  });

  return {
    async listen(port = 8720, host = '127.0.0.1') {
      for (const hall of halls.values()) await hall.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          // Once listening, an accept that fails (e.g. out of file descriptors under a flood) is logged, never a crash.
          server.on('error', (error) =>
            log(JSON.stringify({ at: clock().toISOString(), level: 'error', what: 'server', error: String(error) })),
          );
          const bound = server.address() as AddressInfo;
          hostAllowed = createHostCheck({ listenHost: host, boundAddress: bound.address, extra: options.allowedHosts ?? [] });
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${hostInUrl}:${address.port}`;
    },

    async close() {
      const stopped = new Promise((resolve) => server.close(resolve));
      for (const hall of halls.values()) hall.endStreams();
      await Promise.all(responsesInFlight);
      // What is left holds no request (idle keep-alive, or opened and never used)
      // and would otherwise keep the server open until the client lets go.
      server.closeAllConnections();
      await stopped;
      await closeHalls();
    },
  };
}
