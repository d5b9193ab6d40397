// The reference hall server: plain node:http, routed by the table in
// common/http-api.ts (method, path, auth, schemas), over one SQLite file.
// Every answer is JSON; every refusal is `{ code, message }` with a zh-CN message.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { describeIssues, HallError, type ApiError } from '../common/errors.ts';
import {
  openApiDocument,
  routes,
  type RouteName,
  type RouteResponse,
  type RouteSpec,
} from '../common/http-api.ts';
import { SYNC_ISSUES_MANAGERS_ONLY } from '../common/sync-issues.ts';
import { createConfigStore } from './config-store.ts';
import { openHallDatabase } from './db.ts';
import { createDeviceSetups } from './device-setups.ts';
import { createEventHub } from './events.ts';
import { createHall, startCallNextReplyPruning, type Device, type PruneTimer } from './hall.ts';
import { createSync } from './sync.ts';
import { seedHallIfEmpty, upgradeHallConfig } from './seed.ts';
import { parseWithZhMessages } from './validate.ts';

export interface HallServerOptions {
  dbPath: string;
  adminToken: string;
  /**
   * Folder with the hall's starting data (resources/hall): seeds an empty
   * database; a database seeded by an older version gets only what that
   * version left out (calendars, items' pinyin initials).
   */
  seedDir: string;
  clock?: () => Date;
  /** Receives one JSON line per request and per internal error. */
  log?: (line: string) => void;
  /** Drives the pruning of old call-next replies (server/hall.ts); default: real, unref'd intervals. */
  pruneTimer?: PruneTimer;
}

export interface HallServer {
  /** Seeds an empty database (or upgrades an older one's config), then listens; resolves to the base URL, e.g. http://127.0.0.1:8720. */
  listen(port?: number, host?: string): Promise<string>;
  /** Ends live event streams, stops listening and closes the database. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/**
 * How often the server looks for config changes made by another process on
 * the same file (the `device-setup` command), to tell live counters.
 */
const CONFIG_WATCH_MS = 2_000;

type Routes = typeof routes;
type Input<N extends RouteName, F extends 'params' | 'query' | 'body'> =
  Routes[N] extends Record<F, infer S extends z.ZodType> ? z.output<S> : undefined;

interface RouteRequest<N extends RouteName> {
  device: Routes[N]['auth'] extends 'device' ? Device : null;
  params: Input<N, 'params'>;
  query: Input<N, 'query'>;
  body: Input<N, 'body'>;
  /** The caller's address. */
  source: string;
  /** The headers the route requires, present and non-empty. */
  headers: Routes[N] extends { headers: infer H } ? { [K in keyof H]: string } : Record<never, string>;
}

type JsonRouteName = { [N in RouteName]: Routes[N] extends { stream: true } ? never : N }[RouteName];
type Handlers = {
  [N in JsonRouteName]: (request: RouteRequest<N>) => RouteResponse<N> | Promise<RouteResponse<N>>;
};

const bodyTooLarge = (limit: number) =>
  new HallError('BAD_REQUEST', `请求内容超过 ${limit / 1024} KiB，服务器不予处理；请精简后重试`, 413);

/** Reads and parses a JSON body of at most `limit` bytes. */
function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Keep draining without keeping, so the refusal can still be written.
      req.off('data', collect).resume();
      reject(bodyTooLarge(limit));
    };
    req.on('data', collect);
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HallError('BAD_REQUEST', '请求内容不是合法的 JSON，请检查格式后重试', 400));
      }
    });
  });
}

function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = parseWithZhMessages(schema, input);
  if (!parsed.success)
    throw new HallError('BAD_REQUEST', `${what}不正确：${describeIssues(parsed.error)}`, 400);
  return parsed.data;
}

function bearerToken(headers: IncomingHttpHeaders): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1] ?? null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** `/v1/windows/{id}/state` → a pattern with a named group per placeholder. */
function pathPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

