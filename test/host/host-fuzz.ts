// The browser host's side of the fuzz (test/host/fuzz.test.ts at CI size,
// scripts/fuzz-http.ts for the big run): the host as its own process with a
// real counter core (fixtures/fuzz-host.ts), the HTTP routes and credentials
// to start from, the rules every answer keeps, and a run in two phases:
//   1. without the clerk token — HTTP requests with every credential (pages
//      and files cannot change anything) and WebSocket sessions with no,
//      a wrong, or the outward token — after which the counter's SQLite and
//      the clerk's state must be exactly as before;
//   2. WebSocket sessions with the clerk token too (calls may change state).
// Then: the process is up, pages are served, a new clerk socket answers.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { WIRE_MESSAGE_MAX_BYTES } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';
import { httpFuzzRequests, runFuzz, type FuzzAnswer, type FuzzCredential, type FuzzFigures, type FuzzRequest, type FuzzRoute } from '../helpers/http-fuzz.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { openHostClient } from './ws-client.ts';
import { runWsSession, wsFuzzSessions, wsOutcomeProblem, type WsCredential, type WsSession } from './ws-fuzz.ts';

export interface FuzzHost {
  origin: string;
  target: { host: string; port: number };
  clerkToken: string;
  outwardToken: string;
  dataDir: string;
  hallUrl: string;
  adminToken: string;
  pid: number;
  /** Error lines the host process wrote (JSON log lines at level error, or anything not JSON). */
  errors: string[];
  /** The exit code once it exited; null while it runs. */
  exitCode(): number | null;
  /** Its resident set (KiB), from /proc; null where there is none. */
  rssKiB(): number | null;
  stop(): Promise<void>;
}

const fixture = fileURLToPath(new URL('./fixtures/fuzz-host.ts', import.meta.url));

