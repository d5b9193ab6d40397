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
const configChangesIndexes = (db: Database.Database) =>
  db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'config_changes'")
    .pluck()
    .all();

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

  it('migration 2 numbers the devices enrolled before it in enrollment order, then requires a unique number', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 1));
    const enroll = db.prepare(
      "INSERT INTO devices (id, name, role, window_id, token_hash, enrolled_at) VALUES (?, ?, 'counter', 1, ?, ?)",
    );
    enroll.run('b', 'second', 'hash-b', '2026-03-02T00:00:00Z');
    enroll.run('a', 'first', 'hash-a', '2026-03-01T00:00:00Z');
    enroll.run('c', 'third', 'hash-c', '2026-03-03T00:00:00Z');
    migrate(db, migrations.slice(0, 2));
    expect(db.prepare('SELECT id, device_no AS deviceNo FROM devices ORDER BY device_no').all()).toEqual([
      { id: 'a', deviceNo: 1 },
      { id: 'b', deviceNo: 2 },
      { id: 'c', deviceNo: 3 },
    ]);
    const insert = db.prepare(
      "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES (?, ?, 'd', 'kiosk', NULL, ?, '2026-03-04T00:00:00Z')",
    );
    expect(() => insert.run('d', null, 'hash-d')).toThrow(/device_no is required/);
    expect(() => insert.run('d', 3, 'hash-d')).toThrow(/UNIQUE/);
    expect(() => insert.run('d', 1000, 'hash-d')).toThrow(/CHECK/);
    insert.run('d', 4, 'hash-d');
    db.close();
  });

  it('migration 3 lets the config stream carry calendars, keeping every row, version and the counter', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 2));
    const add = db.prepare('INSERT INTO config_changes (kind, key, value) VALUES (?, ?, ?)');
    add.run('line', 'A', '{"id":"A"}');
    add.run('item', 'X-1', '{"code":"X-1"}');
    add.run('item', 'X-2', '{"code":"X-2"}');
    db.prepare("DELETE FROM config_changes WHERE key = 'X-2'").run(); // the counter stays at 3
    expect(() => add.run('calendar', '2026', '{}')).toThrow(/CHECK/);
    const before = db.prepare('SELECT * FROM config_changes ORDER BY version').all();

    migrate(db, migrations.slice(0, 3));
    expect(db.prepare('SELECT * FROM config_changes ORDER BY version').all()).toEqual(before);
    expect(add.run('calendar', '2026', '{"year":2026}').lastInsertRowid).toBe(4);
    expect(() => add.run('holiday', '2026', '{}')).toThrow(/CHECK/);
    expect(() => add.run('line', 'B', 'not json')).toThrow(/CHECK/);
    expect(configChangesIndexes(db)).toContain('config_changes_by_key');
    db.close();
  });

  it('migration 8 lets the config stream carry hall device setups, keeping every row, version and the counter', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 7));
    const add = db.prepare('INSERT INTO config_changes (kind, key, value) VALUES (?, ?, ?)');
    add.run('settings', 'hall', '{"hallName":"X"}');
    add.run('calendar', '2026', '{"year":2026}');
    add.run('window', '3', '{"id":3}');
    add.run('window', '4', null);
    db.prepare('DELETE FROM config_changes WHERE version = 4').run(); // the counter stays at 4
    expect(() => add.run('device-setup', 'default', '{}')).toThrow(/CHECK/);
    const before = db.prepare('SELECT * FROM config_changes ORDER BY version').all();

    migrate(db, migrations.slice(0, 8));
    expect(db.prepare('SELECT * FROM config_changes ORDER BY version').all()).toEqual(before);
    const voice = '{"voice":{"enabled":true,"volume":60}}';
    expect(add.run('device-setup', 'default', voice).lastInsertRowid).toBe(5);
    expect(add.run('device-setup', '3', '{}').lastInsertRowid).toBe(6);
    expect(add.run('device-setup', '3', null).lastInsertRowid).toBe(7);
    for (const key of ['0', '03', 'Default', '3a', '', '1234567890']) {
      expect(() => add.run('device-setup', key, '{}'), key).toThrow(/CHECK/);
    }
    expect(() => add.run('device-setup', 'default', 'not json')).toThrow(/CHECK/);
    expect(() => add.run('printer', 'default', '{}')).toThrow(/CHECK/);
    add.run('item', 'X-1', '{"code":"X-1"}'); // other kinds keep any key
    expect(configChangesIndexes(db)).toContain('config_changes_by_key');
    db.close();
  });

  it.each([
    [3, 'settings', 'hall'],
    [8, 'device-setup', '12'],
  ] as const)('migration %i works on an empty config stream', (version, kind, key) => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, version));
    expect(
      db.prepare("INSERT INTO config_changes (kind, key, value) VALUES (?, ?, '{}')").run(kind, key)
        .lastInsertRowid,
    ).toBe(1);
    db.close();
  });

  it('migration 6 keeps walk-in leases within 1..999 and each walk-in number once per window and day', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 6));
    db.pragma('foreign_keys = ON');
    db.prepare("INSERT INTO devices (id, token_hash, role, window_id, name, enrolled_at, device_no) VALUES ('d', 'h', 'counter', 3, 'n', 't', 1)").run();
    const lease = db.prepare(
      "INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (3, '2026-03-02', ?, ?, ?, 't')",
    );
    lease.run(1, 50, 'd');
    expect(() => lease.run(60, 59, 'd')).toThrow(/CHECK/);
    expect(() => lease.run(990, 1000, 'd')).toThrow(/CHECK/);
    expect(() => lease.run(1, 10, 'd')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => lease.run(51, 100, 'nobody')).toThrow(/FOREIGN KEY/);
    const walkIn = db.prepare(
      `INSERT INTO walk_ins (window_id, day, seq, number, device_id, line_id, staff_no, issued_at, mutation_seq)
       VALUES (3, '2026-03-02', ?, ?, 'd', 'A', '1001', 't', 1)`,
    );
    walkIn.run(1, 'W03-001');
    expect(() => walkIn.run(1, 'W03-001')).toThrow(/UNIQUE|PRIMARY/);
    db.close();
  });

  it('migration 7 keeps ticket conflicts: a known ticket state or none, a real device, once per mutation', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 6));
    db.prepare("INSERT INTO devices (id, token_hash, role, window_id, name, enrolled_at, device_no) VALUES ('d', 'h', 'counter', 3, 'n', 't', 1)").run();
    migrate(db, migrations.slice(0, 7));
    db.pragma('foreign_keys = ON');
    const conflict = db.prepare(
      `INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_id,
         ticket_status, ticket_window_id, received_at)
       VALUES ('A001', ?, ?, 3, '1003', 't', '票号 A001 已被叫号', NULL, ?, NULL, 't')`,
    );
    conflict.run('d', 1, 'called');
    conflict.run('d', 2, null); // not found on the server
    expect(() => conflict.run('d', 3, 'lost')).toThrow(/CHECK/);
    expect(() => conflict.run('d', 1, 'completed')).toThrow(/UNIQUE/);
    expect(() => conflict.run('nobody', 4, 'called')).toThrow(/FOREIGN KEY/);
    expect(db.prepare('SELECT COUNT(*) FROM ticket_conflicts').pluck().get()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) FROM devices').pluck().get()).toBe(1);
    db.close();
  });

  it('migration 5 keeps ratings consistent and immutable', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 5));
    db.prepare("INSERT INTO devices (id, token_hash, role, window_id, name, enrolled_at, device_no) VALUES ('d', 'h', 'counter', 1, 'n', 't', 1)").run();
    const insert = db.prepare(
      `INSERT INTO ratings (id, device_id, session_id, window_id, staff_no, level, outcome, channel, opened_at, at, seq)
       VALUES (?, 'd', 1, 1, '1001', ?, ?, 'evaluator', 't', 't', 1)`,
    );
    insert.run('ok', 5, 'rated');
    expect(() => insert.run('rated-without-level', null, 'rated')).toThrow(/CHECK/);
    expect(() => insert.run('unrated-with-level', 5, 'not_rated')).toThrow(/CHECK/);
    expect(() => insert.run('level-6', 6, 'rated')).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE ratings SET level = 1 WHERE id = 'ok'").run()).toThrow(/never edited/);
    expect(() => db.prepare("DELETE FROM ratings WHERE id = 'ok'").run()).toThrow(/never deleted/);
    db.close();
  });

  it('migration 9 counts failed guesses once per scope and key, in known scopes, with a positive count', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.slice(0, 9));
    const add = db.prepare(
      'INSERT INTO auth_failures (scope, key, failures, first_at, last_at, locked_until) VALUES (?, ?, ?, ?, ?, ?)',
    );
    add.run('sign-in-staff', '1002', 5, 't0', 't1', 't2');
    add.run('sign-in-device', '1002', 1, 't0', 't0', null); // the same key in another scope
    add.run('sign-in-address', '::ffff:127.0.0.1', 1, 't0', 't0', null);
    add.run('enroll-address', '', 1, 't0', 't0', null);
    expect(() => add.run('sign-in-staff', '1002', 1, 't', 't', null)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => add.run('password', 'x', 1, 't', 't', null)).toThrow(/CHECK/);
    expect(() => add.run('sign-in-staff', 'x', 0, 't', 't', null)).toThrow(/CHECK/);
    expect(() => add.run('sign-in-staff', 'x'.repeat(129), 1, 't', 't', null)).toThrow(/CHECK/);
    expect(() => add.run('sign-in-staff', 'y', 1, null, 't', null)).toThrow(/NOT NULL/);
    expect(db.prepare('SELECT COUNT(*) FROM auth_failures').pluck().get()).toBe(4);
    expect(
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'auth_failures'").pluck().all(),
    ).toContain('auth_failures_by_last');
    db.close();
  });

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
