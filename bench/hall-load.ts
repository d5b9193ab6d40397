// Hall server under a big hall's load, from outside, over real HTTP.
//
// The server runs as a hall runs it (the bundle `npm run server` builds, in
// its own process, on a fresh SQLite file) with a generated hall of W windows
// and L lines, one clerk per window. Every window is a simulated counter:
// enrolled, its clerk signed in, and (unless --no-streams) holding the hall's
// event stream open and reading it. Kiosks first put --waiting tickets in the
// queue, then calls (call-next, which also ends the ticket in hand) arrive at
// --rate per second for --seconds, each on a window with no call in flight,
// while kiosks issue tickets at the same rate so the queue stays as long.
// Each counter does with its stream what a real counter does (below).
// At the end every call is checked: no ticket given twice, none skipped (all
// tickets are ordinary, so each line's called tickets must be the first ones
// it issued). Printed, never asserted.
//
//   node bench/hall-load.ts [--windows 400] [--lines 50] [--rate 500] [--seconds 60]
//                           [--waiting 20000] [--no-streams] [--entry out/server/main.mjs]
//
// Defaults: the big hall of issue 20 — 400 windows, 50 lines (window codes
// 01…400, lines A…Z then AA…AX).
// --entry runs another server entry (e.g. server/main.ts, or an older checkout's).
//
// Its last line: `hall-load: backend=sqlite workers=1 counters=… rate=…/s
// p50=… p99=… max=… ms duplicates=… lost=…`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '400' },
    lines: { type: 'string', default: '50' },
    entry: { type: 'string', default: 'out/server/main.mjs' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '60' },
    waiting: { type: 'string', default: '20000' },
    'no-streams': { type: 'boolean', default: false },
  },
});
const WINDOWS = Number(values.windows);
const LINES = Number(values.lines);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WAITING = Number(values.waiting);
const STREAMS = !values['no-streams'];
const TARGET = { p99: 20, max: 200 };
const PASSWORD = 'bench-123456';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'halldesk-bench-hall-'));

/** Line ids as the hall names them: A…Z, then two letters. */
const lineId = (index: number) =>
  index < 26 ? String.fromCharCode(65 + index) : String.fromCharCode(65 + Math.floor(index / 26) - 1, 65 + (index % 26));
const windowCode = (id: number) => String(id).padStart(2, '0');

function writeSeed(dir: string): void {
  cpSync(join(root, 'resources/hall'), dir, { recursive: true });
  const lines = Array.from({ length: LINES }, (_, index) => ({ id: lineId(index), name: `业务${index + 1}`, description: '压力测试' }));
  // Each window serves two lines (its own first), so every line has windows.
  const windows = Array.from({ length: WINDOWS }, (_, index) => ({
    id: index + 1,
    code: windowCode(index + 1),
    name: `${index + 1}号窗口`,
    lineIds: [...new Set([lines[index % LINES]!.id, lines[(index + 1) % LINES]!.id])],
  }));
  const staff = windows.map((window) => ({
    id: window.id,
    staffNo: String(5000 + window.id),
    name: `压测${window.id}`,
    department: '压力测试',
    role: 'clerk',
    photo: 'photos/1001.svg',
    password: PASSWORD,
  }));
  writeFileSync(join(dir, 'lines.json'), JSON.stringify(lines));
  writeFileSync(join(dir, 'windows.json'), JSON.stringify(windows));
  writeFileSync(join(dir, 'staff.json'), JSON.stringify(staff));
}

/** CPU seconds (user + system) a process has used: robust on a shared machine where latencies are not. */
function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux); the name (field 2) may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function residentMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

