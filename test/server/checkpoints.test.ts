// WAL checkpoints (server/checkpoints.ts) under a steady stream of commits:
// the worker's passes alone never find the WAL all copied, so the WAL never
// started again and grew without end; the server's connection finishing the
// last few frames lets the next write start it from the beginning. A real
// SQLite file, the real worker thread, commits about every millisecond.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startCheckpoints } from '../../server/checkpoints.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database set up as the hall server's connection is (server/group-commit.ts): it never checkpoints by itself. */
function serverConnection() {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-checkpoints-'));
  const path = join(dir, 'hall.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { db, path };
}

it('under a steady stream of commits the WAL starts again from its beginning instead of growing', async () => {
  const { db, path } = serverConnection();
  let finishes = 0;
  const checkpoints = startCheckpoints(path, {
    everyMs: 20,
    finishAfterFrames: 256,
    finish: () => {
      finishes++;
      db.pragma('wal_checkpoint(PASSIVE)');
    },
  });
  cleanups.push(() => checkpoints.stop());
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  const body = randomBytes(12_000); // 3 pages and more a commit
  let commits = 0;
  let largestWal = 0;
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    insert.run(body);
    commits++;
    largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const written = commits * body.length;
  // Without the finishing pass the WAL held every commit: `written` and more.
  expect(written).toBeGreaterThan(20 * 1024 * 1024);
  expect(finishes).toBeGreaterThan(0);
  expect(largestWal).toBeLessThan(written / 4);
  // Nothing was lost on the way: every row is in the database.
  expect(db.prepare('SELECT COUNT(*) FROM rows').pluck().get()).toBe(commits);
  await checkpoints.stop();
  db.close();
  const reopened = new Database(path, { readonly: true });
  expect(reopened.prepare('SELECT COUNT(*) FROM rows').pluck().get()).toBe(commits);
  reopened.close();
});