export async function startFuzzHost(): Promise<FuzzHost> {
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.includes('"level":"error"') || !line.startsWith('{')) errors.push(line);
  });
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : -1);
      resolve();
    }),
  );
  const file = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fuzz host exited (${code}) before it was ready: ${errors.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('FUZZ_HOST_READY ')) resolve(line.slice('FUZZ_HOST_READY '.length));
    });
  });
  const ready = JSON.parse(readFileSync(file, 'utf8')) as { origin: string; clerkToken: string; outwardToken: string; dataDir: string; hallUrl: string; adminToken: string };
  return {
    ...ready,
    target: { host: '127.0.0.1', port: Number(new URL(ready.origin).port) },
    pid: child.pid!,
    errors,
    exitCode: () => exitCode,
    rssKiB() {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN);
      } catch {
        return null;
      }
    },
    async stop() {
      if (exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Known-good requests to the host: its pages, a file, the WebSocket path without an upgrade. */
export const HOST_ROUTES: readonly FuzzRoute[] = [
  { method: 'GET', path: '/clerk.html' },
  { method: 'GET', path: '/outward.html' },
  { method: 'HEAD', path: '/outward.html' },
  { method: 'GET', path: '/assets/app.js' },
  { method: 'GET', path: '/ws' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/assets/../clerk.html' },
];

export function hostHttpCredentials(host: FuzzHost): FuzzCredential[] {
  const query = (label: string, value: string): FuzzCredential => ({ label, query: { name: 'token', value } });
  return [
    { label: 'none' },
    query('bogus', 'x'.repeat(32)),
    query('clerk', host.clerkToken),
    query('outward', host.outwardToken),
    { label: 'clerk-in-header', header: { name: 'Authorization', value: `Bearer ${host.clerkToken}` } },
  ];
}

/** What is wrong with one HTTP answer of the host, or null. */
export function hostAnswerProblem(request: FuzzRequest, answer: FuzzAnswer): string | null {
  const what = `${request.kind}/${request.credential}: ${request.summary}`;
  if (answer.ended === 'timeout') return `no answer and not closed: ${what}`;
  if (answer.status === null) return null; // Cut off: a refusal without words.
  if (answer.status >= 500) return `${answer.status}: ${what}`;
  if (answer.body.length > 0) {
    if (answer.headers['x-content-type-options'] !== 'nosniff') return `no nosniff: ${what}`;
    if (!(answer.headers['content-security-policy'] ?? '').includes("frame-ancestors 'none'")) return `no frame-ancestors: ${what}`;
  }
  if (answer.status === 200 && request.kind !== 'pipelined') {
    if (answer.body.includes('clerk page') && request.credential !== 'clerk') return `clerk page without the clerk token: ${what}`;
    if (answer.body.includes('outward page') && request.credential !== 'outward') return `outward page without the outward token: ${what}`;
  }
  return null;
}

/** A digest of every table of the counter's database (read-only, WAL included). */
export function counterDigests(dbPath: string): Record<string, string> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    return Object.fromEntries(
      tables.map((table) => [table, createHash('sha256').update(JSON.stringify(db.prepare(`SELECT * FROM "${table}"`).raw().all())).digest('hex').slice(0, 16)]),
    );
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The counter's tables and the clerk's state, once they stay the same for half a second. */
async function settledState(host: FuzzHost): Promise<string> {
  const clerk = await openHostClient(host.origin, host.clerkToken);
  try {
    let previous = '';
    for (let i = 0; i < 40; i++) {
      const state = await clerk.call('getClerkState');
      const now = JSON.stringify({ tables: counterDigests(join(host.dataDir, 'counter.db')), state });
      if (now === previous) return now;
      previous = now;
      await sleep(500);
    }
    return previous;
  } finally {
    clerk.close();
  }
}

export interface WsFigures {
  sessions: number;
  frames: number;
  upgradesByStatus: Record<string, number>;
  closesByCode: Record<string, number>;
  repliesByCode: Record<string, number>;
  byCredential: Record<string, number>;
  lastFrames: Record<string, number>;
  timeouts: number;
  ms: number;
}

const count = (into: Record<string, number>, key: string, n = 1) => (into[key] = (into[key] ?? 0) + n);

/** Runs `total` sessions, `concurrency` at a time; problems are pushed to `problems`. */
export async function runWsFuzz(
  host: FuzzHost,
  sessions: Iterator<WsSession>,
  options: { total: number; concurrency?: number; timeoutMs?: number; problems: string[] },
): Promise<WsFigures> {
  const figures: WsFigures = { sessions: 0, frames: 0, upgradesByStatus: {}, closesByCode: {}, repliesByCode: {}, byCredential: {}, lastFrames: {}, timeouts: 0, ms: 0 };
  const started = performance.now();
  let left = options.total;
  const worker = async () => {
    while (left > 0) {
      left--;
      const session = sessions.next().value as WsSession;
      const outcome = await runWsSession(host.target, session, { timeoutMs: options.timeoutMs ?? 8_000 });
      figures.sessions++;
      figures.frames += outcome.framesSent;
      count(figures.upgradesByStatus, String(outcome.status ?? 'none'));
      count(figures.byCredential, session.credential.label);
      if (session.last && outcome.status === 101) count(figures.lastFrames, session.last.kind);
      if (outcome.close) count(figures.closesByCode, String(outcome.close.code));
      for (const reply of outcome.replies) count(figures.repliesByCode, reply.ok ? 'ok' : (reply.error?.code ?? '?'));
      if (outcome.timedOut) figures.timeouts++;
      const problem = wsOutcomeProblem(session, outcome);
      if (problem) options.problems.push(problem);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  figures.ms = Math.round(performance.now() - started);
  return figures;
}

export interface HostFuzzResult {
  http: FuzzFigures;
  ws: WsFigures[];
  /** Whether the phase without the clerk token left the counter's tables and the clerk's state as they were. */
  unchangedWithoutClerkToken: boolean;
  up: boolean;
  pagesServed: boolean;
  clerkAnswers: boolean;
  problems: string[];
  hostErrors: string[];
  rssKiB: { before: number | null; peak: number | null; after: number | null };
}

/**
 * The whole run against a started fuzz host: sets the scene (clerk 1001
 * signed in, serving a ticket), then the two phases, then the checks.
 */
export async function runHostFuzz(
  host: FuzzHost,
  options: { seed: number; httpRequests: number; wsSessionsWithoutClerk: number; wsSessionsWithClerk: number; concurrency?: number; log?: (line: string) => void },
): Promise<HostFuzzResult> {
  const say = options.log ?? (() => {});
  const problems: string[] = [];
  // The scene: a ticket waiting, called by a signed-in clerk.
  const admin = new HallClient({ baseUrl: host.hallUrl, token: host.adminToken });
  const { code } = await admin.request('createEnrollmentCode', { body: { role: 'kiosk', windowId: null } });
  const kiosk = new HallClient({ baseUrl: host.hallUrl, token: (await new HallClient({ baseUrl: host.hallUrl }).request('enroll', { body: { code, deviceName: 'fuzz kiosk' } })).token });
  const clerk = await openHostClient(host.origin, host.clerkToken);
  for (let i = 0; i < 100; i++) {
    const state = await clerk.call('getClerkState');
    if (state.ok && (state.result as { connection: { state: string } }).connection.state === 'online') break;
    await sleep(100);
  }
  const signedIn = await clerk.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });
  if (!signedIn.ok) throw new Error(`sign-in failed: ${signedIn.error.message}`);
  await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  for (let i = 0; i < 50 && !(await clerk.call('callNext')).ok; i++) await sleep(100);
  clerk.close();

  const rssBefore = host.rssKiB();
  let rssPeak = rssBefore ?? 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, host.rssKiB() ?? 0)), 250);
  const concurrency = options.concurrency ?? 16;
  const wsCredential = (label: string, token: string | null, role: WsCredential['role']): WsCredential => ({ label, token, role });
  const withoutClerk = [wsCredential('none', null, null), wsCredential('bogus', 'y'.repeat(32), null), wsCredential('clerk-typo', `${host.clerkToken}x`, null), wsCredential('outward', host.outwardToken, 'outward'), wsCredential('outward', host.outwardToken, 'outward')];
  const sessions = (seed: number, credentials: WsCredential[]) =>
    wsFuzzSessions({ random: createSeededRandom(seed), target: host.target, origin: host.origin, credentials, messageLimit: WIRE_MESSAGE_MAX_BYTES });

  // Phase 1: nothing with the clerk token.
  const before = await settledState(host);
  say(`  阶段一（无工作台令牌）：${options.httpRequests} 个 HTTP 请求，${options.wsSessionsWithoutClerk} 个 WebSocket 会话…`);
  const [http, ws1] = await Promise.all([
    runFuzz(host.target, httpFuzzRequests({ random: createSeededRandom(options.seed), target: host.target, routes: HOST_ROUTES, credentials: hostHttpCredentials(host), weights: { stalled: 0.15, slow: 0.2 } }), {
      count: options.httpRequests,
      concurrency,
      timeoutMs: 15_000,
      onAnswer: (request, answer) => {
        const problem = hostAnswerProblem(request, answer);
        if (problem) problems.push(problem);
      },
    }),
    runWsFuzz(host, sessions(options.seed + 1, withoutClerk), { total: options.wsSessionsWithoutClerk, concurrency: Math.max(2, concurrency / 2), problems }),
  ]);
  const after = await settledState(host);
  const unchangedWithoutClerkToken = before === after;
  if (!unchangedWithoutClerkToken) problems.push(`state changed without the clerk token:\n  before ${before}\n  after  ${after}`);

  // Phase 2: the clerk token as well.
  say(`  阶段二（含工作台令牌）：${options.wsSessionsWithClerk} 个 WebSocket 会话…`);
  const ws2 = await runWsFuzz(host, sessions(options.seed + 2, [...withoutClerk, wsCredential('clerk', host.clerkToken, 'clerk'), wsCredential('clerk', host.clerkToken, 'clerk')]), {
    total: options.wsSessionsWithClerk,
    concurrency: Math.max(2, concurrency / 2),
    problems,
  });
  clearInterval(sampler);

  const pagesServed =
    (await fetch(`${host.origin}/clerk.html?token=${host.clerkToken}`).then((r) => r.status, () => 0)) === 200 &&
    (await fetch(`${host.origin}/outward.html?token=${host.outwardToken}`).then((r) => r.status, () => 0)) === 200;
  let clerkAnswers: boolean;
  try {
    const fresh = await openHostClient(host.origin, host.clerkToken);
    clerkAnswers = (await fresh.call('getClerkState')).ok;
    fresh.close();
  } catch {
    clerkAnswers = false;
  }
  return {
    http,
    ws: [ws1, ws2],
    unchangedWithoutClerkToken,
    up: host.exitCode() === null,
    pagesServed,
    clerkAnswers,
    problems,
    hostErrors: [...host.errors],
    rssKiB: { before: rssBefore, peak: rssPeak || null, after: host.rssKiB() },
  };
}
