// 您前面还有 N 人 without reading the line (server/waiting-queue.ts): equal to
// countAhead (common/queue.ts, the rule call-next serves by) over the waiting
// tickets, for every waiting ticket of a seeded random queue — all four
// priorities, 转业务 between lines, 转窗 排在最前 (a lower place), tickets
// called and finished — and the counts it reads are index seeks.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { countAhead, type RankedTicket } from '../../common/queue.ts';
import type { Priority } from '../../common/model.ts';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrate } from '../../server/db.ts';
import { createAheadCount } from '../../server/waiting-queue.ts';

const DAY = '2026-12-07';
const PRIORITIES: Priority[] = ['normal', 'normal', 'normal', 'appointment', 'priority', 'green'];

it('counts the tickets ahead as countAhead does, for every waiting ticket of a random queue', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  migrate(db);
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  let state = 11;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n); // the high bits: an LCG's low bits repeat
  };
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES (?, ?, ?, ?, ?, 'waiting', '2026-12-07T01:00:00Z', 'k')",
  );
  for (let seq = 1; seq <= 600; seq++) {
    const line = ['A', 'B', 'AB'][random(3)]!;
    issue.run(
      DAY,
      line,
      seq,
      `${line}${String(seq).padStart(3, '0')}`,
      PRIORITIES[random(PRIORITIES.length)]!,
    );
  }
  for (let i = 0; i < 200; i++) {
    const id = 1 + random(600);
    switch (random(4)) {
      case 0:
        db.prepare('UPDATE tickets SET queue_line_id = ? WHERE id = ?').run(['A', 'B', 'AB'][random(3)]!, id);
        break;
      case 1: // 排在最前: a place before every waiting ticket
        db.prepare('UPDATE tickets SET sort_key = ? WHERE id = ?').run(-random(5), id);
        break;
      case 2:
        db.prepare(
          "UPDATE tickets SET status = 'called', window_id = ? WHERE id = ? AND status = 'waiting'",
        ).run(100 + i, id);
        break;
      case 3:
        db.prepare("UPDATE tickets SET status = 'completed' WHERE id = ? AND status = 'called'").run(id);
        break;
    }
  }
  db.prepare(
    "UPDATE tickets SET status = 'called', window_id = 99 WHERE id = (SELECT MIN(id) FROM tickets WHERE status = 'waiting')",
  ).run();
  const waiting = db
    .prepare(
      `SELECT id, COALESCE(queue_line_id, line_id) AS lineId, priority, COALESCE(sort_key, id) AS "order" FROM tickets
       WHERE status = 'waiting' AND day = ?`,
    )
    .all(DAY) as RankedTicket[];
  expect(waiting.length).toBeGreaterThan(300);
  const aheadOf = createAheadCount(db);
  for (const ticket of waiting) {
    expect(aheadOf(DAY, ticket), `ticket ${ticket.id} ${ticket.priority} in ${ticket.lineId}`).toBe(
      countAhead(ticket, waiting),
    );
  }
  // A ticket no longer waiting has nobody ahead of it in the count of those still waiting.
  const called = db
    .prepare(
      "SELECT id, COALESCE(queue_line_id, line_id) AS lineId, priority FROM tickets WHERE status <> 'waiting' LIMIT 1",
    )
    .get() as RankedTicket;
  expect(aheadOf(DAY, called)).toBe(countAhead(called, waiting));

  const plan = (
    db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM tickets INDEXED BY tickets_waiting_heads
     WHERE status = 'waiting' AND day = ? AND COALESCE(queue_line_id, line_id) = ? AND priority = ? AND COALESCE(sort_key, id) > ?`,
      )
      .all(DAY, 'A', 'normal', 5) as { detail: string }[]
  )
    .map((row) => row.detail)
    .join('\n');
  expect(plan).toMatch(
    /SEARCH tickets USING (COVERING )?INDEX tickets_waiting_heads \(day=\? AND <expr>=\? AND priority=\? AND <expr>>\?\)/,
  );
  db.close();
});
