// The hall's database on PostgreSQL, with better-sqlite3's synchronous calls.
//
// Why synchronous: the hall's domain code (call-next, transfer, sync pushes…)
// is written as synchronous transactions; on SQLite that is what makes them
// atomic inside the process. Keeping the same shape on PostgreSQL keeps every
// one of those transactions as it is — no request of this process interleaves
// with another's transaction — while atomicity across processes comes from
// PostgreSQL's transactions and the hall's write lock, and the hall scales out by
// processes (`--workers N`); the hall's write transactions take turns through
// one lock (see transaction() below). The price: the process waits for each
// statement's round trip, so one process serves fewer requests a second than
// it would with an asynchronous driver.
//
// How: libpq, PostgreSQL's own client library (the `libpq` package, a native
// addon), called synchronously on the main thread: a statement is written to
// the socket and its answer read back in the same call, ≈ 50 µs on a local
// connection. (Until 2026-12-08 a `pg` Client on a worker thread did it, the
// main thread blocked in Atomics.wait: each statement then crossed two threads
// and cost 3–7× the CPU — docs/performance.md.)
//
// What bounds a wait: statement_timeout and lock_timeout on the connection (a
// slow statement, a write lock not had), connect_timeout (a start), and TCP's
// keepalives and tcp_user_timeout (a host or network gone: the kernel gives up
// on unacknowledged data). A backend frozen while its host still answers TCP
// (SIGSTOP, in a test) holds the process until it runs again: nothing in one
// thread can give up on a call it is blocked in.
//
// SQL: the same text as on SQLite, with only the placeholders translated
// (`?` and better-sqlite3's @name/:name/$name → $1…$n). Everything else is SQL
// both engines accept, or a fragment from server/storage/dialect.ts.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { HallDatabaseUnavailable, POSTGRES_DIALECT, type HallDatabase } from './hall-database.ts';
import { rewritePlaceholders } from '../../common/sql-placeholders.ts';

/**
 * After the database did not answer (refused, or the connection lost), statements
 * fail at once for this long: a process blocked for each one in turn would
 * answer nothing meanwhile, and many halls on one connection would each wait again.
 */
const FAIL_FAST_MS = 1000;

/** The first key of the hall's write lock, pg_advisory_xact_lock(HALL_WRITE_LOCK, hashtext(schema)): 'HD'. */
const HALL_WRITE_LOCK = 0x4844;

/** The calls of the `libpq` package's connection that this driver uses. */
interface Libpq {
  connectSync(conninfo: string): void;
  finish(): void;
  exec(text: string): void;
  execParams(text: string, values: (string | null)[]): void;
  prepare(name: string, text: string, parameters: number): void;
  execPrepared(name: string, values: (string | null)[]): void;
  resultStatus(): string;
  resultErrorMessage(): string;
  resultErrorFields(): { sqlState?: string; messagePrimary?: string; messageDetail?: string; constraintName?: string } | undefined;
  errorMessage(): string;
  /** 0 idle, 1 active, 2 in a transaction, 3 in a failed one, 4 unknown (the connection is bad). */
  transactionStatus(): number;
  escapeIdentifier(text: string): string;
  ntuples(): number;
  nfields(): number;
  fname(field: number): string;
  ftype(field: number): number;
  getvalue(row: number, field: number): string;
  getisnull(row: number, field: number): boolean;
  cmdTuples(): string;
  /** The command tag: 'ROLLBACK' for a COMMIT of a transaction that had failed. */
  cmdStatus(): string;
  // Pipeline mode: statements sent without waiting, their results read in order.
  enterPipelineMode(): boolean;
  exitPipelineMode(): boolean;
  pipelineSync(): boolean;
  sendPrepare(name: string, text: string, parameters: number): boolean;
  sendQueryPrepared(name: string, values: (string | null)[]): boolean;
  sendQueryParams(text: string, values: (string | null)[]): boolean;
  /** Takes the next result (false: none left of this statement). */
  getResult(): boolean;
}

/** What one statement gives back: its last result's rows (arrays), column names and row count. */
interface Answer {
  rows: unknown[][];
  fields: string[];
  rowCount: number;
}

/**
 * Text → value as the SQLite driver gives them: integers, numeric and floats as
 * JS numbers (ids, times in ms and sums stay below 2^53), booleans as 1/0, bytea
 * as a Buffer, json as its value; anything else (text, dates) as the text.
 */
