// A throwaway PostgreSQL cluster for tests and benches (issue 19, "how it
// starts"): Debian's `postgresql` package (installed by .ci/run), run by us,
// on 127.0.0.1 and a free port, its data and unix socket in a folder of its
// own. Not the machine's cluster, not a daemon: it lives as long as the
// process that started it.
//
//   const cluster = await startPostgresCluster();          // tests: fsync off
//   const url = await cluster.createDatabase();            // postgres://…/t_…, fresh and empty
//   …
//   await cluster.destroy();                               // fast shutdown, folder removed
//
// Why Debian's package and not an embedded PostgreSQL from npm: the package is
// the PostgreSQL a city's operations team runs (same build, same defaults, same
// security updates), it is one apt-get in CI beside chromium and socat, and
// nothing is downloaded at test time from a registry we do not control.
//
// As root (CI containers), PostgreSQL refuses to run: initdb and the postmaster
// run as the `postgres` user the package creates, the folder chown'ed to it.
// We start them with spawn's uid/gid (what `runuser -u postgres --` does,
// supplementary groups dropped by libuv) so that the child we hold IS the
// postmaster — kill() and the watchdog signal it directly, not a runuser
// parent that would not pass SIGKILL on.
//
// Nothing leaks, however the starting process ends:
//  - destroy()/stop() shut the postmaster down (SIGINT = fast shutdown);
//  - process.on('exit') sends that signal to every cluster still running;
//  - a watchdog (a small node process, its own process group) holds a pipe
//    from us: when we die in any way — SIGKILL included, which runs no exit
//    hook — the kernel closes the pipe, and the watchdog stops the postmaster
//    (SIGKILL after 10 s) and removes the folder if it was a temp one.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export interface PostgresClusterOptions {
  /**
   * The cluster's folder (data/, the log, the unix socket). Default: a new
   * temp folder. A folder already holding a cluster (data/PG_VERSION) is
   * started as it is, not initialised again.
   */
  dir?: string;
  /**
   * Default false: a test cluster's data is thrown away at the end, so there
   * is nothing to make durable against a power cut, and fsync (and
   * full_page_writes) off makes CREATE DATABASE and each commit several times
   * faster on a shared CI disk. A crash of PostgreSQL alone (kill -9) still
   * loses no commit: every commit is written to the WAL file (synchronous_commit
   * stays on), only not flushed to the disk. Benches, which measure commit
   * latency, and a cluster kept for real use pass true.
   */
  fsync?: boolean;
  /** The PostgreSQL bin folder (initdb, postgres). Default: findPostgresBinDir(). */
  binDir?: string;
  /** Default: a free port on 127.0.0.1 (another is tried if it is taken before PostgreSQL binds it). */
  port?: number;
  /** max_connections; default 200 (test halls, several server processes, benches). */
  maxConnections?: number;
  /** More server settings, `name=value` each (a bench's pg_stat_statements). */
  settings?: string[];
}

export interface PostgresCluster {
  /** The maintenance database's URL: postgres://postgres@127.0.0.1:<port>/postgres. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly socketDir: string;
  readonly dataDir: string;
  /** The folder holding everything (removed by destroy()). */
  readonly dir: string;
  /** Creates a fresh, empty database (default name: t_<random>) and gives its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (clients disconnected, a clean checkpoint). */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster — a crash, for fault tests. start() recovers. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data after stop() or kill(). */
  start(): Promise<void>;
  /** stop() and remove the folder. */
  destroy(): Promise<void>;
  readonly running: boolean;
}

export const POSTGRES_USER = 'postgres';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
/** sun_path is 108 bytes; the socket's name is `.s.PGSQL.<port>`. */
const MAX_SOCKET_DIR_LENGTH = 90;

export class PostgresNotInstalledError extends Error {}

/**
 * The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres
 * (Debian's layout); HALLDESK_POSTGRES_BIN overrides. `roots` is for tests.
 */
export function findPostgresBinDir(
  roots: readonly string[] = ['/usr/lib/postgresql'],
  env: NodeJS.ProcessEnv = process.env,
): string {
  const given = env.HALLDESK_POSTGRES_BIN;
  if (given) {
    if (hasBinaries(given)) return given;
    throw new PostgresNotInstalledError(notInstalledMessage([given]));
  }
  const candidates: { dir: string; version: number[] }[] = [];
  for (const root of roots) {
    let versions: string[];
    try {
      versions = readdirSync(root);
    } catch {
      continue;
    }
    for (const version of versions) {
      const dir = join(root, version, 'bin');
      if (hasBinaries(dir)) candidates.push({ dir, version: version.split('.').map(Number) });
    }
  }
  candidates.sort((a, b) => compareVersions(b.version, a.version));
  if (candidates[0]) return candidates[0].dir;
  throw new PostgresNotInstalledError(notInstalledMessage(roots.map((root) => join(root, '*', 'bin'))));
}

