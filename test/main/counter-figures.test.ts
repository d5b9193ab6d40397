// 今日统计 through the counter core's call() with the real hall server: the
// figures equal exactly the clerk's own events of the hall's day — N 叫号,
// M 办结, K 过号, the ratings by level (未评价 and cancelled apart), the
// service time from 叫号 to 办结, the cases — and leave out another clerk's
// work at the same window and the day before (midnight in Beijing, which is
// 16:00 UTC: the day's first events are still "yesterday" in UTC).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkFigures } from '../../common/cases.ts';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DEMO_PASSWORD, demoSeedWith, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { waitFor } from '../helpers/counter-views.ts';

const LIMIT_SECONDS = 5; // the shortest rating time limit a hall may set
const ID = '32010219850312004' + residentIdCheckChar('32010219850312004');

let hall: TestHallServer;
let kiosk: HallClient;
let counter: Counter;
/** The counter's clock stands still where the test puts it. */
let now = 0;
const setClock = (iso: string) => void (now = Date.parse(iso));
const later = (minutes: number) => void (now += minutes * 60_000);

beforeAll(async () => {
  hall = await startHallServer({ seedDir: demoSeedWith({ ratingTimeLimitSeconds: LIMIT_SECONDS }) });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
  setClock('2026-03-04T15:40:00+08:00');
  counter = await openCounter(
    {
      dataDir: join(mkdtempSync(join(tmpdir(), 'halldesk-figures-')), 'counter'),
      deviceName: 'figures test',
      autoEnroll: { serverUrl: hall.url, code },
      clock: () => new Date(now),
    },
    { retryDelay: () => 100 },
  );
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
});

afterAll(async () => {
  await counter?.close();
  await hall?.close();
});

const call = (name: 'callNext' | 'recall' | 'noShow' | 'complete') => counter.call(name, {}) as Promise<ClerkState>;
const signIn = (staffNo: string) => counter.call('signIn', { staffNo, password: DEMO_PASSWORD });
const figures = async () => ClerkFigures.parse(await counter.call('getFigures', {}));

/** A fresh ticket for line A, called: its number. */
async function callFresh(): Promise<string> {
  await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.queue.some((line) => line.lineId === 'A' && line.waiting > 0));
  return (await call('callNext')).current!.number;
}

/** 办结 after `minutes` of service: the rating prompt opens on the outward screen; its session id. */
async function completeAfter(minutes: number): Promise<number> {
  later(minutes);
  await call('complete');
  return (await waitFor<OutwardView>(counter, 'outwardView', (v) => v.rating !== null)).rating!.sessionId;
}

async function rate(level: 1 | 2 | 3 | 4 | 5, minutes: number): Promise<void> {
  const sessionId = await completeAfter(minutes);
  expect(await counter.call('rateByTouch', { sessionId, level })).toEqual({ accepted: true });
  await waitFor<OutwardView>(counter, 'outwardView', (v) => v.rating === null);
}

/** A 即办件 accepted and finished on the spot (婚姻登记档案查询证明). */
async function instantCase(): Promise<void> {
  await counter.call('submitCase', {
    draft: {
      itemCode: 'MZ-HY-001',
      applicant: { type: 'person', name: '王小明', idNumber: ID, phone: '13812345678' },
      provided: [true, true],
      ticketNumber: null,
    },
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: 'approved',
  });
}

describe('今日统计 at the counter', () => {
  it("equals the signed-in clerk's own events of the hall's day, and nothing else", async () => {
    // Yesterday, 23:50 in Beijing: a call, a 办结 rated 非常满意 and a case — all yesterday's.
    setClock('2026-03-04T23:50:00+08:00');
    await signIn('1001');
    await callFresh();
    await rate(5, 3);
    await instantCase();
    expect(await figures()).toMatchObject({ date: '2026-03-04', called: 1, completed: 1, accepted: 1 });

    // Today, from 00:10 in Beijing (16:10 UTC on the 4th).
    setClock('2026-03-05T00:10:00+08:00');
    const before = await figures();
    expect(before).toMatchObject({ date: '2026-03-05', staffNo: '1001', called: 0, completed: 0, accepted: 0, finished: 0 });

    await callFresh();
    await rate(5, 4); // 4 minutes of service, 非常满意
    await callFresh();
    await rate(1, 6); // 6 minutes, 非常不满意
    await callFresh();
    await call('recall');
    await call('noShow'); // 过号 (after the hall's one recall)
    await callFresh();
    await completeAfter(2); // 2 minutes; the prompt is open…
    await callFresh(); // …and the next number leaves it open (a rating is never lost to the queue)
    await completeAfter(8); // 8 minutes; its rating waits its turn. Nobody presses a key: 未评价 twice
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.rating === null, 2 * (LIMIT_SECONDS + 5) * 1000);
    await callFresh();
    await call('recall');
    await call('noShow');
    later(1);
    await instantCase();

    // Another clerk at the same window: a call, a 办结 rated 满意, a case — theirs, not 1001's.
    await counter.call('signOut', {});
    await signIn('1002');
    await callFresh();
    await rate(4, 5);
    await instantCase();
    expect(await figures()).toMatchObject({ staffNo: '1002', called: 1, completed: 1, noShows: 0, accepted: 1 });
    await counter.call('signOut', {});
    await signIn('1001');

    const today = await figures();
    expect(today).toEqual({
      date: '2026-03-05',
      staffNo: '1001',
      called: 6,
      completed: 4,
      noShows: 2,
      transferred: 0, // none in this run (test/main/counter-ticket-ops.test.ts counts 转窗)
      averageServiceMinutes: 5, // (4 + 6 + 2 + 8) / 4
      accepted: 1,
      finished: 1,
      onTimeRate: null,
      ratings: {
        // 非常满意 1, 满意 0, 基本满意 0, 不满意 0, 非常不满意 1
        levels: [1, 0, 0, 0, 1].map((count, i) => ({ level: 5 - i, count })),
        notRated: 2,
        cancelled: 0,
      },
    });

    // The same figures counted straight from the clerk's view of the call log (today, this window).
    const log = ((await counter.call('getClerkState', {})) as ClerkState).log;
    const actions = (action: string) => log.filter((entry) => entry.action === action).length;
    // The log shows the window's calls, 1002's included: take theirs (one call, one 办结) off.
    expect([actions('callNext') - 1, actions('complete') - 1, actions('noShow')]).toEqual([
      today.called,
      today.completed,
      today.noShows,
    ]);
  });
});
