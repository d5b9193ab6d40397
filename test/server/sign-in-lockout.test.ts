// Sign-in throttling on the hall server (server/throttle.ts): a growing delay
// after wrong passwords, a lockout after the hall's signInMaxFailures, kept in
// the database across restarts, counted per staff number, device and address;
// unlocked by the admin, by a hall manager at a counter, or on the command
// line. The enrollment-code lockout is kept in the database too.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hallDateTimeAt } from '../../common/calendar.ts';
import { SignInLocks, UnlockSignInResult, type Enrollment } from '../../common/http-api.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { ADMIN_TOKEN, call, hallCommandEnv, refusal, startTestHall, type TestHall, type TestHallOptions } from './support.ts';

// On the real clock: a lock that ends after the hall's midnight names its day (12月8日 00:10).
const LOCKED = /^密码错误次数过多，该工号已锁定，请于 (\d{1,2}月\d{1,2}日 )?\d{2}:\d{2} 后重试或请大厅管理员解锁$/;

const dirs: string[] = [];
const halls: TestHall[] = [];
afterEach(async () => {
  await Promise.all(halls.splice(0).map((hall) => hall.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: TestHallOptions = {}): Promise<TestHall> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'halldesk-lockout-'));
  if (!dirs.includes(dataDir)) dirs.push(dataDir);
  const hall = await startTestHall({ signInDelayMs: () => 0, ...options, dataDir });
  halls.push(hall);
  return hall;
}

async function stop(hall: TestHall): Promise<void> {
  halls.splice(halls.indexOf(hall), 1);
  await hall.close();
}

const signIn = (hall: TestHall, device: Enrollment, staffNo: string, password: string) =>
  call(hall.url, 'POST', '/v1/auth/sign-in', { token: device.token, body: { staffNo, password } });
const locks = async (hall: TestHall) =>
  SignInLocks.parse((await call(hall.url, 'GET', '/v1/admin/sign-in-locks', { token: ADMIN_TOKEN })).json).locks;

