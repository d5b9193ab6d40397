// Many halls on one hall server (issue 19, point 3), over real HTTP, on both
// engines of the test matrix: two halls, 东区 and 西区, each below its
// /halls/<code>/ — on SQLite a file each, on PostgreSQL a schema each in ONE
// database, sharing the process's one connection. The test tries to cross
// from one hall to the other with everything a hall gives out: an admin
// token, a device token, a clerk's staff number, a ticket, an event, a case,
// a report, a search and a public page. None gets through, and each hall
// still works as one hall. Then the command line: --halls, and --hall for
// the commands; and a real counter core enrolled at one hall's address.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseSearchResult } from '../../common/case-search.ts';
import { CaseRecord } from '../../common/cases.ts';
import type { ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { openCounter } from '../../main/counter.ts';
import { Enrollment, EnrollmentCode, IssuedTicket, CallNextResult, QueueSummary } from '../../common/http-api.ts';
import { WorkloadReport } from '../../common/reports.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import { createHallServer, type CityHall, type HallServer } from '../../server/hall-server.ts';
import { hallFolderOf, hallSchemaOf } from '../../server/halls.ts';
import { isPostgresTarget } from '../../server/storage/hall-database.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { freshHallDatabase, testBackend } from '../helpers/test-database.ts';
import { spawnHallServerProcess } from '../helpers/hall-server-process.ts';
import { caseArgs, chain, memoryLogger, until } from '../sync/support.ts';
import { call, hallCommandEnv, openEventStream, openHallDatabaseAt, refusal, tableDigests } from './support.ts';
import { answerProblem, hallFuzzRoutes } from './hall-fuzz.ts';
import { httpFuzzRequests, runFuzz, type FuzzCredential } from '../helpers/http-fuzz.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

const ROOT = join(import.meta.dirname, '../..');
const TODAY = '2026-12-07';
// 2026-12-07 10:00 in the hall (UTC+8).
const clock = () => new Date('2026-12-07T02:00:00.000Z');

/** 西区's starting data: its own name, 1001 with another password, and a clerk 2001 东区 does not have. */
function westSeed(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-west-seed-'));
  cpSync(DEMO_SEED_DIR, dir, { recursive: true });
  const settings = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...settings, hallName: '西区政务服务中心' }));
  const staff = JSON.parse(readFileSync(join(dir, 'staff.json'), 'utf8')) as Record<string, unknown>[];
  const changed = staff.map((member) => (member.staffNo === '1001' ? { ...member, password: 'west-1001' } : member));
  changed.push({ ...staff[0], id: 99, staffNo: '2001', name: '周西', password: 'west-2001' });
  writeFileSync(join(dir, 'staff.json'), JSON.stringify(changed));
  return dir;
}

interface Side {
  url: string;
  admin: string;
  manager: Enrollment; // window 1, 1006 signed in
  clerk: Enrollment; // window 2
  kiosk: Enrollment;
}

let dataDir: string;
let seedWest: string;
let server: HallServer;
let base: string;
/** The database both halls are in on PostgreSQL (on SQLite: a path that only says so). */
let target: string;
/** 西区's database and (on PostgreSQL) schema. */
let westDbPath: string;
let westSchema: string | undefined;
let east: Side;
let west: Side;

/** GET `path` exactly as written (fetch would resolve its dot-segments first). */
function rawStatus(url: string, path: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { path }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

const ok = async (url: string, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> }) => {
  const answer = await call(url, method, path, options);
  expect(answer.status, `${method} ${path} → ${JSON.stringify(answer.json)}`).toBe(200);
  return answer.json;
};

async function enroll(url: string, admin: string, windowId: number | null): Promise<Enrollment> {
  const role = windowId === null ? 'kiosk' : 'counter';
  const { code } = EnrollmentCode.parse(await ok(url, 'POST', '/v1/admin/enrollment-codes', { token: admin, body: { role, windowId } }));
  return Enrollment.parse(await ok(url, 'POST', '/v1/devices/enroll', { body: { code, deviceName: `${role} ${windowId ?? ''}` } }));
}

