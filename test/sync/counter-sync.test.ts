// Sync wired into the counter core (main/counter.ts) against the real hall
// server over real HTTP through the fault proxy, with a real SQLite file:
// cases captured offline reach the server once after the link returns (the
// clerk sees how many are unsent), a back-office 办结 comes back through the
// cases stream, a stale cursor (410) reloads a stream, and a refused push is
// stated to the clerk until the link returns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseList, CaseRecord, type CaseDraft } from '../../common/cases.ts';
import type { ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { CASE_DECIDED, SYNC_CHAIN_KEYED } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openDatabase } from '../../main/store/database.ts';
import { startFaultProxy, startStatusFront, type FaultProxy } from '../helpers/fault-proxy.ts';
import { DEMO_PASSWORD, startHallServer } from '../helpers/hall-server.ts';
import { memoryLogger, serverCaseNos, serverMutations, tempDir, until } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);

const draft = (n: number): CaseDraft => ({
  itemCode: 'GA-ZM-006', // 承诺件: stays open until 办结
  applicant: { type: 'person', name: '王小明', idNumber: ID, phone: `1381234${String(n).padStart(4, '0')}` },
  provided: [true, true, true],
  ticketNumber: null,
});

async function submit(counter: Counter, n: number): Promise<CaseRecord> {
  return CaseRecord.parse(
    await counter.call('submitCase', {
      draft: draft(n),
      decision: 'accept',
      refuseReason: null,
      refuseDetail: null,
      instantOutcome: null,
    }),
  );
}

const state = async (counter: Counter) => (await counter.call('getClerkState', {})) as ClerkState;

function waitState(counter: Counter, test: (s: ClerkState) => boolean, what: string, timeoutMs = 10_000) {
  return until(() => state(counter), test, what, timeoutMs);
}

const FAST = { push: { baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 3000 }, retryDelay: () => 100 };

async function setup(
  windowId: number,
  via?: (hallUrl: string) => Promise<{ url: string; close(): Promise<void> }>,
) {
  const hall = await startHallServer();
  cleanups.push(() => hall.close());
  const front = via ? await via(hall.url) : null;
  if (front) cleanups.push(() => front.close());
  const proxy = await startFaultProxy(front?.url ?? hall.url);
  cleanups.push(() => proxy.close());
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } });
  const dataDir = join(tempDir('halldesk-cs-'), 'counter');
  const lines: Parameters<typeof memoryLogger>[0] = [];
  const open = async (autoEnroll = false) => {
    const counter = await openCounter(
      {
        dataDir,
        deviceName: 'sync test',
        log: memoryLogger(lines),
        ...(autoEnroll ? { autoEnroll: { serverUrl: proxy.url, code } } : {}),
      },
      FAST,
    );
    let open = true;
    cleanups.push(async () => {
      if (open) await counter.close();
    });
    return {
      counter,
      close: async () => {
        open = false;
        await counter.close();
      },
    };
  };
  const first = await open(true);
  await waitState(first.counter, (s) => s.connection.state === 'online', 'online');
  await first.counter.call('signIn', { staffNo: '100' + windowId, password: DEMO_PASSWORD });
  const db = openDatabase(join(dataDir, 'counter.db'));
  const stored = db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").pluck().get() as string;
  db.close();
  const { deviceId } = JSON.parse(stored) as { deviceId: string };
  return { hall, proxy, admin, dataDir, lines, open, first, deviceId };
}

/** Cuts the link: open connections are reset and every new one is cut as it starts. */
function linkDown(proxy: FaultProxy) {
  proxy.set({ mode: 'reset', direction: 'request', afterBytes: 0 });
  proxy.dropAll();
}

