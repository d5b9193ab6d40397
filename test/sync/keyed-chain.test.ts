// The keyed chain and the counter's self-check (issue 21, points 1 and 2;
// docs/records-trust.md), with the real hall server over HTTP and the
// counter's real SQLite file edited between runs, as someone holding the file
// (not the device token) would:
//
// - a rating not yet sent is rewritten (level 2 → 5) and re-hashed with the
//   keyless hash, outbox_head recomputed: the hall server refuses it (签名不符)
//   and stores no rating; the counter's own check at start reports it too;
// - a rating already acknowledged is edited in its table (level 4 → 1): the
//   counter reports it at start, the server's copy stays 4 and nothing is sent;
// - the start-up check is incremental: a second start checks only new records.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { RATING_RECORDED, type RatingRecord } from '../../common/ratings.ts';
import type { SyncIssuesView } from '../../common/sync-issues.ts';
import { canonicalJson, GENESIS_HASH, SYNC_CHAIN_KEYED } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter, CounterOptions } from '../../main/counter-api.ts';
import { DEVICE_TOKEN } from '../../main/core/counter-state.ts';
import { HallClient } from '../../main/hall-client.ts';
import { FileSecretStore } from '../../main/secret-store.ts';
import { openDatabase } from '../../main/store/database.ts';
import { ChainKeyMissing, mutationHash, Outbox, verifyChain, type Mutation } from '../../main/store/outbox.ts';
import { deriveChainKey } from '../../main/sync/chain-key.ts';
import { uuidv7Generator } from '../../main/uuidv7.ts';
import { counterChainKey } from '../helpers/chain-key.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { enrollmentCode } from '../main/device-rig.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { chain, memoryLogger, tempDir } from './support.ts';

const newId = uuidv7Generator();

const CLERK = '1001';

/** The real hall server and a counter's data folder enrolled at window 1; counters are opened and closed by the test. */
interface Rig {
  hall: TestHallServer;
  dataDir: string;
  options: CounterOptions;
  query<T>(sql: string, ...params: unknown[]): T[];
  signIn(staffNo: string, counter: Counter): Promise<ClerkState>;
}

const halls: TestHallServer[] = [];
const counters: Counter[] = [];
afterEach(async () => {
  for (const counter of counters.splice(0)) await counter.close();
  for (const hall of halls.splice(0)) await hall.close();
});

