// The outbox (sync.md, issue 6): every local change the hall server must hear
// about becomes a mutation here, in the same transaction as the change itself.
//
// - id: UUIDv7, unique across devices.
// - seq: gap-free per device, never reused. outbox_head keeps the last seq and
//   hash, so pruning acked rows never hands a seq out again. A new device
//   identity (重新注册) starts a new chain at seq 1: startNewChain.
// - hash: over prevHash followed by the canonical JSON of {seq, id, name,
//   args, at}; the first mutation's prevHash is 64 zeros. Canonical JSON:
//   object keys sorted by code unit, no whitespace, as JSON. From the
//   sync.chain_keyed record on (outbox_head.keyed_from) the hash is
//   HMAC-SHA256 with the chain key (main/sync/chain-key.ts: derived from the
//   device token, never in this database); before it, plain SHA-256.
//   docs/records-trust.md says what that protects against.
//
// canonicalJson and the hash input live in common/sync.ts, so that the hall
// server verifies the same chain. main/sync/pusher.ts carries the records to
// the server and settles them here.
import type { PushOutcome } from '../../common/http-api.ts';
import {
  canonicalJson,
  GENESIS_HASH,
  SYNC_CHAIN_KEYED,
  SYNC_GAP_LOST,
  SyncGapLostArgs,
} from '../../common/sync.ts';
import { chainHash } from '../sync/chain-key.ts';
import { uuidv7Generator, type UuidV7 } from '../uuidv7.ts';
import type { Db } from './database.ts';

export { canonicalJson, GENESIS_HASH };

export type OutboxState = 'pending' | 'sent' | 'acked' | 'rejected';

export interface Mutation {
  seq: number;
  id: string;
  name: string;
  args: unknown;
  at: string;
  hash: string;
  prevHash: string;
}

export interface OutboxEntry extends Mutation {
  state: OutboxState;
  attempts: number;
}

export interface RejectedEntry extends OutboxEntry {
  /** Why the hall server rejected it (zh-CN). */
  reason: string;
}

/** What the hall server said about one pushed mutation (common/http-api.ts). */
export type { PushOutcome };

/** A mutation's hash: plain SHA-256 without a key, HMAC-SHA256 with the chain key. */
export function mutationHash(
  prevHash: string,
  m: Pick<Mutation, 'seq' | 'id' | 'name' | 'args' | 'at'>,
  key: Buffer | null = null,
): string {
  return chainHash(key, prevHash, m);
}

export interface ChainCheck {
  /** The chain key (needed from the sync.chain_keyed record on). */
  key?: Buffer | null;
  /** outbox_head.keyed_from: records from this seq on must be keyed, the one at it must be sync.chain_keyed. */
  keyedFrom?: number | null;
}

/**
 * Checks that `mutations` (in seq order) are gap-free and hash-chained, starting
 * after `prevHash` (GENESIS_HASH for seq 1): plain hashes before the
 * sync.chain_keyed record, keyed ones from it on; a sync.gap_lost record
 * (登记丢失) passes over the range it records as lost. Returns the first bad
 * seq, or null.
 */
export function verifyChain(
  mutations: readonly Mutation[],
  prevHash = GENESIS_HASH,
  options: ChainCheck = {},
): { seq: number; reason: string } | null {
  const keyedFrom = options.keyedFrom ?? null;
  const key = options.key ?? null;
  let prev = prevHash;
  let expectSeq = mutations[0]?.seq ?? 1;
  let keyed = keyedFrom !== null && expectSeq > keyedFrom;
  for (const m of mutations) {
    if (m.seq !== expectSeq) return { seq: m.seq, reason: `gap: expected seq ${expectSeq}` };
    if (m.prevHash !== prev) return { seq: m.seq, reason: 'prevHash does not match the previous hash' };
    if (m.seq === keyedFrom && m.name !== SYNC_CHAIN_KEYED) {
      return { seq: m.seq, reason: 'the record the chain became keyed at is not sync.chain_keyed' };
    }
    if (m.name === SYNC_CHAIN_KEYED) keyed = true;
    if (keyed && key === null) return { seq: m.seq, reason: 'keyed record and no chain key' };
    if (mutationHash(m.prevHash, m, keyed ? key : null) !== m.hash) {
      return { seq: m.seq, reason: 'hash does not match the content' };
    }
    prev = m.hash;
    expectSeq += 1;
    if (m.name === SYNC_GAP_LOST) {
      const lost = SyncGapLostArgs.safeParse(m.args);
      if (!lost.success || lost.data.fromSeq !== m.seq) return { seq: m.seq, reason: 'malformed gap record' };
      expectSeq = lost.data.toSeq + 1;
      prev = lost.data.resumeHash;
    }
  }
  return null;
}