const PARSE_BY_TYPE = new Map<number, (text: string) => unknown>([
  [16, (text) => (text === 't' ? 1 : 0)],
  [17, (text) => Buffer.from(text.slice(2), 'hex')],
  [20, Number],
  [21, Number],
  [23, Number],
  [26, Number],
  [700, Number],
  [701, Number],
  [1700, Number],
  [114, (text) => JSON.parse(text)],
  [3802, (text) => JSON.parse(text)],
]);

/** SQLSTATEs and messages that mean the connection is gone, not that the statement was refused. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

export interface PostgresOptions {
  /** How long to wait for a connection (start-up, and again after the database was lost). */
  connectTimeoutMs?: number;
  /** statement_timeout and lock_timeout of the connection, and how long unacknowledged data may wait on a lost network. */
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
  // libpq takes text values as C strings: a NUL would cut the value short, silently. PostgreSQL refuses it in text.
  if (typeof value === 'string' && value.includes('\0')) {
    throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  }
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

  /** run() whose result nobody reads: in a transaction it goes with the transaction's next statement (PostgresLink.later); outside one, now. */
  runLater(...args: unknown[]): void {
    const values = bindParameters(this.#translated, args);
    if (this.#db.inTransaction) this.#db.later(this.#translated.text, values, this.#name);
    else this.#db.query(this.#translated.text, values, this.#name);
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

  private shape(answer: Answer): unknown[] {
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

/** A statement's values as libpq takes them: text, or null. */
function asText(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return `\\x${value.toString('hex')}`;
}

/** The URL with the connection's settings added (connect_timeout in whole seconds, at least 2 as libpq counts). */
function connectionString(url: string, { connectTimeoutMs, statementTimeoutMs, applicationName }: Required<PostgresOptions>): string {
  const parsed = new URL(url);
  const set = (key: string, value: string) => {
    if (!parsed.searchParams.has(key)) parsed.searchParams.set(key, value);
  };
  set('connect_timeout', String(Math.max(2, Math.ceil(connectTimeoutMs / 1000))));
  set('application_name', applicationName);
  // A lost host or network: keepalives find an idle connection dead, tcp_user_timeout one with a statement unanswered.
  set('keepalives', '1');
  set('keepalives_idle', '5');
  set('keepalives_interval', '2');
  set('keepalives_count', '3');
  set('tcp_user_timeout', String(statementTimeoutMs + 2000));
  return parsed.toString();
}

/**
 * One PostgreSQL connection (libpq, on this thread) and its blocking round
 * trips. Several handles may share it (one per hall, each in its own schema):
 * the link sets the search_path a statement needs before running it.
 */
export class PostgresLink {
  readonly name: string;
  #open = true;
  readonly #url: string;
  readonly #options: Required<PostgresOptions>;
  #connection: Libpq | null = null;
  /** The search_path of the connection: null = its default; undefined = not known (set it again). */
  #schema: string | null | undefined = null;
  /** Statements prepared on this connection (by name); a new connection prepares again. */
  readonly #prepared = new Set<string>();
  /** Until when statements fail at once: the database was out of reach a moment ago. */
  #downUntil = 0;
  /** Statement text → its translation and its prepared name on this connection. */
  readonly statements = new Map<string, { translated: TranslatedSql; name: string }>();
  /** Transactions' openings not sent yet, outermost first (see hold()). */
  readonly #held: { statements: Outgoing[] }[] = [];
  /** Writes not sent yet, in order (see later()). */
  readonly #later: Outgoing[] = [];

  constructor(url: string, options: PostgresOptions = {}) {
    const { connectTimeoutMs = 5000, statementTimeoutMs = 10_000, applicationName = 'halldesk-hall-server' } = options;
    this.name = maskUrl(url);
    this.#url = url;
    this.#options = { connectTimeoutMs, statementTimeoutMs, applicationName };
    this.#connect();
  }

  get open(): boolean {
    return this.#open;
  }

  /** One statement in `schema` (null: the connection's default), waited for. Throws the database's error (its SQLSTATE as `code`). */
  query(schema: string | null, text: string, values?: Value[], name?: string): Answer {
    if (!this.#open) throw new TypeError('The database connection is not open');
    if (Date.now() < this.#downUntil) {
      // Just out of reach: fail at once rather than block the process again (every hall on it, every timer).
      // What the failing transaction holds is dropped with it: never sent with a later statement.
      this.#later.length = 0;
      this.#held.length = 0;
      throw new HallDatabaseUnavailable(`大厅数据库 ${this.name} 刚才无法访问，稍后再试 (the hall database was out of reach a moment ago)`);
    }
    const sending = [...this.#later.splice(0), ...this.#held.splice(0).flatMap((opening) => opening.statements)];
    const last: Outgoing = { schema, text, values, name };
    try {
      const connection = this.#connection ?? this.#connect();
      if (sending.length > 0 && [...sending, last].every((statement) => statement.schema === schema && pipelines(statement))) {
        this.#useSchema(connection, schema);
        return this.#pipeline(connection, [...sending, last]);
      }
      // Statements of several halls, or SQL of the caller's without values: one by one.
      for (const statement of sending) {
        try {
          this.#useSchema(connection, statement.schema);
          this.#run(connection, statement.text, statement.values, statement.name);
        } catch (error) {
          if (!(error instanceof HallDatabaseUnavailable)) this.#endFailed(connection, last);
          throw error;
        }
      }
      this.#useSchema(connection, last.schema);
      return this.#run(connection, last.text, last.values, last.name);
    } catch (error) {
      if (error instanceof HallDatabaseUnavailable) this.#downUntil = Date.now() + FAIL_FAST_MS;
      throw error;
    }
  }

  /**
   * A write inside a transaction whose result nobody reads (a log row, a kept
   * reply): sent with the transaction's next statement — at the latest its
   * COMMIT — in one round trip. Its error, should it fail, is thrown by that
   * statement, and the transaction rolls back as for any other.
   */
  later(schema: string | null, text: string, values: Value[], name: string): void {
    // The transaction's held openings go first: a statement has come.
    this.#later.push(...this.#held.splice(0).flatMap((opening) => opening.statements), { schema, text, values, name });
  }

  /**
   * A transaction's opening statements (BEGIN + the write lock, or SAVEPOINT),
   * held to go with the next statement on this connection in one round trip: a
   * write transaction is a dozen round trips with the hall's write lock held,
   * and this is one fewer; a transaction that runs none sends nothing. drop()
   * forgets them if no statement came.
   */
  hold(schema: string | null, statements: string[]): object {
    const opening = { statements: statements.map((text) => ({ schema, text })) };
    this.#held.push(opening);
    return opening;
  }

  /** Forgets `opening` if it was never sent (its transaction ran no statement: nothing to commit or roll back); true if so. */
  drop(opening: object): boolean {
    if (this.#held.at(-1) !== opening) return false;
    this.#held.pop();
    return true;
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#drop();
  }

  #connect(): Libpq {
    const Connection = createRequire(import.meta.url)('libpq') as new () => Libpq;
    const connection = new Connection();
    try {
      connection.connectSync(connectionString(this.#url, this.#options));
    } catch (error) {
      holdUntilClosed(connection);
      throw new HallDatabaseUnavailable(`无法连接大厅数据库 ${this.name}：${(error as Error).message.trim()} (cannot reach the hall database)`, {
        cause: error,
      });
    }
    const { statementTimeoutMs } = this.#options;
    this.#connection = connection;
    this.#schema = null;
    this.#prepared.clear();
    this.#run(
      connection,
      `SET statement_timeout = ${statementTimeoutMs}; SET lock_timeout = ${statementTimeoutMs}; ` +
        `SET idle_in_transaction_session_timeout = ${statementTimeoutMs * 3}; ` +
        // NOTICEs and WARNINGs (CREATE … IF NOT EXISTS that skips; a ROLLBACK after a failed COMMIT had
        // ended the transaction) would go to the process's stderr, unasked.
        `SET client_min_messages = error`,
    );
    return connection;
  }

  /** A connection that failed is never reused: the next statement connects again, so a database that comes back is used again without a restart. */
  #drop(): void {
    const connection = this.#connection;
    this.#connection = null;
    if (!connection) return;
    try {
      connection.finish();
    } catch {
      // Closing a connection that is already gone.
    }
    holdUntilClosed(connection);
  }

  // The statement's hall: its schema first on the path (pg_catalog stays implicit;
  // pg_temp last, so that a temporary table of one hall is never another's).
  #useSchema(connection: Libpq, schema: string | null): void {
    if (schema === this.#schema) return;
    this.#run(connection, schema === null ? 'RESET search_path' : `SET search_path TO ${connection.escapeIdentifier(schema)}, pg_temp`);
    this.#schema = schema;
  }

  // Without values and name: the simple protocol (several statements allowed, the last one's result).
  #run(connection: Libpq, text: string, values?: Value[], name?: string): Answer {
    if (name !== undefined && !this.#prepared.has(name)) {
      connection.prepare(name, text, values?.length ?? 0);
      this.#check(connection);
      this.#prepared.add(name);
    }
    if (name !== undefined) connection.execPrepared(name, (values ?? []).map(asText));
    else if (values !== undefined) connection.execParams(text, values.map(asText));
    else connection.exec(text);
    // A rolled-back transaction undoes a SET made inside it: set it again next time.
    if (/^\s*ROLLBACK/i.test(text)) this.#schema = undefined;
    this.#check(connection);
    checkCommitted(connection, text);
    return this.#answer(connection);
  }

  #check(connection: Libpq): void {
    const error = this.#errorOf(connection);
    if (error) throw error;
  }

  /**
   * Statements sent together (libpq's pipeline mode) and read back in order:
   * one round trip. The last one's answer is returned; the first error is
   * thrown (PostgreSQL skips the rest of the pipeline after it). A pipeline
   * ending its transaction (COMMIT, ROLLBACK) that failed before it ends it
   * alone then, so that the connection is never left in a failed transaction.
   */
  #pipeline(connection: Libpq, statements: Outgoing[]): Answer {
    // What each result answers, in order: a statement's preparing (its name) or the statement.
    const sent: (string | null)[] = [];
    let failed: Error | undefined;
    let answer: Answer | undefined;
    let finished = false;
    try {
      connection.enterPipelineMode();
      for (const { text, values, name } of statements) {
        if (name !== undefined && !this.#prepared.has(name) && !sent.includes(name)) {
          connection.sendPrepare(name, text, values?.length ?? 0);
          sent.push(name);
        }
        if (name !== undefined) connection.sendQueryPrepared(name, (values ?? []).map(asText));
        else connection.sendQueryParams(text, (values ?? []).map(asText));
        sent.push(null);
      }
      connection.pipelineSync();
      for (const [index, preparing] of sent.entries()) {
        if (!connection.getResult()) throw this.#lost(connection);
        const error = this.#errorOf(connection);
        if (error instanceof HallDatabaseUnavailable) throw error;
        failed ??= error;
        // Prepared statements outlive a failed transaction; one skipped after the failure is prepared again when used.
        if (preparing !== null && !error && connection.resultStatus() === 'PGRES_COMMAND_OK') this.#prepared.add(preparing);
        if (index === sent.length - 1 && !failed) {
          checkCommitted(connection, statements.at(-1)!.text);
          answer = this.#answer(connection);
        }
        // Each statement's results end with a null.
        if (connection.getResult()) throw this.#lost(connection);
      }
      if (!connection.getResult() || connection.resultStatus() !== 'PGRES_PIPELINE_SYNC') throw this.#lost(connection);
      connection.exitPipelineMode();
      finished = true;
    } finally {
      // Anything unforeseen mid-pipeline (the connection is still in pipeline mode, results unread): never reused.
      if (!finished && this.#connection === connection) this.#drop();
    }
    if (!failed) {
      if (/^ROLLBACK/i.test(statements.at(-1)!.text)) this.#schema = undefined;
      return answer!;
    }
    this.#endFailed(connection, statements.at(-1)!);
    throw failed;
  }

  /**
   * A statement sent before `last` failed, so `last` did not run. If it was to
   * end the transaction (COMMIT, ROLLBACK, ROLLBACK TO a savepoint) it ends it
   * now — a COMMIT as the ROLLBACK PostgreSQL makes of it — so that the
   * connection is never left in a failed transaction; the failure is thrown.
   */
  #endFailed(connection: Libpq, last: Outgoing): void {
    if (!/^(COMMIT|ROLLBACK)\b/i.test(last.text)) return;
    this.#useSchema(connection, last.schema);
    this.#run(connection, /^COMMIT\b/i.test(last.text) ? 'ROLLBACK' : last.text);
    this.#schema = undefined;
  }

  /** The last result's rows, column names and row count. */
  #answer(connection: Libpq): Answer {
    const rowCount = connection.ntuples();
    const fieldCount = connection.nfields();
    const fields: string[] = [];
    const parsers: ((text: string) => unknown)[] = [];
    for (let field = 0; field < fieldCount; field++) {
      fields.push(connection.fname(field));
      parsers.push(PARSE_BY_TYPE.get(connection.ftype(field)) ?? String);
    }
    const rows: unknown[][] = [];
    for (let row = 0; row < rowCount; row++) {
      const values: unknown[] = [];
      for (let field = 0; field < fieldCount; field++) {
        values.push(connection.getisnull(row, field) ? null : parsers[field]!(connection.getvalue(row, field)));
      }
      rows.push(values);
    }
    return { rows, fields, rowCount: Number(connection.cmdTuples()) || 0 };
  }

  /** The last result's error, if it is one: the database's (its SQLSTATE as `code`), or unavailable when the connection is lost. */
  #errorOf(connection: Libpq): Error | undefined {
    const status = connection.resultStatus();
    if (status === 'PGRES_COMMAND_OK' || status === 'PGRES_TUPLES_OK' || status === 'PGRES_EMPTY_QUERY') return undefined;
    // Skipped after an earlier statement of the pipeline failed: that one's error is the one to tell.
    if (status === 'PGRES_PIPELINE_ABORTED') return undefined;
    const fields = connection.resultErrorFields() ?? {};
    const message = (fields.messagePrimary ?? (connection.resultErrorMessage() || connection.errorMessage())).trim();
    if (connection.transactionStatus() === 4 || CONNECTION_CODES.has(fields.sqlState ?? '')) return this.#lost(connection, message);
    return Object.assign(new Error(message), { code: fields.sqlState, detail: fields.messageDetail, constraint: fields.constraintName });
  }

  /** The connection is gone: dropped (the next statement connects again), and said so. */
  #lost(connection: Libpq, message = connection.errorMessage().trim()): HallDatabaseUnavailable {
    this.#drop();
    return new HallDatabaseUnavailable(`无法连接大厅数据库 ${this.name}：${message} (cannot reach the hall database)`);
  }
}

