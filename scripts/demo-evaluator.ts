// The demo's evaluator: a socat pty pair, the simulated evaluator
// (scripts/sim-evaluator.ts, ft12, address 1) on one end as a child process,
// the other end for the counter of window 1. `press(5)` types 5 on the
// simulator (非常满意). Null when socat is missing: the demo runs without one.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signalChild, spawnChild } from './child-processes.ts';

export interface DemoEvaluator {
  /** The counter's end of the line (HALLDESK_EVALUATOR_PORT). */
  port: string;
  address: number;
  /** Presses a level on the simulated keypad (5 非常满意 … 1 非常不满意). */
  press(level: number): void;
  stop(): Promise<void>;
}

export async function startDemoEvaluator(dir: string, print: (line: string) => void): Promise<DemoEvaluator | null> {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).error) {
    print('未找到 socat：演示不带评价器运行（可在对外屏上点击评价）。安装 socat 后重启即可使用模拟评价器。');
    return null;
  }
  mkdirSync(dir, { recursive: true });
  const host = join(dir, 'evaluator');
  const device = join(dir, 'evaluator-device');
  const socat = spawnChild('socat', [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  // socat makes the links at once; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const script = fileURLToPath(new URL('./sim-evaluator.ts', import.meta.url));
  const sim = spawnChild(process.execPath, [script, '--port', device, '--protocol', 'ft12', '--address', '1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) print(`[评价器模拟] ${line}`);
  };
  sim.stdout!.on('data', relay);
  sim.stderr!.on('data', relay);
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: host,
    address: 1,
    press(level) {
      sim.stdin!.write(`${level}\n`);
    },
    async stop() {
      sim.stdin!.end();
      signalChild(sim, 'SIGTERM');
      signalChild(socat, 'SIGTERM');
      await Promise.all([exited(sim), exited(socat)]);
    },
  };
}
