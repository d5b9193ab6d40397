// WAL checkpoints on a worker thread (see server/group-commit.ts): copying the
// WAL into the database file ends in an fsync of the database file, which
// must not run on the event loop. The worker has its own connection and runs
// PASSIVE checkpoints (they never block the server's writes) four times a
// second, pass after pass while new frames came in meanwhile.
//
// The WAL starts again from its beginning only when a write finds it all
// copied. Under a steady stream of commits (hundreds a second) the worker's
// passes never get there — each ends in an fsync, during which more commits
// arrive — and the WAL grew without end, 60 MB a second at 500 operations a
// second, each new block of the file zeroed by the kernel (a sixth of the
// server's CPU in perf). So once the WAL is big and the worker has copied all
// but a few frames, it asks the server's own connection to copy the rest:
// nothing is written meanwhile, the WAL is all copied, the next write starts
// it again from the beginning. That last pass (at most FINISH_FRAMES pages and
// an fsync) is the only checkpoint work on the event loop, and only under
// such load. The worker's code is a string so that it runs the same from the
// sources and from the server bundle.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 1000 });
db.pragma('synchronous = NORMAL');
// While the server's connection finishes, the worker keeps off: its own pass
// would hold the checkpoint lock and make the server's find it busy.
let finishing = false;
const checkpoint = () => {
  if (finishing) return;
  try {
    // A pass copies the frames there were when it began; those committed while
    // it ran (its copy and fsync) are left. Passes shrink toward that remainder.
    let seen = -1;
    for (let pass = 0; pass < workerData.maxPasses; pass++) {
      const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
      // A small WAL starts again by itself when a write finds it all copied;
      // a WAL smaller than at the last pass has just started again.
      if (log < workerData.finishAfterFrames || log < seen) return;
      const addedDuringLastPass = seen < 0 ? Infinity : log - seen;
      seen = log;
      if (checkpointed >= log && addedDuringLastPass <= workerData.finishFrames) {
        finishing = true;
        parentPort.postMessage({ type: 'finish' });
        return;
      }
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'finished') finishing = false;
  if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  }
});
`;

/** WAL frames (a page each) from which the server's connection finishes a checkpoint: 64 MiB. */
export const FINISH_AFTER_FRAMES = 16_384;
/** At most this many frames left for the server's connection to copy. */
export const FINISH_FRAMES = 256;

export interface CheckpointOptions {
  everyMs?: number;
  /** Passes a round at most. */
  maxPasses?: number;
  /** Copies the rest of the WAL on the server's connection (see above). */
  finish?: () => void;
  /** Default FINISH_AFTER_FRAMES and FINISH_FRAMES (tests make them small). */
  finishAfterFrames?: number;
  finishFrames?: number;
  log?: (line: string) => void;
}

export interface Checkpoints {
  /** Checkpoints once more, closes the worker's connection and ends it. */
  stop(): Promise<void>;
}

export function startCheckpoints(
  path: string,
  {
    everyMs = 250,
    maxPasses = 20,
    finish = () => {},
    finishAfterFrames = FINISH_AFTER_FRAMES,
    finishFrames = FINISH_FRAMES,
    log = (_line: string) => {},
  }: CheckpointOptions = {},
): Checkpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, everyMs, maxPasses, finishAfterFrames, finishFrames },
  });
  worker.unref();
  worker.on('message', (message: { type: string; message?: string }) => {
    if (message.type === 'error') log(`WAL checkpoint failed: ${message.message}`);
    if (message.type !== 'finish') return;
    try {
      finish();
    } catch (error) {
      log(`WAL checkpoint failed: ${(error as Error).message}`);
    }
    worker.postMessage('finished');
  });
  worker.on('error', (error) => log(`WAL checkpoint worker failed: ${error.message}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      await worker.terminate();
    },
  };
}
