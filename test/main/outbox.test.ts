// The outbox on a real SQLite file: UUIDv7 ids, a gap-free seq that survives
// pruning and rollbacks, and a hash chain anyone can verify.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.ts';
import { canonicalJson, GENESIS_HASH, mutationHash, Outbox, verifyChain } from '../../main/store/outbox.ts';
import { uuidv7Generator, uuidv7Time } from '../../main/uuidv7.ts';

const tempDb = () => openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-outbox-')), 'counter.db'));
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('carries the clock time, version 7 and the RFC variant', () => {
    const at = new Date('2026-03-05T02:00:00.123Z');
    const next = uuidv7Generator(() => at);
    const id = next();
    expect(id).toMatch(UUIDV7);
    expect(uuidv7Time(id)).toBe(at.getTime());
  });

  it('is strictly increasing, even when the clock stands still or steps back', () => {
    let now = Date.parse('2026-03-05T02:00:00Z');
    const next = uuidv7Generator(() => new Date(now));
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i === 2500) now -= 60_000; // the clock is set back a minute
      ids.push(next());
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUIDV7);
  });

  it('uses the injected random source', () => {
    const zeros = uuidv7Generator(
      () => new Date(0),
      (n) => new Uint8Array(n),
    );
    expect(zeros()).toBe('00000000-0000-7000-8000-000000000000');
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and drops what JSON drops', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, 中: '文' })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"中":"文"}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe('outbox', () => {
  it('refuses to append outside a transaction', () => {
    const outbox = new Outbox(tempDb());
    expect(() => outbox.append('x', {})).toThrow(/inside the transaction/);
    expect(outbox.lastSeq()).toBe(0);
  });

  it('hands out gap-free seqs chained by hash, and verifies', () => {
    const db = tempDb();
    let now = Date.parse('2026-03-05T02:00:00Z');
    const outbox = new Outbox(db, { clock: () => new Date((now += 1000)) });
    const appended = db.transaction(() =>
      [1, 2, 3].map((n) => outbox.append('test.thing', { n, b: 'x', a: [n] })),
    )();
    expect(appended.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(appended[0]!.prevHash).toBe(GENESIS_HASH);
    expect(appended[1]!.prevHash).toBe(appended[0]!.hash);
    expect(appended[0]!.hash).toBe(mutationHash(GENESIS_HASH, appended[0]!));
    for (const m of appended) expect(m.id).toMatch(UUIDV7);

    const stored = outbox.entries();
    expect(stored.map(({ state, attempts, ...m }) => ({ state, attempts, m }))).toEqual(
      appended.map((m) => ({ state: 'pending', attempts: 0, m })),
    );
    expect(verifyChain(stored)).toBeNull();
    expect(outbox.unsent().map((m) => m.seq)).toEqual([1, 2, 3]);

    // Any edit after the fact breaks the chain.
    db.prepare(`UPDATE outbox SET args = '{"n":2,"b":"y","a":[2]}' WHERE seq = 2`).run();
    expect(verifyChain(outbox.entries())).toEqual({ seq: 2, reason: 'hash does not match the content' });
  });

  it('never reuses a seq: not after a rollback, not after acked rows are pruned, not after a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-outbox-'));
    const file = join(dir, 'counter.db');
    const db = openDatabase(file);
    const outbox = new Outbox(db);
    db.transaction(() => outbox.append('a', {}))();
    // The caller's change fails after its mutation was appended: both go.
    expect(() =>
      db.transaction(() => {
        outbox.append('b', {});
        throw new Error('the domain write failed');
      })(),
    ).toThrow('the domain write failed');
    expect(outbox.lastSeq()).toBe(1);
    db.transaction(() => outbox.append('c', {}))();
    expect(outbox.entries().map((m) => [m.seq, m.name])).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);

    db.prepare("UPDATE outbox SET state = 'acked'").run();
    expect(outbox.pruneAcked()).toBe(2);
    expect(outbox.entries()).toEqual([]);
    const lastHash = (db.prepare('SELECT last_hash AS h FROM outbox_head').get() as { h: string }).h;
    db.close();

    const reopened = openDatabase(file);
    const again = new Outbox(reopened);
    const next = reopened.transaction(() => again.append('d', { after: 'prune' }))();
    expect(next.seq).toBe(3);
    expect(next.prevHash).toBe(lastHash);
    // The chain continues from the pruned head.
    expect(verifyChain(again.entries(), lastHash)).toBeNull();
  });

  it('stores args as canonical JSON', () => {
    const db = tempDb();
    const outbox = new Outbox(db);
    db.transaction(() => outbox.append('x', { z: 1, a: { y: 2, b: 3 } }))();
    expect(db.prepare('SELECT args FROM outbox').get()).toEqual({ args: '{"a":{"b":3,"y":2},"z":1}' });
  });
});
