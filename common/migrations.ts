// The one way both SQLite files (the counter's and the hall server's) move
// their schema forward: numbered migrations in an explicit list, tracked in
// `user_version`, every pending one in one IMMEDIATE transaction, a database
// newer than the code refused untouched. Pure: the database comes in as an
// object with better-sqlite3's `pragma` and `transaction`.

export interface MigratableDb {
  pragma(source: string, options?: { simple: boolean }): unknown;
  transaction(fn: () => void): { immediate(): void };
}

export interface Migration<D> {
  /** Its place in the list, counting from 1; what `user_version` records once applied. */
  version: number;
  name: string;
  up(db: D): void;
}

/**
 * A migration kept in a file of its own: the list gives it its number
 * (`{ version: N, ...step }`), so the file need not import the list.
 */
export type MigrationStep<D> = Omit<Migration<D>, 'version'>;

export function applyMigrations<D extends MigratableDb>(
  db: D,
  list: readonly Migration<D>[],
  tooNew: (found: number, known: number) => Error,
): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" is numbered ${migration.version}, expected ${index + 1}`);
    }
  });
  // The version is read inside the transaction: another process may be migrating the same file.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > list.length) throw tooNew(current, list.length);
    for (const migration of list.slice(current)) migration.up(db);
    if (current < list.length) db.pragma(`user_version = ${list.length}`);
  }).immediate();
}
