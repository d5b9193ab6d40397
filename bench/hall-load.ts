// Hall server under a city's load, from outside, over real HTTP (issues 19 and 20).
//
// The server runs as a hall runs it (the bundle `npm run server` builds, in
// its own process — or a node:cluster primary and N worker processes with
// --workers N) on a fresh SQLite file or a fresh PostgreSQL database in a
// cluster the bench starts itself (test/helpers/postgres.ts, fsync on), with
// a generated hall of C windows and L lines, one clerk per window. Every
// window is a simulated counter: enrolled, its clerk signed in, and (unless
// --no-streams) holding the hall's event stream open and reading it. Kiosks
// first put --waiting tickets in the queue, then operations arrive at --rate
// per second for --seconds, each on a window with no operation in flight:
// call-next (which also ends the ticket in hand) or, for a --transfers share
// of arrivals on a window holding a ticket, 转业务 of that ticket to another
// line (transfer-ticket, place keep: it waits there by its original issue
// time). Kiosks issue a ticket for every call-next arrival, so the queue
// stays as long. Each counter does with its stream what a real counter does.
//
// Checked at the end, over every operation of the hall (printed, never
// asserted; all tickets are ordinary, so a line's queue is in issue order):
//  - duplicates: calls of a ticket beyond one per time it was put back in a
//    queue — a ticket called C times and transferred (successfully, which
//    only its holding window can do) T times counts max(0, C − T − 1);
//  - lost (skipped): a ticket waiting at the end (never called, or not called
//    again after its last transfer) although a call-next SENT after it was
//    waiting (its issue or transfer answered) got a ticket of the same queue
//    line issued after it. A call's queue line is the one its answer names
//    (the ticket's line, or the line it was transferred to). Answers are read
//    in any order: a call answered before the issue (or the transfer) that
//    made its ticket waiting leaves that ticket called, not waiting.
//
// One run:
//   node bench/hall-load.ts [--backend sqlite|postgres] [--workers 1] [--counters 400]
//        [--lines 50] [--rate 500] [--seconds 60] [--waiting 20000] [--transfers 0.1]
//        [--no-streams] [--entry out/server/main.mjs] [--pg-statements]
// --pg-statements (one run): PostgreSQL with pg_stat_statements, and at the end the 30
// statements that took the most time in it (calls, total and mean time).
// The matrix (`npm run bench:hall`, or no flags, or --matrix): SQLite 1 process,
// PostgreSQL 1, 2, 4 processes; 200 and 2,000 counters; each at 200 operations/s
// and at the highest rate found that keeps p99 ≤ 20 ms (below). Points of
// --point-seconds (15); the headline (PostgreSQL, 4 processes, 2,000 counters,
// 200/s) runs --headline-seconds (60) and its line is printed LAST:
//   hall-load: backend=postgres workers=4 counters=2000 rate=200/s p50=… p99=… ms duplicates=… lost=…
// The rate search, per configuration on one running server: 200/s; if p99 ≤ 20 ms,
// 400, 800, 1600, 3200 until one misses; if 200 misses, 100, 50, 25 until one
// meets; then one bisect step between the highest met and the lowest missed.
// A point "meets" when p99 ≤ 20 ms, no request failed, and ≥ 95% of the
// arrivals found an idle window. Within the matrix, the three PostgreSQL
// configurations of a counter count share one database (the server restarted
// on it with 1, then 2, then 4 processes; counters enrolled and signed in once
// and their streams opened again), so the check covers all three.
//
// --entry runs another server entry (e.g. server/main.ts, or an older checkout's).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, get as httpGet, request as httpRequest, type IncomingMessage } from 'node:http';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/postgres.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '1' },
    counters: { type: 'string' },
    /** The old name of --counters (issue 20's runs). */
    windows: { type: 'string' },
    lines: { type: 'string', default: '50' },
    entry: { type: 'string', default: 'out/server/main.mjs' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '60' },
    waiting: { type: 'string' },
    transfers: { type: 'string', default: '0.1' },
    'no-streams': { type: 'boolean', default: false },
    single: { type: 'boolean', default: false },
    matrix: { type: 'boolean', default: false },
    'point-seconds': { type: 'string', default: '15' },
    'headline-seconds': { type: 'string', default: '60' },
    'skip-build': { type: 'boolean', default: false },
    'pg-statements': { type: 'boolean', default: false },
    /** The matrix's counter counts (a quick smoke run of the matrix: --matrix-counters 20,50). */
    'matrix-counters': { type: 'string', default: '200,2000' },
  },
});
const given = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const MATRIX = values.matrix || (!values.single && given.every((arg) => ['--point-seconds', '--headline-seconds', '--matrix-counters', '--skip-build', '--no-streams', '--transfers', '--lines', '--waiting', '--entry', '--pg-statements'].includes(arg.split('=')[0]!)));
const LINES = Number(values.lines);
const PG_STATEMENTS = values['pg-statements'];
const TRANSFERS = Number(values.transfers);
const STREAMS = !values['no-streams'];
const POINT_SECONDS = Number(values['point-seconds']);
const HEADLINE_SECONDS = Number(values['headline-seconds']);
const TARGET = { p99: 20, max: 200 };
const PASSWORD = 'bench-123456';
const WINDOW_CODE = /^[0-9A-Z]{1,4}$/; // common/hall-codes.ts WINDOW_CODE

