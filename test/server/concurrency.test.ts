// 20 windows × 50 call-next at once over HTTP: every ticket is called exactly
// once. The demo hall has 5 windows, so these tests seed a hall of 20.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CallNextResult,
  Enrollment,
  EnrollmentCode,
  IssuedTicket,
  QueueSummary,
} from '../../common/http-api.ts';
import type { HallWindow, Priority } from '../../common/model.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR, startHallServer } from '../helpers/hall-server.ts';

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

async function post(url: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
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
 * Issues TICKETS tickets, then fires every window's calls at once; window w
 * talks to servers[w % servers.length]. Checks that each ticket was called once.
 */
async function callEveryTicketOnce(servers: Server[], dbPath: string): Promise<void> {
  const serverOf = (windowId: number) => servers[windowId % servers.length]!;
  const counters = await Promise.all(range(WINDOWS).map((i) => enroll(serverOf(i + 1), i + 1)));
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

  const replies = await Promise.all(
    counters.flatMap((counter, i) =>
      range(CALLS_PER_WINDOW).map(async (k) => {
        const url = `${serverOf(i + 1).url}/v1/windows/${i + 1}/call-next`;
        return CallNextResult.parse(
          await post(url, counter.token, undefined, { 'Idempotency-Key': `w${i}-call${k}` }),
        );
      }),
    ),
  );
  const calledIds = replies.map((reply) => reply.ticket?.id);
  expect(calledIds.filter((id) => id === undefined)).toEqual([]);
  expect(new Set(calledIds).size).toBe(TICKETS);
  expect(new Set(calledIds)).toEqual(new Set(issued.map((ticket) => ticket.id)));

  // The server's own journal agrees: one call per ticket.
  const db = new Database(dbPath, { readonly: true });
  const calls = db
    .prepare<[], number>("SELECT COUNT(*) FROM hall_log WHERE action = 'call' GROUP BY ticket_id")
    .pluck()
    .all();
  db.close();
  expect(calls).toHaveLength(TICKETS);
  expect(calls.every((count) => count === 1)).toBe(true);

  const response = await fetch(`${servers[0]!.url}/v1/queue/summary`, {
    headers: { authorization: `Bearer ${kiosk.token}` },
  });
  const summary = QueueSummary.parse(await response.json());
  expect(summary.lines.map((line) => line.waiting)).toEqual([0, 0, 0]);
}

it(`${WINDOWS} windows × ${CALLS_PER_WINDOW} call-next in parallel: no ticket twice, none lost`, async () => {
  const hall = await startHallServer({ seedDir });
  try {
    await callEveryTicketOnce([hall], join(hall.dataDir, 'hall.sqlite'));
  } finally {
    await hall.close();
  }
});

/** Starts `node server/main.ts` and waits for its READY line. */
async function spawnHallServer(dataDir: string) {
  const child = spawn(
    process.execPath,
    ['server/main.ts', '--data', dataDir, '--seed', seedDir, '--port', '0'],
    { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'ignore'] },
  );
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('HALL_SERVER_READY ')) {
      const ready = JSON.parse(line.slice('HALL_SERVER_READY '.length)) as { url: string; adminTokenFile: string };
      // The token is never printed: it is in a 0600 file, one for both servers on the data dir.
      const server: Server = { url: ready.url, adminToken: readFileSync(ready.adminTokenFile, 'utf8').trim() };
      return {
        ...server,
        async stop() {
          child.kill('SIGTERM');
          if (child.exitCode === null) await once(child, 'exit');
        },
      };
    }
  }
  throw new Error('the hall server exited before it was ready');
}

it('two server processes on one database file never hand out the same ticket', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-hall-'));
  const servers = await Promise.all([spawnHallServer(dataDir), spawnHallServer(dataDir)]);
  try {
    await callEveryTicketOnce(servers, join(dataDir, 'hall.sqlite'));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
