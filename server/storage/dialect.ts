// The one place where the hall server's runtime SQL differs between SQLite and
// PostgreSQL (the schema's differences are the migrations' business:
// server/storage/postgres-schema.ts and each migration's two dialects).
//
// Everything else the server asks is written once, in SQL both engines take:
// INSERT … ON CONFLICT DO NOTHING / DO UPDATE (not INSERT OR IGNORE/REPLACE),
// INSERT … RETURNING id (not lastInsertRowid, which the PostgreSQL driver
// cannot give), COALESCE, CASE, explicit ORDER BY where NULLs could sort
// differently. A fragment belongs here only when no such common form exists;
// keep the list short. Each takes the handle's dialect (dialectOf(db) in
// server/storage/hall-database.ts), read once when a module prepares its statements.
import type { Dialect } from './hall-database.ts';

export type { Dialect };

/**
 * SQLite's INDEXED BY, which pins a plan the SQLite planner would miss without
 * statistics (the EXPLAIN QUERY PLAN tests hold it); PostgreSQL has no such
 * clause and plans from its own statistics: nothing.
 */
export function indexedBy(dialect: Dialect, index: string): string {
  return dialect === 'sqlite' ? `INDEXED BY ${index}` : '';
}

/**
 * The group's values of `expr` as a JSON array, as text (JSON.parse it): SQLite's
 * json_group_array, PostgreSQL's json_agg. Every aggregate of one query sees its
 * group's rows in the same order on both engines, so two of them pair up by index.
 * An empty group does not occur (GROUP BY makes no group without rows).
 */
export function jsonArrayAgg(dialect: Dialect, expr: string): string {
  return dialect === 'sqlite' ? `json_group_array(${expr})` : `CAST(json_agg(${expr}) AS TEXT)`;
}