function usage(message: string): never {
  console.error(`hall-load: ${message}`);
  process.exit(2);
}
if (!(values.backend === 'sqlite' || values.backend === 'postgres')) usage(`--backend must be sqlite or postgres, not ${values.backend}`);
if (!(TRANSFERS >= 0 && TRANSFERS <= 1)) usage('--transfers is a share between 0 and 1');
if (!(LINES >= 2 && LINES <= 26 * 27)) usage('--lines must be 2 … 702');

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'halldesk-bench-hall-'));
let cluster: PostgresCluster | null = null;
let running: ServerProcess | null = null;
process.on('exit', () => {
  if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Line ids as the hall names them: A…Z, then two letters. */
const lineId = (index: number) =>
  index < 26 ? String.fromCharCode(65 + index) : String.fromCharCode(65 + Math.floor(index / 26) - 1, 65 + (index % 26));
const lineIndex = new Map(Array.from({ length: LINES }, (_, index) => [lineId(index), index]));
const windowCode = (id: number) => String(id).padStart(2, '0');

function writeSeed(dir: string, counters: number): void {
  cpSync(join(root, 'resources/hall'), dir, { recursive: true });
  const lines = Array.from({ length: LINES }, (_, index) => ({ id: lineId(index), name: `业务${index + 1}`, description: '压力测试' }));
  // Each window serves two lines (its own first), so every line has windows.
  const windows = Array.from({ length: counters }, (_, index) => ({
    id: index + 1,
    code: windowCode(index + 1),
    name: `${index + 1}号窗口`,
    lineIds: [...new Set([lines[index % LINES]!.id, lines[(index + 1) % LINES]!.id])],
  }));
  const bad = windows.find((window) => !WINDOW_CODE.test(window.code));
  if (bad) usage(`window code ${bad.code} breaks the hall's rule (1–4 digits or capitals): at most 9,999 counters`);
  const staff = windows.map((window) => ({
    id: window.id,
    staffNo: String(10000 + window.id),
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

// ---- processes: CPU and memory of a process and its descendants ----------
function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}
/** CPU seconds (user + system) a process tree has used: robust on a shared machine where latencies are not. */
function cpuSeconds(rootPid: number): number {
  let sum = 0;
  for (const pid of processTree(rootPid)) {
    try {
      // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux); the name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
function residentMiB(rootPid: number): number {
  let sum = 0;
  for (const pid of processTree(rootPid)) {
    try {
      sum += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
const postmasterPid = (): number | null => {
  if (!cluster) return null;
  try {
    return Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
};
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

// ---- the server ------------------------------------------------------------
interface ServerProcess {
  child: ChildProcess;
  url: string;
  adminTokenFile: string;
  workers: number;
}
async function startServer(dataDir: string, seedDir: string, workers: number, databaseUrl: string | null): Promise<ServerProcess> {
  const args = [resolve(root, values.entry), '--data', dataDir, '--seed', seedDir, '--port', '0'];
  if (workers > 1) args.push('--workers', String(workers));
  const env = { ...process.env };
  delete env.HALL_DATABASE_URL;
  delete env.HALL_WORKERS;
  if (databaseUrl) env.HALL_DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ url: string; adminTokenFile: string }>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /HALL_SERVER_READY (\{.*\})/.exec(output);
      if (match) resolve(JSON.parse(match[1]!) as { url: string; adminTokenFile: string });
    });
    child.once('exit', (code) => reject(new Error(`the hall server exited (${code}):\n${output}`)));
  });
  running = { child, ...ready, workers };
  return running;
}
async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  running = null;
}

let base = '';
// Requests go through node:http with kept-alive connections rather than fetch:
// undici's fetch cost ≈ 0.4 ms of the bench client's CPU a request, CPU the
// server under test shares on this machine.
// The timeout makes the agent heed the server's `Keep-Alive: timeout=5` (without
// one, Node's agent keeps idle sockets forever and may reuse one just as the
// server closes it: ECONNRESET); it ends no request.
const keepAlive = new Agent({ keepAlive: true, maxSockets: Infinity, timeout: 60_000 });
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(base + path, { method, headers, agent: keepAlive }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
async function call(path: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const body = init.body !== undefined ? JSON.stringify(init.body) : undefined;
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
  if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  const response = await send(init.method ?? 'POST', path, headers, body);
  const json = JSON.parse(response.text) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${path} → ${response.status} ${JSON.stringify(json)}`);
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

// ---- one hall (one database) under load ------------------------------------
interface Counter {
  windowId: number;
  token: string;
  deviceId: string;
  busy: boolean;
  /** The ticket this window holds (called, not yet ended or transferred). */
  inHand: number | null;
}
interface TicketState {
  id: number;
  number: string;
  /** The line whose queue it waits in (its own, or the last transfer's). */
  queueLine: string;
  /** performance.now() when it last became waiting (issue or transfer answered); null while called. */
  waitingSince: number | null;
  calls: number;
  transfers: number;
}
interface OpRecord {
  kind: 'call' | 'transfer';
  phase: number;
  sent: number;
  ms: number;
  ticketId: number | null;
  /** For a call: the queue line the ticket it got was waiting in. */
  queueLine: string | null;
}
interface PointResult {
  backend: string;
  workers: number;
  counters: number;
  rate: number;
  seconds: number;
  ops: number;
  achieved: number;
  transfers: number;
  p50: number;
  p99: number;
  max: number;
  callP99: number;
  transferP99: number;
  failed: number;
  noIdle: number;
  serverCpu: number;
  databaseCpu: number;
  clientCpu: number;
  /** How late the bench client's own event loop ran, p99 (ms): time it adds to every latency measured. */
  clientLoopP99: number;
  load: string;
  rss: number;
  failures: string;
  perTen: string;
  streams: string;
  met: boolean;
}

class Hall {
  readonly counters: Counter[] = [];
  kiosk = '';
  readonly tickets = new Map<number, TicketState>();
  readonly ops: OpRecord[] = [];
  private phase = 0;
  private issuedCount = 0;
  private streamAborts: AbortController[] = [];
  server: ServerProcess | null = null;
  private adminToken = '';
  // stream counters
  eventBytes = 0;
  eventMessages = 0;
  pulls = 0;
  pulledChanges = 0;
  pullFailures = 0;
  windowReads = 0;
  countsHeard = 0;
  hintsWithoutCounts = false;

  readonly backend: 'sqlite' | 'postgres';
  readonly counterCount: number;
  readonly waiting: number;
  private readonly dataDir: string;
  private readonly seedDir: string;
  private readonly databaseUrl: string | null;
  constructor(backend: 'sqlite' | 'postgres', counterCount: number, waiting: number, dataDir: string, seedDir: string, databaseUrl: string | null) {
    this.backend = backend;
    this.counterCount = counterCount;
    this.waiting = waiting;
    this.dataDir = dataDir;
    this.seedDir = seedDir;
    this.databaseUrl = databaseUrl;
  }

  static async create(backend: 'sqlite' | 'postgres', counters: number, waiting: number): Promise<Hall> {
    const dir = mkdtempSync(join(work, `${backend}-${counters}-`));
    const seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    writeSeed(seedDir, counters);
    let databaseUrl: string | null = null;
    if (backend === 'postgres') {
      cluster ??= await startPostgresCluster({
        fsync: true,
        maxConnections: 100,
        settings: PG_STATEMENTS ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [],
      });
      databaseUrl = await cluster.createDatabase(`hall_load_${counters}_${Date.now()}`);
    }
    return new Hall(backend, counters, waiting, join(dir, 'data'), seedDir, databaseUrl);
  }

  /** Starts the server with `workers` processes; the first start enrols, signs in and fills the queue. */
  async start(workers: number): Promise<void> {
    const first = this.counters.length === 0;
    const started = performance.now();
    this.server = await startServer(this.dataDir, this.seedDir, workers, this.databaseUrl);
    base = this.server.url;
    const startSeconds = (performance.now() - started) / 1000;
    this.adminToken = readFileSync(this.server.adminTokenFile, 'utf8').trim();
    const setupStarted = performance.now();
    if (first) {
      await inParallel(
        Array.from({ length: this.counterCount }, (_, index) => index + 1),
        16,
        async (windowId) => {
          const { token, deviceId } = await this.enroll(windowId);
          await call('/v1/auth/sign-in', token, { body: { staffNo: String(10000 + windowId), password: PASSWORD } });
          this.counters.push({ windowId, token, deviceId, busy: false, inHand: null });
        },
      );
      this.counters.sort((a, b) => a.windowId - b.windowId);
      this.kiosk = (await this.enroll(null)).token;
    }
    if (STREAMS) await this.openStreams();
    if (first) await inParallel(Array.from({ length: this.waiting }, (_, index) => index), 32, () => this.issue());
    console.log(
      `  ${this.backend} ×${workers}, ${this.counterCount} counters: server up in ${startSeconds.toFixed(1)} s` +
        (first ? ' (seeded: one scrypt hash a clerk)' : '') +
        `; set-up (${first ? `enrol + sign in ${this.counterCount}, ` : ''}${STREAMS ? `${this.counterCount} streams` : 'no streams'}${first ? `, ${this.waiting} tickets` : ''}) ${((performance.now() - setupStarted) / 1000).toFixed(1)} s; server RSS ${residentMiB(this.server.child.pid!).toFixed(0)} MB`,
    );
  }

  async stop(): Promise<void> {
    for (const abort of this.streamAborts) abort.abort();
    this.streamAborts = [];
    if (this.server) await stopServer(this.server);
    this.server = null;
  }

  private async enroll(windowId: number | null): Promise<{ token: string; deviceId: string }> {
    const role = windowId === null ? 'kiosk' : 'counter';
    const { code } = (await call('/v1/admin/enrollment-codes', this.adminToken, { body: { role, windowId } })) as { code: string };
    return (await call('/v1/devices/enroll', '', { body: { code, deviceName: `bench ${role} ${windowId ?? ''}` } })) as {
      token: string;
      deviceId: string;
    };
  }

  async issue(): Promise<void> {
    const { ticket } = (await call('/v1/tickets', this.kiosk, { body: { lineId: lineId(this.issuedCount++ % LINES) } })) as {
      ticket: { id: number; lineId: string; number: string };
    };
    // A window may have called it already (its call answered before this issue's answer was read): then it is not waiting.
    if (!this.tickets.has(ticket.id)) {
      this.tickets.set(ticket.id, { id: ticket.id, number: ticket.number, queueLine: ticket.lineId, waitingSince: performance.now(), calls: 0, transfers: 0 });
    }
  }

  // Each simulated counter does with its stream what main/sync/hall-link.ts
  // does: pull the queue on hello (from scratch); take the waiting counts a
  // queue hint carries (a server without them in its hints: pull the queue, as
  // counters did then); on its own window's event, read its window's state
  // unless the event is the echo of its own call (`by`).
  // Each one at a time, one more if an event came meanwhile. (These counters
  // print no walk-ins, so they never pull for them.)
  private coalesced(task: () => Promise<void>): () => void {
    let current: Promise<void> | null = null;
    let again = false;
    const run = (): void => {
      if (current) {
        again = true;
        return;
      }
      current = task()
        .catch(() => void this.pullFailures++)
        .finally(() => {
          current = null;
          if (again) {
            again = false;
            run();
          }
        });
    };
    return run;
  }
  private queuePuller(token: string) {
    let cursor = 0;
    return this.coalesced(async () => {
      for (;;) {
        const response = await send('GET', `/v1/sync/pull?stream=queue&cursor=${cursor}&limit=500`, { authorization: `Bearer ${token}` });
        if (response.status !== 200) throw new Error(`pull → ${response.status}`);
        const page = JSON.parse(response.text) as { changes: unknown[]; cursor: number; hasMore: boolean };
        this.pulls++;
        this.pulledChanges += page.changes.length;
        cursor = page.cursor;
        if (!page.hasMore) return;
      }
    });
  }
  private windowReader(token: string, windowId: number) {
    return this.coalesced(async () => {
      const response = await send('GET', `/v1/windows/${windowId}/state`, { authorization: `Bearer ${token}` });
      if (response.status !== 200) throw new Error(`window state → ${response.status}`);
      this.windowReads++;
    });
  }
  private async openStreams(): Promise<void> {
    await inParallel(this.counters, 32, async ({ token, windowId, deviceId }) => {
      const abort = new AbortController();
      this.streamAborts.push(abort);
      // node:http rather than fetch: a web stream costs several promise hops a
      // chunk, and 2,000 streams of them took most of the bench client's CPU —
      // CPU the server under test shares on this machine.
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpGet(`${base}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal, agent: false }, resolve);
        request.once('error', reject);
      });
      if (response.statusCode !== 200) throw new Error(`/v1/events → ${response.statusCode}`);
      const pull = this.queuePuller(token);
      const readWindow = this.windowReader(token, windowId);
      response.setEncoding('utf8');
      response.on('error', () => {}); // aborted at the end
      let buffered = '';
      response.on('data', (value: string) => {
        this.eventBytes += value.length;
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (!block.startsWith('data: ')) continue;
          this.eventMessages++;
          const event = JSON.parse(block.slice(6)) as { type: string; waiting?: Record<string, number>; by?: string };
          if (event.type === 'hello') pull();
          else if (event.type === 'queue') {
            if (event.waiting) this.countsHeard++;
            else {
              this.hintsWithoutCounts = true;
              pull();
            }
          } else if (event.type === 'window') {
            if (event.by !== deviceId) readWindow(); // its own call's echo: the answer told it all
            if (this.hintsWithoutCounts) pull(); // sign-ins were in the queue stream then
          }
        }
      });
    });
  }

  /** Operations at `rate` a second for `seconds` on the running server. */
  async runPhase(rate: number, seconds: number): Promise<PointResult> {
    const server = this.server!;
    const phase = ++this.phase;
    let noIdle = 0;
    let failed = 0;
    let cursor = 0;
    const inFlight = new Set<Promise<void>>();
    const track = (promise: Promise<void>) => {
      inFlight.add(promise);
      void promise.finally(() => inFlight.delete(promise));
    };
    const failures = new Map<string, number>();
    const failedWith = (error: unknown) => {
      failed++;
      const reason = String(error instanceof Error ? (error.cause ?? error.message) : error).slice(0, 160);
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    };
    const started = performance.now();
    const serverCpuBefore = cpuSeconds(server.child.pid!);
    const pgPid = postmasterPid();
    const databaseCpuBefore = this.backend === 'postgres' && pgPid ? cpuSeconds(pgPid) : 0;
    const load = loadAverage().split(' ')[0]!;
    const clientCpuBefore = process.cpuUsage();
    const before = { messages: this.eventMessages, pulls: this.pulls, changes: this.pulledChanges, windowReads: this.windowReads };
    let arrivals = 0;
    const clientLoop = monitorEventLoopDelay({ resolution: 1 });
    clientLoop.enable();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - started;
        if (elapsed >= seconds * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor((elapsed / 1000) * rate);
        while (arrivals < due) {
          arrivals++;
          let counter: Counter | null = null;
          for (let tries = 0; tries < this.counters.length && !counter; tries++) {
            const candidate = this.counters[cursor++ % this.counters.length]!;
            if (!candidate.busy) counter = candidate;
          }
          if (!counter) {
            noIdle++;
            continue;
          }
          const chosen = counter;
          chosen.busy = true;
          const sent = performance.now();
          const held = chosen.inHand === null ? undefined : this.tickets.get(chosen.inHand);
          if (held && Math.random() < TRANSFERS) {
            // 转业务: the ticket in hand goes to another line's queue, keeping its place by issue time.
            const from = lineIndex.get(held.queueLine)!;
            const to = lineId((from + 1 + Math.floor(Math.random() * (LINES - 1))) % LINES);
            const callsBefore = held.calls;
            track(
              call(`/v1/windows/${chosen.windowId}/transfer-ticket`, chosen.token, {
                headers: { 'idempotency-key': crypto.randomUUID() },
                body: { number: held.number, to: { lineId: to }, place: 'keep' },
              })
                .then(() => {
                  const now = performance.now();
                  this.ops.push({ kind: 'transfer', phase, sent, ms: now - sent, ticketId: held.id, queueLine: null });
                  held.transfers++;
                  held.queueLine = to;
                  // Another window's call of it may have been answered before this answer was read (only after the
                  // transfer committed: until then this window held it): then it is not waiting.
                  if (held.calls === callsBefore) held.waitingSince = now;
                  chosen.inHand = null;
                })
                .catch(failedWith)
                .finally(() => (chosen.busy = false)),
            );
            continue;
          }
          track(this.issue().catch(failedWith));
          track(
            call(`/v1/windows/${chosen.windowId}/call-next`, chosen.token, { headers: { 'idempotency-key': crypto.randomUUID() } })
              .then((result) => {
                const now = performance.now();
                // lineId: the queue line it was called from (its own, or the one it was transferred to).
                const ticket = result.ticket as { id: number; number: string; lineId: string } | null;
                this.ops.push({ kind: 'call', phase, sent, ms: now - sent, ticketId: ticket?.id ?? null, queueLine: ticket?.lineId ?? null });
                if (ticket) {
                  // Its issue's answer may not have been read yet.
                  const state = this.tickets.get(ticket.id) ?? { id: ticket.id, number: ticket.number, queueLine: ticket.lineId, waitingSince: null, calls: 0, transfers: 0 };
                  this.tickets.set(ticket.id, state);
                  state.calls++;
                  state.waitingSince = null;
                }
                chosen.inHand = ticket?.id ?? null;
              })
              .catch(failedWith)
              .finally(() => (chosen.busy = false)),
          );
        }
      }, 2);
    });
    await Promise.all(inFlight);
    clientLoop.disable();
    const runSeconds = (performance.now() - started) / 1000;
    const serverCpu = cpuSeconds(server.child.pid!) - serverCpuBefore;
    const databaseCpu = this.backend === 'postgres' && pgPid ? cpuSeconds(pgPid) - databaseCpuBefore : 0;
    const clientUsage = process.cpuUsage(clientCpuBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const mine = this.ops.filter((op) => op.phase === phase);
    const sortedMs = (ops: OpRecord[]) => ops.map((op) => op.ms).sort((a, b) => a - b);
    const all = sortedMs(mine);
    const p99 = quantile(all, 0.99);
    const perTen = Array.from({ length: Math.ceil(seconds / 10) }, (_, step) => {
      const slice = sortedMs(mine.filter((op) => op.sent - started >= step * 10_000 && op.sent - started < (step + 1) * 10_000));
      return `${step * 10}s p99 ${quantile(slice, 0.99).toFixed(0)}/max ${(slice.at(-1) ?? NaN).toFixed(0)}`;
    }).join(' · ');
    const messages = this.eventMessages - before.messages;
    return {
      backend: this.backend,
      workers: server.workers,
      counters: this.counterCount,
      rate,
      seconds,
      ops: mine.length,
      achieved: mine.length / runSeconds,
      transfers: mine.filter((op) => op.kind === 'transfer').length,
      p50: quantile(all, 0.5),
      p99,
      max: all.at(-1) ?? NaN,
      callP99: quantile(sortedMs(mine.filter((op) => op.kind === 'call')), 0.99),
      transferP99: quantile(sortedMs(mine.filter((op) => op.kind === 'transfer')), 0.99),
      failed,
      noIdle,
      serverCpu,
      databaseCpu,
      clientCpu,
      clientLoopP99: clientLoop.percentile(99) / 1e6,
      load,
      rss: residentMiB(server.child.pid!),
      failures: [...failures].map(([reason, count]) => `${count}× ${reason}`).join('; '),
      perTen,
      streams: STREAMS
        ? `${(messages / Math.max(1, mine.length)).toFixed(1)} messages an operation; counters pulled the queue ${((this.pulls - before.pulls) / runSeconds).toFixed(0)}/s ` +
          `(${((this.pulledChanges - before.changes) / runSeconds).toFixed(0)} changes/s), read their window ${((this.windowReads - before.windowReads) / runSeconds).toFixed(0)}/s, ` +
          `${this.pullFailures} reads failed in all, ${this.countsHeard} queue hints with counts in all`
        : 'streams off',
      met: p99 <= TARGET.p99 && failed === 0 && noIdle <= arrivals * 0.05,
    };
  }

  /** The end check over every operation of this hall (see the top of the file). */
  check(): { duplicates: number; lost: number; called: number; transferred: number; waiting: number; details: string[] } {
    const details: string[] = [];
    let duplicates = 0;
    let called = 0;
    let transferred = 0;
    for (const ticket of this.tickets.values()) {
      duplicates += Math.max(0, ticket.calls - ticket.transfers - 1);
      if (ticket.calls > 0) called++;
      if (ticket.transfers > 0) transferred++;
    }
    // Per queue line: calls by sending time, and the highest ticket id got by any call sent at or after each.
    const byLine = new Map<string, { sent: number[]; suffixMax: number[] }>();
    const calls = this.ops.filter((op) => op.kind === 'call' && op.ticketId !== null && op.queueLine !== null).sort((a, b) => a.sent - b.sent);
    const callsByLine = new Map<string, OpRecord[]>();
    for (const op of calls) {
      const entry = byLine.get(op.queueLine!) ?? { sent: [], suffixMax: [] };
      entry.sent.push(op.sent);
      entry.suffixMax.push(op.ticketId!);
      byLine.set(op.queueLine!, entry);
      callsByLine.set(op.queueLine!, [...(callsByLine.get(op.queueLine!) ?? []), op]);
    }
    for (const entry of byLine.values()) {
      for (let i = entry.suffixMax.length - 2; i >= 0; i--) entry.suffixMax[i] = Math.max(entry.suffixMax[i]!, entry.suffixMax[i + 1]!);
    }
    let lost = 0;
    let waiting = 0;
    for (const ticket of this.tickets.values()) {
      if (ticket.waitingSince === null) continue;
      waiting++;
      const entry = byLine.get(ticket.queueLine);
      if (!entry) continue;
      // First call sent after it was waiting.
      let lo = 0;
      let hi = entry.sent.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (entry.sent[mid]! > ticket.waitingSince) hi = mid;
        else lo = mid + 1;
      }
      if (lo < entry.sent.length && entry.suffixMax[lo]! > ticket.id) {
        lost++;
        if (details.length < 5) {
          const passed = callsByLine.get(ticket.queueLine)!.find((op) => op.sent > ticket.waitingSince! && op.ticketId! > ticket.id)!;
          const passer = this.tickets.get(passed.ticketId!)!;
          details.push(
            `ticket ${ticket.id} ${ticket.number} waiting in ${ticket.queueLine} (calls ${ticket.calls}, transfers ${ticket.transfers}) since ${ticket.waitingSince.toFixed(0)} ms; ` +
              `call sent at ${passed.sent.toFixed(0)} ms (phase ${passed.phase}, ${passed.ms.toFixed(0)} ms) got ${passer.id} ${passer.number} (calls ${passer.calls}, transfers ${passer.transfers})`,
          );
        }
      }
    }
    return { duplicates, lost, called, transferred, waiting, details };
  }
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : '–');
function printPoint(point: PointResult): void {
  console.log(
    `    ${point.backend} ×${point.workers} ${point.counters} counters @ ${point.rate}/s for ${point.seconds} s: ${point.ops} operations (${point.achieved.toFixed(0)}/s, ${point.transfers} transfers), ` +
      `p50 ${fmt(point.p50)} p99 ${fmt(point.p99)} max ${point.max.toFixed(0)} ms (call-next p99 ${fmt(point.callP99)}, transfer p99 ${fmt(point.transferP99)}); ` +
      `${point.noIdle} arrivals found no idle window, ${point.failed} requests failed → ${point.met ? 'meets' : 'misses'} p99 ≤ ${TARGET.p99} ms`,
  );
  console.log(`      per 10 s: ${point.perTen}`);
  console.log(
    `      CPU: server ${point.serverCpu.toFixed(1)} s (${((point.serverCpu / point.seconds) * 100).toFixed(0)}% of a core, ${((point.serverCpu * 1000) / Math.max(1, point.ops)).toFixed(2)} ms an operation)` +
      (point.backend === 'postgres' ? `, PostgreSQL ${point.databaseCpu.toFixed(1)} s (${((point.databaseCpu / point.seconds) * 100).toFixed(0)}%)` : '') +
      `, bench client ${point.clientCpu.toFixed(1)} s (${((point.clientCpu / point.seconds) * 100).toFixed(0)}%, its event loop late by up to ${point.clientLoopP99.toFixed(1)} ms at p99); load before ${point.load}; server RSS ${point.rss.toFixed(0)} MB`,
  );
  console.log(`      event streams: ${point.streams}`);
  if (point.failures) console.log(`      failures: ${point.failures}`);
}
const headlineLine = (point: PointResult, check: { duplicates: number; lost: number }) =>
  `hall-load: backend=${point.backend} workers=${point.workers} counters=${point.counters} rate=${point.rate}/s ` +
  `p50=${fmt(point.p50)} p99=${fmt(point.p99)} max=${point.max.toFixed(0)} ms duplicates=${check.duplicates} lost=${check.lost}`;

