// The hall's configuration (windows, lines, staff, items, settings, calendars,
// device setups) is an append-only list of ConfigChange rows. The current
// value of an entry is its latest row; counters pull the rows by version
// (sync.md, stream=config).
import type { PullResult } from '../common/http-api.ts';
import type { ConfigChange } from '../common/model.ts';
import type { HallDatabase } from './db.ts';

type ConfigKind = ConfigChange['kind'];
type ConfigValue<K extends ConfigKind> = Exclude<Extract<ConfigChange, { kind: K }>['value'], null>;

interface ChangeRow {
  version: number;
  kind: ConfigKind;
  key: string;
  value: string | null;
}

/** `value` and everything in it made read-only: a kept config value is shared by every caller. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export function createConfigStore(db: HallDatabase) {
  const insertChange = db.prepare<[string, string, string | null]>(
    'INSERT INTO config_changes (kind, key, value) VALUES (?, ?, ?)',
  );
  const selectLatest = db
    .prepare<[string, string], string | null>(
      'SELECT value FROM config_changes WHERE kind = ? AND key = ? ORDER BY version DESC LIMIT 1',
    )
    .pluck();
  const selectCurrentOfKind = db
    .prepare<[string], string>(
      `SELECT value FROM config_changes AS c
       WHERE kind = ? AND value IS NOT NULL
         AND version = (SELECT MAX(version) FROM config_changes WHERE kind = c.kind AND key = c.key)
       ORDER BY key`,
    )
    .pluck();
  const selectCurrentEntriesOfKind = db.prepare<[string], { key: string; version: number; value: string }>(
    `SELECT key, version, value FROM config_changes AS c
     WHERE kind = ? AND value IS NOT NULL
       AND version = (SELECT MAX(version) FROM config_changes WHERE kind = c.kind AND key = c.key)
     ORDER BY key`,
  );
  const selectVersion = db
    .prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM config_changes')
    .pluck();
  const selectAfter = db.prepare<[number, number], ChangeRow>(
    'SELECT version, kind, key, value FROM config_changes WHERE version > ? ORDER BY version LIMIT ?',
  );

  let cachedVersion = -1;
  const cache = new Map<string, unknown>();
  /** `read()`'s value, kept frozen under `key` while the config's version stays where it is. */
  function kept<T>(key: string, read: () => T): T {
    const version = selectVersion.get() ?? 0;
    if (version !== cachedVersion) {
      cache.clear();
      cachedVersion = version;
    }
    if (cache.has(key)) return cache.get(key) as T;
    const value = deepFreeze(read());
    cache.set(key, value);
    return value;
  }

  return {
    /** Appends changes; the caller wraps them in its transaction. */
    append(changes: readonly ConfigChange[]): void {
      for (const change of changes) {
        insertChange.run(
          change.kind,
          change.key,
          change.value === null ? null : JSON.stringify(change.value),
        );
      }
    },

    /**
     * The current value of one entry, or null if it never existed or was
     * removed. Read on nearly every request, so values are kept, parsed and
     * frozen, until the config's version moves (a change by any process).
     */
    get<K extends ConfigKind>(kind: K, key: string): ConfigValue<K> | null {
      return kept(`${kind}\u0000${key}`, () => {
        const text = selectLatest.get(kind, key);
        return text == null ? null : (JSON.parse(text) as ConfigValue<K>);
      });
    },

    /** Every current entry of a kind, ordered by key (kept like get's, frozen: copy to sort or change). */
    list<K extends ConfigKind>(kind: K): readonly ConfigValue<K>[] {
      return kept(`${kind}\u0000*`, () => selectCurrentOfKind.all(kind).map((value) => JSON.parse(value) as ConfigValue<K>));
    },

    /** Every current entry of a kind with its key and the version of its latest change, ordered by key. */
    entries<K extends ConfigKind>(kind: K): { key: string; version: number; value: ConfigValue<K> }[] {
      return selectCurrentEntriesOfKind
        .all(kind)
        .map((row) => ({
          key: row.key,
          version: row.version,
          value: JSON.parse(row.value) as ConfigValue<K>,
        }));
    },

    /** The version of the latest change; 0 for an empty hall. */
    version(): number {
      return selectVersion.get() ?? 0;
    },

    /** Changes after `cursor`, oldest first, at most `limit` of them. */
    pull(cursor: number, limit: number): PullResult {
      const rows = selectAfter.all(cursor, limit + 1);
      const page = rows.slice(0, limit);
      return {
        changes: page.map((row) => ({
          version: row.version,
          change: {
            kind: row.kind,
            key: row.key,
            value: row.value === null ? null : JSON.parse(row.value),
          } as ConfigChange,
        })),
        cursor: page.at(-1)?.version ?? cursor,
        hasMore: rows.length > limit,
      };
    },
  };
}
