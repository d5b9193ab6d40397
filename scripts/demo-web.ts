// `npm run demo:web`: the demo hall server plus counters for two windows,
// each served to your browser by the browser host. Prints the clerk and
// outward URLs. Type a line letter (A/B/C) and Enter to take a ticket.
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openCounter } from '../main/counter.ts';
import { startBrowserHost } from '../main/host/browser-host.ts';
import { createLogger } from '../main/log.ts';
import { appDataDir } from './app-data.ts';
import { startDemoHall } from './demo-hall.ts';
import { startDemoPrinter } from './demo-printer.ts';
import { startDemoEvaluator } from './demo-evaluator.ts';
import { printerConfigFromEnv } from '../main/printing/config.ts';
import { evaluatorConfigFromEnv } from '../main/ratings/evaluator-config.ts';

const windows = (process.argv.find((arg) => arg.startsWith('--windows='))?.slice(10) ?? '1,2')
  .split(',')
  .map(Number);
const dataDir = join(appDataDir(process.platform, process.env, homedir()), 'demo-web');
const staticDir = fileURLToPath(new URL('../out/renderer', import.meta.url));
const log = createLogger();

const hall = await startDemoHall({ dataDir: join(dataDir, 'hall-server'), port: process.env.HALL_PORT ? Number(process.env.HALL_PORT) : undefined });
const kioskCode = await hall.enrollmentCode(null, 'kiosk');
const kiosk = await (
  await fetch(`${hall.url}/v1/devices/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: kioskCode, deviceName: '演示取号机' }),
  })
).json() as { token: string };

async function takeTicket(lineId: string): Promise<string> {
  const response = await fetch(`${hall.url}/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kiosk.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ lineId, priority: 'normal' }),
  });
  const body = (await response.json()) as { ticket?: { number: string }; ahead?: number; message?: string };
  return body.ticket ? `取号 ${body.ticket.number}，前面还有 ${body.ahead} 人` : `取号失败：${body.message}`;
}

const stops: (() => Promise<void>)[] = [];
// The receipt printer: HALLDESK_PRINTER when set, else the simulator (shared by the demo windows).
const printerSim = process.env.HALLDESK_PRINTER ? null : await startDemoPrinter(join(dataDir, 'printer-jobs'), (line) => console.log(line));
if (printerSim) stops.push(() => printerSim.stop());
const printer = printerConfigFromEnv(printerSim ? { ...process.env, HALLDESK_PRINTER: printerSim.url } : process.env);
// Window 1's evaluator: HALLDESK_EVALUATOR_PORT when set, else the simulator on a socat pty pair.
const evaluatorSim = process.env.HALLDESK_EVALUATOR_PORT ? null : await startDemoEvaluator(join(dataDir, 'evaluator'), (line) => console.log(line));
if (evaluatorSim) stops.push(() => evaluatorSim.stop());
const evaluator = evaluatorSim
  ? { port: evaluatorSim.port, protocol: 'ft12' as const, address: evaluatorSim.address }
  : evaluatorConfigFromEnv(process.env);
console.log(`\nHallDesk 浏览器演示 — 大厅服务器 ${hall.url}（数据目录 ${dataDir}）\n`);
for (const windowId of windows) {
  const counter = await openCounter({
    dataDir: join(dataDir, `counter-${windowId}`),
    deviceName: `${hostname()}-窗口${windowId}`,
    log,
    autoEnroll: { serverUrl: hall.url, code: await hall.enrollmentCode(windowId) },
    ...(printer ? { printer } : {}),
    evaluator: windowId === windows[0] ? evaluator : null,
  });
  const host = await startBrowserHost({ core: counter, staticDir, log });
  stops.push(() => host.close(), () => counter.close());
  console.log(`${windowId}号窗口  工作台: ${host.clerkUrl}`);
  console.log(`${' '.repeat(String(windowId).length)}       对外屏: ${host.outwardUrl}`);
}
for (const line of ['A', 'A', 'B', 'C']) console.log(await takeTicket(line));
console.log('\n演示账号：工号 1001–1006，密码 123456。输入 A / B / C 回车取号，Ctrl+C 退出。');
if (printerSim) console.log(`打印机模拟器 ${printerSim.url}（单据记录在 ${printerSim.outDir}）：输入 paper out / paper ok 模拟缺纸和装纸。`);

const input = createInterface({ input: process.stdin });
if (evaluatorSim) console.log(`${windows[0]}号窗口接有模拟评价器：办结后输入 r5 … r1 回车按下评价键（r5 非常满意，r4 满意，r3 基本满意，r2 不满意，r1 非常不满意）。`);
input.on('line', (text) => {
  const lineId = text.trim().toUpperCase();
  const rate = /^r([1-5])$/i.exec(text.trim());
  if (rate && evaluatorSim) return evaluatorSim.press(Number(rate[1]));
  if (/^[A-Z]$/.test(lineId)) void takeTicket(lineId).then((message) => console.log(message));
  else if (printerSim && /^(paper|cover|offline|online|status|jobs|reset|缺纸|装纸|开盖|合盖|状态)/i.test(text.trim())) printerSim.send(text.trim());
});
const shutdown = async () => {
  input.close();
  for (const stop of stops) await stop();
  await hall.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
