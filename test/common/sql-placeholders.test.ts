// The SQL text's parameters (common/sql-placeholders.ts): found as SQLite
// reads them, and on the hall server's and the counter's SQLite handles
// planned without their values — each statement compiled once, not again at
// every run.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.ts';
import { openHallDatabase } from '../../server/db.ts';
import { rewritePlaceholders, withPlanFixedParameters } from '../../common/sql-placeholders.ts';

describe('rewritePlaceholders', () => {
  it('finds ? and @name/:name/$name outside strings, quoted names and comments', () => {
    const seen: string[] = [];
    const text = rewritePlaceholders(`SELECT '?', "a?b", ? -- what?\n, /* @c */ @a, :b, $c, x::text, 'it''s @d'`, (p) => {
      seen.push(p.kind === 'positional' ? '?' : `${p.prefix}${p.name}`);
      return '#';
    });
    expect(seen).toEqual(['?', '@a', ':b', '$c']);
    expect(text).toBe(`SELECT '?', "a?b", # -- what?\n, /* @c */ #, #, #, x::text, 'it''s @d'`);
  });

  it('puts every parameter behind a unary plus, and nothing else', () => {
    expect(withPlanFixedParameters("SELECT * FROM t WHERE a = ? AND b = @b AND c = '?' LIMIT ?")).toBe(
      "SELECT * FROM t WHERE a = +? AND b = +@b AND c = '?' LIMIT +?",
    );
    // Never makes a comment out of a minus sign.
    expect(withPlanFixedParameters('SELECT 1 -?')).toBe('SELECT 1 -+?');
  });
});

describe("the hall's SQLite handle", () => {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-plans-'));
  const hall = openHallDatabase(join(dir, 'hall.sqlite'));
  const plain = new Database(join(dir, 'hall.sqlite'));
  afterAll(() => {
    plain.close();
    hall.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as a plain better-sqlite3 handle does, whatever the values and column affinities', () => {
    hall.exec('CREATE TABLE affinities (t TEXT, i INTEGER, n NUMERIC, b BLOB, x)');
    hall.prepare('INSERT INTO affinities VALUES (?, ?, ?, ?, ?)').run('1', 1, '2.50', Buffer.from([0, 1, 2]), null);
    const values = [1, 1.5, '1', '2.5', '2.50', 'x', Buffer.from([0, 1, 2]), null, 2 ** 40];
    for (const value of values) {
      const sql = `SELECT typeof(?) AS type, ? AS same, (SELECT COUNT(*) FROM affinities WHERE t = ?) AS t,
        (SELECT COUNT(*) FROM affinities WHERE i = ?) AS i, (SELECT COUNT(*) FROM affinities WHERE n = ?) AS n,
        (SELECT COUNT(*) FROM affinities WHERE b = ?) AS b, ? || '' AS text, ? + 0 AS number`;
      const args = Array(8).fill(value);
      expect(hall.prepare(sql).get(...args), String(value)).toEqual(plain.prepare(sql).get(...args));
    }
  });

  it('plans a statement without its values: a partial index is not chosen on a bound value', () => {
    // tickets_current covers WHERE status = 'called'. A plain handle proves the
    // index from the bound 'called' — a plan that holds for this value only,
    // so SQLite compiles the statement again each time it is bound.
    const sql = 'EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE status = ? AND window_id = ?';
    const detail = (db: Database.Database) => (db.prepare(sql).all('called', 3) as { detail: string }[]).map((row) => row.detail).join('\n');
    expect(detail(plain)).toContain('tickets_current');
    expect(detail(hall)).not.toContain('tickets_current');
  });
});

describe("the counter's SQLite handle", () => {
  it('plans a statement without its values too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-counter-plans-'));
    const counter = openDatabase(join(dir, 'counter.sqlite'));
    const plain = new Database(join(dir, 'counter.sqlite'));
    try {
      // queue_ticket_waiting covers WHERE status = 'waiting'.
      const sql = 'EXPLAIN QUERY PLAN SELECT * FROM queue_ticket WHERE status = ? AND day = ?';
      const detail = (db: Database.Database) =>
        (db.prepare(sql).all('waiting', '2026-12-07') as { detail: string }[]).map((row) => row.detail).join('\n');
      expect(detail(plain)).toContain('queue_ticket_waiting');
      expect(detail(counter)).not.toContain('queue_ticket_waiting');
    } finally {
      plain.close();
      counter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
