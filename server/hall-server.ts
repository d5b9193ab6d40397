// The reference hall server: plain node:http, routed by the table in
// common/http-api.ts (method, path, auth, schemas), over the hall database (a
// SQLite file, or PostgreSQL when HALL_DATABASE_URL is set: server/storage/).
// Every answer is JSON; every refusal is `{ code, message }` with a zh-CN message —
// except the one page for people, GET /case/{caseNo} (server/case-progress.ts),
// which answers HTML whatever happens once it is matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { z } from 'zod';
import { describeIssues, HallError, managerOnlyMessage, type ApiError } from '../common/errors.ts';
import {
  openApiDocument,
  routes,
  type RouteName,
  type RouteResponse,
  type RouteSpec,
} from '../common/http-api.ts';
import { SYNC_ISSUES_MANAGERS_ONLY } from '../common/sync-issues.ts';
import { createCaseProgress } from './case-progress.ts';
import { PUBLIC_PAGE_CSP, type PublicPage } from './public-page.ts';
import { createConfigStore } from './config-store.ts';
import { openHallDatabase } from './db.ts';
import { hallPathOf, splitHallPath } from './halls.ts';
import { openPostgresLink, type PostgresLink } from './storage/postgres.ts';
import { startCheckpoints } from './checkpoints.ts';
import { dialectOf, HallDatabaseUnavailable, isPostgresTarget } from './storage/hall-database.ts';
import { startGroupCommit } from './group-commit.ts';
import { createDeviceSetups } from './device-setups.ts';
import { createEventHub } from './events.ts';
import { createEventBus, PostgresListener } from './event-bus.ts';
import { createHall, startCallNextReplyPruning, type Device, type PruneTimer } from './hall.ts';
import { createHostCheck } from './host-check.ts';
import { createFollowUps } from './follow-ups.ts';
import { createReports } from './reports.ts';
import { reportWorkbook } from './report-workbook.ts';
import { REPORTS_MANAGERS_ONLY } from '../common/reports.ts';
import { FOLLOW_UPS_MANAGERS_ONLY } from '../common/ratings.ts';
import { createSync } from './sync.ts';
import { createTicketOps } from './ticket-ops.ts';
import { createWalkInQueue } from './walk-in-queue.ts';
import { createTicketProgress } from './ticket-progress.ts';
import { serviceTiming } from '../common/overtime.ts';
import { seedHallIfEmpty, upgradeHallConfig } from './seed.ts';
import { parseWithZhMessages } from './validate.ts';
import { createHallOverview, tapPublish } from './hall-overview.ts';
import { applicantKeyFrom, createCaseSearch } from './case-search.ts';
import { OVERVIEW_MANAGERS_ONLY } from '../common/hall-overview.ts';
import { CASE_AUDIT_MANAGERS_ONLY, CASE_SEARCH_MANAGERS_ONLY } from '../common/case-search.ts';

/** One hall's own: its database, secrets and starting data. */
export interface HallSite {
  /** The hall's database: a SQLite file path, or a postgres:// URL (HALL_DATABASE_URL). */
  dbPath: string;
  /** On PostgreSQL, the hall's schema when several halls share the database (server/halls.ts); default: the database's own. */
  schema?: string;
  adminToken: string;
  /**
   * Folder with the hall's starting data (resources/hall): seeds an empty
   * database; a database seeded by an older version gets only what that
   * version left out (calendars, items' pinyin initials).
   */
  seedDir: string;
  /** The hall's key for applicants' ID hashes (server/case-search.ts): a 0600 file, made on first start; default `<dbPath>-applicant-key` for a SQLite file; on PostgreSQL or in memory, give it (else a fresh key each start). */
  applicantKeyPath?: string;
}

/** One of several halls on the server, answered below /halls/<code>/ (server/halls.ts). */
export interface CityHall extends HallSite {
  code: string;
}