async function rigAt1(): Promise<Rig & { counter: Counter }> {
  const hall = await startHallServer();
  halls.push(hall);
  const dataDir = join(tempDir('halldesk-keyed-'), 'counter');
  const options: CounterOptions = {
    dataDir,
    deviceName: 'keyed chain test',
    autoEnroll: { serverUrl: hall.url, code: await enrollmentCode(hall, 1) },
  };
  const rig: Rig = {
    hall,
    dataDir,
    options,
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(join(dataDir, 'counter.db'), { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    signIn: async (staffNo, counter) => (await counter.call('signIn', { staffNo, password: DEMO_PASSWORD })) as ClerkState,
  };
  const counter = await start(rig);
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online' && s.unsent === 0, 10_000);
  return { ...rig, counter };
}

async function stop(counter: Counter): Promise<void> {
  counters.splice(counters.indexOf(counter), 1);
  await counter.close();
}

function rating(id: string, sessionId: number, level: number): RatingRecord {
  return {
    id,
    sessionId,
    caseNo: null,
    itemCode: null,
    windowId: 1,
    staffNo: CLERK,
    ticketNumber: 'A001',
    level: level as RatingRecord['level'],
    outcome: 'rated',
    channel: 'evaluator',
    deviceAddress: 1,
    openedAt: '2026-12-07T01:00:00.000Z',
    at: '2026-12-07T01:00:05.000Z',
  };
}

/** Records ratings as the counter does (the row and its keyed record in one transaction), while it is closed. */
function recordRatings(dataDir: string, ratings: RatingRecord[]): number[] {
  const db = openDatabase(join(dataDir, 'counter.db'));
  try {
    const outbox = new Outbox(db, { chainKey: () => counterChainKey(dataDir, db) });
    const insert = db.prepare(
      `INSERT INTO rating (id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
         device_address, opened_at, at) VALUES (@id, @sessionId, @caseNo, @itemCode, @windowId, @staffNo, @ticketNumber,
         @level, @outcome, @channel, @deviceAddress, @openedAt, @at)`,
    );
    return db.transaction(() =>
      ratings.map((r) => {
        insert.run(r);
        return outbox.append(RATING_RECORDED, r).seq;
      }),
    )();
  } finally {
    db.close();
  }
}

function hallRatings(rig: Rig): { id: string; level: number | null }[] {
  const db = new Database(join(rig.hall.dataDir, 'hall.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id, level FROM ratings ORDER BY id').all() as { id: string; level: number | null }[];
  } finally {
    db.close();
  }
}

type Lines = { level: string; message: string; fields?: Record<string, unknown> }[];
const newLog = () => {
  const lines: Lines = [];
  return { lines, logger: memoryLogger(lines) };
};

async function start(rig: Rig, log = newLog()): Promise<Counter> {
  const counter = await openCounter({ ...rig.options, log: log.logger }, { retryDelay: () => 50 });
  counters.push(counter);
  return counter;
}

describe('keyed chain', () => {
  it('a rating rewritten in the file with the keyless hash and the head recomputed is refused by the hall server', async () => {
    const rig = await rigAt1();
    // Enrolled with this version: the chain is keyed from its first record, and the server has it.
    expect(rig.query('SELECT seq, name, state FROM outbox')).toEqual([{ seq: 1, name: SYNC_CHAIN_KEYED, state: 'acked' }]);
    await stop(rig.counter);
    const [genuine, target] = recordRatings(rig.dataDir, [rating('r-genuine', 1, 4), rating('r-target', 2, 2)]);

    // The rewrite: level 2 → 5, hash recomputed without the key (the project's own hash function), head recomputed.
    const db = openDatabase(join(rig.dataDir, 'counter.db'));
    try {
      const row = db.prepare('SELECT * FROM outbox WHERE seq = ?').get(target) as { id: string; at: string; prev_hash: string };
      const args = { ...rating('r-target', 2, 5) };
      const hash = mutationHash(row.prev_hash, { seq: target!, id: row.id, name: RATING_RECORDED, args, at: row.at });
      db.prepare('UPDATE outbox SET args = ?, hash = ? WHERE seq = ?').run(canonicalJson(args), hash, target);
      db.prepare('UPDATE outbox_head SET last_hash = ? WHERE one = 1').run(hash);
      db.exec('DROP TRIGGER rating_no_update');
      db.prepare("UPDATE rating SET level = 5 WHERE id = 'r-target'").run();
    } finally {
      db.close();
    }

    const log = newLog();
    const counter = await start(rig, log);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);
    const states = rig.query<{ seq: number; state: string; reason: string | null }>('SELECT seq, state, reason FROM outbox WHERE seq >= ? ORDER BY seq', genuine);
    expect(states[0]).toMatchObject({ seq: genuine, state: 'acked' });
    expect(states[1]).toMatchObject({ seq: target, state: 'rejected' });
    expect(states[1]!.reason).toContain(`签名不符：第 ${target} 条的内容与本终端链密钥所作的签名不符`);
    // The genuine rating is on the server; the rewritten one is not, in neither form.
    expect(hallRatings(rig)).toEqual([{ id: 'r-genuine', level: 4 }]);

    // The counter's own check at start found it before anything was sent.
    await rig.signIn(CLERK, counter);
    const view = (await counter.call('listSyncIssues', {})) as SyncIssuesView;
    expect(view.integrity).toEqual([
      expect.objectContaining({ seq: target, what: '好差评 · 评价 r-target', detail: expect.stringContaining('与其签名不符') }),
    ]);
    expect(view.local).toEqual([expect.objectContaining({ seq: target, reason: expect.stringContaining('签名不符') })]);
    expect(log.lines.some((l) => l.message === 'record check: changed on this counter' && l.fields?.seq === target)).toBe(true);
  });

  it("a replayed record is a duplicate (applied once); one hashed without the chain key is refused even over the device's own connection", async () => {
    const rig = await rigAt1();
    await stop(rig.counter);
    const [seq] = recordRatings(rig.dataDir, [rating('r-once', 1, 3)]);
    const counter = await start(rig);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);
    expect(hallRatings(rig)).toEqual([{ id: 'r-once', level: 3 }]);
    // The same record again (a replay): duplicate, the rating stays once.
    await stop(counter);
    const db = openDatabase(join(rig.dataDir, 'counter.db'));
    try {
      db.prepare("UPDATE outbox SET state = 'pending' WHERE seq = ?").run(seq);
    } finally {
      db.close();
    }
    const again = await start(rig);
    await waitFor<ClerkState>(again, 'clerkState', (s) => s.unsent === 0, 10_000);
    expect(rig.query('SELECT state FROM outbox WHERE seq = ?', seq)).toEqual([{ state: 'acked' }]);
    expect(hallRatings(rig)).toEqual([{ id: 'r-once', level: 3 }]);

    // Forged: the next record made with the device token but without the chain key (the plain hash) → refused, not applied.
    const token = new FileSecretStore(rig.dataDir).get(DEVICE_TOKEN)!;
    const { deviceId } = JSON.parse(rig.query<{ value: string }>("SELECT value FROM kv WHERE key = 'enrollment'")[0]!.value) as { deviceId: string };
    const prevHash = rig.query<{ hash: string }>('SELECT hash FROM outbox WHERE seq = ?', seq)[0]!.hash;
    const partial = { seq: seq! + 1, id: '01900000-0000-7000-8000-000000000001', name: RATING_RECORDED, args: rating('r-forged', 9, 1), at: '2026-12-07T01:10:00.000Z' };
    const client = new HallClient({ baseUrl: rig.hall.url, token });
    const answer = await client.request('push', {
      body: { deviceId, mutations: [{ ...partial, prevHash, hash: mutationHash(prevHash, partial) }] },
    });
    expect(answer.results).toEqual([
      { seq: seq! + 1, status: 'rejected', reason: expect.stringContaining(`签名不符：第 ${seq! + 1} 条的内容与本终端链密钥所作的签名不符`) },
    ]);
    expect(hallRatings(rig)).toEqual([{ id: 'r-once', level: 3 }]);
  });
});

