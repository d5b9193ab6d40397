// Counter migration 23 (issue 20, point 1): typed_ticket — the tickets this
// window served offline — takes two-letter line tickets and walk-ins of any
// window code; the rows served before survive the rebuild, and the CHECK still
// refuses what is not a ticket number.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrate } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';
import { TICKET_NUMBER } from '../../common/hall-codes.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith('tickets served offline take two-letter')) + 1;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('keeps the tickets served offline and takes AB012, AB1234, WB12-001, W101-020 and W2A01-999', () => {
  expect(VERSION).toBeGreaterThan(22);
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-mig-wide-'));
  dirs.push(dir);
  let db = new Database(join(dir, 'counter.db'));
  migrate(db, migrations.slice(0, VERSION - 1));
  const insert = () =>
    db.prepare('INSERT INTO typed_ticket (number, day, window_id, staff_no, served_at) VALUES (?, ?, ?, ?, ?)');
  insert().run('A012', '2026-12-06', 3, '1003', 't1');
  insert().run('B1234', '2026-12-06', 3, '1003', 't2');
  insert().run('W03-007', '2026-12-06', 3, '1003', 't3');
  expect(() => insert().run('AB012', '2026-12-06', 3, '1003', 't')).toThrow(/CHECK/);
  const before = db.prepare('SELECT * FROM typed_ticket ORDER BY number').all();
  db.close();

  db = new Database(join(dir, 'counter.db'));
  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  expect(db.prepare('SELECT * FROM typed_ticket ORDER BY number').all()).toEqual(before);
  const good = ['AB012', 'AX1234', 'Z999', 'WB12-001', 'W101-020', 'W2A01-999', 'WW1-001', 'W3-001', 'W012'];
  for (const number of good) {
    expect(TICKET_NUMBER.test(number), number).toBe(true);
    insert().run(number, '2026-12-07', 400, '1001', 't');
  }
  // Refused alike by the schema (common/hall-codes.ts) and the table.
  const bad = ['ABC012', 'AB12', 'AB12345', 'ab012', 'W-001', 'WB1234-001', 'Wb12-001', 'WB12-01', 'WB12-0001', 'WB 1-001', 'W03-00A', 'A012-001'];
  for (const number of bad) {
    expect(TICKET_NUMBER.test(number), number).toBe(false);
    expect(() => insert().run(number, '2026-12-07', 400, '1001', 't'), number).toThrow(/CHECK/);
  }
  expect(() => insert().run('AB012', '2026-12-07', 400, '1001', 't')).toThrow(/UNIQUE|PRIMARY/);
  expect(() => insert().run('AB013', '7 December', 400, '1001', 't')).toThrow(/CHECK/);
  expect(db.prepare('SELECT COUNT(*) FROM typed_ticket').pluck().get()).toBe(3 + good.length);
  db.close();
});
