// Several hall server processes on one database (issue 19, point 2):
// `--workers N` (or HALL_WORKERS=N) makes the command a node:cluster primary
// that forks N workers; they share the listening port (the primary accepts
// and hands connections round-robin), each runs the whole hall server over
// the same database.
//
// - The first worker is started alone and the others only once it listens:
//   it migrates and seeds the database, so the others find it ready (two
//   workers seeding an empty database at once would both seed it).
// - A worker that dies is started again, after a back-off that doubles with
//   each death in a row (RESTART_FIRST_MS … RESTART_MAX_MS) and starts over
//   once a worker has stayed up for STABLE_AFTER_MS. Each start and death is
//   a JSON line on the log. A worker that dies before the hall first listened
//   (a wrong database URL, a port in use) stops the whole command: its error
//   is the command's.
// - SIGTERM / SIGINT to the primary: every worker is told SIGTERM, closes its
//   streams, answers what is in flight and closes the database; the primary
//   waits for them (SIGKILL after STOP_GRACE_MS), then exits.
// - With SQLite, N > 1 is refused: one process owns the file (its write lock,
//   the group commit and the checkpoints assume it). N = 1 is allowed: one
//   worker, restarted when it dies.
//
// In-process state that assumed one process, and what became of it, is listed
// in docs/architecture.md (the hall server, several processes).
import cluster, { type Worker } from 'node:cluster';

/** More is surely a typo: a machine runs a worker per core at most. */
export const MAX_WORKERS = 64;
export const RESTART_FIRST_MS = 250;
export const RESTART_MAX_MS = 30_000;
/** A worker up this long resets the back-off. */
export const STABLE_AFTER_MS = 30_000;
/** How long the primary waits for workers to close before it kills them. */
export const STOP_GRACE_MS = 15_000;

/** What a worker tells the primary once it listens. */
export interface WorkerReady {
  type: 'hall-worker-ready';
  url: string;
}

/** Refusals of the option, in Chinese then English (an operator may read either). */
export class WorkersOptionError extends Error {}

/**
 * The number of worker processes asked for: `--workers` first, else
 * HALL_WORKERS; null when neither is given (one plain process, no primary).
 */
export function parseWorkers(option: string | undefined, env: string | undefined): number | null {
  const [text, name] = option !== undefined ? [option, '--workers'] : [env, 'HALL_WORKERS'];
  if (text === undefined || text.trim() === '') return null;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new WorkersOptionError(
      `${name} 应为 1–${MAX_WORKERS} 之间的整数（工作进程个数）：${text}` +
        ` / ${name} must be a whole number of worker processes from 1 to ${MAX_WORKERS}: ${text}`,
    );
  }
  return n;
}

/** Refuses N > 1 workers on a SQLite hall: one process owns the file. */
export function checkWorkersForBackend(workers: number, backend: 'sqlite' | 'postgres'): void {
  if (backend === 'sqlite' && workers > 1) {
    throw new Error(
      `SQLite 数据库只能由一个大厅服务器进程使用，不能启动 ${workers} 个工作进程：` +
        '多进程请改用 PostgreSQL（设置 HALL_DATABASE_URL=postgres://…），或去掉 --workers / HALL_WORKERS。' +
        ` / A SQLite hall database is owned by one server process, so ${workers} workers cannot share it:` +
        ' set HALL_DATABASE_URL=postgres://… to run several, or drop --workers / HALL_WORKERS.',
    );
  }
}

/** The back-off before the n-th restart in a row (n ≥ 1). */
export function restartDelayMs(deathsInARow: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** Math.max(0, deathsInARow - 1));
}

/** True in a worker forked by runPrimary. */
export const isHallWorker = (): boolean => cluster.isWorker;

/** A worker tells the primary it listens (the primary prints the ready line once for all). */
export function reportWorkerReady(url: string): void {
  const message: WorkerReady = { type: 'hall-worker-ready', url };
  process.send?.(message);
}

