// Server migration (issue 20, point 1): device numbers up to 999999. The
// CHECK of migration 2 (device_no BETWEEN 1 AND 999) ran out after 999
// enrolments in a hall's life — re-installs and replaced PCs included, since
// numbers are never reused (common/hall-codes.ts, docs/architecture.md). SQLite
// cannot alter a CHECK, so `devices` is rebuilt with every row, its rowid and
// its number.
//
// `devices` is the parent of many foreign keys (sync_mutations, tickets,
// ratings, …) and the migrations run with foreign_keys ON inside one
// transaction, where the pragma cannot be switched off. So the rows are copied
// aside first, the table dropped with its foreign keys deferred (each child row
// counts as a violation), created anew under the same name and filled again
// (each parent row put back clears its children's violations): at commit
// every child has its parent, or SQLite refuses the commit and the hall's file
// stays as it was.
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../common/migrations.ts';

export const deviceNumbersMigration: MigrationStep<Database.Database> = {
  name: 'device numbers up to 999999 (never reused): devices rebuilt with the wider CHECK, every row kept',
  up(db) {
    db.pragma('defer_foreign_keys = ON');
    db.exec(`
      CREATE TEMP TABLE devices_before_wide_no AS
        SELECT rowid AS row_id, id, name, role, window_id, token_hash, enrolled_at, device_no FROM main.devices;
      DROP TABLE main.devices;
      CREATE TABLE main.devices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('counter', 'kiosk')),
        window_id INTEGER,
        token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the token; the token itself is never stored
        enrolled_at TEXT NOT NULL,
        -- Given at enrolment, never reused: part of the case numbers the device issues offline.
        device_no INTEGER NOT NULL UNIQUE CHECK (device_no BETWEEN 1 AND 999999)
      ) STRICT;
      INSERT INTO main.devices (rowid, id, name, role, window_id, token_hash, enrolled_at, device_no)
        SELECT row_id, id, name, role, window_id, token_hash, enrolled_at, device_no
        FROM devices_before_wide_no ORDER BY row_id;
      DROP TABLE devices_before_wide_no;
    `);
  },
};
