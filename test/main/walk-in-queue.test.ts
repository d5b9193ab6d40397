// 现场补号 in the hall queue and offline 叫号 (issue 14 point 6, issue 21
// point 5), in the counter core with a real SQLite file and the real hall
// server over HTTP, stopped and started again on the same database and port:
// online, the walk-in is in the hall queue at once and its slip says the
// server's count ahead and carries the ticket's QR; offline, Alt+W still
// prints, F1 calls this counter's walk-ins in order (announced on the outward
// screen), F2/F4 act on them, Alt+M takes a W number; back online every
// walk-in reaches the hall queue in issue order, those served offline are
// served by this window there, and one printed while the server was down is
// called by 叫号 after reconnect.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import type { Enrollment } from '../../common/http-api.ts';
import type { PrintDocument } from '../../main/devices/printer/document.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { NO_WALK_IN_TO_CALL } from '../../main/queue/offline-calls.ts';
import { printerConfigFromEnv } from '../../main/printing/config.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(dbPath: string, port = 0): Promise<{ server: HallServer; url: string }> {
  const server = createHallServer({ dbPath, adminToken: 'walk-in-admin', seedDir: DEMO_SEED_DIR });
  return { server, url: await server.listen(port, '127.0.0.1') };
}

type Issued = { number: string; ahead: number | null; remaining: number };

