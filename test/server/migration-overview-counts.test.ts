// Hall server migration "the day's issued and served counts kept per line and
// window": the counts start from the tickets already there, and the triggers
// keep them equal to a recount through a few thousand random ticket changes
// (issue, call, 办结, 过号, 转业务, re-queue, delete); the overview's and the
// board's reads are seeks (EXPLAIN QUERY PLAN), not passes over the day.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrate, migrations } from '../../server/db.ts';

const VERSION =
  migrations.findIndex((migration) => migration.name.startsWith("the day's issued and served counts")) + 1;
const DAYS = ['2026-12-06', '2026-12-07'];
const LINES = ['A', 'B', 'AA'];

function recount(db: Database.Database): unknown[] {
  return db
    .prepare(
      `SELECT day, line_id, 0 AS window_id, COUNT(*) AS issued, SUM(status = 'completed') AS served FROM tickets GROUP BY day, line_id
       UNION ALL
       SELECT day, '', window_id, 0, COUNT(*) FROM tickets WHERE status = 'completed' AND window_id IS NOT NULL GROUP BY day, window_id
       ORDER BY 1, 2, 3`,
    )
    .raw()
    .all();
}

const kept = (db: Database.Database) =>
  db
    .prepare(
      'SELECT day, line_id, window_id, issued, served FROM ticket_day_counts WHERE issued > 0 OR served > 0 ORDER BY 1, 2, 3',
    )
    .raw()
    .all();

it('keeps the counts equal to a recount through random ticket changes, and the reads seek', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, VERSION - 1));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id) VALUES (?, ?, ?, ?, 'normal', ?, ?, 'k', ?)",
  );
  const seqs = new Map<string, number>();
  let clock = 0;
  const issueOne = (day: string, lineId: string, status = 'waiting', windowId: number | null = null) => {
    const seq = (seqs.get(day + lineId) ?? 0) + 1;
    seqs.set(day + lineId, seq);
    issue.run(
      day,
      lineId,
      seq,
      `${lineId}${String(seq).padStart(3, '0')}`,
      status,
      `2026-12-07T01:${String(clock++ % 60).padStart(2, '0')}:00Z`,
      windowId,
    );
  };
  // Before the migration: some of each kind, and one ticket served offline (inserted completed).
  for (let i = 0; i < 30; i++) issueOne(DAYS[i % 2]!, LINES[i % 3]!);
  db.prepare("UPDATE tickets SET status = 'completed', window_id = 3 WHERE id % 4 = 0").run();
  issueOne('2026-12-07', 'B', 'completed', 5);

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  expect(kept(db)).toEqual(recount(db));

  // A seeded random walk over what the hall does to tickets.
  let state = 7;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n); // the high bits: an LCG's low bits repeat
  };
  const ids = () => db.prepare('SELECT id FROM tickets').pluck().all() as number[];
  let refused = 0;
  for (let step = 0; step < 3000; step++) {
    const all = ids();
    const id = all[random(all.length)]!;
    // A change the table's constraints refuse (two numbers in hand at one window) must leave the counts as they were.
    try {
      switch (random(8)) {
        case 0:
          issueOne(DAYS[random(2)]!, LINES[random(3)]!);
          break;
        case 1:
          issueOne(DAYS[random(2)]!, LINES[random(3)]!, 'completed', 1 + random(6)); // served offline
          break;
        case 2:
          db.prepare(
            "UPDATE tickets SET status = 'called', window_id = ? WHERE id = ? AND status = 'waiting'",
          ).run(1 + random(6), id);
          break;
        case 3:
          db.prepare("UPDATE tickets SET status = 'completed' WHERE id = ? AND status = 'called'").run(id);
          break;
        case 4:
          db.prepare(
            "UPDATE tickets SET status = 'no_show', ended_at = '2026-12-07T02:00:00Z' WHERE id = ? AND status = 'called'",
          ).run(id);
          break;
        case 5:
          db.prepare('UPDATE tickets SET queue_line_id = ? WHERE id = ?').run(LINES[random(3)]!, id);
          break;
        case 6: // a served ticket's window corrected, or a ticket put back to waiting
          if (random(2) === 0)
            db.prepare('UPDATE tickets SET window_id = ? WHERE id = ?').run(1 + random(6), id);
          else db.prepare("UPDATE tickets SET status = 'waiting', window_id = NULL WHERE id = ?").run(id);
          break;
        case 7:
          // Only a waiting one: a served ticket is referenced by the report facts.
          if (random(10) === 0) db.prepare("DELETE FROM tickets WHERE id = ? AND status = 'waiting'").run(id);
          break;
      }
    } catch (error) {
      if (!/constraint failed/.test(String(error))) throw error;
      refused++;
    }
  }
  expect(refused).toBeGreaterThan(0);
  expect(kept(db)).toEqual(recount(db));

  const plan = (sql: string, ...args: unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');
  expect(
    plan(
      'SELECT line_id, issued, served FROM ticket_day_counts WHERE day = ? AND window_id = 0',
      '2026-12-07',
    ),
  ).toMatch(/SEARCH ticket_day_counts USING PRIMARY KEY \(day=\?\)/);
  expect(
    plan("SELECT window_id, served FROM ticket_day_counts WHERE day = ? AND line_id = ''", '2026-12-07'),
  ).toMatch(/SEARCH ticket_day_counts USING PRIMARY KEY \(day=\? AND line_id=\?\)/);
  expect(
    plan(
      `SELECT MIN(issued_at) FROM tickets WHERE status = 'waiting' AND target_window_id IS NULL AND day = ?
       AND COALESCE(queue_line_id, line_id) = ?`,
      '2026-12-07',
      'A',
    ),
  ).toMatch(/SEARCH tickets USING (COVERING )?INDEX tickets_waiting_since \(day=\? AND <expr>=\?\)/);
  expect(
    plan(
      `SELECT COALESCE(queue_line_id, line_id), target_window_id, COUNT(*) FROM tickets INDEXED BY tickets_waiting_targeted
       WHERE status = 'waiting' AND target_window_id IS NOT NULL AND day = ? GROUP BY 1, 2`,
      '2026-12-07',
    ),
  ).toMatch(/SEARCH tickets USING INDEX tickets_waiting_targeted \(day=\?/);
  expect(
    plan(
      "SELECT * FROM tickets WHERE status = 'no_show' AND day = ? ORDER BY ended_at DESC, id DESC",
      '2026-12-07',
    ),
  ).toMatch(/SEARCH tickets USING INDEX tickets_no_show \(day=\?\)/);
  db.close();
});