async function side(url: string, admin: string): Promise<Side> {
  const manager = await enroll(url, admin, 1);
  const clerk = await enroll(url, admin, 2);
  const kiosk = await enroll(url, admin, null);
  await ok(url, 'POST', '/v1/auth/sign-in', { token: manager.token, body: { staffNo: '1006', password: DEMO_PASSWORD } });
  return { url, admin, manager, clerk, kiosk };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'halldesk-halls-'));
  seedWest = westSeed();
  // One database for both halls on PostgreSQL; on SQLite the target only says so, each hall has its file.
  target = await freshHallDatabase(dataDir);
  const onPostgres = isPostgresTarget(target);
  const hall = (code: string, seedDir: string): CityHall => {
    mkdirSync(hallFolderOf(dataDir, code), { recursive: true });
    return {
      code,
      dbPath: onPostgres ? target : join(hallFolderOf(dataDir, code), 'hall.sqlite'),
      schema: onPostgres ? hallSchemaOf(code) : undefined,
      adminToken: `admin-token-of-${code}-0123456789`,
      applicantKeyPath: join(hallFolderOf(dataDir, code), 'applicant-key'),
      seedDir,
    };
  };
  const halls = [hall('east', DEMO_SEED_DIR), hall('west', seedWest)];
  westDbPath = halls[1]!.dbPath;
  westSchema = halls[1]!.schema;
  server = createHallServer({
    halls,
    clock,
    signInDelayMs: () => 0,
  });
  base = await server.listen(0, '127.0.0.1');
  east = await side(`${base}/halls/east`, 'admin-token-of-east-0123456789');
  west = await side(`${base}/halls/west`, 'admin-token-of-west-0123456789');
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(seedWest, { recursive: true, force: true });
});

