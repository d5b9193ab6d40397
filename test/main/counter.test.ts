// The counter core against the real hall server over real HTTP, with a real
// SQLite file: enrollment, config pull, sign-in, the four window actions, live
// events, a restart, and the server going away and coming back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { NO_WALK_IN_TO_CALL } from '../../main/queue/offline-calls.ts';
import { openCounter } from '../../main/counter.ts';
import { createHallServer, type HallServer } from '../../server/hall-server.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';

const ADMIN = 'counter-test-admin';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(dbPath: string, port = 0): Promise<{ server: HallServer; url: string }> {
  const server = createHallServer({ dbPath, adminToken: ADMIN, seedDir: DEMO_SEED_DIR });
  const url = await server.listen(port, '127.0.0.1');
  return { server, url };
}

async function enrollmentCode(url: string, windowId: number | null): Promise<string> {
  const admin = new HallClient({ baseUrl: url, token: ADMIN });
  return (await admin.request('createEnrollmentCode', { body: { role: windowId ? 'counter' : 'kiosk', windowId } })).code;
}

async function kioskFor(url: string): Promise<HallClient> {
  const enrolled = await new HallClient({ baseUrl: url }).request('enroll', {
    body: { code: await enrollmentCode(url, null), deviceName: 'kiosk' },
  });
  return new HallClient({ baseUrl: url, token: enrolled.token });
}


describe('counter core with the real hall server', () => {
  it('enrolls, pulls config, signs in and runs call-next / recall / no-show / complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-counter-'));
    const { server, url } = await startServer(join(dir, 'hall.sqlite'));
    cleanups.push(() => server.close());
    const kiosk = await kioskFor(url);

    const counter = await openCounter({
      dataDir: join(dir, 'counter'),
      deviceName: 'test',
      autoEnroll: { serverUrl: url, code: await enrollmentCode(url, 1) },
    });
    cleanups.push(() => counter.close());

    const online = await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    expect(online.enrolled).toBe(true);
    expect(online.window?.name).toBe('1号窗口');
    expect(online.queue.map((line) => line.lineId)).toEqual(['A', 'C']);
    expect(online.clerk).toBeNull();
    expect((await waitFor<OutwardView>(counter, 'outwardView', () => true)).mode).toBe('closed');

    expect((await failure(counter.call('signIn', { staffNo: '1001', password: 'wrong' }))).code).toBe('SIGN_IN_FAILED');
    const signedIn = (await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD })) as ClerkState;
    expect(signedIn.clerk?.staffNo).toBe('1001');
    const idle = await waitFor<OutwardView>(counter, 'outwardView', (v) => v.mode === 'idle');
    expect(idle.clerk?.photo).toMatch(/^data:image\//);

    const empty = await failure(counter.call('callNext', {}));
    expect(empty.message).toContain('暂无等候');

    await kiosk.request('issueTicket', { body: { lineId: 'C', priority: 'normal' } });
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.queue.every((line) => line.waiting === 1));

    // Line A is window 1's first preference.
    const called = (await counter.call('callNext', {})) as ClerkState;
    expect(called.current?.number).toBe('A001');
    const calling = await waitFor<OutwardView>(counter, 'outwardView', (v) => v.calling?.number === 'A001');
    expect(calling).toMatchObject({ mode: 'serving', windowName: '1号窗口', calling: { announcement: 0 } });

    const tooEarly = await failure(counter.call('noShow', {}));
    expect(tooEarly.code).toBe('RECALLS_REQUIRED');
    await counter.call('recall', {});
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.calling?.announcement === 1);
    const afterNoShow = (await counter.call('noShow', {})) as ClerkState;
    expect(afterNoShow.current).toBeNull();

    await counter.call('callNext', {});
    const done = (await counter.call('complete', {})) as ClerkState;
    expect(done.current).toBeNull();
    expect(done.log.map((entry) => `${entry.action} ${entry.ticketNumber}`)).toEqual([
      'complete C001',
      'callNext C001',
      'noShow A001',
      'recall A001',
      'callNext A001',
    ]);
    expect((await failure(counter.call('recall', {}))).code).toBe('NO_CURRENT_TICKET');
  });

  it('keeps its enrollment across a restart and signs the clerk out, here at once and at the hall server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-counter-'));
    const { server, url } = await startServer(join(dir, 'hall.sqlite'));
    cleanups.push(() => server.close());
    const options = {
      dataDir: join(dir, 'counter'),
      deviceName: 'test',
      autoEnroll: { serverUrl: url, code: await enrollmentCode(url, 2) },
    };
    const first = await openCounter(options);
    await waitFor<ClerkState>(first, 'clerkState', (s) => s.connection.state === 'online');
    await first.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD });
    await first.close();

    // The code was one-time: the restart must not need it again.
    const again = await openCounter(options);
    cleanups.push(() => again.close());
    const state = (await again.call('getClerkState', {})) as ClerkState;
    expect(state.enrolled).toBe(true);
    expect(state.window?.name).toBe('2号窗口');
    // Nobody is signed in again without a password.
    expect(state.clerk).toBeNull();
    expect(((await again.call('getOutwardView', {})) as OutwardView).mode).toBe('closed');
    const online = await waitFor<ClerkState>(again, 'clerkState', (s) => s.connection.state === 'online');
    // The hall server was told: its window status (read after the sign-out) has nobody either.
    expect(online.clerk).toBeNull();
    const signedIn = (await again.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD })) as ClerkState;
    expect(signedIn.clerk?.staffNo).toBe('1002');
  });

  it('goes offline with a reason when the server stops, and back online when it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-counter-'));
    const dbPath = join(dir, 'hall.sqlite');
    const first = await startServer(dbPath);
    const port = Number(new URL(first.url).port);
    const counter = await openCounter(
      { dataDir: join(dir, 'counter'), deviceName: 'test', autoEnroll: { serverUrl: first.url, code: await enrollmentCode(first.url, 1) } },
      { retryDelay: () => 100 },
    );
    cleanups.push(() => counter.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });

    await first.server.close();
    const offline = await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline');
    expect(offline.connection.reason).toMatch(/大厅服务器/);
    // Offline 叫号 calls this counter's walk-ins (main/queue/offline-calls.ts); with none printed it says what to do.
    const refused = await failure(counter.call('callNext', {}));
    expect(refused.code).toBe('QUEUE_EMPTY');
    expect(refused.message).toBe(NO_WALK_IN_TO_CALL);

    const second = await startServer(dbPath, port);
    cleanups.push(() => second.server.close());
    const back = await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    expect(back.clerk?.staffNo).toBe('1001');
  });

  it('refuses an enrollment code made for a kiosk, and stays unenrolled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-counter-'));
    const { server, url } = await startServer(join(dir, 'hall.sqlite'));
    cleanups.push(() => server.close());
    const counter = await openCounter({ dataDir: join(dir, 'counter'), deviceName: 'test' });
    cleanups.push(() => counter.close());
    const error = await failure(counter.call('enroll', { serverUrl: url, code: await enrollmentCode(url, null) }));
    expect(error.message).toContain('不是窗口终端的注册码');
    expect(((await counter.call('getClerkState', {})) as ClerkState).enrolled).toBe(false);
    const reused = await failure(counter.call('enroll', { serverUrl: url, code: '00000000' }));
    expect(reused.code).toBe('ENROLLMENT_CODE_INVALID');
  });
});