interface Row {
  seq: number;
  id: string;
  name: string;
  args: string;
  at: string;
  hash: string;
  prev_hash: string;
  state: OutboxState;
  attempts: number;
  reason: string | null;
}

const fromRow = (row: Row): OutboxEntry => ({
  seq: row.seq,
  id: row.id,
  name: row.name,
  args: JSON.parse(row.args) as unknown,
  at: row.at,
  hash: row.hash,
  prevHash: row.prev_hash,
  state: row.state,
  attempts: row.attempts,
});

export class Outbox {
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly newId: UuidV7;

  private readonly onAppend: () => void;
  private readonly chainKey: () => Buffer | null;

  /**
   * `onAppend` runs after each append, still inside the caller's transaction:
   * it must only schedule work (the pusher defers to after the commit).
   */
  constructor(
    db: Db,
    options: { clock?: () => Date; newId?: UuidV7; onAppend?: () => void; chainKey?: () => Buffer | null } = {},
  ) {
    this.db = db;
    this.chainKey = options.chainKey ?? (() => null);
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? uuidv7Generator(this.clock);
    this.onAppend = options.onAppend ?? (() => {});
  }

  /**
   * Records a mutation. MUST be called inside the caller's transaction, the
   * one that makes the change it describes: then the change and its mutation
   * commit together or not at all, and a rollback takes the seq back with
   * them (no gap). Throws when called outside a transaction.
   */
  append(name: string, args: unknown): Mutation {
    if (!this.db.inTransaction) {
      throw new Error('Outbox.append must run inside the transaction that makes the change it records');
    }
    let head = this.head();
    let key: Buffer | null = null;
    if (head.keyedFrom !== null) {
      key = this.chainKey();
      if (key === null) throw new ChainKeyMissing();
    } else if (name !== SYNC_CHAIN_KEYED && this.chainKey() !== null) {
      // The first record with a key at hand keys the chain (a counter enrolled before keyed chains).
      this.keyChain();
      head = this.head();
      key = this.chainKey();
    }
    if (name === SYNC_CHAIN_KEYED) key = this.chainKey();
    const plainArgs = JSON.parse(canonicalJson(args)) as unknown;
    const partial = {
      seq: head.lastSeq + 1,
      id: this.newId(),
      name,
      args: plainArgs,
      at: this.clock().toISOString(),
    };
    const mutation: Mutation = {
      ...partial,
      prevHash: head.lastHash,
      hash: mutationHash(head.lastHash, partial, key),
    };
    this.db
      .prepare('INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        mutation.seq,
        mutation.id,
        name,
        canonicalJson(plainArgs),
        mutation.at,
        mutation.hash,
        mutation.prevHash,
      );
    this.db
      .prepare('UPDATE outbox_head SET last_seq = ?, last_hash = ? WHERE one = 1')
      .run(mutation.seq, mutation.hash);
    this.onAppend();
    return mutation;
  }

  private head(): { lastSeq: number; lastHash: string; keyedFrom: number | null } {
    return this.db
      .prepare('SELECT last_seq AS lastSeq, last_hash AS lastHash, keyed_from AS keyedFrom FROM outbox_head WHERE one = 1')
      .get() as { lastSeq: number; lastHash: string; keyedFrom: number | null };
  }

  /** Where the chain became keyed (the sync.chain_keyed record's seq), or null. */
  keyedFrom(): number | null {
    return this.head().keyedFrom;
  }

  /**
   * Keys the chain when it is not yet and the chain key is at hand: appends
   * sync.chain_keyed (itself keyed) and records its seq. Returns whether it
   * did. Run at start and before each push, so that the hall server hears of
   * it first thing.
   */
  keyChain(): boolean {
    return this.db.transaction(() => {
      if (this.head().keyedFrom !== null || this.chainKey() === null) return false;
      const fromSeq = this.head().lastSeq + 1;
      this.append(SYNC_CHAIN_KEYED, { fromSeq });
      this.db.prepare('UPDATE outbox_head SET keyed_from = ? WHERE one = 1').run(fromSeq);
      return true;
    })();
  }

  /** The last seq handed out (0 before the first mutation), pruned rows included. */
  lastSeq(): number {
    return (this.db.prepare('SELECT last_seq AS s FROM outbox_head WHERE one = 1').get() as { s: number }).s;
  }