describe('two halls on one server', () => {
  it('answers each hall below its own address, and anything else with a clear 404 in Chinese', async () => {
    expect((await call(east.url, 'GET', '/v1/health')).status).toBe(200);
    expect((await call(west.url, 'GET', '/v1/health')).status).toBe(200);
    const root = refusal(await call(base, 'GET', '/v1/health'), 404, 'NOT_FOUND');
    expect(root.message).toMatch(/\/halls\/大厅代码/);
    const unknown = refusal(await call(base, 'GET', '/halls/north/v1/health'), 404, 'NOT_FOUND');
    expect(unknown.message).toMatch(/没有代码为「north」的大厅/);
    refusal(await call(base, 'GET', '/halls//v1/health'), 404, 'NOT_FOUND');
    refusal(await call(base, 'GET', '/halls/%65ast/v1/health'), 404, 'NOT_FOUND');
    // As sent, not as a browser would tidy it: a dot-segment does not step from one hall into another.
    expect(await rawStatus(base, '/halls/east/../west/v1/health')).toBe(404);
    const route = refusal(await call(east.url, 'GET', '/v1/nothing'), 404, 'NOT_FOUND');
    expect(route.message).toContain('/halls/east/v1/openapi.json');
  });

  it('takes no admin token, device token or enrollment code of one hall at the other', async () => {
    // The admin token of 东区 is not 西区's.
    refusal(await call(west.url, 'POST', '/v1/admin/enrollment-codes', { token: east.admin, body: { role: 'kiosk', windowId: null } }), 401, 'UNAUTHORIZED');
    refusal(await call(west.url, 'GET', '/v1/admin/device-setups', { token: east.admin }), 401, 'UNAUTHORIZED');
    // Each of 东区's devices is a stranger at 西区, though 西区 has the same windows (and device numbers).
    expect(east.manager.deviceNo).toBe(west.manager.deviceNo);
    for (const device of [east.manager, east.clerk, east.kiosk]) {
      for (const [method, path] of [
        ['GET', '/v1/windows/1/state'],
        ['POST', '/v1/windows/1/call-next'],
        ['GET', '/v1/queue/summary'],
        ['GET', '/v1/events'],
        ['GET', '/v1/sync/pull?stream=queue&cursor=0'],
        ['GET', '/v1/manager/cases'],
        ['GET', '/v1/manager/overview'],
        ['GET', `/v1/manager/reports/workload?from=${TODAY}&to=${TODAY}`],
      ] as const) {
        const answer = await call(west.url, method, path, { token: device.token, headers: { 'Idempotency-Key': 'cross-1' } });
        refusal(answer, 401, 'UNAUTHORIZED');
      }
    }
    // A code made for 东区 enrolls nothing at 西区.
    const { code } = EnrollmentCode.parse(
      await ok(east.url, 'POST', '/v1/admin/enrollment-codes', { token: east.admin, body: { role: 'counter', windowId: 3 } }),
    );
    expect((await call(west.url, 'POST', '/v1/devices/enroll', { body: { code, deviceName: 'crossing' } })).status).not.toBe(200);
    expect((await call(east.url, 'POST', '/v1/devices/enroll', { body: { code, deviceName: 'at home' } })).status).toBe(200);
  });

  it('signs a clerk in only in the hall that has them, with that hall’s password', async () => {
    // 2001 is 西区's alone; 1001 has another password there.
    expect((await call(east.url, 'POST', '/v1/auth/sign-in', { token: east.clerk.token, body: { staffNo: '2001', password: 'west-2001' } })).status).toBe(401);
    expect((await call(west.url, 'POST', '/v1/auth/sign-in', { token: west.clerk.token, body: { staffNo: '1001', password: DEMO_PASSWORD } })).status).toBe(401);
    await ok(west.url, 'POST', '/v1/auth/sign-in', { token: west.clerk.token, body: { staffNo: '2001', password: 'west-2001' } });
    await ok(east.url, 'POST', '/v1/auth/sign-in', { token: east.clerk.token, body: { staffNo: '1001', password: DEMO_PASSWORD } });
  });

  it('keeps queues, numbers and events apart: a ticket and a call in one hall are nothing in the other', { timeout: 20_000 }, async () => {
    const westStream = await openEventStream(west.url, west.manager.token);
    try {
      expect((await westStream.nextEvent()).type).toBe('hello');
      const eastTicket = IssuedTicket.parse(await ok(east.url, 'POST', '/v1/tickets', { token: east.kiosk.token, body: { lineId: 'A' } }));
      // 西区 has nobody waiting: its window 1 calls nothing, and 东区's ticket is still there for 东区.
      const westCall = CallNextResult.parse(
        await ok(west.url, 'POST', '/v1/windows/1/call-next', { token: west.manager.token, headers: { 'Idempotency-Key': 'west-call-1' } }),
      );
      expect(westCall.ticket).toBeNull();
      const eastCall = CallNextResult.parse(
        await ok(east.url, 'POST', '/v1/windows/1/call-next', { token: east.manager.token, headers: { 'Idempotency-Key': 'east-call-1' } }),
      );
      expect(eastCall.ticket?.number).toBe(eastTicket.ticket.number);
      // A device setup for 东区's windows: a config event there.
      await ok(east.url, 'PUT', '/v1/admin/device-setups/default', { token: east.admin, body: { outwardDisplayId: 1 } });
      // Time for a stray event of 东区 (a NOTIFY on PostgreSQL) to reach 西区's stream; then 西区's own ticket,
      // whose queue hint comes after anything that strayed in.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const westTicket = IssuedTicket.parse(await ok(west.url, 'POST', '/v1/tickets', { token: west.kiosk.token, body: { lineId: 'A' } }));
      // 西区's numbers start from its own first: the same number as 东区's first.
      expect(westTicket.ticket.number).toBe(eastTicket.ticket.number);
      const summary = QueueSummary.parse(await ok(west.url, 'GET', '/v1/queue/summary', { token: west.kiosk.token }));
      expect(summary.lines.find((line) => line.lineId === 'A')?.waiting).toBe(1);
      // 西区's own queue hint is the one with its ticket counted; before it, 西区's stream heard nothing at all
      // (a hint of 东区's would come with 西区's counts then, line A at 0).
      const within = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
      for (;;) {
        const event = await Promise.race([westStream.nextEvent(), within(5_000)]);
        if (event === null || (event.type === 'queue' && event.waiting?.A === 1)) break;
      }
      expect(westStream.received.map((event) => event.type), JSON.stringify(westStream.received)).toEqual(['hello', 'queue']);
    } finally {
      westStream.close();
    }
  });

  it('keeps cases, searches, reports and the public case page apart', async () => {
    const decided = { ...caseArgs(1, 2, east.clerk.deviceNo, TODAY), decidedAt: `${TODAY}T01:30:00.000Z`, staffNo: '1001' };
    await ok(east.url, 'POST', '/v1/sync/push', {
      token: east.clerk.token,
      body: { deviceId: east.clerk.deviceId, mutations: chain([{ name: CASE_DECIDED, args: decided }]), applicantIds: [] },
    });
    const search = async (side: Side) =>
      CaseSearchResult.parse(await ok(side.url, 'GET', `/v1/manager/cases?caseNo=${decided.caseNo}`, { token: side.manager.token }));
    expect((await search(east)).rows.map((row) => row.caseNo)).toEqual([decided.caseNo]);
    expect((await search(west)).total).toBe(0);
    refusal(await call(west.url, 'POST', `/v1/manager/cases/${decided.caseNo}/open`, { token: west.manager.token }), 404, 'NOT_FOUND');
    // The page a receipt's QR opens: the case is 东区's only.
    expect((await fetch(`${east.url}/case/${decided.caseNo}`)).status).toBe(200);
    const stranger = await fetch(`${west.url}/case/${decided.caseNo}`);
    expect(stranger.status).toBe(404);
    expect(await stranger.text()).not.toContain(decided.itemName);
    // 东区 served the ticket it called (complete): its report counts it; 西区's has its own name and nothing served.
    await ok(east.url, 'POST', '/v1/windows/1/complete', { token: east.manager.token });
    const report = async (side: Side) =>
      WorkloadReport.parse(await ok(side.url, 'GET', `/v1/manager/reports/workload?from=${TODAY}&to=${TODAY}`, { token: side.manager.token }));
    const [eastReport, westReport] = [await report(east), await report(west)];
    expect(eastReport.total.served).toBe(1);
    expect(westReport.total.served).toBe(0);
    expect([eastReport.hallName, westReport.hallName]).toEqual(['XX市政务服务中心', '西区政务服务中心']);
  });
});

