// Hall server migration "report facts" (issue 17): report_services and
// report_ratings are filled from the tickets, cases and ratings already in the
// file (the clerk from the case, else from the window's sign-in before the
// call; the line as queued after 转业务; the item from the case or the
// rating; the hall day in Beijing time, across UTC midnight), and kept up by
// triggers afterwards: 办结 (online and 手动录入票号 served offline), a case
// pushed after 办结, a rating. A 过号 is no service. STRICT tables.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrate, migrations } from '../../server/db.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith('report facts')) + 1;

it('fills the report facts from what the hall holds, then keeps them by trigger', () => {
  expect(VERSION).toBeGreaterThan(11);
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, VERSION - 1));
  db.exec(`
    INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES
      ('k', 1, 'kiosk', 'kiosk', NULL, 'h1', '2026-12-01T00:00:00Z'),
      ('c1', 2, 'counter 1', 'counter', 1, 'h2', '2026-12-01T00:00:00Z');
    INSERT INTO staff_credentials (staff_id, staff_no, password_hash) VALUES (1, '1001', 'x'), (2, '1002', 'x');
    INSERT INTO config_changes (kind, key, value) VALUES ('item', 'GA-1', '{"code":"GA-1","lineId":"C"}');
    -- 1002 signed in at window 1 at 08:30 Beijing; 1001 before, then out.
    INSERT INTO hall_log (at, action, device_id, window_id, staff_id) VALUES
      ('2026-12-05T23:00:00.000Z', 'sign_in', 'c1', 1, 1),
      ('2026-12-06T00:30:00.000Z', 'sign_in', 'c1', 1, 2);
    -- Hall day 2026-12-06 (Beijing) starts 2026-12-05T16:00Z.
    INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at, ended_at, queue_line_id) VALUES
      ('2026-12-06', 'A', 1, 'A001', 'normal', 'completed', '2026-12-06T01:00:00.000Z', 'k', 1, '2026-12-06T01:05:30.000Z', '2026-12-06T01:15:30.400Z', NULL),
      ('2026-12-06', 'A', 2, 'A002', 'normal', 'completed', '2026-12-06T01:01:00.000Z', 'k', 1, '2026-12-06T01:20:00.000Z', '2026-12-06T01:21:00.000Z', 'B'),
      ('2026-12-06', 'A', 3, 'A003', 'normal', 'no_show', '2026-12-06T01:02:00.000Z', 'k', 1, '2026-12-06T01:22:00.000Z', '2026-12-06T01:23:00.000Z', NULL);
    INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
        applicant_masked, decision, status, decided_at, missing_json, seq)
      VALUES ('20261206010000001', 'c1', 1, 'GA-2', '事项', 'instant', '1005', 'A001', '2026-12-06T01:05:30.000Z', '{}', 'accept', 'accepted', '2026-12-06T01:10:00.000Z', '[]', 1);
    INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel, device_address, opened_at, at, seq) VALUES
      ('r1', 'c1', 1, NULL, 'GA-9', 1, '1002', 'A002', 2, 'rated', 'evaluator', 1, '2026-12-06T01:21:00.000Z', '2026-12-06T01:21:09.000Z', 2),
      -- Opened 2026-12-06T17:00Z: hall day 2026-12-07; no ticket that day: the item's line.
      ('r2', 'c1', 2, NULL, 'GA-1', 1, '1002', 'A009', NULL, 'not_rated', 'none', NULL, '2026-12-06T17:00:00.000Z', '2026-12-06T17:01:00.000Z', 3);
  `);

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  const services = () => db.prepare('SELECT * FROM report_services ORDER BY ticket_id').all();
  expect(services()).toEqual([
    // Case names clerk 1005 and item GA-2; 330 s waited, 600.4 s served → 600.
    { ticket_id: 1, day: '2026-12-06', window_id: 1, staff_no: '1005', line_id: 'A', item_code: 'GA-2', wait_s: 330, service_s: 600 },
    // No case: the clerk signed in before the call (1002), the queue line B, the rating's item.
    { ticket_id: 2, day: '2026-12-06', window_id: 1, staff_no: '1002', line_id: 'B', item_code: 'GA-9', wait_s: 1140, service_s: 60 },
  ]);
  expect(db.prepare('SELECT * FROM report_ratings ORDER BY rating_id').all()).toEqual([
    { rating_id: 'r1', day: '2026-12-06', window_id: 1, staff_no: '1002', line_id: 'B', item_code: 'GA-9', level: 2, outcome: 'rated' },
    { rating_id: 'r2', day: '2026-12-07', window_id: 1, staff_no: '1002', line_id: 'C', item_code: 'GA-1', level: null, outcome: 'not_rated' },
  ]);
  for (const table of ['report_services', 'report_ratings']) {
    expect(db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').pluck().get(table)).toMatch(/\) STRICT/);
  }

  // Afterwards, by trigger: 1001 signs in; A004 is called and 办结; its case comes after; then its rating.
  db.exec(`
    INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (1, 1, 'c1', '2026-12-06T02:00:00.000Z');
    INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at) VALUES
      ('2026-12-06', 'C', 1, 'C001', 'normal', 'called', '2026-12-06T02:00:00.000Z', 'k', 1, '2026-12-06T02:02:00.000Z');
    UPDATE tickets SET status = 'completed', ended_at = '2026-12-06T02:09:00.000Z' WHERE number = 'C001';
  `);
  expect(services()[2]).toEqual({ ticket_id: 4, day: '2026-12-06', window_id: 1, staff_no: '1001', line_id: 'C', item_code: null, wait_s: 120, service_s: 420 });
  db.exec(`INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
        applicant_masked, decision, status, decided_at, missing_json, seq)
      VALUES ('20261206010000002', 'c1', 1, 'SW-1', '事项', 'instant', '1001', 'C001', '2026-12-06T02:02:00.000Z', '{}', 'accept', 'accepted', '2026-12-06T02:05:00.000Z', '[]', 4)`);
  expect(services()[2]).toMatchObject({ item_code: 'SW-1', staff_no: '1001' });
  db.exec(`INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel, device_address, opened_at, at, seq)
      VALUES ('r3', 'c1', 3, NULL, 'SW-1', 1, '1001', 'C001', 5, 'rated', 'evaluator', 1, '2026-12-06T02:09:00.000Z', '2026-12-06T02:09:05.000Z', 5)`);
  expect(db.prepare("SELECT line_id, day, level FROM report_ratings WHERE rating_id = 'r3'").get()).toEqual({ line_id: 'C', day: '2026-12-06', level: 5 });
  // 手动录入票号 served offline: waiting → completed at once.
  db.exec(`
    INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES
      ('2026-12-06', 'C', 2, 'C002', 'normal', 'waiting', '2026-12-06T03:00:00.000Z', 'k');
    UPDATE tickets SET status = 'completed', window_id = 1, called_at = '2026-12-06T03:10:00.000Z', ended_at = '2026-12-06T03:12:00.000Z' WHERE number = 'C002';
    UPDATE tickets SET status = 'no_show', ended_at = '2026-12-06T03:20:00.000Z' WHERE number = 'A003';
  `);
  expect(services().map((row) => (row as { ticket_id: number }).ticket_id)).toEqual([1, 2, 4, 5]);
  expect(services()[3]).toMatchObject({ wait_s: 600, service_s: 120, staff_no: '1001' });
  // Ratings stay unedited; their facts are not edited either (no update path).
  expect(() => db.exec("UPDATE ratings SET level = 5 WHERE id = 'r1'")).toThrow(/never edited/);
  db.close();
});

it('the triggers are still there after every later migration (a rebuild of tickets, cases or ratings drops them)', () => {
  const db = new Database(':memory:');
  migrate(db);
  const triggers = db.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'report_%' ORDER BY name").all();
  expect(triggers).toEqual([
    { name: 'report_ratings_on_rating', tbl_name: 'ratings' },
    { name: 'report_services_on_case', tbl_name: 'cases' },
    { name: 'report_services_on_finish', tbl_name: 'tickets' },
  ]);
  db.close();
});
