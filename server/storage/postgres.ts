// The hall's database on PostgreSQL, with better-sqlite3's synchronous calls.
//
// Why synchronous: the hall's domain code (call-next, transfer, sync pushes…)
// is written as synchronous transactions; on SQLite that is what makes them
// atomic inside the process. Keeping the same shape on PostgreSQL keeps every
// one of those transactions as it is — no request of this process interleaves
// with another's transaction — while atomicity across processes comes from
// PostgreSQL's transactions and the hall's write lock, and the hall scales out by
// processes (`--workers N`); the hall's write transactions take turns through
// one lock (see transaction() below). The price: the process waits for each statement's
// round trip (≈0.1 ms on a local socket), so one process serves fewer
// requests a second than it would with an asynchronous driver.
//
// How: a `pg` Client lives on a worker thread. The main thread posts each
// statement to it and blocks in Atomics.wait until the worker has posted the
// answer back, then takes it with receiveMessageOnPort. The worker's code is a
// string (as server/checkpoints.ts does) so that it runs the same from the
// sources and from the server bundle.
//
// SQL: the same text as on SQLite, with only the placeholders translated
// (`?` and better-sqlite3's @name/:name/$name → $1…$n). Everything else is SQL
// both engines accept, or a fragment from server/storage/dialect.ts.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { HallDatabaseUnavailable, POSTGRES_DIALECT, type HallDatabase } from './hall-database.ts';
import { rewritePlaceholders } from '../../common/sql-placeholders.ts';

/**
 * After the database did not answer (refused, or no answer within the wait),
 * statements fail at once for this long: a process blocked for each one in
 * turn would answer nothing meanwhile, and many halls on one connection would
 * each wait again.
 */
const FAIL_FAST_MS = 1000;

/** The first key of the hall's write lock, pg_advisory_xact_lock(HALL_WRITE_LOCK, hashtext(schema)): 'HD'. */
const HALL_WRITE_LOCK = 0x4844;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.driver);
// Numbers as the SQLite driver gives them: int8 and numeric as JS numbers
// (ids, times in ms and sums stay below 2^53), booleans as 1/0.
pg.types.setTypeParser(20, (text) => Number(text));
pg.types.setTypeParser(1700, (text) => Number(text));
pg.types.setTypeParser(16, (text) => (text === 't' ? 1 : 0));
const { port, flag, url, connectTimeoutMs, statementTimeoutMs, applicationName } = workerData;
let client = null;
let broken = null;
/** The search_path of the connection: null = its default; undefined = not known (set it again). */
let schema = null;

function answer(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function errorOf(error, unavailable) {
  return {
    message: String((error && error.message) || error),
    code: error && typeof error.code === 'string' ? error.code : undefined,
    detail: error && error.detail, constraint: error && error.constraint,
    unavailable,
  };
}

async function connect() {
  const next = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    lock_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 3,
    application_name: applicationName,
    // Statements are sent without waiting for the one before (see "opening" below).
    pipeline: true,
  });
  next.on('error', (error) => { broken = error; });
  await next.connect();
  client = next;
  broken = null;
  schema = null;
}

