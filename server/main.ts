// The hall server from the command line.
//   node server/main.ts [--data DIR] [--port 8720] [--host 127.0.0.1] [--admin-token T] [--seed DIR]
//   node server/main.ts enroll-code [--data DIR] (--window N | --role kiosk)
// When listening it prints one line `HALL_SERVER_READY {"url":…,"adminToken":…}`
// for launchers, then a banner for people.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openHallDatabase } from './db.ts';
import { createHall } from './hall.ts';
import { createHallServer } from './hall-server.ts';

const USAGE = `用法：
  node server/main.ts [--data 目录] [--port 8720] [--host 127.0.0.1] [--admin-token 令牌] [--seed 目录] [--verbose]
      启动大厅服务器（--verbose：记录每个请求，否则只记录出错的请求）。数据库在 <数据目录>/hall.sqlite；首次启动时从 --seed 目录（默认 resources/hall）写入大厅初始数据。
  node server/main.ts enroll-code [--data 目录] --window 窗口编号
  node server/main.ts enroll-code [--data 目录] --role kiosk
      生成一次性设备注册码（24 小时内有效，只能用一次）。`;

const DEFAULT_DATA_DIR = '.data/hall';
const DEFAULT_SEED_DIR = join(import.meta.dirname, '../resources/hall');

class UsageError extends Error {}

/** A request log line for a request that succeeded: printed only with --verbose. */
function isRoutineRequest(line: string): boolean {
  try {
    const entry = JSON.parse(line) as { status?: unknown };
    return typeof entry.status === 'number' && entry.status < 400;
  } catch {
    return false;
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`端口号不正确：${text}`);
  return port;
}

async function serve(values: Record<string, string | undefined>, verbose: boolean): Promise<void> {
  const dataDir = resolve(values.data ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const adminToken = values['admin-token'] ?? randomBytes(24).toString('base64url');
  const server = createHallServer({
    dbPath: join(dataDir, 'hall.sqlite'),
    adminToken,
    seedDir: resolve(values.seed ?? DEFAULT_SEED_DIR),
    log: (line) => {
      if (verbose || !isRoutineRequest(line)) process.stderr.write(line + '\n');
    },
  });
  const port = parsePort(values.port ?? '8720');
  const url = await server.listen(port, values.host ?? '127.0.0.1').catch(async (error: unknown) => {
    await server.close();
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new Error(`端口 ${port} 已被占用：请用 --port 换一个端口，或先停止占用它的程序`, {
        cause: error,
      });
    }
    throw error;
  });
  console.log(`HALL_SERVER_READY ${JSON.stringify({ url, adminToken })}`);
  console.log(
    [
      '大厅服务器已启动',
      `  地址：      ${url}`,
      `  管理员令牌：${adminToken}`,
      `  数据目录：  ${dataDir}`,
      `  接口文档：  ${url}/v1/openapi.json`,
      `  生成窗口设备注册码：node server/main.ts enroll-code --data ${dataDir} --window 窗口编号`,
      '  按 Ctrl+C 停止。',
    ].join('\n'),
  );
  const stop = () => {
    server.close().then(
      () => console.log('大厅服务器已停止'),
      (error: unknown) => {
        console.error(`停止时出错：${String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function printEnrollmentCode(values: Record<string, string | undefined>): void {
  const dbPath = join(resolve(values.data ?? DEFAULT_DATA_DIR), 'hall.sqlite');
  if (!existsSync(dbPath)) {
    throw new Error(`${dbPath} 不存在：请先启动一次大厅服务器，或用 --data 指定正确的数据目录`);
  }
  const role = values.role ?? 'counter';
  if (role !== 'counter' && role !== 'kiosk')
    throw new UsageError(`设备类型只能是 counter 或 kiosk：${role}`);
  const windowId = values.window === undefined ? null : Number(values.window);
  if (windowId !== null && !(Number.isInteger(windowId) && windowId > 0)) {
    throw new UsageError(`窗口编号不正确：${values.window}`);
  }
  const db = openHallDatabase(dbPath);
  try {
    const hall = createHall(db, { clock: () => new Date(), publish: () => {} });
    const { code, expiresAt } = hall.createEnrollmentCode({ role, windowId });
    console.log(`ENROLLMENT_CODE ${JSON.stringify({ code, expiresAt, role, windowId })}`);
    const target = role === 'counter' ? `${windowId} 号窗口的柜台终端` : '取号机';
    console.log(
      `${target}注册码：${code}（有效期至 ${new Date(expiresAt).toLocaleString('zh-CN')}，只能使用一次）`,
    );
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'admin-token': { type: 'string' },
      seed: { type: 'string' },
      window: { type: 'string' },
      role: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const { help, verbose, ...options } = values;
  if (help) return void console.log(USAGE);
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`多余的参数：${rest.join(' ')}`);
  if (command === undefined) return serve(options, verbose ?? false);
  if (command === 'enroll-code') return printEnrollmentCode(options);
  throw new UsageError(`未知的命令：${command}`);
}

main().catch((error: unknown) => {
  // parseArgs reports bad options as TypeError with code ERR_PARSE_ARGS_*.
  const badArguments = String((error as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof UsageError || badArguments) {
    console.error(`参数不正确：${(error as Error).message}\n${USAGE}`);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exitCode = 1;
});
