// `npm run demo:web`: the demo hall server plus counters for two windows,
// each served to your browser by the browser host. The pages' addresses carry
// their screen's token, so they are never printed: they go to a file only you
// can read (0600, in the demo's data folder), and the demo prints its path.
// Type a line letter (A/B/C) and Enter to take a ticket. Ctrl+C, SIGTERM or a
// crash end the hall server and the simulators with it (child-processes.ts);
// HALL_PORT changes the hall server's port (8720). HALLDESK_BIG_HALL=1 runs a
// big centre instead (scripts/big-hall-seed.ts: 400 windows coded 01 … 200,
// B1 … B200, and 50 lines A … AX) in a data folder of its own, with windows
// 1 and 400 (B200) unless --windows says others; type AX and Enter for line 50.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openCounter } from '../main/counter.ts';
import { startBrowserHost } from '../main/host/browser-host.ts';
import { createLogger } from '../main/log.ts';
import { appDataDir } from './app-data.ts';
import { writeBigHallSeed } from './big-hall-seed.ts';
import { onLauncherExit } from './child-processes.ts';
import { hallPortFromEnv, startDemoHall, type DemoHall } from './demo-hall.ts';
import { startDemoPrinter } from './demo-printer.ts';
import { startDemoEvaluator } from './demo-evaluator.ts';
import { startDemoIdCardReader } from './demo-id-card.ts';
import { printerConfigFromEnv } from '../main/printing/config.ts';
import { evaluatorConfigFromEnv } from '../main/ratings/evaluator-config.ts';

/** The file, in the demo's data folder, holding the pages' addresses (launchers.test.ts reads it). */
const PAGE_URLS_FILE = 'page-urls.txt';

const bigHall = process.env.HALLDESK_BIG_HALL === '1';
const windows = (process.argv.find((arg) => arg.startsWith('--windows='))?.slice(10) ?? (bigHall ? '1,400' : '1,2'))
  .split(',')
  .map(Number);
const dataDir = join(appDataDir(process.platform, process.env, homedir()), bigHall ? 'demo-web-big-hall' : 'demo-web');
const staticDir = fileURLToPath(new URL('../out/renderer', import.meta.url));
const log = createLogger();

// Everything opened here, closed in reverse on the way out; the children are ended after it in any case.
const stops: (() => Promise<void>)[] = [];
let input: Interface | null = null;
let hall: DemoHall | null = null;
onLauncherExit(async () => {
  input?.close();
  for (const stop of stops.reverse()) await stop();
  await hall?.stop();
}, log);

/** Writes `text` to `file` so that only this user can read it (0600), replacing it whole. */
function writePrivateFile(file: string, text: string): void {
  const temp = `${file}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** A folder of the demo's, for this user alone (0700), also when an older run made it wider. */
function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}
privateDir(dataDir);
const demoHall = (hall = await startDemoHall({
  dataDir: join(dataDir, 'hall-server'),
  port: hallPortFromEnv(process.env),
  ...(bigHall ? { seedDir: writeBigHallSeed(privateDir(join(dataDir, 'big-hall-seed'))) } : {}),
}));
const kioskCode = await demoHall.enrollmentCode(null, 'kiosk');
const kiosk = await (
  await fetch(`${demoHall.url}/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: kioskCode, deviceName: '演示取号机' }),
  })
).json() as { token: string };