/** The rate search of one configuration on its running server (see the top of the file). */
async function searchRates(hall: Hall, firstSeconds: number): Promise<{ at200: PointResult; best: PointResult | null; points: PointResult[] }> {
  const points: PointResult[] = [];
  const run = async (rate: number, seconds = POINT_SECONDS) => {
    const point = await hall.runPhase(rate, seconds);
    printPoint(point);
    points.push(point);
    return point;
  };
  const at200 = await run(200, firstSeconds);
  let met: PointResult | null = at200.met ? at200 : null;
  let missed: PointResult | null = at200.met ? null : at200;
  if (at200.met) {
    for (let rate = 400; rate <= 3200; rate *= 2) {
      const point = await run(rate);
      if (point.met) met = point;
      else {
        missed = point;
        break;
      }
    }
  } else {
    for (let rate = 100; rate >= 25; rate /= 2) {
      const point = await run(rate);
      if (point.met) {
        met = point;
        break;
      }
      missed = point;
    }
  }
  if (met && missed) {
    const point = await run(Math.round((met.rate + missed.rate) / 2));
    if (point.met && point.rate > met.rate) met = point;
  }
  return { at200, best: met, points };
}

function buildBundle(): void {
  if (values.entry !== 'out/server/main.mjs' || values['skip-build']) return;
  const built = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'server/vite.config.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('building the hall server bundle failed');
}

