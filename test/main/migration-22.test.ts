// Counter migration 22 (keyed chain and self-check, issue 21): outbox_head
// gets keyed_from (NULL: not keyed yet) and the last verified point, keeping
// its row; the checks hold.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { migrate } from '../../main/store/database.ts';
import { migrations } from '../../main/store/migrations.ts';

const GENESIS = '0'.repeat(64);

it('22 adds keyed_from and the verified point to outbox_head, keeping the head; checks hold', () => {
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'halldesk-mig22-')), 'counter.db'));
  migrate(db, migrations.slice(0, 21));
  db.prepare('UPDATE outbox_head SET last_seq = 7, last_hash = ? WHERE one = 1').run('a'.repeat(64));
  migrate(db, migrations.slice(0, 22));
  expect(db.pragma('user_version', { simple: true })).toBe(22);
  expect(db.prepare('SELECT * FROM outbox_head').all()).toEqual([
    { one: 1, last_seq: 7, last_hash: 'a'.repeat(64), keyed_from: null, verified_seq: 0, verified_hash: GENESIS },
  ]);
  const set = (sql: string, ...params: unknown[]) => () => db.prepare(sql).run(...params);
  set('UPDATE outbox_head SET keyed_from = 8, verified_seq = 7, verified_hash = ?', 'b'.repeat(64))();
  expect(set('UPDATE outbox_head SET keyed_from = 0')).toThrow(/CHECK/);
  expect(set('UPDATE outbox_head SET verified_seq = -1')).toThrow(/CHECK/);
  expect(set("UPDATE outbox_head SET verified_hash = 'short'")).toThrow(/CHECK/);
  expect(set("UPDATE outbox_head SET keyed_from = '8'")).not.toThrow(); // STRICT takes '8' as the integer 8
  expect(set('UPDATE outbox_head SET keyed_from = ?', Buffer.from('x'))).toThrow(/cannot store BLOB/); // STRICT
  expect(db.prepare('SELECT keyed_from, verified_seq FROM outbox_head').get()).toEqual({ keyed_from: 8, verified_seq: 7 });
});
