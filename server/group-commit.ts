// Group commit: durable answers without fsync on the event loop.
//
// With synchronous=FULL every commit fsyncs the WAL inside the (synchronous)
// better-sqlite3 call, so one slow disk flush freezes every request, event
// stream and timer of the hall. Instead the server's connection commits with
// synchronous=NORMAL (WAL frames written, not flushed) and this module
// flushes the WAL file with an asynchronous fsync (libuv's thread pool): an
// answer that shows anything committed is held back until a flush that began
// after that commit has finished — the same promise to the client as FULL (a
// power cut loses nothing that was answered), while the event loop keeps
// serving. A commit made while a flush runs starts a second flush at once;
// commits made while two run share the next one.
//
// Checkpoints (copying the WAL into the database file, which fsyncs it) are
// taken off the event loop too: the server's connection never checkpoints by
// itself (wal_autocheckpoint=0); a worker thread with its own connection runs
// PASSIVE checkpoints (server/checkpoints.ts), and under heavy load asks the
// server's connection to copy the last few frames so that the WAL can start
// again from its beginning.
import { close as closeCallback, fsync as fsyncCallback, open as openCallback } from 'node:fs';
import { promisify } from 'node:util';
import type { HallDatabase } from './db.ts';
import { dialectOf } from './storage/hall-database.ts';

const fsyncFile = promisify(fsyncCallback);
/** Flushes of the WAL running at one time at most; commits meanwhile share the next. */
const MAX_FLUSHES_AT_ONCE = 2;
const openFile = promisify(openCallback);
const closeFile = promisify(closeCallback);

export interface GroupCommit {
  /** A mark to pass to durable(): what this connection had changed so far. */
  mark(): number;
  /**
   * Resolves once everything committed on this connection since `mark` (or
   * ever, without one) is on disk — at once when that is nothing. A request
   * takes a mark before its handler and awaits this before its answer, so an
   * answer that reports a change is never sent before the change is durable,
   * and a request that changed nothing is not held behind a slow disk.
   * (Another request may meanwhile read a commit whose flush is still
   * running; the write's own answer, which is what a client acts on, waits.)
   */
  durable(mark?: number): Promise<void>;
  /** Commits made / flushes done, for benches and tests. */
  stats(): { flushes: number; waits: number };
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  /** The database file; its WAL is `${path}-wal`. */
  path: string;
  /** Flushes one file (tests inject a slow disk). */
  flush?: (fd: number) => Promise<void>;
  /** Told as each flush begins: there are commits in the WAL (the hall starts its checkpoint worker then). */
  flushing?: () => void;
}

/**
 * Switches `db` to synchronous=NORMAL with manual checkpoints and returns the
 * flusher. For a database that is not a file (':memory:'), every answer is
 * "durable" at once and nothing changes.
 */
export function startGroupCommit(db: HallDatabase, { path, flush = fsyncFile, flushing = () => {} }: GroupCommitOptions): GroupCommit {
  // PostgreSQL's COMMIT returns once the change is durable (synchronous_commit = on): nothing to hold.
  if (db.memory || dialectOf(db) === 'postgres') {
    return { mark: () => 0, durable: () => Promise.resolve(), stats: () => ({ flushes: 0, waits: 0 }), close: () => Promise.resolve() };
  }
  const changesSoFar = db.prepare<[], number>('SELECT total_changes()').pluck();
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  // Opened at the first flush: by then a commit has made sure the WAL exists.
  let walFile: Promise<number> | null = null;
  const wal = () => {
    walFile ??= openFile(`${path}-wal`, 'r');
    walFile.catch(() => (walFile = null));
    return walFile;
  };

  /** total_changes() covered by the last finished flush. */
  let durableChanges = changesSoFar.get()!;
  /** Flushes running now, oldest first, each with the total it covers. */
  const running: { covers: number; done: Promise<void> }[] = [];
  /** The flush to start when a running one ends (shared by all who wait for it). */
  let next: Promise<void> | null = null;
  let flushes = 0;
  let waits = 0;

  function startFlush(): Promise<void> {
    const covers = changesSoFar.get()!;
    const done = (async () => {
      flushing();
      await flush(await wal());
      flushes++;
      durableChanges = Math.max(durableChanges, covers);
    })();
    const entry = { covers, done };
    running.push(entry);
    const clear = () => void running.splice(running.indexOf(entry), 1);
    done.then(clear, clear);
    return done;
  }

  return {
    mark: () => changesSoFar.get()!,
    durable(mark = 0) {
      const pending = changesSoFar.get()!;
      if (pending <= Math.max(mark, durableChanges)) return Promise.resolve();
      waits++;
      const latest = running.at(-1);
      if (latest && latest.covers >= pending) return latest.done;
      // Every running flush began before this commit. A second one starts at
      // once — the answer waits about one fsync, not the rest of the running
      // one and then its own (two, at the p99 of a shared disk 15–35 ms).
      if (running.length < MAX_FLUSHES_AT_ONCE) return startFlush();
      next ??= Promise.race(running.map((flushing) => flushing.done.catch(() => undefined))).then(() => {
        next = null;
        return startFlush();
      });
      return next;
    },
    stats: () => ({ flushes, waits }),
    async close() {
      await Promise.allSettled([...running.map((flushing) => flushing.done), next]);
      // Forget the descriptor before closing it: a second close() must not close
      // whatever file has since been given the same number.
      const file = walFile;
      walFile = null;
      const fd = await file?.catch(() => null);
      if (fd !== null && fd !== undefined) await closeFile(fd);
    },
  };
}
