// The hall's database: a SQLite file (the embedded default: durable pragmas)
// or PostgreSQL (HALL_DATABASE_URL, server/storage/postgres.ts), and the
// schema as one list of numbered migrations tracked in `user_version`.
// PostgreSQL halls start from a baseline equal to migrations 1–16
// (server/storage/postgres-schema.ts); every later migration carries its
// PostgreSQL step beside the SQLite one.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { applyMigrations, type Migration as GenericMigration } from '../common/migrations.ts';
import { planOncePerStatement } from '../common/sql-placeholders.ts';
import { PRIVATE_FILE_MODE } from './private-file.ts';
import { dialectOf, isPostgresTarget, type HallDatabase } from './storage/hall-database.ts';
import { openPostgresHallDatabase, type HallSchemaOptions } from './storage/postgres.ts';
import { POSTGRES_BASELINE_SQL, POSTGRES_BASELINE_VERSION } from './storage/postgres-schema.ts';
import { reportFactsMigration } from './report-facts.ts';
import { managerDeskMigration } from './manager-desk-migration.ts';
import { deviceNumbersMigration } from './device-numbers-migration.ts';
import { queueWaitingMigration } from './queue-waiting-migration.ts';
import { overviewCountsMigration } from './overview-counts-migration.ts';

export type { HallDatabase } from './storage/hall-database.ts';

export interface Migration extends GenericMigration<HallDatabase> {
  /** The same change on PostgreSQL; required from the first migration after the baseline. */
  postgres?: (db: HallDatabase) => void;
}

/**
 * Rebuilds config_changes under a new definition (SQLite cannot alter a CHECK
 * constraint), keeping every row, its version and the AUTOINCREMENT counter so
 * that counters' cursors stay valid. `columns` is the body of the new table,
 * between its parentheses, as the migration shipped it: SQLite keeps the
 * CREATE TABLE text in sqlite_schema to the byte, so neither `columns` of a
 * shipped migration nor the statements here may change. Shipped migrations 3
 * and 8 run this; a later rebuild that needs anything else writes its own.
 */
function rebuildConfigChanges(db: HallDatabase, table: string, columns: string): void {
  const sequence = db
    .prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'config_changes'")
    .pluck()
    .get();
  db.exec(`
        CREATE TABLE ${table} (${columns}) STRICT;
        INSERT INTO ${table} (version, kind, key, value)
          SELECT version, kind, key, value FROM config_changes ORDER BY version;
        DROP TABLE config_changes;
        ALTER TABLE ${table} RENAME TO config_changes;
        CREATE INDEX config_changes_by_key ON config_changes (kind, key, version);
      `);
  if (sequence !== undefined) {
    db.prepare("DELETE FROM sqlite_sequence WHERE name = 'config_changes'").run();
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('config_changes', ?)").run(sequence);
  }
}

