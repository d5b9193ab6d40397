// The hall's write lock across server processes (issue 19, point 2).
//
// The hall's writes are written as SQLite IMMEDIATE transactions: BEGIN
// IMMEDIATE takes the file's write lock, so writers take turns, and inside one
// a read-then-write (the head of the queue → claim it; MAX(seq) + 1 → the next
// ticket number; MAX(device_no) + 1; the stored Idempotency-Key reply → else
// act) sees no other writer's change between its read and its write.
//
// On PostgreSQL, BEGIN takes no lock. Each such transaction takes the hall's
// write lock as its first statement instead: `pg_advisory_xact_lock`, held to
// COMMIT or ROLLBACK. Under READ COMMITTED every statement after it sees what
// the previous holder committed (it committed before it let go), so the
// transaction behaves as it does on SQLite, across any number of processes:
// a ticket is claimed by one window, a number is issued once, a retried call
// gets its kept answer.
//
// Why one lock taken first, rather than row locks (SELECT … FOR UPDATE SKIP
// LOCKED on the head of the queue):
// - Cursor feeds. Counters and kiosks pull hall_log, config_changes and
//   case_changes "by version > cursor". Ids come from an identity; with
//   writers in parallel, version 101 can commit before 100, a reader at 101
//   skips 100 for good. Under the lock, ids are taken and committed in turn:
//   by the time any reader sees 101, 100 is visible too.
// - The kept counts (queue_waiting, ticket_day_counts: triggers on tickets)
//   are rows every call of a line updates; row-level concurrency would take
//   turns on them anyway, and in orders that can deadlock (转业务 moves a
//   ticket between two lines' rows).
// - Call-next ranks the heads of every (line, priority) it serves; locking
//   them with SKIP LOCKED would make other windows skip heads one window
//   merely looked at — out of order.
// - One lock, always first: no deadlock, no retry loop, and the code stays the
//   code the SQLite tests prove.
// The price: the hall's writes take turns across processes, as they do on
// SQLite; what scales with processes is the rest (HTTP, JSON, auth, reads,
// event streams). bench:hall measures it.
//
// Never take it in a REPEATABLE READ transaction: there the snapshot is taken
// by the first statement (this one), before the lock is granted, and the
// transaction would not see the previous holder's commit.
import { dialectOf, type HallDatabase } from './storage/hall-database.ts';

/** pg_advisory_xact_lock(key1, key2): 'HD' and the hall's write lock. */
const LOCK_CLASS = 0x4844;
const HALL_WRITES = 1;

/**
 * Returns `take()`: call it first inside every IMMEDIATE transaction that
 * writes. On SQLite it does nothing (BEGIN IMMEDIATE holds the file's lock).
 */
export function hallWriteLock(db: HallDatabase): () => void {
  if (dialectOf(db) !== 'postgres') return () => {};
  const lock = db.prepare<[number, number]>('SELECT pg_advisory_xact_lock(?, ?)');
  return () => {
    if (!db.inTransaction) throw new Error('the hall write lock is taken inside a transaction');
    lock.get(LOCK_CLASS, HALL_WRITES);
  };
}