describe('hostile requests across halls', () => {
  it('a fuzz of every route at 西区 with 东区’s tokens, and of odd hall paths: no crash, no 5xx, nothing of 西区 changed', { timeout: 120_000 }, async () => {
    const errors: string[] = [];
    const westTables = () => tableDigests(westDbPath, westSchema);
    const before = westTables();
    const { port } = new URL(base);
    const fuzzTarget = { host: '127.0.0.1', port: Number(port) };
    const atWest = hallFuzzRoutes({ counter: { deviceId: east.clerk.deviceId, window: 2 } }).map((route) => ({
      ...route,
      path: `/halls/west${route.path}`,
    }));
    const odd = ['/halls', '/halls/', '/halls/west', '/halls/WEST/v1/health', '/halls/west%2F..%2Feast/v1/health', `/halls/${'w'.repeat(5000)}/v1/health`, '/halls/west/../east/v1/health', '/halls/%00/v1/health'].map(
      (path) => ({ method: 'GET', path }),
    );
    const bearer = (label: string, token: string): FuzzCredential => ({ label, header: { name: 'Authorization', value: `Bearer ${token}` } });
    const requests = httpFuzzRequests({
      random: createSeededRandom(19),
      target: fuzzTarget,
      routes: [...atWest, ...odd],
      credentials: [{ label: 'none' }, bearer('east admin', east.admin), bearer('east counter', east.manager.token), bearer('east kiosk', east.kiosk.token)],
      slowPauseMs: 100,
    });
    const problems: string[] = [];
    const figures = await runFuzz(fuzzTarget, requests, {
      count: 600,
      concurrency: 16,
      timeoutMs: 15_000,
      onAnswer: (request, answer) => {
        const problem = answerProblem(request, answer);
        if (problem) problems.push(problem);
        if (answer.status === 200 && request.credential !== 'none' && !/health|openapi|\/case\/|\/ticket\//.test(JSON.stringify(request.summary))) {
          errors.push(`${request.kind} [${request.credential}] ${JSON.stringify(request.summary)} answered 200`);
        }
      },
    });
    expect(problems).toEqual([]);
    expect(figures.requests).toBe(600);
    expect(figures.byStatus['401']).toBeGreaterThan(50);
    // 东区's tokens opened nothing at 西区 but what needs no token.
    expect(errors).toEqual([]);
    expect(westTables()).toEqual(before);
    expect((await call(west.url, 'GET', '/v1/queue/summary', { token: west.kiosk.token })).status).toBe(200);
    expect((await call(east.url, 'GET', '/v1/queue/summary', { token: east.kiosk.token })).status).toBe(200);
  });
});

