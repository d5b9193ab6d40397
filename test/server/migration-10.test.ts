// Hall server migration 10 (queue routine): tickets, hall_log and
// ticket_conflicts rebuilt with every row, id/version and AUTOINCREMENT
// counter kept; the new states and tables hold their rules.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrate, migrations } from '../../server/db.ts';

it('migration 10 keeps tickets, the hall log and ticket conflicts with their counters, and adds 挂起, pauses and appointments', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 9));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('d1', 1, 'c', 'counter', 1, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id) VALUES ('2026-12-07', 'A', ?, ?, 'normal', ?, '2026-12-07T01:00:00Z', 'd1', ?)",
  );
  issue.run(1, 'A001', 'completed', 1);
  issue.run(2, 'A002', 'called', 1);
  issue.run(3, 'A003', 'waiting', null);
  db.prepare("DELETE FROM tickets WHERE number = 'A003'").run(); // the counter moves past deleted ids
  const log = db.prepare("INSERT INTO hall_log (at, action, device_id, window_id, ticket_id) VALUES ('2026-12-07T01:00:00Z', ?, 'd1', 1, ?)");
  log.run('call', 1);
  log.run('complete', 1);
  log.run('call', 2);
  db.prepare(
    "INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_status, received_at) VALUES ('A001', 'd1', 7, 1, '1001', 'x', 'r', 'completed', 'y')",
  ).run();
  const before = {
    tickets: db.prepare('SELECT * FROM tickets ORDER BY id').all(),
    log: db.prepare('SELECT * FROM hall_log ORDER BY version').all(),
    conflicts: db.prepare('SELECT * FROM ticket_conflicts').all(),
    sequences: db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all(),
  };

  migrate(db, migrations.slice(0, 10));
  expect(db.pragma('user_version', { simple: true })).toBe(10);
  const oldColumns = 'id, day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at, recall_count, ended_at';
  expect(db.prepare(`SELECT ${oldColumns} FROM tickets ORDER BY id`).all()).toEqual(before.tickets);
  expect(db.prepare('SELECT * FROM hall_log ORDER BY version').all()).toEqual(before.log);
  expect(db.prepare('SELECT * FROM ticket_conflicts').all()).toEqual(before.conflicts);
  expect(db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all()).toEqual(before.sequences);
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tickets' ORDER BY name").pluck().all()).toEqual(
    expect.arrayContaining(['tickets_current', 'tickets_waiting', 'tickets_by_number', 'tickets_parked']),
  );
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'hall_log'").pluck().all()).toContain('hall_log_by_at');

  // New ids continue after the old counter (A003's id 3 is not reused).
  const next = issue.run(4, 'A004', 'waiting', null);
  expect(Number(next.lastInsertRowid)).toBe(4);
  // 挂起 needs the window that parked it; unknown states and actions are refused.
  expect(() => db.prepare("UPDATE tickets SET status = 'parked', window_id = NULL WHERE id = 4").run()).toThrow(/CHECK/);
  db.prepare("UPDATE tickets SET status = 'parked', window_id = 1 WHERE id = 4").run();
  expect(() => db.prepare("UPDATE tickets SET status = 'lost' WHERE id = 4").run()).toThrow(/CHECK/);
  // A window holds one current ticket still.
  expect(() => db.prepare("UPDATE tickets SET status = 'called', window_id = 1 WHERE id = 4").run()).toThrow(/UNIQUE/);
  for (const action of ['transfer', 'park', 'pause', 'resume', 'check_in', 'priority']) log.run(action, null);
  expect(() => log.run('teleport', null)).toThrow(/CHECK/);
  db.prepare(
    "INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_status, received_at) VALUES ('A004', 'd1', 8, 1, '1001', 'x', 'r', 'parked', 'y')",
  ).run();

  const pause = db.prepare(
    "INSERT INTO window_pauses (window_id, reason, paused_at, device_id) VALUES (?, ?, '2026-12-07T04:00:00Z', 'd1')",
  );
  pause.run(1, '午休');
  expect(() => pause.run(2, '')).toThrow(/CHECK/);
  expect(() => pause.run(1, '临时离开')).toThrow(/UNIQUE|PRIMARY/);

  const book = db.prepare(
    "INSERT INTO appointments (code, id_hash, id_masked, name_masked, line_id, day, slot_start, slot_end, created_at) VALUES (?, ?, '1101**********002X', '张*', 'A', '2026-12-07', ?, ?, 'now')",
  );
  book.run('YY0001', 'a'.repeat(64), '09:00', '09:30');
  expect(() => book.run('YY0002', 'a'.repeat(64), '09:30', '09:00')).toThrow(/CHECK/);
  expect(() => book.run('YY0003', 'short', '09:00', '09:30')).toThrow(/CHECK/);
  expect(() => db.prepare("UPDATE appointments SET ticket_id = 4 WHERE code = 'YY0001'").run()).toThrow(/CHECK/);
  db.prepare("UPDATE appointments SET ticket_id = 4, checked_in_at = 'now' WHERE code = 'YY0001'").run();
  expect(() => db.prepare("UPDATE appointments SET ticket_id = 99, checked_in_at = 'now' WHERE code = 'YY0001'").run()).toThrow(/FOREIGN KEY/);
  db.close();
});
