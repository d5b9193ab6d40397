// Hall server migration "device numbers up to 999999" (issue 20, point 1):
// a hall file that already enrolled up to device 999, with pushed records,
// tickets and walk-ins pointing at its devices, upgrades in place; every
// device keeps its row, rowid, number and token, every child keeps its device,
// the foreign keys still hold, and device 1000 … 999999 can be written.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, migrations } from '../../server/db.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith('device numbers up to 999999')) + 1;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hall-device-numbers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(): Database.Database {
  const db = new Database(join(dir, 'hall.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

const insertDevice = (db: Database.Database, id: string, no: number | null) =>
  db
    .prepare(
      "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES (?, ?, ?, 'counter', 1, ?, '2026-12-07T00:00:00Z')",
    )
    .run(id, no, `柜台 ${id}`, `hash-${id}`);

it('keeps every device and every row that points at one, and then takes numbers past 999', () => {
  expect(VERSION).toBeGreaterThan(11);
  let db = open();
  migrate(db, migrations.slice(0, VERSION - 1));
  // 999 devices: the old cap reached. Device 999 refused past it.
  const fill = db.transaction(() => {
    for (let no = 1; no <= 999; no++) insertDevice(db, `d${no}`, no);
  });
  fill();
  expect(() => insertDevice(db, 'd1000', 1000)).toThrow(/CHECK constraint failed/);
  // Rows in child tables of devices: a pushed record, a ticket issued by a kiosk-like device, a walk-in lease.
  db.prepare(
    `INSERT INTO sync_mutations (device_id, seq, id, name, args, at, hash, prev_hash, status, reason, received_at)
     VALUES ('d999', 1, ?, 'rating.recorded', '{}', '2026-12-07T01:00:00Z', ?, ?, 'applied', NULL, '2026-12-07T01:00:01Z')`,
  ).run('0'.repeat(36), 'a'.repeat(64), '0'.repeat(64));
  db.prepare(
    `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by)
     VALUES ('2026-12-07', 'A', 1, 'A001', 'normal', 'waiting', '2026-12-07T01:00:00Z', 'd7')`,
  ).run();
  const before = db.prepare('SELECT rowid, id, name, role, window_id, token_hash, enrolled_at, device_no FROM devices ORDER BY rowid').all();
  db.close();

  db = open();
  migrate(db);
  expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
  expect(db.prepare('SELECT rowid, id, name, role, window_id, token_hash, enrolled_at, device_no FROM devices ORDER BY rowid').all()).toEqual(before);
  expect(db.pragma('foreign_key_check')).toEqual([]);
  expect(db.prepare("SELECT device_id FROM sync_mutations WHERE seq = 1").pluck().get()).toBe('d999');
  expect(db.prepare("SELECT issued_by FROM tickets WHERE number = 'A001'").pluck().get()).toBe('d7');

  // Past the old cap, up to six digits; still unique, still required; foreign keys still enforced.
  insertDevice(db, 'd1000', 1000);
  insertDevice(db, 'dmax', 999_999);
  expect(() => insertDevice(db, 'dover', 1_000_000)).toThrow(/CHECK constraint failed/);
  expect(() => insertDevice(db, 'dzero', 0)).toThrow(/CHECK constraint failed/);
  expect(() => insertDevice(db, 'dtwin', 1000)).toThrow(/UNIQUE constraint failed: devices.device_no/);
  expect(() => insertDevice(db, 'dnull', null)).toThrow(/NOT NULL constraint failed: devices.device_no/);
  expect(() =>
    db
      .prepare(
        `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by)
         VALUES ('2026-12-07', 'A', 2, 'A002', 'normal', 'waiting', '2026-12-07T01:00:00Z', 'nobody')`,
      )
      .run(),
  ).toThrow(/FOREIGN KEY constraint failed/);
  expect(() => db.prepare("DELETE FROM devices WHERE id = 'd7'").run()).toThrow(/FOREIGN KEY constraint failed/);
  expect(db.prepare('SELECT MAX(device_no) FROM devices').pluck().get()).toBe(999_999);
  db.close();
});

it('an empty hall file migrates straight to the wide numbers', () => {
  const db = open();
  migrate(db);
  insertDevice(db, 'first', 1);
  insertDevice(db, 'wide', 123_456);
  expect(db.prepare('SELECT COUNT(*) FROM devices').pluck().get()).toBe(2);
  db.close();
});
