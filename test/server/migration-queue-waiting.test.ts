// Hall server migration "each line's waiting count kept as tickets change":
// the counts start from the tickets already waiting (by effective line), the
// triggers keep them through issue, call, 转业务, re-queue and delete, and the
// counter's stream=queue page reads them and its own tickets by index.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrate, migrations } from '../../server/db.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith("each line's waiting count")) + 1;

it('counts the waiting tickets already there and keeps the counts as tickets change', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, VERSION - 1));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES (?, ?, ?, ?, 'normal', ?, '2026-12-07T01:00:00Z', 'k')",
  );
  issue.run('2026-12-06', 'A', 1, 'A001', 'waiting'); // yesterday's, still waiting
  issue.run('2026-12-07', 'A', 1, 'A001', 'waiting');
  issue.run('2026-12-07', 'A', 2, 'A002', 'completed');
  issue.run('2026-12-07', 'B', 1, 'B001', 'waiting');
  db.prepare("UPDATE tickets SET queue_line_id = 'A' WHERE day = '2026-12-07' AND number = 'B001'").run(); // 转业务 to A

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  const counts = () =>
    db.prepare('SELECT day, line_id, waiting FROM queue_waiting WHERE waiting > 0 ORDER BY day, line_id').raw().all();
  expect(counts()).toEqual([
    ['2026-12-06', 'A', 1],
    ['2026-12-07', 'A', 2],
  ]);

  issue.run('2026-12-07', 'C', 1, 'C001', 'waiting');
  issue.run('2026-12-07', 'C', 2, 'C002', 'called'); // a typed ticket, never waiting
  db.prepare("UPDATE tickets SET status = 'called', window_id = 1 WHERE day = '2026-12-07' AND number = 'A001'").run();
  db.prepare("UPDATE tickets SET queue_line_id = 'C' WHERE day = '2026-12-07' AND number = 'B001'").run();
  db.prepare("UPDATE tickets SET status = 'waiting', window_id = NULL, queue_line_id = 'B' WHERE day = '2026-12-07' AND number = 'A002'").run();
  db.prepare("UPDATE tickets SET priority = 'green' WHERE day = '2026-12-07' AND number = 'C001'").run(); // no count change
  db.prepare("DELETE FROM tickets WHERE day = '2026-12-06'").run();
  expect(counts()).toEqual([
    ['2026-12-07', 'B', 1],
    ['2026-12-07', 'C', 2],
  ]);
  expect(() => db.prepare("UPDATE queue_waiting SET waiting = -1 WHERE line_id = 'B'").run()).toThrow(/CHECK/);

  const plan = (sql: string, ...args: unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((row) => row.detail).join('\n');
  expect(plan('SELECT line_id, waiting FROM queue_waiting WHERE day = ? AND waiting > 0 ORDER BY line_id', DAY)).toMatch(
    /SEARCH queue_waiting USING PRIMARY KEY \(day=\?\)/,
  );
  const mine = plan('SELECT * FROM tickets WHERE issued_by = ? AND day = ? ORDER BY id', 'k', DAY);
  expect(mine).toMatch(/SEARCH tickets USING INDEX tickets_by_issuer \(issued_by=\? AND day=\?\)/);
  db.close();
});

const DAY = '2026-12-07';
