// Call-next at once from many windows over HTTP: every ticket is called
// exactly once — in one process, in two processes on one database, and on
// PostgreSQL in 4 worker processes (also while one is killed, and across a
// 10 s stop of the database: issue 19, points 2 and 6). The demo hall has 5
// windows, so these tests seed a hall of 20.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CallNextResult,
  Enrollment,
  EnrollmentCode,
  IssuedTicket,
  QueueSummary,
} from '../../common/http-api.ts';
import type { HallWindow, Priority } from '../../common/model.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR, startHallServer } from '../helpers/hall-server.ts';
import { spawnHallServerProcess } from '../helpers/hall-server-process.ts';
import { startPostgresCluster } from '../helpers/postgres.ts';
import { testBackend } from '../helpers/test-database.ts';
import { hallCommandEnv, hallDatabaseOf, openHallDatabaseAt } from './support.ts';

const WINDOWS = 20;
const CALLS_PER_WINDOW = 50;
const TICKETS = WINDOWS * CALLS_PER_WINDOW;
const LINE_ORDERS = [
  ['A', 'B', 'C'],
  ['B', 'C', 'A'],
  ['C', 'A', 'B'],
];
const PRIORITIES: Priority[] = ['normal', 'normal', 'appointment', 'priority', 'green'];

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Server {
  url: string;
  adminToken: string;
}

let seedDir: string;

beforeAll(() => {
  seedDir = mkdtempSync(join(tmpdir(), 'halldesk-seed-'));
  for (const file of ['settings.json', 'lines.json', 'items.json', 'photos']) {
    cpSync(join(DEMO_SEED_DIR, file), join(seedDir, file), { recursive: true });
  }
  // Every window serves every line, each in its own order, so no call comes back empty.
  const windows: HallWindow[] = range(WINDOWS).map((i) => ({
    id: i + 1,
    code: String(i + 1).padStart(2, '0'),
    name: `${i + 1}号窗口`,
    lineIds: LINE_ORDERS[i % LINE_ORDERS.length]!,
  }));
  const staff = range(WINDOWS).map((i) => ({
    id: i + 1,
    staffNo: String(2001 + i),
    name: `测试人员${i + 1}`,
    department: '政务服务管理办公室',
    role: 'clerk',
    photo: 'photos/1001.svg',
    password: DEMO_PASSWORD,
  }));
  writeFileSync(join(seedDir, 'windows.json'), JSON.stringify(windows));
  writeFileSync(join(seedDir, 'staff.json'), JSON.stringify(staff));
});

afterAll(() => rmSync(seedDir, { recursive: true, force: true }));

/**
 * A POST that must succeed. 408 (the server did not read the request in time: a loaded machine, never
 * acted on) is sent again, as the counter does (main/sync/pusher.ts).
 */
async function post(url: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await response.json();
    if (response.status === 408) continue;
    expect(response.status, JSON.stringify(json)).toBe(200);
    return json;
  }
}

async function enroll(server: Server, windowId: number | null): Promise<Enrollment> {
  const role = windowId === null ? 'kiosk' : 'counter';
  const { code } = EnrollmentCode.parse(
    await post(`${server.url}/v1/admin/enrollment-codes`, server.adminToken, { role, windowId }),
  );
  return Enrollment.parse(
    await post(`${server.url}/v1/devices/enroll`, '', { code, deviceName: `${role} ${windowId}` }),
  );
}

/**
 * A call-next as a counter's outbox makes it: retried with the same Idempotency-Key while the hall cannot
 * answer — 503 (its database out of reach), 408 (the request not read in time), the connection lost, or
 * no answer within 10 s (the counter gives up after 5 s, main/hall-client.ts): a connection the cluster's
 * primary had accepted for a worker that was then killed is never answered nor closed.
 */
