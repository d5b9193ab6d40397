// One numbered migration per schema change, in an explicit list. Never edit a
// migration that has shipped: add the next one. Each has a test in
// test/main/migrations.test.ts.
import type { Db } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'device key-value store',
    up(db) {
      // Enrollment (device id, window, server address), sync cursors, local settings.
      db.exec(`CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
    },
  },
  {
    version: 2,
    name: 'config cache from the hall server',
    up(db) {
      db.exec(`
        CREATE TABLE config_entry (
          kind TEXT NOT NULL CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings')),
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (kind, key)
        ) STRICT`);
    },
  },
  {
    version: 3,
    name: 'call log',
    up(db) {
      db.exec(`
        CREATE TABLE call_log (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          window_id INTEGER NOT NULL,
          action TEXT NOT NULL CHECK (action IN ('callNext', 'recall', 'noShow', 'complete')),
          ticket_number TEXT NOT NULL,
          staff_no TEXT
        ) STRICT;
        CREATE INDEX call_log_by_window_time ON call_log (window_id, at);`);
    },
  },
];
