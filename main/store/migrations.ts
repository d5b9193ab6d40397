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
  {
    version: 4,
    name: 'config cache holds the working-day calendar',
    up(db) {
      // SQLite cannot alter a CHECK constraint: rebuild the table, keeping its rows.
      db.exec(`
        CREATE TABLE config_entry_v4 (
          kind TEXT NOT NULL CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings', 'calendar')),
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (kind, key)
        ) STRICT;
        INSERT INTO config_entry_v4 (kind, key, value, version) SELECT kind, key, value, version FROM config_entry;
        DROP TABLE config_entry;
        ALTER TABLE config_entry_v4 RENAME TO config_entry;`);
    },
  },
  {
    version: 5,
    name: 'outbox of mutations for the hall server',
    up(db) {
      // seq is gap-free per device and never reused: outbox_head keeps the last
      // seq and hash even after acked rows are pruned (see main/store/outbox.ts).
      db.exec(`
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY CHECK (seq > 0),
          id TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
          name TEXT NOT NULL,
          args TEXT NOT NULL CHECK (json_valid(args)),
          at TEXT NOT NULL,
          hash TEXT NOT NULL CHECK (length(hash) = 64),
          prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
          state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'acked', 'rejected')),
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0)
        ) STRICT;
        CREATE INDEX outbox_unsent ON outbox (seq) WHERE state IN ('pending', 'sent');
        CREATE TABLE outbox_head (
          one INTEGER PRIMARY KEY CHECK (one = 1),
          last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
          last_hash TEXT NOT NULL CHECK (length(last_hash) = 64)
        ) STRICT;
        INSERT INTO outbox_head (one, last_seq, last_hash) VALUES (1, 0, '${'0'.repeat(64)}');`);
    },
  },
  {
    version: 6,
    name: 'cases decided at this counter',
    up(db) {
      // applicant_json is the full applicant (personal data): it stays in this
      // file; screens, logs and the outbox only ever see it masked.
      db.exec(`
        CREATE TABLE cases (
          case_no TEXT PRIMARY KEY,
          item_code TEXT NOT NULL,
          item_name TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('instant', 'promised')),
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          ticket_number TEXT,
          called_at TEXT,
          applicant_json TEXT NOT NULL CHECK (json_valid(applicant_json)),
          decision TEXT NOT NULL CHECK (decision IN ('accept', 'accept_with_missing', 'notice', 'refuse')),
          status TEXT NOT NULL CHECK (status IN ('accepted', 'notice', 'refused', 'finished')),
          outcome TEXT CHECK (outcome IN ('approved', 'not_approved')),
          decided_at TEXT NOT NULL,
          promised_date TEXT,
          finished_at TEXT,
          finished_by TEXT,
          missing_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(missing_json)),
          owed_by TEXT,
          refuse_reason TEXT,
          CHECK ((status = 'finished') = (finished_at IS NOT NULL AND outcome IS NOT NULL)),
          CHECK (status <> 'refused' OR refuse_reason IS NOT NULL)
        ) STRICT;
        CREATE INDEX cases_by_window_decided ON cases (window_id, decided_at);
        CREATE INDEX cases_open_by_window_promised ON cases (window_id, promised_date) WHERE status = 'accepted';
        CREATE INDEX cases_by_window_finished ON cases (window_id, finished_at) WHERE finished_at IS NOT NULL;`);
    },
  },
  {
    version: 7,
    name: 'case number sequence per day',
    up(db) {
      // This file is one device, so a row per day is the per-device-per-day sequence.
      db.exec(`
        CREATE TABLE case_sequence (
          day TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          last_seq INTEGER NOT NULL CHECK (last_seq > 0)
        ) STRICT`);
    },
  },
  {
    version: 8,
    name: 'stored enrollment carries the device number',
    up(db) {
      // Counters enrolled before the hall server gave out device numbers have
      // none: null until they enroll again (case numbers need one).
      db.exec(`
        UPDATE kv SET value = json_set(value, '$.deviceNo', json('null'))
        WHERE key = 'enrollment' AND json_type(value, '$.deviceNo') IS NULL`);
    },
  },
];
