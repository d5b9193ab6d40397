import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError, migrate, openDatabase } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';
import { CounterStore } from '../../main/store/counter-store.ts';
import { CASE_QUERIES } from '../../main/store/case-store.ts';

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
    migrate(db, migrations.slice(0, 3));
    expect(tables(db)).toEqual(['call_log', 'config_entry', 'kv']);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'keep'").get()).toEqual({ value: '"me"' });
    expect(db.pragma('user_version', { simple: true })).toBe(3);
  });

  it('4 lets the config cache hold calendars, keeping its rows and its other checks', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 3));
    const insert = db.prepare('INSERT INTO config_entry (kind, key, value, version) VALUES (?, ?, ?, ?)');
    insert.run('item', 'X-1', '{"code":"X-1"}', 7);
    insert.run('settings', 'hall', '{}', 8);
    expect(() => insert.run('calendar', '2026', '{}', 9)).toThrow(/CHECK/);
    migrate(db, migrations.slice(0, 4));
    expect(db.prepare('SELECT kind, key, value, version FROM config_entry ORDER BY version').all()).toEqual([
      { kind: 'item', key: 'X-1', value: '{"code":"X-1"}', version: 7 },
      { kind: 'settings', key: 'hall', value: '{}', version: 8 },
    ]);
    insert.run('calendar', '2026', '{}', 9);
    expect(() => insert.run('bogus', 'x', '{}', 10)).toThrow(/CHECK/);
    expect(() => insert.run('item', 'X-1', '{}', 11)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert.run('item', 'X-2', '{}', 'seven')).toThrow(/cannot store TEXT/); // still STRICT
    expect(tables(db)).toEqual(['call_log', 'config_entry', 'kv']);
  });

  it('5 creates the outbox and its head row (last seq 0, genesis hash)', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 5));
    expect(tables(db)).toEqual(['call_log', 'config_entry', 'kv', 'outbox', 'outbox_head']);
    expect(db.prepare('SELECT * FROM outbox_head').all()).toEqual([{ one: 1, last_seq: 0, last_hash: '0'.repeat(64) }]);
    const insert = db.prepare('INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const id = '01900000-0000-7000-8000-000000000000';
    const h = 'a'.repeat(64);
    expect(() => insert.run(1, id, 'x', '{}', 'now', h, h, 'lost')).toThrow(/CHECK/);
    expect(() => insert.run(1, id, 'x', 'not json', 'now', h, h, 'pending')).toThrow(/CHECK/);
    expect(() => insert.run(0, id, 'x', '{}', 'now', h, h, 'pending')).toThrow(/CHECK/);
    insert.run(1, id, 'x', '{}', 'now', h, h, 'pending');
    expect(() => insert.run(2, id, 'x', '{}', 'now', h, h, 'pending')).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO outbox_head VALUES (2, 0, ?)").run(h)).toThrow(/CHECK/);
    expect(db.prepare('SELECT attempts FROM outbox').get()).toEqual({ attempts: 0 });
  });

  it('6 creates the cases table and its indexes; the row checks hold', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 6));
    expect(tables(db)).toContain('cases');
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(['cases_by_window_decided', 'cases_by_window_finished', 'cases_open_by_window_promised']);
    const insert = db.prepare(
      `INSERT INTO cases (case_no, item_code, item_name, kind, window_id, staff_no, applicant_json, decision, status,
         outcome, decided_at, finished_at, refuse_reason) VALUES (?, 'I', '事项', 'promised', 1, '1001', '{}', ?, ?, ?, 'now', ?, ?)`,
    );
    insert.run('1', 'accept', 'accepted', null, null, null);
    expect(() => insert.run('1', 'accept', 'accepted', null, null, null)).toThrow(/UNIQUE|PRIMARY/);
    // finished ⇔ an outcome and a finish time
    expect(() => insert.run('2', 'accept', 'finished', null, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('3', 'accept', 'accepted', 'approved', 'now', null)).toThrow(/CHECK/);
    insert.run('4', 'accept', 'finished', 'approved', 'now', null);
    // a refusal always carries its reason
    expect(() => insert.run('5', 'refuse', 'refused', null, null, null)).toThrow(/CHECK/);
    insert.run('6', 'refuse', 'refused', null, null, '不属于本中心受理范围');
    expect(() => insert.run('7', 'maybe', 'accepted', null, null, null)).toThrow(/CHECK/);
  });

  it('7 creates the per-day case sequence', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 7));
    expect(tables(db)).toContain('case_sequence');
    db.prepare("INSERT INTO case_sequence VALUES ('2026-03-05', 1)").run();
    expect(() => db.prepare("INSERT INTO case_sequence VALUES ('2026-3-5', 1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO case_sequence VALUES ('2026-03-06', 0)").run()).toThrow(/CHECK/);
  });

  it('8 gives an enrollment stored before device numbers a null deviceNo, and leaves newer ones alone', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 7));
    const old = { deviceId: 'd-1', serverUrl: 'http://hall', role: 'counter', windowId: 3 };
    db.prepare("INSERT INTO kv (key, value) VALUES ('enrollment', ?)").run(JSON.stringify(old));
    migrate(db, migrations.slice(0, 8));
    const stored = db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").get() as { value: string };
    expect(JSON.parse(stored.value)).toEqual({ ...old, deviceNo: null });
    expect(new CounterStore(db).enrollment()).toEqual({ ...old, deviceNo: null });
    expect(db.pragma('user_version', { simple: true })).toBe(8);

    const fresh = new Database(tempDb());
    migrate(fresh, migrations.slice(0, 7));
    fresh.prepare("INSERT INTO kv (key, value) VALUES ('enrollment', ?)").run(JSON.stringify({ ...old, deviceNo: 12 }));
    migrate(fresh, migrations.slice(0, 8));
    expect(new CounterStore(fresh).enrollment()?.deviceNo).toBe(12);
  });

  it('11 creates the print queue: STRICT, state checks, one original slip per case and kind', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 10));
    db.prepare("INSERT INTO kv (key, value) VALUES ('keep', '1')").run();
    migrate(db, migrations.slice(0, 11));
    expect(tables(db)).toContain('print_job');
    expect(db.prepare('SELECT value FROM kv').all()).toEqual([{ value: '1' }]);
    const insert = db.prepare(
      `INSERT INTO print_job (kind, title, case_no, document, profile, state, maybe_printed, created_at, printed_at, reprint_of)
       VALUES (?, 't', ?, '{"blocks":[]}', '{"width":80}', ?, ?, 'now', ?, ?)`,
    );
    insert.run('receipt', 'C1', 'queued', 0, null, null);
    expect(() => insert.run('receipt', 'C1', 'queued', 0, null, null)).toThrow(/UNIQUE/); // one original per case and kind
    insert.run('notice', 'C1', 'queued', 0, null, null);
    insert.run('receipt', 'C1', 'printed', 0, 'then', 1); // a reprint
    expect(() => insert.run('letter', null, 'queued', 0, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('receipt', null, 'lost', 0, null, null)).toThrow(/CHECK/);
    expect(() => insert.run('receipt', null, 'printed', 0, null, null)).toThrow(/CHECK/); // printed needs its time
    expect(() => insert.run('receipt', null, 'queued', 0, 'then', null)).toThrow(/CHECK/);
    expect(() => insert.run('receipt', null, 'refused', 1, null, null)).toThrow(/CHECK/); // only failed may be maybe-printed
    insert.run('receipt', null, 'failed', 1, null, null);
    expect(() =>
      db.prepare("INSERT INTO print_job (kind, title, document, profile, created_at) VALUES ('ticket', 't', 'not json', '{}', 'now')").run(),
    ).toThrow(/CHECK/);
    expect(() => insert.run('receipt', null, 'queued', 'no', null, null)).toThrow(/cannot store TEXT/); // STRICT
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM print_job WHERE state <> 'printed' ORDER BY id").all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/print_job_unprinted/);
  });

  it('13 creates the clerk credential table: STRICT, JSON verifier and profile, one row per staff number', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 12));
    expect(tables(db)).not.toContain('clerk_credential');
    migrate(db, migrations.slice(0, 13));
    expect(tables(db)).toContain('clerk_credential');
    const insert = db.prepare('INSERT INTO clerk_credential (staff_no, verifier, profile, verified_at) VALUES (?, ?, ?, ?)');
    insert.run('1001', '{"alg":"scrypt"}', '{}', '2026-03-05T00:00:00.000Z');
    expect(() => insert.run('1001', '{}', '{}', 'x')).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run('1002', 'not json', '{}', 'x')).toThrow(/CHECK/);
    expect(() => insert.run('1003', '{}', '{}', Buffer.from('x'))).toThrow(/cannot store BLOB/);
    expect(db.pragma('user_version', { simple: true })).toBe(13);
  });

  it('14 gives cases a purged_at (null for existing rows) and an index of the rows still holding personal data', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 13));
    db.prepare(
      `INSERT INTO cases (case_no, item_code, item_name, kind, window_id, staff_no, applicant_json, decision, status, decided_at)
       VALUES ('1', 'X', 'x', 'instant', 1, '1001', '{}', 'notice', 'notice', '2026-01-01T00:00:00.000Z')`,
    ).run();
    migrate(db, migrations.slice(0, 14));
    expect(db.prepare('SELECT case_no, purged_at FROM cases').all()).toEqual([{ case_no: '1', purged_at: null }]);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT case_no FROM cases WHERE purged_at IS NULL AND decided_at < ?')
      .all('2026-02-01') as { detail: string }[];
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/cases_unpurged/);
    expect(db.pragma('user_version', { simple: true })).toBe(14);
  });

  it('15 creates the walk-in leases (next number within the range or just past it) and the issued walk-ins, once each', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 14));
    db.prepare("INSERT INTO kv (key, value) VALUES ('keep', '1')").run();
    migrate(db, migrations.slice(0, 15));
    expect(tables(db)).toEqual(expect.arrayContaining(['walk_in', 'walk_in_lease']));
    const lease = db.prepare(
      "INSERT INTO walk_in_lease (day, prefix, from_no, to_no, next_no, leased_at) VALUES (?, 'W03-', ?, ?, ?, 't')",
    );
    lease.run('2026-03-02', 1, 50, 1);
    lease.run('2026-03-02', 51, 100, 101); // used up
    expect(() => lease.run('2026-03-02', 101, 150, 152)).toThrow(/CHECK/);
    expect(() => lease.run('2026-03-02', 1, 50, 1)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => lease.run('2 March', 201, 250, 201)).toThrow(/CHECK/);
    expect(() => lease.run('2026-03-02', 990, 1000, 990)).toThrow(/CHECK/);
    const walkIn = db.prepare(
      "INSERT INTO walk_in (number, day, seq, line_id, staff_no, issued_at) VALUES (?, '2026-03-02', ?, 'A', '1001', 't')",
    );
    walkIn.run('W03-001', 1);
    expect(() => walkIn.run('W03-001', 1)).toThrow(/UNIQUE|PRIMARY/);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'keep'").get()).toEqual({ value: '1' });
    expect(db.pragma('user_version', { simple: true })).toBe(15);
  });

  it('16 creates the typed central tickets served offline: a ticket number, a hall day, once per day', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 15));
    db.prepare("INSERT INTO kv (key, value) VALUES ('keep', '1')").run();
    migrate(db, migrations.slice(0, 16));
    expect(tables(db)).toEqual(expect.arrayContaining(['typed_ticket']));
    const typed = db.prepare(
      "INSERT INTO typed_ticket (number, day, window_id, staff_no, served_at) VALUES (?, ?, 3, '1003', 't')",
    );
    typed.run('A012', '2026-03-02');
    typed.run('A012', '2026-03-03');
    typed.run('B1234', '2026-03-02');
    expect(() => typed.run('A012', '2026-03-02')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => typed.run('W03-001', '2026-03-02')).toThrow(/CHECK/);
    expect(() => typed.run('a012', '2026-03-02')).toThrow(/CHECK/);
    expect(() => typed.run('A013', '2 March')).toThrow(/CHECK/);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'keep'").get()).toEqual({ value: '1' });
    expect(db.pragma('user_version', { simple: true })).toBe(16);
  });

  it('17 lets the config cache hold device setups (rows and checks kept) and moves the outward display into device_setting', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 16));
    const insert = db.prepare('INSERT INTO config_entry (kind, key, value, version) VALUES (?, ?, ?, ?)');
    insert.run('window', '3', '{"id":3}', 7);
    insert.run('calendar', '2026', '{}', 8);
    expect(() => insert.run('device-setup', 'default', '{}', 9)).toThrow(/CHECK/);
    db.prepare("INSERT INTO kv (key, value) VALUES ('setting:outward-display', '2779098405'), ('keep', '1')").run();
    migrate(db, migrations.slice(0, 17));
    expect(db.prepare('SELECT kind, key, value, version FROM config_entry ORDER BY version').all()).toEqual([
      { kind: 'window', key: '3', value: '{"id":3}', version: 7 },
      { kind: 'calendar', key: '2026', value: '{}', version: 8 },
    ]);
    insert.run('device-setup', 'default', '{"voice":{"enabled":true,"volume":60}}', 9);
    insert.run('device-setup', '3', '{}', 10);
    expect(() => insert.run('bogus', 'x', '{}', 11)).toThrow(/CHECK/);
    expect(() => insert.run('item', 'X-2', '{}', 'seven')).toThrow(/cannot store TEXT/); // still STRICT
    expect(db.prepare('SELECT section, value, set_by FROM device_setting').all()).toEqual([
      { section: 'outwardDisplayId', value: '2779098405', set_by: 'migration' },
    ]);
    expect(db.prepare("SELECT key FROM kv ORDER BY key").all()).toEqual([{ key: 'keep' }]);
    const setting = db.prepare('INSERT INTO device_setting (section, value, set_by, set_at) VALUES (?, ?, ?, ?)');
    setting.run('voice', '{"enabled":false,"volume":30}', '1006', 't');
    expect(() => setting.run('voice', '{}', '1006', 't')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => setting.run('scanner', '{}', '1006', 't')).toThrow(/CHECK/);
    expect(() => setting.run('printer', 'not json', '1006', 't')).toThrow(/CHECK/);
    expect(() => setting.run('printer', 'null', '', 't')).toThrow(/CHECK/);
    expect(db.pragma('user_version', { simple: true })).toBe(17);
  });

  it('17 drops an outward display setting that is not a display id', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 16));
    db.prepare("INSERT INTO kv (key, value) VALUES ('setting:outward-display', '\"HDMI-1\"')").run();
    migrate(db, migrations.slice(0, 17));
    expect(db.prepare('SELECT count(*) AS n FROM device_setting').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM kv').get()).toEqual({ n: 0 });
  });

  it('18 creates the known serial devices: STRICT, one per evaluator or printer section, lower-case 4-hex ids', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 17));
    db.prepare("INSERT INTO device_setting (section, value, set_by, set_at) VALUES ('voice', '{\"enabled\":true,\"volume\":50}', '1006', 't')").run();
    migrate(db, migrations.slice(0, 18));
    expect(tables(db)).toEqual(expect.arrayContaining(['device_identity']));
    const known = db.prepare(
      'INSERT INTO device_identity (section, path, vendor_id, product_id, serial_number, seen_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    known.run('evaluator', '/dev/ttyUSB0', '1a86', '7523', 'A1B2C3', 't');
    known.run('printer', '/dev/serial/by-id/usb-0416_5011-if00', '0416', '5011', '', 't');
    expect(() => known.run('evaluator', '/dev/ttyUSB1', '1a86', '7523', '', 't')).toThrow(/UNIQUE|PRIMARY/);
    db.prepare("DELETE FROM device_identity WHERE section = 'evaluator'").run();
    expect(() => known.run('voice', '/dev/ttyUSB0', '1a86', '7523', '', 't')).toThrow(/CHECK/);
    expect(() => known.run('evaluator', '', '1a86', '7523', '', 't')).toThrow(/CHECK/);
    expect(() => known.run('evaluator', '/dev/ttyUSB0', '1A86', '7523', '', 't')).toThrow(/CHECK/);
    expect(() => known.run('evaluator', '/dev/ttyUSB0', '1a86', '75230', '', 't')).toThrow(/CHECK/);
    expect(() => known.run('evaluator', '/dev/ttyUSB0', '1a86', Buffer.from('7523'), '', 't')).toThrow(/cannot store BLOB/); // STRICT
    db.prepare("INSERT INTO device_identity (section, path, vendor_id, product_id, seen_at) VALUES ('evaluator', '/dev/ttyUSB0', '1a86', '7523', 't')").run();
    expect(db.prepare("SELECT serial_number FROM device_identity WHERE section = 'evaluator'").get()).toEqual({ serial_number: '' });
    expect(db.prepare('SELECT section, set_by FROM device_setting').all()).toEqual([{ section: 'voice', set_by: '1006' }]);
    expect(db.pragma('user_version', { simple: true })).toBe(18);
  });

  it('19 creates the sign-in failures: STRICT, one row per staff number, a positive count', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 19));
    const insert = db.prepare('INSERT INTO sign_in_failure (staff_no, failures, last_at, locked_until) VALUES (?, ?, ?, ?)');
    insert.run('1001', 5, 't', 'u');
    insert.run('1002', 1, 't', null);
    expect(() => insert.run('1001', 1, 't', null)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert.run('1003', 0, 't', null)).toThrow(/CHECK/);
    expect(() => insert.run('', 1, 't', null)).toThrow(/CHECK/);
    expect(() => insert.run('1004', '1', 't', Buffer.from('u'))).toThrow(/cannot store BLOB/); // STRICT
    expect(db.pragma('user_version', { simple: true })).toBe(19);
  });

  it('21 lets a ticket served offline be a 现场补号 number (W03-007), keeping the rows; other shapes still refused', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 20));
    const insert = () =>
      db.prepare('INSERT INTO typed_ticket (number, day, window_id, staff_no, served_at) VALUES (?, ?, ?, ?, ?)');
    insert().run('A012', '2026-03-05', 3, '1003', 't');
    expect(() => insert().run('W03-007', '2026-03-05', 3, '1003', 't')).toThrow(/CHECK/);
    migrate(db, migrations.slice(0, 21));
    insert().run('W03-007', '2026-03-05', 3, '1003', 'u');
    expect(() => insert().run('W03-07', '2026-03-05', 3, '1003', 't')).toThrow(/CHECK/);
    expect(() => insert().run('w03-007', '2026-03-05', 3, '1003', 't')).toThrow(/CHECK/);
    expect(() => insert().run('A012', '2026-03-05', 3, '1003', 't')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert().run('W03-008', '2026-03-05', '3', Buffer.from('x'), 't')).toThrow(/cannot store BLOB/); // STRICT
    expect(db.prepare('SELECT number, served_at FROM typed_ticket ORDER BY number').all()).toEqual([
      { number: 'A012', served_at: 't' },
      { number: 'W03-007', served_at: 'u' },
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(21);
  });

  it('12 creates the rating table (checks hold, UPDATE and DELETE refused) and the follow-ups', () => {
    const db = new Database(tempDb());
    migrate(db, migrations.slice(0, 12));
    expect(tables(db)).toEqual(expect.arrayContaining(['rating', 'follow_up', 'follow_up_step']));
    const insert = db.prepare(
      `INSERT INTO rating (id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
         device_address, opened_at, at) VALUES (?, ?, NULL, NULL, 1, '1001', 'A001', ?, ?, ?, 3, 't0', 't1')`,
    );
    insert.run('r1', 1, 4, 'rated', 'evaluator');
    insert.run('r2', 2, null, 'not_rated', 'none');
    expect(() => insert.run('r3', 3, null, 'rated', 'touch')).toThrow(/CHECK/); // rated needs a level
    expect(() => insert.run('r3', 3, 5, 'not_rated', 'none')).toThrow(/CHECK/); // 未评价 never carries a level
    expect(() => insert.run('r3', 3, 6, 'rated', 'touch')).toThrow(/CHECK/);
    expect(() => insert.run('r3', 1, 5, 'rated', 'touch')).toThrow(/UNIQUE/); // one rating per session
    expect(() => insert.run('r3', 3, 'five', 'rated', 'touch')).toThrow(/cannot store TEXT/); // STRICT
    expect(() => db.prepare("UPDATE rating SET level = 5 WHERE id = 'r1'").run()).toThrow(/never edited/);
    expect(() => db.prepare("DELETE FROM rating WHERE id = 'r2'").run()).toThrow(/never deleted/);
    expect(db.prepare('SELECT id, level FROM rating ORDER BY id').all()).toEqual([
      { id: 'r1', level: 4 },
      { id: 'r2', level: null },
    ]);
    db.prepare("INSERT INTO follow_up (rating_id, due_date, state) VALUES ('r1', '2026-03-09', 'verifying')").run();
    expect(() =>
      db.prepare("INSERT INTO follow_up (rating_id, due_date, state) VALUES ('r2', '2026-03-09', 'done')").run(),
    ).toThrow(/CHECK/);
  });

  it('upgrades a version-3 database with data to the latest in one go', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, migrations.slice(0, 3));
    db.prepare("INSERT INTO config_entry (kind, key, value, version) VALUES ('line', 'A', '{}', 1)").run();
    db.prepare("INSERT INTO call_log (at, window_id, action, ticket_number) VALUES ('t', 1, 'callNext', 'A001')").run();
    db.close();
    const upgraded = openDatabase(file);
    expect(upgraded.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(upgraded.prepare('SELECT count(*) AS n FROM config_entry').get()).toEqual({ n: 1 });
    expect(upgraded.prepare('SELECT count(*) AS n FROM call_log').get()).toEqual({ n: 1 });
    expect(upgraded.pragma('integrity_check', { simple: true })).toBe('ok');
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

  it.each([
    ['decidedSince', [1, '2026-01-01'], /USING INDEX cases_by_window_decided/],
    ['open', [1], /USING INDEX cases_open_by_window_promised/],
    ['finishedSince', [1, '2026-01-01'], /USING INDEX cases_by_window_finished/],
  ] as const)('the %s case query uses its index', (name, params, index) => {
    const db = openDatabase(tempDb());
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${CASE_QUERIES[name]}`).all(...params) as { detail: string }[];
    const text = plan.map((row) => row.detail).join('\n');
    expect(text).toMatch(index);
    expect(text).not.toMatch(/SCAN cases(?! USING)/);
  });

  it('the unsent outbox query uses its partial index', () => {
    const db = openDatabase(tempDb());
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE state IN ('pending', 'sent') ORDER BY seq LIMIT ?")
      .all(500) as { detail: string }[];
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/outbox_unsent/);
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
