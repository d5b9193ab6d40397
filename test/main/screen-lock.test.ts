// 暂停服务 in the counter core, with the real hall server and a real SQLite
// file: the lock refuses the clerk's work, the outward screen shows paused,
// the password unlocks (stored verifier, or the hall server without one),
// a restart signs the clerk out (and so ends the lock), signing out ends it.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { CLERK, deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

const rigs: DeviceRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

const LOCKED = '屏幕已锁定（暂停服务），请先输入密码解锁';

async function issueTicket(r: DeviceRig, lineId: string): Promise<void> {
  const kiosk = await r.hall.enroll(null, 'kiosk');
  await new HallClient({ baseUrl: r.hall.url, token: kiosk.token }).request('issueTicket', { body: { lineId, priority: 'normal' } });
}

describe('暂停服务 (screen lock)', () => {
  it('refuses the clerk work while locked, shows paused outside, unlocks with the password; a restart signs the clerk out', async () => {
    const r = await deviceRig();
    rigs.push(r);
    expect(await failure(r.counter.call('lockScreen', {}))).toMatchObject({ code: 'NOT_SIGNED_IN' });
    const signedIn = await r.signIn(CLERK);
    expect(signedIn.locked).toBe(false);
    expect(signedIn.idleLockMinutes).toBe(10);
    await issueTicket(r, 'B');
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.queue.some((q) => q.waiting > 0));
    await r.counter.call('callNext', {});
    await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.mode === 'serving' && v.calling !== null);
    await r.counter.call('requestRating', {});
    expect(((await r.counter.call('getOutwardView', {})) as OutwardView).rating).not.toBeNull();

    const locked = (await r.counter.call('lockScreen', {})) as ClerkState;
    expect(locked.locked).toBe(true);
    // The citizen's rating is not the lock's to end: it runs on, and the citizen answers by touch meanwhile.
    expect(locked.rating.open).not.toBeNull();
    const outward = (await r.counter.call('getOutwardView', {})) as OutwardView;
    expect(outward).toMatchObject({ mode: 'paused', calling: null, case: null });
    expect(outward.rating).not.toBeNull();
    expect(outward.clerk?.staffNo).toBe(CLERK);
    expect(await r.counter.call('rateByTouch', { sessionId: outward.rating!.sessionId, level: 5 })).toEqual({ accepted: true });
    expect(((await r.counter.call('getOutwardView', {})) as OutwardView).rating).toBeNull();
    expect(r.query<{ level: number; outcome: string }>('SELECT level, outcome FROM rating')).toEqual([{ level: 5, outcome: 'rated' }]);

    for (const [name, args] of [
      ['callNext', {}],
      ['recall', {}],
      ['complete', {}],
      ['requestRating', {}],
      ['listCases', {}],
      ['updateCaseDraft', { draft: null }],
      ['getDeviceSetup', {}],
    ] as const) {
      expect(await failure(r.counter.call(name, args))).toMatchObject({ code: 'SCREEN_LOCKED', message: LOCKED });
    }
    expect(await failure(r.counter.call('unlockScreen', { password: 'wrong' }))).toMatchObject({
      code: 'SIGN_IN_FAILED',
      message: '密码错误，请重新输入',
    });
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).locked).toBe(true);

    // A restart signs the clerk out (the lock with it): only the password brings the clerk back.
    const again = await r.reopen();
    const after = (await again.call('getClerkState', {})) as ClerkState;
    expect(after.clerk).toBeNull();
    expect(after.locked).toBe(false);
    expect(((await again.call('getOutwardView', {})) as OutwardView).mode).toBe('closed');
    expect((await failure(again.call('recall', {}))).code).not.toBe('SCREEN_LOCKED');

    const back = (await again.call('signIn', { staffNo: CLERK, password: DEMO_PASSWORD })) as ClerkState;
    expect(back.locked).toBe(false);
    expect(back.current?.number).toBe('B001');
    expect(((await again.call('getOutwardView', {})) as OutwardView).mode).toBe('serving');
    await again.call('recall', {});
  });

  it('asks the hall server when no verifier is stored here; signing out ends the lock', async () => {
    const r = await deviceRig();
    rigs.push(r);
    await r.signIn(MANAGER);
    await r.counter.call('lockScreen', {});
    // No stored verifier (dropped through a second connection to the file): the hall server must check the password.
    const counter = r.counter;
    const db = new Database(join(r.dataDir, 'counter.db'));
    db.prepare('DELETE FROM clerk_credential').run();
    db.close();
    expect(await failure(counter.call('unlockScreen', { password: 'wrong' }))).toMatchObject({
      code: 'SIGN_IN_FAILED',
      message: '密码错误，请重新输入',
    });
    expect(((await counter.call('getClerkState', {})) as ClerkState).locked).toBe(true);
    const unlocked = (await counter.call('unlockScreen', { password: DEMO_PASSWORD })) as ClerkState;
    expect(unlocked.locked).toBe(false);
    expect(unlocked.clerk?.staffNo).toBe(MANAGER);
    expect(r.query<{ staff_no: string }>('SELECT staff_no FROM clerk_credential')).toEqual([{ staff_no: MANAGER }]);

    await counter.call('lockScreen', {});
    const out = (await counter.call('signOut', {})) as ClerkState;
    expect(out.locked).toBe(false);
    expect(out.clerk).toBeNull();
    expect(((await counter.call('getOutwardView', {})) as OutwardView).mode).toBe('closed');
    const back = await r.signIn(CLERK, counter);
    expect(back.locked).toBe(false);
    await counter.call('listCases', {});
  });
});
