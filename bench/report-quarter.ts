// 统计报表 over a big hall's quarter (issue 17): 100 windows × 92 days × 110
// served tickets = 1,012,000 services, each with a rating record (≥ 1M
// ratings: ~88% rated, 2% of them 差评 with follow-ups), in a real SQLite file
// with the hall server's schema (temp folder, removed after). Tickets and
// ratings go in as the hall writes them — the ratings through their intake
// trigger, which files each one's report fact; the tickets' service facts
// are written beside them in the same transaction (the 办结 trigger fires on
// an UPDATE, which a bulk seed skips). Then the quarter's reports as the
// server's routes compute them (server/reports.ts): ratingReport,
// workloadReport, and both plus the .xlsx (reportWorkbook) — p50 of 5 runs.
// Target (issue 17): the quarterly report ≤ 2 s. Printed, never asserted.
//
//   node bench/report-quarter.ts
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { addCalendarDays } from '../common/calendar.ts';
import { openHallDatabase } from '../server/db.ts';
import { reportWorkbook } from '../server/report-workbook.ts';
import { createReports } from '../server/reports.ts';
import { seedHallIfEmpty } from '../server/seed.ts';
import { machineLoad, quantile, verdict } from './verdict.ts';

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 100);
const PER_WINDOW_DAY = 110;
const QUARTER = { from: '2026-07-01', to: '2026-09-30' };
const RUNS = 5;
const STAFF = ['1001', '1002', '1003', '1004', '1005'];
const LINES = ['A', 'B', 'C'];
const ITEMS: Record<string, string[]> = {
  A: ['GA-SFZ-002', 'GA-ZM-006', 'RS-CB-001', 'MZ-HY-001'],
  B: ['BDC-ZY-001', 'BDC-DY-001'],
  C: ['SCJG-DJ-002', 'SCJG-DJ-011', 'SW-FP-001', 'SCJG-DJ-001'],
};

const dir = mkdtempSync(join(tmpdir(), 'halldesk-bench-report-'));
const path = join(dir, 'hall.sqlite');
const db = openHallDatabase(path);
await seedHallIfEmpty(db, join(import.meta.dirname, '../resources/hall'));
// The seed writes ~5M index entries in one transaction: a page cache that holds the indexes (256 MB) keeps it off the disk.
db.pragma('cache_size = -262144');
// Setup only: the seed is written without a journal and without waiting for the disk (half the writes of WAL
// plus checkpoint); the reports are then timed in the server's own mode (WAL, synchronous=FULL).
db.pragma('journal_mode = OFF');
db.pragma('synchronous = OFF');

/** A small deterministic generator, so every run seeds the same hall. */
let state = 20261207;
const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);