// A connection that failed is never reused: the next statement connects
// again, so a database that comes back is used again without a restart.
async function ready() {
  if (client && !broken) return client;
  if (client) { const old = client; client = null; old.end().catch(() => {}); }
  await connect();
  return client;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

// One request at a time, in the order sent: the main thread waits for each, but
// after it has given up on one (too slow) the next may come while that one
// still runs — it must not overtake it, nor read the search_path it is setting.
let turn = Promise.resolve();
port.on('message', (request) => {
  turn = turn.then(() => handle(request)).catch((error) => answer({ seq: request.seq, error: errorOf(error, false) }));
});

async function handle(request) {
  if (request.op === 'close') {
    if (client) await client.end().catch(() => {});
    client = null;
    answer({ seq: request.seq, closed: true });
    return;
  }
  let connection;
  try {
    connection = await ready();
  } catch (error) {
    answer({ seq: request.seq, error: errorOf(error, true) });
    return;
  }
  try {
    // The statement's hall: its schema first on the path (pg_catalog stays implicit;
    // pg_temp last, so that a temporary table of one hall is never another's).
    if ((request.schema || null) !== schema) {
      await connection.query(request.schema ? 'SET search_path TO ' + pg.escapeIdentifier(request.schema) + ', pg_temp' : 'RESET search_path');
      schema = request.schema || null;
    }
    // A rolled-back transaction undoes a SET made inside it: set it again next time.
    if (/^ROLLBACK/i.test(request.text.trim())) schema = undefined;
    // Without values and name, pg uses the simple protocol: several statements allowed.
    const statement = { name: request.name, text: request.text, values: request.values, rowMode: 'array' };
    let result;
    if (request.opening) {
      // A transaction's opening (BEGIN + the write lock, SAVEPOINT) and its first
      // statement, written together: PostgreSQL runs them in order, one round trip.
      // If the opening fails (the lock's timeout), the statement fails after it
      // ("current transaction is aborted"): the opening's error is the one to tell.
      const [opened, ran] = await Promise.allSettled([connection.query(request.opening), connection.query(statement)]);
      if (opened.status === 'rejected') throw opened.reason;
      if (ran.status === 'rejected') throw ran.reason;
      result = ran.value;
    } else {
      result = await connection.query(statement);
    }
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    answer({
      seq: request.seq,
      rows: last && last.rows ? last.rows : [],
      fields: last && last.fields ? last.fields.map((field) => field.name) : [],
      rowCount: last && typeof last.rowCount === 'number' ? last.rowCount : 0,
    });
  } catch (error) {
    const lost = broken !== null || CONNECTION_CODES.has(error && error.code) || /Connection terminated|not queryable/i.test(String(error && error.message));
    if (lost) broken = broken || error;
    answer({ seq: request.seq, error: errorOf(error, lost) });
  }
}
answer({ seq: 0, started: true });
`;

/** What the worker sends back for one statement. */
interface WorkerAnswer {
  seq: number;
  rows?: unknown[][];
  fields?: string[];
  rowCount?: number;
  error?: { message: string; code?: string; detail?: string; constraint?: string; unavailable: boolean };
}

export interface PostgresOptions {
  /** How long to wait for a connection (start-up, and again after the database was lost). */
  connectTimeoutMs?: number;
  /** statement_timeout and lock_timeout of the connection; the main thread gives up a little later. */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

// ---- placeholders --------------------------------------------------------------

export interface TranslatedSql {
  text: string;
  /** Positional: how many `?`; named: the names in $-order. */
  positional: number;
  names: string[];
  /** Aliases written in mixed case (`AS lineId`), which PostgreSQL folds to lower case: lower → as written. */
  aliases: Map<string, string>;
}

/**
 * Translates SQLite placeholders to PostgreSQL's `$n`, leaving string
 * literals, quoted identifiers and comments alone. `?` are numbered in order;
 * @name, :name and $name (not `::` casts) get one number per distinct name.
 * Mixing both kinds in one statement is refused, as better-sqlite3 does.
 */
export function translatePlaceholders(sql: string): TranslatedSql {
  let positional = 0;
  const names: string[] = [];
  const text = rewritePlaceholders(sql, (placeholder) => {
    if (placeholder.kind === 'positional') return `$${++positional}`;
    let number = names.indexOf(placeholder.name) + 1;
    if (number === 0) number = names.push(placeholder.name);
    return `$${number}`;
  });
  if (positional > 0 && names.length > 0) {
    throw new TypeError(`SQL mixes ? and named parameters: ${sql.slice(0, 120)}`);
  }
  const aliases = new Map<string, string>();
  for (const match of sql.matchAll(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)/gi)) {
    const alias = match[1]!;
    if (alias !== alias.toLowerCase()) aliases.set(alias.toLowerCase(), alias);
  }
  return { text, positional, names, aliases };
}

type Value = string | number | Buffer | null;

function bindValue(value: unknown): Value {
  if (value === null || typeof value === 'string' || typeof value === 'number' || Buffer.isBuffer(value)) return value as Value;
  if (typeof value === 'bigint') return value.toString();
  // better-sqlite3 refuses these too; the same mistake fails the same way on both engines.
  throw new TypeError(`SQLite3 can only bind numbers, strings, bigints, buffers, and null (got ${typeof value})`);
}

function bindParameters(translated: TranslatedSql, args: unknown[]): Value[] {
  if (translated.names.length > 0) {
    const named = args[0];
    if (args.length !== 1 || named === null || typeof named !== 'object' || Array.isArray(named)) {
      throw new TypeError('This statement takes named parameters: pass one object');
    }
    return translated.names.map((name) => {
      if (!(name in named)) throw new RangeError(`Missing named parameter "${name}"`);
      return bindValue((named as Record<string, unknown>)[name]);
    });
  }
  const flat = args.flatMap((arg) => (Array.isArray(arg) ? arg : [arg]));
  if (flat.length !== translated.positional) {
    throw new RangeError(`Too ${flat.length < translated.positional ? 'few' : 'many'} parameter values were provided`);
  }
  return flat.map(bindValue);
}

// ---- the handle ----------------------------------------------------------------

class PostgresStatement {
  #pluck = false;
  #raw = false;
  readonly #db: PostgresHallDatabase;
  readonly #translated: TranslatedSql;
  readonly #name: string;
  readonly source: string;

  constructor(db: PostgresHallDatabase, source: string, translated: TranslatedSql, name: string) {
    this.#db = db;
    this.source = source;
    this.#translated = translated;
    this.#name = name;
  }

  pluck(toggle = true): this {
    this.#pluck = toggle;
    if (toggle) this.#raw = false;
    return this;
  }

  raw(toggle = true): this {
    this.#raw = toggle;
    if (toggle) this.#pluck = false;
    return this;
  }

  run(...args: unknown[]): Database.RunResult {
    const answer = this.#db.query(this.#translated.text, bindParameters(this.#translated, args), this.#name);
    const changes = answer.rowCount ?? 0;
    // PostgreSQL has no rowid to give: a caller that reads one is told, rather than handed a wrong 0.
    return {
      changes,
      get lastInsertRowid(): number {
        throw new Error('lastInsertRowid is SQLite’s: on PostgreSQL read the new id with INSERT … RETURNING id');
      },
    };
  }

  get(...args: unknown[]): unknown {
    return this.shape(this.#db.query(this.#translated.text, bindParameters(this.#translated, args), this.#name))[0];
  }

  all(...args: unknown[]): unknown[] {
    return this.shape(this.#db.query(this.#translated.text, bindParameters(this.#translated, args), this.#name));
  }

  iterate(...args: unknown[]): IterableIterator<unknown> {
    return this.all(...args)[Symbol.iterator]();
  }

  private shape(answer: WorkerAnswer): unknown[] {
    const rows = answer.rows ?? [];
    if (this.#pluck) return rows.map((row) => row[0]);
    if (this.#raw) return rows;
    const fields = (answer.fields ?? []).map((field) => this.#translated.aliases.get(field) ?? field);
    return rows.map((row) => {
      const record: Record<string, unknown> = {};
      fields.forEach((field, index) => (record[field] = row[index]));
      return record;
    });
  }
}

/**
 * One PostgreSQL connection on its worker thread, and the blocking round trip
 * to it. Several handles may share it (one per hall, each in its own schema):
 * the worker sets the search_path a statement needs before running it.
 */
export class PostgresLink {
  readonly name: string;
  #open = true;
  #seq = 0;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #port: MessagePort;
  readonly #worker: Worker;
  readonly #waitMs: number;
  /** Until when statements fail at once: the database was out of reach a moment ago. */
  #downUntil = 0;
  /** Statement text → its translation and its prepared name on this connection. */
  readonly statements = new Map<string, { translated: TranslatedSql; name: string }>();
  /** Transactions' openings not sent yet, outermost first (see hold()). */
  readonly #held: { schema: string | null; text: string }[] = [];

  constructor(url: string, options: PostgresOptions = {}) {
    const { connectTimeoutMs = 5000, statementTimeoutMs = 10_000, applicationName = 'halldesk-hall-server' } = options;
    this.name = maskUrl(url);
    this.#waitMs = Math.max(connectTimeoutMs, statementTimeoutMs) + 2000;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const driver = createRequire(import.meta.url).resolve('pg');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag: this.#flag, url, driver, connectTimeoutMs, statementTimeoutMs, applicationName },
      transferList: [port2],
    });
    // The worker must not keep the process alive once the server has closed.
    this.#worker.unref();
    this.#port.unref();
    this.#await(0);
  }

  get open(): boolean {
    return this.#open;
  }

  /** One statement in `schema` (null: the connection's default), waited for. Throws the database's error (its SQLSTATE as `code`). */
  query(schema: string | null, text: string, values?: Value[], name?: string): WorkerAnswer {
    if (!this.#open) throw new TypeError('The database connection is not open');
    if (Date.now() < this.#downUntil) {
      // Just out of reach: fail at once rather than block the process again (every hall on it, every timer).
      throw new HallDatabaseUnavailable(`大厅数据库 ${this.name} 刚才无法访问，稍后再试 (the hall database was out of reach a moment ago)`);
    }
    try {
      return this.#send({ op: 'query', schema, text, values, name, opening: this.#takeHeld(schema) });
    } catch (error) {
      if (error instanceof HallDatabaseUnavailable) this.#downUntil = Date.now() + FAIL_FAST_MS;
      throw error;
    }
  }

  /**
   * A transaction's opening statement (BEGIN + the write lock, or SAVEPOINT),
   * held to go with the next statement on this connection in one round trip:
   * a write transaction is a dozen or two round trips with the hall's write
   * lock held, and this is one fewer. Nothing runs between the two, so the
   * transaction means what it did. drop() forgets it if no statement came.
   */
  hold(schema: string | null, text: string): object {
    const opening = { schema, text };
    this.#held.push(opening);
    return opening;
  }

  /** Forgets `opening` if it was never sent (its transaction ran no statement: nothing to commit or roll back); true if so. */
  drop(opening: object): boolean {
    if (this.#held.at(-1) !== opening) return false;
    this.#held.pop();
    return true;
  }

  /** The held openings, to go before a statement in `schema`; held for another schema, they go on their own first (the lock's key is their schema's). */
  #takeHeld(schema: string | null): string | undefined {
    const held = this.#held.splice(0);
    if (held.every((opening) => opening.schema === schema)) return held.map((opening) => opening.text).join('; ') || undefined;
    for (const opening of held) this.#send({ op: 'query', schema: opening.schema, text: opening.text });
    return undefined;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      this.#send({ op: 'close' });
    } catch {
      // Closing a connection that is already gone.
    }
    void this.#worker.terminate();
    this.#port.close();
  }

  #send(request: Record<string, unknown>): WorkerAnswer {
    this.#seq += 1;
    this.#port.postMessage({ ...request, seq: this.#seq });
    return this.#await(this.#seq);
  }

  // The worker posts its answer, then sets the flag and wakes this thread. The
  // port is read before each wait, so an answer posted between a read and the
  // flag's reset is never missed; a stale flag costs one more turn.
  #await(seq: number): WorkerAnswer {
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const received = receiveMessageOnPort(this.#port)?.message as WorkerAnswer | undefined;
      if (received) {
        // An answer to a statement given up on earlier is dropped.
        if (received.seq !== seq) continue;
        if (received.error) throw errorFrom(received.error, this.name);
        return received;
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#flag, 0, 0, left) === 'timed-out') {
        throw new HallDatabaseUnavailable(
          `大厅数据库 ${this.name} 在 ${this.#waitMs} ms 内没有应答 (the hall database did not answer in time)`,
        );
      }
      Atomics.store(this.#flag, 0, 0);
    }
  }
}

