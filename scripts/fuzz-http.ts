// The big HTTP fuzz run against a freshly started hall server, then against
// the browser host (not in CI; the CI-sized runs are test/server/fuzz.test.ts
// and test/host/fuzz.test.ts):
//   npm run fuzz:http -- [--requests 10000] [--ws-sessions N] [--seed N] [--concurrency 32] [--only hall|host]
// Starts `node server/main.ts` on a loopback port over a temp data dir, enrolls
// a counter (window 3, a clerk signed in) and a kiosk, then fires the requests
// of test/helpers/http-fuzz.ts: 40 % without a valid token, 20 % each with the
// kiosk's, the counter's and the admin's. Prints the figures (answers by
// status, by kind, socket errors, duration, the server's RSS before, at its
// peak and after). Exits 1 when the server died or stopped answering, any
// answer broke a rule (5xx, not JSON, no nosniff, no answer nor close), or
// the requests without a valid token changed the database.
// The browser host part (test/host/host-fuzz.ts): the host as its own process
// with a real counter core; the same number of HTTP requests and --ws-sessions
// hostile WebSocket sessions (default a tenth of --requests), two thirds
// without the clerk token (after which the counter's SQLite and the clerk's
// state must be unchanged), a third with it too. Passes when the host stayed
// up, served its pages, answered the clerk and no answer broke a rule.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Enrollment, EnrollmentCode } from '../common/http-api.ts';
import { createSeededRandom } from '../sim/seeded-random.ts';
import { DEMO_PASSWORD } from '../test/helpers/hall-server.ts';
import { httpFuzzRequests, runFuzz, type FuzzCredential, type FuzzFigures } from '../test/helpers/http-fuzz.ts';
import { answerProblem, hallFuzzRoutes } from '../test/server/hall-fuzz.ts';
import { runHostFuzz, startFuzzHost } from '../test/host/host-fuzz.ts';
import { call, tableDigests } from '../test/server/support.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    concurrency: { type: 'string', default: '32' },
    'ws-sessions': { type: 'string' },
    only: { type: 'string' },
  },
});
const total = Number(values.requests);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(total) || total < 10) throw new Error(`--requests 应为不小于 10 的整数：${values.requests}`);
const wsSessions = Number(values['ws-sessions'] ?? Math.max(30, Math.round(total / 10)));
if (!Number.isInteger(wsSessions) || wsSessions < 3) throw new Error(`--ws-sessions 应为不小于 3 的整数：${values['ws-sessions']}`);
if (values.only !== undefined && values.only !== 'hall' && values.only !== 'host') throw new Error(`--only 应为 hall 或 host：${values.only}`);

/** The browser host's part of the run; true when it passed. */
async function fuzzBrowserHost(): Promise<boolean> {
  console.log(`\n浏览器宿主（browser host）模糊测试：${total} 个 HTTP 请求、${wsSessions} 个 WebSocket 会话，种子 ${seed}，并发 ${concurrency}`);
  const host = await startFuzzHost();
  try {
    const result = await runHostFuzz(host, {
      seed,
      httpRequests: total,
      wsSessionsWithoutClerk: Math.round((wsSessions * 2) / 3),
      wsSessionsWithClerk: wsSessions - Math.round((wsSessions * 2) / 3),
      concurrency,
      log: (line) => console.log(line),
    });
    const [withoutClerk, withClerk] = result.ws as [(typeof result.ws)[0], (typeof result.ws)[0]];
    console.log(
      JSON.stringify(
        {
          http: {
            requests: result.http.requests,
            seconds: Number((result.http.ms / 1000).toFixed(1)),
            answersByStatus: result.http.byStatus,
            requestsByKind: result.http.byKind,
            socketErrors: result.http.errors,
            clientTimeouts: result.http.timeouts,
          },
          webSocket: {
            sessions: withoutClerk.sessions + withClerk.sessions,
            frames: withoutClerk.frames + withClerk.frames,
            withoutClerkToken: withoutClerk,
            withClerkToken: withClerk,
          },
          problems: result.problems.length,
          hostErrorLines: result.hostErrors.length,
          hostUp: result.up,
          pagesServed: result.pagesServed,
          clerkAnswers: result.clerkAnswers,
          noClerkTokenChangedNothing: result.unchangedWithoutClerkToken,
          rss: { before: mib(result.rssKiB.before), peak: mib(result.rssKiB.peak), after: mib(result.rssKiB.after) },
        },
        null,
        2,
      ),
    );
    for (const problem of result.problems.slice(0, 20)) console.log(`  问题：${problem}`);
    for (const line of result.hostErrors.slice(0, 20)) console.log(`  宿主：${line}`);
    const passed = result.up && result.pagesServed && result.clerkAnswers && result.unchangedWithoutClerkToken && result.problems.length === 0 && result.hostErrors.length === 0;
    console.log(passed ? '通过：浏览器宿主始终在线，页面照常提供，所有应答合规，无工作台令牌的请求未改动任何数据。' : '未通过：见上。');
    return passed;
  } finally {
    await host.stop();
  }
}
const mib = (kib: number | null) => (kib === null ? '未知' : `${(kib / 1024).toFixed(1)} MiB`);
if (values.only === 'host') process.exit((await fuzzBrowserHost()) ? 0 : 1);

