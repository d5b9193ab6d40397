// call-next's search for the best waiting ticket, as the queue grows: the
// index seeks the server runs (server/ticket-ops.ts waitingHeadsSql: WAITING_HEAD
// per line and priority of the window, in one statement) against the query it ran before (one pass over
// every waiting ticket of the day with a window function), in the same run,
// on a real SQLite file with the hall server's schema. Printed, never asserted.
// Target: the seek's time at 50k waiting within 2× its time at 200.
// And at 50k: the same statement on the hall's handle (planned once,
// common/sql-placeholders.ts) against one with its values written into the
// SQL (nothing left to plan at a run) and one on a plain better-sqlite3 handle
// (planned again at every bind). Target: the hall's within 1.5× the written-in one.
//
//   node bench/queue-heads.ts
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Priority } from '../common/model.ts';
import { openHallDatabase } from '../server/db.ts';
import { rewritePlaceholders } from '../common/sql-placeholders.ts';
import { waitingHeadsSql } from '../server/ticket-ops.ts';
import { machineLoad, quantile, verdict } from './verdict.ts';

/** What call-next ran before the index (kept here only as the baseline). */
const SCAN_QUERY = `
  SELECT id, lineId, priority, ord AS "order" FROM (
    SELECT id, COALESCE(queue_line_id, line_id) AS lineId, priority, COALESCE(sort_key, id) AS ord,
      ROW_NUMBER() OVER (PARTITION BY COALESCE(queue_line_id, line_id), priority ORDER BY COALESCE(sort_key, id), id) AS rn
    FROM tickets
    WHERE status = 'waiting' AND day = ? AND (target_window_id IS NULL OR target_window_id = ?)
  ) WHERE rn = 1`;
const DAY = '2026-12-07';
const LINES = ['A', 'B', 'C', 'D', 'E'];
const WINDOW = { id: 1, lineIds: ['A', 'C'] };
const SIZES = [200, 10_000, 50_000];
const ROUNDS = 300;

const dir = mkdtempSync(join(tmpdir(), 'halldesk-bench-heads-'));
const db = openHallDatabase(join(dir, 'hall.sqlite'));
db.prepare(
  "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('k', 1, 'kiosk', 'kiosk', NULL, 'h', ?)",
).run(`${DAY}T00:00:00Z`);
const insert = db.prepare(
  "INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by) VALUES (?, ?, ?, ?, ?, 'waiting', ?, 'k')",
);
const pairs = WINDOW.lineIds.flatMap((lineId) => Priority.options.map((priority) => [DAY, lineId, priority, WINDOW.id]));
const seek = db.prepare(waitingHeadsSql(pairs.length));
const scan = db.prepare(SCAN_QUERY);
const heads = () => seek.all(...pairs.flat());

function time(run: () => unknown): number[] {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples;
}

let issued = 0;
const rows: { size: number; seek: number; scan: number }[] = [];
for (const size of SIZES) {
  db.transaction(() => {
    for (; issued < size; issued++) {
      const line = LINES[issued % LINES.length]!;
      const priority = issued % 50 === 0 ? 'priority' : 'normal';
      insert.run(DAY, line, Math.floor(issued / LINES.length) + 1, `${line}${issued}`, priority, `${DAY}T01:00:00Z`);
    }
  })();
  rows.push({ size, seek: quantile(time(heads), 0.5), scan: quantile(time(() => scan.all(DAY, WINDOW.id)), 0.5) });
}
console.log(`\ncall-next: finding the window's best waiting ticket (p50 of ${ROUNDS}), ${machineLoad()}`);
for (const { size, seek: s, scan: c } of rows) {
  console.log(
    `  ${String(size).padStart(6)} waiting   index seeks ${(s * 1000).toFixed(0).padStart(6)} µs   one-pass scan (before) ${(c * 1000).toFixed(0).padStart(7)} µs   ${(c / s).toFixed(0).padStart(5)}× faster`,
  );
}
const ratio = rows.at(-1)!.seek / rows[0]!.seek;
console.log(`  seek at 50k ÷ seek at 200: ${ratio.toFixed(2)} (target ≤ 2: ${verdict([ratio], 2)})`);

const values = pairs.flat();
let next = 0;
const writtenIn = rewritePlaceholders(waitingHeadsSql(pairs.length), () => {
  const value = values[next++]!;
  return typeof value === 'number' ? String(value) : `'${value}'`;
});
const literal = db.prepare(writtenIn);
const plain = new Database(join(dir, 'hall.sqlite'));
const replanned = plain.prepare(waitingHeadsSql(pairs.length));
const hallHandle = quantile(time(heads), 0.5);
const floor = quantile(time(() => literal.all()), 0.5);
const plainHandle = quantile(time(() => replanned.all(...values)), 0.5);
const planRatio = hallHandle / floor;
console.log(
  `  at 50k: hall's handle ${(hallHandle * 1000).toFixed(0)} µs, values written in ${(floor * 1000).toFixed(0)} µs, ` +
    `plain better-sqlite3 handle ${(plainHandle * 1000).toFixed(0)} µs (planned at every bind)`,
);
console.log(`  hall's handle ÷ written in: ${planRatio.toFixed(2)} (target ≤ 1.5: ${verdict([planRatio], 1.5)})`);
plain.close();
db.close();
rmSync(dir, { recursive: true, force: true });
