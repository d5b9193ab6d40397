import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError, migrate, openDatabase } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';
import { CounterStore } from '../../main/store/counter-store.ts';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'halldesk-mig-')), 'counter.db');
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (row) => row.name,
  );

describe('counter migrations', () => {
  it('are numbered 1..n in order', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('1 creates the STRICT key-value table', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 1));
    expect(tables(db)).toEqual(['kv']);
    expect(() => db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run('k', Buffer.from('x'))).toThrow(/cannot store BLOB/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
  });

  it('2 creates the config cache, refusing unknown kinds', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 2));
    expect(tables(db)).toEqual(['config_entry', 'kv']);
    expect(() =>
      db.prepare("INSERT INTO config_entry (kind, key, value, version) VALUES ('bogus', 'x', '{}', 1)").run(),
    ).toThrow(/CHECK/);
  });

  it('3 creates the call log with its index, upgrading a version-2 database in place', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, migrations.slice(0, 2));
    db.prepare("INSERT INTO kv (key, value) VALUES ('keep', '\"me\"')").run();
    migrate(db, migrations);
    expect(tables(db)).toEqual(['call_log', 'config_entry', 'kv']);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'keep'").get()).toEqual({ value: '"me"' });
    expect(db.pragma('user_version', { simple: true })).toBe(3);
  });

  it('applies all pending migrations in one transaction: a failing one leaves the database untouched', () => {
    const db = new Database(tempDb());
    const broken = [
      ...migrations,
      { version: migrations.length + 1, name: 'broken', up: () => { throw new Error('boom'); } },
    ];
    expect(() => migrate(db, broken)).toThrow('boom');
    expect(tables(db)).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
  });

  it('reopening is a no-op and keeps the data', () => {
    const file = tempDb();
    const first = openDatabase(file);
    first.prepare("INSERT INTO kv (key, value) VALUES ('a', '1')").run();
    first.close();
    const again = openDatabase(file);
    expect(again.prepare('SELECT value FROM kv').all()).toEqual([{ value: '1' }]);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(again.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('refuses a database newer than the code, without touching it', () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError);
    expect(() => openDatabase(file)).toThrow(/请安装新版/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length + 1);
    expect(tables(check)).toEqual([]);
  });

  it("today's call log query uses its index", () => {
    const store = new CounterStore(openDatabase(tempDb()));
    const plan = store.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT at, action, ticket_number AS ticketNumber FROM call_log
         WHERE window_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`,
      )
      .all(1, '2026-01-01', 50) as { detail: string }[];
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX call_log_by_window_time/);
  });
});
