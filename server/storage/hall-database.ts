// What the hall's domain code may ask of its database, whichever engine holds
// it: better-sqlite3's synchronous calls (prepare → run/get/all/iterate/pluck/
// raw, transaction, exec, close) — the SQLite file implements them natively,
// server/storage/postgres.ts over a PostgreSQL connection. Which engine a
// handle is, and the few facts that differ, are answered here.
import type Database from 'better-sqlite3';

export type Dialect = 'sqlite' | 'postgres';

/** The hall's database: a better-sqlite3 handle, or the PostgreSQL driver, which has the same calls. */
export type HallDatabase = Database.Database;

/** Marks the PostgreSQL driver's handle; a better-sqlite3 handle has no such property. */
export const POSTGRES_DIALECT = Symbol.for('halldesk.postgres');

export function dialectOf(db: HallDatabase): Dialect {
  return (db as unknown as Record<symbol, unknown>)[POSTGRES_DIALECT] === true ? 'postgres' : 'sqlite';
}

/** Whether a database target names PostgreSQL (`postgres://…` or `postgresql://…`) rather than a SQLite file. */
export function isPostgresTarget(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * A blind write — one whose result nobody reads: a hall_log row, a kept
 * call-next reply. On PostgreSQL, inside a transaction, it is sent with the
 * transaction's next statement (at the latest its COMMIT), in one round trip:
 * the hall's write lock is held for a transaction's round trips, and these were
 * a quarter of call-next's. Its error is thrown by that later statement, so
 * nothing may catch it where it is called: only for writes whose failure fails
 * the whole transaction. On SQLite, and outside a transaction, it runs at once.
 */
export function prepareBlindWrite<A extends unknown[]>(db: HallDatabase, sql: string): (...args: A) => void {
  const statement = db.prepare(sql);
  const later = (statement as unknown as { runLater?: (...args: unknown[]) => void }).runLater;
  return later ? (...args) => later.apply(statement, args) : (...args) => void statement.run(...args);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A PRIMARY KEY or UNIQUE constraint refused the row (SQLite's SQLITE_CONSTRAINT_*, PostgreSQL's 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** Any constraint refused the row: SQLite's SQLITE_CONSTRAINT_*, PostgreSQL's class 23. */
export function isConstraintViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code));
}

/**
 * The database could not be reached or answered too late (PostgreSQL stopped,
 * the network cut): the request is answered 503 and the counter stays
 * offline-first until the hall's database is back.
 */
export class HallDatabaseUnavailable extends Error {
  readonly code = 'HALL_DATABASE_UNAVAILABLE';
}