/** What holds for the whole server, whichever hall a request is for. */
export interface ServerWideOptions {
  clock?: () => Date;
  /** Receives one JSON line per request (per failed request unless \`logRoutineRequests\`) and per internal error. */
  log?: (line: string) => void;
  /** Also log requests that succeeded (default true; the command line: only with --verbose). */
  logRoutineRequests?: boolean;
  /** Drives the pruning of old call-next replies (server/hall.ts); default: real, unref'd intervals. */
  pruneTimer?: PruneTimer;
  /**
   * Host names or addresses a request's Host header may name besides the
   * listen address (and localhost forms when bound to loopback, every address
   * of the machine when bound to all interfaces): HALL_ALLOWED_HOSTS.
   */
  allowedHosts?: readonly string[];
  /** How long a wrong password's answer is held, given the growing delay (server/throttle.ts); tests pass () => 0. */
  signInDelayMs?: (delayMs: number) => number;
  /** Slow clients are cut off: the headers must arrive within headersMs, the whole request within requestMs. */
  timeouts?: { headersMs?: number; requestMs?: number };
  /** Flushes the WAL file to disk (server/group-commit.ts); tests inject a slow disk. Default: fsync. */
  flushWal?: (fd: number) => Promise<void>;
}

/** One hall at the root (as a hall has always been served), or several, each below /halls/<code>/. */
export type HallServerOptions = ServerWideOptions & (HallSite | { halls: readonly CityHall[] });