const onPostgres = testBackend() === 'postgres';
describe.skipIf(!onPostgres)(
  `two halls on one PostgreSQL database, one process${onPostgres ? '' : ' [PostgreSQL only]'}`,
  () => {
    /** Statements on the halls' database from outside the server. */
    const sql = <T,>(text: string): T[] => {
      const db = openHallDatabaseAt(target);
      try {
        return db.prepare<[], T>(text).all();
      } finally {
        db.close();
      }
    };
    const serverConnections = () =>
      sql<{ app: string; n: number }>(
        `SELECT application_name AS app, COUNT(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'halldesk-hall-%' GROUP BY application_name ORDER BY 1`,
      );

    it('share one connection for statements and one for listening, and each hall hears its own channel only, also after that one is cut', async () => {
      expect(serverConnections()).toEqual([
        { app: 'halldesk-hall-events', n: 1 },
        { app: 'halldesk-hall-server', n: 1 },
      ]);
      const eastStream = await openEventStream(east.url, east.manager.token);
      const westStream = await openEventStream(west.url, west.manager.token);
      try {
        for (const stream of [eastStream, westStream]) expect((await stream.nextEvent()).type).toBe('hello');
        // Cut the listening connection: both halls' streams are told to read everything again (hello) once it is back.
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'halldesk-hall-events'");
        for (const stream of [eastStream, westStream]) expect((await stream.nextEvent()).type).toBe('hello');
        // Another process of 东区 announcing a config change: on 东区's channel, heard by 东区 only.
        sql(`SELECT pg_notify('hall_events_${hallSchemaOf('east')}', '{"e":{"type":"config","version":4242},"o":"another process"}')`);
        expect(await eastStream.nextEvent()).toEqual({ type: 'config', version: 4242 });
        // 西区 hears its own next ticket, and nothing of 东区's before it.
        await ok(west.url, 'POST', '/v1/tickets', { token: west.kiosk.token, body: { lineId: 'C' } });
        for (;;) if ((await westStream.nextEvent()).type === 'queue') break;
        expect(westStream.received.filter((event) => event.type === 'config')).toEqual([]);
      } finally {
        eastStream.close();
        westStream.close();
      }
    });
  },
);