// ---- the server ------------------------------------------------------------
if (values.entry === 'out/server/main.mjs') {
  const built = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'server/vite.config.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('building the hall server bundle failed');
}
const seedDir = join(work, 'seed');
mkdirSync(seedDir);
writeSeed(seedDir);
const server: ChildProcess = spawn(
  process.execPath,
  [resolve(root, values.entry), '--data', join(work, 'data'), '--seed', seedDir, '--port', '0'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const ready = await new Promise<{ url: string; adminTokenFile: string }>((resolve, reject) => {
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /HALL_SERVER_READY (\{.*\})/.exec(output);
    if (match) resolve(JSON.parse(match[1]!) as { url: string; adminTokenFile: string });
  });
  server.once('exit', (code) => reject(new Error(`the hall server exited (${code}):\n${output}`)));
});
const stopServer = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', () => {
  stopServer();
  rmSync(work, { recursive: true, force: true });
});
const adminToken = readFileSync(ready.adminTokenFile, 'utf8').trim();

async function call(path: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(ready.url + path, {
    method: init.method ?? 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `task` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function enroll(windowId: number | null): Promise<{ token: string; deviceId: string }> {
  const role = windowId === null ? 'kiosk' : 'counter';
  const { code } = (await call('/v1/admin/enrollment-codes', adminToken, { body: { role, windowId } })) as { code: string };
  return (await call('/v1/devices/enroll', '', { body: { code, deviceName: `bench ${role} ${windowId ?? ''}` } })) as {
    token: string;
    deviceId: string;
  };
}

const idleRss = residentMiB(server.pid!);
console.log(`\nhall-load: ${WINDOWS} windows, ${LINES} lines, ${WAITING} waiting, ${RATE} calls/s for ${SECONDS} s, event streams ${STREAMS ? 'on' : 'off'}`);
console.log(`  server RSS after its first start ${idleRss.toFixed(0)} MB`);

// ---- counters: enrolled, signed in, listening ------------------------------
const setupStarted = performance.now();
const counters: { windowId: number; token: string; deviceId: string; busy: boolean }[] = [];
await inParallel(
  Array.from({ length: WINDOWS }, (_, index) => index + 1),
  16,
  async (windowId) => {
    const { token, deviceId } = await enroll(windowId);
    await call('/v1/auth/sign-in', token, { body: { staffNo: String(5000 + windowId), password: PASSWORD } });
    counters.push({ windowId, token, deviceId, busy: false });
  },
);
counters.sort((a, b) => a.windowId - b.windowId);
const kiosk = (await enroll(null)).token;

// Each simulated counter does with its stream what main/sync/hall-link.ts
// does: pull the queue on hello (from scratch); take the waiting counts a
// queue hint carries (a server without them in its hints: pull the queue, as
// counters did then); on its own window's event, read its window's state
// unless the event is the echo of its own call (`by`).
// Each one at a time, one more if an event came meanwhile. (These counters
// print no walk-ins, so they never pull for them.)
let eventBytes = 0;
let eventMessages = 0;
let pulls = 0;
let pulledChanges = 0;
let pullFailures = 0;
let windowReads = 0;
let countsHeard = 0;
/** The server's queue hints carry no counts (an older server, --entry): pull as counters did then. */
let hintsWithoutCounts = false;
const streamAborts: AbortController[] = [];
/** `task` run one at a time; asked again while it runs, it runs once more after. */
function coalesced(task: () => Promise<void>): () => void {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = task()
      .catch(() => void pullFailures++)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
function queuePuller(token: string) {
  let cursor = 0;
  return coalesced(async () => {
    for (;;) {
      const response = await fetch(`${ready.url}/v1/sync/pull?stream=queue&cursor=${cursor}&limit=500`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await response.json()) as { changes: unknown[]; cursor: number; hasMore: boolean };
      if (!response.ok) throw new Error(`pull → ${response.status}`);
      pulls++;
      pulledChanges += page.changes.length;
      cursor = page.cursor;
      if (!page.hasMore) return;
    }
  });
}
function windowReader(token: string, windowId: number) {
  return coalesced(async () => {
    const response = await fetch(`${ready.url}/v1/windows/${windowId}/state`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`window state → ${response.status}`);
    windowReads++;
  });
}
if (STREAMS) {
  await inParallel(counters, 32, async ({ token, windowId, deviceId }) => {
    const abort = new AbortController();
    streamAborts.push(abort);
    const response = await fetch(`${ready.url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`/v1/events → ${response.status}`);
    const pull = queuePuller(token);
    const readWindow = windowReader(token, windowId);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffered = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          eventBytes += value.length;
          buffered += value;
          let end;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            if (!block.startsWith('data: ')) continue;
            eventMessages++;
            const event = JSON.parse(block.slice(6)) as { type: string; waiting?: Record<string, number>; by?: string };
            if (event.type === 'hello') pull();
            else if (event.type === 'queue') {
              if (event.waiting) countsHeard++;
              else {
                hintsWithoutCounts = true;
                pull();
              }
            } else if (event.type === 'window') {
              if (event.by !== deviceId) readWindow(); // its own call's echo: the answer told it all
              if (hintsWithoutCounts) pull(); // sign-ins were in the queue stream then
            }
          }
        }
      } catch {
        // aborted at the end
      }
    })();
  });
}

// ---- the queue -------------------------------------------------------------
const issued = new Map<string, number[]>(); // line → issued seqs
const issuedIds = new Map<number, { lineId: string; seq: number }>();
async function issue(index: number): Promise<void> {
  const { ticket } = (await call('/v1/tickets', kiosk, { body: { lineId: lineId(index % LINES) } })) as {
    ticket: { id: number; lineId: string; seq: number };
  };
  issuedIds.set(ticket.id, { lineId: ticket.lineId, seq: ticket.seq });
  issued.set(ticket.lineId, [...(issued.get(ticket.lineId) ?? []), ticket.seq]);
}
await inParallel(
  Array.from({ length: WAITING }, (_, index) => index),
  32,
  issue,
);
console.log(`  set-up (enrol + sign in ${WINDOWS}, ${STREAMS ? `${WINDOWS} streams, ` : ''}${WAITING} tickets) ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

// ---- the run ---------------------------------------------------------------
interface CallRecord {
  at: number;
  ms: number;
  ticketId: number | null;
}
const records: CallRecord[] = [];
let noIdleWindow = 0;
let failed = 0;
let cursor = 0;
let issuedDuringRun = 0;
const inFlight = new Set<Promise<void>>();
const track = (promise: Promise<void>) => {
  inFlight.add(promise);
  void promise.finally(() => inFlight.delete(promise));
};
const started = performance.now();
const serverCpuBefore = cpuSeconds(server.pid!);
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const clientCpuBefore = process.cpuUsage();
const messagesBefore = eventMessages;
const pullsBefore = pulls;
const changesBefore = pulledChanges;
const windowReadsBefore = windowReads;
const failures = new Map<string, number>();
const failedWith = (error: unknown) => {
  failed++;
  const reason = String(error instanceof Error ? (error.cause ?? error.message) : error).slice(0, 120);
  failures.set(reason, (failures.get(reason) ?? 0) + 1);
};
let calls = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const elapsed = performance.now() - started;
    if (elapsed >= SECONDS * 1000) {
      clearInterval(tick);
      resolve();
      return;
    }
    const due = Math.floor((elapsed / 1000) * RATE);
    while (calls < due) {
      calls++;
      track(issue(WAITING + issuedDuringRun++).catch(failedWith));
      let counter = null;
      for (let tries = 0; tries < counters.length && !counter; tries++) {
        const candidate = counters[cursor++ % counters.length]!;
        if (!candidate.busy) counter = candidate;
      }
      if (!counter) {
        noIdleWindow++;
        continue;
      }
      const chosen = counter;
      chosen.busy = true;
      const sent = performance.now();
      track(
        call(`/v1/windows/${chosen.windowId}/call-next`, chosen.token, { headers: { 'idempotency-key': crypto.randomUUID() } })
          .then((result) => {
            const ticket = result.ticket as { id: number } | null;
            records.push({ at: sent - started, ms: performance.now() - sent, ticketId: ticket?.id ?? null });
          })
          .catch(failedWith)
          .finally(() => (chosen.busy = false)),
      );
    }
  }, 2);
});
await Promise.all(inFlight);
const runSeconds = (performance.now() - started) / 1000;
const serverCpu = cpuSeconds(server.pid!) - serverCpuBefore;
const clientCpuUsage = process.cpuUsage(clientCpuBefore);
const clientCpu = (clientCpuUsage.user + clientCpuUsage.system) / 1e6;
const peakRss = residentMiB(server.pid!);
for (const abort of streamAborts) abort.abort();

// ---- checks ----------------------------------------------------------------
const seen = new Set<number>();
let duplicates = 0;
const calledSeqs = new Map<string, number[]>();
for (const { ticketId } of records) {
  if (ticketId === null) continue;
  if (seen.has(ticketId)) duplicates++;
  seen.add(ticketId);
  const ticket = issuedIds.get(ticketId);
  if (ticket) calledSeqs.set(ticket.lineId, [...(calledSeqs.get(ticket.lineId) ?? []), ticket.seq]);
}
// Skipped ("lost" to the queue): still waiting although a later ticket of its line was called.
let skipped = 0;
for (const [line, seqs] of calledSeqs) {
  const highest = Math.max(...seqs);
  const called = new Set(seqs);
  skipped += (issued.get(line) ?? []).filter((seq) => seq < highest && !called.has(seq)).length;
}
const latencies = records.map((record) => record.ms).sort((a, b) => a - b);
const p50 = quantile(latencies, 0.5);
const p99 = quantile(latencies, 0.99);
const max = latencies.at(-1) ?? NaN;
console.log(
  `  ${records.length} calls in ${runSeconds.toFixed(1)} s (${(records.length / runSeconds).toFixed(0)}/s; ${noIdleWindow} arrivals found no idle window, ${failed} requests failed)`,
);
console.log(`  call-next p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${max.toFixed(0)} ms`);
console.log('  per 10 s:  ' + Array.from({ length: Math.ceil(SECONDS / 10) }, (_, step) => {
  const slice = records.filter((record) => record.at >= step * 10_000 && record.at < (step + 1) * 10_000).map((r) => r.ms).sort((a, b) => a - b);
  return `${step * 10}s p99 ${quantile(slice, 0.99).toFixed(0)}/max ${(slice.at(-1) ?? NaN).toFixed(0)}`;
}).join(' · '));
if (failures.size) console.log('  failures: ' + [...failures].map(([reason, count]) => `${count}× ${reason}`).join('; '));
if (STREAMS) {
  const messages = eventMessages - messagesBefore;
  console.log(
    `  event streams: ${(messages / Math.max(1, records.length)).toFixed(1)} messages a call (${(eventBytes / 1048576).toFixed(1)} MB in all); ` +
      `counters pulled the queue ${((pulls - pullsBefore) / runSeconds).toFixed(0)} times a second, ${((pulledChanges - changesBefore) / runSeconds).toFixed(0)} changes a second, ` +
      `read their window's state ${((windowReads - windowReadsBefore) / runSeconds).toFixed(0)} times a second, ${pullFailures} reads failed; ` +
      `${countsHeard} queue hints carried the waiting counts`,
  );
}
console.log(
  `  CPU: server ${serverCpu.toFixed(1)} s (${((serverCpu / runSeconds) * 100).toFixed(0)}% of a core, ${((serverCpu * 1000) / Math.max(1, records.length)).toFixed(2)} ms a call with its share of issues and reads), ` +
    `bench client ${clientCpu.toFixed(1)} s (${((clientCpu / runSeconds) * 100).toFixed(0)}% of a core); machine load before the run ${loadBefore}`,
);
console.log(`  server RSS under load ${peakRss.toFixed(0)} MB`);
console.log(
  `  targets: p99 ≤ ${TARGET.p99} ms → ${p99 <= TARGET.p99 ? 'met' : 'MISSED'}; max ≤ ${TARGET.max} ms → ${max <= TARGET.max ? 'met' : 'MISSED'}; ` +
    `0 duplicates → ${duplicates === 0 ? 'met' : 'MISSED'}; 0 skipped → ${skipped === 0 ? 'met' : 'MISSED'}`,
);
console.log(
  `hall-load: backend=sqlite workers=1 counters=${WINDOWS} rate=${RATE}/s p50=${p50.toFixed(1)} p99=${p99.toFixed(1)} max=${max.toFixed(0)} ms duplicates=${duplicates} lost=${skipped}`,
);
stopServer();
process.exit(0);
