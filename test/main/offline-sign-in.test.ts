// Offline sign-in: a clerk who signed in online once on this counter can sign
// in while the hall server is unreachable, against a stored scrypt verifier —
// never the password. Unit tests of the verifier store, then the counter core
// against the real hall server behind the fault proxy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { Staff } from '../../common/model.ts';
import { ClerkCredentials, SCRYPT_PARAMS } from '../../main/session/clerk-credentials.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openDatabase } from '../../main/store/database.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { DEMO_PASSWORD, startHallServer } from '../helpers/hall-server.ts';
import { memoryLogger, tempDir, until } from '../sync/support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(HallError);
  return error as HallError;
};

const STAFF: Staff = {
  id: 7,
  staffNo: '2001',
  name: '李华',
  department: '公安局',
  role: 'clerk',
  photo: 'data:image/png;base64,AAAA',
};

describe('ClerkCredentials', () => {
  it('keeps a salted scrypt verifier and the profile, never the password; checks it; forgets it', async () => {
    const file = join(tempDir('halldesk-cred-'), 'counter.db');
    const db = openDatabase(file);
    const credentials = new ClerkCredentials(db, { clock: () => new Date('2026-03-05T01:00:00Z') });
    const password = 'S3cret-口令-9876';
    await credentials.remember(STAFF, password);
    expect(await credentials.check('2001', password)).toEqual({ result: 'ok', staff: STAFF });
    expect(await credentials.check('2001', 'S3cret-口令-9875')).toEqual({ result: 'wrong-password' });
    expect(await credentials.check('2002', password)).toEqual({ result: 'unknown' });

    const row = db.prepare('SELECT verifier, verified_at FROM clerk_credential WHERE staff_no = ?').get('2001') as {
      verifier: string;
      verified_at: string;
    };
    const verifier = JSON.parse(row.verifier) as Record<string, unknown>;
    expect(verifier).toMatchObject({ alg: 'scrypt', ...SCRYPT_PARAMS });
    expect(SCRYPT_PARAMS.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(verifier.salt as string, 'base64')).toHaveLength(16);
    expect(row.verified_at).toBe('2026-03-05T01:00:00.000Z');
    // A fresh salt each time: the same password gives another verifier.
    await credentials.remember(STAFF, password);
    const again = JSON.parse(
      (db.prepare('SELECT verifier FROM clerk_credential').get() as { verifier: string }).verifier,
    ) as Record<string, unknown>;
    expect(again.salt).not.toBe(verifier.salt);
    expect(again.hash).not.toBe(verifier.hash);
    db.close();
    const bytes = readFileSync(file).toString('utf8') + readFileSync(`${file}-wal`, { flag: 'a+' }).toString('utf8');
    expect(bytes).not.toContain(password);

    const reopened = new ClerkCredentials(openDatabase(file));
    reopened.forget('2001');
    expect(await reopened.check('2001', password)).toEqual({ result: 'unknown' });
  });
});

describe('the counter signs a clerk in offline', () => {
  it('after one online sign-in: right password in, wrong one refused, an unknown staff number told to go online', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const proxy = await startFaultProxy(hall.url);
    cleanups.push(() => proxy.close());
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const lines: Parameters<typeof memoryLogger>[0] = [];
    const dataDir = join(tempDir('halldesk-offsign-'), 'counter');
    const counter = await openCounter(
      { dataDir, deviceName: 'offline sign-in', log: memoryLogger(lines), autoEnroll: { serverUrl: proxy.url, code } },
      { retryDelay: () => 100 },
    );
    cleanups.push(() => counter.close());
    const state = async () => (await counter.call('getClerkState', {})) as ClerkState;
    await until(state, (s) => s.connection.state === 'online', 'online');

    // Online: a refused password stores nothing; the right one stores the verifier.
    expect((await failure(counter.call('signIn', { staffNo: '1001', password: 'wrong' }))).code).toBe('SIGN_IN_FAILED');
    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });
    await counter.call('signOut', {});
    expect((await state()).clerk).toBeNull();

    // The link is cut (every connection reset): the server is unreachable.
    proxy.set({ mode: 'reset', direction: 'request', afterBytes: 0 });
    proxy.dropAll();
    await until(state, (s) => s.connection.state === 'offline', 'offline');

    const wrong = await failure(counter.call('signIn', { staffNo: '1001', password: 'not-it' }));
    expect(wrong.code).toBe('SIGN_IN_FAILED');
    const stranger = await failure(counter.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD }));
    expect(stranger.message).toBe('该工号未在本终端联网登录过，离线时无法登录；请联网后登录');
    expect((await state()).clerk).toBeNull();

    const signedIn = (await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD })) as ClerkState;
    expect(signedIn.connection.state).toBe('offline');
    expect(signedIn.clerk).toMatchObject({ staffNo: '1001' });
    expect(signedIn.clerk?.name).toBeTruthy();
    const outward = (await counter.call('getOutwardView', {})) as OutwardView;
    expect(outward.mode).toBe('idle');
    expect(outward.clerk).toMatchObject({ staffNo: '1001', name: signedIn.clerk?.name });
    expect(outward.clerk?.photo).toMatch(/^data:image\//);

    // The password is in no log line and no stored row.
    expect(JSON.stringify(lines)).not.toContain(DEMO_PASSWORD);
    expect(lines.some((l) => l.message === 'clerk signed in offline')).toBe(true);
    const db = openDatabase(join(dataDir, 'counter.db'));
    const rows = db.prepare('SELECT * FROM clerk_credential').all() as { staff_no: string; verifier: string }[];
    const kv = db.prepare('SELECT value FROM kv').pluck().all() as string[];
    db.close();
    expect(rows.map((r) => r.staff_no)).toEqual(['1001']);
    expect(JSON.parse(rows[0]!.verifier)).toMatchObject({ alg: 'scrypt' });
    expect([...rows.map((r) => r.verifier), ...kv].join('\n')).not.toContain(`"${DEMO_PASSWORD}"`);

    // Signing out offline works locally; the link back brings the counter online.
    expect(((await counter.call('signOut', {})) as ClerkState).clerk).toBeNull();
    proxy.set('pass');
    await until(state, (s) => s.connection.state === 'online', 'online again');

    // A password the server refuses (changed, revoked) drops the verifier: offline it opens nothing.
    expect((await failure(counter.call('signIn', { staffNo: '1001', password: 'old-one' }))).code).toBe('SIGN_IN_FAILED');
    proxy.set({ mode: 'reset', direction: 'request', afterBytes: 0 });
    proxy.dropAll();
    await until(state, (s) => s.connection.state === 'offline', 'offline again');
    const dropped = await failure(counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD }));
    expect(dropped.message).toContain('离线时无法登录');
  }, 30_000);
});
