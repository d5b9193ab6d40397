// The hall server from the command line.
//   node server/main.ts [--data DIR] [--port 8720] [--host 127.0.0.1] [--allowed-hosts a,b] [--admin-token T] [--seed DIR] [--halls a,b]
//   node server/main.ts enroll-code [--data DIR] [--hall CODE] (--window N | --role kiosk)
//   node server/main.ts device-setup (list | set KEY FILE | clear KEY) [--data DIR] [--hall CODE]
//   node server/main.ts unlock-staff (STAFF_NO | --device ID | --address ADDR) [--data DIR] [--hall CODE]
// The admin token lives in <data>/admin-token (0600; made on first start, kept
// after; never printed). When listening it prints one line `HALL_SERVER_READY {"url":…,"adminTokenFile":…}`
// for launchers, then a banner for people. With --halls (many halls on one
// server, server/halls.ts) each hall has its folder <data>/halls/<code>/ with
// its own admin token, and the ready line lists them: `{"url":…,"halls":[{"code","url","adminTokenFile"}]}`.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeIssues } from '../common/errors.ts';
import type { HallDeviceSetup } from '../common/device-setup.ts';
import { DeviceSetupKey, HallDeviceSetupBody } from '../common/http-api.ts';
import { createConfigStore } from './config-store.ts';
import { openHallDatabase } from './db.ts';
import { createDeviceSetups, describeSetupKey } from './device-setups.ts';
import { createHall } from './hall.ts';
import { createHallServer, type CityHall } from './hall-server.ts';
import { checkHallCode, hallFolderOf, hallPathOf, hallSchemaOf, HallCodesError, parseHallCodes } from './halls.ts';
import { parseAllowedHosts } from './host-check.ts';
import { createPrivateFileOnce, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writePrivateFile } from './private-file.ts';
import { parseWithZhMessages } from './validate.ts';
import { checkWorkersForBackend, isHallWorker, parseWorkers, reportWorkerReady, runPrimary, WorkersOptionError } from './workers.ts';
import { isPostgresTarget } from './storage/hall-database.ts';
import { openPostgresHallDatabase } from './storage/postgres.ts';
import { hallDateTimeAt } from '../common/calendar.ts';

const USAGE = `用法：
  node server/main.ts [--data 目录] [--port 8720] [--host 127.0.0.1] [--allowed-hosts 名称,…] [--admin-token 令牌] [--seed 目录] [--verbose]
      启动大厅服务器（--verbose：记录每个请求，否则只记录出错的请求）。数据库在 <数据目录>/hall.sqlite，设置了 HALL_DATABASE_URL=postgres://… 时在该 PostgreSQL 数据库；首次启动时从 --seed 目录（默认 resources/hall）写入大厅初始数据。
      管理员令牌保存在 <数据目录>/admin-token（仅本用户可读，不在屏幕上显示）：首次启动时生成，此后沿用；要更换，删除该文件后重启（或用 --admin-token 指定）。
      只回答用监听地址（监听 0.0.0.0 时为本机各地址与主机名）或 localhost 访问的请求；其他访问名称（如域名）请用 --allowed-hosts 或环境变量 HALL_ALLOWED_HOSTS 列出，逗号分隔。
      慢速连接：请求头须在 --headers-timeout-ms（默认 10000）毫秒内、整个请求须在 --request-timeout-ms（默认 60000）毫秒内收完，否则断开。
      --workers N（或环境变量 HALL_WORKERS）：启动 N 个工作进程共用同一端口和同一数据库（需 PostgreSQL：HALL_DATABASE_URL）；工作进程意外退出后自动重启。
      --halls 代码,代码,…（或环境变量 HALL_CODES）：一台服务器承载多个大厅，各大厅的地址为 http://服务器:端口/halls/<大厅代码>，数据互不相通：
      SQLite 时在 <数据目录>/halls/<大厅代码>/hall.sqlite，PostgreSQL 时在该数据库的模式 hall_<大厅代码>；各大厅的管理员令牌在 <数据目录>/halls/<大厅代码>/admin-token。
      大厅代码只用小写字母、数字和连字符，如 futian、district-3。--seed 目录下有 halls/<大厅代码>/ 子目录时，该大厅首次启动用它的初始数据（大厅名称、窗口、人员等）。
      下面的命令用 --hall 大厅代码 指定大厅。
  node server/main.ts enroll-code [--data 目录] [--hall 大厅代码] --window 窗口编号
  node server/main.ts enroll-code [--data 目录] [--hall 大厅代码] --role kiosk
      生成一次性设备注册码（24 小时内有效，只能用一次）。
  node server/main.ts device-setup list [--data 目录] [--hall 大厅代码]
  node server/main.ts device-setup set <default|窗口编号> <文件.json> [--data 目录] [--hall 大厅代码]
  node server/main.ts device-setup clear <default|窗口编号> [--data 目录] [--hall 大厅代码]
      查看、设置或取消大厅统一下发的设备设置（打印机、评价器、外屏显示器、语音播报）：default 为全部窗口，窗口编号只对该窗口；
      窗口自己的设置优先。文件可以是设备设置 JSON，也可以是柜台终端导出的设备设置文件。服务器运行时也可执行，约 2 秒内通知在线的柜台终端。
  node server/main.ts unlock-staff <工号> [--data 目录] [--hall 大厅代码]
  node server/main.ts unlock-staff --device 设备编号 | --address 网络地址 [--data 目录] [--hall 大厅代码]
      解除登录锁定：清除该工号（或设备、网络地址）的登录失败计数。服务器运行时也可执行，立即生效。`;