/**
 * The addon's finish() closes its socket watcher (uv_close, completed by the
 * event loop later) and lets go of the object at once: collected before the
 * loop has run the close, it is memory libuv then reads — a process aborted in
 * uv__finish_close, seen in the tests. So a finished connection is held until
 * the loop has turned.
 */
function holdUntilClosed(connection: Libpq): void {
  setTimeout(() => connection, 100).unref();
}

/**
 * A COMMIT of a transaction that had failed is PostgreSQL's ROLLBACK (command
 * tag ROLLBACK, no error): said as the error it is, never taken as committed.
 */
function checkCommitted(connection: Libpq, text: string): void {
  if (/^\s*COMMIT\b/i.test(text) && connection.cmdStatus() === 'ROLLBACK') {
    throw Object.assign(new Error('COMMIT 未生效：事务中先前的语句已失败，整个事务已回滚 (the transaction had failed and was rolled back)'), {
      code: '25P02',
    });
  }
}

/** A statement to send: with values or a prepared name (the extended protocol), or bare SQL. */
interface Outgoing {
  schema: string | null;
  text: string;
  values?: Value[];
  name?: string;
}

/**
 * Whether a statement can go in a pipeline: one with values or a name (one
 * statement, by the extended protocol), or one of the driver's own
 * transaction statements. Bare SQL of the caller's (exec) may hold several.
 */
