// The counter's one SQLite connection: WAL, synchronous=FULL, numbered
// migrations tracked in user_version, all pending ones in one transaction.
import Database from 'better-sqlite3';
import { applyMigrations } from '../../common/migrations.ts';
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

export function openDatabase(file: string, list: readonly Migration[] = migrations): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, list);
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