export interface PrimaryOptions {
  workers: number;
  /** One JSON line per worker start, death and restart. */
  log: (line: string) => void;
  /** Called once, when every worker listens, with the first worker's URL. */
  onReady: (url: string) => void;
  /** Called once, when every worker has exited after a stop (not when the start failed). */
  onStopped: () => void;
  /** Environment added to the workers' (tests). */
  env?: Record<string, string>;
}

export interface Primary {
  /** Resolves when the hall listens with every worker; rejects if the first start fails. */
  ready: Promise<string>;
  /** Stops every worker (as on SIGTERM); resolves when all have exited. */
  stop(): Promise<void>;
}

interface Slot {
  index: number;
  worker: Worker | null;
  startedAt: number;
  deathsInARow: number;
  restart: NodeJS.Timeout | null;
  listening: boolean;
}

/**
 * The primary: forks the workers, restarts those that die, and stops them all
 * on SIGTERM / SIGINT.
 */
export function runPrimary({ workers, log, onReady, onStopped, env = {} }: PrimaryOptions): Primary {
  const slots: Slot[] = Array.from({ length: workers }, (_, index) => ({
    index,
    worker: null,
    startedAt: 0,
    deathsInARow: 0,
    restart: null,
    listening: false,
  }));
  let stopping: Promise<void> | null = null;
  let started = false;
  let url = '';
  const line = (what: string, fields: Record<string, unknown>) =>
    log(JSON.stringify({ at: new Date().toISOString(), what, ...fields }));

  let resolveReady!: (url: string) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Rejections are reported by the caller through `ready`; never unhandled here.
  ready.catch(() => {});

  function fork(slot: Slot): void {
    slot.restart = null;
    slot.listening = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ ...env, HALL_WORKER_INDEX: String(slot.index + 1) });
    slot.worker = worker;
    line('worker started', { worker: slot.index + 1, pid: worker.process.pid });
    worker.on('message', (message: unknown) => {
      if ((message as WorkerReady | null)?.type !== 'hall-worker-ready') return;
      slot.listening = true;
      url ||= (message as WorkerReady).url;
      if (!started) {
        if (slot.index === 0) for (const other of slots.slice(1)) fork(other);
        if (slots.every((each) => each.listening)) {
          started = true;
          resolveReady(url);
          onReady(url);
        }
      }
    });
    worker.on('exit', (code, signal) => {
      slot.worker = null;
      if (stopping) return;
      if (!started) {
        // It never got going (a wrong database URL, a port in use, a database newer than the code): the command fails.
        line('worker failed to start', { worker: slot.index + 1, pid: worker.process.pid, code, signal });
        rejectReady(new Error(`工作进程 ${slot.index + 1} 启动失败（退出码 ${code ?? signal}），原因见上方的错误信息 / worker ${slot.index + 1} failed to start`));
        void stop();
        return;
      }
      slot.deathsInARow = Date.now() - slot.startedAt >= STABLE_AFTER_MS ? 1 : slot.deathsInARow + 1;
      const delay = restartDelayMs(slot.deathsInARow);
      line('worker died', { worker: slot.index + 1, pid: worker.process.pid, code, signal, restartInMs: delay });
      slot.restart = setTimeout(() => fork(slot), delay);
    });
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      for (const slot of slots) {
        if (slot.restart) clearTimeout(slot.restart);
        slot.restart = null;
      }
      const alive = slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
      const exits = alive.map((worker) =>
        worker.isDead() ? Promise.resolve() : new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      );
      for (const worker of alive) if (!worker.isDead()) worker.process.kill('SIGTERM');
      const kill = setTimeout(() => {
        for (const worker of alive) {
          if (worker.isDead()) continue;
          line('worker killed', { pid: worker.process.pid, afterMs: STOP_GRACE_MS });
          worker.process.kill('SIGKILL');
        }
      }, STOP_GRACE_MS);
      await Promise.all(exits);
      clearTimeout(kill);
      if (started) onStopped();
    })();
    return stopping;
  }

  fork(slots[0]!);
  return { ready, stop };
}