// ---- one run ---------------------------------------------------------------
async function single(): Promise<void> {
  const backend = values.backend as 'sqlite' | 'postgres';
  const workers = Number(values.workers);
  const counters = Number(values.counters ?? values.windows ?? '400');
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const waiting = Number(values.waiting ?? '20000');
  if (!(Number.isInteger(workers) && workers >= 1)) usage('--workers must be a whole number ≥ 1');
  if (workers > 1 && backend === 'sqlite') usage('several server processes need --backend postgres (one process owns a SQLite file)');
  if (!(Number.isInteger(counters) && counters >= 1)) usage('--counters must be a whole number ≥ 1');
  buildBundle();
  console.log(
    `\nhall-load: ${backend}, ${workers} process${workers > 1 ? 'es' : ''}, ${counters} counters, ${LINES} lines, ${waiting} waiting, ${rate} operations/s for ${seconds} s ` +
      `(${(TRANSFERS * 100).toFixed(0)}% of arrivals on a window holding a ticket are transfers), event streams ${STREAMS ? 'on' : 'off'}; machine load ${loadAverage()}`,
  );
  const hall = await Hall.create(backend, counters, waiting);
  await hall.start(workers);
  const point = await hall.runPhase(rate, seconds);
  await hall.stop();
  printPoint(point);
  const check = hall.check();
  console.log(
    `  check: ${hall.tickets.size} tickets, ${check.called} called, ${check.transferred} transferred, ${check.waiting} waiting at the end; ` +
      `duplicates ${check.duplicates}, lost ${check.lost}`,
  );
  for (const line of check.details) console.log(`    lost: ${line}`);
  console.log(
    `  targets: p99 ≤ ${TARGET.p99} ms → ${point.p99 <= TARGET.p99 ? 'met' : 'MISSED'}; max ≤ ${TARGET.max} ms → ${point.max <= TARGET.max ? 'met' : 'MISSED'}; ` +
      `0 duplicates → ${check.duplicates === 0 ? 'met' : 'MISSED'}; 0 lost → ${check.lost === 0 ? 'met' : 'MISSED'}`,
  );
  console.log(headlineLine(point, check));
}

