// The demo's ID card reader: a socat pty pair, the simulated reader
// (scripts/sim-id-card.ts, the sample test cards) on one end as a child
// process, the other end for the counter of window 1. `send('0')` lays card 0
// (an empty line the next card, `lift` lifts it, `bad 0` / `fail 0` misbehave).
// Null when socat is missing: the demo runs without one.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ID_CARD_BAUD } from '../common/id-card.ts';
import { signalChild, spawnChild } from './child-processes.ts';

export interface DemoIdCardReader {
  /** The counter's end of the line. */
  port: string;
  baudRate: number;
  /** A line typed on the simulator's input. */
  send(line: string): void;
  stop(): Promise<void>;
}

export async function startDemoIdCardReader(dir: string, print: (line: string) => void): Promise<DemoIdCardReader | null> {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).error) {
    print('未找到 socat：演示不带身份证阅读器运行（申请人信息手工录入）。安装 socat 后重启即可使用模拟阅读器。');
    return null;
  }
  mkdirSync(dir, { recursive: true });
  const host = join(dir, 'idcard');
  const device = join(dir, 'idcard-device');
  const socat = spawnChild('socat', [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  // socat makes the links at once; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const script = fileURLToPath(new URL('./sim-id-card.ts', import.meta.url));
  const sim = spawnChild(process.execPath, [script, device, '--baud', String(DEFAULT_ID_CARD_BAUD)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) print(`[读卡器模拟] ${line}`);
  };
  sim.stdout!.on('data', relay);
  sim.stderr!.on('data', relay);
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: host,
    baudRate: DEFAULT_ID_CARD_BAUD,
    send(line) {
      sim.stdin!.write(`${line}\n`);
    },
    async stop() {
      sim.stdin!.end();
      signalChild(sim, 'SIGTERM');
      signalChild(socat, 'SIGTERM');
      await Promise.all([exited(sim), exited(socat)]);
    },
  };
}
