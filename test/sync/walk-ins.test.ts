// 现场补号: the hall server leases each window's walk-in numbers in ranges that
// never overlap and takes each number once, from the device it was leased to;
// the counter leases while online, issues offline from its range, and the
// walk-in reaches the server once the link returns.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { Enrollment, PushResult } from '../../common/http-api.ts';
import { isoDateAt } from '../../common/calendar.ts';
import { WALKIN_ISSUED, type Mutation, type WalkInIssuedArgs } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { WALK_IN_LOW_WATER } from '../../main/queue/walk-ins.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR, startHallServer } from '../helpers/hall-server.ts';
import { chain, deviceClient, hallDb, until } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const walkIn = (seq: number, windowId = 3, code = '03', day = isoDateAt(new Date())): WalkInIssuedArgs => ({
  number: `W${code}-${String(seq).padStart(3, '0')}`,
  day,
  seq,
  lineId: 'A',
  windowId,
  staffNo: '1003',
  issuedAt: new Date().toISOString(),
});

describe('walk-in numbers on the hall server', () => {
  it('leases ranges that never overlap per window and day, and takes each number once from its own device', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const a = await hall.enroll(3);
    const b = await hall.enroll(3); // a second counter at the same window
    const other = await hall.enroll(1);
    const clientA = deviceClient(hall.url, a.token);
    const clientB = deviceClient(hall.url, b.token);
    const first = await clientA.request('walkInLease', { params: { id: 3 } });
    const second = await clientB.request('walkInLease', { params: { id: 3 } });
    const third = await clientA.request('walkInLease', { params: { id: 3 } });
    expect(first).toMatchObject({ prefix: 'W03-', from: 1, to: 50, day: isoDateAt(new Date()) });
    expect(second).toMatchObject({ prefix: 'W03-', from: 51, to: 100 });
    expect(third).toMatchObject({ from: 101, to: 150 });
    expect(await deviceClient(hall.url, other.token).request('walkInLease', { params: { id: 1 } })).toMatchObject({
      prefix: 'W01-',
      from: 1,
    });
    // Another window's lease is refused.
    await expect(clientA.request('walkInLease', { params: { id: 1 } })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const push = (d: Enrollment, client: HallClient, mutations: Mutation[]): Promise<PushResult> =>
      client.request('push', { body: { deviceId: d.deviceId, mutations } });
    const result = await push(
      a,
      clientA,
      chain([
        { name: WALKIN_ISSUED, args: walkIn(1) },
        { name: WALKIN_ISSUED, args: walkIn(1) }, // used twice
        { name: WALKIN_ISSUED, args: walkIn(51) }, // leased to counter b
        { name: WALKIN_ISSUED, args: walkIn(151) }, // never leased
        { name: WALKIN_ISSUED, args: walkIn(2, 3, '01') }, // not this window's prefix
        { name: WALKIN_ISSUED, args: walkIn(2, 1, '01') }, // another window
        { name: WALKIN_ISSUED, args: walkIn(101) },
      ]),
    );
    expect(result.results.map((r) => r.status)).toEqual([
      'applied',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'applied',
    ]);
    expect(result.results[1]!.reason).toContain('已用过一次');
    expect(result.results[2]!.reason).toContain('不在服务器租给本设备的号段内');
    const db = hallDb(hall.dataDir);
    try {
      expect(db.prepare('SELECT number FROM walk_ins ORDER BY seq').pluck().all()).toEqual(['W03-001', 'W03-101']);
    } finally {
      db.close();
    }
    // Counter b's own number is fine.
    const fromB = await push(b, clientB, chain([{ name: WALKIN_ISSUED, args: walkIn(51) }]));
    expect(fromB.results[0]!.status).toBe('applied');
  });
});

describe('walk-ins at the counter', () => {
  async function startServer(dbPath: string, port = 0): Promise<{ server: HallServer; url: string }> {
    const server = createHallServer({ dbPath, adminToken: 'walk-in-admin', seedDir: DEMO_SEED_DIR });
    return { server, url: await server.listen(port, '127.0.0.1') };
  }

  it('leases while online, issues offline from the range, says so when it is used up, and the walk-in arrives once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-walkin-'));
    const dbPath = join(dir, 'hall.sqlite');
    const first = await startServer(dbPath);
    const port = Number(new URL(first.url).port);
    const admin = new HallClient({ baseUrl: first.url, token: 'walk-in-admin' });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 3 } });
    const counter = await openCounter(
      { dataDir: join(dir, 'counter'), deviceName: 'test', autoEnroll: { serverUrl: first.url, code } },
      { retryDelay: () => 100, push: { baseDelayMs: 50, maxDelayMs: 200 } },
    );
    cleanups.push(() => counter.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    await counter.call('signIn', { staffNo: '1003', password: DEMO_PASSWORD });
    const counterDb = new Database(join(dir, 'counter', 'counter.db'));
    cleanups.push(() => {
      counterDb.close();
    });
    const leased = () =>
      counterDb.prepare('SELECT prefix, from_no AS "from", to_no AS "to" FROM walk_in_lease ORDER BY from_no').all();
    await until(leased, (rows) => rows.length > 0, 'a walk-in lease');
    expect(leased()).toEqual([{ prefix: 'W03-', from: 1, to: 50 }]);

    await first.server.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline');
    const issued = (await counter.call('issueWalkIn', { lineId: 'B' })) as { number: string; remaining: number };
    expect(issued.number).toBe('W03-001');
    expect(issued.remaining).toBe(49);
    expect(((await counter.call('getClerkState', {})) as ClerkState).unsent).toBe(1);
    // The range used up while offline: a clear message, nothing recorded.
    counterDb.prepare('UPDATE walk_in_lease SET next_no = to_no + 1').run();
    const usedUp = await failure(counter.call('issueWalkIn', { lineId: 'B' }));
    expect(usedUp.message).toBe('现场补号号段已用完，请联网后再补号');
    expect(((await counter.call('getClerkState', {})) as ClerkState).unsent).toBe(1);

    const second = await startServer(dbPath, port);
    cleanups.push(() => second.server.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online' && s.unsent === 0, 10_000);
    const hall = new Database(dbPath, { readonly: true });
    cleanups.push(() => {
      hall.close();
    });
    expect(hall.prepare('SELECT number, line_id AS lineId FROM walk_ins').all()).toEqual([
      { number: 'W03-001', lineId: 'B' },
    ]);
    // Back online with fewer than the low-water mark left: topped up with the next range.
    await until(leased, (rows) => rows.length === 2, 'a second walk-in lease');
    expect(leased()).toEqual([
      { prefix: 'W03-', from: 1, to: 50 },
      { prefix: 'W03-', from: 51, to: 100 },
    ]);
    expect(WALK_IN_LOW_WATER).toBeLessThan(50);
    expect(((await counter.call('issueWalkIn', { lineId: 'A' })) as { number: string }).number).toBe('W03-051');
  });
});
