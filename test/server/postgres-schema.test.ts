// The PostgreSQL baseline (server/storage/postgres-schema.ts) against SQLite's
// schema at version 16, both real: an in-memory SQLite database migrated 1–16
// and a fresh database in a PostgreSQL cluster of our own, each through its
// own plain client (better-sqlite3, pg).
// - Structure: the same tables; per table the same columns in order with their
//   nullability, type class, default and identity, the same primary key,
//   UNIQUEs and foreign keys, the same named indexes (unique or not, columns or
//   expressions, partial WHERE), the same triggers. A mismatch list is printed.
// - CHECKs, NOT NULLs, keys: the same rows refused and accepted, probe by probe.
// - The kept counts and report facts: the same seeded random sequence of ticket
//   changes, cases, ratings and sign-ins run on both; every statement succeeds
//   or is refused on both alike, and queue_waiting, ticket_day_counts,
//   report_services and report_ratings end with the same rows.
// - The audit tables refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE).
// Runs on both backends of the server suite alike: it needs both engines
// whichever one the rest of the suite is on.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../server/db.ts';
import { POSTGRES_BASELINE_SQL, POSTGRES_BASELINE_VERSION } from '../../server/storage/postgres-schema.ts';
import { createDatabaseAt } from '../helpers/postgres.ts';
import { testBackend, testPostgresUrl } from '../helpers/test-database.ts';

type Row = unknown[];

/** int8 and numeric as JS numbers, as better-sqlite3 gives them; booleans as 1/0. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (text: string) => Number(text);
    if (oid === 16) return (text: string) => (text === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format);
  },
};

const clients: pg.Client[] = [];

function sqliteAt16(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, POSTGRES_BASELINE_VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(POSTGRES_BASELINE_VERSION);
  return db;
}

/** A fresh database with the baseline, as the runner applies it: one transaction. */
async function postgresAtBaseline(): Promise<pg.Client> {
  const url = await createDatabaseAt(testPostgresUrl(), undefined, { fileCopy: true });
  const client = new pg.Client({ connectionString: url, types: pgTypes });
  clients.push(client);
  await client.connect();
  await client.query('BEGIN');
  await client.query(POSTGRES_BASELINE_SQL);
  await client.query('COMMIT');
  return client;
}

const rows = async (client: pg.Client, sql: string, values: unknown[] = []): Promise<Row[]> =>
  (await client.query({ text: sql, values, rowMode: 'array' })).rows as Row[];

// ---- structure ------------------------------------------------------------------

interface TableShape {
  columns: string[]; // "name type notnull default identity"
  primaryKey: string;
  uniques: string[];
  foreignKeys: string[];
}
interface IndexShape {
  table: string;
  unique: boolean;
  keys: string;
  where: string | null;
}
interface Shape {
  tables: Map<string, TableShape>;
  indexes: Map<string, IndexShape>;
  triggers: Map<string, string>; // name → table
}

