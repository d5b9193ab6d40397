// `npm run bench` (sync part): one offline day drained.
//
// 10k case.decided mutations (about a day of a busy hall's counters, made
// offline) wait in a counter's outbox; the link returns and the push loop
// (main/sync/pusher.ts) carries them to the real hall server (a child
// process) in batches of 500: read, send, verify the hash chain, apply,
// answer, settle. Measured from the start of the push to the last settled
// batch.
//
// Baseline in the same run: a raw SQLite apply of the same rows into the same
// server schema (sync_mutations + cases), in transactions of 500 like the
// server's, with no HTTP, JSON, validation or hashing. Ratio = raw ÷ drain.
// Targets: drain ≤ 3 s, ratio ≥ 0.3. Printed, never asserted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASE_DECIDED, canonicalJson, type CaseDecidedArgs } from '../common/sync.ts';
import { HallClient } from '../main/hall-client.ts';
import { silentLogger } from '../main/log.ts';
import { openDatabase } from '../main/store/database.ts';
import { Outbox, type OutboxEntry } from '../main/store/outbox.ts';
import { Pusher } from '../main/sync/pusher.ts';
import { startDemoHall } from '../scripts/demo-hall.ts';
import { openHallDatabase } from '../server/db.ts';

const COUNT = Number(process.env.BENCH_MUTATIONS ?? 10_000);
const WARMUP = 500;
const TARGET_MS = 3000;
const TARGET_RATIO = 0.3;

const dir = mkdtempSync(join(tmpdir(), 'halldesk-bench-sync-'));
const hall = await startDemoHall({ dataDir: join(dir, 'hall'), port: 0, quiet: true });
process.on('exit', () => void hall.stop());
const anonymous = new HallClient({ baseUrl: hall.url });

/** A case as a counter decides it; every 4th is 一次性告知 with missing materials (a larger record). */
function caseArgs(n: number, windowId: number, deviceNo: number): CaseDecidedArgs {
  const day = 1 + Math.floor((n - 1) / 9999);
  const date = `2026-03-${String(day).padStart(2, '0')}`;
  const seq = ((n - 1) % 9999) + 1;
  const notice = n % 4 === 0;
  return {
    caseNo:
      date.replaceAll('-', '') +
      String(windowId).padStart(2, '0') +
      String(deviceNo).padStart(3, '0') +
      String(seq).padStart(4, '0'),
    itemCode: 'GA-ZM-006',
    itemName: '无犯罪记录证明开具',
    kind: 'promised',
    windowId,
    staffNo: '1001',
    ticketNumber: `A${String(seq % 1000).padStart(3, '0')}`,
    calledAt: `${date}T01:${String(seq % 60).padStart(2, '0')}:00.000Z`,
    applicantMasked: { type: 'person', name: '王**', idMasked: '3201**********0012' },
    decision: notice ? 'notice' : 'accept',
    status: notice ? 'notice' : 'accepted',
    outcome: null,
    decidedAt: `${date}T02:${String(seq % 60).padStart(2, '0')}:00.000Z`,
    promisedDate: notice ? null : '2026-03-10',
    finishedAt: null,
    finishedBy: null,
    missing: notice
      ? [
          { name: '居民身份证', requirement: '原件，核验后退回', waivable: false },
          { name: '用途说明或单位证明函', requirement: '原件 1 份，加盖公章', waivable: true },
        ]
      : [],
    owedBy: null,
    refuseReason: null,
  };
}

async function offlineCounter(count: number) {
  const enrolled = await anonymous.request('enroll', {
    body: { code: await hall.enrollmentCode(1), deviceName: 'bench' },
  });
  const db = openDatabase(join(mkdtempSync(join(dir, 'counter-')), 'counter.db'));
  const outbox = new Outbox(db);
  // The offline day: each case committed in its own transaction, as at the counter.
  for (let n = 1; n <= count; n++) {
    db.transaction(() => outbox.append(CASE_DECIDED, caseArgs(n, 1, enrolled.deviceNo)))();
  }
  const client = new HallClient({ baseUrl: hall.url, token: enrolled.token });
  const pusher = new Pusher({
    outbox,
    target: () => ({ client, deviceId: enrolled.deviceId }),
    log: silentLogger,
  });
  return { db, outbox, pusher, enrolled };
}