describe('the counter syncs', () => {
  it('pushes each case after its commit; offline they wait, counted for the clerk, and arrive once when the link returns', async () => {
    const { hall, proxy, first, open, deviceId } = await setup(1);
    const online = [await submit(first.counter, 1), await submit(first.counter, 2)];
    await waitState(first.counter, (s) => s.unsent === 0, 'the online cases pushed');
    expect(serverCaseNos(hall.dataDir, deviceId)).toEqual(online.map((c) => c.caseNo).sort());

    linkDown(proxy);
    await waitState(first.counter, (s) => s.connection.state === 'offline', 'offline');
    const offline = [
      await submit(first.counter, 3),
      await submit(first.counter, 4),
      await submit(first.counter, 5),
    ];
    const waiting = await state(first.counter);
    expect(waiting.unsent).toBe(3);
    expect(waiting.connection.syncIssue).toBeNull();
    await first.close();

    // Restarted, still offline: nothing lost, still counted.
    const again = await open();
    expect((await state(again.counter)).unsent).toBe(3);
    proxy.set('pass');
    await waitState(
      again.counter,
      (s) => s.connection.state === 'online' && s.unsent === 0,
      'drained after the link returned',
    );
    const all = [...online, ...offline].map((c) => c.caseNo).sort();
    expect(serverCaseNos(hall.dataDir, deviceId)).toEqual(all);
    // seq 1: sync.chain_keyed, the chain keyed from enrollment on (docs/records-trust.md).
    expect(serverMutations(hall.dataDir, deviceId).map((m) => [m.seq, m.status])).toEqual(
      [1, 2, 3, 4, 5, 6].map((seq) => [seq, 'applied']),
    );
    // The hall server holds the applicant masked only.
    await again.close();
    const serverFile =
      readFileSync(join(hall.dataDir, 'hall.sqlite')).toString('utf8') +
      readFileSync(join(hall.dataDir, 'hall.sqlite-wal')).toString('utf8');
    expect(serverFile).not.toContain(ID);
    expect(serverFile).not.toContain('王小明');
    expect(serverFile).toContain('王**');
  });

  it('hears of a back-office 办结 through the cases stream, and reloads a stream whose cursor the server no longer knows', async () => {
    const { admin, first, open, dataDir, lines } = await setup(2);
    const record = await submit(first.counter, 1);
    await waitState(first.counter, (s) => s.unsent === 0, 'pushed');
    await admin.request('adminFinishCase', {
      params: { caseNo: record.caseNo },
      body: { outcome: 'not_approved', finishedBy: '后台 李四' },
    });
    const list = await until(
      async () => CaseList.parse(await first.counter.call('listCases', {})),
      (l) => l.open.length === 0,
      'the case finished locally',
    );
    expect(list.today[0]).toMatchObject({
      caseNo: record.caseNo,
      status: 'finished',
      outcome: 'not_approved',
    });
    await first.close();

    // Cursors the server never issued (as after the server's data was rebuilt): 410, reload from scratch.
    const db = openDatabase(join(dataDir, 'counter.db'));
    for (const key of ['cursor:config', 'cursor:queue', 'cursor:cases']) {
      db.prepare('UPDATE kv SET value = ? WHERE key = ?').run('999999', key);
    }
    db.prepare(
      "INSERT INTO queue_ticket (id, day, number, line_id, priority, status, issued_at, recall_count, version) VALUES (999, '2026-01-01', 'A999', 'A', 'normal', 'waiting', 'x', 0, 1)",
    ).run();
    db.close();
    const again = await open();
    const back = await waitState(again.counter, (s) => s.connection.state === 'online', 'online again');
    expect(back.window?.name).toBe('2号窗口');
    expect(back.queue.map((line) => line.waiting)).toEqual([0]);
    const reloaded = lines
      .filter((l) => l.message === 'stream reloaded from scratch')
      .map((l) => l.fields?.stream);
    expect(reloaded.sort()).toEqual(['cases', 'queue']);
    const check = openDatabase(join(dataDir, 'counter.db'));
    const cursor = (key: string) =>
      Number((check.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string }).value);
    expect(cursor('cursor:config')).toBeLessThan(999999);
    expect(cursor('cursor:queue')).toBeLessThan(999999);
    expect(check.prepare('SELECT COUNT(*) FROM queue_ticket WHERE id = 999').pluck().get()).toBe(0);
    expect(
      check.prepare("SELECT COUNT(*) FROM config_entry WHERE kind = 'item'").pluck().get(),
    ).toBeGreaterThan(5);
    check.close();
  });

  it('tells the clerk when the server refuses the records, and tries again when the link returns', async () => {
    let front: Awaited<ReturnType<typeof startStatusFront>> | null = null;
    const { proxy, first, hall, deviceId } = await setup(
      3,
      async (url) => (front = await startStatusFront(url)),
    );
    front!.answer('/v1/sync/push', {
      status: 400,
      body: { code: 'BAD_REQUEST', message: '请求内容不正确：不支持的版本' },
    });
    await submit(first.counter, 1);
    const stuck = await waitState(first.counter, (s) => s.connection.syncIssue !== null, 'the issue shown');
    expect(stuck.connection.syncIssue).toContain('大厅服务器拒收了本机的记录：请求内容不正确：不支持的版本');
    expect(stuck.connection.state).toBe('online');
    expect(stuck.unsent).toBe(1);
    // The link drops and returns: the push goes again, and the notice goes away.
    proxy.dropAll();
    await waitState(
      first.counter,
      (s) => s.unsent === 0 && s.connection.syncIssue === null,
      'pushed after reconnect',
    );
    expect(serverMutations(hall.dataDir, deviceId).map((m) => [m.name, m.status])).toEqual([
      [SYNC_CHAIN_KEYED, 'applied'],
      [CASE_DECIDED, 'applied'],
    ]);
  });
});
