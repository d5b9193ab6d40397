// The counter's one SQLite connection: WAL, synchronous=FULL, numbered
// migrations tracked in user_version, all pending ones in one transaction.
// The database and its -wal and -shm files are the owner's alone (0600): the
// WAL holds recent rows — ID numbers among them — in clear.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../common/migrations.ts';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrations, type Migration } from './migrations.ts';

export type Db = Database.Database;

export class DatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `本地数据库版本 ${found} 比本程序支持的版本 ${known} 新：请安装新版 HallDesk，不要用旧版打开新数据库（数据未改动）`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

const PRIVATE_FILE_MODE = 0o600;
/** The files SQLite keeps beside the database in WAL mode (a rollback journal only while switching). */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Makes the database file the owner's alone before SQLite opens it — SQLite
 * creates -wal and -shm with the database file's mode — and tightens any
 * side file an older version left wider.
 */
function keepPrivate(file: string, sideFilesOnly = false): void {
  if (file === ':memory:' || file === '') return;
  if (!sideFilesOnly) {
    if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
    chmodSync(file, PRIVATE_FILE_MODE);
  }
  for (const suffix of SIDE_FILES) if (existsSync(file + suffix)) chmodSync(file + suffix, PRIVATE_FILE_MODE);
}

export function openDatabase(file: string, list: readonly Migration[] = migrations): Db {
  keepPrivate(file);
  const db = new Database(file);
  // One plan a statement, made without its values (common/sql-placeholders.ts).
  planOncePerStatement(db);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, list);
    keepPrivate(file, true);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies every pending migration in one transaction; refuses a newer database. */
export function migrate(db: Db, list: readonly Migration[] = migrations): void {
  applyMigrations(db, list, (found, known) => new DatabaseTooNewError(found, known));
}