describe('counters enrolled before keyed chains', () => {
  it('the hall server takes plain hashes until sync.chain_keyed, keyed ones from it on, and plain ones never again', async () => {
    const hall = await startHallServer();
    halls.push(hall);
    const device = await hall.enroll(1);
    const client = new HallClient({ baseUrl: hall.url, token: device.token });
    const key = deriveChainKey(device.token, device.deviceId);
    const push = (mutations: Mutation[]) => client.request('push', { body: { deviceId: device.deviceId, mutations } });
    const build = (seq: number, prev: string, name: string, args: unknown, withKey: Buffer | null): Mutation => {
      const partial = { seq, id: newId(), name, args, at: '2026-12-07T01:00:00.000Z' };
      return { ...partial, prevHash: prev, hash: mutationHash(prev, partial, withKey) };
    };
    // Records an older counter made: plain SHA-256, accepted as before.
    const legacy = chain([{ name: RATING_RECORDED, args: rating('r-old-1', 1, 5) }, { name: RATING_RECORDED, args: rating('r-old-2', 2, 4) }]);
    expect((await push(legacy)).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // The upgraded counter keys its chain from seq 3, then goes on keyed.
    const marker = build(3, legacy[1]!.hash, SYNC_CHAIN_KEYED, { fromSeq: 3 }, key);
    const keyed = build(4, marker.hash, RATING_RECORDED, rating('r-new', 3, 5), key);
    expect((await push([marker, keyed])).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // From now on a plain hash is refused, and a second sync.chain_keyed too.
    const plain = build(5, keyed.hash, RATING_RECORDED, rating('r-plain', 4, 1), null);
    const [refused] = (await push([plain])).results;
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.stringContaining('签名不符') });
    const again = build(6, plain.hash, SYNC_CHAIN_KEYED, { fromSeq: 6 }, key);
    expect((await push([again])).results[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('已于第 3 条启用签名') });
    // A marker made without the key is refused as well (on another device, not yet keyed).
    const other = await hall.enroll(2);
    const otherClient = new HallClient({ baseUrl: hall.url, token: other.token });
    const fake = build(1, GENESIS_HASH, SYNC_CHAIN_KEYED, { fromSeq: 1 }, null);
    expect((await otherClient.request('push', { body: { deviceId: other.deviceId, mutations: [fake] } })).results[0]).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('签名不符'),
    });
    expect(hallRatings({ hall } as Rig).map((r) => r.id)).toEqual(['r-new', 'r-old-1', 'r-old-2']);
  });

  it("the counter's outbox keys an unkeyed chain at the next record once the key is at hand; the check passes over both kinds", () => {
    const db = openDatabase(join(tempDir('halldesk-keyed-outbox-'), 'counter.db'));
    try {
      const key = deriveChainKey('token-of-an-older-counter-0123456789abcdef', 'device-1');
      let keyAtHand: Buffer | null = null;
      const outbox = new Outbox(db, { chainKey: () => keyAtHand });
      const append = (n: number) => db.transaction(() => outbox.append(RATING_RECORDED, rating(`r-${n}`, n, 5)))();
      append(1);
      append(2);
      expect(outbox.keyedFrom()).toBeNull();
      keyAtHand = key;
      append(3);
      expect(outbox.keyedFrom()).toBe(3);
      expect(outbox.entries().map((e) => [e.seq, e.name])).toEqual([
        [1, RATING_RECORDED],
        [2, RATING_RECORDED],
        [3, SYNC_CHAIN_KEYED],
        [4, RATING_RECORDED],
      ]);
      expect(verifyChain(outbox.entries(), undefined, { key, keyedFrom: 3 })).toBeNull();
      // Without the key the keyed part cannot be checked; with a wrong key it fails at the marker.
      expect(verifyChain(outbox.entries(), undefined, { key: null, keyedFrom: 3 })).toEqual({ seq: 3, reason: 'keyed record and no chain key' });
      expect(verifyChain(outbox.entries(), undefined, { key: deriveChainKey('another-token-0123456789abcdef0123', 'device-1'), keyedFrom: 3 })).toEqual({
        seq: 3,
        reason: 'hash does not match the content',
      });
      // The key gone (the token lost): nothing more can be recorded, said plainly.
      keyAtHand = null;
      expect(() => append(5)).toThrow(ChainKeyMissing);
    } finally {
      db.close();
    }
  });
});