async function drain(
  count: number,
): Promise<{ ms: number; entries: OutboxEntry[]; requests: number; failures: number; delays: number[] }> {
  const { db, outbox, pusher } = await offlineCounter(count);
  const started = performance.now();
  pusher.linkUp();
  await pusher.settled();
  const ms = performance.now() - started;
  const left = outbox.unsentCount();
  if (left !== 0 || pusher.stats.applied !== count) {
    throw new Error(`drain incomplete: ${left} unsent, ${pusher.stats.applied} applied of ${count}`);
  }
  const entries = outbox.entries(0, count + 1);
  await pusher.close();
  db.close();
  const { requests, failures, delays } = pusher.stats;
  return { ms, entries, requests, failures, delays };
}

/** The same rows straight into a fresh hall database: the floor any drain stands on. */
function rawApply(entries: OutboxEntry[], batch: number): number {
  const db = openHallDatabase(join(mkdtempSync(join(dir, 'raw-')), 'hall.sqlite'));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('raw', 1, 'raw', 'counter', 1, 'x', 'now')",
  ).run();
  const mutation = db.prepare(
    `INSERT INTO sync_mutations (device_id, seq, id, name, args, at, hash, prev_hash, status, reason, received_at)
     VALUES ('raw', ?, ?, ?, ?, ?, ?, ?, 'applied', NULL, ?)`,
  );
  const kase = db.prepare(
    `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
       applicant_masked, decision, status, outcome, decided_at, promised_date, finished_at, finished_by, missing_json,
       owed_by, refuse_reason, seq)
     VALUES (@caseNo, 'raw', @windowId, @itemCode, @itemName, @kind, @staffNo, @ticketNumber, @calledAt,
       @applicantMasked, @decision, @status, @outcome, @decidedAt, @promisedDate, @finishedAt, @finishedBy, @missing,
       @owedBy, @refuseReason, @seq)`,
  );
  const apply = db.transaction((rows: OutboxEntry[]) => {
    const at = new Date().toISOString();
    for (const m of rows) {
      mutation.run(m.seq, m.id, m.name, canonicalJson(m.args), m.at, m.hash, m.prevHash, at);
      const args = m.args as CaseDecidedArgs;
      kase.run({
        ...args,
        applicantMasked: JSON.stringify(args.applicantMasked),
        missing: JSON.stringify(args.missing),
        seq: m.seq,
      });
    }
  });
  const started = performance.now();
  for (let i = 0; i < entries.length; i += batch) apply.immediate(entries.slice(i, i + batch));
  const ms = performance.now() - started;
  db.close();
  return ms;
}

await drain(WARMUP); // both processes warm, as after a day of work
const measured = await drain(COUNT);
rawApply(measured.entries.slice(0, WARMUP), 500); // warm the raw path too
const raw500 = rawApply(measured.entries, 500);
const raw1 = rawApply(measured.entries, measured.entries.length);
const ratio = raw500 / measured.ms;
const bytes = measured.entries.reduce((n, m) => n + canonicalJson(m.args).length, 0);

const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
console.log(
  `\nsync drain: ${COUNT} mutations (one offline day, ${(bytes / COUNT).toFixed(0)} B of args each), one run`,
);
console.log(
  `  drained to the hall server       ${measured.ms.toFixed(0).padStart(6)} ms  (${measured.requests} requests, ${measured.failures} retried${measured.failures ? ` after ${measured.delays.join('+')} ms` : ''}; target ≤ ${TARGET_MS} ms: ${verdict(measured.ms <= TARGET_MS)})`,
);
console.log(`  raw SQLite apply, 500 a commit   ${raw500.toFixed(0).padStart(6)} ms`);
console.log(`  raw SQLite apply, one commit     ${raw1.toFixed(0).padStart(6)} ms`);
console.log(
  `  ratio raw ÷ drain                ${ratio.toFixed(2).padStart(6)}     (target ≥ ${TARGET_RATIO}: ${verdict(ratio >= TARGET_RATIO)})`,
);
console.log(
  JSON.stringify({
    bench: 'sync-drain',
    mutations: COUNT,
    drainMs: Math.round(measured.ms),
    raw500Ms: Math.round(raw500),
    raw1Ms: Math.round(raw1),
    ratio: Number(ratio.toFixed(3)),
  }),
);
await hall.stop();
