// The per-device queue stream (issue 20, point 3), over real HTTP against the
// real hall server: the waiting counts the server keeps (server migration 15,
// triggers on tickets) stay equal to a recount of the tickets through issue,
// call, 转业务, 挂起, 回呼, 过号 and a walk-in; a counter's stream=queue page
// holds only the tickets it issued (its walk-ins), as they are now, whoever
// calls them; a kiosk still reads every ticket change; the queue hints of the
// event stream carry the counts; a window event names the device whose own
// call it echoes (that counter need not read its window again).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HallEvent } from '../../common/http-api.ts';
import { QueuePage, type WaitingCounts } from '../../common/http-api.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { call, openEventStream, openHallDatabaseAt, startTestHall, type TestHall } from './support.ts';

// 2026-12-07 09:00 in the hall (Beijing).
const clock = () => new Date('2026-12-07T01:00:00.000Z');
const DAY = '2026-12-07';

let hall: TestHall | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await hall?.close();
  hall = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<TestHall> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-queue-stream-'));
  dirs.push(dataDir);
  hall = await startTestHall({ dataDir, clock, signInDelayMs: () => 0 });
  return hall;
}

let keys = 0;
async function ok(
  h: TestHall,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const answer = await call(h.url, method, path, {
    token,
    body,
    headers: { 'Idempotency-Key': `k-${++keys}` },
  });
  expect(answer.status, `${path} ${JSON.stringify(answer.json)}`).toBe(200);
  return answer.json;
}

async function counterAt(h: TestHall, windowId: number, staffNo: string): Promise<string> {
  const { token } = await h.enroll(windowId);
  await ok(h, token, 'POST', '/v1/auth/sign-in', { staffNo, password: DEMO_PASSWORD });
  return token;
}

const pull = async (h: TestHall, token: string, cursor = 0) =>
  QueuePage.parse(await ok(h, token, 'GET', `/v1/sync/pull?stream=queue&cursor=${cursor}`));

/** The waiting counts recounted from the tickets themselves, through a second connection. */
function recount(dbPath: string): WaitingCounts {
  const db = openHallDatabaseAt(dbPath);
  try {
    const rows = db
      .prepare(
        `SELECT COALESCE(queue_line_id, line_id) AS lineId, COUNT(*) AS waiting FROM tickets
         WHERE day = ? AND status = 'waiting' GROUP BY 1 ORDER BY 1`,
      )
      .all(DAY) as { lineId: string; waiting: number }[];
    return Object.fromEntries(rows.map((row) => [row.lineId, row.waiting]));
  } finally {
    db.close();
  }
}

it('keeps each line’s waiting count equal to a recount through every queue operation', async () => {
  const h = await open();
  const kiosk = (await h.enroll(null)).token;
  const one = await counterAt(h, 1, '1001'); // window 1 serves A, C
  const two = await counterAt(h, 2, '1002'); // window 2 serves A
  for (const lineId of ['A', 'A', 'A', 'B', 'B', 'C'])
    await ok(h, kiosk, 'POST', '/v1/tickets', { lineId, priority: 'normal' });
  const expectCounts = async (counts: WaitingCounts) => {
    expect((await pull(h, one)).waiting).toEqual(counts);
    expect(recount(h.dbPath)).toEqual(counts);
  };
  await expectCounts({ A: 3, B: 2, C: 1 });

  await ok(h, one, 'POST', '/v1/windows/1/call-next'); // A001
  await expectCounts({ A: 2, B: 2, C: 1 });
  // 转业务: A001 waits again, in line B.
  await ok(h, one, 'POST', '/v1/windows/1/transfer-ticket', { number: 'A001', to: { lineId: 'B' } });
  await expectCounts({ A: 2, B: 3, C: 1 });
  await ok(h, two, 'POST', '/v1/windows/2/call-next'); // A002
  await ok(h, two, 'POST', '/v1/windows/2/park', { number: 'A002' });
  await expectCounts({ A: 1, B: 3, C: 1 });
  await ok(h, two, 'POST', '/v1/windows/2/call-ticket', { number: 'A002' }); // 回呼: parked, never waiting again
  await expectCounts({ A: 1, B: 3, C: 1 });
  await ok(h, two, 'POST', '/v1/windows/2/call-next'); // A003; A002 is completed
  await expectCounts({ B: 3, C: 1 });
  // A walk-in printed at window 1 joins line A.
  await ok(h, one, 'POST', '/v1/windows/1/walk-in-lease');
  await ok(h, one, 'POST', '/v1/windows/1/walk-ins', {
    number: 'W01-001',
    day: DAY,
    seq: 1,
    lineId: 'A',
    staffNo: '1001',
    issuedAt: clock().toISOString(),
  });
  await expectCounts({ A: 1, B: 3, C: 1 });
});