const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-fuzz-'));
const serverMain = fileURLToPath(new URL('../server/main.ts', import.meta.url));
// Stalled clients are cut off within seconds, so that they do not hold the run up.
const child = spawn(
  process.execPath,
  [serverMain, '--data', dataDir, '--port', '0', '--headers-timeout-ms', '2000', '--request-timeout-ms', '4000'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
const serverErrors: string[] = [];
createInterface({ input: child.stderr! }).on('line', (line) => {
  if (line.includes('"level":"error"') || !line.startsWith('{')) serverErrors.push(line);
});
let exited: number | null = null;
child.once('exit', (code) => (exited = code ?? -1));

const ready = await new Promise<{ url: string; adminTokenFile: string }>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`大厅服务器启动失败（退出码 ${code}）`)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('HALL_SERVER_READY ')) resolve(JSON.parse(line.slice('HALL_SERVER_READY '.length)));
  });
});
const adminToken = readFileSync(ready.adminTokenFile, 'utf8').trim();

/** The server's resident set (KiB), from /proc (Linux) or ps. */
function rssKiB(): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  } catch {
    return null;
  }
}

const post = async (path: string, body: unknown, token?: string) => {
  const answer = await call(ready.url, 'POST', path, { body, token });
  if (answer.status !== 200) throw new Error(`${path} → ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json;
};
const enroll = async (windowId: number | null) => {
  const role = windowId === null ? 'kiosk' : 'counter';
  const { code } = EnrollmentCode.parse(await post('/v1/admin/enrollment-codes', { role, windowId }, adminToken));
  return Enrollment.parse(await post('/v1/devices/enroll', { code, deviceName: `fuzz ${role}` }));
};
const counter = await enroll(3);
const kiosk = await enroll(null);
await post('/v1/auth/sign-in', { staffNo: '1003', password: DEMO_PASSWORD }, counter.token);

const { port } = new URL(ready.url);
const target = { host: '127.0.0.1', port: Number(port) };
const routes = hallFuzzRoutes({ counter: { deviceId: counter.deviceId, window: 3 } });
const bearer = (label: string, token: string): FuzzCredential => ({ label, header: { name: 'Authorization', value: `Bearer ${token}` } });
const none: FuzzCredential[] = [
  { label: 'none' },
  bearer('random', 'x'.repeat(43)),
  bearer('admin-typo', `${adminToken}x`),
  { label: 'token-in-query', query: { name: 'token', value: counter.token } },
];
const phases: { name: string; share: number; credentials: FuzzCredential[] }[] = [
  { name: '无有效令牌', share: 0.4, credentials: none },
  { name: '取号机令牌', share: 0.2, credentials: [...none, bearer('kiosk', kiosk.token)] },
  { name: '柜台令牌', share: 0.2, credentials: [...none, bearer('counter', counter.token)] },
  { name: '管理员令牌', share: 0.2, credentials: [...none, bearer('admin', adminToken)] },
];

const dbPath = join(dataDir, 'hall.sqlite');
const rssBefore = rssKiB();
let rssPeak = rssBefore ?? 0;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKiB() ?? 0)), 250);
const problems: string[] = [];
const all: FuzzFigures = { requests: 0, byStatus: {}, byKind: {}, errors: {}, timeouts: 0, ms: 0 };
const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
};
let unchanged = true;

console.log(`HTTP 模糊测试：${total} 个请求，种子 ${seed}（用同一种子可复现），并发 ${concurrency}，服务器 ${ready.url}`);
for (const [index, phase] of phases.entries()) {
  const count = index === phases.length - 1 ? total - all.requests : Math.round(total * phase.share);
  const before = index === 0 ? tableDigests(dbPath) : null;
  const figures = await runFuzz(
    target,
    httpFuzzRequests({ random: createSeededRandom(seed + index), target, routes, credentials: phase.credentials }),
    {
      count,
      concurrency,
      timeoutMs: 20_000,
      onAnswer: (request, answer) => {
        const problem = answerProblem(request, answer);
        if (problem) problems.push(problem);
      },
    },
  );
  if (before) {
    const after = tableDigests(dbPath);
    const changed = Object.keys(after).filter((table) => before[table] !== after[table]);
    if (changed.length > 0) {
      unchanged = false;
      console.log(`  ！无有效令牌的请求改动了数据：${changed.join('、')}`);
    }
  }
  all.requests += figures.requests;
  all.timeouts += figures.timeouts;
  all.ms += figures.ms;
  add(all.byStatus, figures.byStatus);
  add(all.byKind, figures.byKind);
  add(all.errors, figures.errors);
  console.log(`  ${phase.name}：${figures.requests} 个，${(figures.ms / 1000).toFixed(1)} 秒`);
}
clearInterval(sampler);

const health = await call(ready.url, 'GET', '/v1/health').catch(() => null);
const rssAfter = rssKiB();
const up = exited === null && health?.status === 200;
console.log(
  JSON.stringify(
    {
      requests: all.requests,
      seconds: Number((all.ms / 1000).toFixed(1)),
      perSecond: Math.round(all.requests / (all.ms / 1000)),
      answersByStatus: all.byStatus,
      requestsByKind: all.byKind,
      socketErrors: all.errors,
      clientTimeouts: all.timeouts,
      problems: problems.length,
      serverErrorLines: serverErrors.length,
      serverUp: up,
      noTokenChangedNothing: unchanged,
      rss: { before: mib(rssBefore), peak: mib(rssPeak), after: mib(rssAfter) },
    },
    null,
    2,
  ),
);
for (const problem of problems.slice(0, 20)) console.log(`  问题：${problem}`);
for (const line of serverErrors.slice(0, 20)) console.log(`  服务器：${line}`);

child.kill('SIGTERM');
if (exited === null) await new Promise((resolve) => child.once('exit', resolve));
rmSync(dataDir, { recursive: true, force: true });
const passed = up && unchanged && problems.length === 0 && serverErrors.length === 0;
console.log(passed ? '通过：服务器始终在线，所有应答合规，无令牌的请求未改动任何数据。' : '未通过：见上。');
const hostPassed = values.only === 'hall' ? true : await fuzzBrowserHost();
process.exitCode = passed && hostPassed ? 0 : 1;