  /** Mutations not yet acknowledged by the server, in seq order (what a push sends). */
  unsent(limit = 500): OutboxEntry[] {
    const rows = this.db
      .prepare("SELECT * FROM outbox WHERE state IN ('pending', 'sent') ORDER BY seq LIMIT ?")
      .all(limit) as Row[];
    return rows.map(fromRow);
  }

  /** Every mutation still held, from `afterSeq` on, in seq order. */
  entries(afterSeq = 0, limit = 10_000): OutboxEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit) as Row[];
    return rows.map(fromRow);
  }

  /** How many mutations the server has not acknowledged yet (pending or sent), after `afterSeq` if given. */
  unsentCount(afterSeq = 0): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'sent') AND seq > ?").get(afterSeq) as {
        n: number;
      }
    ).n;
  }

  /**
   * The next batch to push, marked 'sent' in the same transaction: the
   * unsent records in seq order, or (after a 409) every record after `floor`
   * whatever its state.
   */
  takeBatch(floor: number | null, limit: number): OutboxEntry[] {
    return this.db.transaction(() => {
      const batch = floor === null ? this.unsent(limit) : this.entries(floor, limit);
      if (batch.length > 0) this.markSent(batch[0]!.seq, batch.at(-1)!.seq);
      return batch;
    })();
  }

  /** Marks mutations `fromSeq`..`toSeq` as on their way (attempts + 1); acked and rejected ones stay as they are. */
  markSent(fromSeq: number, toSeq: number): void {
    this.db
      .prepare(
        `UPDATE outbox SET state = 'sent', attempts = attempts + 1
         WHERE seq BETWEEN ? AND ? AND state IN ('pending', 'sent')`,
      )
      .run(fromSeq, toSeq);
  }

  /**
   * Records the server's answer for each pushed mutation, all in one
   * transaction: applied → acked; rejected → rejected with the reason; a
   * duplicate takes what became of it the first time (a resend after a lost
   * answer), or acked. `andThen` runs inside the same transaction (the
   * pusher takes its next batch there: one commit less per batch).
   */
  settle(outcomes: readonly PushOutcome[], andThen: () => void = () => {}): void {
    const applied: number[] = [];
    const duplicate: number[] = [];
    const refused: PushOutcome[] = [];
    for (const outcome of outcomes) {
      if (
        outcome.status === 'rejected' ||
        (outcome.status === 'duplicate' && outcome.firstStatus === 'rejected')
      ) {
        refused.push(outcome);
      } else if (outcome.status === 'applied') applied.push(outcome.seq);
      else duplicate.push(outcome.seq);
    }
    const rejected = this.db.prepare("UPDATE outbox SET state = 'rejected', reason = ? WHERE seq = ?");
    this.db.transaction(() => {
      if (applied.length > 0) {
        this.db
          .prepare(
            "UPDATE outbox SET state = 'acked', reason = NULL WHERE seq IN (SELECT value FROM json_each(?))",
          )
          .run(JSON.stringify(applied));
      }
      if (duplicate.length > 0) {
        this.db
          .prepare(
            "UPDATE outbox SET state = 'acked' WHERE seq IN (SELECT value FROM json_each(?)) AND state IN ('pending', 'sent')",
          )
          .run(JSON.stringify(duplicate));
      }
      for (const outcome of refused) {
        rejected.run(outcome.reason ?? '大厅服务器拒收了这条记录（未说明原因）', outcome.seq);
      }
      andThen();
    })();
  }

  /** Mutations the server rejected, newest first. */
  rejected(limit = 100): RejectedEntry[] {
    const rows = this.db
      .prepare("SELECT * FROM outbox WHERE state = 'rejected' ORDER BY seq DESC LIMIT ?")
      .all(limit) as Row[];
    return rows.map((row) => ({ ...fromRow(row), reason: row.reason ?? '' }));
  }

  /**
   * 登记丢失 (a hall manager, main/sync/handlers.ts): records `fromSeq`..`toSeq`
   * are gone from this file before the hall server had them. Adds one
   * sync.gap_lost record at `fromSeq`, chained to `serverHash` (the hash of
   * record fromSeq - 1 as the server holds it), saying from which hash the
   * chain goes on (the prevHash record toSeq + 1 carries, or the head's hash).
   * Throws when any record of the range is still here, or the range is not
   * right before what is still to be sent: nothing is written then.
   */
  recordLost(gap: { fromSeq: number; toSeq: number; serverHash: string }, who: Omit<SyncGapLostArgs, 'fromSeq' | 'toSeq' | 'resumeHash'>): Mutation {
    return this.db.transaction(() => {
      const { fromSeq, toSeq, serverHash } = gap;
      if (fromSeq < 1 || toSeq < fromSeq) throw new Error(`bad gap ${fromSeq}..${toSeq}`);
      const held = this.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE seq BETWEEN ? AND ?').get(fromSeq, toSeq) as { n: number };
      if (held.n > 0) throw new Error(`records ${fromSeq}..${toSeq} are not all missing`);
      const head = this.db.prepare('SELECT last_seq AS lastSeq, last_hash AS lastHash FROM outbox_head WHERE one = 1').get() as {
        lastSeq: number;
        lastHash: string;
      };
      if (toSeq > head.lastSeq) throw new Error(`records after ${head.lastSeq} were never handed out`);
      const next = this.db.prepare('SELECT prev_hash AS prevHash FROM outbox WHERE seq = ?').get(toSeq + 1) as
        | { prevHash: string }
        | undefined;
      const resumeHash = toSeq === head.lastSeq ? head.lastHash : next?.prevHash;
      if (resumeHash === undefined) throw new Error(`record ${toSeq + 1} is missing too`);
      const args = JSON.parse(canonicalJson({ ...who, fromSeq, toSeq, resumeHash })) as SyncGapLostArgs;
      const partial = { seq: fromSeq, id: this.newId(), name: SYNC_GAP_LOST, args, at: this.clock().toISOString() };
      const keyedFrom = this.head().keyedFrom;
      const key = keyedFrom !== null && fromSeq > keyedFrom ? this.chainKey() : null;
      if (keyedFrom !== null && fromSeq > keyedFrom && key === null) throw new ChainKeyMissing();
      const mutation: Mutation = { ...partial, prevHash: serverHash, hash: mutationHash(serverHash, partial, key) };
      this.db
        .prepare('INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(mutation.seq, mutation.id, mutation.name, canonicalJson(args), mutation.at, mutation.hash, mutation.prevHash);
      this.onAppend();
      return mutation;
    })();
  }

  /** Drops acknowledged mutations; their seqs are never handed out again. */
  pruneAcked(): number {
    return this.db.prepare("DELETE FROM outbox WHERE state = 'acked'").run().changes;
  }

  /**
   * 重新注册: the counter takes a new device identity, whose chain the hall
   * server starts afresh (seq 1 after GENESIS_HASH). MUST run inside the
   * transaction that stores the new enrollment, so the two commit together.
   *
   * Only when every mutation is settled: one the server has not acknowledged
   * could never be sent under the old identity again, so this throws
   * `OutboxNotSettled` instead. The settled rows of the old identity go
   * (acked ones the server holds; rejected ones too, which the server keeps
   * with their reason for the hall manager): their seqs would collide with
   * the new chain's.
   */
  startNewChain(): { acked: number; rejected: number } {
    if (!this.db.inTransaction) {
      throw new Error('Outbox.startNewChain must run inside the transaction that stores the new enrollment');
    }
    const unsent = this.unsentCount();
    if (unsent > 0) throw new OutboxNotSettled(unsent);
    const counts = this.db
      .prepare(
        "SELECT COUNT(*) FILTER (WHERE state = 'acked') AS acked, COUNT(*) FILTER (WHERE state = 'rejected') AS rejected FROM outbox",
      )
      .get() as { acked: number; rejected: number };
    this.db.prepare('DELETE FROM outbox').run();
    this.db
      .prepare(
        'UPDATE outbox_head SET last_seq = 0, last_hash = ?, keyed_from = NULL, verified_seq = 0, verified_hash = ? WHERE one = 1',
      )
      .run(GENESIS_HASH, GENESIS_HASH);
    return counts;
  }
}

/** The outbox still holds mutations the hall server has not acknowledged (Outbox.startNewChain). */
export class OutboxNotSettled extends Error {
  readonly unsent: number;
  constructor(unsent: number) {
    super(`${unsent} outbox mutations are not acknowledged by the hall server`);
    this.name = 'OutboxNotSettled';
    this.unsent = unsent;
  }
}

/** The chain is keyed but the chain key cannot be had (the device token is gone): nothing can be recorded. */
export class ChainKeyMissing extends Error {
  constructor() {
    super('the outbox chain is keyed and the chain key (from the device token) is not available');
    this.name = 'ChainKeyMissing';
  }
}