/** The handle: better-sqlite3's calls the hall uses, over a PostgreSQL connection, in one schema. */
export class PostgresHallDatabase {
  readonly [POSTGRES_DIALECT] = true;
  readonly memory = false;
  readonly readonly = false;
  readonly name: string;
  /** The hall's schema (null: the connection's default, public). */
  readonly schema: string | null;
  #open = true;
  #depth = 0;
  readonly #link: PostgresLink;
  readonly #ownsLink: boolean;

  constructor(link: PostgresLink, schema: string | null, ownsLink: boolean) {
    this.#link = link;
    this.schema = schema;
    this.#ownsLink = ownsLink;
    this.name = schema === null ? link.name : `${link.name} (${schema})`;
  }

  get open(): boolean {
    return this.#open && this.#link.open;
  }

  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  prepare(source: string): PostgresStatement {
    let known = this.#link.statements.get(source);
    if (!known) {
      known = { translated: translatePlaceholders(source), name: `hd${this.#link.statements.size + 1}` };
      this.#link.statements.set(source, known);
    }
    return new PostgresStatement(this, source, known.translated, known.name);
  }

  /** Several statements, no parameters (the simple query protocol). */
  exec(source: string): this {
    this.query(source);
    return this;
  }

  /**
   * better-sqlite3's transaction(): a function that runs `fn` in BEGIN … COMMIT
   * (a SAVEPOINT when already inside one) and rolls back if it throws, with
   * SQLite's meaning kept for each kind:
   *
   * - .immediate / .exclusive — the hall's writes. SQLite's BEGIN IMMEDIATE
   *   takes the file's write lock: writers take turns, and inside one a
   *   read-then-write (the head of the queue → claim it; MAX(seq) + 1 → the
   *   next number; the kept Idempotency-Key reply → else act) sees no other
   *   writer between its read and its write. Here the BEGIN takes the hall's
   *   write lock (pg_advisory_xact_lock on the schema, held to COMMIT or
   *   ROLLBACK) in the round trip of the transaction's first statement, under
   *   READ COMMITTED: every statement after it sees what the previous holder
   *   committed, in any process.
   *   Why one lock rather than row locks (SELECT … FOR UPDATE SKIP LOCKED):
   *   the cursor feeds (hall_log, config_changes, case_changes, read "id >
   *   cursor") need ids committed in the order they are taken, or a reader at
   *   101 skips a 100 that commits later; the kept counts (queue_waiting,
   *   ticket_day_counts) are rows every call of a line updates anyway, in
   *   orders that could deadlock (转业务 moves a ticket between two lines);
   *   SKIP LOCKED would let a window pass over heads another merely looked at.
   *   One lock, always first: no deadlock, no retry loop, the code the SQLite
   *   tests prove. The price: writes take turns across processes, as on
   *   SQLite; what scales with processes is HTTP, JSON, auth, reads, streams.
   * - .deferred / default — reads that must belong together (counts and their
   *   version): SQLite reads them in one snapshot; here REPEATABLE READ does.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R) {
    const make = (begin: string) => (...args: A): R => {
      const depth = this.#depth;
      const savepoint = `hd_savepoint_${depth}`;
      // Sent with the transaction's first statement (PostgresLink.hold). Should
      // it fail (the write lock not had within lock_timeout), that statement
      // throws its error, and the transaction rolls back as for any other.
      const opening = this.#link.hold(this.schema, depth === 0 ? begin : `SAVEPOINT ${savepoint}`);
      this.#depth = depth + 1;
      try {
        const result = fn(...args);
        if (result instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
        this.#depth = depth;
        if (!this.#link.drop(opening)) this.query(depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        this.#depth = depth;
        if (!this.#link.drop(opening)) {
          try {
            this.query(depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
          } catch {
            // The connection is gone: PostgreSQL has rolled the transaction back itself.
          }
        }
        throw error;
      }
    };
    const read = make('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const write = make(`BEGIN; SELECT pg_advisory_xact_lock(${HALL_WRITE_LOCK}, hashtext(current_schema()))`);
    return Object.assign(read, { deferred: read, immediate: write, exclusive: write, default: read });
  }

  /**
   * Only `user_version` (read, or `user_version = N`), kept in the one-row
   * table hall_schema_version: the migration runner's question on both engines.
   */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const set = /^\s*user_version\s*=\s*(\d+)\s*$/i.exec(source);
    if (set) {
      this.ensureVersionTable();
      this.query('UPDATE hall_schema_version SET version = $1', [Number(set[1])]);
      return [];
    }
    if (/^\s*user_version\s*$/i.test(source)) {
      // Read inside the migration's transaction, it also waits for any other
      // process migrating the same hall (several workers start at once).
      if (this.inTransaction) this.query("SELECT pg_advisory_xact_lock(hashtext('halldesk-migrate:' || current_schema()))");
      this.ensureVersionTable();
      const version = this.query('SELECT version FROM hall_schema_version').rows?.[0]?.[0] as number;
      return options.simple ? version : [{ user_version: version }];
    }
    throw new Error(`PRAGMA ${source} 是 SQLite 的设置，PostgreSQL 上没有 (PRAGMA ${source} is SQLite's, not PostgreSQL's)`);
  }

  close(): this {
    if (!this.#open) return this;
    this.#open = false;
    if (this.#ownsLink) this.#link.close();
    return this;
  }

  private ensureVersionTable(): void {
    this.query(
      `CREATE TABLE IF NOT EXISTS hall_schema_version (version integer NOT NULL);
       INSERT INTO hall_schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM hall_schema_version)`,
    );
  }

  /** One statement in this hall's schema, waited for. */
  query(text: string, values?: Value[], name?: string): WorkerAnswer {
    if (!this.#open) throw new TypeError('The database connection is not open');
    return this.#link.query(this.schema, text, values, name);
  }
}

function errorFrom(error: NonNullable<WorkerAnswer['error']>, name: string): Error {
  if (error.unavailable) {
    return new HallDatabaseUnavailable(`无法连接大厅数据库 ${name}：${error.message} (cannot reach the hall database)`, {
      cause: error,
    });
  }
  return Object.assign(new Error(error.message), { code: error.code, detail: error.detail, constraint: error.constraint });
}

/** The URL with its password replaced, for messages and logs. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://（地址无法解析）';
  }
}

/**
 * Checks a HALL_DATABASE_URL: one that does not parse, or names no database,
 * is refused with a message naming the setting, in Chinese and English.
 */
function checkPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `HALL_DATABASE_URL 不是有效的 PostgreSQL 地址，应形如 postgres://用户@主机:端口/数据库 ` +
        `(HALL_DATABASE_URL is not a valid PostgreSQL URL; expected postgres://user@host:port/database)`,
    );
  }
  if (!/^postgres(ql)?:$/i.test(parsed.protocol) || parsed.pathname.replace(/^\//, '') === '') {
    throw new Error(
      `HALL_DATABASE_URL 应形如 postgres://用户@主机:端口/数据库，并写明数据库名：${maskUrl(url)} ` +
        `(HALL_DATABASE_URL must be postgres://user@host:port/database, with the database named)`,
    );
  }
}

