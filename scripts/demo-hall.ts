// Starts the reference hall server as a child process for the demos and
// benchmarks, and hands out enrollment codes through its admin API.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { signalChild, spawnChild } from './child-processes.ts';

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
  /** The seed folder for a new hall (--seed); default resources/hall. */
  seedDir?: string;
}

/** The hall server's port from HALL_PORT (the launchers' one way to change it); undefined when unset. */
export function hallPortFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.HALL_PORT?.trim();
  if (!text) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new Error(`环境变量 HALL_PORT 应为 1–65535 之间的端口号，现在是「${text.slice(0, 20)}」`);
  }
  return port;
}

/** Said when the port is taken: names HALL_PORT, the variable that changes it. */
export const hallPortBusyMessage = (port: number): string =>
  `大厅服务器的端口 ${port} 已被占用（可能是上次的演示还没有退出）：请先结束占用它的程序，` +
  `或用环境变量 HALL_PORT 换一个端口，例如 HALL_PORT=${port === 65535 ? port - 1 : port + 1}`;

/** Resolves whether 127.0.0.1:port can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function startDemoHall(options: DemoHallOptions): Promise<DemoHall> {
  const port = options.port ?? DEMO_HALL_PORT;
  if (port !== 0 && !(await portFree(port))) throw new Error(hallPortBusyMessage(port));
  const seed = options.seedDir ? ['--seed', options.seedDir] : [];
  const child = spawnChild(process.execPath, [serverMain, '--data', options.dataDir, '--port', String(port), ...seed], {
    stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const starting = new Promise<{ url: string; adminToken: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once('error', (error) => reject(new Error(`大厅服务器无法启动：${error.message}`)));
    child.once('exit', (code) => reject(new Error(`大厅服务器启动失败（退出码 ${code}）`)));
    lines.on('line', (line) => {
      if (!line.startsWith('HALL_SERVER_READY ')) return void process.stdout.write(`[大厅服务器] ${line}\n`);
      // The server writes its admin token to a 0600 file and names the file (never the token) here.
      const said = JSON.parse(line.slice('HALL_SERVER_READY '.length)) as { url: string; adminToken?: string; adminTokenFile?: string };
      const adminToken = said.adminTokenFile ? readFileSync(said.adminTokenFile, 'utf8').trim() : said.adminToken;
      if (!adminToken) return reject(new Error('大厅服务器没有给出管理员令牌文件'));
      resolve({ url: said.url, adminToken });
    });
  });
  let ready: { url: string; adminToken: string };
  try {
    ready = await starting;
  } catch (error) {
    signalChild(child, 'SIGTERM');
    throw error;
  }
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
      signalChild(child, 'SIGTERM');
      await exited;
    },
  };
}