/** Every schema change, in order. A shipped migration is never edited: add the next one. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'hall schema: config stream, devices, staff credentials, tickets, window sign-ins',
    up(db) {
      db.exec(`
        -- Append-only: each row is one change, its version the cursor counters pull by.
        CREATE TABLE config_changes (
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings')),
          key TEXT NOT NULL,
          value TEXT CHECK (value IS NULL OR json_valid(value)) -- NULL: the entry was removed
        ) STRICT;
        CREATE INDEX config_changes_by_key ON config_changes (kind, key, version);

        -- Passwords stay out of the config stream, which every device pulls.
        CREATE TABLE staff_credentials (
          staff_id INTEGER PRIMARY KEY,
          staff_no TEXT NOT NULL UNIQUE,
          password_hash TEXT NOT NULL
        ) STRICT;

        CREATE TABLE devices (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('counter', 'kiosk')),
          window_id INTEGER,
          token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the token; the token itself is never stored
          enrolled_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE enrollment_codes (
          code TEXT PRIMARY KEY,
          role TEXT NOT NULL CHECK (role IN ('counter', 'kiosk')),
          window_id INTEGER,
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          device_id TEXT REFERENCES devices (id) -- set when the code is used
        ) STRICT;

        CREATE TABLE tickets (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          day TEXT NOT NULL, -- the hall's local business day, YYYY-MM-DD
          line_id TEXT NOT NULL,
          seq INTEGER NOT NULL CHECK (seq > 0),
          number TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('normal', 'appointment', 'priority', 'green')),
          status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'completed', 'no_show')),
          issued_at TEXT NOT NULL,
          issued_by TEXT NOT NULL REFERENCES devices (id),
          window_id INTEGER,
          called_at TEXT,
          recall_count INTEGER NOT NULL DEFAULT 0,
          ended_at TEXT,
          UNIQUE (day, line_id, seq)
        ) STRICT;
        CREATE INDEX tickets_waiting ON tickets (day, line_id, priority, id) WHERE status = 'waiting';
        -- A window holds at most one current ticket.
        CREATE UNIQUE INDEX tickets_current ON tickets (window_id) WHERE status = 'called';

        CREATE TABLE window_clerks (
          window_id INTEGER PRIMARY KEY,
          staff_id INTEGER NOT NULL UNIQUE,
          device_id TEXT NOT NULL REFERENCES devices (id),
          signed_in_at TEXT NOT NULL
        ) STRICT;

        -- The answer to each call-next, so that a retry with the same key gets it again.
        CREATE TABLE call_next_replies (
          window_id INTEGER NOT NULL,
          idempotency_key TEXT NOT NULL,
          reply TEXT NOT NULL,
          at TEXT NOT NULL,
          PRIMARY KEY (window_id, idempotency_key)
        ) STRICT;

        -- Every change to tickets and window sign-ins, in commit order; the last
        -- version is the queue version that summaries and live events carry.
        CREATE TABLE hall_log (
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          action TEXT NOT NULL
            CHECK (action IN ('issue', 'call', 'recall', 'no_show', 'complete', 'sign_in', 'sign_out')),
          device_id TEXT NOT NULL,
          window_id INTEGER,
          ticket_id INTEGER,
          staff_id INTEGER
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'devices get a hall-unique number (deviceNo) for offline case numbers',
    up(db) {
      // SQLite cannot add a NOT NULL column without a default: the trigger
      // below requires it on every new device instead. Devices enrolled before
      // are numbered in enrollment order. Numbers are never reused.
      db.exec(`
        ALTER TABLE devices ADD COLUMN device_no INTEGER CHECK (device_no BETWEEN 1 AND 999);
        UPDATE devices SET device_no = (
          SELECT n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY enrolled_at, rowid) AS n FROM devices) AS numbered
          WHERE numbered.id = devices.id
        );
        CREATE UNIQUE INDEX devices_by_no ON devices (device_no);
        CREATE TRIGGER devices_need_no BEFORE INSERT ON devices WHEN NEW.device_no IS NULL
        BEGIN
          SELECT RAISE(ABORT, 'devices.device_no is required');
        END;
      `);
    },
  },
  {
    version: 3,
    name: "config stream carries the working-day calendar (kind 'calendar')",
    up(db) {
      // A CHECK constraint cannot be altered: the table is rebuilt with the same
      // rows, versions and AUTOINCREMENT counter, so counters' cursors stay valid.
      rebuildConfigChanges(
        db,
        'config_changes_v3',
        `
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings', 'calendar')),
          key TEXT NOT NULL,
          value TEXT CHECK (value IS NULL OR json_valid(value)) -- NULL: the entry was removed
        `,
      );
    },
  },
  {
    version: 4,
    name: 'sync intake: pushed mutations per device, cases, case changes for the cases stream',
    up(db) {
      db.exec(`
        -- Every mutation a device pushed that advanced its seq, applied or
        -- rejected, as received: the device's last seq and hash are its
        -- highest row here (a restored backup thus rewinds them consistently).
        CREATE TABLE sync_mutations (
          device_id TEXT NOT NULL REFERENCES devices (id),
          seq INTEGER NOT NULL CHECK (seq > 0),
          id TEXT NOT NULL CHECK (length(id) = 36),
          name TEXT NOT NULL,
          args TEXT NOT NULL CHECK (json_valid(args)), -- canonical JSON, as hashed
          at TEXT NOT NULL, -- the device's clock: information only, order is by seq
          hash TEXT NOT NULL CHECK (length(hash) = 64),
          prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
          status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
          reason TEXT,
          received_at TEXT NOT NULL,
          PRIMARY KEY (device_id, seq),
          CHECK ((status = 'rejected') = (reason IS NOT NULL))
        ) STRICT, WITHOUT ROWID;
        -- Not UNIQUE: a mutation rejected for reusing an id is kept too.
        CREATE INDEX sync_mutations_by_id ON sync_mutations (id);
        CREATE INDEX sync_mutations_rejected ON sync_mutations (received_at) WHERE status = 'rejected';

        -- Cases as the counters decided them. The applicant is masked: full
        -- personal data never leaves the counter.
        CREATE TABLE cases (
          case_no TEXT PRIMARY KEY,
          device_id TEXT NOT NULL REFERENCES devices (id),
          window_id INTEGER NOT NULL,
          item_code TEXT NOT NULL,
          item_name TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('instant', 'promised')),
          staff_no TEXT NOT NULL,
          ticket_number TEXT,
          called_at TEXT,
          applicant_masked TEXT NOT NULL CHECK (json_valid(applicant_masked)),
          decision TEXT NOT NULL CHECK (decision IN ('accept', 'accept_with_missing', 'notice', 'refuse')),
          status TEXT NOT NULL CHECK (status IN ('accepted', 'notice', 'refused', 'finished')),
          outcome TEXT CHECK (outcome IN ('approved', 'not_approved')),
          decided_at TEXT NOT NULL,
          promised_date TEXT,
          finished_at TEXT,
          finished_by TEXT,
          missing_json TEXT NOT NULL CHECK (json_valid(missing_json)),
          owed_by TEXT,
          refuse_reason TEXT,
          seq INTEGER NOT NULL, -- the device's mutation that brought it
          CHECK ((status = 'finished') = (finished_at IS NOT NULL AND outcome IS NOT NULL))
        ) STRICT;
        CREATE INDEX cases_by_window ON cases (window_id, decided_at);

        -- Changes made to cases on the server (e.g. 办结 by the back office),
        -- in commit order: the cases stream counters pull by version.
        CREATE TABLE case_changes (
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          case_no TEXT NOT NULL REFERENCES cases (case_no),
          window_id INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('accepted', 'notice', 'refused', 'finished')),
          outcome TEXT CHECK (outcome IN ('approved', 'not_approved')),
          finished_at TEXT,
          finished_by TEXT,
          at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX case_changes_by_window ON case_changes (window_id, version);

        -- The queue stream starts a counter at today's first change.
        CREATE INDEX hall_log_by_at ON hall_log (at);
      `);
    },
  },
  {
    version: 5,
    name: 'ratings and bad-rating follow-ups from the counters',
    up(db) {
      db.exec(`
        -- Ratings are audited: stored once, never edited or deleted.
        CREATE TABLE ratings (
          id TEXT PRIMARY KEY,
          device_id TEXT NOT NULL REFERENCES devices (id),
          session_id INTEGER NOT NULL,
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
          seq INTEGER NOT NULL,
          CHECK ((outcome = 'rated') = (level IS NOT NULL))
        ) STRICT;
        CREATE INDEX ratings_by_window_time ON ratings (window_id, at);
        CREATE TRIGGER ratings_never_updated BEFORE UPDATE ON ratings
          BEGIN SELECT RAISE(ABORT, 'ratings are never edited'); END;
        CREATE TRIGGER ratings_never_deleted BEFORE DELETE ON ratings
          BEGIN SELECT RAISE(ABORT, 'ratings are never deleted'); END;

        CREATE TABLE follow_ups (
          device_id TEXT NOT NULL REFERENCES devices (id),
          local_id INTEGER NOT NULL,
          rating_id TEXT NOT NULL REFERENCES ratings (id),
          due_date TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('verifying', 'fixing', 'called_back')),
          opened_at TEXT NOT NULL,
          PRIMARY KEY (device_id, local_id)
        ) STRICT;
        CREATE TABLE follow_up_steps (
          device_id TEXT NOT NULL,
          local_id INTEGER NOT NULL,
          from_state TEXT NOT NULL,
          to_state TEXT NOT NULL,
          note TEXT NOT NULL,
          staff_no TEXT,
          at TEXT NOT NULL,
          FOREIGN KEY (device_id, local_id) REFERENCES follow_ups (device_id, local_id)
        ) STRICT;`);
    },
  },
  {
    version: 6,
    name: 'walk-in number leases per window and day, and the walk-ins issued from them',
    up(db) {
      db.exec(`
        -- Ranges of walk-in numbers (W03-001…) handed to a window's counter for a
        -- hall day; a window's ranges never overlap (each starts after the last).
        CREATE TABLE walk_in_leases (
          window_id INTEGER NOT NULL,
          day TEXT NOT NULL,
          from_no INTEGER NOT NULL CHECK (from_no BETWEEN 1 AND 999),
          to_no INTEGER NOT NULL CHECK (to_no BETWEEN from_no AND 999),
          device_id TEXT NOT NULL REFERENCES devices (id),
          leased_at TEXT NOT NULL,
          PRIMARY KEY (window_id, day, from_no)
        ) STRICT;
        -- Each number once: a second walkin.issued for it is rejected.
        CREATE TABLE walk_ins (
          window_id INTEGER NOT NULL,
          day TEXT NOT NULL,
          seq INTEGER NOT NULL,
          number TEXT NOT NULL,
          device_id TEXT NOT NULL REFERENCES devices (id),
          line_id TEXT NOT NULL,
          staff_no TEXT NOT NULL,
          issued_at TEXT NOT NULL,
          mutation_seq INTEGER NOT NULL,
          PRIMARY KEY (window_id, day, seq)
        ) STRICT;`);
    },
  },
  {
    version: 7,
    name: 'conflicts of central tickets served offline (手动录入票号)',
    up(db) {
      db.exec(`
        -- A ticket.served_offline the server could not simply mark served: the
        -- ticket was already called, served or passed by a window, or not found.
        -- The service happened, so the mutation is applied and this row keeps
        -- it for the hall manager; the ticket itself is left as it was.
        CREATE TABLE ticket_conflicts (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          number TEXT NOT NULL,
          device_id TEXT NOT NULL REFERENCES devices (id),
          mutation_seq INTEGER NOT NULL,
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          at TEXT NOT NULL,
          reason TEXT NOT NULL,
          ticket_id INTEGER,
          ticket_status TEXT CHECK (ticket_status IN ('waiting', 'called', 'completed', 'no_show')),
          ticket_window_id INTEGER,
          received_at TEXT NOT NULL,
          UNIQUE (device_id, mutation_seq)
        ) STRICT;`);
    },
  },
  {
    version: 8,
    name: "config stream carries device setups pushed by the hall (kind 'device-setup', key 'default' or a window id)",
    up(db) {
      // As in migration 3: the table is rebuilt with the same rows, versions and
      // AUTOINCREMENT counter, so counters' cursors stay valid. A hall device
      // setup is one entry per key; its current value is its latest row.
      rebuildConfigChanges(
        db,
        'config_changes_v8',
        `
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL
            CHECK (kind IN ('window', 'line', 'staff', 'item', 'settings', 'calendar', 'device-setup')),
          key TEXT NOT NULL,
          value TEXT CHECK (value IS NULL OR json_valid(value)), -- NULL: the entry was removed
          CHECK (kind <> 'device-setup' OR key = 'default'
            OR (key GLOB '[1-9]*' AND key NOT GLOB '*[^0-9]*' AND length(key) <= 9))
        `,
      );
    },
  },
  {
    version: 9,
    name: 'failed enrollment codes and sign-ins counted in the database, so that a restart keeps a lockout',
    up(db) {
      db.exec(`
        -- One row per thing counted (server/throttle.ts): a caller address guessing
        -- enrollment codes; a staff number, device or address failing to sign in.
        CREATE TABLE auth_failures (
          scope TEXT NOT NULL
            CHECK (scope IN ('enroll-address', 'sign-in-staff', 'sign-in-device', 'sign-in-address')),
          key TEXT NOT NULL CHECK (length(key) <= 128),
          failures INTEGER NOT NULL CHECK (failures > 0),
          first_at TEXT NOT NULL,
          last_at TEXT NOT NULL,
          locked_until TEXT, -- NULL: counted, not locked
          PRIMARY KEY (scope, key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX auth_failures_by_last ON auth_failures (last_at);`);
    },
  },
  {
    version: 10,
    name: 'queue routine: 挂起 (parked tickets), 转窗/转业务, 暂停服务 with a reason, 预约签到',
    up(db) {
      // CHECK constraints cannot be altered: tickets, hall_log and
      // ticket_conflicts are rebuilt with every row, id/version and
      // AUTOINCREMENT counter kept, so queue cursors and ticket ids stay valid.
      const sequences = db
        .prepare<[], { name: string; seq: number }>(
          "SELECT name, seq FROM sqlite_sequence WHERE name IN ('tickets', 'hall_log', 'ticket_conflicts')",
        )
        .all();
      db.exec(`
        CREATE TABLE tickets_v10 (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          day TEXT NOT NULL, -- the hall's local business day, YYYY-MM-DD
          line_id TEXT NOT NULL, -- the line the number was issued for (its letter and seq)
          seq INTEGER NOT NULL CHECK (seq > 0),
          number TEXT NOT NULL,
          priority TEXT NOT NULL CHECK (priority IN ('normal', 'appointment', 'priority', 'green')),
          status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'completed', 'no_show', 'parked')),
          issued_at TEXT NOT NULL,
          issued_by TEXT NOT NULL REFERENCES devices (id),
          window_id INTEGER, -- called: the window serving it; parked: the window that parked it
          called_at TEXT,
          recall_count INTEGER NOT NULL DEFAULT 0,
          ended_at TEXT,
          -- 转业务: the line it waits in now (NULL: line_id)
          queue_line_id TEXT,
          -- 转窗: only this window calls it (NULL: any window serving its line)
          target_window_id INTEGER,
          -- Its place among waiting tickets (NULL: its id, i.e. issue order); 转窗 放在最前 sets it lower
          sort_key INTEGER,
          UNIQUE (day, line_id, seq),
          CHECK (status <> 'parked' OR window_id IS NOT NULL)
        ) STRICT;
        INSERT INTO tickets_v10 (id, day, line_id, seq, number, priority, status, issued_at, issued_by, window_id,
          called_at, recall_count, ended_at)
          SELECT id, day, line_id, seq, number, priority, status, issued_at, issued_by, window_id,
            called_at, recall_count, ended_at FROM tickets ORDER BY id;
        DROP TABLE tickets;
        ALTER TABLE tickets_v10 RENAME TO tickets;
        CREATE INDEX tickets_waiting ON tickets (day, line_id, priority, id) WHERE status = 'waiting';
        CREATE UNIQUE INDEX tickets_current ON tickets (window_id) WHERE status = 'called';
        CREATE INDEX tickets_by_number ON tickets (day, number);
        CREATE INDEX tickets_parked ON tickets (window_id) WHERE status = 'parked';

        CREATE TABLE hall_log_v10 (
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          action TEXT NOT NULL
            CHECK (action IN ('issue', 'call', 'recall', 'no_show', 'complete', 'sign_in', 'sign_out',
              'transfer', 'park', 'pause', 'resume', 'check_in', 'priority')),
          device_id TEXT NOT NULL,
          window_id INTEGER,
          ticket_id INTEGER,
          staff_id INTEGER
        ) STRICT;
        INSERT INTO hall_log_v10 SELECT version, at, action, device_id, window_id, ticket_id, staff_id
          FROM hall_log ORDER BY version;
        DROP TABLE hall_log;
        ALTER TABLE hall_log_v10 RENAME TO hall_log;
        CREATE INDEX hall_log_by_at ON hall_log (at);

        CREATE TABLE ticket_conflicts_v10 (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          number TEXT NOT NULL,
          device_id TEXT NOT NULL REFERENCES devices (id),
          mutation_seq INTEGER NOT NULL,
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          at TEXT NOT NULL,
          reason TEXT NOT NULL,
          ticket_id INTEGER,
          ticket_status TEXT CHECK (ticket_status IN ('waiting', 'called', 'completed', 'no_show', 'parked')),
          ticket_window_id INTEGER,
          received_at TEXT NOT NULL,
          UNIQUE (device_id, mutation_seq)
        ) STRICT;
        INSERT INTO ticket_conflicts_v10 SELECT id, number, device_id, mutation_seq, window_id, staff_no, at, reason,
          ticket_id, ticket_status, ticket_window_id, received_at FROM ticket_conflicts ORDER BY id;
        DROP TABLE ticket_conflicts;
        ALTER TABLE ticket_conflicts_v10 RENAME TO ticket_conflicts;

        -- 暂停服务 with a reason from the hall's list: one row per paused window.
        CREATE TABLE window_pauses (
          window_id INTEGER PRIMARY KEY,
          reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 20),
          note TEXT CHECK (note IS NULL OR length(note) <= 60),
          expected_back_at TEXT, -- ISO time, NULL: not said
          paused_at TEXT NOT NULL,
          device_id TEXT NOT NULL REFERENCES devices (id)
        ) STRICT;

        -- Appointments booked online for a slot of a hall day. The ID number is
        -- kept only as its SHA-256 (to look it up by) and masked (to show).
        CREATE TABLE appointments (
          code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 4 AND 32),
          id_hash TEXT NOT NULL CHECK (length(id_hash) = 64),
          id_masked TEXT NOT NULL,
          name_masked TEXT NOT NULL,
          line_id TEXT NOT NULL,
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          slot_start TEXT NOT NULL CHECK (slot_start GLOB '[0-2][0-9]:[0-5][0-9]'),
          slot_end TEXT NOT NULL CHECK (slot_end GLOB '[0-2][0-9]:[0-5][0-9]' AND slot_end > slot_start),
          created_at TEXT NOT NULL,
          ticket_id INTEGER REFERENCES tickets (id), -- set at check-in
          checked_in_at TEXT,
          checked_in_window INTEGER,
          CHECK ((ticket_id IS NULL) = (checked_in_at IS NULL))
        ) STRICT;
        CREATE INDEX appointments_by_id ON appointments (id_hash, day);
      `);
      for (const { name, seq } of sequences) {
        db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(name);
        db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, seq);
      }
    },
  },
  {
    version: 11,
    name: 'call-next finds the head of each line and priority by an index seek, whatever the queue length',
    up(db) {
      // Partial: only waiting tickets are in it, so it stays small as the day's tickets are served.
      db.exec(`
        CREATE INDEX tickets_waiting_heads ON tickets
          (day, COALESCE(queue_line_id, line_id), priority, COALESCE(sort_key, id), id)
          WHERE status = 'waiting';
      `);
    },
  },
  { version: 12, ...deviceNumbersMigration },
  { version: 13, ...reportFactsMigration },
  { version: 14, ...managerDeskMigration },
  { version: 15, ...queueWaitingMigration },
  { version: 16, ...overviewCountsMigration },
];

/**
 * Applies every pending migration in one transaction. Refuses a database whose
 * `user_version` is newer than the code: an old server must not write to it.
 */