describe('a real counter at one of the halls', () => {
  it('enrolls at its hall’s address, and what its clerk takes reaches that hall only', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-halls-counter-'));
    const { code } = EnrollmentCode.parse(
      await ok(west.url, 'POST', '/v1/admin/enrollment-codes', { token: west.admin, body: { role: 'counter', windowId: 3 } }),
    );
    const counter = await openCounter(
      { dataDir: dir, deviceName: 'west 3', log: memoryLogger([]), autoEnroll: { serverUrl: west.url, code } },
      { push: { baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 3000 }, retryDelay: () => 100 },
    );
    try {
      const state = async () => (await counter.call('getClerkState', {})) as ClerkState;
      await until(state, (s) => s.connection.state === 'online', 'online', 15_000);
      // 西区's clerk 2001, whom 东区 does not know.
      await counter.call('signIn', { staffNo: '2001', password: 'west-2001' });
      const FIRST17 = '32010219850312004';
      const taken = CaseRecord.parse(
        await counter.call('submitCase', {
          draft: {
            itemCode: 'GA-ZM-006',
            applicant: { type: 'person', name: '王小明', idNumber: FIRST17 + residentIdCheckChar(FIRST17), phone: '13812340000' },
            provided: [true, true, true],
            ticketNumber: null,
          },
          decision: 'accept',
          refuseReason: null,
          refuseDetail: null,
          instantOutcome: null,
        }),
      );
      await until(state, (s) => s.unsent === 0, 'the case pushed', 15_000);
      const search = async (side: Side) =>
        CaseSearchResult.parse(await ok(side.url, 'GET', `/v1/manager/cases?caseNo=${taken.caseNo}`, { token: side.manager.token }));
      expect((await search(west)).rows.map((row) => [row.caseNo, row.staffNo])).toEqual([[taken.caseNo, '2001']]);
      expect((await search(east)).total).toBe(0);
    } finally {
      await counter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  it('serves --halls (on PostgreSQL with --workers 2), each with its admin token file, and makes an enrollment code for the hall --hall names only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-halls-cli-'));
    const env = hallCommandEnv(await freshHallDatabase(dir));
    // On PostgreSQL with two processes: the primary makes each hall's token file, the first worker seeds both halls.
    const workers = env.HALL_DATABASE_URL ? ['--workers', '2'] : [];
    const server = await spawnHallServerProcess(['--data', dir, '--port', '0', '--halls', 'east,west', ...workers], { env });
    expect(server.workerPids).toHaveLength(workers.length > 0 ? 2 : 0);
    const running = { ...server.ready, halls: server.ready.halls! };
    try {
      expect(running.halls.map((hall) => [hall.code, hall.url, hall.adminTokenFile])).toEqual([
        ['east', `${running.url}/halls/east`, join(dir, 'halls/east/admin-token')],
        ['west', `${running.url}/halls/west`, join(dir, 'halls/west/admin-token')],
      ]);
      const [eastToken, westToken] = running.halls.map((hall) => readFileSync(hall.adminTokenFile, 'utf8').trim());
      expect(eastToken).not.toBe(westToken);
      const made = spawnSync(process.execPath, ['server/main.ts', 'enroll-code', '--data', dir, '--hall', 'west', '--window', '2'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toContain('大厅 west 2 号窗口的柜台终端注册码');
      const { code } = JSON.parse(/^ENROLLMENT_CODE (.*)$/m.exec(made.stdout)![1]!) as { code: string };
      const [eastUrl, westUrl] = running.halls.map((hall) => hall.url);
      expect((await call(eastUrl!, 'POST', '/v1/devices/enroll', { body: { code, deviceName: 'x' } })).status).not.toBe(200);
      expect((await call(westUrl!, 'POST', '/v1/devices/enroll', { body: { code, deviceName: 'x' } })).status).toBe(200);
      // A hall the server never had is refused by name, and nothing is made for it.
      const typo = spawnSync(process.execPath, ['server/main.ts', 'enroll-code', '--data', dir, '--hall', 'wset', '--window', '2'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      expect(typo.status).toBe(1);
      expect(typo.stderr).toMatch(/没有.*wset/);
      expect(existsSync(join(dir, 'halls/wset'))).toBe(false);
      if (env.HALL_DATABASE_URL) {
        const db = openHallDatabaseAt(env.HALL_DATABASE_URL);
        try {
          expect(db.prepare("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hall\\_%' ORDER BY 1").pluck().all()).toEqual(['hall_east', 'hall_west']);
        } finally {
          db.close();
        }
      }
      // A command that names no hall, on many halls' data: refused, rather than making an empty hall of its own.
      const unnamed = spawnSync(process.execPath, ['server/main.ts', 'enroll-code', '--data', dir, '--window', '2'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(unnamed.status).toBe(1);
      expect(unnamed.stderr).toMatch(/请用 --hall 大厅代码 指定大厅/);
      const mixed = spawnSync(process.execPath, ['server/main.ts', 'enroll-code', '--data', dir, '--halls', 'west', '--window', '2'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(mixed.stderr).toMatch(/命令用 --hall 大厅代码 指定一个大厅/);
      const bad = spawnSync(process.execPath, ['server/main.ts', '--data', dir, '--halls', 'East,west'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/大厅代码「East」不正确/);
      const serveOne = spawnSync(process.execPath, ['server/main.ts', '--data', dir, '--hall', 'west'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(serveOne.status).toBe(1);
      expect(serveOne.stderr).toMatch(/启动服务器时用 --halls/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
