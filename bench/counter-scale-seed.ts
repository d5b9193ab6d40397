// The counter's store as months of work leave it, for bench/counter-scale.ts.
//
// How it is written — through the counter's own write paths, not SQL:
//  1. the counter core (openCounter) enrolls to a window of the real hall
//     server and pulls the hall's config, as on its first day;
//  2. every case goes through CaseService.submit (the service the 受理 /
//     不予受理 / 一次性告知 calls use: the rules, the case number, the case row
//     and its case.decided record in one transaction), each promised case
//     later through CaseService.finish (case.finished), each with a rating
//     stored as RatingService stores one (rating row + rating.recorded in
//     one transaction) — with a clock that walks through the past days, so
//     dates, case numbers and the keyed outbox chain are as the days made them;
//  3. the counter core opens again and its push loop carries every record to
//     the hall server, which checks the chain and acknowledges them;
//  4. the counter's retention run (main/retention.ts) masks the applicants of
//     concluded, synced cases older than the hall's 30 days.
// What is not seeded: bad ratings (no 差评回访 follow-ups), walk-ins, print
// jobs, the call log (pruned after 30 days anyway).
import { join } from 'node:path';
import type { Applicant, CaseDecision } from '../common/cases.ts';
import { residentIdCheckChar } from '../common/identity.ts';
import { RATING_RECORDED, type RatingRecord } from '../common/ratings.ts';
import { CaseService, type SubmitCaseArgs } from '../main/cases/case-service.ts';
import { openCounter } from '../main/counter.ts';
import type { Counter } from '../main/counter-api.ts';
import { DEVICE_TOKEN, type CaseContext } from '../main/core/counter-state.ts';
import { silentLogger } from '../main/log.ts';
import { Retention } from '../main/retention.ts';
import { FileSecretStore } from '../main/secret-store.ts';
import { CounterStore } from '../main/store/counter-store.ts';
import { openDatabase } from '../main/store/database.ts';
import { Outbox } from '../main/store/outbox.ts';
import { RatingStore } from '../main/store/rating-store.ts';
import { chainKeySource } from '../main/sync/chain-key.ts';
import { uuidv7Generator } from '../main/uuidv7.ts';
import type { DemoHall } from '../scripts/demo-hall.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SeedPlan {
  /** The counter's window; its clerk is the demo hall's staff number 100<window>. */
  windowId: number;
  /** Calendar days of work, the last one today. */
  days: number;
  /** Cases a day. */
  perDay: number;
}

export interface SeedReport {
  cases: number;
  ratings: number;
  outboxRecords: number;
  openCases: number;
  todayCases: number;
  purged: number;
  writeMs: number;
  drainMs: number;
  dbBytes: number;
}

