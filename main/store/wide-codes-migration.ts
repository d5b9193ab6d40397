// Counter migration (issue 20, point 1): the tickets this window served
// offline (typed_ticket, migrations 16 and 21) take the wider numbers — one or
// two line letters (AB012, AB1234) and walk-ins of any window code (WB12-001,
// W101-020), common/hall-codes.ts. SQLite cannot alter a CHECK: the table is
// rebuilt with every row. The CHECK is the SQL form of TICKET_NUMBER.
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../../common/migrations.ts';

/** Line tickets [A-Z]{1,2}[0-9]{3,4}, walk-ins W[0-9A-Z]{1,4}-[0-9]{3}, in GLOB. */
const TICKET_NUMBER_CHECK = `(
            number GLOB '[A-Z][0-9][0-9][0-9]' OR number GLOB '[A-Z][0-9][0-9][0-9][0-9]'
            OR number GLOB '[A-Z][A-Z][0-9][0-9][0-9]' OR number GLOB '[A-Z][A-Z][0-9][0-9][0-9][0-9]'
            OR (number GLOB 'W?*-[0-9][0-9][0-9]' AND length(number) BETWEEN 6 AND 9
              AND substr(number, 2, length(number) - 5) NOT GLOB '*[^0-9A-Z]*'))`;

export const wideCodesMigration: MigrationStep<Database.Database> = {
  name: 'tickets served offline take two-letter lines (AB012) and walk-ins of any window code (WB12-001)',
  up(db) {
    db.exec(`
        CREATE TABLE typed_ticket_wide (
          number TEXT NOT NULL CHECK ${TICKET_NUMBER_CHECK},
          day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
          window_id INTEGER NOT NULL,
          staff_no TEXT NOT NULL,
          served_at TEXT NOT NULL,
          PRIMARY KEY (day, number)
        ) STRICT;
        INSERT INTO typed_ticket_wide SELECT number, day, window_id, staff_no, served_at FROM typed_ticket;
        DROP TABLE typed_ticket;
        ALTER TABLE typed_ticket_wide RENAME TO typed_ticket;`);
  },
};