describe('现场补号 into the hall queue, and offline 叫号', () => {
  it('online: queued at once, the slip has the server count and the QR; offline: F1 calls the walk-ins; reconnect reconciles, and a walk-in printed while down is called', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-walk-in-queue-'));
    const dbPath = join(dir, 'hall.sqlite');
    let running = await startServer(dbPath);
    cleanups.push(() => running.server.close());
    const port = Number(new URL(running.url).port);
    const admin = new HallClient({ baseUrl: running.url, token: 'walk-in-admin' });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const kioskCode = await admin.request('createEnrollmentCode', { body: { role: 'kiosk', windowId: null } });
    const kioskEnrollment = (await new HallClient({ baseUrl: running.url }).request('enroll', {
      body: { code: kioskCode.code, deviceName: 'kiosk' },
    })) as Enrollment;
    const kiosk = new HallClient({ baseUrl: running.url, token: kioskEnrollment.token });
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } }); // A001
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } }); // A002

    const counterDir = join(dir, 'counter');
    const counter = await openCounter(
      {
        dataDir: counterDir,
        deviceName: 'walk-in test',
        autoEnroll: { serverUrl: running.url, code },
        // Nothing listens there: the slips stay in the print queue, to be read.
        printer: printerConfigFromEnv({ HALLDESK_PRINTER: 'tcp://127.0.0.1:9' }),
      },
      { retryDelay: () => 100, push: { baseDelayMs: 50, maxDelayMs: 200 }, rasteriser: createTextRasteriser({ systemFonts: false }) },
    );
    cleanups.push(() => counter.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });
    // The lease arrives after going online.
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    const local = new Database(join(counterDir, 'counter.db'), { readonly: true });
    cleanups.push(() => void local.close());
    const slips = () =>
      (local.prepare("SELECT document FROM print_job WHERE kind = 'ticket' ORDER BY id").pluck().all() as string[]).map(
        (text) => JSON.parse(text) as PrintDocument,
      );
    const texts = (doc: PrintDocument) => doc.blocks.flatMap((block) => (block.type === 'text' ? [block.text] : []));
    const qr = (doc: PrintDocument) => doc.blocks.flatMap((block) => (block.type === 'qr' ? [block.data] : []));
    const issueWalkIn = async (): Promise<Issued> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await counter.call('issueWalkIn', { lineId: 'A' })) as Issued;
        } catch (error) {
          if (attempt > 50) throw error; // the first lease may still be on its way
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };

    // Online: in the hall queue at once; two ahead (A001, A002) by the server's count.
    const first = await issueWalkIn();
    expect(first).toMatchObject({ number: 'W01-001', ahead: 2 });
    const slip = slips()[0]!;
    expect(texts(slip)).toContain('您前面还有 2 人等候');
    expect(qr(slip)).toEqual([`${running.url}/ticket/${encodeURIComponent(todayOf(local))}/W01-001`]);
    const hallDb = () => new Database(dbPath, { readonly: true });
    const tickets = () => {
      const db = hallDb();
      try {
        return db.prepare('SELECT number, status, window_id AS windowId FROM tickets ORDER BY id').all();
      } finally {
        db.close();
      }
    };
    expect(tickets()).toEqual([
      { number: 'A001', status: 'waiting', windowId: null },
      { number: 'A002', status: 'waiting', windowId: null },
      { number: 'W01-001', status: 'waiting', windowId: null },
    ]);

    // The server goes down.
    await running.server.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline', 10_000);
    const second = await issueWalkIn();
    const third = await issueWalkIn();
    const fourth = await issueWalkIn();
    expect([second, third, fourth].map((w) => [w.number, w.ahead])).toEqual([
      ['W01-002', null],
      ['W01-003', null],
      ['W01-004', null],
    ]);
    expect(texts(slips()[1]!)).toContain('按取号时间排队，请留意叫号');
    expect(qr(slips()[1]!)).toHaveLength(1);

    // Offline F1: this counter's walk-ins, lowest first, announced outside.
    const called = (await counter.call('callNext', {})) as ClerkState;
    expect(called.current).toMatchObject({ number: 'W01-001', status: 'called', lineId: 'A' });
    const outward = await waitFor<OutwardView>(counter, 'outwardView', (v) => v.calling?.number === 'W01-001');
    expect(outward.mode).toBe('serving');
    expect(((await counter.call('recall', {})) as ClerkState).current?.recallCount).toBe(1);
    const done = (await counter.call('complete', {})) as ClerkState;
    expect(done.current).toBeNull();
    expect(done.rating.open?.ticketNumber).toBe('W01-001');
    expect(((await counter.call('callNext', {})) as ClerkState).current?.number).toBe('W01-002');
    // 过号 of a walk-in called offline: refused, it stays in hand.
    expect((await failure(counter.call('noShow', {}))).message).toContain('不能过号');
    // Alt+M takes a walk-in number (any case, spaces), offline.
    expect(await counter.call('serveTypedTicket', { number: ' w01-003 ' })).toMatchObject({ number: 'W01-003' });
    expect((await failure(counter.call('serveTypedTicket', { number: 'W01-03' }))).message).toContain('现场补号如 W03-001');
    const log = ((await counter.call('getClerkState', {})) as ClerkState).log.map((entry) => [entry.action, entry.ticketNumber]);
    expect(log).toEqual(
      expect.arrayContaining([
        ['callNext', 'W01-001'],
        ['recall', 'W01-001'],
        ['complete', 'W01-001'],
        ['callNext', 'W01-002'],
      ]),
    );

    // Back online on the same port: every record arrives, in order.
    running = await startServer(dbPath, port);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online' && s.unsent === 0, 15_000);
    // The walk-in called offline stays in hand.
    expect(((await counter.call('getClerkState', {})) as ClerkState).current?.number).toBe('W01-002');
    expect(tickets()).toEqual([
      { number: 'A001', status: 'waiting', windowId: null },
      { number: 'A002', status: 'waiting', windowId: null },
      { number: 'W01-001', status: 'completed', windowId: 1 },
      { number: 'W01-002', status: 'completed', windowId: 1 },
      { number: 'W01-003', status: 'completed', windowId: 1 },
      { number: 'W01-004', status: 'waiting', windowId: null },
    ]);
    const db = hallDb();
    expect(db.prepare('SELECT COUNT(*) FROM ticket_conflicts').pluck().get()).toBe(0);
    db.close();

    // 办结 of the walk-in in hand is local; then 叫号 online: A001, A002, and W01-004 printed while the server was down.
    await counter.call('complete', {});
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push(((await counter.call('callNext', {})) as ClerkState).current!.number);
    expect(order).toEqual(['A001', 'A002', 'W01-004']);
    // Nothing left: offline F1 says what to do.
    await running.server.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline', 10_000);
    expect((await failure(counter.call('callNext', {}))).message).toBe(NO_WALK_IN_TO_CALL);
    running = await startServer(dbPath, port);
  }, 90_000);
});

function todayOf(db: Database.Database): string {
  return db.prepare('SELECT day FROM walk_in ORDER BY seq LIMIT 1').pluck().get() as string;
}