export function createHallServer(options: HallServerOptions): HallServer {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => {});
  const db = openHallDatabase(options.dbPath);
  const events = createEventHub();
  const hall = createHall(db, { clock, publish: events.publish });
  const sync = createSync(db, { clock, publish: events.publish });
  const configStore = createConfigStore(db);
  /** The config version live counters have been told of. */
  let configVersionAnnounced = 0;
  const deviceSetups = createDeviceSetups(db, {
    publish: (event) => {
      if (event.type === 'config') configVersionAnnounced = Math.max(configVersionAnnounced, event.version);
      events.publish(event);
    },
  });
  /** Tells live counters of config changes committed by another process. */
  function announceForeignConfigChanges(): void {
    try {
      const version = configStore.version();
      if (version === configVersionAnnounced) return;
      configVersionAnnounced = version;
      events.publish({ type: 'config', version });
    } catch (error) {
      // Counters still pull on their next reconnect; the next tick tries again.
      log(
        JSON.stringify({
          at: clock().toISOString(),
          level: 'error',
          what: 'config watch',
          error: String(error),
        }),
      );
    }
  }
  let configWatch: ReturnType<typeof setInterval> | null = null;
  let stopReplyPruning: (() => void) | null = null;
  const adminTokenHash = sha256(options.adminToken);
  const openApi = openApiDocument();

  const table = (Object.entries(routes) as [RouteName, RouteSpec][]).map(([name, spec]) => ({
    name,
    spec,
    pattern: pathPattern(spec.path),
  }));

  const handlers: Handlers = {
    health: () => hall.health(),
    createEnrollmentCode: ({ body }) => hall.createEnrollmentCode(body),
    enroll: ({ body, source }) => hall.enroll(body, source),
    deviceProof: ({ params, body, source }) => hall.deviceProof(params.deviceId, body.nonce, source),
    signIn: ({ device, body }) => hall.signIn(device, body),
    signOut: ({ device }) => hall.signOut(device),
    pull: ({ device, query }) =>
      query.stream === 'config'
        ? hall.pullConfig(query.cursor, query.limit)
        : query.stream === 'queue'
          ? sync.pullQueue(query.cursor, query.limit)
          : sync.pullCases(device, query.cursor, query.limit),
    push: ({ device, body }) => sync.push(device, body),
    rejectedMutations: ({ query }) => sync.rejectedMutations(query),
    ticketConflicts: ({ query }) => sync.ticketConflicts(query),
    syncIssues: ({ device, query }) => {
      // Only while a hall manager is signed in at the requesting counter's window.
      const clerk = device.windowId === null ? null : hall.windowStatus(device.windowId).clerk;
      if (device.role !== 'counter' || clerk?.role !== 'manager') {
        throw new HallError('FORBIDDEN', SYNC_ISSUES_MANAGERS_ONLY, 403);
      }
      return sync.syncIssues(query);
    },
    adminCase: ({ params }) => sync.getCase(params.caseNo),
    adminFinishCase: ({ params, body }) => sync.finishCase(params.caseNo, body),
    deviceSetups: () => deviceSetups.list(),
    putDeviceSetup: ({ params, body }) => deviceSetups.set(params.key, body),
    deleteDeviceSetup: ({ params }) => deviceSetups.clear(params.key),
    issueTicket: ({ device, body }) => hall.issueTicket(device, body),
    queueSummary: () => hall.queueSummary(),
    windowStatus: ({ params }) => hall.windowStatus(params.id),
    callNext: ({ device, params, headers }) => hall.callNext(device, params.id, headers['Idempotency-Key']),
    recall: ({ device, params }) => hall.recall(device, params.id),
    noShow: ({ device, params }) => hall.noShow(device, params.id),
    complete: ({ device, params }) => hall.complete(device, params.id),
    walkInLease: ({ device, params }) => hall.leaseWalkIns(device, params.id),
    openapi: () => openApi,
  };

  function authorize(auth: RouteSpec['auth'], headers: IncomingHttpHeaders): Device | null {
    if (auth === 'none') return null;
    const token = bearerToken(headers);
    if (auth === 'admin') {
      if (!token) {
        throw new HallError('UNAUTHORIZED', '缺少管理员令牌：请在 Authorization 头中附带 Bearer 令牌', 401);
      }
      if (!timingSafeEqual(sha256(token), adminTokenHash)) {
        throw new HallError('UNAUTHORIZED', '管理员令牌不正确，请使用服务器启动时给出的令牌', 401);
      }
      return null;
    }
    if (!token) throw new HallError('UNAUTHORIZED', '缺少设备令牌：请先用注册码注册本设备', 401);
    const device = hall.authenticate(token);
    if (!device) {
      throw new HallError(
        'UNAUTHORIZED',
        '设备令牌无效，本设备可能已被注销；请向管理员获取注册码重新注册',
        401,
      );
    }
    return device;
  }

  async function respond(req: IncomingMessage, res: ServerResponse, pathname: string, search: string) {
    const match = table
      .map((route) => ({
        route,
        groups: route.spec.method === req.method ? route.pattern.exec(pathname) : null,
      }))
      .find(({ groups }) => groups);
    if (!match) {
      throw new HallError(
        'NOT_FOUND',
        `没有这个接口：${req.method} ${pathname.slice(0, 80)}；接口清单见 /v1/openapi.json`,
        404,
      );
    }
    const { name, spec } = match.route;
    const device = authorize(spec.auth, req.headers);
    let rawParams: Record<string, string>;
    try {
      rawParams = Object.fromEntries(
        Object.entries(match.groups?.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]),
      );
    } catch {
      throw new HallError('BAD_REQUEST', '请求地址的编码不正确，请检查后重试', 400);
    }
    const params = spec.params ? validate(spec.params, rawParams, '路径参数') : undefined;
    const query = spec.query
      ? validate(spec.query, Object.fromEntries(new URLSearchParams(search)), '查询参数')
      : undefined;
    const headers: Record<string, string> = {};
    for (const header of Object.keys(spec.headers ?? {})) {
      const value = req.headers[header.toLowerCase()];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new HallError(
          'BAD_REQUEST',
          `缺少请求头 ${header}：请附带后重试（重试同一操作时沿用同一个值）`,
          400,
        );
      }
      headers[header] = value.trim();
    }
    if (spec.stream) {
      // The one stream route: live events.
      events.open(res, { type: 'hello', version: hall.version() });
      return;
    }
    const body = spec.body ? validate(spec.body, await readJsonBody(req, spec.maxBodyBytes), '请求内容') : undefined;
    const handler = handlers[name as JsonRouteName] as (request: RouteRequest<RouteName>) => unknown;
    const source = req.socket.remoteAddress ?? '';
    const result = await handler({ device, params, query, body, headers, source } as RouteRequest<RouteName>);
    sendJson(res, 200, result);
  }

  function sendJson(res: ServerResponse, status: number, value: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    };
    // The rest of an oversized body is not worth reading: drop the connection after the answer.
    if (status === 413) headers.connection = 'close';
    res.writeHead(status, headers).end(JSON.stringify(value));
  }

  /** Settle when their response is done; close() waits for them. */
  const responsesInFlight = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    const started = performance.now();
    const done = new Promise<void>((resolve) => res.on('close', resolve));
    responsesInFlight.add(done);
    void done.then(() => responsesInFlight.delete(done));
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
    const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
    res.on('close', () =>
      log(
        JSON.stringify({
          at: clock().toISOString(),
          method: req.method,
          path: pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        }),
      ),
    );
    respond(req, res, pathname, search).catch((error: unknown) => {
      if (error instanceof HallError) return sendJson(res, error.status, error.toJSON());
      log(
        JSON.stringify({ at: clock().toISOString(), level: 'error', path: pathname, error: String(error) }),
      );
      const internal: ApiError = {
        code: 'INTERNAL',
        message: '服务器内部错误，请稍后重试；如反复出现请联系大厅管理员',
      };
      sendJson(res, 500, internal);
    });
  });

  return {
    async listen(port = 8720, host = '127.0.0.1') {
      if (!(await seedHallIfEmpty(db, options.seedDir))) upgradeHallConfig(db, options.seedDir);
      configVersionAnnounced = configStore.version();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      configWatch ??= setInterval(announceForeignConfigChanges, CONFIG_WATCH_MS).unref();
      stopReplyPruning ??= startCallNextReplyPruning(hall, {
        timer: options.pruneTimer,
        onError: (error) =>
          log(JSON.stringify({ at: clock().toISOString(), level: 'error', what: 'call-next reply pruning', error: String(error) })),
      });
      const address = server.address() as AddressInfo;
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${hostInUrl}:${address.port}`;
    },

    async close() {
      if (configWatch) clearInterval(configWatch);
      configWatch = null;
      stopReplyPruning?.();
      stopReplyPruning = null;
      const stopped = new Promise((resolve) => server.close(resolve));
      events.closeAll();
      await Promise.all(responsesInFlight);
      // What is left holds no request (idle keep-alive, or opened and never used)
      // and would otherwise keep the server open until the client lets go.
      server.closeAllConnections();
      await stopped;
      db.close();
    },
  };
}
