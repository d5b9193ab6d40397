import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrations, openHallDatabase, type Migration } from '../../server/db.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-migrations-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const userVersion = (db: Database.Database) => db.pragma('user_version', { simple: true });
const schema = (db: Database.Database) =>
  db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all();

describe('hall database migrations', () => {
  it.each(migrations.map((migration) => [migration.version, migration.name] as const))(
    'migration %i (%s) applies on top of the ones before it',
    (version) => {
      const db = new Database(':memory:');
      migrate(db, migrations.slice(0, version - 1));
      migrate(db, migrations.slice(0, version));
      expect(userVersion(db)).toBe(version);
      db.close();
    },
  );

  it('opens with WAL, synchronous=FULL and only STRICT tables', () => {
    const db = openHallDatabase(join(dir, 'hall.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    const tables = db
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table'",
      )
      .all()
      .filter((table) => !table.name.startsWith('sqlite_'));
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.filter((table) => table.strict !== 1)).toEqual([]);
    db.close();
  });

  it('does nothing when reopened', () => {
    const path = join(dir, 'hall.sqlite');
    const first = openHallDatabase(path);
    first.prepare("INSERT INTO config_changes (kind, key, value) VALUES ('line', 'A', '{}')").run();
    const before = schema(first);
    first.close();

    const again = openHallDatabase(path);
    expect(userVersion(again)).toBe(migrations.length);
    expect(schema(again)).toEqual(before);
    expect(again.prepare('SELECT COUNT(*) AS n FROM config_changes').get()).toEqual({ n: 1 });
    again.close();
  });

  it('refuses a database newer than the code, and leaves it as it was', () => {
    const path = join(dir, 'hall.sqlite');
    const newer = new Database(path);
    newer.pragma(`user_version = ${migrations.length + 1}`);
    newer.close();

    expect(() => openHallDatabase(path)).toThrow(/比本程序支持的 \d+ 新/);
    const check = new Database(path);
    expect(userVersion(check)).toBe(migrations.length + 1);
    check.close();
  });

  it('applies all pending migrations in one transaction: a failure leaves none applied', () => {
    const failing: Migration = {
      version: migrations.length + 1,
      name: 'fails',
      up() {
        throw new Error('boom');
      },
    };
    const db = new Database(':memory:');
    expect(() => migrate(db, [...migrations, failing])).toThrow('boom');
    expect(userVersion(db)).toBe(0);
    expect(schema(db)).toEqual([]);
    db.close();
  });

  it('rejects a list whose numbers do not follow their order', () => {
    const db = new Database(':memory:');
    const [first] = migrations;
    expect(() => migrate(db, [{ ...first!, version: 2 }])).toThrow(/expected 1/);
    db.close();
  });
});
