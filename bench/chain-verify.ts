// `npm run bench` (records part, issue 21): the counter's check of its own
// records (main/sync/self-check.ts) over 100k records in a real SQLite file.
//
// 100,000 mutations (rating.recorded, keyed with a chain key after a
// sync.chain_keyed record, like a counter's outbox after months of work) are
// written once; then measured, each twice:
// - full verification: the whole chain from the start (the verified point
//   reset), reading the rows in pages, parsing and HMAC-ing each record;
// - the start-up check as it runs at each start: incremental from the last
//   verified point (after 100 new records) plus the comparison of every
//   acknowledged rating with its row.
// Target: full verification of 100k ≤ 1 s. Printed with a verdict, never asserted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RATING_RECORDED, type RatingRecord } from '../common/ratings.ts';
import { openDatabase } from '../main/store/database.ts';
import { mutationHash, Outbox } from '../main/store/outbox.ts';
import { uuidv7Generator } from '../main/uuidv7.ts';
import { canonicalJson } from '../common/sync.ts';
import { deriveChainKey } from '../main/sync/chain-key.ts';
import { checkChain, selfCheck } from '../main/sync/self-check.ts';
import { machineLoad, verdict } from './verdict.ts';

const COUNT = Number(process.env.BENCH_RECORDS ?? 100_000);
const TARGET_MS = 1000;

const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-bench-chain-')), 'counter.db'));
const key = deriveChainKey('bench-token-0123456789abcdef0123456789abcdef', 'bench-device');
let at = Date.parse('2026-12-07T00:00:00.000Z');
const outbox = new Outbox(db, { chainKey: () => key, clock: () => new Date(at) });
const insertRating = db.prepare(
  `INSERT INTO rating (id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
     device_address, opened_at, at) VALUES (@id, @sessionId, @caseNo, @itemCode, @windowId, @staffNo, @ticketNumber,
     @level, @outcome, @channel, @deviceAddress, @openedAt, @at)`,
);
const rating = (n: number): RatingRecord => ({
  id: `r-${n}`,
  sessionId: n,
  caseNo: null,
  itemCode: null,
  windowId: 1,
  staffNo: '1001',
  ticketNumber: `A${String(n % 1000).padStart(3, '0')}`,
  level: ((n % 5) + 1) as RatingRecord['level'],
  outcome: 'rated',
  channel: 'evaluator',
  deviceAddress: 1,
  openedAt: new Date(at).toISOString(),
  at: new Date(at + 5000).toISOString(),
});
const insertRecord = db.prepare(
  "INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'acked')",
);
const newId = uuidv7Generator(() => new Date(at));
/** As Outbox.append writes them, in big transactions (the figure measured is the check, not the writing). */
const write = (from: number, count: number) => {
  db.transaction(() => {
    let { lastSeq, lastHash } = db.prepare('SELECT last_seq AS lastSeq, last_hash AS lastHash FROM outbox_head').get() as { lastSeq: number; lastHash: string };
    for (let n = from; n < from + count; n++) {
      const r = rating(n);
      insertRating.run(r);
      const partial = { seq: lastSeq + 1, id: newId(), name: RATING_RECORDED, args: JSON.parse(canonicalJson(r)) as unknown, at: new Date((at += 1000)).toISOString() };
      const hash = mutationHash(lastHash, partial, key);
      insertRecord.run(partial.seq, partial.id, partial.name, canonicalJson(partial.args), partial.at, hash, lastHash);
      lastSeq = partial.seq;
      lastHash = hash;
    }
    db.prepare('UPDATE outbox_head SET last_seq = ?, last_hash = ? WHERE one = 1').run(lastSeq, lastHash);
  })();
};
// The chain is keyed from its first record, as a counter enrolled with this version.
db.transaction(() => outbox.keyChain())();
const started = performance.now();
write(1, COUNT);
console.log(`records: ${COUNT} written (keyed) in ${((performance.now() - started) / 1000).toFixed(1)} s; ${machineLoad()}`);

const fullRuns: number[] = [];
const startRuns: number[] = [];
for (let run = 0; run < 2; run++) {
  db.prepare(`UPDATE outbox_head SET verified_seq = 0, verified_hash = '${'0'.repeat(64)}'`).run();
  const t0 = performance.now();
  const full = checkChain(db, key);
  fullRuns.push(performance.now() - t0);
  const total = (db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  if (full.findings.length > 0 || full.checked !== total) throw new Error(`full check found ${JSON.stringify(full.findings[0])}, checked ${full.checked}`);
  write(COUNT + 1 + run * 100, 100);
  const t1 = performance.now();
  const report = selfCheck(db, key);
  startRuns.push(performance.now() - t1);
  if (report.findings.length > 0 || report.checked !== 100) throw new Error(`start check: ${report.checked} checked, ${report.findings.length} findings`);
}
const ms = (v: number) => `${v.toFixed(0)} ms`;
console.log(
  `records: full chain verification of ${COUNT}+ records ${fullRuns.map(ms).join(', ')} (target ≤ ${TARGET_MS} ms): ${verdict(fullRuns, TARGET_MS)}`,
);
console.log(
  `records: start-up check (100 new records + ${COUNT}+ acknowledged ratings compared) ${startRuns.map(ms).join(', ')} (target ≤ ${TARGET_MS} ms): ${verdict(startRuns, TARGET_MS)}`,
);
db.close();
