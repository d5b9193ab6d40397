// Stored call-next replies (the answer kept under each Idempotency-Key) are
// pruned once older than two days: at server start and then hourly, by the
// injected clock and timer. A reply within the two days still answers a retry
// with the same key with the same ticket, and takes no other.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CallNextResult, Enrollment, EnrollmentCode, IssuedTicket } from '../../common/http-api.ts';
import { CALL_NEXT_REPLY_PRUNE_EVERY_MS, type PruneTimer } from '../../server/hall.ts';
import { createHallServer } from '../../server/hall-server.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { fakeIntervalTimer } from '../helpers/fake-interval.ts';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
/** Monday 2026-03-02, 09:00 in Beijing. */
const T0 = new Date('2026-03-02T01:00:00.000Z');

const fakeTimer = (): ReturnType<typeof fakeIntervalTimer> & PruneTimer => fakeIntervalTimer();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function post(url: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

function storedKeys(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT idempotency_key FROM call_next_replies ORDER BY at').pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('pruning of stored call-next replies', () => {
  it('forgets replies older than two days at start and hourly; a fresh one still answers its key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-replies-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const dbPath = join(dataDir, 'hall.sqlite');
    const adminToken = 'test-admin-token';
    let now = T0;
    const timer = fakeTimer();
    const open = async (pruneTimer: PruneTimer) => {
      const server = createHallServer({ dbPath, adminToken, seedDir: DEMO_SEED_DIR, clock: () => now, pruneTimer });
      const url = await server.listen(0, '127.0.0.1');
      return { server, url };
    };
    const first = await open(timer);
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await first.server.close();
    });
    const { url } = first;
    expect(timer.runs.map((r) => r.ms)).toEqual([CALL_NEXT_REPLY_PRUNE_EVERY_MS]);

    const enroll = async (role: 'counter' | 'kiosk', windowId: number | null) => {
      const { code } = EnrollmentCode.parse(await post(`${url}/v1/admin/enrollment-codes`, { role, windowId }, adminToken));
      return Enrollment.parse(await post(`${url}/v1/devices/enroll`, { code, deviceName: `test ${role}` }));
    };
    const counter = await enroll('counter', 3);
    const kiosk = await enroll('kiosk', null);
    await post(`${url}/v1/auth/sign-in`, { staffNo: '1002', password: DEMO_PASSWORD }, counter.token);
    const issue = async () => IssuedTicket.parse(await post(`${url}/v1/tickets`, { lineId: 'B' }, kiosk.token)).ticket;
    const callNext = async (key: string) =>
      CallNextResult.parse(await post(`${url}/v1/windows/3/call-next`, undefined, counter.token, { 'Idempotency-Key': key }));

    // Day 0 and day 1: one call each (tickets are per business day).
    const a = await issue();
    expect((await callNext('old')).ticket?.id).toBe(a.id);
    now = new Date(T0.getTime() + DAY);
    const b = await issue();
    const fresh = await callNext('fresh');
    expect(fresh.ticket?.id).toBe(b.id);
    expect(storedKeys(dbPath)).toEqual(['old', 'fresh']);

    // Two days and a minute after the first call: the hourly run forgets it only.
    now = new Date(T0.getTime() + 2 * DAY + MINUTE);
    timer.runs[0]!.run();
    expect(storedKeys(dbPath)).toEqual(['fresh']);
    // A retry with the kept key gets the same ticket, and leaves the waiting one alone.
    const c = await issue();
    expect(await callNext('fresh')).toEqual(fresh);
    expect(await callNext('fresh')).toEqual(fresh);
    expect((await callNext('new')).ticket?.id).toBe(c.id);
    expect(storedKeys(dbPath)).toEqual(['fresh', 'new']);

    await first.server.close();
    closed = true;
    expect(timer.cleared).toBe(1);

    // A restart prunes at once: three days on, 'fresh' (day 1) is past two days, 'new' is not yet.
    now = new Date(T0.getTime() + 3 * DAY + 30 * MINUTE);
    const restartTimer = fakeTimer();
    const second = await open(restartTimer);
    cleanups.push(() => second.server.close());
    expect(storedKeys(dbPath)).toEqual(['new']);
    expect(restartTimer.runs.map((r) => r.ms)).toEqual([CALL_NEXT_REPLY_PRUNE_EVERY_MS]);
  });
});