export interface HallServer {
  /** Seeds an empty database (or upgrades an older one's config), then listens; resolves to the base URL, e.g. http://127.0.0.1:8720. */
  listen(port?: number, host?: string): Promise<string>;
  /** Ends live event streams, stops listening and closes the database. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
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
/** Every answer: no sniffing a JSON answer into something else, never framed, nothing loaded from it. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;
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

type JsonRouteName = {
  [N in RouteName]: Routes[N] extends { stream: true } ? never : Routes[N] extends { html: true } ? never : N;
}[RouteName];
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

/**
 * `/v1/windows/{id}/state` → a pattern with a named group per placeholder.
 * A page's placeholder takes the rest of the path, slashes and nothing
 * included, so that every odd path under it still gets the page's answer.
 */
function pathPattern(template: string, page = false): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{(\w+)\}/g, page ? '(?<$1>.*)' : '(?<$1>[^/]+)')}$`);
}

/** What the server asks of one hall: its requests answered, its start and end. */
interface HallService {
  /** Seeds an empty database (or upgrades an older one's config), listens to its events, starts its timers. */
  start(): Promise<void>;
  /** Answers one request whose path below the hall's own is `pathname` (the Host already checked); never throws. */
  answer(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): void;
  /** Ends the hall's live event streams and long polls. */
  endStreams(): void;
  /** Stops the timers, lets the last commits reach the disk and closes the database (no request in flight any more). */
  close(): Promise<void>;
}

/** Where answers are logged from, and what time it is. */
interface Answering {
  clock: () => Date;
  log: (line: string) => void;
}

/** A process's connections to one PostgreSQL database, shared by the halls on it. */
interface SharedPostgres {
  /** The synchronous driver's connection (many halls; one hall at the root opens its own). */
  link?: PostgresLink;
  /** The LISTEN connection for the halls' event channels. */
  listener: PostgresListener;
}

/**
 * Opens one hall: its database (on PostgreSQL with the connections it shares
 * with the other halls of this process) and everything answering for it.
 * `path` is where its routes start: '' at the root, /halls/<code> below.
 */
function openHall(site: HallSite, wide: ServerWideOptions, path: string, shared: SharedPostgres | undefined): HallService {
  const clock = wide.clock ?? (() => new Date());
  const log = wide.log ?? (() => {});
  const answering: Answering = { clock, log };
  const db = openHallDatabase(site.dbPath, { schema: site.schema, link: shared?.link });
  // Answers wait for their commits to reach the disk; the event loop does not (server/group-commit.ts).
  const commits = startGroupCommit(db, { path: site.dbPath, flush: wide.flushWal });
  const onFile = !db.memory && dialectOf(db) === 'sqlite';
  const checkpoints = onFile ? startCheckpoints(site.dbPath, { log }) : null;
  // Every change the hall publishes also moves the manager's overview (server/hall-overview.ts);
  // queue hints carry the waiting counts (read when a hint goes out, after sync exists).
  const hub = tapPublish(createEventHub({ waiting: () => sync.waitingNow() }), () => overview.touch());
  // A change's event reaches the streams of every process on the database: in process on SQLite,
  // through LISTEN/NOTIFY on PostgreSQL (server/event-bus.ts). Modules publish to the bus; the hub hears it.
  const bus = createEventBus(db, { listener: shared?.listener, schema: site.schema, log });
  bus.subscribe({
    event: (event) => {
      if (event.type === 'config') configVersionAnnounced = Math.max(configVersionAnnounced, event.version);
      hub.publish(event);
    },
    touch: () => overview.touch(),
    missed: () => {
      hub.missed(hall.version());
      overview.announceLinksNow();
    },
    links: (origin, windows) => overview.remoteLinks(origin, windows),
  });
  const events = { ...hub, publish: bus.publish };
  const hall = createHall(db, { clock, publish: events.publish, signInDelayMs: wide.signInDelayMs });
  const sync = createSync(db, { clock, publish: events.publish });
  const followUps = createFollowUps(db, { clock });
  const reports = createReports(db, { clock });
  const ticketOps = createTicketOps(db, { clock, publish: events.publish });
  const walkInQueue = createWalkInQueue(db, { clock, publish: events.publish });
  const configStore = createConfigStore(db);
  const overview = createHallOverview(db, {
    clock,
    config: configStore,
    board: () => ticketOps.queueBoard(),
    devicesChanged: () => bus.touch(),
    announceLinks: bus.kind === 'postgres' ? (windows) => bus.announceLinks(windows) : undefined,
  });
  const caseSearch = createCaseSearch(db, {
    clock,
    config: configStore,
    key: applicantKeyFrom(site.applicantKeyPath ?? (onFile ? `${site.dbPath}-applicant-key` : null)),
  });
  /** The manager signed in at the requesting counter's window (the rule of 差评回访), or 403 with `refusal`. */
  const requireManager = (device: Device, refusal: string) => {
    const manager = hall.managerAt(device);
    if (!manager) throw new HallError('FORBIDDEN', refusal, 403);
    const name = configStore.list('staff').find((s) => s.staffNo === manager.staffNo)?.name ?? manager.staffNo;
    return { staffNo: manager.staffNo, name };
  };
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
      // Every process watches: each tells its own streams.
      hub.publish({ type: 'config', version });
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
  const adminTokenHash = sha256(site.adminToken);
  const openApi = openApiDocument();
  const caseProgress = createCaseProgress({
    clock,
    findCase: (caseNo) => sync.findCase(caseNo),
    hallName: () => configStore.get('settings', 'hall')?.hallName ?? null,
  });

  const ticketProgress = createTicketProgress(db, { clock });

  const table = (Object.entries(routes) as [RouteName, RouteSpec][]).map(([name, spec]) => ({
    name,
    spec,
    pattern: pathPattern(spec.path, spec.html),
  }));

  const handlers: Handlers = {
    health: () => hall.health(),
    createEnrollmentCode: ({ body }) => hall.createEnrollmentCode(body),
    enroll: ({ body, source }) => hall.enroll(body, source),
    deviceProof: ({ params, body, source }) => hall.deviceProof(params.deviceId, body.nonce, source),
    signIn: ({ device, body, source }) => hall.signIn(device, body, source),
    signOut: ({ device }) => hall.signOut(device),
    pull: ({ device, query }) =>
      query.stream === 'config'
        ? hall.pullConfig(device, query.cursor, query.limit)
        : query.stream === 'queue'
          ? sync.pullQueue(device, query.cursor, query.limit)
          : sync.pullCases(device, query.cursor, query.limit),
    push: ({ device, body }) => {
      const result = sync.push(device, body);
      // The applicants' ID numbers beside the push: hashed and dropped, never stored or logged (server/case-search.ts).
      caseSearch.intake(device, body.applicantIds);
      bus.touch();
      return result;
    },
    rejectedMutations: ({ query }) => sync.rejectedMutations(query),
    ticketConflicts: ({ query }) => sync.ticketConflicts(query),
    followUps: ({ device, query }) => {
      // 差评回访 hall-wide: the rule of 同步异常, a hall manager signed in at the requesting counter's window.
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', FOLLOW_UPS_MANAGERS_ONLY, 403);
      return followUps.list(query);
    },
    advanceFollowUp: ({ device, params, body }) => {
      const manager = hall.managerAt(device);
      if (!manager) throw new HallError('FORBIDDEN', FOLLOW_UPS_MANAGERS_ONLY, 403);
      return followUps.advance(params.ratingId, body, manager.staffNo);
    },
    syncIssues: ({ device, query }) => {
      // Only while a hall manager is signed in at the requesting counter's window.
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', SYNC_ISSUES_MANAGERS_ONLY, 403);
      return sync.syncIssues(query);
    },
    signInLocks: () => hall.signInLocks(),
    unlockSignIn: ({ body }) => {
      const result = hall.unlockSignIn({ staff: body.staffNo, device: body.deviceId, address: body.address });
      logUnlock('admin', result.cleared);
      return result;
    },
    managerUnlockSignIn: ({ device, body }) => {
      // The rule of 同步异常: a hall manager is signed in at the requesting counter's window.
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', managerOnlyMessage('解除登录锁定'), 403);
      const result = hall.unlockSignIn({ staff: body.staffNo });
      logUnlock(`device ${device.id}`, result.cleared);
      return result;
    },
    adminCase: ({ params }) => sync.getCase(params.caseNo),
    adminFinishCase: ({ params, body }) => sync.finishCase(params.caseNo, body),
    deviceSetups: () => deviceSetups.list(),
    putDeviceSetup: ({ params, body }) => deviceSetups.set(params.key, body),
    deleteDeviceSetup: ({ params }) => deviceSetups.clear(params.key),
    issueTicket: ({ device, body }) => hall.issueTicket(device, body),
    queueSummary: () => hall.queueSummary(),
    windowStatus: ({ device, params }) => {
      const status = hall.windowStatus(device, params.id);
      // 超时提醒: the service in hand against its line's standard time (common/overtime.ts).
      const line = status.current ? configStore.get('line', status.current.lineId) : null;
      const service = serviceTiming(status.current?.calledAt, line?.standardServiceMinutes, clock());
      return { ...status, pause: ticketOps.pauseOf(params.id), service };
    },
    callNext: ({ device, params, headers }) => hall.callNext(device, params.id, headers['Idempotency-Key']),
    recall: ({ device, params }) => hall.recall(device, params.id),
    noShow: ({ device, params }) => hall.noShow(device, params.id),
    complete: ({ device, params }) => hall.complete(device, params.id),
    walkInLease: ({ device, params }) => hall.leaseWalkIns(device, params.id),
    walkInTicket: ({ device, params, body }) => walkInQueue.enterOnline(device, params.id, body),
    transferTicket: ({ device, params, headers, body }) =>
      ticketOps.transferTicket(device, params.id, headers['Idempotency-Key'], body),
    parkTicket: ({ device, params, headers }) => ticketOps.parkTicket(device, params.id, headers['Idempotency-Key']),
    callTicket: ({ device, params, headers, body }) =>
      ticketOps.callTicket(device, params.id, headers['Idempotency-Key'], body),
    pauseWindow: ({ device, params, headers, body }) =>
      ticketOps.pauseWindow(device, params.id, headers['Idempotency-Key'], body),
    resumeWindow: ({ device, params, headers }) => ticketOps.resumeWindow(device, params.id, headers['Idempotency-Key']),
    checkInAppointment: ({ device, params, headers, body }) =>
      ticketOps.checkInAppointment(device, params.id, headers['Idempotency-Key'], body),
    setTicketPriority: ({ device, params, headers, body }) =>
      ticketOps.setTicketPriority(device, params.id, headers['Idempotency-Key'], body),
    queueBoard: () => ticketOps.queueBoard(),
    createAppointment: ({ body }) => ticketOps.createAppointment(body),
    openapi: () => openApi,
    // 统计报表: the rule of 差评回访, a hall manager signed in at the requesting counter's window.
    ratingReport: ({ device, query }) => {
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', REPORTS_MANAGERS_ONLY, 403);
      return reports.ratings(query);
    },
    workloadReport: ({ device, query }) => {
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', REPORTS_MANAGERS_ONLY, 403);
      return reports.workload(query);
    },
    reportWorkbook: async ({ device, query }) => {
      if (!hall.managerSignedInAt(device)) throw new HallError('FORBIDDEN', REPORTS_MANAGERS_ONLY, 403);
      const both = reports.both(query);
      return reportWorkbook(both.workload, both.ratings);
    },
    hallOverview: ({ device, query }) => {
      requireManager(device, OVERVIEW_MANAGERS_ONLY);
      return overview.answer(query);
    },
    reportDevices: ({ device, params, body }) => overview.reportDevices(device, params.id, body),
    searchCases: ({ device, query }) => {
      requireManager(device, CASE_SEARCH_MANAGERS_ONLY);
      return caseSearch.search(query);
    },
    openCaseRecord: ({ device, params }) => caseSearch.open(device, requireManager(device, CASE_SEARCH_MANAGERS_ONLY), params.caseNo),
    caseAudit: ({ device, query }) => {
      requireManager(device, CASE_AUDIT_MANAGERS_ONLY);
      return caseSearch.audit(query);
    },
  };

  function logUnlock(by: string, cleared: readonly { scope: string; key: string }[]): void {
    log(JSON.stringify({ at: clock().toISOString(), what: 'sign-in unlock', by, cleared: cleared.map(({ scope, key }) => `${scope}:${key}`) }));
  }

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

  async function respond(req: IncomingMessage, res: ServerResponse, pathname: string, search: string, mark: number) {
    const match = table
      .map((route) => ({
        route,
        groups: route.spec.method === req.method ? route.pattern.exec(pathname) : null,
      }))
      .find(({ groups }) => groups);
    if (!match) {
      throw new HallError(
        'NOT_FOUND',
        `没有这个接口：${String(req.method).slice(0, 16)} ${pathname.slice(0, 80)}；接口清单见 ${path}/v1/openapi.json`,
        404,
      );
    }
    const { name, spec } = match.route;
    if (spec.html) {
      // The page routes (办件进度, 排队进度), public: the answer is a page for every input (bad
      // escapes and unknown numbers included), so it reads its raw path itself.
      const source = req.socket.remoteAddress ?? '';
      const groups = match.groups?.groups ?? {};
      sendPage(
        answering,
        req,
        res,
        name === 'ticketPage'
          ? ticketProgress.answer(groups.day ?? '', groups.number ?? '', source)
          : caseProgress.answer(groups.caseNo ?? '', source),
      );
      return;
    }
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
      events.open(res, { type: 'hello', version: hall.version() }, SECURITY_HEADERS, device?.windowId ?? null);
      // A counter's live link: its window is online for the hall's overview while it stays open.
      if (device?.role === 'counter') overview.linkOpened(device.windowId, res);
      return;
    }
    const body = spec.body ? validate(spec.body, await readJsonBody(req, spec.maxBodyBytes), '请求内容') : undefined;
    const handler = handlers[name as JsonRouteName] as (request: RouteRequest<RouteName>) => unknown;
    const source = req.socket.remoteAddress ?? '';
    const result = await handler({ device, params, query, body, headers, source } as RouteRequest<RouteName>);
    await commits.durable(mark);
    sendJson(answering, req, res, 200, result);
  }

  return {
    async start() {
      if (!(await seedHallIfEmpty(db, site.seedDir))) await upgradeHallConfig(db, site.seedDir);
      configVersionAnnounced = configStore.version();
      // Events published from here on reach this process's streams.
      await bus.ready();
      configWatch ??= setInterval(announceForeignConfigChanges, CONFIG_WATCH_MS).unref();
      stopReplyPruning ??= startCallNextReplyPruning(hall, {
        timer: wide.pruneTimer,
        onError: (error) =>
          log(JSON.stringify({ at: clock().toISOString(), level: 'error', what: 'call-next reply pruning', error: String(error) })),
      });
    },

    answer(req, res, pathname, search) {
      const mark = commits.mark();
      const refuse = (error: unknown) => sendError(answering, req, res, pathname, error);
      try {
        respond(req, res, pathname, search, mark).catch(async (error: unknown) => {
          // A refusal may have recorded something (a failed sign-in): it too is answered once on disk.
          await commits.durable(mark).catch(() => undefined);
          refuse(error);
        });
      } catch (error) {
        refuse(error);
      }
    },

    endStreams() {
      events.closeAll();
      overview.close();
    },

    async close() {
      if (configWatch) clearInterval(configWatch);
      configWatch = null;
      stopReplyPruning?.();
      stopReplyPruning = null;
      await commits.close();
      await checkpoints?.stop();
      await bus.close();
      db.close();
    },
  };
}

function sendJson(
  { clock }: Answering,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  retryAt?: string,
): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
  };
  if (retryAt !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((Date.parse(retryAt) - clock().getTime()) / 1000)));
  }
  // The rest of a body not (fully) read is not worth reading: drop the connection after the answer.
  if (status === 413 || !req.complete) headers.connection = 'close';
  res.writeHead(status, headers).end(JSON.stringify(value));
}

/** A page for people: HTML with a strict CSP (inline styles, nothing else), never cached. */
function sendPage(_: Answering, req: IncomingMessage, res: ServerResponse, page: PublicPage): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    'content-security-policy': PUBLIC_PAGE_CSP,
    'x-robots-tag': 'noindex, nofollow',
  };
  if (page.retryAfterSeconds !== undefined) headers['retry-after'] = String(page.retryAfterSeconds);
  if (!req.complete) headers.connection = 'close';
  res.writeHead(page.status, headers).end(page.html);
}

function sendError(answering: Answering, req: IncomingMessage, res: ServerResponse, pathname: string, error: unknown): void {
  const { clock, log } = answering;
  if (error instanceof HallError) return sendJson(answering, req, res, error.status, error.toJSON(), error.details.retryAt);
  if (error instanceof HallDatabaseUnavailable) {
    // The counter takes this as the hall being out of reach: it works offline-first and syncs once it answers again.
    log(JSON.stringify({ at: clock().toISOString(), level: 'error', path: pathname.slice(0, 200), error: error.message }));
    const unavailable: ApiError = {
      code: 'SERVER_UNREACHABLE',
      message: '大厅数据库暂时无法访问：柜台按离线方式继续办理，恢复后自动同步；如持续出现请联系大厅管理员',
    };
    return sendJson(answering, req, res, 503, unavailable);
  }
  log(JSON.stringify({ at: clock().toISOString(), level: 'error', path: pathname.slice(0, 200), error: String(error) }));
  const internal: ApiError = {
    code: 'INTERNAL',
    message: '服务器内部错误，请稍后重试；如反复出现请联系大厅管理员',
  };
  sendJson(answering, req, res, 500, internal);
}

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
  const close = async () => {
    for (const hall of halls.values()) await hall.close();
    for (const { link, listener } of databases.values()) {
      link?.close();
      await listener.close();
    }
  };
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
    void close();
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
