// A line's next number (server/ticket-numbers.ts), on both engines of the test
// matrix: numbers go on per line and day, and the last seq is one index seek
// backwards on the (day, line_id, seq) key — on PostgreSQL in the plan a
// prepared statement keeps (generic), with the table not analysed, as a hall's
// day starts: the plan MAX(seq) got there was an aggregate over the line's tickets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openHallDatabase } from '../../server/db.ts';
import { dialectOf, type HallDatabase } from '../../server/storage/hall-database.ts';
import { createTicketNumbering, LAST_SEQ_SQL } from '../../server/ticket-numbers.ts';
import { freshHallDatabase } from '../helpers/test-database.ts';

const DAY = '2026-12-08';
let db: HallDatabase | undefined;
let dataDir: string | undefined;

afterEach(() => {
  db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('numbers each line from 001 a day, after its last ticket; the last is found by one backward index seek', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'halldesk-numbers-'));
  db = openHallDatabase(await freshHallDatabase(dataDir));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', '2026-12-08T00:00:00Z')",
  ).run();
  const issue = db.prepare(
    "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES (?, ?, ?, ?, 'normal', ?, '2026-12-08T01:00:00Z', 'k')",
  );
  const next = createTicketNumbering(db);
  expect(next(DAY, 'A')).toEqual({ seq: 1, number: 'A001' });
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) {
      const { seq, number } = next(DAY, i % 4 === 0 ? 'AB' : 'A');
      issue.run(DAY, i % 4 === 0 ? 'AB' : 'A', seq, number, i % 3 === 0 ? 'completed' : 'waiting');
    }
  }).immediate();
  expect(next(DAY, 'A')).toEqual({ seq: 1501, number: 'A1501' });
  expect(next(DAY, 'AB')).toEqual({ seq: 501, number: 'AB501' });
  expect(next('2026-12-09', 'A')).toEqual({ seq: 1, number: 'A001' });

  if (dialectOf(db) === 'sqlite') {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${LAST_SEQ_SQL}`).all(DAY, 'A') as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/SEARCH tickets USING COVERING INDEX sqlite_autoindex_tickets_1 \(day=\? AND line_id=\?\)/);
  } else {
    db.exec(
      `SET plan_cache_mode = force_generic_plan;
       PREPARE last_seq(text, text) AS ${LAST_SEQ_SQL.replace('?', '$1').replace('?', '$2')}`,
    );
    const plan = (db.prepare("EXPLAIN EXECUTE last_seq('2026-12-08', 'A')").pluck().all() as string[]).join('\n');
    db.exec('DEALLOCATE last_seq; RESET plan_cache_mode');
    expect(plan).toMatch(/Limit/);
    expect(plan).toMatch(/Index Only Scan Backward using tickets_day_line_id_seq_key/);
    expect(plan).not.toMatch(/Aggregate/);
  }
});
