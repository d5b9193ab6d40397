// The push loop (main/sync/pusher.ts) against the real hall server over real
// HTTP, through the fault proxy (or a small HTTP front for canned statuses):
// server down throughout, answers lost after the server committed, 500 / 503
// / 429 with Retry-After, 409 gaps, duplicate pushes, clocks off by an hour,
// a broken hash chain, refusals that are not retried, timeouts.
import Database from 'better-sqlite3';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../common/http-api.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import { HallClient, parseRetryAfter } from '../../main/hall-client.ts';
import { openDatabase } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { backoffDelay, Pusher, type PushTuning } from '../../main/sync/pusher.ts';
import { startFaultProxy, startStatusFront, type FaultProxy } from '../helpers/fault-proxy.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import {
  appendCases,
  caseArgs,
  counterOutbox,
  memoryLogger,
  serverCaseNos,
  serverMutations,
  until,
} from './support.ts';

let hall: TestHallServer;
let proxy: FaultProxy;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  hall = await startHallServer();
  proxy = await startFaultProxy(hall.url);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  proxy.set('pass');
});
afterAll(async () => {
  await proxy.close();
  await hall.close();
});

const FAST: Partial<PushTuning> = { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 400, random: () => 0.999 };

interface Rig {
  enrollment: Enrollment;
  pusher: Pusher;
  outbox: Outbox;
  db: Database.Database;
  file: string;
  clock: { offsetMs: number };
  issues: (string | null)[];
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

/** A counter's outbox and a pusher for a fresh device at `windowId`, pushing to `url` (default: through the proxy). */
async function rig(windowId: number, tuning: Partial<PushTuning> = FAST, url?: string): Promise<Rig> {
  const enrollment = await hall.enroll(windowId);
  const { db, outbox, file, clock } = counterOutbox();
  const lines: Rig['lines'] = [];
  const issues: (string | null)[] = [];
  const client = new HallClient({ baseUrl: url ?? proxy.url, token: enrollment.token });
  const pusher: Pusher = new Pusher({
    outbox,
    target: () => ({ client, deviceId: enrollment.deviceId }),
    log: memoryLogger(lines),
    tuning,
    onChange: () => issues.push(pusher.status().issue),
  });
  cleanups.push(async () => {
    await pusher.close();
    db.close();
  });
  return { enrollment, pusher, outbox, db, file, clock, issues, lines };
}

const states = (r: Rig) => r.outbox.entries().map((m) => m.state);
const drained = (r: Rig) =>
  until(
    () => r.outbox.unsentCount(),
    (n) => n === 0,
    'the outbox to drain',
  );
const caseNos = (r: Rig, from: number, count: number) =>
  Array.from(
    { length: count },
    (_, i) => caseArgs(from + i, r.enrollment.windowId!, r.enrollment.deviceNo).caseNo,
  );

/** The server holds exactly the outbox's records, in seq order, each once. */
function expectExactlyOnce(r: Rig): void {
  const local = r.outbox.entries();
  const remote = serverMutations(hall.dataDir, r.enrollment.deviceId);
  expect(remote.map((m) => [m.seq, m.id])).toEqual(local.map((m) => [m.seq, m.id]));
}

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('backoff and Retry-After', () => {
  it('full jitter: uniform below min(60 s, 1 s × 2^n)', () => {
    const tuning = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([0, 1, 2, 5, 6, 7, 40].map((n) => backoffDelay(n, { ...tuning, random: () => 0.999999 }))).toEqual(
      [999, 1999, 3999, 31999, 59999, 59999, 59999],
    );
    expect(backoffDelay(3, { ...tuning, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...tuning, random: () => 0.5 })).toBe(4000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-05T02:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 05 Mar 2026 02:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 05 Mar 2026 01:00:00 GMT', now)).toBe(0);
    expect([parseRetryAfter(null, now), parseRetryAfter('soon', now)]).toEqual([null, null]);
  });
});

describe('pushing through a faulty link', () => {
  it('server down for the whole test: every record stays in the outbox, retried with growing delays, nothing lost', async () => {
    const dead = await startFaultProxy(`http://127.0.0.1:${await deadPort()}`);
    cleanups.push(() => dead.close());
    const r = await rig(1, FAST, dead.url);
    appendCases(r.db, r.outbox, 1, 5, 1, r.enrollment.deviceNo);
    r.pusher.kick();
    await until(
      () => r.pusher.stats.failures,
      (n) => n >= 7,
      'seven failed attempts',
    );
    // Once at once (a stale keep-alive connection fails like this), then full jitter (random 0.999).
    expect(r.pusher.stats.delays.slice(0, 7)).toEqual([0, 19, 39, 79, 159, 199, 199]);
    expect(states(r)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(r.outbox.unsentCount()).toBe(5);
    expect(r.outbox.entries().every((m) => m.attempts >= 7)).toBe(true);
    // Unreachable is the connection state's news, not a sync issue of its own.
    expect(r.pusher.status()).toMatchObject({ phase: expect.stringMatching(/waiting|pushing/), issue: null });

    // Blackholed instead of refused: each try ends at the request timeout.
    await r.pusher.close();
    const holed = await rig(1, { ...FAST, timeoutMs: 150 });
    proxy.set('blackhole');
    const started = Date.now();
    appendCases(holed.db, holed.outbox, 1, 3, 1, holed.enrollment.deviceNo);
    holed.pusher.kick();
    await until(
      () => holed.pusher.stats.failures,
      (n) => n >= 2,
      'two timeouts',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(holed.outbox.unsentCount()).toBe(3);
    expect(serverMutations(hall.dataDir, holed.enrollment.deviceId)).toEqual([]);

    // The reopened file still holds them all, unsent; when the link returns they all arrive, once.
    const reopenedDb = openDatabase(r.file);
    expect(new Outbox(reopenedDb).unsentCount()).toBe(5);
    reopenedDb.close();
    proxy.set('pass');
    holed.pusher.linkUp();
    await drained(holed);
    expectExactlyOnce(holed);
  });

  it('answers lost after the server committed: resent, answered duplicate, stored exactly once', async () => {
    const r = await rig(2);
    appendCases(r.db, r.outbox, 1, 3, 2, r.enrollment.deviceNo);
    // The response is cut 30 bytes in: the server has committed, the counter never hears.
    proxy.set({ mode: 'reset', afterBytes: 30, once: true });
    r.pusher.kick();
    await drained(r);
    expect(proxy.stats.resets).toBeGreaterThanOrEqual(1);
    expect(r.pusher.stats).toMatchObject({ applied: 0, duplicate: 3, rejected: 0 });
    expect(r.pusher.stats.failures).toBe(1);
    expect(states(r)).toEqual(['acked', 'acked', 'acked']);
    expectExactlyOnce(r);
    expect(serverCaseNos(hall.dataDir, r.enrollment.deviceId)).toEqual(caseNos(r, 1, 3));

    // The request cut instead (the server never had it all): applied on the retry.
    appendCases(r.db, r.outbox, 4, 2, 2, r.enrollment.deviceNo);
    proxy.set({ mode: 'reset', afterBytes: 200, direction: 'request', once: true });
    r.pusher.kick();
    await drained(r);
    expect(r.pusher.stats).toMatchObject({ applied: 2, duplicate: 3, failures: 2 });
    expectExactlyOnce(r);
  });

  it('a slow link: the request times out, is retried, and the records arrive once', async () => {
    const r = await rig(3, { ...FAST, timeoutMs: 150 });
    appendCases(r.db, r.outbox, 1, 4, 3, r.enrollment.deviceNo);
    proxy.set({ mode: 'delay', ms: 400 });
    r.pusher.kick();
    await until(
      () => r.pusher.stats.failures,
      (n) => n >= 1,
      'a timeout',
    );
    proxy.set('pass');
    await drained(r);
    expectExactlyOnce(r);
    expect(r.pusher.stats.applied + r.pusher.stats.duplicate).toBeGreaterThanOrEqual(4);
  });

  it('honours Retry-After on 503 and 429, backs off on 500, and says why to the clerk', async () => {
    const front = await startStatusFront(hall.url);
    cleanups.push(() => front.close());
    const waited: number[] = [];
    const r = await rig(
      4,
      { ...FAST, random: () => 0.5, sleep: async (ms) => void waited.push(ms) },
      front.url,
    );
    front.answer('/v1/sync/push', {
      status: 503,
      headers: { 'retry-after': '3' },
      body: { code: 'BUSY', message: '服务器维护中' },
    });
    front.answer('/v1/sync/push', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { code: 'BUSY', message: '请求过多' },
    });
    front.answer('/v1/sync/push', { status: 500, body: { code: 'INTERNAL', message: '服务器内部错误' } });
    front.answer('/v1/sync/push', { status: 503, body: { code: 'BUSY', message: '服务器维护中' } });
    appendCases(r.db, r.outbox, 1, 2, 4, r.enrollment.deviceNo);
    r.pusher.kick();
    await drained(r);
    // 3 s and 7 s as told; then full jitter (random 0.5) at attempts 2 and 3: 0.5 × 80, 0.5 × 160.
    expect(waited).toEqual([3000, 7000, 40, 80]);
    expect(front.answered).toHaveLength(4);
    expect(r.issues).toContainEqual(
      expect.stringContaining('大厅服务器暂时无法接收记录（服务器维护中），约 3 秒后重试'),
    );
    expect(r.issues.at(-1)).toBeNull();
    expectExactlyOnce(r);

    // With the real clock: the retry comes no sooner than Retry-After says.
    const timed = await rig(4, { ...FAST, random: () => 0 }, front.url);
    front.answer('/v1/sync/push', {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { code: 'BUSY', message: '请求过多' },
    });
    appendCases(timed.db, timed.outbox, 1, 1, 4, timed.enrollment.deviceNo);
    const before = Date.now();
    timed.pusher.kick();
    await drained(timed);
    expect(Date.now() - before).toBeGreaterThanOrEqual(1000);
  });

  it('does not retry other refusals by itself (400, 403), retries 401, and starts again when the link returns', async () => {
    const front = await startStatusFront(hall.url);
    cleanups.push(() => front.close());
    const r = await rig(5, FAST, front.url);
    front.answer('/v1/sync/push', {
      status: 400,
      body: { code: 'BAD_REQUEST', message: '请求内容不正确：版本不符' },
    });
    appendCases(r.db, r.outbox, 1, 2, 5, r.enrollment.deviceNo);
    r.pusher.kick();
    await until(
      () => r.pusher.status().phase,
      (p) => p === 'blocked',
      'the loop to stop',
    );
    expect(r.pusher.status().issue).toContain('大厅服务器拒收了本机的记录：请求内容不正确：版本不符');
    await new Promise((resolve) => setTimeout(resolve, 150));
    appendCases(r.db, r.outbox, 3, 1, 5, r.enrollment.deviceNo);
    r.pusher.kick(); // a new local record does not unblock it either
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(front.answered).toHaveLength(1);
    expect(r.outbox.unsentCount()).toBe(3);

    front.answer('/v1/sync/push', { status: 401, body: { code: 'UNAUTHORIZED', message: '设备令牌无效' } });
    r.pusher.linkUp();
    await drained(r);
    expect(front.answered).toHaveLength(2);
    expect(r.issues).toContainEqual(expect.stringContaining('不认可本设备的令牌'));
    expectExactlyOnce(r);
  });

  it('a 409 gap (the server restored from a backup): resends from lastSeq + 1, acknowledged records included', async () => {
    const r = await rig(1);
    appendCases(r.db, r.outbox, 1, 6, 1, r.enrollment.deviceNo);
    r.pusher.kick();
    await drained(r);
    // The server loses everything after seq 2, as a restore from last night's backup would.
    const server = new Database(join(hall.dataDir, 'hall.sqlite'));
    server.prepare('DELETE FROM cases WHERE device_id = ? AND seq > 2').run(r.enrollment.deviceId);
    server.prepare('DELETE FROM sync_mutations WHERE device_id = ? AND seq > 2').run(r.enrollment.deviceId);
    server.close();

    appendCases(r.db, r.outbox, 7, 2, 1, r.enrollment.deviceNo);
    r.pusher.kick();
    await drained(r);
    await r.pusher.settled();
    expect(r.pusher.stats.gaps).toBe(1);
    expect(r.lines.find((l) => l.message.startsWith('push gap'))?.fields).toMatchObject({
      lastSeq: 2,
      sentFrom: 7,
    });
    expectExactlyOnce(r);
    expect(serverMutations(hall.dataDir, r.enrollment.deviceId).every((m) => m.status === 'applied')).toBe(
      true,
    );
    expect(serverCaseNos(hall.dataDir, r.enrollment.deviceId)).toEqual(caseNos(r, 1, 8));
  });

  it('two pushes of the same records at once: each applied once, the other answered duplicate', async () => {
    const r = await rig(2);
    // A second pusher over another connection to the same counter file.
    const db2 = openDatabase(r.file);
    const client = new HallClient({ baseUrl: proxy.url, token: r.enrollment.token });
    const twin = new Pusher({
      outbox: new Outbox(db2),
      target: () => ({ client, deviceId: r.enrollment.deviceId }),
      log: memoryLogger([]),
      tuning: FAST,
    });
    cleanups.push(async () => {
      await twin.close();
      db2.close();
    });
    appendCases(r.db, r.outbox, 1, 20, 2, r.enrollment.deviceNo);
    r.pusher.kick();
    twin.kick();
    await drained(r);
    await Promise.all([r.pusher.settled(), twin.settled()]);
    const applied = r.pusher.stats.applied + twin.stats.applied;
    const duplicate = r.pusher.stats.duplicate + twin.stats.duplicate;
    expect(applied).toBe(20);
    expect(duplicate).toBeGreaterThan(0);
    expectExactlyOnce(r);
  });

  it('orders by seq, not by time: clocks an hour ahead and an hour behind', async () => {
    const r = await rig(3);
    r.clock.offsetMs = 3600_000;
    appendCases(r.db, r.outbox, 1, 3, 3, r.enrollment.deviceNo);
    r.clock.offsetMs = -3600_000;
    appendCases(r.db, r.outbox, 4, 3, 3, r.enrollment.deviceNo);
    r.clock.offsetMs = 0;
    appendCases(r.db, r.outbox, 7, 2, 3, r.enrollment.deviceNo);
    const ats = r.outbox.entries().map((m) => Date.parse(m.at));
    expect(ats[3]! - ats[2]!).toBeLessThan(-7000_000);
    r.pusher.kick();
    await drained(r);
    expectExactlyOnce(r);
    expect(r.pusher.stats).toMatchObject({ applied: 8, rejected: 0 });
    expect(serverCaseNos(hall.dataDir, r.enrollment.deviceId)).toEqual(caseNos(r, 1, 8));
    const serverTime = r.lines.find((l) => l.message === 'pushed')?.fields?.serverTime as string;
    expect(Math.abs(Date.parse(serverTime) - Date.now())).toBeLessThan(60_000);
  });

  it('a broken hash chain: that record is rejected and reported, the rest goes on', async () => {
    const r = await rig(4);
    appendCases(r.db, r.outbox, 1, 4, 4, r.enrollment.deviceNo);
    // Someone edits a stored record after the fact.
    const tampered = { ...caseArgs(2, 4, r.enrollment.deviceNo), staffNo: '9999' };
    r.db.prepare('UPDATE outbox SET args = ? WHERE seq = 2').run(JSON.stringify(tampered));
    r.pusher.kick();
    await drained(r);
    expect(states(r)).toEqual(['acked', 'rejected', 'acked', 'acked']);
    const [rejected] = r.outbox.rejected();
    expect(rejected).toMatchObject({ seq: 2, name: CASE_DECIDED });
    expect(rejected!.reason).toMatch(/^哈希链断裂/);
    expect(r.lines.find((l) => l.message === 'mutation rejected by the hall server')?.fields).toMatchObject({
      seq: 2,
    });
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const listed = await admin.request('rejectedMutations', { query: { deviceId: r.enrollment.deviceId } });
    expect(listed.mutations.map((m) => [m.seq, m.reason])).toEqual([[2, rejected!.reason]]);
    expect(serverCaseNos(hall.dataDir, r.enrollment.deviceId)).toEqual(
      caseNos(r, 1, 4).filter((_, i) => i !== 1),
    );
  });

  it('sends at most 500 a request, and retries at once when the link returns', async () => {
    const r = await rig(5, { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 5000 });
    r.db.transaction(() => {
      for (let i = 1; i <= 1200; i++) r.outbox.append(CASE_DECIDED, caseArgs(i, 5, r.enrollment.deviceNo));
    })();
    // Every connection is cut as soon as the request starts: the link is down.
    proxy.set({ mode: 'reset', direction: 'request', afterBytes: 10 });
    r.pusher.kick();
    await until(
      () => r.pusher.status().phase,
      (p) => p === 'waiting',
      'the first backoff',
    );
    expect(r.pusher.stats.delays).toEqual([0, 59_940]);
    proxy.set('pass');
    const back = Date.now();
    r.pusher.linkUp();
    await drained(r);
    expect(Date.now() - back).toBeLessThan(10_000);
    // 2 cut (the second at once) + 3 batches (500, 500, 200).
    expect(r.pusher.stats.requests).toBe(5);
    expect(r.pusher.stats.applied).toBe(1200);
    expectExactlyOnce(r);
  });
});
