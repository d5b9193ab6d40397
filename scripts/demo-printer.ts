// The demo's receipt printer: the printer simulator (scripts/sim-printer.ts) as
// a child process on a free loopback port, recording jobs under `outDir`.
// `send('paper out')` types a command on its stdin.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { signalChild, spawnChild } from './child-processes.ts';

export interface DemoPrinter {
  /** For HALLDESK_PRINTER, e.g. tcp://127.0.0.1:40123 */
  url: string;
  outDir: string;
  send(command: string): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startDemoPrinter(outDir: string, echo: (line: string) => void = () => {}): Promise<DemoPrinter> {
  const port = await freePort();
  const script = fileURLToPath(new URL('./sim-printer.ts', import.meta.url));
  const child = spawnChild(process.execPath, [script, '--port', String(port), '--out', outDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('打印机模拟器 10 秒内没有启动')), 10_000);
    child.once('exit', (code) => reject(new Error(`打印机模拟器退出（${code}）`)));
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        echo(`[打印机] ${line}`);
        if (line.includes('正在监听 TCP')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
  });
  return {
    url: `tcp://127.0.0.1:${port}`,
    outDir,
    send: (command) => child.stdin!.write(`${command}\n`),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        signalChild(child, 'SIGTERM');
      }),
  };
}
