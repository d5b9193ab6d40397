// Guessing a password at the counter: wrong passwords checked here (offline
// sign-in, unlocking) are counted per staff number in the counter's SQLite
// file; after the hall's limit the staff number is refused before its
// password is checked, across a restart. Unit tests of the throttle on a real
// file, then the counter core offline (the hall server behind the fault proxy).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { growingDelay, SignInThrottle } from '../../main/session/sign-in-throttle.ts';
import { openDatabase } from '../../main/store/database.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { DEMO_PASSWORD, startHallServer } from '../helpers/hall-server.ts';
import { tempDir, until } from '../sync/support.ts';
import { failure } from '../helpers/counter-views.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('SignInThrottle', () => {
  it('locks a staff number after the hall’s limit, refuses it before any check, and keeps the lock across a reopen', async () => {
    const file = join(tempDir('halldesk-throttle-'), 'counter.db');
    let now = new Date('2026-03-05T01:00:00Z'); // 09:00 in the hall
    const policy = { maxFailures: 5, lockMinutes: 15 };
    const make = () => new SignInThrottle({ db: openDatabase(file), clock: () => now, policy: () => policy, delay: () => 0 });
    const throttle = make();
    const wrong = new HallError('SIGN_IN_FAILED', '密码错误，请重新输入', 401);
    for (let i = 1; i < 5; i++) {
      throttle.refuseIfLocked('1001');
      expect(await throttle.failed('1001', wrong)).toBe(wrong);
      now = new Date(now.getTime() + 5_000);
    }
    const fifth = await throttle.failed('1001', wrong);
    expect(fifth).toMatchObject({ code: 'SIGN_IN_LOCKED', status: 429 });
    expect(fifth.message).toBe('工号 1001 密码错误次数过多，已锁定：请于 09:15 后重试，或请大厅管理员解锁');
    expect(fifth.details.retryAt).toBe('2026-03-05T01:15:20.000Z');
    expect(() => throttle.refuseIfLocked('1001')).toThrow(/已锁定/);
    // Another staff number is not affected.
    expect(() => throttle.refuseIfLocked('1002')).not.toThrow();

    // A new process on the same file: still locked.
    const reopened = make();
    expect(() => reopened.refuseIfLocked('1001')).toThrow(/09:15/);
    // Past the lock: allowed again, and the count starts over.
    now = new Date('2026-03-05T01:15:21Z');
    expect(() => reopened.refuseIfLocked('1001')).not.toThrow();
    expect(await reopened.failed('1001', wrong)).toBe(wrong);

    // The right password resets the count; a manager's unlock clears a lock.
    reopened.succeeded('1001');
    for (let i = 0; i < 5; i++) await reopened.failed('1001', wrong);
    expect(() => reopened.refuseIfLocked('1001')).toThrow(/已锁定/);
    expect(reopened.unlock('1001')).toBe(true);
    expect(() => reopened.refuseIfLocked('1001')).not.toThrow();
  });

  it('forgets failures older than a lock’s length, and says the date when the lock ends on another hall day', async () => {
    const file = join(tempDir('halldesk-throttle-'), 'counter.db');
    let now = new Date('2026-03-05T15:10:00Z'); // 23:10 in the hall
    const throttle = new SignInThrottle({ db: openDatabase(file), clock: () => now, policy: () => ({ maxFailures: 3, lockMinutes: 30 }), delay: () => 0 });
    const wrong = new HallError('SIGN_IN_FAILED', 'x', 401);
    await throttle.failed('1001', wrong);
    await throttle.failed('1001', wrong);
    now = new Date(now.getTime() + 31 * 60_000);
    // The two earlier failures are past the window: this is the first again.
    expect(await throttle.failed('1001', wrong)).toBe(wrong);
    await throttle.failed('1001', wrong);
    const locked = await throttle.failed('1001', wrong);
    expect(locked.message).toContain('请于 2026-03-06 00:11 后重试');
  });

  it('answers a typo at once, then each wrong password a little later than the last, up to 4 s', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(growingDelay)).toEqual([0, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});

