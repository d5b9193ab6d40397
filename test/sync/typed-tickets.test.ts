// 手动录入票号: offline, the clerk serves a central ticket typed from the
// citizen's slip; on reconnect the hall server marks a waiting ticket served by
// that window, and keeps anything else (already called / served / passed by a
// window, or unknown) as a conflict record for the manager — the mutation is
// applied, never silently dropped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { Enrollment, PushResult } from '../../common/http-api.ts';
import { TICKET_SERVED_OFFLINE, type Mutation, type TicketServedOfflineArgs } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { TYPED_TICKET_ONLINE } from '../../main/queue/typed-tickets.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR, startHallServer } from '../helpers/hall-server.ts';
import { chain, deviceClient, hallDb } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const served = (number: string, windowId = 3, at = new Date().toISOString()): TicketServedOfflineArgs => ({
  number,
  windowId,
  staffNo: '1003',
  at,
});

describe('central tickets served offline, on the hall server', () => {
  it('serves a waiting ticket once; a ticket another window called, or an unknown one, becomes a conflict; a repeat push is a duplicate', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const kiosk = deviceClient(hall.url, (await hall.enroll(null)).token);
    const typist: Enrollment = await hall.enroll(3);
    const typistClient = deviceClient(hall.url, typist.token);
    const other = await hall.enroll(2);
    const otherClient = deviceClient(hall.url, other.token);
    await otherClient.request('signIn', { body: { staffNo: '1002', password: DEMO_PASSWORD } });
    for (let i = 0; i < 3; i++) await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    // Window 2 calls A001 while window 3 is cut off and serves A001 (typed) and A002.
    const called = await otherClient.request('callNext', { params: { id: 2 }, headers: { 'Idempotency-Key': 'k-1' } });
    expect(called.ticket?.number).toBe('A001');

    const at = new Date().toISOString();
    const mutations = chain([
      { name: TICKET_SERVED_OFFLINE, args: served('A002', 3, at) },
      { name: TICKET_SERVED_OFFLINE, args: served('A001', 3, at) }, // already called by window 2
      { name: TICKET_SERVED_OFFLINE, args: served('Z999', 3, at) }, // never issued
      { name: TICKET_SERVED_OFFLINE, args: served('A003', 2, at) }, // another window's record: a rule, rejected
      { name: TICKET_SERVED_OFFLINE, args: served('A002', 3, at) }, // served twice
    ]);
    const push = (batch: Mutation[]): Promise<PushResult> =>
      typistClient.request('push', { body: { deviceId: typist.deviceId, mutations: batch } });
    const result = await push(mutations);
    expect(result.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'rejected', 'applied']);
    expect(result.results[3]!.reason).toContain('不能提交2号窗口');

    // A duplicate push changes nothing.
    const again = await push(mutations);
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);

    const db = hallDb(hall.dataDir);
    try {
      expect(
        db.prepare('SELECT number, status, window_id AS windowId, called_at AS calledAt, ended_at AS endedAt FROM tickets ORDER BY id').all(),
      ).toEqual([
        { number: 'A001', status: 'called', windowId: 2, calledAt: expect.any(String), endedAt: null },
        { number: 'A002', status: 'completed', windowId: 3, calledAt: at, endedAt: at },
        { number: 'A003', status: 'waiting', windowId: null, calledAt: null, endedAt: null },
      ]);
      // The change is in the queue stream's log.
      expect(
        db.prepare("SELECT action, window_id AS windowId FROM hall_log WHERE device_id = ?").all(typist.deviceId),
      ).toEqual([{ action: 'complete', windowId: 3 }]);
      expect(db.prepare('SELECT COUNT(*) FROM ticket_conflicts').pluck().get()).toBe(3);
    } finally {
      db.close();
    }

    // The manager's list, newest first; a device token is not enough.
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { conflicts } = await admin.request('ticketConflicts', { query: {} });
    expect(conflicts.map((c) => [c.number, c.ticketStatus, c.ticketWindowId, c.mutationSeq])).toEqual([
      ['A002', 'completed', 3, 5],
      ['Z999', null, null, 3],
      ['A001', 'called', 2, 2],
    ]);
    expect(conflicts.every((c) => c.deviceId === typist.deviceId && c.windowId === 3 && c.staffNo === '1003' && c.at === at)).toBe(true);
    expect(conflicts[0]!.reason).toContain('已是「已办结」');
    expect(conflicts[1]!.reason).toContain('在服务器上不存在');
    expect(conflicts[2]!.reason).toMatch(/已是「已叫号」（2号窗口/);
    await expect(typistClient.request('ticketConflicts', { query: {} })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('central tickets served offline, at the counter', () => {
  async function startServer(dbPath: string, port = 0): Promise<{ server: HallServer; url: string }> {
    const server = createHallServer({ dbPath, adminToken: 'typed-admin', seedDir: DEMO_SEED_DIR });
    return { server, url: await server.listen(port, '127.0.0.1') };
  }

  it('refuses online, refuses a malformed number, records offline with its mutation, and the ticket is served on reconnect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-typed-'));
    const dbPath = join(dir, 'hall.sqlite');
    const first = await startServer(dbPath);
    const port = Number(new URL(first.url).port);
    const admin = new HallClient({ baseUrl: first.url, token: 'typed-admin' });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 3 } });
    const kioskCode = await admin.request('createEnrollmentCode', { body: { role: 'kiosk', windowId: null } });
    const kioskEnrollment = (await new HallClient({ baseUrl: first.url }).request('enroll', {
      body: { code: kioskCode.code, deviceName: 'kiosk' },
    })) as Enrollment;
    const kiosk = deviceClient(first.url, kioskEnrollment.token);
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });

    const counter = await openCounter(
      { dataDir: join(dir, 'counter'), deviceName: 'test', autoEnroll: { serverUrl: first.url, code } },
      { retryDelay: () => 100, push: { baseDelayMs: 50, maxDelayMs: 200 } },
    );
    cleanups.push(() => counter.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    await counter.call('signIn', { staffNo: '1003', password: DEMO_PASSWORD });
    const unsent = async () => ((await counter.call('getClerkState', {})) as ClerkState).unsent;
    const before = await unsent();

    // Online: the clerk uses 叫号.
    expect((await failure(counter.call('serveTypedTicket', { number: 'A001' }))).message).toBe(TYPED_TICKET_ONLINE);

    await first.server.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline');
    const bad = await failure(counter.call('serveTypedTicket', { number: 'A1' }));
    expect(bad.message).toContain('票号「A1」格式不对');
    expect(await unsent()).toBe(before);

    const result = (await counter.call('serveTypedTicket', { number: ' a001 ' })) as { number: string; at: string };
    expect(result.number).toBe('A001');
    expect(await unsent()).toBe(before + 1);
    const counterDb = new Database(join(dir, 'counter', 'counter.db'), { readonly: true });
    cleanups.push(() => {
      counterDb.close();
    });
    expect(counterDb.prepare('SELECT number, window_id AS windowId, staff_no AS staffNo, served_at AS at FROM typed_ticket').all()).toEqual([
      { number: 'A001', windowId: 3, staffNo: '1003', at: result.at },
    ]);
    const outboxed = counterDb
      .prepare("SELECT args FROM outbox WHERE name = 'ticket.served_offline'")
      .pluck()
      .all() as string[];
    expect(outboxed.map((text) => JSON.parse(text) as unknown)).toEqual([
      { number: 'A001', windowId: 3, staffNo: '1003', at: result.at },
    ]);
    // The same slip twice at this counter: refused, nothing more recorded.
    expect((await failure(counter.call('serveTypedTicket', { number: 'A001' }))).message).toContain('不能重复录入');
    expect(await unsent()).toBe(before + 1);

    const second = await startServer(dbPath, port);
    cleanups.push(() => second.server.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online' && s.unsent === 0, 10_000);
    const hall = new Database(dbPath, { readonly: true });
    cleanups.push(() => {
      hall.close();
    });
    expect(hall.prepare("SELECT status, window_id AS windowId, ended_at AS endedAt FROM tickets WHERE number = 'A001'").all()).toEqual([
      { status: 'completed', windowId: 3, endedAt: result.at },
    ]);
    expect(hall.prepare('SELECT COUNT(*) FROM ticket_conflicts').pluck().get()).toBe(0);
  });
});
