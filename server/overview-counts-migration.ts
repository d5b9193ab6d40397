// Hall server migration: what the manager's overview and the queue board read
// kept so that they cost a few rows per line and window, not a pass over the
// day's tickets (issue 17 at issue 20's size: a busy hall with a manager
// watching must not stall calls). docs/performance.md "大厅总览 at a big hall".
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../common/migrations.ts';

export const overviewCountsMigration: MigrationStep<Database.Database> = {
  name: "the day's issued and served counts kept per line and window, and indexes for the board's short lists",
  up(db) {
    db.exec(`
      -- window_id 0: the line's own row (issued, served by its issued line);
      -- line_id '': a window's row (served at that window). Kept by the triggers below,
      -- in the ticket change's own transaction.
      CREATE TABLE ticket_day_counts (
        day TEXT NOT NULL,
        line_id TEXT NOT NULL,
        window_id INTEGER NOT NULL,
        issued INTEGER NOT NULL DEFAULT 0 CHECK (issued >= 0),
        served INTEGER NOT NULL DEFAULT 0 CHECK (served >= 0),
        PRIMARY KEY (day, line_id, window_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO ticket_day_counts (day, line_id, window_id, issued, served)
        SELECT day, line_id, 0, COUNT(*), SUM(status = 'completed') FROM tickets GROUP BY day, line_id;
      INSERT INTO ticket_day_counts (day, line_id, window_id, issued, served)
        SELECT day, '', window_id, 0, COUNT(*) FROM tickets
        WHERE status = 'completed' AND window_id IS NOT NULL GROUP BY day, window_id;

      CREATE TRIGGER ticket_day_counts_issued AFTER INSERT ON tickets
      BEGIN
        INSERT INTO ticket_day_counts (day, line_id, window_id, issued, served)
          VALUES (NEW.day, NEW.line_id, 0, 1, NEW.status = 'completed')
          ON CONFLICT (day, line_id, window_id) DO UPDATE SET issued = issued + 1, served = served + (NEW.status = 'completed');
        INSERT INTO ticket_day_counts (day, line_id, window_id, served)
          SELECT NEW.day, '', NEW.window_id, 1 WHERE NEW.status = 'completed' AND NEW.window_id IS NOT NULL
          ON CONFLICT (day, line_id, window_id) DO UPDATE SET served = served + 1;
      END;
      -- An update takes the old row out of the counts and puts the new one in.
      CREATE TRIGGER ticket_day_counts_changed AFTER UPDATE OF status, window_id, day, line_id ON tickets
        WHEN OLD.status = 'completed' OR NEW.status = 'completed' OR OLD.day <> NEW.day OR OLD.line_id <> NEW.line_id
      BEGIN
        UPDATE ticket_day_counts SET issued = issued - 1, served = served - (OLD.status = 'completed')
          WHERE day = OLD.day AND line_id = OLD.line_id AND window_id = 0;
        UPDATE ticket_day_counts SET served = served - 1
          WHERE OLD.status = 'completed' AND day = OLD.day AND line_id = '' AND window_id = OLD.window_id;
        INSERT INTO ticket_day_counts (day, line_id, window_id, issued, served)
          VALUES (NEW.day, NEW.line_id, 0, 1, NEW.status = 'completed')
          ON CONFLICT (day, line_id, window_id) DO UPDATE SET issued = issued + 1, served = served + (NEW.status = 'completed');
        INSERT INTO ticket_day_counts (day, line_id, window_id, served)
          SELECT NEW.day, '', NEW.window_id, 1 WHERE NEW.status = 'completed' AND NEW.window_id IS NOT NULL
          ON CONFLICT (day, line_id, window_id) DO UPDATE SET served = served + 1;
      END;
      CREATE TRIGGER ticket_day_counts_removed AFTER DELETE ON tickets
      BEGIN
        UPDATE ticket_day_counts SET issued = issued - 1, served = served - (OLD.status = 'completed')
          WHERE day = OLD.day AND line_id = OLD.line_id AND window_id = 0;
        UPDATE ticket_day_counts SET served = served - 1
          WHERE OLD.status = 'completed' AND day = OLD.day AND line_id = '' AND window_id = OLD.window_id;
      END;

      -- The board's and the overview's short lists, each a seek: tickets sent to a window (转窗),
      -- the oldest waiting ticket of each line, the day's 过号 (挂起 has tickets_parked already).
      CREATE INDEX tickets_waiting_targeted ON tickets (day, target_window_id)
        WHERE status = 'waiting' AND target_window_id IS NOT NULL;
      CREATE INDEX tickets_waiting_since ON tickets (day, COALESCE(queue_line_id, line_id), issued_at)
        WHERE status = 'waiting' AND target_window_id IS NULL;
      CREATE INDEX tickets_no_show ON tickets (day, ended_at) WHERE status = 'no_show';
    `);
  },
};
