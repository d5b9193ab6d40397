// 重新注册 (issue 7, 设备设置 «hall server address and enrollment"): a signed-in
// manager gives an enrolled counter a new identity with a new one-time code,
// against the real hall server and a real SQLite file. Only once the hall
// server has acknowledged every record; the outbox starts a new chain at seq 1
// under the new device id; a refused code leaves the old enrollment as it was.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../common/identity.ts';
import type { CaseDraft } from '../../common/cases.ts';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import type { Counter } from '../../main/counter-api.ts';
import type { StoredEnrollment } from '../../main/store/counter-store.ts';
import { openDatabase } from '../../main/store/database.ts';
import { GENESIS_HASH, Outbox, OutboxNotSettled, verifyChain } from '../../main/store/outbox.ts';
import { SYNC_CHAIN_KEYED } from '../../common/sync.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { serverMutations, tempDir, until } from '../sync/support.ts';
import { CLERK, deviceRig, enrollmentCode, MANAGER, type DeviceRig } from './device-rig.ts';

const rigs: DeviceRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** Pushes to the hall server fail (as if the network dropped them) while `blocked`. */
function pushGate() {
  const gate = { blocked: false };
  const gated: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (gate.blocked && url.includes('/v1/sync/push')) return Promise.reject(new TypeError('fetch failed'));
    return fetch(input, init);
  };
  return { gate, fetch: gated };
}

async function rig(): Promise<DeviceRig & { gate: { blocked: boolean } }> {
  const { gate, fetch } = pushGate();
  const r = await deviceRig({}, { fetch, push: { baseDelayMs: 20, maxDelayMs: 100 } }, 1);
  rigs.push(r);
  return Object.assign(r, { gate });
}

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);
const NAMES = ['王小明', '李小红', '张小强', '刘小芳'];
let drafts = 0;
/** Another citizen each time (the same draft submitted again is the same case). */
const draft = (): CaseDraft => ({
  itemCode: 'GA-ZM-006', // line A: windows 1 and 2
  applicant: { type: 'person', name: NAMES[drafts++ % NAMES.length]!, idNumber: ID, phone: '13812345678' },
  provided: [true, true, true],
  ticketNumber: null,
});

async function submitCase(counter: Counter): Promise<string> {
  const record = (await counter.call('submitCase', {
    draft: draft(),
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: null,
  })) as { caseNo: string };
  return record.caseNo;
}

const enrollmentOf = (r: DeviceRig) =>
  JSON.parse(
    r.query<{ value: string }>("SELECT value FROM kv WHERE key = 'enrollment'")[0]!.value,
  ) as StoredEnrollment;
const tokenOf = (r: DeviceRig) => {
  const file = join(r.dataDir, 'device-token.secret');
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
};
const acknowledged = (counter: Counter) =>
  waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);

describe('Outbox.startNewChain', () => {
  it('runs only in a transaction, only when all is settled, and starts again at seq 1 after genesis', () => {
    const db = openDatabase(join(tempDir('halldesk-chain-'), 'counter.db'));
    try {
      const outbox = new Outbox(db);
      const append = (n: number) => db.transaction(() => outbox.append('test.mutation', { n }))();
      const renew = () => db.transaction(() => outbox.startNewChain())();
      append(1);
      append(2);
      append(3);
      expect(() => outbox.startNewChain()).toThrow(/inside the transaction/);
      expect(() => renew()).toThrow(OutboxNotSettled);
      outbox.settle([
        { seq: 1, status: 'applied' },
        { seq: 2, status: 'rejected', reason: '不收' },
      ]);
      expect(() => renew()).toThrow(expect.objectContaining({ unsent: 1 }));
      expect(outbox.lastSeq()).toBe(3);
      outbox.settle([{ seq: 3, status: 'applied' }]);
      expect(renew()).toEqual({ acked: 2, rejected: 1 });
      expect(outbox.entries()).toEqual([]);
      expect(outbox.lastSeq()).toBe(0);
      const first = append(4);
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      append(5);
      expect(verifyChain(outbox.entries())).toBeNull();
    } finally {
      db.close();
    }
  });
});

