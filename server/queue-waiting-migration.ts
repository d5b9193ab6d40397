// Hall server migration: each line's waiting count kept by the database as
// tickets change (issue 20, point 3; docs/performance.md "The queue stream per device").
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../common/migrations.ts';

export const queueWaitingMigration: MigrationStep<Database.Database> = {
  name: "each line's waiting count kept as tickets change, so counters need not mirror the hall queue",
  up(db) {
    // Counters show how many wait in their lines; they used to count a copy
    // of the whole hall queue, pulled after every change anywhere in the
    // hall. The server keeps the counts instead, in the same transaction as
    // the ticket change (triggers), and sends them in its queue pages and
    // hints: reading them costs one row per line, whatever the queue length.
    // A ticket waits in its effective line: COALESCE(queue_line_id, line_id).
    db.exec(`
      CREATE TABLE queue_waiting (
        day TEXT NOT NULL,
        line_id TEXT NOT NULL,
        waiting INTEGER NOT NULL CHECK (waiting >= 0),
        PRIMARY KEY (day, line_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO queue_waiting (day, line_id, waiting)
        SELECT day, COALESCE(queue_line_id, line_id), COUNT(*) FROM tickets WHERE status = 'waiting'
        GROUP BY day, COALESCE(queue_line_id, line_id);

      CREATE TRIGGER queue_waiting_issued AFTER INSERT ON tickets WHEN NEW.status = 'waiting'
      BEGIN
        INSERT INTO queue_waiting (day, line_id, waiting) VALUES (NEW.day, COALESCE(NEW.queue_line_id, NEW.line_id), 1)
          ON CONFLICT (day, line_id) DO UPDATE SET waiting = waiting + 1;
      END;
      CREATE TRIGGER queue_waiting_left AFTER UPDATE OF status, day, line_id, queue_line_id ON tickets
        WHEN OLD.status = 'waiting'
      BEGIN
        UPDATE queue_waiting SET waiting = waiting - 1
          WHERE day = OLD.day AND line_id = COALESCE(OLD.queue_line_id, OLD.line_id);
      END;
      CREATE TRIGGER queue_waiting_joined AFTER UPDATE OF status, day, line_id, queue_line_id ON tickets
        WHEN NEW.status = 'waiting'
      BEGIN
        INSERT INTO queue_waiting (day, line_id, waiting) VALUES (NEW.day, COALESCE(NEW.queue_line_id, NEW.line_id), 1)
          ON CONFLICT (day, line_id) DO UPDATE SET waiting = waiting + 1;
      END;
      CREATE TRIGGER queue_waiting_removed AFTER DELETE ON tickets WHEN OLD.status = 'waiting'
      BEGIN
        UPDATE queue_waiting SET waiting = waiting - 1
          WHERE day = OLD.day AND line_id = COALESCE(OLD.queue_line_id, OLD.line_id);
      END;

      -- The walk-ins a counter printed, for its stream=queue page.
      CREATE INDEX tickets_by_issuer ON tickets (issued_by, day);
    `);
  },
};