async function callNext(url: string, token: string, key: string, seen: { unreachable: number }): Promise<z.infer<typeof CallNextResult>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'Idempotency-Key': key },
        signal: AbortSignal.timeout(10_000),
      });
      const json: unknown = await response.json();
      if (response.status === 200) return CallNextResult.parse(json);
      if (response.status === 408) continue;
      // 503: the hall's database is out of reach — the counter keeps the call and tries again.
      expect(response.status, JSON.stringify(json)).toBe(503);
      expect(json).toMatchObject({ code: 'SERVER_UNREACHABLE' });
      seen.unreachable += 1;
    } catch (error) {
      // The process serving this connection died (kill -9): the counter tries again, on whichever answers.
      if (attempt > 400 || (error as Error).name === 'AssertionError') throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Race {
  windows?: number;
  callsPerWindow?: number;
  /** Runs once the calls are in flight (to kill a process, stop the database…). */
  during?: (progress: { replies: () => number }) => Promise<void>;
}

/**
 * Issues TICKETS tickets, then fires every window's calls at once (by
 * default exactly as many as there are tickets); window w talks to
 * servers[w % servers.length]. Checks that each ticket was called exactly
 * once, by one window, and none is left waiting.
 */
async function callEveryTicketOnce(servers: Server[], dbPath: string, race: Race = {}): Promise<{ unreachable: number }> {
  const { windows = WINDOWS, callsPerWindow = CALLS_PER_WINDOW, during } = race;
  const serverOf = (windowId: number) => servers[windowId % servers.length]!;
  const counters = await Promise.all(range(windows).map((i) => enroll(serverOf(i + 1), i + 1)));
  await Promise.all(
    counters.map((counter, i) =>
      post(`${serverOf(i + 1).url}/v1/auth/sign-in`, counter.token, {
        staffNo: String(2001 + i),
        password: DEMO_PASSWORD,
      }),
    ),
  );
  const kiosk = await enroll(servers[0]!, null);

  const issued = await Promise.all(
    range(TICKETS).map(async (i) => {
      const body = { lineId: 'ABC'[i % 3], priority: PRIORITIES[i % PRIORITIES.length] };
      return IssuedTicket.parse(
        await post(`${servers[i % servers.length]!.url}/v1/tickets`, kiosk.token, body),
      ).ticket;
    }),
  );
  expect(new Set(issued.map((ticket) => ticket.number)).size).toBe(TICKETS);

  let replies = 0;
  const seen = { unreachable: 0 };
  const calls = Promise.all(
    counters.flatMap((counter, i) =>
      range(callsPerWindow).map(async (k) => {
        const reply = await callNext(`${serverOf(i + 1).url}/v1/windows/${i + 1}/call-next`, counter.token, `w${i}-call${k}`, seen);
        replies += 1;
        return { windowId: i + 1, ticketId: reply.ticket?.id };
      }),
    ),
  );
  await during?.({ replies: () => replies });
  const answered = await calls;
  const called = answered.filter((reply) => reply.ticketId !== undefined);
  // Every ticket went to exactly one window; the calls beyond the tickets found the queue empty.
  expect(called).toHaveLength(TICKETS);
  expect(new Set(called.map((reply) => reply.ticketId))).toEqual(new Set(issued.map((ticket) => ticket.id)));
  expect(answered.length - called.length).toBe(windows * callsPerWindow - TICKETS);

  // The server's own journal agrees: one call per ticket, by the window that was told.
  const db = openHallDatabaseAt(dbPath);
  const journal = db
    .prepare<[], { ticketId: number; calls: number; windowId: number }>(
      "SELECT ticket_id AS ticketId, COUNT(*) AS calls, MIN(window_id) AS windowId FROM hall_log WHERE action = 'call' GROUP BY ticket_id",
    )
    .all();
  db.close();
  expect(journal).toHaveLength(TICKETS);
  expect(journal.filter((row) => row.calls !== 1)).toEqual([]);
  const toldWindow = new Map(called.map((reply) => [reply.ticketId, reply.windowId]));
  expect(journal.filter((row) => toldWindow.get(row.ticketId) !== row.windowId)).toEqual([]);

  const response = await fetch(`${servers[0]!.url}/v1/queue/summary`, {
    headers: { authorization: `Bearer ${kiosk.token}` },
  });
  const summary = QueueSummary.parse(await response.json());
  expect(summary.lines.map((line) => line.waiting)).toEqual([0, 0, 0]);
  return seen;
}

it(`${WINDOWS} windows × ${CALLS_PER_WINDOW} call-next in parallel: no ticket twice, none lost`, async () => {
  const hall = await startHallServer({ seedDir });
  try {
    await callEveryTicketOnce([hall], hall.dbPath);
  } finally {
    await hall.close();
  }
});

interface SpawnedHall extends Server {
  /** The worker processes' pids, from the primary's log (--workers only), in the order they started. */
  workerPids: number[];
  stop(): Promise<void>;
}

/** Starts `node server/main.ts` (with --workers N when given) and waits for its READY line. */
async function spawnHallServer(dataDir: string, options: { env?: NodeJS.ProcessEnv; workers?: number } = {}): Promise<SpawnedHall> {
  const args = ['--data', dataDir, '--seed', seedDir, '--port', '0', ...(options.workers ? ['--workers', String(options.workers)] : [])];
  const server = await spawnHallServerProcess(args, { env: options.env });
  // The token is never printed: it is in a 0600 file, one for both servers on the data dir.
  const adminToken = readFileSync(server.ready.adminTokenFile!, 'utf8').trim();
  return { url: server.ready.url, adminToken, workerPids: server.workerPids, stop: () => server.stop() };
}

it('two server processes on one database never hand out the same ticket', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-hall-'));
  // The file on SQLite; on PostgreSQL one database both reach by HALL_DATABASE_URL.
  const env = hallCommandEnv(await hallDatabaseOf(dataDir));
  const dbPath = env.HALL_DATABASE_URL ?? join(dataDir, 'hall.sqlite');
  const first = await spawnHallServer(dataDir, { env });
  const servers = [first, await spawnHallServer(dataDir, { env })];
  try {
    await callEveryTicketOnce(servers, dbPath);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const onPostgres = testBackend() === 'postgres';
const POSTGRES_ONLY = '[PostgreSQL only: several processes share a hall through HALL_DATABASE_URL]';

describe.skipIf(!onPostgres)(`several server processes on one PostgreSQL database ${onPostgres ? '' : POSTGRES_ONLY}`, () => {
  /** A hall of --workers 4 on a fresh database of `databaseUrl`'s cluster. */
  async function workersHall(databaseUrl?: string) {
    const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-workers-'));
    const url = databaseUrl ?? (await hallDatabaseOf(dataDir));
    const hall = await spawnHallServer(dataDir, { env: hallCommandEnv(url), workers: 4 });
    expect(hall.workerPids).toHaveLength(4);
    return {
      ...hall,
      databaseUrl: url,
      async stop() {
        await hall.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  it('4 processes (--workers 4): 2,000 concurrent call-next on 1,000 tickets — each ticket to exactly one window', { timeout: 120_000 }, async () => {
    const hall = await workersHall();
    try {
      // Twice as many calls as tickets, all at once, spread by the primary over the 4 processes.
      await callEveryTicketOnce([hall], hall.databaseUrl, { callsPerWindow: 2 * CALLS_PER_WINDOW });
    } finally {
      await hall.stop();
    }
  });

  it('kill -9 of one of 4 processes during the calls: the calls are retried on the others, no ticket twice, none lost', { timeout: 120_000 }, async () => {
    const hall = await workersHall();
    try {
      await callEveryTicketOnce([hall], hall.databaseUrl, {
        callsPerWindow: 2 * CALLS_PER_WINDOW,
        during: async ({ replies }) => {
          while (replies() < 200) await new Promise((resolve) => setTimeout(resolve, 5));
          process.kill(hall.workerPids[1]!, 'SIGKILL');
        },
      });
      // The primary started a worker in its place.
      await expect.poll(() => hall.workerPids.length, { timeout: 20_000 }).toBe(5);
    } finally {
      await hall.stop();
    }
  });

  it('PostgreSQL stopped for 10 s: calls are answered 503 SERVER_UNREACHABLE (counters work offline), the processes stay up, and every ticket is called once after', { timeout: 180_000 }, async () => {
    // A cluster of its own: the run's shared one serves the other test files meanwhile.
    const cluster = await startPostgresCluster({ fsync: false });
    const hall = await workersHall(await cluster.createDatabase('hall_outage'));
    try {
      const seen = await callEveryTicketOnce([hall], hall.databaseUrl, {
        during: async ({ replies }) => {
          while (replies() < 100) await new Promise((resolve) => setTimeout(resolve, 5));
          await cluster.stop();
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          await cluster.start();
        },
      });
      // Calls came while it was down: each was answered 503 SERVER_UNREACHABLE (what a counter reads as
      // "work offline, keep it in the outbox"), then retried and answered once it was back.
      expect(seen.unreachable).toBeGreaterThan(0);
      // No process died of it: the same four are serving.
      expect(hall.workerPids).toHaveLength(4);
    } finally {
      await hall.stop();
      await cluster.destroy();
    }
  });
});