export function migrate(db: HallDatabase, list: readonly Migration[] = migrations): void {
  applyMigrations(
    db,
    dialectOf(db) === 'postgres' ? postgresSteps(list) : list,
    (found, known) =>
      new Error(
        `数据库结构版本为 ${found}，比本程序支持的 ${known} 新：请升级大厅服务器程序后再打开，不要用旧程序写入新数据库` +
          ` (the hall database's schema is version ${found}, newer than this program's ${known}: upgrade the hall server; an older program must not write to it)`,
      ),
  );
}

/**
 * The list as PostgreSQL runs it: versions up to the baseline create nothing
 * of their own, the baseline's version creates the whole schema as SQLite has
 * it there, and every later version runs its `postgres` step.
 */
function postgresSteps(list: readonly Migration[]): Migration[] {
  return list.map((migration) => {
    if (migration.version < POSTGRES_BASELINE_VERSION) return { ...migration, up: () => {} };
    if (migration.version === POSTGRES_BASELINE_VERSION) {
      return { ...migration, up: (db) => void db.exec(POSTGRES_BASELINE_SQL) };
    }
    const step = migration.postgres;
    if (!step) throw new Error(`migration ${migration.version} "${migration.name}" has no PostgreSQL step`);
    return { ...migration, up: step };
  });
}