const seedStart = performance.now();
const insertDevice = db.prepare(
  "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES (?, ?, ?, 'counter', ?, ?, '2026-06-01T00:00:00Z')",
);
const insertTicket = db.prepare(
  `INSERT INTO tickets (id, day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at, ended_at)
   VALUES (?, ?, ?, ?, ?, 'normal', 'completed', ?, ?, ?, ?, ?)`,
);
const insertService = db.prepare(
  'INSERT INTO report_services (ticket_id, day, window_id, staff_no, line_id, item_code, wait_s, service_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
);
const insertRating = db.prepare(
  `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
     device_address, opened_at, at, seq) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 'evaluator', 1, ?, ?, ?)`,
);
const insertFollowUp = db.prepare(
  "INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES (?, ?, ?, ?, ?, ?)",
);
const insertStep = db.prepare(
  "INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES (?, ?, ?, ?, '处理', '1006', ?)",
);
let tickets = 0;
let ratings = 0;
let bad = 0;
db.transaction(() => {
  for (let w = 1; w <= WINDOWS; w++) insertDevice.run(`bench-w${w}`, 1000 + w, `${w}号窗口柜台`, w, `hash-${w}`);
  const followUpIds = new Map<number, number>();
  for (let day = QUARTER.from, d = 0; day <= QUARTER.to; day = addCalendarDays(day, 1), d++) {
    const seqs = new Map<string, number>();
    const nine = Date.parse(`${day}T09:00:00+08:00`);
    for (let w = 1; w <= WINDOWS; w++) {
      const device = `bench-w${w}`;
      const staffNo = STAFF[(d + w) % STAFF.length]!;
      for (let k = 0; k < PER_WINDOW_DAY; k++) {
        const line = LINES[(w + k) % LINES.length]!;
        const seq = (seqs.get(line) ?? 0) + 1;
        seqs.set(line, seq);
        const number = `${line}${String(seq).padStart(4, '0')}`;
        const item = ITEMS[line]![Math.floor(random() * ITEMS[line]!.length)]!;
        const wait = Math.floor(60 + random() * 1800);
        const service = Math.floor(60 + random() * 900);
        const issued = nine + k * 180_000;
        const called = issued + wait * 1000;
        const ended = called + service * 1000;
        tickets += 1;
        insertTicket.run(tickets, day, line, seq, number, new Date(issued).toISOString(), device, w, new Date(called).toISOString(), new Date(ended).toISOString());
        insertService.run(tickets, day, w, staffNo, line, item, wait, service);
        const roll = random();
        const level = roll < 0.12 ? null : roll < 0.8 ? 5 : roll < 0.93 ? 4 : roll < 0.98 ? 3 : roll < 0.99 ? 2 : 1;
        // Zero-padded: ids in key order, so ratings and report_ratings (keyed by id) grow at their ends.
        const id = `b-${String(tickets).padStart(8, '0')}`;
        ratings += 1;
        insertRating.run(id, device, tickets, item, w, staffNo, number, level, level === null ? 'not_rated' : 'rated', new Date(ended).toISOString(), new Date(ended + 8000).toISOString(), tickets);
        if (level !== null && level <= 2) {
          bad += 1;
          const localId = (followUpIds.get(w) ?? 0) + 1;
          followUpIds.set(w, localId);
          const state = (['verifying', 'fixing', 'called_back'] as const)[bad % 3]!;
          insertFollowUp.run(device, localId, id, addCalendarDays(day, 5), state, new Date(ended + 60_000).toISOString());
          if (state !== 'verifying') insertStep.run(device, localId, 'verifying', 'fixing', new Date(ended + 86_400_000).toISOString());
          if (state === 'called_back') insertStep.run(device, localId, 'fixing', 'called_back', new Date(ended + (bad % 2 ? 3 : 7) * 86_400_000).toISOString());
        }
      }
    }
  }
})();
const seedSeconds = (performance.now() - seedStart) / 1000;
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('ANALYZE');

const reports = createReports(db, { clock: () => new Date('2026-10-03T02:00:00Z') });
function time(run: () => unknown): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    samples.push((performance.now() - start) / 1000);
  }
  return samples;
}
async function timeAsync(run: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    samples.push((performance.now() - start) / 1000);
  }
  return samples;
}

const rated = reports.ratings(QUARTER);
const ratingRuns = time(() => reports.ratings(QUARTER));
const workloadRuns = time(() => reports.workload(QUARTER));
const pageRuns = ratingRuns.map((r, i) => r + workloadRuns[i]!);
let xlsxBytes = 0;
const exportRuns = await timeAsync(async () => {
  const both = reports.both(QUARTER);
  xlsxBytes = (await reportWorkbook(both.workload, both.ratings)).bytes;
});
const fmt = (runs: number[]) => `p50 ${quantile(runs, 0.5).toFixed(2)} s (runs ${runs.map((r) => r.toFixed(2)).join(', ')})`;
console.log(`\n统计报表, one quarter (${QUARTER.from} – ${QUARTER.to}), ${machineLoad()}`);
console.log(
  `  seeded ${tickets.toLocaleString()} served tickets, ${ratings.toLocaleString()} ratings (${rated.total.rated.toLocaleString()} rated, ${bad.toLocaleString()} 差评) at ${WINDOWS} windows in ${seedSeconds.toFixed(1)} s; file ${(statSync(path).size / 2 ** 20).toFixed(0)} MB`,
);
console.log(`  ratingReport:   ${fmt(ratingRuns)}   target ≤ 2 s: ${verdict([quantile(ratingRuns, 0.5)], 2)}`);
console.log(`  workloadReport: ${fmt(workloadRuns)}   target ≤ 2 s: ${verdict([quantile(workloadRuns, 0.5)], 2)}`);
console.log(`  the 统计报表 page (both): ${fmt(pageRuns)}`);
console.log(`  .xlsx export (both reports + workbook, ${(xlsxBytes / 1024).toFixed(0)} KB): ${fmt(exportRuns)}   (no target set; for the record)`);
db.close();
rmSync(dir, { recursive: true, force: true });