function pipelines(statement: Outgoing): boolean {
  return (
    statement.name !== undefined ||
    statement.values !== undefined ||
    /^(BEGIN( ISOLATION LEVEL REPEATABLE READ)?|COMMIT|ROLLBACK|(RELEASE |ROLLBACK TO )?SAVEPOINT hd_savepoint_\d+|SELECT pg_advisory_xact_lock\(\d+, hashtext\(current_schema\(\)\)\))$/.test(
      statement.text,
    )
  );
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
    const make = (begin: string[]) => (...args: A): R => {
      const depth = this.#depth;
      const savepoint = `hd_savepoint_${depth}`;
      // Sent with the transaction's first statement (PostgresLink.hold). Should
      // it fail (the write lock not had within lock_timeout), that statement
      // throws its error, and the transaction rolls back as for any other.
      const opening = this.#link.hold(this.schema, depth === 0 ? begin : [`SAVEPOINT ${savepoint}`]);
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
    const read = make(['BEGIN ISOLATION LEVEL REPEATABLE READ']);
    const write = make(['BEGIN', `SELECT pg_advisory_xact_lock(${HALL_WRITE_LOCK}, hashtext(current_schema()))`]);
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

  /** A write in this hall's schema, sent with the transaction's next statement (PostgresLink.later). */
  later(text: string, values: Value[], name: string): void {
    if (!this.#open) throw new TypeError('The database connection is not open');
    this.#link.later(this.schema, text, values, name);
  }

  /** One statement in this hall's schema, waited for. */
  query(text: string, values?: Value[], name?: string): Answer {
    if (!this.#open) throw new TypeError('The database connection is not open');
    return this.#link.query(this.schema, text, values, name);
  }
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
