// Rating latency: the RESULT frame's last byte written on a real pty (socat)
// → the rating committed in the counter's SQLite (RatingService.onRecorded
// fires right after the commit). p50/p95 over 500 ratings, measured twice;
// printed with a verdict, never asserted. Target: p95 ≤ 5 ms.
//
//   node bench/rating-latency.ts [count]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EvaluatorDriver } from '../main/devices/evaluator/driver.ts';
import { encodeDeviceMessage } from '../main/devices/evaluator/ft12.ts';
import { EvaluatorSimulator } from '../sim/evaluator/simulator.ts';
import { openSerialPort } from '../main/devices/serial-line.ts';
import { RatingService } from '../main/ratings/rating-service.ts';
import { openDatabase } from '../main/store/database.ts';
import { Outbox } from '../main/store/outbox.ts';
import { closeAllPtyPairs, startPtyPair } from '../test/helpers/pty-pair.ts';
import { machineLoad, quantile, verdict } from './verdict.ts';

const COUNT = Number(process.argv[2] ?? 500);
const ADDRESS = 3;
const TARGET_P95_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pty = await startPtyPair();
const sim = new EvaluatorSimulator({ addresses: [ADDRESS] });
const simPort = await openSerialPort({ path: pty.b });
sim.attach(simPort);
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-bench-rating-')), 'counter.db'));
const clock = () => new Date();
const driver = new EvaluatorDriver({ open: () => openSerialPort({ path: pty.a }), addresses: [ADDRESS], heartbeatMs: 0 });
const service = new RatingService({
  db,
  outbox: new Outbox(db, { clock }),
  clock,
  log: { debug() {}, info() {}, warn() {}, error() {} },
  evaluator: { driver, address: ADDRESS },
  settings: () => ({ ratingTimeLimitSeconds: 60, badRatingFollowUpWorkingDays: 5 }),
  calendars: () => [],
  today: () => '2026-03-02',
  who: () => null,
  onChange: () => {},
});
let committed: ((at: number) => void) | null = null;
service.onRecorded(() => committed?.(performance.now()));
service.start();
while (driver.health(ADDRESS).state !== 'ok') await sleep(10);

async function measure(run: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const { sessionId } = service.request({
      windowId: 1,
      staffNo: '1001',
      ticket: { number: `A${String((run * COUNT + i) % 1000).padStart(3, '0')}`, calledAt: null },
    });
    while (sim.device(ADDRESS).session?.sessionId !== sessionId) await sleep(1);
    const level = (1 + (i % 5)) as 1 | 2 | 3 | 4 | 5;
    const done = new Promise<number>((resolve) => (committed = resolve));
    await simPort.write(encodeDeviceMessage({ type: 'RESULT', address: ADDRESS, sessionId, level }));
    const written = performance.now();
    samples.push((await done) - written);
    committed = null;
  }
  return samples;
}

const runs = [await measure(0), await measure(1)];
const stored = (db.prepare('SELECT count(*) AS n FROM rating').get() as { n: number }).n;
console.log(`\nrating latency (RESULT last byte on the pty → committed), ${COUNT} ratings a run, ${machineLoad()}`);
runs.forEach((samples, run) =>
  console.log(
    `  run ${run + 1}: p50 ${quantile(samples, 0.5).toFixed(2)} ms, p95 ${quantile(samples, 0.95).toFixed(2)} ms, max ${Math.max(...samples).toFixed(2)} ms`,
  ),
);
console.log(
  `  target: p95 ≤ ${TARGET_P95_MS} ms → ${verdict(runs.map((samples) => quantile(samples, 0.95)), TARGET_P95_MS)} (${stored} rows stored)`,
);
await service.close();
sim.stop();
await simPort.close();
db.close();
await closeAllPtyPairs();
