// The parameters of a statement's SQL text, found the way SQLite reads them:
// `?`, and @name, :name and $name (not PostgreSQL's `::` casts) — outside
// string literals, quoted identifiers and comments. Every rewrite of SQL text
// goes through here: the hall server's `$n` for PostgreSQL
// (server/storage/postgres.ts), and the fixed plans (below) of both SQLite
// handles, the hall server's and the counter's.

export type Placeholder = { kind: 'positional' } | { kind: 'named'; name: string; prefix: string };

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;

/** `sql` with each parameter replaced by what `replace` returns for it; everything else as written. */
export function rewritePlaceholders(sql: string, replace: (placeholder: Placeholder) => string): string {
  let text = '';
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1];
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, index, char);
      text += sql.slice(index, end);
      index = end;
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', index);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(index, stop);
      index = stop;
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', index + 2);
      const stop = end === -1 ? sql.length : end + 2;
      text += sql.slice(index, stop);
      index = stop;
    } else if (char === '?') {
      text += replace({ kind: 'positional' });
      index += 1;
    } else if (char === ':' && next === ':') {
      text += '::';
      index += 2;
    } else if ((char === '@' || char === ':' || char === '$') && next !== undefined && IDENTIFIER_START.test(next)) {
      let end = index + 1;
      while (end < sql.length && IDENTIFIER_PART.test(sql[end]!)) end += 1;
      text += replace({ kind: 'named', name: sql.slice(index + 1, end), prefix: char });
      index = end;
    } else {
      text += char;
      index += 1;
    }
  }
  return text;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < sql.length) {
    if (sql[index] === quote) {
      if (sql[index + 1] === quote) index += 2;
      else return index + 1;
    } else index += 1;
  }
  return sql.length;
}

/**
 * SQLite's SQL with every parameter behind a unary plus (`+?`, `+@name`): the
 * same value, but one the query planner cannot look into. When SQLite's planner
 * reads a bound value while it plans (a partial index's WHERE compared with
 * `col = ?`, an `=` term's selectivity, LIMIT ?), it marks the statement to be
 * planned again whenever that parameter is bound anew — and better-sqlite3
 * binds at every run, so such a statement was compiled again at every call:
 * call-next's waiting heads 358 µs a run against 16 µs planned once, MAX(seq)
 * of an issue 37 against 3 µs (measured through the hall server under
 * bench/hall-load.ts). This is SQLite's own query planner stability guarantee
 * (SQLITE_DBCONFIG_ENABLE_QPSG), which better-sqlite3 cannot switch on: each
 * statement gets one plan, made without its values — as PostgreSQL's generic
 * plan. The plans relied on are pinned by EXPLAIN QUERY PLAN tests through a
 * handle made the same way, so a plan that needed a value would show there.
 */
export function withPlanFixedParameters(sql: string): string {
  return rewritePlaceholders(sql, (placeholder) =>
    placeholder.kind === 'positional' ? '+?' : `+${placeholder.prefix}${placeholder.name}`,
  );
}

/**
 * Has a better-sqlite3 handle plan each statement once, without its values
 * (withPlanFixedParameters): its prepare() rewrites the SQL it is given. The
 * hall server's and the counter's databases are opened so; a test that checks
 * a plan on a handle of its own makes it so too, to see the plan they run.
 */
export function planOncePerStatement<Handle extends { prepare(source: string): unknown }>(db: Handle): void {
  const prepareAsWritten = db.prepare.bind(db);
  db.prepare = ((source: string) => prepareAsWritten(withPlanFixedParameters(source))) as Handle['prepare'];
}
