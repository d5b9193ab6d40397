// WAL checkpoints on a worker thread (see server/group-commit.ts): copying the
// WAL into the database file ends in an fsync of the database file, which
// must not run on the event loop. The worker has its own connection and runs
// PASSIVE checkpoints (they never block the server's writes) every second
// while the WAL has frames not yet copied. The worker's code is a string so
// that it runs the same from the sources and from the server bundle.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 1000 });
db.pragma('synchronous = NORMAL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.close();
  }
});
`;

export interface Checkpoints {
  /** Checkpoints once more, closes the worker's connection and ends it. */
  stop(): Promise<void>;
}

export function startCheckpoints(path: string, { everyMs = 1000, log = (_line: string) => {} } = {}): Checkpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs } });
  worker.unref();
  worker.on('message', (message: { type: string; message?: string }) => {
    if (message.type === 'error') log(`WAL checkpoint failed: ${message.message}`);
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