it('gives a counter only its own walk-ins, as they are now, and a kiosk every ticket change', async () => {
  const h = await open();
  const kiosk = (await h.enroll(null)).token;
  const one = await counterAt(h, 1, '1001');
  const two = await counterAt(h, 2, '1002');
  await ok(h, kiosk, 'POST', '/v1/tickets', { lineId: 'A', priority: 'normal' });
  await ok(h, one, 'POST', '/v1/windows/1/walk-in-lease');
  await ok(h, one, 'POST', '/v1/windows/1/walk-ins', {
    number: 'W01-001',
    day: DAY,
    seq: 1,
    lineId: 'A',
    staffNo: '1001',
    issuedAt: clock().toISOString(),
  });

  const first = await pull(h, one);
  expect(first.reset).toBe(true);
  expect(first.hasMore).toBe(false);
  expect(first.day).toBe(DAY);
  expect(first.waiting).toEqual({ A: 2 });
  expect(first.changes.map((change) => [change.ticket.number, change.ticket.status])).toEqual([
    ['W01-001', 'waiting'],
  ]);
  // Window 2 has issued nothing: counts only.
  expect((await pull(h, two)).changes).toEqual([]);

  await ok(h, two, 'POST', '/v1/windows/2/call-next'); // A001
  await ok(h, two, 'POST', '/v1/windows/2/call-next'); // W01-001, called at window 2
  const next = await pull(h, one, first.cursor);
  expect(next.reset).toBe(false);
  expect(next.waiting).toEqual({});
  expect(next.changes).toEqual([
    {
      version: next.cursor,
      ticket: expect.objectContaining({ number: 'W01-001', status: 'called', windowId: 2 }),
    },
  ]);

  const forKiosk = await pull(h, kiosk);
  expect(forKiosk.changes.map((change) => change.ticket.number).sort()).toEqual(['A001', 'W01-001']);
  expect(forKiosk.waiting).toEqual({});
  expect(forKiosk.cursor).toBe(next.cursor);
  // A cursor the server never gave is 410 for both.
  for (const token of [one, kiosk]) {
    const answer = await call(h.url, 'GET', `/v1/sync/pull?stream=queue&cursor=${next.cursor + 1000}`, {
      token,
    });
    expect(answer.status).toBe(410);
  }
});

it('sends the waiting counts with the queue hint, once for many calls', async () => {
  const h = await open();
  const kiosk = (await h.enroll(null)).token;
  const three = await counterAt(h, 3, '1003'); // window 3 serves B, A
  for (let i = 0; i < 5; i++) await ok(h, kiosk, 'POST', '/v1/tickets', { lineId: 'B', priority: 'normal' });

  const events = await openEventStream(h.url, kiosk);
  const nextEvent = events.nextEvent;
  try {
    expect((await nextEvent()).type).toBe('hello');
    // Three calls in a row: the kiosk hears hints (coalesced: at most one a call), each with the counts then.
    for (let i = 0; i < 3; i++) {
      await ok(h, three, 'POST', '/v1/windows/3/call-next');
    }
    const seen: (number | undefined)[] = [];
    while (seen.at(-1) !== 2) {
      const hint = await nextEvent();
      expect(hint.type).toBe('queue');
      seen.push(hint.type === 'queue' ? hint.waiting?.B : undefined);
    }
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(seen.every((count) => count !== undefined && count >= 2 && count <= 4)).toBe(true);
  } finally {
    events.close();
  }
});

it("names the device whose own call a window event echoes, and no device when a change was someone else's", async () => {
  const h = await open();
  const kiosk = (await h.enroll(null)).token;
  const enrollment = await h.enroll(1);
  await ok(h, enrollment.token, 'POST', '/v1/auth/sign-in', { staffNo: '1001', password: DEMO_PASSWORD });
  const five = await counterAt(h, 5, '1005'); // window 5 serves C, A
  for (let i = 0; i < 3; i++) await ok(h, kiosk, 'POST', '/v1/tickets', { lineId: 'A', priority: 'normal' });

  const events = await openEventStream(h.url, enrollment.token);
  const nextWindowEvent = async (): Promise<HallEvent> => {
    for (;;) {
      const event = await events.nextEvent();
      if (event.type === 'window') return event;
    }
  };
  try {
    await ok(h, enrollment.token, 'POST', '/v1/windows/1/call-next'); // A001
    expect(await nextWindowEvent()).toMatchObject({ windowId: 1, by: enrollment.deviceId });
    await ok(h, enrollment.token, 'POST', '/v1/windows/1/recall');
    expect(await nextWindowEvent()).toMatchObject({ windowId: 1, by: enrollment.deviceId });
    // Window 5 sends its ticket to window 1 (转窗): a change window 1's counter did not make.
    await ok(h, five, 'POST', '/v1/windows/5/call-next'); // A002
    await ok(h, five, 'POST', '/v1/windows/5/transfer-ticket', { number: 'A002', to: { windowId: 1 } });
    const foreign = await nextWindowEvent();
    expect(foreign.type === 'window' && foreign.by).toBeFalsy();
  } finally {
    events.close();
  }
});
