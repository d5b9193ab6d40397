// Group commit (server/group-commit.ts, server/checkpoints.ts): an answer that
// reports a change waits until the change is on disk, but a slow disk no
// longer freezes the hall — requests that change nothing are answered while a
// flush hangs, and commits made during flushes share the next one. The real
// hall server over real HTTP on a real SQLite file; only the disk's flush is
// replaced by one the test holds.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Enrollment, EnrollmentCode, IssuedTicket } from '../../common/http-api.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A disk whose flushes finish only when the test lets them. */
function heldDisk() {
  let held = false;
  const waiting: (() => void)[] = [];
  let flushes = 0;
  return {
    flush: async () => {
      flushes++;
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    hold: () => (held = true),
    release() {
      held = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    flushes: () => flushes,
    waiting: () => waiting.length,
  };
}

async function start(disk?: ReturnType<typeof heldDisk>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-group-commit-'));
  const dbPath = join(dataDir, 'hall.sqlite');
  const server: HallServer = createHallServer({ dbPath, adminToken: 'admin', seedDir: DEMO_SEED_DIR, flushWal: disk?.flush });
  const url = await server.listen(0, '127.0.0.1');
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => server.close());
  const post = async (path: string, body: unknown, token: string) => {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  };
  const { code } = EnrollmentCode.parse((await post('/v1/admin/enrollment-codes', { role: 'kiosk', windowId: null }, 'admin')).json);
  const kiosk = Enrollment.parse((await post('/v1/devices/enroll', { code, deviceName: 'kiosk' }, '')).json);
  return { url, dbPath, post, kioskToken: kiosk.token };
}

/** Settles to 'pending' if `promise` has not settled within `ms`. */
const within = <T,>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe('group commit', () => {
  it('holds a change’s answer until its flush ends, and answers other requests meanwhile', async () => {
    const disk = heldDisk();
    const hall = await start(disk);
    disk.hold();
    const issuing = hall.post('/v1/tickets', { lineId: 'A' }, hall.kioskToken);
    // The ticket is committed (another connection sees it) but not answered while the flush hangs.
    await expect.poll(() => disk.waiting()).toBe(1);
    const reader = new Database(hall.dbPath, { readonly: true });
    expect(reader.prepare("SELECT COUNT(*) FROM tickets WHERE status = 'waiting'").pluck().get()).toBe(1);
    reader.close();
    expect(await within(issuing, 300)).toBe('pending');
    // Requests that change nothing are not held behind the disk.
    const health = await within(fetch(hall.url + '/v1/health').then((response) => response.status), 5000);
    expect(health).toBe(200);
    const summary = await within(
      fetch(hall.url + '/v1/queue/summary', { headers: { authorization: `Bearer ${hall.kioskToken}` } }).then((r) => r.status),
      5000,
    );
    expect(summary).toBe(200);
    disk.release();
    const answered = await issuing;
    expect(answered.status).toBe(200);
    expect(IssuedTicket.parse(answered.json).ticket.lineId).toBe('A');
  });

  it('a commit made during a flush starts a second one at once; commits made while two run share the next', async () => {
    const disk = heldDisk();
    const hall = await start(disk);
    disk.hold();
    const first = hall.post('/v1/tickets', { lineId: 'A' }, hall.kioskToken);
    await expect.poll(() => disk.waiting()).toBe(1);
    const before = disk.flushes();
    const more = Array.from({ length: 20 }, () => hall.post('/v1/tickets', { lineId: 'B' }, hall.kioskToken));
    // All 20 committed while the flushes hang: none is answered yet. The first of
    // them started a second flush (an answer waits about one fsync, not two); the
    // others wait for the next, not a flush each.
    expect(await within(Promise.race(more), 300)).toBe('pending');
    expect(disk.waiting()).toBe(2);
    disk.release();
    const answers = await Promise.all([first, ...more]);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // The second flush and the next carried the 20 (and one more, if the last commits landed after the next began).
    expect(disk.flushes() - before).toBeGreaterThanOrEqual(2);
    expect(disk.flushes() - before).toBeLessThanOrEqual(3);
  });

  it('leaves checkpoints to a worker thread: the database file alone catches up with the WAL', async () => {
    const hall = await start();
    for (let i = 0; i < 30; i++) expect((await hall.post('/v1/tickets', { lineId: 'A' }, hall.kioskToken)).status).toBe(200);
    // What the database file holds without its WAL is what has been checkpointed;
    // the server's own connection never checkpoints (wal_autocheckpoint=0).
    const checkpointedTickets = () => {
      const copy = join(mkdtempSync(join(tmpdir(), 'halldesk-db-file-')), 'copy.sqlite');
      copyFileSync(hall.dbPath, copy);
      const db = new Database(copy, { readonly: true });
      try {
        return db.prepare('SELECT COUNT(*) FROM tickets').pluck().get();
      } catch {
        return 'no tickets table yet';
      } finally {
        db.close();
        rmSync(dirname(copy), { recursive: true, force: true });
      }
    };
    await expect.poll(checkpointedTickets, { timeout: 10_000, interval: 200 }).toBe(30);
  });
});