// ---- the matrix ------------------------------------------------------------
async function matrix(): Promise<void> {
  buildBundle();
  const waiting = Number(values.waiting ?? '5000');
  const matrixStarted = performance.now();
  console.log(
    `\nhall-load matrix: SQLite ×1, PostgreSQL ×1/×2/×4; ${values['matrix-counters']} counters; ${LINES} lines, ${waiting} waiting; points of ${POINT_SECONDS} s (headline ${HEADLINE_SECONDS} s); ` +
      `${(TRANSFERS * 100).toFixed(0)}% transfers; event streams ${STREAMS ? 'on' : 'off'}; machine load before ${loadAverage()}`,
  );
  const rows: { at200: PointResult; best: PointResult | null; check: { duplicates: number; lost: number }; hall: Hall }[] = [];
  let headline: { point: PointResult; check: { duplicates: number; lost: number } } | null = null;
  const counts = values['matrix-counters'].split(',').map(Number);
  for (const counters of counts) {
    const sqlite = await Hall.create('sqlite', counters, waiting);
    await sqlite.start(1);
    const found = await searchRates(sqlite, POINT_SECONDS);
    await sqlite.stop();
    rows.push({ ...found, check: sqlite.check(), hall: sqlite });
    const postgres = await Hall.create('postgres', counters, waiting);
    for (const workers of [1, 2, 4]) {
      await postgres.start(workers);
      const isHeadline = counters === counts.at(-1) && workers === 4;
      const result = await searchRates(postgres, isHeadline ? HEADLINE_SECONDS : POINT_SECONDS);
      await postgres.stop();
      const check = postgres.check();
      rows.push({ ...result, check, hall: postgres });
      for (const line of check.details) console.log(`    lost: ${line}`);
      if (isHeadline) headline = { point: result.at200, check };
    }
  }
  const machineAfter = loadAverage();
  console.log(`\n  matrix took ${((performance.now() - matrixStarted) / 60000).toFixed(1)} min; machine load after ${machineAfter}`);
  console.log('  backend  procs counters | at 200/s: p50 / p99 / max ms  server+db CPU ms/op | highest rate with p99 ≤ 20 ms (its p99) | duplicates lost (the hall database so far)');
  for (const { at200, best, check } of rows) {
    const cpu = ((at200.serverCpu + at200.databaseCpu) * 1000) / Math.max(1, at200.ops);
    console.log(
      `  ${at200.backend.padEnd(8)} ${String(at200.workers).padStart(5)} ${String(at200.counters).padStart(8)} | ` +
        `${fmt(at200.p50).padStart(6)} / ${fmt(at200.p99).padStart(6)} / ${at200.max.toFixed(0).padStart(5)}  ${cpu.toFixed(2).padStart(6)} | ` +
        `${best ? `${best.rate}/s (${best.achieved.toFixed(0)}/s done, p99 ${fmt(best.p99)})` : 'none of the rates tried'}`.padEnd(40) +
        ` | ${check.duplicates} ${check.lost}`,
    );
  }
  await (cluster as PostgresCluster | null)?.destroy();
  cluster = null;
  if (headline) console.log(headlineLine(headline.point, headline.check));
}

/** The statements (triggers' too) that took the most time in PostgreSQL, over every database of the run. */
async function printTopStatements(of: PostgresCluster): Promise<void> {
  const client = new pg.Client({ connectionString: of.url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await client.query<{ calls: string; ms: string; us: string; query: string }>(
      `SELECT calls, round(total_exec_time::numeric, 1) AS ms, round((total_exec_time / calls)::numeric * 1000, 1) AS us,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 150) AS query
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 30`,
    );
    console.log('  PostgreSQL statements by time in them (calls, ms in all, µs each):');
    for (const row of rows) console.log(`  ${row.calls.padStart(8)} ${row.ms.padStart(9)} ${row.us.padStart(9)}  ${row.query}`);
  } finally {
    await client.end();
  }
}

if (MATRIX) await matrix();
else await single();
if (PG_STATEMENTS && cluster) await printTopStatements(cluster);
await (cluster as PostgresCluster | null)?.destroy();
process.exit(0);