describe('the counter throttles passwords it checks itself', () => {
  it('offline: the 6th password within a minute is refused before it is checked, even the right one, also after a restart', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const proxy = await startFaultProxy(hall.url);
    cleanups.push(() => proxy.close());
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const options = { dataDir: join(tempDir('halldesk-throttle-'), 'counter'), deviceName: 'throttle', autoEnroll: { serverUrl: proxy.url, code } };
    const delays: number[] = [];
    const deps = { retryDelay: () => 100, signInDelay: (n: number) => (delays.push(n), 0) };
    let counter = await openCounter(options, deps);
    cleanups.push(() => counter.close());
    const state = async () => (await counter.call('getClerkState', {})) as ClerkState;
    await until(state, (s) => s.connection.state === 'online', 'online');
    for (const staffNo of ['1001', '1006']) {
      await counter.call('signIn', { staffNo, password: DEMO_PASSWORD });
      await counter.call('signOut', {});
    }

    proxy.set({ mode: 'reset', direction: 'request', afterBytes: 0 });
    proxy.dropAll();
    await until(state, (s) => s.connection.state === 'offline', 'offline');

    for (let i = 1; i <= 4; i++) {
      expect((await failure(counter.call('signIn', { staffNo: '1001', password: `guess-${i}` }))).code).toBe('SIGN_IN_FAILED');
    }
    const fifth = await failure(counter.call('signIn', { staffNo: '1001', password: 'guess-5' }));
    expect(fifth.code).toBe('SIGN_IN_LOCKED');
    // The 6th: the right password, refused without being checked.
    const sixth = await failure(counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD }));
    expect(sixth).toMatchObject({ code: 'SIGN_IN_LOCKED' });
    expect(sixth.message).toMatch(/^工号 1001 密码错误次数过多，已锁定：请于 \d\d:\d\d 后重试，或请大厅管理员解锁$/);
    expect(delays).toEqual([1, 2, 3, 4, 5]);
    expect((await state()).clerk).toBeNull();

    // A restart clears nothing.
    await counter.close();
    counter = await openCounter(options, deps);
    expect((await failure(counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD }))).code).toBe('SIGN_IN_LOCKED');
    expect((await state()).clerk).toBeNull();

    // The hall manager (1006) unlocks it here; the hall server is away, and the message says so.
    await counter.call('signIn', { staffNo: '1006', password: DEMO_PASSWORD });
    expect(await counter.call('unlockStaffSignIn', { staffNo: '1001' })).toEqual({
      staffNo: '1001',
      message: '已解除工号 1001 在本机的登录锁定；大厅服务器未连接，联网后如仍提示锁定请再解锁一次',
    });
    await counter.call('signOut', {});
    const back = (await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD })) as ClerkState;
    expect(back.clerk?.staffNo).toBe('1001');
    // A clerk may not unlock anyone.
    expect((await failure(counter.call('unlockStaffSignIn', { staffNo: '1002' }))).code).toBe('FORBIDDEN');
  });

  it('online: the hall server counts, and its SIGN_IN_LOCKED reaches the clerk with the time to retry', { timeout: 60_000 }, async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 2 } });
    const options = { dataDir: join(tempDir('halldesk-throttle-'), 'counter'), deviceName: 'throttle', autoEnroll: { serverUrl: hall.url, code } };
    const counter = await openCounter(options, { retryDelay: () => 100 });
    cleanups.push(() => counter.close());
    await until(async () => (await counter.call('getClerkState', {})) as ClerkState, (s) => s.connection.state === 'online', 'online');
    for (let i = 1; i <= 5; i++) await failure(counter.call('signIn', { staffNo: '1002', password: `guess-${i}` }));
    const locked = await failure(counter.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD }));
    expect(locked).toMatchObject({ code: 'SIGN_IN_LOCKED', status: 429 });
    expect(Date.parse(locked.details.retryAt ?? '')).toBeGreaterThan(Date.now());
    expect(locked.toJSON().retryAt).toBe(locked.details.retryAt);
  });
});
