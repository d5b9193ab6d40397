// One hall as the hall server answers it (server/hall-server.ts routes each
// request to its hall): its database (a SQLite file, or PostgreSQL when
// HALL_DATABASE_URL is set: server/storage/), the feature modules over it, and
// the routes of common/http-api.ts (method, path, auth, schemas) bound to
// them. Every answer is JSON; every refusal is `{ code, message }` with a zh-CN
// message — except the pages for people, GET /case/{caseNo} and the ticket
// page, which answer HTML whatever happens once they are matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { describeIssues, HallError, managerOnlyMessage } from '../common/errors.ts';
import {
  openApiDocument,
  routes,
  type RouteName,
  type RouteResponse,
  type RouteSpec,
} from '../common/http-api.ts';
import { SYNC_ISSUES_MANAGERS_ONLY } from '../common/sync-issues.ts';
import { createCaseProgress } from './case-progress.ts';
import { createConfigStore } from './config-store.ts';
import { openHallDatabase } from './db.ts';
import type { PostgresLink } from './storage/postgres.ts';
import { startCheckpoints, type Checkpoints } from './checkpoints.ts';
import { dialectOf } from './storage/hall-database.ts';
import { startGroupCommit } from './group-commit.ts';
import { createDeviceSetups } from './device-setups.ts';
import { createEventHub } from './events.ts';
import { createEventBus, type PostgresListener } from './event-bus.ts';
import { createHall, startCallNextReplyPruning, type Device, type PruneTimer } from './hall.ts';
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
import { SECURITY_HEADERS, sendError, sendJson, sendPage, type Answering } from './http-answers.ts';

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

/** What one hall takes from the server it runs in. */
export interface HallServiceOptions {
  clock?: () => Date;
  /** Receives one JSON line per internal error (and, from the front server, per request). */
  log?: (line: string) => void;
  /** Drives the pruning of old call-next replies (server/hall.ts); default: real, unref'd intervals. */
  pruneTimer?: PruneTimer;
  /** How long a wrong password's answer is held, given the growing delay (server/throttle.ts); tests pass () => 0. */
  signInDelayMs?: (delayMs: number) => number;
  /** Flushes the WAL file to disk (server/group-commit.ts); tests inject a slow disk. Default: fsync. */
  flushWal?: (fd: number) => Promise<void>;
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
export interface HallService {
  /** Seeds an empty database (or upgrades an older one's config), listens to its events, starts its timers. */
  start(): Promise<void>;
  /** Answers one request whose path below the hall's own is `pathname` (the Host already checked); never throws. */
  answer(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): void;
  /** Ends the hall's live event streams and long polls. */
  endStreams(): void;
  /** Stops the timers, lets the last commits reach the disk and closes the database (no request in flight any more). */
  close(): Promise<void>;
}

/** A process's connections to one PostgreSQL database, shared by the halls on it. */
export interface SharedPostgres {
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
export function openHall(site: HallSite, wide: HallServiceOptions, path: string, shared: SharedPostgres | undefined): HallService {
  const clock = wide.clock ?? (() => new Date());
  const log = wide.log ?? (() => {});
  const answering: Answering = { clock, log };
  const db = openHallDatabase(site.dbPath, { schema: site.schema, link: shared?.link });
  const onFile = !db.memory && dialectOf(db) === 'sqlite';
  // WAL checkpoints run on a worker thread (server/checkpoints.ts), started by the first flush: until
  // something is committed it has nothing to copy, and its thread (≈ 14 MB) would make an idle hall
  // server miss its memory target (bench/hall-rss.ts: a day's start 108 MB with it, 94 without).
  let checkpoints: Checkpoints | null = null;
  const startCheckpointsOnce = () => {
    if (onFile) checkpoints ??= startCheckpoints(site.dbPath, { log, finish: () => db.pragma('wal_checkpoint(PASSIVE)') });
  };
  // Answers wait for their commits to reach the disk; the event loop does not (server/group-commit.ts).
  const commits = startGroupCommit(db, { path: site.dbPath, flush: wide.flushWal, flushing: startCheckpointsOnce });
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