async function takeTicket(lineId: string): Promise<string> {
  const response = await fetch(`${demoHall.url}/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kiosk.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ lineId, priority: 'normal' }),
  });
  const body = (await response.json()) as { ticket?: { number: string }; ahead?: number; message?: string };
  return body.ticket ? `取号 ${body.ticket.number}，前面还有 ${body.ahead} 人` : `取号失败：${body.message}`;
}

// The receipt printer: HALLDESK_PRINTER when set, else the simulator (shared by the demo windows).
const printerSim = process.env.HALLDESK_PRINTER ? null : await startDemoPrinter(privateDir(join(dataDir, 'printer-jobs')), (line) => console.log(line));
if (printerSim) stops.push(() => printerSim.stop());
const printer = printerConfigFromEnv(printerSim ? { ...process.env, HALLDESK_PRINTER: printerSim.url } : process.env);
// Window 1's evaluator: HALLDESK_EVALUATOR_PORT when set, else the simulator on a socat pty pair.
const evaluatorSim = process.env.HALLDESK_EVALUATOR_PORT ? null : await startDemoEvaluator(privateDir(join(dataDir, 'evaluator')), (line) => console.log(line));
if (evaluatorSim) stops.push(() => evaluatorSim.stop());
const evaluator = evaluatorSim
  ? { port: evaluatorSim.port, protocol: 'ft12' as const, address: evaluatorSim.address }
  : evaluatorConfigFromEnv(process.env);
// Window 1's ID card reader: HALLDESK_ID_CARD_PORT when set, else the simulator on a socat pty pair.
const idCardSim = process.env.HALLDESK_ID_CARD_PORT ? null : await startDemoIdCardReader(privateDir(join(dataDir, 'id-card')), (line) => console.log(line));
if (idCardSim) stops.push(() => idCardSim.stop());
const idCardReader = idCardSim
  ? { port: idCardSim.port, baudRate: idCardSim.baudRate }
  : process.env.HALLDESK_ID_CARD_PORT
    ? { port: process.env.HALLDESK_ID_CARD_PORT, baudRate: Number(process.env.HALLDESK_ID_CARD_BAUD ?? 115200) }
    : null;
const pages: string[] = ['# HallDesk 浏览器演示：各屏幕的地址。每个地址带着它那个屏幕的访问令牌，每次启动都换新的；不要外传。'];
for (const windowId of windows) {
  const counter = await openCounter({
    dataDir: privateDir(join(dataDir, `counter-${windowId}`)),
    deviceName: `${hostname()}-窗口${windowId}`,
    log,
    autoEnroll: { serverUrl: demoHall.url, code: await demoHall.enrollmentCode(windowId) },
    ...(printer ? { printer } : {}),
    evaluator: windowId === windows[0] ? evaluator : null,
    idCardReader: windowId === windows[0] ? idCardReader : null,
  });
  stops.push(() => counter.close());
  const host = await startBrowserHost({ core: counter, staticDir, log });
  stops.push(() => host.close());
  pages.push(`${windowId}号窗口 工作台：${host.clerkUrl}`, `${windowId}号窗口 对外屏：${host.outwardUrl}`);
}
const pagesFile = join(dataDir, PAGE_URLS_FILE);
writePrivateFile(pagesFile, pages.join('\n') + '\n');
console.log(`\nHallDesk 浏览器演示 — 大厅服务器 ${demoHall.url}（数据目录 ${dataDir}）`);
console.log(`${windows.join('、')}号窗口已就绪。各屏幕的地址（带访问令牌，只有你能读）写在：\n    ${pagesFile}`);
console.log('用浏览器打开其中的地址：「工作台」给柜员的屏幕，「对外屏」给面向群众的屏幕。\n');
for (const line of bigHall ? ['A', 'A', 'AA', 'AX'] : ['A', 'A', 'B', 'C']) console.log(await takeTicket(line));
console.log(`\n演示账号：工号 1001–1006，密码 123456。输入 ${bigHall ? 'A … Z、AA … AX（400 号窗口即 B200 号窗口，办理 AX）' : 'A / B / C'} 回车取号，Ctrl+C 退出。`);
if (printerSim) console.log(`打印机模拟器 ${printerSim.url}（单据记录在 ${printerSim.outDir}）：输入 paper out / paper ok 模拟缺纸和装纸。`);

input = createInterface({ input: process.stdin });
if (idCardSim) console.log(`${windows[0]}号窗口接有模拟身份证阅读器：输入 card 回车放下一张测试卡，card 2 放第 2 张（已过期），card lift 取卡，card list 列出测试卡。`);
if (evaluatorSim) console.log(`${windows[0]}号窗口接有模拟评价器：办结后输入 r5 … r1 回车按下评价键（r5 非常满意，r4 满意，r3 基本满意，r2 不满意，r1 非常不满意）。`);
input.on('line', (text) => {
  const lineId = text.trim().toUpperCase();
  const rate = /^r([1-5])$/i.exec(text.trim());
  if (rate && evaluatorSim) return evaluatorSim.press(Number(rate[1]));
  const card = /^card(?:\s+(.*))?$/i.exec(text.trim());
  if (card && idCardSim) return idCardSim.send(card[1]?.trim() ?? '');
  if (/^[A-Z]{1,2}$/.test(lineId)) {
    takeTicket(lineId).then(
      (message) => console.log(message),
      (error: unknown) => console.log(`取号失败：${error instanceof Error ? error.message : String(error)}`),
    );
  }
  else if (printerSim && /^(paper|cover|offline|online|status|jobs|reset|缺纸|装纸|开盖|合盖|状态)/i.test(text.trim())) printerSim.send(text.trim());
});
