// Hall server migration "call-next finds the head of each line and priority
// by an index seek": the partial index tickets_waiting_heads, and the query
// call-next runs per (line, priority) uses it — a seek, no scan of the
// waiting tickets and no sort — also with every head of a window in one
// statement, as call-next asks — so call-next does not slow as the queue grows
// (bench/queue-heads.ts measures it at 200, 10k and 50k waiting).
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrate, migrations } from '../../server/db.ts';
import { WAITING_HEAD, waitingHeadsSql } from '../../server/ticket-ops.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith('call-next finds the head')) + 1;

it('adds the waiting-heads index over the tickets already there, and the head query seeks it', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, VERSION - 1));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES ('2026-12-07', ?, ?, ?, ?, 'waiting', '2026-12-07T01:00:00Z', 'k')",
  );
  issue.run('A', 1, 'A001', 'normal');
  issue.run('A', 2, 'A002', 'green');
  issue.run('A', 3, 'A003', 'normal');
  issue.run('B', 1, 'B001', 'normal');
  // Sent to the front (转业务 … 排在最前) and sent to another window (转窗).
  db.prepare("UPDATE tickets SET sort_key = 0 WHERE number = 'A003'").run();
  db.prepare("UPDATE tickets SET queue_line_id = 'A', target_window_id = 7 WHERE number = 'B001'").run();

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  const head = db.prepare(WAITING_HEAD);
  expect(head.get('2026-12-07', 'A', 'normal', 1)).toMatchObject({ id: 3, lineId: 'A', priority: 'normal', order: 0 });
  expect(head.get('2026-12-07', 'A', 'green', 1)).toMatchObject({ id: 2 });
  // Window 7 may call B001 too (sent to it, now in line A), but A003 was put first, then A001 is older.
  expect(head.get('2026-12-07', 'A', 'normal', 7)).toMatchObject({ id: 3 });
  db.prepare("UPDATE tickets SET status = 'called', window_id = 1 WHERE number = 'A003'").run();
  expect(head.get('2026-12-07', 'A', 'normal', 7)).toMatchObject({ id: 1 });
  db.prepare("UPDATE tickets SET status = 'called', window_id = 2 WHERE number = 'A001'").run();
  expect(head.get('2026-12-07', 'A', 'normal', 7)).toMatchObject({ id: 4 });
  // Another window skips a ticket sent to window 7.
  expect(head.get('2026-12-07', 'A', 'normal', 1)).toBeUndefined();

  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${WAITING_HEAD}`).all('2026-12-07', 'A', 'normal', 1) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');
  expect(plan).toMatch(/SEARCH tickets USING INDEX tickets_waiting_heads \(day=\? AND <expr>=\? AND priority=\?\)/);
  expect(plan).not.toMatch(/TEMP B-TREE/);

  // What call-next runs: every (line, priority) head of the window in one statement, each arm the same seek.
  const pairs = [['A', 'normal'], ['A', 'green'], ['B', 'normal'], ['C', 'normal']].flatMap(([line, priority]) => ['2026-12-07', line, priority, 7]);
  const heads = db.prepare(waitingHeadsSql(4)).all(...pairs) as { id: number }[];
  expect(heads.map((head) => head.id).sort()).toEqual([2, 4]);
  const unionPlan = (db.prepare(`EXPLAIN QUERY PLAN ${waitingHeadsSql(4)}`).all(...pairs) as { detail: string }[]).map((row) => row.detail);
  expect(unionPlan.filter((detail) => /SEARCH tickets USING INDEX tickets_waiting_heads \(day=\? AND <expr>=\? AND priority=\?\)/.test(detail))).toHaveLength(4);
  expect(unionPlan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN tickets/);
  db.close();
});