function hasBinaries(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0 && !Number.isNaN(diff)) return diff;
  }
  return 0;
}

function notInstalledMessage(looked: readonly string[]): string {
  return (
    `PostgreSQL 未安装：在 ${looked.join('、')} 找不到 initdb 和 postgres。` +
    `请安装：apt-get install postgresql（或用环境变量 HALLDESK_POSTGRES_BIN 指定其 bin 目录）。` +
    ` (PostgreSQL is not installed: no initdb and postgres in ${looked.join(', ')}. ` +
    `Install it with apt-get install postgresql, or set HALLDESK_POSTGRES_BIN to its bin folder.)`
  );
}

/** The postgres user's uid/gid when we are root (PostgreSQL will not run as root), else null. */
function postgresUserIfRoot(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new PostgresNotInstalledError(
      `以 root 运行时需要系统用户 ${POSTGRES_USER}（由 postgresql 软件包创建），但找不到。请安装：apt-get install postgresql。` +
        ` (Running as root needs the ${POSTGRES_USER} user that the postgresql package creates; it is missing.)`,
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Clusters of this process still running: the exit hook stops them. */
const live = new Set<{ pid: () => number | null }>();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const cluster of live) {
      const pid = cluster.pid();
      if (pid !== null) signal(pid, 'SIGINT');
    }
  });
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

// The watchdog: stdin is a pipe from the process that started the cluster.
// It never writes to it; when the pipe ends, that process is gone.
const WATCHDOG = `
const fs = require('node:fs');
const [dataDir, dir, socketDir, removeDir] = process.argv.slice(1);
const pidOf = () => { try { return Number(fs.readFileSync(dataDir + '/postmaster.pid', 'utf8').split('\\n')[0]) || null; } catch { return null; } };
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
process.stdin.resume();
process.stdin.on('error', () => {});
process.stdin.on('close', () => {
  const pid = pidOf();
  if (pid !== null && alive(pid)) { try { process.kill(pid, 'SIGINT'); } catch {} }
  const started = Date.now();
  const tick = () => {
    if (pid !== null && alive(pid)) {
      if (Date.now() - started > 10000) { try { process.kill(pid, 'SIGKILL'); } catch {} }
      else return setTimeout(tick, 50);
    }
    if (removeDir === '1') { for (const d of [dir, socketDir]) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} } }
    process.exit(0);
  };
  tick();
});
`;

