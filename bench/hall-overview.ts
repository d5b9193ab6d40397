// 大厅总览 at a big hall (issue 17, point 1): the snapshot the manager's desk
// reads (GET /v1/manager/overview) at 200 windows (--windows N, up to 400),
// and how long a change at a window takes to reach a manager's waiting poll.
// The real hall server over HTTP on a real SQLite file, seeded as the big
// hall (scripts/big-hall-seed.ts) cut to N windows; every window has a
// counter holding its live event stream and a clerk signed in; 20,000
// tickets wait, three quarters of the windows serve one, a tenth are paused,
// every counter has reported its devices, 200 bad ratings await follow-up.
// Printed, never asserted.
//
// Targets: snapshot p95 ≤ 250 ms; change → a waiting poll answered, p95 ≤ 1000 ms.
//
//   node bench/hall-overview.ts [--windows 200]
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hallToday } from '../common/hall-time.ts';
import { Enrollment, EnrollmentCode } from '../common/http-api.ts';
import { HallOverviewAnswer } from '../common/hall-overview.ts';
import { BIG_HALL_WINDOWS, bigHallWindowLine, writeBigHallSeed } from '../scripts/big-hall-seed.ts';
import { createConfigStore } from '../server/config-store.ts';
import { openHallDatabase } from '../server/db.ts';
import { createHallOverview } from '../server/hall-overview.ts';
import { createHallServer } from '../server/hall-server.ts';
import { createTicketOps } from '../server/ticket-ops.ts';
import { machineLoad, quantile, verdict } from './verdict.ts';

const { values } = parseArgs({ options: { windows: { type: 'string', default: '200' } } });
const WINDOWS = Math.min(BIG_HALL_WINDOWS, Math.max(2, Number(values.windows)));
const WAITING = 20_000;
const SNAPSHOT_ROUNDS = 40;
const CHANGE_ROUNDS = 30;
const ADMIN = 'bench-admin-token-0123456789abcdef';

const dir = mkdtempSync(join(tmpdir(), 'halldesk-bench-overview-'));
const seedDir = writeBigHallSeed(join(dir, 'seed'));
const windows = JSON.parse(readFileSync(join(seedDir, 'windows.json'), 'utf8')) as unknown[];
writeFileSync(join(seedDir, 'windows.json'), JSON.stringify(windows.slice(0, WINDOWS)));
const dbPath = join(dir, 'hall.sqlite');
const server = createHallServer({ dbPath, adminToken: ADMIN, seedDir, signInDelayMs: () => 0 });
const url = await server.listen(0, '127.0.0.1');

async function post(path: string, body: unknown, token: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

// One counter per window, each holding its live stream (so every window is online).
const counters: Enrollment[] = [];
for (let id = 1; id <= WINDOWS; id++) {
  const { code } = EnrollmentCode.parse(await post('/v1/admin/enrollment-codes', { role: 'counter', windowId: id }, ADMIN));
  const response = await fetch(`${url}/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, deviceName: `bench ${id}` }),
  });
  counters.push(Enrollment.parse(await response.json()));
}
const streams = new AbortController();
await Promise.all(
  counters.map(async (counter) => {
    const response = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${counter.token}` }, signal: streams.signal });
    const reader = response.body!.getReader();
    void (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // closed at the end
      }
    })();
  }),
);
const manager = counters[0]!;
await post('/v1/auth/sign-in', { staffNo: '1006', password: '123456' }, manager.token);

// The hall's day, written beside the server (WAL, a second connection): staff for every window, who sits where, tickets, pauses, devices, bad ratings.
const day = hallToday();
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const db = new Database(dbPath, { timeout: 5000 });
db.transaction(() => {
  const template = JSON.parse(
    db.prepare("SELECT value FROM config_changes WHERE kind = 'staff' AND key = '1' ORDER BY version DESC LIMIT 1").pluck().get() as string,
  ) as Record<string, unknown>;
  const staff = db.prepare("INSERT INTO config_changes (kind, key, value) VALUES ('staff', ?, ?)");
  const clerk = db.prepare('INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (?, ?, ?, ?)');
  const ticket = db.prepare(
    `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at)
     VALUES (?, ?, ?, ?, 'normal', ?, ?, ?, ?, ?)`,
  );
  const pause = db.prepare("INSERT INTO window_pauses (window_id, reason, note, expected_back_at, paused_at, device_id) VALUES (?, '午休', NULL, NULL, ?, ?)");
  const devices = db.prepare('INSERT INTO window_devices (window_id, device_id, report, reported_at) VALUES (?, ?, ?, ?)');
  const rating = db.prepare(
    `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
       device_address, opened_at, at, seq) VALUES (?, ?, 1, NULL, NULL, ?, ?, NULL, 1, 'rated', 'evaluator', 3, ?, ?, ?)`,
  );
  const followUp = db.prepare("INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES (?, ?, ?, ?, 'verifying', ?)");
  const seqs = new Map<string, number>();
  const next = (line: string) => {
    const seq = (seqs.get(line) ?? 0) + 1;
    seqs.set(line, seq);
    return seq;
  };
  for (let id = 2; id <= WINDOWS; id++) {
    const staffId = 1000 + id;
    staff.run(String(staffId), JSON.stringify({ ...template, id: staffId, staffNo: String(10_000 + id), name: `工作人员${id}`, role: 'clerk' }));
    clerk.run(id, staffId, counters[id - 1]!.deviceId, iso(now - 3_600_000));
  }
  for (let i = 0; i < WAITING; i++) {
    const line = bigHallWindowLine((i % WINDOWS) + 1);
    const seq = next(line);
    ticket.run(day, line, seq, `${line}${String(seq).padStart(4, '0')}`, 'waiting', iso(now - 3_600_000 + i * 100), manager.deviceId, null, null);
  }
  for (let id = 2; id <= WINDOWS; id++) {
    const line = bigHallWindowLine(id);
    if (id % 10 === 0) pause.run(id, iso(now - 600_000), counters[id - 1]!.deviceId);
    else if (id % 4 !== 0) {
      const seq = next(line);
      ticket.run(day, line, seq, `${line}${String(seq).padStart(4, '0')}`, 'called', iso(now - 1_800_000), manager.deviceId, id, iso(now - (id % 40) * 60_000));
    }
    const printerDown = id % 17 === 0;
    devices.run(
      id,
      counters[id - 1]!.deviceId,
      JSON.stringify({
        printer: printerDown ? { level: 'error', message: '打印机缺纸，请装纸' } : { level: 'ok', message: null },
        evaluator: { level: 'ok', message: null },
        outward: { level: 'ok', message: null },
      }),
      iso(now - 60_000),
    );
  }
  for (let i = 0; i < 200; i++) {
    const id = (i % (WINDOWS - 1)) + 2;
    const device = counters[id - 1]!.deviceId;
    rating.run(`bench-r-${i}`, device, id, String(10_000 + id), iso(now - i * 3_600_000), iso(now - i * 3_600_000), i + 1);
    followUp.run(device, i + 1, `bench-r-${i}`, day, iso(now - i * 3_600_000));
  }
})();
db.close();