const DEFAULT_DATA_DIR = '.data/hall';
/** The admin token's file in the data dir. */
const ADMIN_TOKEN_FILE = 'admin-token';
/** The project folder (package.json's): this file runs from server/ as source, or from out/server/ bundled. */
function projectRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const DEFAULT_SEED_DIR = join(projectRoot(), 'resources/hall');

class UsageError extends Error {}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`端口号不正确：${text}`);
  return port;
}

/** Tokens shorter than this in the file are not taken: a new one replaces them. */
const MIN_ADMIN_TOKEN_LENGTH = 24;

/**
 * The admin token, kept in a 0600 file in the data dir: --admin-token when
 * given (written to the file), else the file's token, else a new one. Kept
 * across restarts, and shared by servers on one data dir; delete the file
 * and restart to change it.
 */
function adminTokenFor(file: string, given: string | undefined): string {
  if (given !== undefined) {
    writePrivateFile(file, `${given}\n`);
    return given;
  }
  if (createPrivateFileOnce(file, `${randomBytes(24).toString('base64url')}\n`)) return readAdminToken(file)!;
  chmodSync(file, PRIVATE_FILE_MODE);
  const kept = readAdminToken(file);
  if (kept !== null) return kept;
  const fresh = randomBytes(24).toString('base64url');
  writePrivateFile(file, `${fresh}\n`);
  return fresh;
}

function readAdminToken(file: string): string | null {
  const token = readFileSync(file, 'utf8').trim();
  return token.length >= MIN_ADMIN_TOKEN_LENGTH && !/\s/.test(token) ? token : null;
}

function parseMs(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) throw new UsageError(`--${option} 应为 100–3600000 之间的毫秒数：${text}`);
  return ms;
}

