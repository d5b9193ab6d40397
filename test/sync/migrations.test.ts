// The schema changes sync brought, one test per migration: hall server 4
// (sync intake, cases, case changes, hall_log by time) and counter 9 (the
// outbox keeps the rejection reason) and 10 (the queue mirror).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate as migrateCounter } from '../../main/store/database.ts';
import { migrations as counterMigrations } from '../../main/store/migrations.ts';
import { migrate as migrateHall, migrations as hallMigrations } from '../../server/db.ts';

const plan = (db: Database.Database, sql: string, ...args: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
    .map((row) => row.detail)
    .join('; ');

describe('hall server migration 4: sync intake', () => {
  it('adds the tables on top of a populated version-3 hall, keeping its rows', () => {
    const db = new Database(':memory:');
    migrateHall(db, hallMigrations.slice(0, 3));
    db.prepare(
      "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('d1', 1, 'c', 'counter', 1, 'h', 'now')",
    ).run();
    db.prepare(
      "INSERT INTO hall_log (at, action, device_id) VALUES ('2026-03-05T01:00:00.000Z', 'issue', 'd1')",
    ).run();
    migrateHall(db, hallMigrations.slice(0, 4));
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare('SELECT COUNT(*) FROM hall_log').pluck().get()).toBe(1);

    const insert = db.prepare(
      `INSERT INTO sync_mutations (device_id, seq, id, name, args, at, hash, prev_hash, status, reason, received_at)
       VALUES ('d1', ?, ?, 'case.decided', '{}', 'now', ?, ?, ?, ?, 'now')`,
    );
    const id = (n: number) => `0190a0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
    const hash = 'a'.repeat(64);
    insert.run(1, id(1), hash, hash, 'applied', null);
    expect(() => insert.run(1, id(2), hash, hash, 'applied', null)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => insert.run(2, id(2), hash, hash, 'rejected', null)).toThrow(/CHECK/);
    expect(() => insert.run(2, id(2), hash, hash, 'applied', '理由')).toThrow(/CHECK/);
    // A rejected record may reuse an id: it is kept as evidence.
    insert.run(2, id(1), hash, hash, 'rejected', '记录编号重复');
    expect(() => insert.run(3, id(3), 'short', hash, 'applied', null)).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO sync_mutations VALUES ('nobody', 1, ?, 'x', '{}', 'now', ?, ?, 'applied', NULL, 'now')",
        )
        .run(id(9), hash, hash),
    ).toThrow(/FOREIGN KEY/);

    const addCase = db.prepare(
      `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, applicant_masked, decision,
         status, outcome, decided_at, finished_at, missing_json, seq)
       VALUES (?, 'd1', 1, 'X', '事项', 'promised', '1001', '{}', 'accept', ?, ?, 'now', ?, '[]', 1)`,
    );
    addCase.run('20260305010010001', 'accepted', null, null);
    expect(() => addCase.run('20260305010010002', 'finished', null, null)).toThrow(/CHECK/);
    expect(() => addCase.run('20260305010010001', 'accepted', null, null)).toThrow(/UNIQUE|PRIMARY/);
    const change = db.prepare(
      "INSERT INTO case_changes (case_no, window_id, status, at) VALUES (?, 1, 'finished', 'now')",
    );
    expect(change.run('20260305010010001').lastInsertRowid).toBe(1);
    expect(() => change.run('20260305019999999')).toThrow(/FOREIGN KEY/);

    // The hot queries use their indexes.
    expect(
      plan(db, 'SELECT MIN(version) FROM hall_log INDEXED BY hall_log_by_at WHERE at >= ?', 'x'),
    ).toMatch(/hall_log_by_at/);
    expect(
      plan(db, 'SELECT * FROM case_changes WHERE window_id = ? AND version > ? ORDER BY version', 1, 0),
    ).toMatch(/case_changes_by_window/);
    expect(plan(db, 'SELECT device_id FROM sync_mutations WHERE id = ?', 'x')).toMatch(
      /sync_mutations_by_id/,
    );
    expect(
      plan(db, 'SELECT seq, hash FROM sync_mutations WHERE device_id = ? ORDER BY seq DESC LIMIT 1', 'd1'),
    ).toMatch(/PRIMARY KEY/);
    db.close();
  });
});

describe('counter migrations 9 and 10', () => {
  it('9: the outbox keeps a reason, only for rejected records; older rows get none', () => {
    const db = new Database(':memory:');
    migrateCounter(db, counterMigrations.slice(0, 8));
    const hash = 'b'.repeat(64);
    db.prepare(
      "INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash, state) VALUES (1, ?, 'x', '{}', 'now', ?, ?, 'acked')",
    ).run('0190a0a0-0000-7000-8000-000000000001', hash, hash);
    migrateCounter(db, counterMigrations.slice(0, 9));
    expect(db.prepare('SELECT state, reason FROM outbox').get()).toEqual({ state: 'acked', reason: null });
    expect(() => db.prepare("UPDATE outbox SET reason = '理由' WHERE seq = 1").run()).toThrow(/CHECK/);
    db.prepare("UPDATE outbox SET state = 'rejected', reason = '理由' WHERE seq = 1").run();
    expect(db.prepare('SELECT reason FROM outbox').pluck().get()).toBe('理由');
    db.close();
  });

  it('10: the queue mirror, with the waiting count served from its index', () => {
    const db = new Database(':memory:');
    migrateCounter(db, counterMigrations.slice(0, 9));
    migrateCounter(db, counterMigrations.slice(0, 10));
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    const add = db.prepare(
      `INSERT INTO queue_ticket (id, day, number, line_id, priority, status, issued_at, recall_count, version)
       VALUES (?, ?, 'A001', 'A', 'normal', ?, 'now', 0, 1)`,
    );
    add.run(1, '2026-03-05', 'waiting');
    expect(() => add.run(2, '20260305', 'waiting')).toThrow(/CHECK/);
    expect(() => add.run(3, '2026-03-05', 'lost')).toThrow(/CHECK/);
    db.prepare('INSERT INTO queue_clerk (window_id, staff_id, version) VALUES (1, 2, 3)').run();
    expect(() =>
      db.prepare('INSERT INTO queue_clerk (window_id, staff_id, version) VALUES (1, 3, 4)').run(),
    ).toThrow(/UNIQUE|PRIMARY/);
    expect(
      plan(
        db,
        "SELECT line_id, COUNT(*) FROM queue_ticket WHERE day = ? AND status = 'waiting' GROUP BY line_id",
        '2026-03-05',
      ),
    ).toMatch(/queue_ticket_waiting/);
    db.close();
  });
});
