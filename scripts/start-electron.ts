// `npm start` (after the build): starts the demo hall server, then the
// Electron shell on this repository with a fresh enrollment code, and stops
// the hall server when Electron exits. Options: --window=<id> (default 1);
// HALL_PORT changes the hall server's port (8720). Every child (hall server,
// simulators, Electron) runs in its own process group and is ended when this
// launcher exits, is stopped (Ctrl+C, SIGTERM) or crashes (child-processes.ts).
//
// The Electron binary is fetched by the `electron` package on first use;
// where it cannot be (no network beyond the npm registry), this says so and
// points at the browser demo instead.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../main/log.ts';
import { appDataDir } from './app-data.ts';
import { onLauncherExit, signalChild, spawnChild } from './child-processes.ts';
import { hallPortFromEnv, startDemoHall } from './demo-hall.ts';
import { startDemoPrinter } from './demo-printer.ts';
import { startDemoEvaluator } from './demo-evaluator.ts';
import { createInterface } from 'node:readline';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/**
 * The path of the Electron executable. In plain Node, loading the `electron` package
 * answers that path (downloading the binary first when it is missing, and
 * throwing when that fails).
 */
export function findElectronBinary(load: () => unknown, exists: (path: string) => boolean): ElectronBinary {
  let answer: unknown;
  try {
    answer = load();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (typeof answer !== 'string' || answer.length === 0) {
    return { ok: false, reason: 'the electron package did not answer a path' };
  }
  if (!exists(answer)) return { ok: false, reason: `${answer} does not exist` };
  return { ok: true, path: answer };
}

/**
 * Loads the `electron` package (its answer is the binary's path) without its
 * noise: on first use the package downloads the binary itself, printing
 * "Downloading Electron binary..." and, offline, a raw `TypeError: fetch
 * failed` before anything of ours. The download runs here instead, its output
 * kept; a failure throws with its last line, for electronMissingMessage.
 */
export function loadElectronQuietly(
  require: NodeJS.Require,
  download: (installJs: string) => { status: number | null; output: string } = runQuietly,
): unknown {
  const dir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(dir, 'path.txt');
  const installed = existsSync(pathFile) && existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8')));
  if (!installed && !process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const { status, output } = download(join(dir, 'install.js'));
    if (status !== 0) {
      // The last line that is not a stack frame, without its error class ("TypeError: fetch failed" → "fetch failed").
      const last = output
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('at '))
        .at(-1)
        ?.replace(/^[A-Za-z]*Error: /, '');
      throw new Error(`Electron 下载失败（electron/install.js 退出码 ${status}${last ? `：${last}` : ''}）`);
    }
  }
  // The package at its folder: its answer is the binary's path (the Electron API is only for main/electron/).
  return require(dir);
}

function runQuietly(script: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, output: `${result.stdout ?? ''}\n${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}` };
}

export function electronMissingMessage(reason: string): string {
  return [
    '无法启动 HallDesk 桌面版：本机没有 Electron 可执行文件，也无法下载（例如本机访问不到 Electron 的下载地址）。',
    '请改用浏览器版演示，它运行同一套终端核心和界面：',
    '    npm run demo:web',
    '',
    'Cannot start the HallDesk desktop app: the Electron binary is not installed and could not be',
    "downloaded (for example, this machine cannot reach Electron's download site). Use the browser",
    'demo instead — the same counter core and UI in your browser:',
    '    npm run demo:web',
    '',
    `详情 / detail: ${reason}`,
  ].join('\n');
}

/** `--window=<id>` from the command line; 1 when absent. */
export function windowIdFromArgs(argv: readonly string[]): number {
  const raw = argv.find((arg) => arg.startsWith('--window='))?.slice('--window='.length);
  const id = raw === undefined ? 1 : Number(raw);
  if (!Number.isInteger(id) || id < 1) throw new Error(`--window 应为正整数窗口编号，收到：${raw}`);
  return id;
}