describe('重新注册 (re-enrollment with a new code)', () => {
  it('is for a signed-in manager only; a refused call leaves the code unspent', async () => {
    const r = await rig();
    const code = await enrollmentCode(r.hall, 2);
    await r.signIn(CLERK);
    expect(await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code }))).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('设备设置仅限大厅管理员使用'),
    });
    await r.counter.call('signOut', {});
    expect(await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    // The code was not spent: the manager can use it.
    await r.signIn(MANAGER);
    expect(await r.counter.call('reenroll', { serverUrl: r.hall.url, code })).toMatchObject({ clerk: null });
    expect(enrollmentOf(r).windowId).toBe(2);
  });

  it('is refused while records wait to be uploaded, and goes once the hall server has them all', async () => {
    const r = await rig();
    await r.signIn(CLERK);
    r.gate.blocked = true;
    await submitCase(r.counter);
    await submitCase(r.counter);
    await r.counter.call('signOut', {});
    await r.signIn(MANAGER);
    expect((await r.counter.call('getClerkState', {})) as ClerkState).toMatchObject({ unsent: 2 });
    const before = enrollmentOf(r);
    const code = await enrollmentCode(r.hall, 2);
    const refused = await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code }));
    expect(refused).toMatchObject({
      code: 'CONFLICT',
      message: '还有 2 条记录未上传到大厅服务器，重新注册会使这些记录无法上传：请先联网等待上传完成',
    });
    expect(enrollmentOf(r)).toEqual(before);

    // Back online: the records go, and the same (unspent) code re-enrolls.
    r.gate.blocked = false;
    await acknowledged(r.counter);
    await until(
      async () =>
        r.counter.call('reenroll', { serverUrl: r.hall.url, code }).then(
          () => true,
          (e: unknown) => e,
        ),
      (v) => v === true || !String((v as Error).message).includes('正在与大厅服务器核对'),
      're-enrollment after the upload',
    ).then((v) => expect(v).toBe(true));
    expect(enrollmentOf(r)).toMatchObject({ windowId: 2 });
    expect(enrollmentOf(r).deviceId).not.toBe(before.deviceId);
    // Both records reached the server under the old identity before it ended (after the chain's sync.chain_keyed at seq 1).
    expect(serverMutations(r.hall.dataDir, before.deviceId)).toMatchObject([
      { seq: 1, name: SYNC_CHAIN_KEYED, status: 'applied' },
      { seq: 2, status: 'applied' },
      { seq: 3, status: 'applied' },
    ]);
  });

  it('re-enrolls to another window: new identity, a new chain at seq 1, nobody signed in, the old records not sent again', async () => {
    const r = await rig();
    const before = enrollmentOf(r);
    const oldToken = tokenOf(r);
    await r.signIn(CLERK);
    const oldCases = [await submitCase(r.counter), await submitCase(r.counter)];
    await acknowledged(r.counter);
    await until(
      () => serverMutations(r.hall.dataDir, before.deviceId),
      (rows) => rows.length === 3,
      'old records on the server',
    );
    await r.counter.call('signOut', {});
    await r.signIn(MANAGER);
    await r.counter.call('lockScreen', {});
    // Locked: 暂停服务 allows nothing but unlocking.
    expect(
      await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code: '00000000' })),
    ).toMatchObject({ code: 'SCREEN_LOCKED' });
    await r.counter.call('unlockScreen', { password: '123456' });

    const code = await enrollmentCode(r.hall, 2);
    const state = (await r.counter.call('reenroll', { serverUrl: r.hall.url, code })) as ClerkState;
    expect(state).toMatchObject({ enrolled: true, clerk: null, locked: false, unsent: 0 });
    const after = enrollmentOf(r);
    expect(after).toMatchObject({ windowId: 2, serverUrl: r.hall.url, role: 'counter' });
    expect(after.deviceId).not.toBe(before.deviceId);
    expect(after.deviceNo).not.toBe(before.deviceNo);
    expect(tokenOf(r)).not.toBe(oldToken);
    // The outbox starts over: no rows of the old identity, head at 0 after genesis.
    expect(r.query('SELECT seq FROM outbox')).toEqual([]);
    expect(r.query('SELECT last_seq AS lastSeq, last_hash AS lastHash FROM outbox_head')).toEqual([
      { lastSeq: 0, lastHash: GENESIS_HASH },
    ]);
    // The window mirror, lock and offline verifiers of the old window are gone.
    expect(r.query("SELECT key FROM kv WHERE key IN ('window-status', 'cursor:queue')")).toEqual([]);
    expect(r.query('SELECT staff_no FROM clerk_credential')).toEqual([]);

    // Online as window 2; the manager was signed out at window 1 on the server too.
    const online = await waitFor<ClerkState>(
      r.counter,
      'clerkState',
      (s) => s.connection.state === 'online' && s.window?.id === 2,
      10_000,
    );
    expect(online.clerk).toBeNull();
    await until(
      async () =>
        (await fetch(`${r.hall.url}/v1/windows/1/state`, {
          headers: { authorization: `Bearer ${oldToken}` },
        }).then((res) => res.json())) as { clerk: unknown },
      (status) => status.clerk === null,
      'the manager signed out at the old window',
    );

    // A clerk signs in at window 2 (online: verifiers were cleared) and takes a case.
    const signedIn = await r.signIn(CLERK);
    expect(signedIn.window?.id).toBe(2);
    const newCase = await submitCase(r.counter);
    expect(newCase).toMatch(new RegExp(`^\\d{8}-02-${after.deviceNo}-\\d{4}$`));
    await acknowledged(r.counter);
    const rows = await until(
      () => serverMutations(r.hall.dataDir, after.deviceId),
      (list) => list.length === 2,
      'the new record on the server',
    );
    // The new chain is keyed from its first record on, with the new identity's key.
    expect(rows).toEqual([
      expect.objectContaining({ seq: 1, name: SYNC_CHAIN_KEYED, status: 'applied' }),
      expect.objectContaining({ seq: 2, status: 'applied' }),
    ]);
    expect(r.query<{ seq: number; state: string }>('SELECT seq, state FROM outbox')).toEqual([
      { seq: 1, state: 'acked' },
      { seq: 2, state: 'acked' },
    ]);
    // The old device's records were not sent again, under either identity.
    expect(serverMutations(r.hall.dataDir, before.deviceId).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(oldCases).not.toContain(newCase);

    // After a restart it is still window 2 with the new identity.
    const reopened = await r.reopen();
    expect(((await reopened.call('getClerkState', {})) as ClerkState).window?.id).toBe(2);
    expect(enrollmentOf(r).deviceId).toBe(after.deviceId);
  });

  it('a rating prompt still open is cancelled and uploaded under the old identity first: the re-enrollment goes through', async () => {
    const r = await rig();
    const before = enrollmentOf(r);
    await r.signIn(MANAGER);
    await r.counter.call('requestRating', {});
    expect(((await r.counter.call('getOutwardView', {})) as OutwardView).rating).not.toBeNull();
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).unsent).toBe(0);

    // Offline: the cancellation cannot reach the hall server, so the code is not spent.
    r.gate.blocked = true;
    const code = await enrollmentCode(r.hall, 2);
    expect(await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code }))).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('还有 1 条记录未上传'),
    });
    expect(enrollmentOf(r)).toEqual(before);
    expect(r.query<{ outcome: string }>('SELECT outcome FROM rating')).toEqual([{ outcome: 'cancelled' }]);

    // Online, with another prompt open: cancelled, uploaded, then re-enrolled with the same code.
    r.gate.blocked = false;
    await acknowledged(r.counter);
    await r.counter.call('requestRating', {});
    const state = (await r.counter.call('reenroll', { serverUrl: r.hall.url, code })) as ClerkState;
    expect(state).toMatchObject({ clerk: null, unsent: 0 });
    expect(enrollmentOf(r)).toMatchObject({ windowId: 2 });
    expect(r.query<{ outcome: string }>('SELECT outcome FROM rating')).toEqual([
      { outcome: 'cancelled' },
      { outcome: 'cancelled' },
    ]);
    expect(serverMutations(r.hall.dataDir, before.deviceId)).toMatchObject([
      { seq: 1, name: SYNC_CHAIN_KEYED, status: 'applied' },
      { seq: 2, status: 'applied' },
      { seq: 3, status: 'applied' },
    ]);
    expect(r.query('SELECT seq FROM outbox')).toEqual([]);
  });

  it('keeps the old enrollment and token when the hall server refuses the code', async () => {
    const r = await rig();
    const before = enrollmentOf(r);
    const oldToken = tokenOf(r);
    await r.signIn(MANAGER);
    const wrong = await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code: '12345678' }));
    expect(wrong.code).toBe('ENROLLMENT_CODE_INVALID');
    expect(wrong.message).toContain(`本终端仍按原注册（${r.hall.url}）使用`);
    const unreachable = await failure(
      r.counter.call('reenroll', { serverUrl: 'http://127.0.0.1:9', code: await enrollmentCode(r.hall, 2) }),
    );
    expect(unreachable.code).toBe('SERVER_UNREACHABLE');
    // A kiosk's code is spent by the server but is no counter's: refused, old enrollment kept.
    const admin = await fetch(`${r.hall.url}/v1/admin/enrollment-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${r.hall.adminToken}` },
      body: JSON.stringify({ role: 'kiosk', windowId: null }),
    }).then((res) => res.json() as Promise<{ code: string }>);
    expect(
      await failure(r.counter.call('reenroll', { serverUrl: r.hall.url, code: admin.code })),
    ).toMatchObject({
      code: 'ENROLLMENT_CODE_INVALID',
    });

    expect(enrollmentOf(r)).toEqual(before);
    expect(tokenOf(r)).toBe(oldToken);
    const state = (await r.counter.call('getClerkState', {})) as ClerkState;
    expect(state).toMatchObject({ enrolled: true, clerk: { staffNo: MANAGER }, window: { id: 1 } });
    // Still working as before: a case from a clerk goes to the old device at seq 2 (after sync.chain_keyed).
    await r.counter.call('signOut', {});
    await r.signIn(CLERK);
    await submitCase(r.counter);
    await acknowledged(r.counter);
    expect(
      (
        await until(
          () => serverMutations(r.hall.dataDir, before.deviceId),
          (rows) => rows.length === 2,
          'pushed',
        )
      ).map((m) => m.seq),
    ).toEqual([1, 2]);
  });
});