async function waitFor(counter: Counter, ok: (state: { connection: { state: string }; unsent: number }) => boolean, what: string, ms = 120_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const state = (await counter.call('getClerkState', {})) as { connection: { state: string }; unsent: number };
    if (ok(state)) return;
    if (Date.now() > until) throw new Error(`seeding: ${what} did not happen within ${ms / 1000} s (${JSON.stringify(state.connection)}, unsent ${state.unsent})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀兰', '霞'];

function applicant(n: number): Applicant {
  const birth = new Date(Date.UTC(1950, 0, 1) + ((n * 7919) % 20000) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `320102${birth}${String(n % 1000).padStart(3, '0')}`;
  return {
    type: 'person',
    name: SURNAMES[n % SURNAMES.length]! + GIVEN[(n * 7) % GIVEN.length]!,
    idNumber: first17 + residentIdCheckChar(first17),
    phone: `138${String(10_000_000 + ((n * 104_729) % 90_000_000)).padStart(8, '0')}`,
  };
}

/** Enrolls a fresh counter in `dataDir` to the plan's window and fills its store by `plan` (see the header). */
export async function seedCounter(dataDir: string, hall: DemoHall, plan: SeedPlan): Promise<SeedReport> {
  const { windowId: WINDOW_ID } = plan;
  const STAFF_NO = `100${WINDOW_ID}`;
  // 1. Enrolled, config pulled.
  const first = await openCounter({
    dataDir,
    deviceName: 'bench-counter',
    autoEnroll: { serverUrl: hall.url, code: await hall.enrollmentCode(WINDOW_ID) },
  });
  await waitFor(first, (s) => s.connection.state === 'online', 'going online');
  await first.close();

  // 2. The days of work, through the counter's services.
  const writeStarted = performance.now();
  const db = openDatabase(join(dataDir, 'counter.db'));
  // Months of commits in seconds: no fsync per commit while seeding (the rows are the same).
  db.pragma('synchronous = OFF');
  const store = new CounterStore(db);
  const enrollment = store.enrollment()!;
  const config = store.config();
  const windowCode = config.windows.get(WINDOW_ID)?.code ?? null;
  if (windowCode === null) throw new Error(`seeding: window ${WINDOW_ID} missing from the pulled config`);
  const secrets = new FileSecretStore(dataDir);
  let now = new Date();
  const clock = () => now;
  const chainKey = chainKeySource({ token: () => secrets.get(DEVICE_TOKEN), deviceId: () => enrollment.deviceId });
  const outbox = new Outbox(db, { clock, chainKey });
  const context: CaseContext = { windowId: WINDOW_ID, windowCode, staffNo: STAFF_NO, deviceNo: enrollment.deviceNo, ticket: null };
  const cases = new CaseService({ store, outbox, clock, log: silentLogger, config: () => config, context: () => context });
  const ratingStore = new RatingStore(db);
  const ratingId = uuidv7Generator(clock);
  const items = [...config.items.values()].filter((item) => item.materials.length > 0 && item.applicantTypes.includes('person'));
  const refuseReason = config.settings?.refuseReasons.find((reason) => !reason.startsWith('其他')) ?? null;

  const today = Date.now();
  const pendingFinish: { caseNo: string; due: number }[] = [];
  let n = 0;
  let ratings = 0;
  // One transaction a day (each case and rating still its own, nested): months in seconds.
  for (let day = plan.days - 1; day >= 0; day--) db.transaction(() => {
    // Beijing 09:00 of that day (01:00 UTC); today's cases end a minute ago.
    const dayStart = Math.floor((today - day * DAY_MS) / DAY_MS) * DAY_MS + 60 * 60 * 1000;
    const spacing = day === 0 ? Math.max(1000, Math.min(4 * 60_000, (today - 60_000 - dayStart) / plan.perDay)) : 4 * 60_000;
    const opens = day === 0 ? Math.min(dayStart, today - 60_000 - spacing * plan.perDay) : dayStart;
    // Promised cases accepted three days ago or more are finished by now, at the start of this day.
    now = new Date(opens - 60_000);
    while (pendingFinish.length > 0 && pendingFinish[0]!.due <= opens) {
      cases.finish(pendingFinish.shift()!.caseNo, 'approved');
    }
    for (let k = 0; k < plan.perDay; k++) {
      n += 1;
      const calledAt = new Date(opens + k * spacing);
      now = new Date(calledAt.getTime() + Math.floor(spacing * 0.6));
      const item = items[n % items.length]!;
      context.ticket = { number: `A${String((k % 999) + 1).padStart(3, '0')}`, calledAt: calledAt.toISOString() };
      // Mostly 受理 with every material; one in ten 一次性告知 (first material missing), one in fifty 不予受理.
      const decision: CaseDecision = n % 50 === 0 && refuseReason ? 'refuse' : n % 10 === 0 ? 'notice' : 'accept';
      const args: SubmitCaseArgs = {
        draft: {
          itemCode: item.code,
          applicant: applicant(n),
          provided: item.materials.map((_, index) => decision !== 'notice' || index !== 0),
          ticketNumber: context.ticket.number,
        },
        decision,
        refuseReason: decision === 'refuse' ? refuseReason : null,
        refuseDetail: null,
        instantOutcome: decision === 'accept' && item.kind === 'instant' ? 'approved' : null,
      };
      const record = cases.submit(args);
      if (record.status === 'accepted') pendingFinish.push({ caseNo: record.caseNo, due: calledAt.getTime() + 3 * DAY_MS });
      // The citizen rates at the end of the service (RatingService.closed's write).
      const rating: RatingRecord = {
        id: ratingId(),
        sessionId: n,
        caseNo: record.caseNo,
        itemCode: item.code,
        windowId: WINDOW_ID,
        staffNo: STAFF_NO,
        ticketNumber: context.ticket.number,
        level: n % 7 === 0 ? 4 : 5,
        outcome: 'rated',
        channel: 'evaluator',
        deviceAddress: 1,
        openedAt: now.toISOString(),
        at: new Date(now.getTime() + 5000).toISOString(),
      };
      now = new Date(now.getTime() + 5000);
      db.transaction(() => {
        ratingStore.insertRating(rating);
        outbox.append(RATING_RECORDED, rating);
      })();
      ratings += 1;
    }
  })();
  now = new Date();
  db.close();
  const writeMs = performance.now() - writeStarted;

  // 3. Pushed to the hall server by the counter's push loop.
  const drainStarted = performance.now();
  const second = await openCounter({ dataDir, deviceName: 'bench-counter' });
  await waitFor(second, (s) => s.connection.state === 'online' && s.unsent === 0, 'pushing every record');
  await second.close();
  const drainMs = performance.now() - drainStarted;

  // 4. Retention, as the next day's start would run it.
  const after = openDatabase(join(dataDir, 'counter.db'));
  const purged = new Retention({ db: after, clock: () => new Date(), days: () => 30, log: silentLogger }).run();
  const count = (sql: string) => (after.prepare(sql).get() as { n: number }).n;
  const dayStartIso = new Date(Math.floor((today + 8 * 60 * 60 * 1000) / DAY_MS) * DAY_MS - 8 * 60 * 60 * 1000).toISOString();
  const report: SeedReport = {
    cases: count('SELECT count(*) AS n FROM cases'),
    ratings,
    outboxRecords: count('SELECT count(*) AS n FROM outbox'),
    openCases: count("SELECT count(*) AS n FROM cases WHERE status = 'accepted'"),
    todayCases: (after.prepare('SELECT count(*) AS n FROM cases WHERE decided_at >= ?').get(dayStartIso) as { n: number }).n,
    purged,
    writeMs,
    drainMs,
    dbBytes: count('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()'),
  };
  after.pragma('wal_checkpoint(TRUNCATE)');
  after.close();
  return report;
}