describe('the counter checks itself at start', () => {
  it('reports a synced rating edited in the file (the server copy stands); the next start checks only new records', async () => {
    const rig = await rigAt1();
    await stop(rig.counter);
    const [seq] = recordRatings(rig.dataDir, [rating('r-synced', 1, 4)]);
    const first = newLog();
    const counter = await start(rig, first);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);
    expect(rig.query('SELECT state FROM outbox WHERE seq = ?', seq)).toEqual([{ state: 'acked' }]);
    expect(first.lines.find((l) => l.message === 'records checked')?.fields).toMatchObject({ checked: 2, findings: 0 });
    await stop(counter);

    // After sync: level 4 → 1 in the rating table (its trigger dropped first: the counter never edits a rating).
    const db = openDatabase(join(rig.dataDir, 'counter.db'));
    try {
      db.exec('DROP TRIGGER rating_no_update');
      db.prepare("UPDATE rating SET level = 1 WHERE id = 'r-synced'").run();
    } finally {
      db.close();
    }
    const second = newLog();
    const again = await start(rig, second);
    // Only what is new since the last verified point is walked again: nothing.
    expect(second.lines.find((l) => l.message === 'records checked')?.fields).toMatchObject({ checked: 0, compared: 1, findings: 1 });
    const finding = second.lines.find((l) => l.message === 'record check: changed on this counter');
    expect(finding?.fields).toMatchObject({ seq, what: '好差评 · 评价 r-synced' });
    const signedIn = await rig.signIn(CLERK, again);
    // The clerk's header says so (SyncBanner: 记录被改动), whatever the push does.
    expect(signedIn.connection.recordsChanged).toBe(1);
    const view = (await again.call('listSyncIssues', {})) as SyncIssuesView;
    expect(view.integrity).toEqual([
      {
        seq,
        what: '好差评 · 评价 r-synced',
        detail: '已上传的评价在本机被改动（等级 满意 → 非常不满意）；以大厅服务器上的记录（上传时的原样）为准，本机的改动不会上传',
      },
    ]);
    // The server's copy stands, and nothing new was sent.
    expect(hallRatings(rig)).toEqual([{ id: 'r-synced', level: 4 }]);
    expect(rig.query('SELECT COUNT(*) AS n FROM outbox')).toEqual([{ n: 2 }]);
  });

  it('reports the newest records deleted from the file while the head still counts them', async () => {
    const rig = await rigAt1();
    await stop(rig.counter);
    const [, last] = recordRatings(rig.dataDir, [rating('r-kept', 1, 5), rating('r-gone', 2, 1)]);
    const db = openDatabase(join(rig.dataDir, 'counter.db'));
    try {
      db.prepare('DELETE FROM outbox WHERE seq = ?').run(last);
    } finally {
      db.close();
    }
    const log = newLog();
    const counter = await start(rig, log);
    await rig.signIn(CLERK, counter);
    const view = (await counter.call('listSyncIssues', {})) as SyncIssuesView;
    expect(view.integrity).toEqual([
      { seq: last, what: '本机记录', detail: expect.stringContaining(`本机最新的第 ${last} 条记录缺失（已从本机数据库删除或丢失）`), missing: true },
    ]);
  });
});