async function serve(values: Record<string, string | undefined>, verbose: boolean): Promise<void> {
  const dataDir = resolve(values.data ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // Never on standard output or in a log: in a file only this user reads.
  const adminTokenFile = join(dataDir, ADMIN_TOKEN_FILE);
  // A worker takes the token its primary has already written (N workers rewriting one file helps nobody).
  const codes = parseHallCodes(values.halls ?? process.env.HALL_CODES);
  if (codes !== null && values['admin-token'] !== undefined) {
    throw new UsageError('--admin-token 只用于单个大厅；多个大厅时各大厅的管理员令牌在 <数据目录>/halls/<大厅代码>/admin-token');
  }
  const seedDir = resolve(values.seed ?? DEFAULT_SEED_DIR);
  const halls = codes === null ? null : codes.map((code) => cityHallIn(dataDir, code, seedDir));
  const adminToken = halls ? '' : adminTokenFor(adminTokenFile, isHallWorker() ? undefined : values['admin-token']);
  const readyHalls = halls?.map(({ code }) => ({ code, adminTokenFile: join(hallFolderOf(dataDir, code), ADMIN_TOKEN_FILE) }));
  // --workers N: this process becomes the primary of N workers that share the port (server/workers.ts).
  const workers = parseWorkers(values.workers, process.env.HALL_WORKERS);
  if (workers !== null) {
    checkWorkersForBackend(workers, isPostgresTarget(process.env.HALL_DATABASE_URL ?? '') ? 'postgres' : 'sqlite');
    if (!isHallWorker()) return servePrimary(workers, { adminTokenFile, dataDir, halls: readyHalls });
  }
  const server = createHallServer({
    ...(halls
      ? { halls }
      : {
          dbPath: hallDatabaseIn(dataDir),
          // On PostgreSQL the applicant key stays a file of this machine, apart from the database and its backups.
          applicantKeyPath: process.env.HALL_DATABASE_URL ? join(dataDir, 'applicant-key') : undefined,
          adminToken,
          seedDir,
        }),
    allowedHosts: parseAllowedHosts(values['allowed-hosts'] ?? process.env.HALL_ALLOWED_HOSTS),
    timeouts: {
      headersMs: parseMs(values['headers-timeout-ms'], 'headers-timeout-ms'),
      requestMs: parseMs(values['request-timeout-ms'], 'request-timeout-ms'),
    },
    // Requests that succeeded are logged only with --verbose.
    logRoutineRequests: verbose,
    log: (line) => process.stderr.write(line + '\n'),
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
  if (isHallWorker()) reportWorkerReady(url);
  else announceReady(url, { adminTokenFile, dataDir, halls: readyHalls });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => {
        if (!isHallWorker()) return console.log('大厅服务器已停止');
        // A worker's channel to its primary would keep it alive.
        process.exit();
      },
      (error: unknown) => {
        console.error(`停止时出错：${String(error)}`);
        process.exitCode = 1;
        if (isHallWorker()) process.exit();
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * Where the hall's data is: HALL_DATABASE_URL (PostgreSQL) when set, else the
 * SQLite file in the data dir.
 */
function hallDatabaseIn(dataDir: string): string {
  return process.env.HALL_DATABASE_URL || join(dataDir, 'hall.sqlite');
}

/**
 * One of many halls (--halls): its folder <data>/halls/<code>/ holds its admin
 * token and applicant key, and on SQLite its database; on PostgreSQL its data
 * is the schema hall_<code> (server/halls.ts). Its starting data is
 * <seed>/halls/<code>/ when the seed folder has one (each hall its name,
 * windows and staff), else the seed folder's own.
 */
function cityHallIn(dataDir: string, code: string, seed: string): CityHall {
  const folder = hallFolderOf(dataDir, code);
  const own = join(seed, 'halls', code);
  const seedDir = existsSync(join(own, 'settings.json')) ? own : seed;
  mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
  const url = process.env.HALL_DATABASE_URL;
  return {
    code,
    dbPath: url || join(folder, 'hall.sqlite'),
    schema: url ? hallSchemaOf(code) : undefined,
    adminToken: adminTokenFor(join(folder, ADMIN_TOKEN_FILE), undefined),
    applicantKeyPath: join(folder, 'applicant-key'),
    seedDir,
  };
}

interface ReadyFacts {
  adminTokenFile: string;
  dataDir: string;
  /** Many halls (--halls): each one's code and admin token file. */
  halls?: { code: string; adminTokenFile: string }[];
}

/** The ready line for launchers, then a banner for people. */
function announceReady(url: string, { adminTokenFile, dataDir, halls }: ReadyFacts, workers?: number): void {
  const onPostgres = process.env.HALL_DATABASE_URL ? 'HALL_DATABASE_URL=… ' : '';
  const hallsReady = halls?.map((hall) => ({ ...hall, url: url + hallPathOf(hall.code) }));
  console.log(`HALL_SERVER_READY ${JSON.stringify(hallsReady ? { url, halls: hallsReady } : { url, adminTokenFile })}`);
  console.log(
    [
      '大厅服务器已启动',
      `  地址：      ${url}`,
      ...(workers === undefined ? [] : [`  工作进程：  ${workers} 个（共用此地址）`]),
      ...(hallsReady
        ? [
            `  大厅：      ${hallsReady.length} 个，柜台终端的服务器地址填写各大厅的地址：`,
            ...hallsReady.map((hall) => `    ${hall.code}：${hall.url}（管理员令牌：${hall.adminTokenFile}）`),
          ]
        : [`  管理员令牌：保存在 ${adminTokenFile}（仅本用户可读）`]),
      `  数据目录：  ${dataDir}`,
      ...(onPostgres ? ['  数据库：    PostgreSQL（HALL_DATABASE_URL）'] : []),
      `  接口文档：  ${hallsReady ? hallsReady[0]!.url : url}/v1/openapi.json`,
      hallsReady
        ? `  生成窗口设备注册码：${onPostgres}node server/main.ts enroll-code --data ${dataDir} --hall 大厅代码 --window 窗口编号`
        : `  生成窗口设备注册码：${onPostgres}node server/main.ts enroll-code --data ${dataDir} --window 窗口编号`,
      '  按 Ctrl+C 停止。',
    ].join('\n'),
  );
}

/** The primary of `workers` hall server processes: ready once all listen, stopped on SIGTERM / SIGINT. */
async function servePrimary(workers: number, facts: ReadyFacts): Promise<void> {
  const primary = runPrimary({
    workers,
    log: (line) => process.stderr.write(line + '\n'),
    onReady: (url) => announceReady(url, facts, workers),
    onStopped: () => console.log('大厅服务器已停止'),
  });
  const stop = () => void primary.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await primary.ready;
}

function printEnrollmentCode(values: Record<string, string | undefined>): void {
  const role = values.role ?? 'counter';
  if (role !== 'counter' && role !== 'kiosk')
    throw new UsageError(`设备类型只能是 counter 或 kiosk：${role}`);
  const windowId = values.window === undefined ? null : Number(values.window);
  if (windowId !== null && !(Number.isInteger(windowId) && windowId > 0)) {
    throw new UsageError(`窗口编号不正确：${values.window}`);
  }
  const db = openExistingHallDatabase(values);
  try {
    const hall = createHall(db, { clock: () => new Date(), publish: () => {} });
    const { code, expiresAt } = hall.createEnrollmentCode({ role, windowId });
    console.log(`ENROLLMENT_CODE ${JSON.stringify({ code, expiresAt, role, windowId })}`);
    const inHall = values.hall === undefined ? '' : `大厅 ${values.hall} `;
    const target = inHall + (role === 'counter' ? `${windowId} 号窗口的柜台终端` : '取号机');
    console.log(
      `${target}注册码：${code}（有效期至 ${hallDateTimeAt(expiresAt).slice(0, 16)}（北京时间），只能使用一次）`,
    );
  } finally {
    db.close();
  }
}

/** The hall database of an existing data dir, or with --hall that hall's of many (the commands never create one). */
function openExistingHallDatabase(values: Record<string, string | undefined>) {
  const dataDir = resolve(values.data ?? DEFAULT_DATA_DIR);
  const code = values.hall === undefined ? null : checkHallCode(values.hall);
  const url = process.env.HALL_DATABASE_URL;
  if (url) {
    if (code !== null) return openHallDatabase(url, { schema: hallSchemaOf(code), mustExist: true });
    // A database of many halls has no hall of its own: the command must not make an empty one there.
    const probe = openPostgresHallDatabase(url);
    try {
      const halls = probe.prepare<[], string>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hall\\_%' ORDER BY 1").pluck().all();
      if (halls.length > 0) throw new UsageError(`该数据库承载多个大厅（${halls.join('、')}）：请用 --hall 大厅代码 指定大厅`);
    } finally {
      probe.close();
    }
    return openHallDatabase(url);
  }
  const dbPath = code === null ? hallDatabaseIn(dataDir) : join(hallFolderOf(dataDir, code), 'hall.sqlite');
  if (!existsSync(dbPath)) {
    throw new Error(
      code !== null
        ? `${dbPath} 不存在：没有代码为 ${code} 的大厅；请检查 --hall 和 --data，或先用 --halls 启动一次大厅服务器`
        : existsSync(join(dataDir, 'halls'))
          ? `${dataDir} 是多个大厅的数据目录：请用 --hall 大厅代码 指定大厅`
          : `${dbPath} 不存在：请先启动一次大厅服务器，或用 --data 指定正确的数据目录`,
    );
  }
  return openHallDatabase(dbPath);
}

/** The exported setup file of a counter (main/config-transfer.ts): its setup is taken. */
const EXPORTED_SETUP_KIND = 'halldesk.device-setup';
const EXPORTED_SETUP_VERSION = 1;
const MAX_SETUP_FILE_BYTES = 256 * 1024;

/** Reads and checks a device setup file: a bare HallDeviceSetup, or a counter's exported file (its .setup). */
function readSetupFile(path: string): { setup: HallDeviceSetup; exported: boolean } {
  const { content, exported } = readSetupJson(path);
  const parsed = parseWithZhMessages(HallDeviceSetupBody, content);
  if (!parsed.success) {
    const where = exported ? ' 的 setup 部分' : '';
    throw new Error(`设备设置文件 ${path}${where} 有误：${describeIssues(parsed.error)}`);
  }
  return { setup: parsed.data, exported };
}

function readSetupJson(path: string): { content: unknown; exported: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`无法读取设备设置文件 ${path}：${(error as Error).message}`, { cause: error });
  }
  if (text.length > MAX_SETUP_FILE_BYTES) {
    throw new Error(`设备设置文件 ${path} 过大（超过 ${MAX_SETUP_FILE_BYTES / 1024} KiB），可能选错了文件`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`设备设置文件 ${path} 不是合法的 JSON：${(error as Error).message}；请检查格式后重试`, {
      cause: error,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`设备设置文件 ${path} 的内容应为一个 JSON 对象`);
  }
  if (!('kind' in json)) return { content: json, exported: false };
  const document = json as { kind: unknown; version?: unknown; setup?: unknown };
  if (document.kind !== EXPORTED_SETUP_KIND) {
    throw new Error(
      `设备设置文件 ${path} 的 kind 为 ${JSON.stringify(document.kind)}，不是柜台终端导出的设备设置文件（${EXPORTED_SETUP_KIND}）`,
    );
  }
  if (document.version !== EXPORTED_SETUP_VERSION) {
    throw new Error(
      `设备设置文件 ${path} 的版本 ${JSON.stringify(document.version)} 本程序不认识（只认版本 ${EXPORTED_SETUP_VERSION}）；请升级大厅服务器程序，或用同版本的柜台终端重新导出`,
    );
  }
  if (typeof document.setup !== 'object' || document.setup === null) {
    throw new Error(`设备设置文件 ${path} 缺少 setup（设备设置内容）`);
  }
  return { content: document.setup, exported: true };
}

function deviceSetupCommand(values: Record<string, string | undefined>, args: readonly string[]): void {
  const [action, key, file, ...extra] = args;
  const expected = action === 'set' ? 2 : action === 'clear' ? 1 : action === 'list' ? 0 : null;
  if (expected === null) {
    throw new UsageError(`device-setup 后应为 list、set 或 clear：${action ?? '（缺少）'}`);
  }
  const given = [key, file, ...extra].filter((arg) => arg !== undefined);
  if (given.length !== expected) {
    throw new UsageError(
      action === 'set'
        ? 'device-setup set 需要两个参数：<default|窗口编号> <文件.json>'
        : action === 'clear'
          ? 'device-setup clear 需要一个参数：<default|窗口编号>'
          : `device-setup list 不带参数：${given.join(' ')}`,
    );
  }
  if (key !== undefined && !DeviceSetupKey.safeParse(key).success) {
    throw new UsageError(`设置对象不正确：${key}；应为 default（全部窗口）或窗口编号（如 3）`);
  }
  const fromFile = action === 'set' ? readSetupFile(file!) : null;
  const db = openExistingHallDatabase(values);
  try {
    const windowName = (id: string) =>
      id === 'default' ? null : (createConfigStore(db).get('window', id)?.name ?? null);
    const setups = createDeviceSetups(db, { publish: () => {} });
    if (action === 'list') {
      const { setups: entries } = setups.list();
      console.log(`DEVICE_SETUPS ${JSON.stringify(entries)}`);
      if (entries.length === 0) console.log('没有大厅统一下发的设备设置：各窗口使用自己的设置或默认值。');
      for (const entry of entries) {
        console.log(`${describeSetupKey(entry.key, windowName(entry.key))}：${JSON.stringify(entry.setup)}`);
      }
      return;
    }
    if (action === 'set') {
      const { setup, exported } = fromFile!;
      const entry = setups.set(key!, setup);
      console.log(`DEVICE_SETUP ${JSON.stringify(entry)}`);
      console.log(
        `已设置${describeSetupKey(key!, windowName(key!))}的大厅设备设置（配置版本 ${entry.version}）：${JSON.stringify(entry.setup)}`,
      );
      if (exported) {
        console.log(
          '已采用导出文件中的全部四项（打印机、评价器、外屏显示器、语音播报），其中的「无」也会下发。',
        );
      }
      if (setup.outwardDisplayId != null) {
        console.log('注意：外屏显示器编号（outwardDisplayId）因电脑而异，统一下发可能不适合每台终端。');
      }
      return;
    }
    const result = setups.clear(key!);
    console.log(`DEVICE_SETUP_CLEARED ${JSON.stringify(result)}`);
    console.log(
      result.removed
        ? `已取消${describeSetupKey(key!, windowName(key!))}的大厅设备设置（配置版本 ${result.version}）。`
        : `${describeSetupKey(key!, windowName(key!))}没有大厅设备设置，无需取消。`,
    );
  } finally {
    db.close();
  }
}

/** Clears failed sign-ins of a staff number, device or address (the hall manager's unlock). */
function unlockStaffCommand(values: Record<string, string | undefined>, args: readonly string[]): void {
  const [staffNo, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`多余的参数：${extra.join(' ')}`);
  const which = { staff: staffNo, device: values.device, address: values.address };
  if (Object.values(which).every((value) => value === undefined)) {
    throw new UsageError('unlock-staff 需要一个工号，或 --device 设备编号、--address 网络地址');
  }
  if (staffNo !== undefined && !/^\S{1,32}$/.test(staffNo)) throw new UsageError(`工号不正确：${staffNo}`);
  const db = openExistingHallDatabase(values);
  try {
    const hall = createHall(db, { clock: () => new Date(), publish: () => {} });
    const { cleared } = hall.unlockSignIn(which);
    console.log(`SIGN_IN_UNLOCKED ${JSON.stringify({ cleared })}`);
    const names = { staff: '工号', device: '设备', address: '网络地址' } as const;
    const target = (Object.entries(which) as [keyof typeof names, string | undefined][])
      .filter(([, key]) => key !== undefined)
      .map(([scope, key]) => `${names[scope]} ${key}`)
      .join('、');
    const locked = cleared.filter((entry) => entry.lockedUntil !== null);
    console.log(
      locked.length > 0
        ? `已解除${target} 的登录锁定，可以立即重新登录。`
        : cleared.length > 0
          ? `${target} 没有被锁定；已清除其 ${cleared.map((entry) => entry.failures).join('、')} 次登录失败计数。`
          : `${target} 没有登录失败记录，无需解锁。`,
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
      'allowed-hosts': { type: 'string' },
      'headers-timeout-ms': { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      device: { type: 'string' },
      address: { type: 'string' },
      seed: { type: 'string' },
      window: { type: 'string' },
      role: { type: 'string' },
      verbose: { type: 'boolean' },
      workers: { type: 'string' },
      halls: { type: 'string' },
      hall: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const { help, verbose, ...options } = values;
  if (help) return void console.log(USAGE);
  const [command, ...rest] = positionals;
  if (command === undefined && options.hall !== undefined) {
    throw new UsageError('--hall 用于命令（enroll-code、device-setup、unlock-staff）；启动服务器时用 --halls 列出全部大厅');
  }
  if (command !== undefined && options.halls !== undefined) {
    throw new UsageError('命令用 --hall 大厅代码 指定一个大厅（--halls 用于启动服务器）');
  }
  if (command === 'device-setup') return deviceSetupCommand(options, rest);
  if (command === 'unlock-staff') return unlockStaffCommand(options, rest);
  if (rest.length > 0) throw new UsageError(`多余的参数：${rest.join(' ')}`);
  if (command === undefined) return serve(options, verbose ?? false);
  if (command === 'enroll-code') return printEnrollmentCode(options);
  throw new UsageError(`未知的命令：${command}`);
}

main().catch((error: unknown) => {
  // parseArgs reports bad options as TypeError with code ERR_PARSE_ARGS_*.
  const badArguments = String((error as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS');
  if (error instanceof UsageError || error instanceof WorkersOptionError || error instanceof HallCodesError || badArguments) {
    console.error(`参数不正确：${(error as Error).message}\n${USAGE}`);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exitCode = 1;
  // A worker's channel to its primary would keep it alive: its primary sees the exit and gives up.
  if (isHallWorker()) process.exit();
});
