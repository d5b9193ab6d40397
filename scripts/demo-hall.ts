// Starts the reference hall server as a child process for the demos and
// benchmarks, and hands out enrollment codes through its admin API.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface DemoHall {
  url: string;
  adminToken: string;
  /** A one-time enrollment code for a window's counter (or a kiosk when windowId is null). */
  enrollmentCode(windowId: number | null, role?: 'counter' | 'kiosk'): Promise<string>;
  stop(): Promise<void>;
}

export const DEMO_HALL_PORT = 8720;

const serverMain = fileURLToPath(new URL('../server/main.ts', import.meta.url));

export interface DemoHallOptions {
  dataDir: string;
  /** Default 8720: counters enrolled in an earlier run find the server at the same address. */
  port?: number;
  /** Drop the server's per-request log lines (benchmarks); errors still print on exit. */
  quiet?: boolean;
}

export async function startDemoHall(options: DemoHallOptions): Promise<DemoHall> {
  const child = spawn(process.execPath, [serverMain, '--data', options.dataDir, '--port', String(options.port ?? DEMO_HALL_PORT)], {
    stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'],
  });
  const ready = await new Promise<{ url: string; adminToken: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once('exit', (code) => reject(new Error(`大厅服务器启动失败（退出码 ${code}）`)));
    lines.on('line', (line) => {
      if (line.startsWith('HALL_SERVER_READY ')) resolve(JSON.parse(line.slice('HALL_SERVER_READY '.length)));
      else process.stdout.write(`[大厅服务器] ${line}\n`);
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...ready,
    async enrollmentCode(windowId, role = windowId === null ? 'kiosk' : 'counter') {
      const response = await fetch(`${ready.url}/v1/admin/enrollment-codes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ready.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role, windowId }),
      });
      if (!response.ok) throw new Error(`注册码生成失败：HTTP ${response.status} ${await response.text()}`);
      return ((await response.json()) as { code: string }).code;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