async function overview(query = ''): Promise<HallOverviewAnswer> {
  const response = await fetch(`${url}/v1/manager/overview${query}`, { headers: { authorization: `Bearer ${manager.token}` } });
  if (!response.ok) throw new Error(`overview → ${response.status} ${await response.text()}`);
  return HallOverviewAnswer.parse(await response.json());
}

// 1. The snapshot, asked afresh each time.
const first = await overview();
const o = first.overview!;
const snapshots: number[] = [];
const parses: number[] = [];
for (let i = 0; i < SNAPSHOT_ROUNDS; i++) {
  const start = performance.now();
  const response = await fetch(`${url}/v1/manager/overview`, { headers: { authorization: `Bearer ${manager.token}` } });
  const json = (await response.json()) as unknown;
  snapshots.push(performance.now() - start);
  // What the counter adds: its client checks every answer against the route's schema (main/hall-client.ts).
  const parsing = performance.now();
  HallOverviewAnswer.parse(json);
  parses.push(performance.now() - parsing);
}
const bytes = JSON.stringify(first).length;

// 2. A change at a window → the manager's waiting poll answered (pause, then resume, at window 1).
const changes: number[] = [];
let version = first.version;
for (let i = 0; i < CHANGE_ROUNDS; i++) {
  const poll = overview(`?since=${version}&waitMs=20000`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const start = performance.now();
  const path = i % 2 === 0 ? '/v1/windows/1/pause' : '/v1/windows/1/resume';
  await post(path, i % 2 === 0 ? { reason: '临时离开' } : {}, manager.token, { 'Idempotency-Key': `bench-${i}` });
  const answer = await poll;
  changes.push(performance.now() - start);
  version = answer.version;
}

// 3. The same snapshot built in the process (no HTTP, no JSON), on the same file: where the time goes.
streams.abort();
await server.close();
const again = openHallDatabase(dbPath);
const config = createConfigStore(again);
const ops = createTicketOps(again, { clock: () => new Date(), publish: () => {} });
const direct = createHallOverview(again, { clock: () => new Date(), config, board: () => ops.queueBoard() });
const built: number[] = [];
const boards: number[] = [];
for (let i = 0; i < SNAPSHOT_ROUNDS; i++) {
  let start = performance.now();
  direct.snapshot();
  built.push(performance.now() - start);
  start = performance.now();
  ops.queueBoard();
  boards.push(performance.now() - start);
}
direct.close();
again.close();
rmSync(dir, { recursive: true, force: true });

const ms = (value: number) => `${value.toFixed(0)} ms`;
const byState = new Map<string, number>();
for (const w of o.windows) byState.set(w.state, (byState.get(w.state) ?? 0) + 1);
const states = [...byState].map(([state, count]) => `${state} ${count}`);
console.log(`\n大厅总览 at ${WINDOWS} windows (${states.join(', ')}; ${o.lines.length} lines, ${WAITING} waiting, ${o.alerts.length} alerts; answer ${(bytes / 1024).toFixed(0)} KiB), ${machineLoad()}`);
const p95 = quantile(snapshots, 0.95);
console.log(`  snapshot over HTTP (answer read, not checked): p50 ${ms(quantile(snapshots, 0.5))}, p95 ${ms(p95)} (${SNAPSHOT_ROUNDS} asks; target p95 ≤ 250 ms: ${verdict([p95], 250)})`);
console.log(`  the counter's schema check of that answer: p50 ${ms(quantile(parses, 0.5))}`);
console.log(`  snapshot built in the process: p50 ${ms(quantile(built, 0.5))}, of which queueBoard (reused, ticket-ops) p50 ${ms(quantile(boards, 0.5))}`);
const c95 = quantile(changes, 0.95);
console.log(
  `  a pause/resume at a window → the manager's waiting poll answered: p50 ${ms(quantile(changes, 0.5))}, p95 ${ms(c95)} (${CHANGE_ROUNDS} changes; target p95 ≤ 1000 ms: ${verdict([c95], 1000)})`,
);
