// The outbox (sync.md, issue 6): every local change the hall server must hear
// about becomes a mutation here, in the same transaction as the change itself.
//
// - id: UUIDv7, unique across devices.
// - seq: gap-free per device, never reused. outbox_head keeps the last seq and
//   hash, so pruning acked rows never hands a seq out again.
// - hash: SHA-256 (hex) of prevHash followed by the canonical JSON of
//   {seq, id, name, args, at}; the first mutation's prevHash is 64 zeros.
//   Canonical JSON: object keys sorted by code unit, no whitespace, as JSON.
//
// Pushing to the server is issue 6; this module only records.
import { createHash } from 'node:crypto';
import { uuidv7Generator, type UuidV7 } from '../uuidv7.ts';
import type { Db } from './database.ts';

export const GENESIS_HASH = '0'.repeat(64);

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

/** JSON with object keys sorted at every level and no whitespace: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return write(JSON.parse(JSON.stringify(value) ?? 'null') as unknown);
  function write(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(write).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`).join(',')}}`;
    }
    return JSON.stringify(v);
  }
}

export function mutationHash(
  prevHash: string,
  m: Pick<Mutation, 'seq' | 'id' | 'name' | 'args' | 'at'>,
): string {
  const body = canonicalJson({ seq: m.seq, id: m.id, name: m.name, args: m.args, at: m.at });
  return createHash('sha256')
    .update(prevHash + body, 'utf8')
    .digest('hex');
}

/**
 * Checks that `mutations` (in seq order) are gap-free and hash-chained, starting
 * after `prevHash` (GENESIS_HASH for seq 1). Returns the first bad seq, or null.
 */
export function verifyChain(
  mutations: readonly Mutation[],
  prevHash = GENESIS_HASH,
): { seq: number; reason: string } | null {
  let prev = prevHash;
  let expectSeq = mutations[0]?.seq ?? 1;
  for (const m of mutations) {
    if (m.seq !== expectSeq) return { seq: m.seq, reason: `gap: expected seq ${expectSeq}` };
    if (m.prevHash !== prev) return { seq: m.seq, reason: 'prevHash does not match the previous hash' };
    if (mutationHash(m.prevHash, m) !== m.hash)
      return { seq: m.seq, reason: 'hash does not match the content' };
    prev = m.hash;
    expectSeq += 1;
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

  constructor(db: Db, options: { clock?: () => Date; newId?: UuidV7 } = {}) {
    this.db = db;
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? uuidv7Generator(this.clock);
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
    const head = this.db
      .prepare('SELECT last_seq AS lastSeq, last_hash AS lastHash FROM outbox_head WHERE one = 1')
      .get() as {
      lastSeq: number;
      lastHash: string;
    };
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
      hash: mutationHash(head.lastHash, partial),
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
    return mutation;
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

  /** Drops acknowledged mutations; their seqs are never handed out again. */
  pruneAcked(): number {
    return this.db.prepare("DELETE FROM outbox WHERE state = 'acked'").run().changes;
  }
}
