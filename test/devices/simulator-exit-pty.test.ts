// Issue 15: the simulators' command lines never outlive what drives them.
// Each script is spawned on one end of a REAL socat pty pair; closing its
// standard input, or pulling the line (socat killed), ends it within a few
// seconds: exit code 0 for the end of input, 1 for a lost line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(closeAllPtyPairs);

const script = (name: string) => fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url));

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Exit code (null: killed by a signal) once it exits. */
  exited: Promise<number | null>;
}

/** Spawns a simulator script and waits until it prints `ready`. */
async function run(args: string[], ready: string): Promise<Running> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`not ready within 15 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, output: () => output, exited };
}

/** The exit code, if the process ends within `ms` of now. */
async function exitWithin(running: Running, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  const result = await Promise.race([running.exited, late]);
  clearTimeout(timer);
  return result;
}

const evaluator = (line: PtyPair) =>
  run([script('sim-evaluator.ts'), '--port', line.b, '--protocol', 'ft12', '--address', '3'], '评价器模拟器就绪');

function printer(line: PtyPair): Promise<Running> {
  const out = mkdtempSync(join(tmpdir(), 'halldesk-printer-sim-'));
  dirs.push(out);
  return run([script('sim-printer.ts'), '--no-tcp', '--pty', line.b, '--out', out], '正在串口');
}

const scripts = [
  { script: 'sim-evaluator.ts', start: evaluator, lineLost: /串口 .* 已断开.*模拟器退出/ },
  { script: 'sim-printer.ts (on a serial line)', start: printer, lineLost: /串口已断开，模拟器退出/ },
];

describe.each(scripts)('$script exits when what drives it goes away', ({ start, lineLost }) => {
  it('its standard input closes → exits (0); the line is left as it is', async () => {
    const line = await startPtyPair();
    const sim = await start(line);
    sim.child.stdin!.end();
    expect(await exitWithin(sim, 5000)).toBe(0);
    expect(sim.output()).toContain('标准输入已关闭，模拟器退出');
    expect(line.running).toBe(true);
  }, 30_000);

  it('its serial line goes away (socat killed) → exits (1)', async () => {
    const line = await startPtyPair();
    const sim = await start(line);
    await line.kill('SIGKILL');
    expect(await exitWithin(sim, 5000)).toBe(1);
    expect(sim.output()).toMatch(lineLost);
  }, 30_000);
});