/** Starts (initialising it first if its folder holds none) a PostgreSQL cluster of our own. */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = options.binDir ?? findPostgresBinDir();
  if (!hasBinaries(binDir)) throw new PostgresNotInstalledError(notInstalledMessage([binDir]));
  const owner = postgresUserIfRoot();
  const temp = options.dir === undefined;
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), 'halldesk-pg-')));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  // The socket lives in the folder unless its path would be too long for a unix socket.
  let socketDir = join(dir, 'run');
  if (socketDir.length > MAX_SOCKET_DIR_LENGTH) socketDir = mkdtempSync(join(tmpdir(), 'halldesk-pg-run-'));
  else mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (owner) {
    for (const path of [dir, socketDir]) chownSync(path, owner.uid, owner.gid);
    if (!canTraverse(dir, owner)) {
      throw new Error(
        `用户 ${POSTGRES_USER} 进不去 ${dir} 的上级文件夹，PostgreSQL 无法使用它；请换一个文件夹（如 /tmp 下）。` +
          ` (The ${POSTGRES_USER} user cannot reach ${dir}: a parent folder is not searchable by others.)`,
      );
    }
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const initdb = spawnSync(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', POSTGRES_USER, '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'],
      { ...asOwner, encoding: 'utf8', cwd: dir },
    );
    if (initdb.status !== 0) {
      throw new Error(`initdb 失败 (initdb failed) in ${dataDir}:\n${initdb.stderr || initdb.stdout || String(initdb.error)}`);
    }
  }

  let port = options.port ?? (await freePort());
  const portChosen = options.port === undefined;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let watchdog: ChildProcess | null = null;
  const handle = { pid: () => (child && child.exitCode === null && child.signalCode === null ? (child.pid ?? null) : null) };

  const url = (database: string) => `postgres://${POSTGRES_USER}@${HOST}:${port}/${database}`;

  function armWatchdog() {
    if (watchdog) return;
    watchdog = spawn(process.execPath, ['-e', WATCHDOG, dataDir, dir, socketDir, temp ? '1' : '0'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    watchdog.unref();
    (watchdog.stdin as Socket | null)?.unref();
  }

  function launch(): ChildProcess {
    const log = openSync(logFile, 'a');
    if (owner) chownSync(logFile, owner.uid, owner.gid);
    const settings = [
      `listen_addresses=${HOST}`,
      `unix_socket_directories=${socketDir}`,
      `max_connections=${options.maxConnections ?? 200}`,
      ...(options.fsync ? [] : ['fsync=off', 'full_page_writes=off']),
      ...(options.settings ?? []),
    ];
    const postmaster = spawn(
      join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])],
      { ...asOwner, stdio: ['ignore', log, log], detached: true, cwd: dir },
    );
    closeSync(log);
    return postmaster;
  }

  /** One try: resolves when it accepts connections; rejects with the log's last lines if it exits first. */
  async function startOnce(): Promise<void> {
    const logStart = existsSync(logFile) ? readFileSync(logFile).length : 0;
    const postmaster = launch();
    let gone = false;
    exited = new Promise((resolveExit) => postmaster.once('exit', () => ((gone = true), resolveExit())));
    postmaster.once('error', () => (gone = true));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (gone) {
        const text = readFileSync(logFile).subarray(logStart).toString('utf8');
        throw new StartFailed(
          `PostgreSQL 没有启动 (PostgreSQL did not start) on ${HOST}:${port}, ${dataDir}:\n` +
            text.trim().split('\n').slice(-8).join('\n'),
        );
      }
      if (await accepts()) break;
      if (Date.now() > deadline) {
        signal(postmaster.pid!, 'SIGKILL');
        throw new Error(`PostgreSQL 在 ${READY_TIMEOUT_MS / 1000} 秒内没有就绪 (not ready in time); log: ${logFile}`);
      }
      await sleep(25);
    }
    child = postmaster;
    live.add(handle);
    hookExit();
    armWatchdog();
  }

  async function accepts(): Promise<boolean> {
    // Through our own unix socket: on 127.0.0.1:<port> another cluster could be answering.
    const client = new pg.Client({ host: socketDir, port, user: POSTGRES_USER, database: 'postgres', connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  }

  async function start(): Promise<void> {
    if (handle.pid() !== null) return;
    // A port taken between freePort() and the bind: another port, if we chose it.
    // A postmaster just killed: its last children may hold the shared memory for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await startOnce();
        return;
      } catch (error) {
        if (!(error instanceof StartFailed) || attempt >= 40) throw error;
        if (/Address already in use/i.test(error.message)) {
          if (!portChosen || attempt >= 5) throw error;
          port = await freePort();
        } else if (/shared memory block .* is still in use|lock file .* already exists/i.test(error.message)) {
          await sleep(100);
        } else {
          throw error;
        }
      }
    }
  }

  async function shutDown(name: NodeJS.Signals): Promise<void> {
    const pid = handle.pid();
    if (pid === null) return;
    signal(pid, name);
    await exited;
    child = null;
    live.delete(handle);
  }

  try {
    await start();
  } catch (error) {
    if (temp) for (const path of [dir, socketDir]) rmSync(path, { recursive: true, force: true });
    throw error;
  }

  return {
    get url() {
      return url('postgres');
    },
    get port() {
      return port;
    },
    host: HOST,
    socketDir,
    dataDir,
    dir,
    get running() {
      return handle.pid() !== null;
    },
    // FILE_COPY (two checkpoints, then a file copy) is ~15 ms against ~50 ms for
    // PostgreSQL 15's default WAL_LOG when checkpoints cost nothing, i.e. fsync off.
    createDatabase: (name?: string) => createDatabaseAt(url('postgres'), name, { fileCopy: !options.fsync }),
    stop: () => shutDown('SIGINT'),
    kill: () => shutDown('SIGKILL'),
    start,
    async destroy() {
      await shutDown('SIGINT');
      watchdog?.kill('SIGKILL');
      watchdog = null;
      rmSync(dir, { recursive: true, force: true });
      if (!socketDir.startsWith(dir)) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

class StartFailed extends Error {}

/**
 * CREATE DATABASE on the cluster of `maintenanceUrl` (a superuser's URL), a
 * fresh empty one named `name` (default t_<random>); gives its URL.
 * `fileCopy`: STRATEGY FILE_COPY where the server has it (≥ 15) — the faster
 * one when fsync is off.
 */
export async function createDatabaseAt(
  maintenanceUrl: string,
  name = `t_${randomBytes(6).toString('hex')}`,
  options: { fileCopy?: boolean } = {},
): Promise<string> {
  if (!DATABASE_NAME.test(name)) throw new Error(`数据库名不正确 (bad database name): ${name}`);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
    const strategy = options.fileCopy && version >= 150000 ? ' STRATEGY FILE_COPY' : '';
    await client.query(`CREATE DATABASE "${name}"${strategy}`);
  } finally {
    await client.end();
  }
  const target = new URL(maintenanceUrl);
  target.pathname = `/${name}`;
  return target.toString();
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** Whether `user` may search every folder from / down to `dir` (so PostgreSQL can open files in it). */
function canTraverse(dir: string, user: { uid: number; gid: number }): boolean {
  const probe = spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid });
  return probe.status === 0;
}