/** The environment Electron starts with: ours plus the hall's address and a one-time code. */
export function electronEnv(base: NodeJS.ProcessEnv, serverUrl: string, code: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, HALLDESK_SERVER_URL: serverUrl, HALLDESK_ENROLL_CODE: code };
  // Set by some shells and tools; it would make the binary run as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}

let electronChild: ChildProcess | null = null;
const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

async function main(): Promise<void> {
  // Ctrl+C and SIGTERM go to Electron (it closes its windows and the counter); then the children are ended.
  onLauncherExit(async () => {
    if (!electronChild) return;
    signalChild(electronChild, 'SIGTERM');
    await exitOf(electronChild);
  }, createLogger());
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const electron = findElectronBinary(() => loadElectronQuietly(createRequire(import.meta.url)), existsSync);
  if (!electron.ok) {
    console.error(electronMissingMessage(electron.reason));
    process.exit(1);
  }
  if (!existsSync(join(repoRoot, 'out', 'main', 'electron.cjs'))) {
    console.error('找不到 out/main/electron.cjs：请先运行 npm run build（npm start 会自动构建）。');
    process.exit(1);
  }

  const windowId = windowIdFromArgs(process.argv.slice(2));
  const dataDir = appDataDir(process.platform, process.env, homedir());
  const hall = await startDemoHall({ dataDir: join(dataDir, 'demo-hall'), port: hallPortFromEnv(process.env) });
  let exitCode: number;
  try {
    // One-time code; the counter ignores it when it is already enrolled.
    const code = await hall.enrollmentCode(windowId);
    // The receipt printer: HALLDESK_PRINTER when set, else the simulator for the time Electron runs.
    const printerSim = process.env.HALLDESK_PRINTER ? null : await startDemoPrinter(join(dataDir, 'printer-jobs'));
    if (printerSim) console.log(`打印机模拟器 ${printerSim.url}，单据记录在 ${printerSim.outDir}`);
    console.log(`\nHallDesk 桌面版 — 大厅服务器 ${hall.url}，${windowId} 号窗口（数据目录 ${dataDir}）`);
    console.log('演示账号：工号 1001–1006，密码 123456。关闭工作台窗口即退出。\n');
    // The evaluator: HALLDESK_EVALUATOR_PORT when set, else the simulator on a socat pty pair; r5 … r1 + Enter presses a key.
    const evaluatorSim = process.env.HALLDESK_EVALUATOR_PORT ? null : await startDemoEvaluator(join(dataDir, 'evaluator'), (line) => console.log(line));
    const input = evaluatorSim ? createInterface({ input: process.stdin }) : null;
    input?.on('line', (text) => {
      const rate = /^r([1-5])$/i.exec(text.trim());
      if (rate) evaluatorSim?.press(Number(rate[1]));
    });
    if (evaluatorSim) console.log('模拟评价器已接入：办结后在此输入 r5 … r1 回车按下评价键（r5 非常满意 … r1 非常不满意）。');
    const withPrinter = printerSim ? { ...process.env, HALLDESK_PRINTER: printerSim.url } : process.env;
    const env = evaluatorSim ? { ...withPrinter, HALLDESK_EVALUATOR_PORT: evaluatorSim.port, HALLDESK_EVALUATOR_ADDRESS: String(evaluatorSim.address) } : withPrinter;
    exitCode = await runElectron(electron.path, repoRoot, electronEnv(env, hall.url, code)).finally(async () => {
      input?.close();
      await Promise.all([printerSim?.stop(), evaluatorSim?.stop()]);
    });
  } finally {
    await hall.stop();
  }
  process.exit(exitCode);
}

/** Runs Electron on the app folder (its own process group: its helpers end with it); resolves its exit code. */
function runElectron(binary: string, appDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const child = (electronChild = spawnChild(binary, [appDir], { cwd: appDir, stdio: 'inherit', env }));
  return new Promise<number>((resolve) => {
    child.once('error', (error) => {
      console.error(electronMissingMessage(`spawn ${binary}: ${error.message}`));
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// Run only as a script (tests import the functions above). Not
// import.meta.main: engines allows Node 22.12, which lacks it.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