describe('sign-in lockout', () => {
  it('refuses the 6th wrong password within a minute before checking it: even the right one', async () => {
    const delays: number[] = [];
    // The real delays are waited out: the whole run takes a few seconds.
    const hall = await start({ signInDelayMs: (ms) => (delays.push(ms), ms) });
    const counter = await hall.enroll(3);
    const started = Date.now();
    for (let attempt = 1; attempt <= 4; attempt++) {
      refusal(await signIn(hall, counter, '1002', `wrong-${attempt}`), 401, 'SIGN_IN_FAILED');
    }
    expect(delays).toEqual([0, 250, 500, 1000]);
    // The 5th wrong one locks the staff number, and says so.
    const fifth = await signIn(hall, counter, '1002', 'wrong-5');
    const locked = refusal(fifth, 429, 'SIGN_IN_LOCKED');
    expect(locked.message).toMatch(LOCKED);
    const retryAt = Date.parse(locked.retryAt!);
    expect(retryAt - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    // Beijing time, rounded up to the minute.
    const shown = hallDateTimeAt(new Date(Math.ceil(retryAt / 60_000) * 60_000)).slice(11, 16);
    expect(locked.message).toContain(`请于 ${shown} 后重试`);
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(14 * 60);

    // The 6th, with the right password: refused before the password is checked, and not counted.
    const sixth = refusal(await signIn(hall, counter, '1002', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED');
    expect(sixth.message).toMatch(LOCKED);
    expect(sixth.retryAt).toBe(locked.retryAt);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(delays).toHaveLength(4);
    expect((await locks(hall)).find((lock) => lock.scope === 'staff')).toEqual({
      scope: 'staff',
      key: '1002',
      failures: 5,
      lastFailedAt: expect.any(String),
      lockedUntil: locked.retryAt,
    });
    // Other staff numbers sign in as before.
    expect((await signIn(hall, counter, '1003', DEMO_PASSWORD)).status).toBe(200);
  });

  it('checks at most the limit of parallel guesses for one staff number', async () => {
    const hall = await start();
    const counter = await hall.enroll(3);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(hall, counter, '1002', `guess-${i}`)),
    );
    const checked = answers.filter((answer) => answer.status === 401).length;
    expect(checked).toBeLessThanOrEqual(4);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(30 - checked);
    for (const answer of answers.filter((a) => a.status === 429)) refusal(answer, 429, 'SIGN_IN_LOCKED');
    expect((await locks(hall)).find((lock) => lock.scope === 'staff')?.failures).toBeLessThanOrEqual(5);
  });

  it('keeps the lock across a restart; the admin unlocks it', async () => {
    const first = await start();
    const counter = await first.enroll(3);
    for (let attempt = 1; attempt <= 5; attempt++) await signIn(first, counter, '1002', 'wrong');
    await stop(first);

    const again = await start({ dataDir: first.dataDir });
    refusal(await signIn(again, counter, '1002', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED');
    refusal(await call(again.url, 'POST', '/v1/admin/sign-in-locks/unlock', { token: counter.token, body: { staffNo: '1002' } }), 401, 'UNAUTHORIZED');
    refusal(await call(again.url, 'POST', '/v1/admin/sign-in-locks/unlock', { token: ADMIN_TOKEN, body: {} }), 400, 'BAD_REQUEST');
    const unlocked = UnlockSignInResult.parse(
      (await call(again.url, 'POST', '/v1/admin/sign-in-locks/unlock', { token: ADMIN_TOKEN, body: { staffNo: '1002' } })).json,
    );
    expect(unlocked.cleared).toEqual([expect.objectContaining({ scope: 'staff', key: '1002', failures: 5, lockedUntil: expect.any(String) })]);
    expect((await signIn(again, counter, '1002', DEMO_PASSWORD)).status).toBe(200);
  });

  it('lets a hall manager signed in at a counter unlock a staff number; a clerk, a kiosk or an empty window cannot', async () => {
    const hall = await start();
    const [window1, window2, window3] = [await hall.enroll(1), await hall.enroll(2), await hall.enroll(3)];
    const kiosk = await hall.enroll(null);
    for (let attempt = 1; attempt <= 5; attempt++) await signIn(hall, window3, '1002', 'wrong');
    const unlock = (device: Enrollment) =>
      call(hall.url, 'POST', '/v1/manager/sign-in-locks/unlock', { token: device.token, body: { staffNo: '1002' } });

    expect((await signIn(hall, window1, '1001', DEMO_PASSWORD)).status).toBe(200); // a clerk
    for (const device of [window1, window2, kiosk]) {
      expect(refusal(await unlock(device), 403, 'FORBIDDEN').message).toContain('仅限大厅管理员');
    }
    refusal(await call(hall.url, 'POST', '/v1/manager/sign-in-locks/unlock', { body: { staffNo: '1002' } }), 401, 'UNAUTHORIZED');
    refusal(await signIn(hall, window3, '1002', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED');

    expect((await signIn(hall, window2, '1006', DEMO_PASSWORD)).status).toBe(200); // the hall manager
    const answer = await unlock(window2);
    expect(answer.status).toBe(200);
    expect(UnlockSignInResult.parse(answer.json).cleared).toEqual([
      expect.objectContaining({ scope: 'staff', key: '1002', lockedUntil: expect.any(String) }),
    ]);
    expect((await signIn(hall, window3, '1002', DEMO_PASSWORD)).status).toBe(200);
    // Nothing left to unlock: an empty list.
    expect(UnlockSignInResult.parse((await unlock(window2)).json).cleared).toEqual([]);
  });

  it('locks a device, and an address, after 4× the limit over any staff numbers', async () => {
    const hall = await start();
    const [guesser, other] = [await hall.enroll(3), await hall.enroll(4)];
    // 4 staff numbers × 4 wrong passwords, plus 4 more: 20 from one device and address, no staff number locked.
    for (const staffNo of ['1001', '1002', '1003', '1004', '1005']) {
      for (let attempt = 1; attempt <= 4; attempt++) {
        const answer = await signIn(hall, guesser, staffNo, 'wrong');
        if (staffNo === '1005' && attempt === 4) {
          expect(refusal(answer, 429, 'SIGN_IN_LOCKED').message).toMatch(/^本终端登录失败次数过多/);
        } else {
          refusal(answer, 401, 'SIGN_IN_FAILED');
        }
      }
    }
    expect(refusal(await signIn(hall, guesser, '1006', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED').message).toMatch(/^本终端登录失败次数过多/);
    // Another device at the same address: the address is locked too.
    expect(refusal(await signIn(hall, other, '1006', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED').message).toMatch(/^来自本终端网络地址的登录失败次数过多/);
    const counted = await locks(hall);
    expect(counted.filter((lock) => lock.lockedUntil !== null).map((lock) => lock.scope).sort()).toEqual(['address', 'device']);

    await call(hall.url, 'POST', '/v1/admin/sign-in-locks/unlock', { token: ADMIN_TOKEN, body: { address: '127.0.0.1' } });
    expect((await signIn(hall, other, '1006', DEMO_PASSWORD)).status).toBe(200);
    refusal(await signIn(hall, guesser, '1006', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED');
    await call(hall.url, 'POST', '/v1/admin/sign-in-locks/unlock', { token: ADMIN_TOKEN, body: { deviceId: guesser.deviceId } });
    expect((await signIn(hall, guesser, '1001', DEMO_PASSWORD)).status).toBe(200);
  });

  it('ends the lock at its time, forgets old failures, and starts over after a success', async () => {
    let now = new Date('2026-03-02T10:27:10+08:00');
    const hall = await start({ clock: () => now });
    const counter = await hall.enroll(3);
    const advance = (minutes: number) => (now = new Date(now.getTime() + minutes * 60_000));

    for (let attempt = 1; attempt <= 4; attempt++) await signIn(hall, counter, '1002', 'wrong');
    advance(16); // past signInLockMinutes since the last failure: forgotten
    for (let attempt = 1; attempt <= 4; attempt++) refusal(await signIn(hall, counter, '1002', 'wrong'), 401, 'SIGN_IN_FAILED');
    const locked = refusal(await signIn(hall, counter, '1002', 'wrong'), 429, 'SIGN_IN_LOCKED');
    // Locked at 10:43:10 Beijing time for 15 minutes: until 10:58:10, shown as 10:59.
    expect(locked.retryAt).toBe('2026-03-02T02:58:10.000Z');
    expect(locked.message).toContain('请于 10:59 后重试');
    advance(14);
    refusal(await signIn(hall, counter, '1002', DEMO_PASSWORD), 429, 'SIGN_IN_LOCKED');
    advance(1.1);
    expect((await signIn(hall, counter, '1002', DEMO_PASSWORD)).status).toBe(200);

    // A success clears the count: four wrong, one right, four wrong again is no lock.
    for (let attempt = 1; attempt <= 4; attempt++) await signIn(hall, counter, '1002', 'wrong');
    expect((await signIn(hall, counter, '1002', DEMO_PASSWORD)).status).toBe(200);
    for (let attempt = 1; attempt <= 4; attempt++) refusal(await signIn(hall, counter, '1002', 'wrong'), 401, 'SIGN_IN_FAILED');
  });

  it('says the date too when the lock ends on another day', async () => {
    let now = new Date('2026-03-02T23:55:00+08:00');
    const hall = await start({ clock: () => now });
    const counter = await hall.enroll(3);
    for (let attempt = 1; attempt <= 4; attempt++) await signIn(hall, counter, '1002', 'wrong');
    now = new Date(now.getTime() + 1000);
    expect(refusal(await signIn(hall, counter, '1002', 'wrong'), 429, 'SIGN_IN_LOCKED').message).toContain('请于 3月3日 00:11 后重试');
  });

  it('takes signInMaxFailures and signInLockMinutes from the hall settings', async () => {
    const seedDir = mkdtempSync(join(tmpdir(), 'halldesk-seed-'));
    dirs.push(seedDir);
    cpSync(DEMO_SEED_DIR, seedDir, { recursive: true });
    const settings = JSON.parse(readFileSync(join(seedDir, 'settings.json'), 'utf8')) as object;
    writeFileSync(join(seedDir, 'settings.json'), JSON.stringify({ ...settings, signInMaxFailures: 3, signInLockMinutes: 2 }));
    const hall = await start({ seedDir });
    const counter = await hall.enroll(3);
    refusal(await signIn(hall, counter, '1002', 'wrong'), 401, 'SIGN_IN_FAILED');
    refusal(await signIn(hall, counter, '1002', 'wrong'), 401, 'SIGN_IN_FAILED');
    const locked = refusal(await signIn(hall, counter, '1002', 'wrong'), 429, 'SIGN_IN_LOCKED');
    expect(Date.parse(locked.retryAt!) - Date.now()).toBeLessThanOrEqual(2 * 60_000);
    expect(Date.parse(locked.retryAt!) - Date.now()).toBeGreaterThan(60_000);
  });

  it('is unlocked by `node server/main.ts unlock-staff` while the server runs', { timeout: 60_000 }, async () => {
    const hall = await start();
    const counter = await hall.enroll(3);
    for (let attempt = 1; attempt <= 5; attempt++) await signIn(hall, counter, '1002', 'wrong');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['server/main.ts', 'unlock-staff', ...args, '--data', hall.dataDir], {
        cwd: join(import.meta.dirname, '../..'),
        env: hallCommandEnv(hall.dbPath),
        encoding: 'utf8',
      });
    const done = cli('1002');
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout, done.stderr).toContain('已解除工号 1002 的登录锁定');
    const line = done.stdout.split('\n').find((text) => text.startsWith('SIGN_IN_UNLOCKED '))!;
    expect(UnlockSignInResult.parse(JSON.parse(line.slice('SIGN_IN_UNLOCKED '.length))).cleared).toHaveLength(1);
    expect((await signIn(hall, counter, '1002', DEMO_PASSWORD)).status).toBe(200);
    expect(cli('1002').stdout).toContain('没有登录失败记录');
    const usage = cli();
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain('unlock-staff 需要一个工号');
  });
});

describe('enrollment-code lockout', () => {
  it('keeps an address locked out across a restart', async () => {
    const first = await start();
    for (let attempt = 1; attempt <= 5; attempt++) {
      refusal(await call(first.url, 'POST', '/v1/devices/enroll', { body: { code: '00000000', deviceName: '猜码' } }), 400, 'ENROLLMENT_CODE_INVALID');
    }
    await stop(first);
    const again = await start({ dataDir: first.dataDir });
    const code = (await call(again.url, 'POST', '/v1/admin/enrollment-codes', { token: ADMIN_TOKEN, body: { role: 'kiosk', windowId: null } })).json as { code: string };
    const locked = refusal(await call(again.url, 'POST', '/v1/devices/enroll', { body: { code: code.code, deviceName: '取号机' } }), 429, 'ENROLLMENT_CODE_INVALID');
    expect(locked.message).toContain('次数过多');
  });
});
