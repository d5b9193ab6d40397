// One numbered migration per schema change, in an explicit list. Never edit a
// migration that has shipped: add the next one. Each has a test in
// test/main/migrations.test.ts.
// The connection type comes from better-sqlite3, not from ./database.ts, which
// imports this list: no import circle.
import type Database from 'better-sqlite3';
import type { Migration as GenericMigration } from '../../common/migrations.ts';
import { wideCodesMigration } from './wide-codes-migration.ts';
import { outboxByNameMigration } from './outbox-by-name-migration.ts';

export type Migration = GenericMigration<Database.Database>;

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
  {
    version: 9,
    name: "outbox keeps the hall server's reason for a rejected mutation",
    up(db) {
      // Shown to the clerk and in the log; the hall manager sees the same list on the server.
      db.exec(`ALTER TABLE outbox ADD COLUMN reason TEXT CHECK (reason IS NULL OR state = 'rejected')`);
    },
  },
  {
    version: 10,
    name: "mirror of the hall's queue (stream=queue)",
    up(db) {
      // Today's tickets and who is signed in at which window, as pulled by the
      // server's commit version (main/sync/streams.ts). Waiting counts come
      // from here; the cursor and the server's business day live in kv.
      db.exec(`
        CREATE TABLE queue_ticket (
          id INTEGER PRIMARY KEY,
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          number TEXT NOT NULL,
          line_id TEXT NOT NULL,
          priority TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'completed', 'no_show')),
          issued_at TEXT NOT NULL,
          called_at TEXT,
          window_id INTEGER,
          recall_count INTEGER NOT NULL CHECK (recall_count >= 0),
          ended_at TEXT,
          version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX queue_ticket_waiting ON queue_ticket (day, line_id) WHERE status = 'waiting';
        CREATE TABLE queue_clerk (
          window_id INTEGER PRIMARY KEY,
          staff_id INTEGER NOT NULL,
          version INTEGER NOT NULL
        ) STRICT;`);
    },
  },
  {
    version: 11,
    name: 'print queue',
    up(db) {
      // One row per slip to print (main/printing/print-store.ts). document is
      // the template's output with personal data already masked; it is
      // encoded for the printer at print time. A row is never deleted by the
      // queue: what did not print stays visible until it is retried or reprinted.
      db.exec(`
        CREATE TABLE print_job (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('ticket', 'receipt', 'notice', 'refusal')),
          title TEXT NOT NULL,
          case_no TEXT,
          document TEXT NOT NULL CHECK (json_valid(document)),
          profile TEXT NOT NULL CHECK (json_valid(profile)),
          state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'printing', 'printed', 'failed', 'refused')),
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          last_error TEXT,
          maybe_printed INTEGER NOT NULL DEFAULT 0 CHECK (maybe_printed IN (0, 1)),
          created_at TEXT NOT NULL,
          printed_at TEXT,
          reprint_of INTEGER REFERENCES print_job (id),
          CHECK ((state = 'printed') = (printed_at IS NOT NULL)),
          CHECK (maybe_printed = 0 OR state = 'failed')
        ) STRICT;
        CREATE INDEX print_job_unprinted ON print_job (id) WHERE state <> 'printed';
        CREATE UNIQUE INDEX print_job_case_original ON print_job (case_no, kind) WHERE case_no IS NOT NULL AND reprint_of IS NULL;`);
    },
  },
  {
    version: 12,
    name: 'ratings (好差评), never edited, and bad-rating follow-ups',
    up(db) {
      // rating: one row per closed rating session (rated, 未评价 or cancelled);
      // triggers refuse UPDATE and DELETE, so a stored rating cannot be altered.
      // follow_up: one per bad rating; follow_up_step: its history, append-only.
      db.exec(`
        CREATE TABLE rating (
          id TEXT PRIMARY KEY,
          session_id INTEGER NOT NULL UNIQUE CHECK (session_id BETWEEN 0 AND 4294967295),
          case_no TEXT,
          item_code TEXT,
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          ticket_number TEXT,
          level INTEGER CHECK (level BETWEEN 1 AND 5),
          outcome TEXT NOT NULL CHECK (outcome IN ('rated', 'not_rated', 'cancelled')),
          channel TEXT NOT NULL CHECK (channel IN ('evaluator', 'touch', 'none')),
          device_address INTEGER,
          opened_at TEXT NOT NULL,
          at TEXT NOT NULL,
          CHECK ((outcome = 'rated') = (level IS NOT NULL)),
          CHECK ((outcome = 'rated') = (channel <> 'none'))
        ) STRICT;
        CREATE INDEX rating_by_window_at ON rating (window_id, at);
        CREATE TRIGGER rating_no_update BEFORE UPDATE ON rating
          BEGIN SELECT RAISE(ABORT, 'rating rows are never edited'); END;
        CREATE TRIGGER rating_no_delete BEFORE DELETE ON rating
          BEGIN SELECT RAISE(ABORT, 'rating rows are never deleted'); END;
        CREATE TABLE follow_up (
          id INTEGER PRIMARY KEY,
          rating_id TEXT NOT NULL UNIQUE REFERENCES rating (id),
          due_date TEXT NOT NULL CHECK (due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          state TEXT NOT NULL CHECK (state IN ('verifying', 'fixing', 'called_back'))
        ) STRICT;
        CREATE INDEX follow_up_by_state ON follow_up (state, due_date);
        CREATE TABLE follow_up_step (
          follow_up_id INTEGER NOT NULL REFERENCES follow_up (id),
          state TEXT NOT NULL CHECK (state IN ('verifying', 'fixing', 'called_back')),
          note TEXT NOT NULL,
          staff_no TEXT,
          at TEXT NOT NULL,
          PRIMARY KEY (follow_up_id, state)
        ) STRICT;`);
    },
  },
  {
    version: 13,
    name: 'clerk credentials for offline sign-in (scrypt verifier, never the password)',
    up(db) {
      // One row per clerk who signed in online on this counter: a slow salted
      // verifier (main/clerk-credentials.ts) and the profile shown offline.
      db.exec(`
        CREATE TABLE clerk_credential (
          staff_no TEXT PRIMARY KEY,
          verifier TEXT NOT NULL CHECK (json_valid(verifier)),
          profile TEXT NOT NULL CHECK (json_valid(profile)),
          verified_at TEXT NOT NULL
        ) STRICT;`);
    },
  },
  {
    version: 14,
    name: 'retention: when a case\'s personal data was purged',
    up(db) {
      // main/retention.ts replaces applicant_json of concluded, synced cases
      // with the masked applicant after the hall's retention days, and marks
      // the row; the partial index finds the rows still holding personal data.
      db.exec(`
        ALTER TABLE cases ADD COLUMN purged_at TEXT;
        CREATE INDEX cases_unpurged ON cases (decided_at) WHERE purged_at IS NULL;`);
    },
  },
  {
    version: 15,
    name: 'walk-in number leases (现场补号) and the walk-ins issued from them',
    up(db) {
      // main/walk-ins.ts: ranges leased from the hall server while online, for
      // one hall day; next_no is the next number to hand out (to_no + 1: used up).
      // walk_in: each number issued here, once (the outbox carries it to the server).
      db.exec(`
        CREATE TABLE walk_in_lease (
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          prefix TEXT NOT NULL,
          from_no INTEGER NOT NULL CHECK (from_no BETWEEN 1 AND 999),
          to_no INTEGER NOT NULL CHECK (to_no BETWEEN from_no AND 999),
          next_no INTEGER NOT NULL CHECK (next_no BETWEEN from_no AND to_no + 1),
          leased_at TEXT NOT NULL,
          PRIMARY KEY (day, from_no)
        ) STRICT;
        CREATE TABLE walk_in (
          number TEXT NOT NULL,
          day TEXT NOT NULL,
          seq INTEGER NOT NULL,
          line_id TEXT NOT NULL,
          staff_no TEXT NOT NULL,
          issued_at TEXT NOT NULL,
          PRIMARY KEY (day, seq)
        ) STRICT;`);
    },
  },
  {
    version: 16,
    name: 'central tickets served offline, typed from the slip (手动录入票号)',
    up(db) {
      // main/typed-tickets.ts: each central ticket this window served while
      // offline, once per hall day (the outbox carries it to the server).
      db.exec(`
        CREATE TABLE typed_ticket (
          number TEXT NOT NULL CHECK (number GLOB '[A-Z][0-9][0-9][0-9]' OR number GLOB '[A-Z][0-9][0-9][0-9][0-9]'),
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          served_at TEXT NOT NULL,
          PRIMARY KEY (day, number)
        ) STRICT;`);
    },
  },
  {
    version: 17,
    name: 'device setup (设备设置): local device settings, hall device setups in the config cache',
    up(db) {
      // main/device-setup.ts: one row per section a manager set on this
      // counter (a local override wins over the hall's). The config cache
      // takes the hall's pushed setups (kind 'device-setup'); SQLite cannot
      // alter a CHECK constraint, so it is rebuilt keeping its rows. The
      // outward display chosen before (kv 'setting:outward-display') moves here.
      db.exec(`
        CREATE TABLE config_entry_v17 (
          kind TEXT NOT NULL CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings', 'calendar', 'device-setup')),
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          version INTEGER NOT NULL,
          PRIMARY KEY (kind, key)
        ) STRICT;
        INSERT INTO config_entry_v17 (kind, key, value, version) SELECT kind, key, value, version FROM config_entry;
        DROP TABLE config_entry;
        ALTER TABLE config_entry_v17 RENAME TO config_entry;
        CREATE TABLE device_setting (
          section TEXT PRIMARY KEY CHECK (section IN ('printer', 'evaluator', 'outwardDisplayId', 'voice')),
          value TEXT NOT NULL CHECK (json_valid(value)),
          set_by TEXT NOT NULL CHECK (set_by <> ''),
          set_at TEXT NOT NULL
        ) STRICT;
        INSERT INTO device_setting (section, value, set_by, set_at)
          SELECT 'outwardDisplayId', value, 'migration', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM kv
          WHERE key = 'setting:outward-display' AND json_valid(value)
            AND json_type(value) = 'integer' AND CAST(value AS INTEGER) >= 0;
        DELETE FROM kv WHERE key = 'setting:outward-display';`);
    },
  },
  {
    version: 18,
    name: 'known serial devices: the USB identity behind a chosen evaluator or serial printer port',
    up(db) {
      // main/counter-devices.ts: when a manager saves (or imports) an
      // evaluator or a serial printer, the USB vendor id, product id and
      // serial number found on that port, so that the device is followed to
      // another path after a replug (ttyUSB0 → ttyUSB1). `path` is the port
      // the setting names: the identity counts only while the setting in use
      // still names it. Local to this counter: never exported.
      db.exec(`
        CREATE TABLE device_identity (
          section TEXT PRIMARY KEY CHECK (section IN ('printer', 'evaluator')),
          path TEXT NOT NULL CHECK (path <> ''),
          vendor_id TEXT NOT NULL CHECK (length(vendor_id) = 4 AND vendor_id NOT GLOB '*[^0-9a-f]*'),
          product_id TEXT NOT NULL CHECK (length(product_id) = 4 AND product_id NOT GLOB '*[^0-9a-f]*'),
          serial_number TEXT NOT NULL DEFAULT '',
          seen_at TEXT NOT NULL
        ) STRICT;`);
    },
  },
  {
    version: 19,
    name: 'sign-in failures checked against this counter (offline sign-in, unlock)',
    up(db) {
      // main/session/sign-in-throttle.ts: wrong passwords per staff number
      // checked here against the stored verifier; kept across restarts so a
      // lockout cannot be cleared by restarting the counter.
      db.exec(`
        CREATE TABLE sign_in_failure (
          staff_no TEXT PRIMARY KEY CHECK (staff_no <> ''),
          failures INTEGER NOT NULL CHECK (failures > 0),
          last_at TEXT NOT NULL,
          locked_until TEXT
        ) STRICT;`);
    },
  },
  {
    version: 20,
    name: 'queue routine: parked tickets in the queue mirror; 叫指定号, 挂起 and 转窗 in the call log',
    up(db) {
      // CHECK constraints cannot be altered: both tables are rebuilt with
      // every row (their ids are plain rowids, no AUTOINCREMENT counter).
      db.exec(`
        CREATE TABLE queue_ticket_v20 (
          id INTEGER PRIMARY KEY,
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          number TEXT NOT NULL,
          line_id TEXT NOT NULL,
          priority TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'completed', 'no_show', 'parked')),
          issued_at TEXT NOT NULL,
          called_at TEXT,
          window_id INTEGER,
          recall_count INTEGER NOT NULL CHECK (recall_count >= 0),
          ended_at TEXT,
          version INTEGER NOT NULL
        ) STRICT;
        INSERT INTO queue_ticket_v20 SELECT id, day, number, line_id, priority, status, issued_at, called_at,
          window_id, recall_count, ended_at, version FROM queue_ticket;
        DROP TABLE queue_ticket;
        ALTER TABLE queue_ticket_v20 RENAME TO queue_ticket;
        CREATE INDEX queue_ticket_waiting ON queue_ticket (day, line_id) WHERE status = 'waiting';

        CREATE TABLE call_log_v20 (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          window_id INTEGER NOT NULL,
          action TEXT NOT NULL
            CHECK (action IN ('callNext', 'recall', 'noShow', 'complete', 'callTicket', 'park', 'transfer')),
          ticket_number TEXT NOT NULL,
          staff_no TEXT
        ) STRICT;
        INSERT INTO call_log_v20 SELECT id, at, window_id, action, ticket_number, staff_no FROM call_log;
        DROP TABLE call_log;
        ALTER TABLE call_log_v20 RENAME TO call_log;
        CREATE INDEX call_log_by_window_time ON call_log (window_id, at);`);
    },
  },
  {
    version: 21,
    name: 'tickets served offline include 现场补号 numbers (W03-007): offline 叫号 calls this counter\'s walk-ins',
    up(db) {
      // The CHECK on typed_ticket.number cannot be altered: rebuilt with every row.
      db.exec(`
        CREATE TABLE typed_ticket_v21 (
          number TEXT NOT NULL CHECK (
            number GLOB '[A-Z][0-9][0-9][0-9]' OR number GLOB '[A-Z][0-9][0-9][0-9][0-9]'
            OR number GLOB 'W[0-9][0-9]-[0-9][0-9][0-9]'),
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          served_at TEXT NOT NULL,
          PRIMARY KEY (day, number)
        ) STRICT;
        INSERT INTO typed_ticket_v21 SELECT number, day, window_id, staff_no, served_at FROM typed_ticket;
        DROP TABLE typed_ticket;
        ALTER TABLE typed_ticket_v21 RENAME TO typed_ticket;`);
    },
  },
  {
    version: 22,
    name: 'keyed chain and self-check: where the chain became keyed, and how far it was last verified',
    up(db) {
      // main/store/outbox.ts, docs/records-trust.md. keyed_from: the seq of the
      // sync.chain_keyed record (NULL: not keyed yet; records before it keep plain
      // SHA-256 hashes). verified_seq / verified_hash: the last record the
      // counter's start-up check found sound; the next check starts after it.
      db.exec(`
        ALTER TABLE outbox_head ADD COLUMN keyed_from INTEGER CHECK (keyed_from IS NULL OR keyed_from > 0);
        ALTER TABLE outbox_head ADD COLUMN verified_seq INTEGER NOT NULL DEFAULT 0 CHECK (verified_seq >= 0);
        ALTER TABLE outbox_head ADD COLUMN verified_hash TEXT NOT NULL DEFAULT '${'0'.repeat(64)}'
          CHECK (length(verified_hash) = 64);`);
    },
  },
  { version: 23, ...wideCodesMigration },
  { version: 24, ...outboxByNameMigration },
];