/** The database file and its -wal / -shm companions, where they exist. */
export function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
}

/**
 * Opens the hall database — `target` is a SQLite file path (created if
 * needed) or a postgres:// URL (HALL_DATABASE_URL; the database must exist) —
 * and brings its schema up to date. On PostgreSQL, `place` puts the hall in a
 * schema of its own (many halls on one database, server/halls.ts). A SQLite file holds device token hashes, staff password hashes and masked
 * applicants: the file is created 0600 and set 0600 on every open (whatever the
 * umask, and for a file an older version left 0644); SQLite gives the -wal and
 * -shm files the database file's mode, and they are set 0600 here as well.
 */
export function openHallDatabase(target: string, place: HallSchemaOptions = {}): HallDatabase {
  if (isPostgresTarget(target)) {
    const db = openPostgresHallDatabase(target, place);
    try {
      migrate(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }
  // On SQLite each hall is a file of its own.
  if (place.schema != null || place.link) throw new TypeError(`a schema or shared connection is PostgreSQL's, not for ${target}`);
  const path = target;
  const onDisk = path !== ':memory:' && path !== '' && !path.startsWith('file:');
  if (onDisk) {
    if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
    chmodSync(path, PRIVATE_FILE_MODE);
  }
  // Another process (the enroll-code command) may hold the write lock for a moment.
  const db = new Database(path, { timeout: 5000 });
  planOncePerStatement(db);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    if (onDisk) for (const file of databaseFiles(path)) chmodSync(file, PRIVATE_FILE_MODE);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