/** Lower case, no spaces, no parentheses, no casts, no quotes around names: an expression as both engines write it. */
const normalize = (expression: string): string =>
  expression
    .toLowerCase()
    .replace(/::(text|bigint|integer|numeric)/g, '')
    .replace(/collate\s+"?c"?/g, '')
    .replace(/[\s()"]/g, '');

/** Splits a column list at its top-level commas. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of list) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

/** What SQLite's CREATE INDEX text says: its keys (columns or expressions) and its WHERE. */
function parseSqliteIndex(sql: string): { keys: string; where: string | null } {
  const open = sql.indexOf('(');
  let depth = 0;
  let close = open;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    if (sql[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  const keys = splitTopLevel(sql.slice(open + 1, close))
    .map(normalize)
    .join(',');
  const rest = sql.slice(close + 1);
  const where = /\bWHERE\b([\s\S]*)$/i.exec(rest);
  return { keys, where: where ? normalize(where[1]!) : null };
}

const SQLITE_TYPES: Record<string, string> = { INTEGER: 'integer', TEXT: 'text', REAL: 'real', BLOB: 'blob' };

function sqliteShape(db: Database.Database): Shape {
  const tables = new Map<string, TableShape>();
  const indexes = new Map<string, IndexShape>();
  const triggers = new Map<string, string>();
  const schema = db
    .prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
  for (const entry of schema.filter((item) => item.type === 'table')) {
    const autoincrement = /AUTOINCREMENT/i.test(entry.sql ?? '');
    const info = db.prepare(`PRAGMA table_info("${entry.name}")`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    const columns = info.map((column) => {
      // A primary key column is never NULL on PostgreSQL; SQLite's STRICT tables refuse NULL in one as well.
      const notNull = column.notnull === 1 || column.pk > 0;
      const identity = autoincrement && column.pk === 1 ? 'identity' : '';
      return `${column.name} ${SQLITE_TYPES[column.type] ?? column.type} ${notNull ? 'not null' : 'null'} ${column.dflt_value ?? ''} ${identity}`.trim();
    });
    const primaryKey = info
      .filter((column) => column.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((column) => column.name)
      .join(',');
    const list = db.prepare(`PRAGMA index_list("${entry.name}")`).all() as {
      name: string;
      unique: number;
      origin: string;
    }[];
    const columnsOf = (index: string) =>
      (db.prepare(`PRAGMA index_info("${index}")`).all() as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((column) => column.name)
        .join(',');
    const uniques = list
      .filter((index) => index.origin === 'u')
      .map((index) => columnsOf(index.name))
      .sort();
    type ForeignKeyPart = { id: number; seq: number; table: string; from: string; to: string };
    const partsById = new Map<number, ForeignKeyPart[]>();
    for (const part of db.prepare(`PRAGMA foreign_key_list("${entry.name}")`).all() as ForeignKeyPart[]) {
      partsById.set(part.id, [...(partsById.get(part.id) ?? []), part]);
    }
    const foreignKeys = [...partsById.values()]
      .map((parts) => {
        const sorted = parts.sort((a, b) => a.seq - b.seq);
        return `(${sorted.map((part) => part.from).join(',')}) → ${sorted[0]!.table}(${sorted.map((part) => part.to).join(',')})`;
      })
      .sort();
    tables.set(entry.name, { columns, primaryKey, uniques, foreignKeys });
  }
  for (const entry of schema.filter((item) => item.type === 'index' && item.sql !== null)) {
    const { keys, where } = parseSqliteIndex(entry.sql!);
    indexes.set(entry.name, {
      table: entry.tbl_name,
      unique: /^CREATE\s+UNIQUE/i.test(entry.sql!),
      keys,
      where,
    });
  }
  for (const entry of schema.filter((item) => item.type === 'trigger'))
    triggers.set(entry.name, entry.tbl_name);
  return { tables, indexes, triggers };
}

const PG_TYPES: Record<string, string> = {
  bigint: 'integer',
  integer: 'integer',
  text: 'text',
  'double precision': 'real',
  bytea: 'blob',
};

async function postgresShape(client: pg.Client): Promise<{ shape: Shape; collations: string[] }> {
  const tables = new Map<string, TableShape>();
  const indexes = new Map<string, IndexShape>();
  const triggers = new Map<string, string>();
  const collations: string[] = [];
  const columnRows = await rows(
    client,
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation, collation_name
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  for (const [
    table,
    name,
    type,
    nullable,
    fallback,
    identity,
    generation,
    collation,
  ] of columnRows as string[][]) {
    if (!tables.has(table!))
      tables.set(table!, { columns: [], primaryKey: '', uniques: [], foreignKeys: [] });
    const identityText = identity === 'YES' ? (generation === 'ALWAYS' ? 'identity always' : 'identity') : '';
    tables
      .get(table!)!
      .columns.push(
        `${name} ${PG_TYPES[type!] ?? type} ${nullable === 'NO' ? 'not null' : 'null'} ${fallback ?? ''} ${identityText}`.trim(),
      );
    if (type === 'text' && collation !== 'C')
      collations.push(`${table}.${name}: ${collation ?? 'database default'}`);
  }
  const constraints = await rows(
    client,
    `SELECT c.conrelid::regclass::text, c.contype,
       (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
       c.confrelid::regclass::text,
       (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
     FROM pg_constraint AS c JOIN pg_namespace AS s ON s.oid = c.connamespace
     WHERE s.nspname = 'public' AND c.contype IN ('p', 'u', 'f')`,
  );
  for (const [table, type, columns, target, targetColumns] of constraints as string[][]) {
    const shape = tables.get(table!)!;
    if (type === 'p') shape.primaryKey = columns!;
    if (type === 'u') shape.uniques.push(columns!);
    if (type === 'f') shape.foreignKeys.push(`(${columns}) → ${target}(${targetColumns})`);
  }
  for (const shape of tables.values()) {
    shape.uniques.sort();
    shape.foreignKeys.sort();
  }
  // Named indexes: those not made for a PRIMARY KEY or UNIQUE constraint.
  const indexRows = await rows(
    client,
    `SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, i.indisunique,
       (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), ',' ORDER BY k) FROM generate_series(1, i.indnkeyatts) AS k),
       pg_get_expr(i.indpred, i.indrelid, true)
     FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_namespace AS s ON s.oid = c.relnamespace
     WHERE s.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)`,
  );
  for (const [name, table, unique, keys, where] of indexRows as [
    string,
    string,
    number,
    string,
    string | null,
  ][]) {
    indexes.set(name, {
      table,
      unique: unique === 1,
      keys: splitTopLevel(keys).map(normalize).join(','),
      where: where === null ? null : normalize(where),
    });
  }
  const triggerRows = await rows(
    client,
    `SELECT t.tgname, t.tgrelid::regclass::text FROM pg_trigger AS t
     JOIN pg_class AS c ON c.oid = t.tgrelid JOIN pg_namespace AS s ON s.oid = c.relnamespace
     WHERE s.nspname = 'public' AND NOT t.tgisinternal`,
  );
  for (const [name, table] of triggerRows as string[][]) triggers.set(name!, table!);
  return { shape: { tables, indexes, triggers }, collations };
}

/** Columns and triggers PostgreSQL has and SQLite does not, each with its reason (server/storage/postgres-schema.ts). */
const POSTGRES_ONLY_COLUMNS = new Map([
  ['follow_ups', 'rowid integer not null  identity always'], // SQLite's implicit rowid, read by the server
  ['follow_up_steps', 'rowid integer not null  identity always'],
]);
const POSTGRES_ONLY_TRIGGERS = new Map([
  ['ratings_never_truncated', 'ratings'], // TRUNCATE skips row triggers
  ['case_audit_never_truncated', 'case_audit'],
]);

function differences(sqlite: Shape, postgres: Shape): string[] {
  const found: string[] = [];
  const names = (map: Map<string, unknown>) => [...map.keys()].sort();
  for (const table of names(sqlite.tables))
    if (!postgres.tables.has(table)) found.push(`table ${table}: missing on PostgreSQL`);
  for (const table of names(postgres.tables))
    if (!sqlite.tables.has(table)) found.push(`table ${table}: not on SQLite`);
  for (const table of names(sqlite.tables)) {
    const lite = sqlite.tables.get(table)!;
    const post = postgres.tables.get(table);
    if (!post) continue;
    const postColumns = [...post.columns];
    const extra = POSTGRES_ONLY_COLUMNS.get(table);
    if (extra !== undefined) {
      if (postColumns.at(-1) === extra) postColumns.pop();
      else found.push(`${table}: last column should be "${extra}", is "${postColumns.at(-1)}"`);
    }
    const count = Math.max(lite.columns.length, postColumns.length);
    for (let i = 0; i < count; i++) {
      if (lite.columns[i] !== postColumns[i]) {
        found.push(
          `${table} column ${i + 1}: SQLite "${lite.columns[i] ?? '—'}", PostgreSQL "${postColumns[i] ?? '—'}"`,
        );
      }
    }
    for (const key of ['primaryKey', 'uniques', 'foreignKeys'] as const) {
      const a = JSON.stringify(lite[key]);
      const b = JSON.stringify(post[key]);
      if (a !== b) found.push(`${table} ${key}: SQLite ${a}, PostgreSQL ${b}`);
    }
  }
  for (const name of names(sqlite.indexes)) {
    const a = JSON.stringify(sqlite.indexes.get(name));
    const b = JSON.stringify(postgres.indexes.get(name) ?? null);
    if (a !== b) found.push(`index ${name}: SQLite ${a}, PostgreSQL ${b}`);
  }
  for (const name of names(postgres.indexes))
    if (!sqlite.indexes.has(name)) found.push(`index ${name}: not on SQLite`);
  const expectedTriggers = new Map([...sqlite.triggers, ...POSTGRES_ONLY_TRIGGERS]);
  for (const name of [...new Set([...expectedTriggers.keys(), ...postgres.triggers.keys()])].sort()) {
    if (expectedTriggers.get(name) !== postgres.triggers.get(name)) {
      found.push(
        `trigger ${name}: expected on ${expectedTriggers.get(name) ?? '—'}, PostgreSQL has it on ${postgres.triggers.get(name) ?? '—'}`,
      );
    }
  }
  return found;
}

// ---- running the same SQL on both -------------------------------------------------

/** Runs one statement on both engines; whether each took it (true) or refused it (the error). */
async function both(db: Database.Database, client: pg.Client, sql: string): Promise<[string, string]> {
  let lite = 'ok';
  let post = 'ok';
  try {
    db.exec(sql);
  } catch (error) {
    lite = `refused: ${(error as Error).message}`;
  }
  try {
    await client.query(sql);
  } catch (error) {
    post = `refused: ${(error as Error).message}`;
  }
  return [lite, post];
}

/** Every row of a table from both engines, sorted the same way (NULLs sort differently in ORDER BY). */
async function tableRows(
  db: Database.Database,
  client: pg.Client,
  table: string,
  columns: string,
): Promise<[Row[], Row[]]> {
  const sort = (list: Row[]) => list.map((row) => JSON.stringify(row)).sort();
  const lite = db.prepare(`SELECT ${columns} FROM ${table}`).raw().all() as Row[];
  const post = await rows(client, `SELECT ${columns} FROM ${table}`);
  return [sort(lite) as unknown as Row[], sort(post) as unknown as Row[]];
}

const q = (value: string | number | null): string =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

const SETUP = `
  INSERT INTO devices (id, name, role, window_id, token_hash, enrolled_at, device_no) VALUES
    ('k', 'kiosk', 'kiosk', NULL, 'h0', '2026-12-01T00:00:00.000Z', 1),
    ('c1', 'counter 1', 'counter', 1, 'h1', '2026-12-01T00:00:00.000Z', 2),
    ('c2', 'counter 2', 'counter', 2, 'h2', '2026-12-01T00:00:00.000Z', 3);
  INSERT INTO staff_credentials (staff_id, staff_no, password_hash) VALUES (1, '1001', 'x'), (2, '1002', 'x'), (3, '1003', 'x');
  INSERT INTO config_changes (kind, key, value) VALUES
    ('item', 'GA-1', '{"code":"GA-1","lineId":"C"}'),
    ('item', 'GA-2', '{"code":"GA-2","lineId":"AA"}'),
    ('item', 'GA-2', '{"code":"GA-2","lineId":"B"}'),
    ('item', 'GA-3', NULL),
    ('item', 'GA-4', '[1, 2]');
`;

// It needs both engines: it runs in the server-postgres project, whose globalSetup starts the
// run's PostgreSQL cluster (each test a fresh database in it); the sqlite project skips it.
const onPostgres = testBackend() === 'postgres';
describe.skipIf(!onPostgres)(
  onPostgres
    ? 'the PostgreSQL baseline'
    : 'the PostgreSQL baseline [runs in the server-postgres project, which has a cluster]',
  () => {
    afterAll(async () => {
      for (const client of clients) await client.end().catch(() => {});
    });

    it('is SQLite at 16: tables, columns, keys, indexes and triggers (a mismatch list is printed)', async () => {
      const db = sqliteAt16();
      const client = await postgresAtBaseline();
      const { shape, collations } = await postgresShape(client);
      const lite = sqliteShape(db);
      // The comparison sees what matters: 26 tables, the named indexes, the triggers.
      expect(lite.tables.size).toBe(26);
      expect(lite.indexes.size).toBeGreaterThanOrEqual(25);
      expect(lite.triggers.size).toBe(14);
      expect(differences(lite, shape)).toEqual([]);
      // Text compares bytewise on PostgreSQL as on SQLite, whatever the database's locale.
      expect(collations).toEqual([]);
      // And the comparison catches a difference: a column dropped, a WHERE changed, a trigger gone.
      await client.query('BEGIN');
      await client.query('ALTER TABLE cases DROP COLUMN applicant_key');
      await client.query('DROP INDEX tickets_no_show');
      await client.query("CREATE INDEX tickets_no_show ON tickets (day, ended_at) WHERE status = 'parked'");
      await client.query('DROP TRIGGER queue_waiting_left ON tickets');
      const broken = differences(lite, (await postgresShape(client)).shape);
      await client.query('ROLLBACK');
      expect(broken).toEqual([
        'cases column 22: SQLite "applicant_key text null", PostgreSQL "—"',
        // Dropping the column drops its index with it.
        expect.stringMatching(/^index cases_by_applicant_key: SQLite .*, PostgreSQL null$/),
        expect.stringMatching(
          /^index tickets_no_show: .*"where":"status='no_show'".*"where":"status='parked'"/,
        ),
        'trigger queue_waiting_left: expected on tickets, PostgreSQL has it on —',
      ]);
      db.close();
    });

    it('refuses and accepts the same rows as SQLite: every CHECK, NOT NULL, key and foreign key', async () => {
      const db = sqliteAt16();
      const client = await postgresAtBaseline();
      const base = `${SETUP}
      INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id)
        VALUES ('2026-12-07', 'A', 1, 'A001', 'normal', 'called', '2026-12-07T01:00:00.000Z', 'k', 1);
      INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, applicant_masked, decision, status, decided_at, missing_json, seq)
        VALUES ('C1', 'c1', 1, 'GA-1', '事项', 'instant', '1001', '{}', 'accept', 'accepted', '2026-12-07T01:00:00.000Z', '[]', 1);
      INSERT INTO ratings (id, device_id, session_id, window_id, staff_no, level, outcome, channel, opened_at, at, seq)
        VALUES ('r1', 'c1', 1, 1, '1001', 5, 'rated', 'touch', '2026-12-07T01:00:00.000Z', '2026-12-07T01:00:01.000Z', 1);
      INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at)
        VALUES ('c1', 1, 'r1', '2026-12-10', 'verifying', '2026-12-07T01:00:00.000Z');`;
      db.exec(base);
      await client.query(base);

      const config = (kind: string, key: string, value: string | null) =>
        `INSERT INTO config_changes (kind, key, value) VALUES (${q(kind)}, ${q(key)}, ${q(value)})`;
      const device = (id: string, role: string, no: number | null, token = `t-${id}`) =>
        `INSERT INTO devices (id, name, role, window_id, token_hash, enrolled_at, device_no) VALUES (${q(id)}, 'd', ${q(role)}, NULL, ${q(token)}, '2026-12-07', ${q(no)})`;
      const ticket = (seq: number, fields: Partial<Record<string, string | number | null>> = {}) => {
        const row = {
          day: '2026-12-07',
          line_id: 'A',
          seq,
          number: `A${seq}`,
          priority: 'normal',
          status: 'waiting',
          issued_at: '2026-12-07T01:00:00.000Z',
          issued_by: 'k',
          window_id: null,
          ...fields,
        };
        return `INSERT INTO tickets (${Object.keys(row).join(', ')}) VALUES (${Object.values(row)
          .map((value) => q(value ?? null))
          .join(', ')})`;
      };
      const mutation = (seq: number, fields: Partial<Record<string, string | number | null>> = {}) => {
        const row = {
          device_id: 'c1',
          seq,
          id: 'x'.repeat(36),
          name: 'case.decided',
          args: '{"a":1}',
          at: '2026-12-07',
          hash: 'a'.repeat(64),
          prev_hash: 'b'.repeat(64),
          status: 'applied',
          reason: null,
          received_at: '2026-12-07',
          ...fields,
        };
        return `INSERT INTO sync_mutations (${Object.keys(row).join(', ')}) VALUES (${Object.values(row)
          .map((value) => q(value ?? null))
          .join(', ')})`;
      };
      const caseRow = (no: string, fields: Partial<Record<string, string | number | null>> = {}) => {
        const row = {
          case_no: no,
          device_id: 'c1',
          window_id: 1,
          item_code: 'GA-1',
          item_name: '事项',
          kind: 'instant',
          staff_no: '1001',
          applicant_masked: '{"name":"张*"}',
          decision: 'accept',
          status: 'accepted',
          outcome: null,
          decided_at: '2026-12-07',
          finished_at: null,
          missing_json: '[]',
          seq: 2,
          ...fields,
        };
        return `INSERT INTO cases (${Object.keys(row).join(', ')}) VALUES (${Object.values(row)
          .map((value) => q(value ?? null))
          .join(', ')})`;
      };
      const rating = (id: string, level: number | null, outcome: string, channel = 'touch') =>
        `INSERT INTO ratings (id, device_id, session_id, window_id, staff_no, level, outcome, channel, opened_at, at, seq)
       VALUES (${q(id)}, 'c1', 2, 1, '1001', ${q(level)}, ${q(outcome)}, ${q(channel)}, '2026-12-07T02:00:00.000Z', '2026-12-07T02:00:01.000Z', 2)`;
      const appointment = (
        code: string,
        day: string,
        start: string,
        end: string,
        ticketId: number | null = null,
        checkedIn: string | null = null,
      ) =>
        `INSERT INTO appointments (code, id_hash, id_masked, name_masked, line_id, day, slot_start, slot_end, created_at, ticket_id, checked_in_at)
       VALUES (${q(code)}, '${'f'.repeat(64)}', '1101**********1234', '张*', 'A', ${q(day)}, ${q(start)}, ${q(end)}, '2026-12-01', ${q(ticketId)}, ${q(checkedIn)})`;

      const probes = [
        // config_changes: kinds, JSON values, device-setup keys (GLOB → regex)
        config('window', '1', '{"id":1}'),
        config('calendar', '2026', null),
        config('queue', '1', '{}'),
        config('item', 'GA-9', '{"a":'),
        config('item', 'GA-9', ''),
        config('item', 'GA-9', ' [1, {"b": null}] '),
        config('item', 'GA-9', '"text"'),
        config('item', 'GA-9', "{'a':1}"),
        config('item', 'GA-9', '{"a":"\\u0000"}'),
        config('device-setup', 'default', '{}'),
        config('device-setup', '7', '{}'),
        config('device-setup', '123456789', '{}'),
        config('device-setup', '1234567890', '{}'),
        config('device-setup', '0', '{}'),
        config('device-setup', '07', '{}'),
        config('device-setup', '7a', '{}'),
        config('device-setup', ' 7', '{}'),
        config('device-setup', '', '{}'),
        config('device-setup', 'Default', '{}'),
        config('device-setup', '7\n', '{}'),
        config('window', '7a', '{}'),
        `INSERT INTO config_changes (kind, key, value) VALUES ('item', NULL, '{}')`,
        `INSERT INTO config_changes (version, kind, key, value) VALUES (100, 'item', 'x', '{}')`,
        // devices
        device('d1', 'counter', 4),
        device('d2', 'printer', 5),
        device('d3', 'kiosk', 0),
        device('d4', 'kiosk', 999999),
        device('d5', 'kiosk', 1000000),
        device('d6', 'kiosk', null),
        device('d7', 'kiosk', 2),
        device('d8', 'kiosk', 9, 'h1'),
        device('k', 'kiosk', 10),
        // staff, enrollment codes
        `INSERT INTO staff_credentials (staff_id, staff_no, password_hash) VALUES (9, '1001', 'x')`,
        `INSERT INTO staff_credentials (staff_id, staff_no, password_hash) VALUES (1, '1009', 'x')`,
        `INSERT INTO enrollment_codes (code, role, window_id, created_at, expires_at, device_id) VALUES ('E1', 'kiosk', NULL, 'a', 'b', 'nobody')`,
        `INSERT INTO enrollment_codes (code, role, window_id, created_at, expires_at, device_id) VALUES ('E2', 'counter', 3, 'a', 'b', NULL)`,
        // tickets
        ticket(2),
        ticket(0),
        ticket(1),
        ticket(3, { priority: 'vip' }),
        ticket(4, { status: 'served' }),
        ticket(5, { status: 'parked' }),
        ticket(6, { status: 'parked', window_id: 2 }),
        ticket(7, { issued_by: 'nobody' }),
        ticket(8, { status: 'called', window_id: 1 }),
        ticket(9, { status: 'called', window_id: 2 }),
        ticket(10, { number: null }),
        `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, recall_count) VALUES ('2026-12-07', 'B', 1, 'B1', 'green', 'waiting', 'x', 'k', NULL)`,
        "UPDATE tickets SET status = 'parked', window_id = NULL WHERE seq = 1",
        "DELETE FROM devices WHERE id = 'k'",
        // sync_mutations
        mutation(1),
        mutation(0),
        mutation(2, { id: 'x'.repeat(35) }),
        mutation(3, { args: '{"a":1' }),
        mutation(4, { hash: 'a'.repeat(63) }),
        mutation(5, { prev_hash: 'b'.repeat(65) }),
        mutation(6, { status: 'rejected' }),
        mutation(7, { status: 'rejected', reason: 'bad' }),
        mutation(8, { reason: 'why' }),
        mutation(9, { status: 'pending' }),
        mutation(10, { device_id: 'nobody' }),
        // cases and case changes
        caseRow('C2'),
        caseRow('C3', { applicant_masked: '{name:1}' }),
        caseRow('C4', { missing_json: '' }),
        caseRow('C5', { status: 'finished', finished_at: '2026-12-08' }),
        caseRow('C6', { status: 'finished', finished_at: '2026-12-08', outcome: 'approved' }),
        caseRow('C7', { outcome: 'approved' }),
        caseRow('C8', { outcome: 'maybe' }),
        caseRow('C9', { kind: 'later' }),
        caseRow('C10', { decision: 'accept_later' }),
        caseRow('C1'),
        `INSERT INTO case_changes (case_no, window_id, status, at) VALUES ('C1', 1, 'finished', '2026-12-08')`,
        `INSERT INTO case_changes (case_no, window_id, status, at) VALUES ('C404', 1, 'finished', '2026-12-08')`,
        `INSERT INTO case_changes (case_no, window_id, status, outcome, at) VALUES ('C1', 1, 'notice', 'approved', '2026-12-08')`,
        // ratings, follow-ups
        rating('r2', 1, 'rated'),
        rating('r3', null, 'rated'),
        rating('r4', 3, 'not_rated'),
        rating('r5', null, 'cancelled'),
        rating('r6', 6, 'rated'),
        rating('r7', 0, 'rated'),
        rating('r8', 4, 'rated', 'phone'),
        `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES ('c1', 2, 'r1', 'd', 'fixing', 'o')`,
        `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES ('c1', 3, 'r404', 'd', 'fixing', 'o')`,
        `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES ('c1', 4, 'r1', 'd', 'closed', 'o')`,
        `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES ('c1', 1, 'r1', 'd', 'fixing', 'o')`,
        `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES ('c1', 1, 'verifying', 'fixing', '已核实', '1001', 'a')`,
        `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES ('c1', 9, 'verifying', 'fixing', '已核实', '1001', 'a')`,
        `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES ('c2', 1, 'verifying', 'fixing', '已核实', '1001', 'a')`,
        // walk-ins
        `INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (1, '2026-12-07', 1, 50, 'c1', 'a')`,
        `INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (1, '2026-12-07', 0, 50, 'c1', 'a')`,
        `INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (1, '2026-12-07', 60, 59, 'c1', 'a')`,
        `INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (1, '2026-12-07', 60, 60, 'c1', 'a')`,
        `INSERT INTO walk_in_leases (window_id, day, from_no, to_no, device_id, leased_at) VALUES (1, '2026-12-07', 900, 1000, 'c1', 'a')`,
        `INSERT INTO walk_ins (window_id, day, seq, number, device_id, line_id, staff_no, issued_at, mutation_seq) VALUES (1, 'd', 1, 'W01-001', 'c1', 'A', '1001', 'a', 1)`,
        `INSERT INTO walk_ins (window_id, day, seq, number, device_id, line_id, staff_no, issued_at, mutation_seq) VALUES (1, 'd', 1, 'W01-001', 'nobody', 'A', '1001', 'a', 1)`,
        // conflicts, pauses, sign-ins, replies, auth failures
        `INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_status, received_at) VALUES ('A1', 'c1', 1, 1, '1001', 'a', 'r', 'parked', 'b')`,
        `INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_status, received_at) VALUES ('A1', 'c1', 2, 1, '1001', 'a', 'r', 'lost', 'b')`,
        `INSERT INTO window_pauses (window_id, reason, note, paused_at, device_id) VALUES (1, '午休', NULL, 'a', 'c1')`,
        `INSERT INTO window_pauses (window_id, reason, note, paused_at, device_id) VALUES (2, '', NULL, 'a', 'c1')`,
        `INSERT INTO window_pauses (window_id, reason, note, paused_at, device_id) VALUES (3, '${'暂'.repeat(20)}', '${'注'.repeat(60)}', 'a', 'c1')`,
        `INSERT INTO window_pauses (window_id, reason, note, paused_at, device_id) VALUES (4, '${'暂'.repeat(21)}', NULL, 'a', 'c1')`,
        `INSERT INTO window_pauses (window_id, reason, note, paused_at, device_id) VALUES (5, '午休', '${'注'.repeat(61)}', 'a', 'c1')`,
        `INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (1, 1, 'c1', 'a')`,
        `INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (2, 1, 'c2', 'a')`,
        `INSERT INTO call_next_replies (window_id, idempotency_key, reply, at) VALUES (1, 'k1', '{}', 'a')`,
        `INSERT INTO call_next_replies (window_id, idempotency_key, reply, at) VALUES (1, NULL, '{}', 'a')`,
        `INSERT INTO auth_failures (scope, key, failures, first_at, last_at) VALUES ('sign-in-staff', '1001', 1, 'a', 'b')`,
        `INSERT INTO auth_failures (scope, key, failures, first_at, last_at) VALUES ('sign-in-staff', '1002', 0, 'a', 'b')`,
        `INSERT INTO auth_failures (scope, key, failures, first_at, last_at) VALUES ('sign-in-kiosk', '1003', 1, 'a', 'b')`,
        `INSERT INTO auth_failures (scope, key, failures, first_at, last_at) VALUES ('enroll-address', '${'k'.repeat(128)}', 1, 'a', 'b')`,
        `INSERT INTO auth_failures (scope, key, failures, first_at, last_at) VALUES ('enroll-address', '${'k'.repeat(129)}', 1, 'a', 'b')`,
        `INSERT INTO hall_log (at, action, device_id) VALUES ('a', 'priority', 'k')`,
        `INSERT INTO hall_log (at, action, device_id) VALUES ('a', 'dance', 'k')`,
        // appointments (GLOB → regex)
        appointment('AP01', '2026-12-07', '09:00', '09:30'),
        appointment('AP0', '2026-12-07', '09:00', '09:30'),
        appointment('A'.repeat(33), '2026-12-07', '09:00', '09:30'),
        appointment('AP02', '2026-12-7', '09:00', '09:30'),
        appointment('AP03', '2026-12-07 ', '09:00', '09:30'),
        appointment('AP04', '2026/12/07', '09:00', '09:30'),
        appointment('AP05', '2026-12-07', '9:00', '09:30'),
        appointment('AP06', '2026-12-07', '29:59', '29:59'),
        appointment('AP07', '2026-12-07', '09:30', '09:00'),
        appointment('AP08', '2026-12-07', '09:00', '09:60'),
        appointment('AP09', '2026-12-07', '09:00', '09:30', 1, null),
        appointment('AP10', '2026-12-07', '09:00', '09:30', 1, '2026-12-07T01:00:00Z'),
        appointment('AP11', '2026-12-07', '09:00', '09:30', 404, '2026-12-07T01:00:00Z'),
        appointment('AP12', '２０２６-12-07', '09:00', '09:30'),
        // report facts and kept counts
        `INSERT INTO report_services (ticket_id, day, window_id, staff_no, line_id, wait_s, service_s) VALUES (1, 'd', 1, '', 'A', -1, 0)`,
        `INSERT INTO report_services (ticket_id, day, window_id, staff_no, line_id, wait_s, service_s) VALUES (404, 'd', 1, '', 'A', 1, 0)`,
        `INSERT INTO report_ratings (rating_id, day, window_id, staff_no, line_id, level, outcome) VALUES ('r1', 'd', 1, '', 'A', 7, 'rated')`,
        `INSERT INTO queue_waiting (day, line_id, waiting) VALUES ('d', 'Z', -1)`,
        `INSERT INTO ticket_day_counts (day, line_id, window_id) VALUES ('d', 'Z', 0)`,
        `INSERT INTO ticket_day_counts (day, line_id, window_id, issued) VALUES ('d', 'Y', 0, -1)`,
        `INSERT INTO ticket_day_counts (day, line_id, window_id, served) VALUES ('d', 'X', 0, -1)`,
        // manager's desk
        `INSERT INTO window_devices (window_id, device_id, report, reported_at) VALUES (1, 'c1', '{"printer":"ok"}', 'a')`,
        `INSERT INTO window_devices (window_id, device_id, report, reported_at) VALUES (2, 'c2', 'printer ok', 'a')`,
        `INSERT INTO case_audit (at, action, case_no, staff_no, staff_name, device_id, device_name, window_id) VALUES ('a', 'open_case', 'C1', '1001', '张三', 'c1', '1号窗', 1)`,
        `INSERT INTO case_audit (at, action, case_no, staff_no, staff_name, device_id, device_name, window_id) VALUES ('a', 'edit_case', 'C1', '1001', '张三', 'c1', '1号窗', 1)`,
      ];
      const outcomes: { probe: string; sqlite: string; postgres: string }[] = [];
      for (const probe of probes) {
        db.exec('SAVEPOINT probe');
        await client.query('BEGIN');
        const [lite, post] = await both(db, client, probe);
        db.exec('ROLLBACK TO probe; RELEASE probe');
        await client.query('ROLLBACK');
        outcomes.push({
          probe: probe.replace(/\s+/g, ' '),
          sqlite: lite === 'ok' ? 'ok' : 'refused',
          postgres: post === 'ok' ? 'ok' : 'refused',
        });
      }
      const disagreements = outcomes.filter((outcome) => outcome.sqlite !== outcome.postgres);
      expect(disagreements).toEqual([]);
      // Both kinds were probed: the comparison is not all-ok or all-refused.
      const refused = outcomes.filter((outcome) => outcome.sqlite === 'refused').length;
      expect(refused).toBeGreaterThan(60);
      expect(outcomes.length - refused).toBeGreaterThan(30);
      db.close();
    });

    it('keeps queue_waiting, ticket_day_counts and the report facts as SQLite does through the same random hall day', async () => {
      const db = sqliteAt16();
      const client = await postgresAtBaseline();
      db.exec(SETUP);
      await client.query(SETUP);

      let state = 19;
      const random = (n: number) => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return Math.floor((state / 2147483648) * n);
      };
      const DAYS = ['2026-12-06', '2026-12-07'];
      const LINES = ['A', 'B', 'AA'];
      const ITEMS = ['GA-1', 'GA-2', 'GA-3', 'GA-4', 'GA-9', null];
      // Times of the hall day (Beijing): some near UTC midnight of the day before (16:00Z), with milliseconds,
      // now and then one that is not a time at all (SQLite: the seconds are NULL).
      const timeOf = (day: string) => {
        if (random(40) === 0) return 'not a time';
        const base = Date.parse(`${day}T00:00:00.000+08:00`);
        const offset = random(4) === 0 ? random(120_000) : random(12 * 3600_000);
        const ms = random(3) === 0 ? 500 : random(1000);
        return new Date(base + offset - (offset % 1000) + ms).toISOString();
      };
      const seqs = new Map<string, number>();
      const outcomes: string[] = [];
      // A ticket is named by its (day, line, seq), not its id: PostgreSQL's identity spends a
      // number on an insert that is refused, SQLite's AUTOINCREMENT does not, so the ids part.
      const ticketIds = () =>
        db.prepare('SELECT day, line_id, seq, number, window_id FROM tickets').all() as {
          day: string;
          line_id: string;
          seq: number;
          number: string;
          window_id: number | null;
        }[];
      let caseNo = 0;
      let ratingNo = 0;
      for (let step = 0; step < 1500; step++) {
        const tickets = ticketIds();
        const pick = tickets[random(tickets.length)];
        const id = pick
          ? `(SELECT id FROM tickets WHERE day = ${q(pick.day)} AND line_id = ${q(pick.line_id)} AND seq = ${pick.seq})`
          : '0';
        const day = DAYS[random(2)]!;
        const line = LINES[random(3)]!;
        const window = 1 + random(4);
        let sql: string;
        switch (random(16)) {
          case 0:
          case 1: {
            const seq = (seqs.get(day + line) ?? 0) + 1;
            seqs.set(day + line, seq);
            const priority = ['normal', 'appointment', 'priority', 'green'][random(4)]!;
            sql = `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by)
                 VALUES (${q(day)}, ${q(line)}, ${seq}, ${q(line + String(seq).padStart(3, '0'))}, ${q(priority)}, 'waiting', ${q(timeOf(day))}, 'k')`;
            break;
          }
          case 2: {
            // 手动录入票号: served offline, inserted completed
            const seq = (seqs.get(day + line) ?? 0) + 1;
            seqs.set(day + line, seq);
            sql = `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at, ended_at)
                 VALUES (${q(day)}, ${q(line)}, ${seq}, ${q(line + String(seq).padStart(3, '0'))}, 'normal', 'completed',
                   ${q(timeOf(day))}, 'k', ${window}, ${q(timeOf(day))}, ${q(timeOf(day))})`;
            break;
          }
          case 3:
            sql = `UPDATE tickets SET status = 'called', window_id = ${window}, called_at = ${q(timeOf(pick?.day ?? day))}
                 WHERE id = ${id} AND status = 'waiting'`;
            break;
          case 4:
          case 5:
            sql = `UPDATE tickets SET status = 'completed', ended_at = ${q(timeOf(pick?.day ?? day))} WHERE id = ${id} AND status = 'called'`;
            break;
          case 6:
            sql = `UPDATE tickets SET status = 'no_show', ended_at = ${q(timeOf(pick?.day ?? day))} WHERE id = ${id} AND status = 'called'`;
            break;
          case 7: // 转业务
            sql = `UPDATE tickets SET queue_line_id = ${q(random(4) === 0 ? null : line)}, status = 'waiting', window_id = NULL WHERE id = ${id} AND status IN ('called', 'waiting')`;
            break;
          case 8: // 转窗, 放在最前
            sql = `UPDATE tickets SET target_window_id = ${window}, sort_key = ${random(2) === 0 ? 'NULL' : -random(100)}, status = 'waiting', window_id = NULL WHERE id = ${id} AND status = 'called'`;
            break;
          case 9: // 挂起, and now and then without a window (refused on both)
            sql = `UPDATE tickets SET status = 'parked', window_id = ${random(8) === 0 ? 'NULL' : 'window_id'} WHERE id = ${id} AND status = 'called'`;
            break;
          case 10: // back from 挂起 / 过号 to waiting, or a served ticket's window corrected
            sql =
              random(3) === 0
                ? `UPDATE tickets SET window_id = ${window} WHERE id = ${id} AND status = 'completed'`
                : `UPDATE tickets SET status = 'waiting', window_id = NULL WHERE id = ${id} AND status IN ('parked', 'no_show')`;
            break;
          case 11: // rarely: a day or issued line changed, a waiting ticket deleted, a status the CHECK refuses
            sql = [
              `UPDATE tickets SET day = ${q(day)} WHERE id = ${id}`,
              `UPDATE tickets SET line_id = ${q(line)} WHERE id = ${id}`,
              `DELETE FROM tickets WHERE id = ${id} AND status = 'waiting'`,
              `UPDATE tickets SET status = 'lost' WHERE id = ${id}`,
            ][random(4)]!;
            break;
          case 12: // sign-in / sign-out at a window
            sql =
              random(3) === 0
                ? `DELETE FROM window_clerks WHERE window_id = ${window}`
                : `INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (${window}, ${1 + random(3)}, 'c1', 'a')
                 ON CONFLICT (window_id) DO UPDATE SET staff_id = excluded.staff_id`;
            break;
          case 13: {
            // a case for a ticket of the window (report_services_on_case)
            const number = pick && random(5) > 0 ? pick.number : null;
            const called = pick ? timeOf(pick.day) : null;
            sql = `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
                   applicant_masked, decision, status, decided_at, missing_json, seq)
                 VALUES ('K${++caseNo}', 'c1', ${pick?.window_id ?? window}, ${q(ITEMS[random(5)]!)}, '事项', 'instant', ${q(`10${random(10)}`)},
                   ${q(number)}, ${q(random(3) === 0 ? null : called)}, '{}', 'accept', 'accepted', ${q(timeOf(pick?.day ?? day))}, '[]', ${caseNo})`;
            break;
          }
          case 14: {
            // a rating (report_ratings_on_rating), for a ticket, a walk-in number or none
            const number =
              pick && random(4) > 0 ? pick.number : random(2) === 0 ? `W0${window}-00${random(3)}` : null;
            const level = random(4) === 0 ? null : 1 + random(5);
            sql = `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome, channel,
                   device_address, opened_at, at, seq)
                 VALUES ('R${++ratingNo}', 'c1', ${ratingNo}, NULL, ${q(ITEMS[random(6)]!)}, ${pick?.window_id ?? window}, '1001', ${q(number)},
                   ${q(level)}, ${q(level === null ? 'not_rated' : 'rated')}, 'touch', NULL, ${q(timeOf(pick?.day ?? day))}, 'a', ${ratingNo})`;
            break;
          }
          default: {
            // a walk-in issued at a window, or an item's line changed in the config stream
            const seq = random(3);
            sql =
              random(2) === 0
                ? `INSERT INTO walk_ins (window_id, day, seq, number, device_id, line_id, staff_no, issued_at, mutation_seq)
                 VALUES (${window}, ${q(day)}, ${seq + 1}, ${q(`W0${window}-00${seq}`)}, 'c1', ${q(line)}, '1001', 'a', ${step})`
                : `INSERT INTO config_changes (kind, key, value) VALUES ('item', ${q(ITEMS[random(5)]!)}, ${q(`{"lineId":"${line}"}`)})`;
          }
        }
        const [lite, post] = await both(db, client, sql);
        outcomes.push(lite === 'ok' ? 'ok' : 'refused');
        if ((lite === 'ok') !== (post === 'ok')) {
          expect({ step, sql, sqlite: lite, postgres: post }).toEqual({
            step,
            sql,
            sqlite: 'the same',
            postgres: 'the same',
          });
        }
      }
      // The walk reached every kind of outcome.
      expect(outcomes.filter((outcome) => outcome === 'refused').length).toBeGreaterThan(20);

      const compared: Record<string, string> = {
        tickets:
          'day, line_id, seq, number, status, window_id, queue_line_id, target_window_id, sort_key, called_at, ended_at',
        queue_waiting: 'day, line_id, waiting',
        ticket_day_counts: 'day, line_id, window_id, issued, served',
        'report_services AS r JOIN tickets AS t ON t.id = r.ticket_id':
          't.day, t.line_id, t.seq, r.day, r.window_id, r.staff_no, r.line_id, r.item_code, r.wait_s, r.service_s',
        report_ratings: 'rating_id, day, window_id, staff_no, line_id, item_code, level, outcome',
      };
      for (const [table, columns] of Object.entries(compared)) {
        const [lite, post] = await tableRows(db, client, table, columns);
        expect({ table, rows: post }).toEqual({ table, rows: lite });
      }
      // What was compared is not empty or trivial.
      const count = (sql: string) => db.prepare(sql).pluck().get() as number;
      expect(
        // (the seeded walk gives 6: a service needs a call, then an end, then a case on its number)
        count('SELECT COUNT(*) FROM report_services WHERE wait_s IS NOT NULL AND service_s IS NOT NULL'),
      ).toBeGreaterThan(3);
      expect(count('SELECT COUNT(*) FROM report_services WHERE wait_s IS NULL')).toBeGreaterThan(0);
      expect(
        count("SELECT COUNT(*) FROM report_services WHERE item_code IS NOT NULL AND staff_no <> ''"),
      ).toBeGreaterThan(0);
      expect(count("SELECT COUNT(DISTINCT line_id) FROM report_ratings WHERE line_id <> ''")).toBeGreaterThan(
        2,
      );
      expect(count("SELECT COUNT(*) FROM report_ratings WHERE line_id = ''")).toBeGreaterThan(0);
      expect(count('SELECT COUNT(*) FROM queue_waiting WHERE waiting > 0')).toBeGreaterThan(3);
      expect(
        count('SELECT COUNT(*) FROM ticket_day_counts WHERE window_id > 0 AND served > 0'),
      ).toBeGreaterThan(3);
      // And on PostgreSQL the kept counts equal a recount.
      expect(
        await rows(
          client,
          `SELECT day, line_id, waiting FROM queue_waiting WHERE waiting > 0
         EXCEPT ALL SELECT day, COALESCE(queue_line_id, line_id), COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY 1, 2`,
        ),
      ).toEqual([]);
      expect(
        await rows(
          client,
          `SELECT day, line_id, issued, served FROM ticket_day_counts WHERE window_id = 0 AND (issued > 0 OR served > 0)
         EXCEPT ALL SELECT day, line_id, COUNT(*), COUNT(*) FILTER (WHERE status = 'completed') FROM tickets GROUP BY 1, 2`,
        ),
      ).toEqual([]);
      db.close();
    });

    it('refuses to edit or remove a rating or a 查阅记录, and keeps the row', async () => {
      const client = await postgresAtBaseline();
      await client.query(`${SETUP}
      INSERT INTO ratings (id, device_id, session_id, window_id, staff_no, level, outcome, channel, opened_at, at, seq)
        VALUES ('r1', 'c1', 1, 1, '1001', 5, 'rated', 'touch', '2026-12-07T01:00:00.000Z', '2026-12-07T01:00:01.000Z', 1);
      INSERT INTO case_audit (at, action, case_no, staff_no, staff_name, device_id, device_name, window_id)
        VALUES ('2026-12-07T01:00:00.000Z', 'open_case', 'C1', '1001', '张三', 'c1', '1号窗', 1);`);
      const refusals: [string, RegExp][] = [
        ["UPDATE ratings SET level = 1 WHERE id = 'r1'", /ratings are never edited/],
        ["DELETE FROM ratings WHERE id = 'r1'", /ratings are never deleted/],
        ['TRUNCATE ratings CASCADE', /ratings are never deleted/],
        ["UPDATE case_audit SET staff_no = '1002'", /查阅记录不可修改/],
        ['DELETE FROM case_audit', /查阅记录不可删除/],
        ['TRUNCATE case_audit', /查阅记录不可删除/],
      ];
      for (const [sql, message] of refusals) {
        const error = await client.query(sql).then(
          () => null,
          (caught: { message: string; code: string }) => caught,
        );
        expect({ sql, message: error?.message }).toEqual({ sql, message: expect.stringMatching(message) });
        // A constraint violation, as SQLite's RAISE(ABORT) is (server/storage/hall-database.ts isConstraintViolation).
        expect(error?.code).toBe('23000');
      }
      expect(await rows(client, 'SELECT id, level FROM ratings')).toEqual([['r1', 5]]);
      expect(await rows(client, 'SELECT rating_id, level FROM report_ratings')).toEqual([['r1', 5]]);
      expect(await rows(client, 'SELECT case_no, staff_no FROM case_audit')).toEqual([['C1', '1001']]);
    });

    it('reads follow_ups.rowid as the server does, and takes explicit ids in the id tables', async () => {
      const client = await postgresAtBaseline();
      await client.query(`${SETUP}
      INSERT INTO ratings (id, device_id, session_id, window_id, staff_no, level, outcome, channel, opened_at, at, seq)
        VALUES ('r1', 'c1', 1, 1, '1001', 1, 'rated', 'touch', '2026-12-07T01:00:00.000Z', 'b', 1);
      INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES
        ('c1', 7, 'r1', '2026-12-09', 'verifying', 'a'), ('c2', 3, 'r1', '2026-12-09', 'verifying', 'a');
      INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES
        ('c1', 7, 'verifying', 'fixing', '第一步', '1001', 'a'), ('c1', 7, 'fixing', 'called_back', '第二步', '1001', 'a');`);
      // The server's own statements (server/follow-ups.ts), placeholders aside.
      expect(
        await rows(
          client,
          'SELECT f.rowid AS id, f.device_id, f.local_id FROM follow_ups AS f ORDER BY f.due_date, f.rowid',
        ),
      ).toEqual([
        [1, 'c1', 7],
        [2, 'c2', 3],
      ]);
      expect(
        await rows(
          client,
          'SELECT to_state, note FROM follow_up_steps WHERE device_id = $1 AND local_id = $2 ORDER BY rowid',
          ['c1', 7],
        ),
      ).toEqual([
        ['fixing', '第一步'],
        ['called_back', '第二步'],
      ]);
      // rowid is the database's: a row cannot bring its own.
      await expect(
        client.query(
          "INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at, rowid) VALUES ('c1', 8, 'r1', 'd', 'fixing', 'o', 99)",
        ),
      ).rejects.toThrow(/rowid/);
      // An id table takes an explicit id (GENERATED BY DEFAULT), and numbers on from its own counter.
      await client.query(
        "INSERT INTO hall_log (version, at, action, device_id) VALUES (41, 'a', 'issue', 'k')",
      );
      expect(
        await rows(
          client,
          "INSERT INTO hall_log (at, action, device_id) VALUES ('a', 'issue', 'k') RETURNING version",
        ),
      ).toEqual([[1]]);
      expect(
        await rows(
          client,
          "INSERT INTO config_changes (kind, key, value) VALUES ('line', 'A', '{}') RETURNING version",
        ),
      ).toEqual([[6]]);
    });
  },
);
