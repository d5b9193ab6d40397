// Counter migration 24 (issue 19, point 7): the outbox gets an index by record
// name, keeping every record; the start-up check's questions by name
// (main/sync/self-check.ts: the last sync.gap_lost record, the acknowledged
// rating.recorded records) become index searches instead of reading the whole
// outbox, which keeps every record for months.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrate } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';

const VERSION = 24;
const plan = (db: Database.Database, sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join(' | ');

// The two questions main/sync/self-check.ts asks by name, as it asks them.
const LAST_GAP = 'SELECT args FROM outbox WHERE name = ? ORDER BY seq DESC LIMIT 1';
const ACKED_RATINGS = "SELECT COUNT(*) AS n FROM outbox WHERE name = ? AND state = 'acked'";

it(`${VERSION} indexes the outbox by name, keeping every record; the start-up check's questions by name search it`, () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), `halldesk-mig${VERSION}-`)), 'counter.db'));
  migrate(db, migrations.slice(0, VERSION - 1));
  const insert = db.prepare(
    `INSERT INTO outbox (seq, id, name, args, at, hash, prev_hash, state, attempts)
     VALUES (?, ?, ?, '{}', '2026-12-07T01:00:00.000Z', ?, ?, ?, 0)`,
  );
  const names = ['case.decided', 'rating.recorded', 'case.finished'];
  for (let seq = 1; seq <= 30; seq++) {
    insert.run(seq, `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`, seq === 12 ? 'sync.gap_lost' : names[seq % 3], String(seq).padStart(64, '0'), String(seq - 1).padStart(64, '0'), seq <= 20 ? 'acked' : 'pending');
  }
  const before = db.prepare('SELECT * FROM outbox ORDER BY seq').all();
  expect(plan(db, LAST_GAP, 'sync.gap_lost')).toMatch(/^SCAN outbox/);

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  expect(db.prepare('SELECT * FROM outbox ORDER BY seq').all()).toEqual(before);
  expect(plan(db, LAST_GAP, 'sync.gap_lost')).toBe('SEARCH outbox USING INDEX outbox_by_name (name=?)');
  expect(plan(db, ACKED_RATINGS, 'rating.recorded')).toBe('SEARCH outbox USING INDEX outbox_by_name (name=?)');
  expect(db.prepare(LAST_GAP).get('sync.gap_lost')).toEqual({ args: '{}' });
  expect(db.prepare(ACKED_RATINGS).get('rating.recorded')).toEqual({ n: 7 });
  // The index follows new records.
  insert.run(31, '00000000-0000-7000-8000-000000000031', 'sync.gap_lost', '1'.padStart(64, 'f'), '0'.repeat(64), 'pending');
  expect(db.prepare('SELECT seq FROM outbox WHERE name = ? ORDER BY seq DESC LIMIT 1').get('sync.gap_lost')).toEqual({ seq: 31 });
});