function unreachable(url: string, error: unknown): Error {
  const reason = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
  return new Error(
    `无法连接 HALL_DATABASE_URL 指定的 PostgreSQL 数据库 ${maskUrl(url)}：${reason}。请检查地址、端口、用户和数据库是否存在，以及 PostgreSQL 是否已启动。` +
      ` (Cannot connect to the PostgreSQL database in HALL_DATABASE_URL, ${maskUrl(url)}: ${reason}. Check the host, port, user and database name, and that PostgreSQL is running.)`,
    { cause: error },
  );
}

/**
 * One connection to HALL_DATABASE_URL for several halls' handles (one
 * process serving many halls): refused as openPostgresHallDatabase refuses.
 */
export function openPostgresLink(url: string, options: PostgresOptions = {}): PostgresLink {
  checkPostgresUrl(url);
  try {
    return new PostgresLink(url, options);
  } catch (error) {
    throw unreachable(url, error);
  }
}

/**
 * Opens the hall's PostgreSQL database named by HALL_DATABASE_URL (in its
 * schema, when one is given). A URL that does not parse, or a database that
 * cannot be reached, is refused with a message naming the setting, in Chinese
 * and English.
 */
export function openPostgresHallDatabase(url: string, options: PostgresOptions & HallSchemaOptions = {}): HallDatabase {
  const { schema = null, link: shared, mustExist = false, ...connection } = options;
  if (schema !== null && !HALL_SCHEMA.test(schema)) {
    throw new Error(`大厅代码 ${schema} 不能用作数据库模式名：只能是小写字母、数字和下划线，以字母开头，最长 40 个字符`);
  }
  checkPostgresUrl(url);
  let link: PostgresLink | undefined = shared;
  let db: PostgresHallDatabase;
  try {
    link ??= new PostgresLink(url, connection);
    db = new PostgresHallDatabase(link, schema, !shared);
    db.query('SELECT 1');
  } catch (error) {
    if (!shared) link?.close();
    throw unreachable(url, error);
  }
  try {
    if (schema !== null) placeSchema(db, schema, mustExist, url);
  } catch (error) {
    db.close();
    throw error;
  }
  return db as unknown as HallDatabase;
}

/**
 * The hall's schema, made when missing (unless it must exist). Looked for
 * first: CREATE SCHEMA IF NOT EXISTS needs the right to create in the database
 * even when the schema is there (a hall's role may own its schema only), and
 * two processes making it at once may see a duplicate (23505 or 42P06): taken
 * as made.
 */
function placeSchema(db: PostgresHallDatabase, schema: string, mustExist: boolean, url: string): void {
  if ((db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]).rows ?? []).length > 0) return;
  if (mustExist) throw new Error(`数据库 ${maskUrl(url)} 中没有大厅 ${schema}：请检查大厅代码，或先用 --halls 启动一次大厅服务器`);
  try {
    db.query(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

/** Schema names a hall may have: they are written into SQL (quoted), so only these characters. */
const HALL_SCHEMA = /^[a-z][a-z0-9_]{0,39}$/;

export interface HallSchemaOptions {
  /** The hall's schema in the database (several halls on one database); default: the connection's own (public). */
  schema?: string | null;
  /** A connection shared with other halls' handles (closing a handle leaves it open). */
  link?: PostgresLink;
  /** The schema must be there already (the commands: a mistyped hall code must not make an empty hall). */
  mustExist?: boolean;
}
