// The facts 统计报表 (server/reports.ts) read, kept as the hall works: one row
// per served ticket (who served it, at which window, for which line and item,
// how long it waited and took) and one per rating (with its line, which the
// ratings table does not carry). Filled by triggers on the tables the hall
// already writes — tickets (办结, also 手动录入票号 served offline), cases and
// ratings — so no write path has to remember them, and filled from what is
// there when the migration runs. Indexed by hall day first: a report reads a
// range of days from one covering index, never the whole table.
//
// A later migration that rebuilds tickets, cases or ratings (CREATE … _vN, DROP,
// RENAME, as migration 10 did) drops these triggers with the old table: it must
// create them again (test/server/migration-report-facts.test.ts checks they exist
// after every migration).
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../common/migrations.ts';

/** Hall day of an ISO time (Beijing, UTC+8 all year, as common/hall-time.ts). */
const hallDay = (column: string): string => `date(${column}, '+8 hours')`;
/** Whole seconds from one ISO time to another, never below 0; NULL if either is missing. */
const seconds = (from: string, to: string): string =>
  `CASE WHEN ${from} IS NULL OR ${to} IS NULL THEN NULL
     ELSE MAX(0, CAST(round((julianday(${to}) - julianday(${from})) * 86400) AS INTEGER)) END`;

/** The case a served ticket was for: the last one its window decided for that number after calling it (SQL both engines take). */
export const caseOf = (ticket: string, column: 'item_code' | 'staff_no'): string =>
  `(SELECT ${column} FROM cases WHERE window_id = ${ticket}.window_id AND decided_at >= ${ticket}.called_at
     AND ticket_number = ${ticket}.number ORDER BY decided_at DESC LIMIT 1)`;

/** A rating's line: its ticket's (as queued, after any 转业务), a walk-in's, else its item's line, else ''. */
const ratingLine = (rating: string): string => `COALESCE(
    (SELECT COALESCE(queue_line_id, line_id) FROM tickets
      WHERE day = ${hallDay(`${rating}.opened_at`)} AND number = ${rating}.ticket_number ORDER BY id DESC LIMIT 1),
    (SELECT line_id FROM walk_ins
      WHERE window_id = ${rating}.window_id AND day = ${hallDay(`${rating}.opened_at`)} AND number = ${rating}.ticket_number),
    (SELECT json_extract(value, '$.lineId') FROM config_changes
      WHERE kind = 'item' AND key = ${rating}.item_code ORDER BY version DESC LIMIT 1),
    '')`;

export const reportFactsMigration: MigrationStep<Database.Database> = {
  name: 'report facts: one row per served ticket and per rating, by hall day, for 统计报表',
  up(db) {
    db.exec(`
      -- One row per served ticket (办结). staff_no: the case's clerk when a case
      -- names the ticket, else the clerk signed in at the window when it was
      -- finished ('' if none). item_code: the case's or the rating's item (NULL: none known).
      CREATE TABLE report_services (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
        day TEXT NOT NULL,
        window_id INTEGER NOT NULL,
        staff_no TEXT NOT NULL,
        line_id TEXT NOT NULL,
        item_code TEXT,
        wait_s INTEGER CHECK (wait_s >= 0), -- 取号 → 叫号
        service_s INTEGER CHECK (service_s >= 0) -- 叫号 → 办结
      ) STRICT;
      CREATE INDEX report_services_by_day
        ON report_services (day, window_id, staff_no, line_id, item_code, wait_s, service_s);

      -- One row per rating (ratings are never edited, so neither is this).
      CREATE TABLE report_ratings (
        rating_id TEXT PRIMARY KEY REFERENCES ratings (id),
        day TEXT NOT NULL,
        window_id INTEGER NOT NULL,
        staff_no TEXT NOT NULL,
        line_id TEXT NOT NULL,
        item_code TEXT,
        level INTEGER CHECK (level BETWEEN 1 AND 5),
        outcome TEXT NOT NULL CHECK (outcome IN ('rated', 'not_rated', 'cancelled'))
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX report_ratings_by_day
        ON report_ratings (day, window_id, staff_no, line_id, item_code, level, outcome);
      -- 差评 of a period with their follow-ups: few rows, found without reading the rest.
      CREATE INDEX report_ratings_bad ON report_ratings (day) WHERE level <= 2;
      CREATE INDEX follow_ups_by_rating ON follow_ups (rating_id);
      CREATE INDEX follow_up_steps_by_follow_up ON follow_up_steps (device_id, local_id, to_state);

      CREATE TRIGGER report_services_on_finish AFTER UPDATE OF status ON tickets
        WHEN NEW.status = 'completed' AND OLD.status <> 'completed' AND NEW.window_id IS NOT NULL
      BEGIN
        INSERT OR REPLACE INTO report_services (ticket_id, day, window_id, staff_no, line_id, item_code, wait_s, service_s)
        VALUES (NEW.id, NEW.day, NEW.window_id,
          COALESCE(${caseOf('NEW', 'staff_no')},
            (SELECT c.staff_no FROM window_clerks AS w JOIN staff_credentials AS c ON c.staff_id = w.staff_id
              WHERE w.window_id = NEW.window_id),
            ''),
          COALESCE(NEW.queue_line_id, NEW.line_id),
          ${caseOf('NEW', 'item_code')},
          ${seconds('NEW.issued_at', 'NEW.called_at')},
          ${seconds('NEW.called_at', 'NEW.ended_at')});
      END;

      CREATE TRIGGER report_services_on_case AFTER INSERT ON cases WHEN NEW.ticket_number IS NOT NULL
      BEGIN
        UPDATE report_services SET item_code = NEW.item_code, staff_no = NEW.staff_no
        WHERE ticket_id = (SELECT id FROM tickets
          WHERE day = ${hallDay('COALESCE(NEW.called_at, NEW.decided_at)')} AND number = NEW.ticket_number
            AND window_id = NEW.window_id ORDER BY id DESC LIMIT 1);
      END;

      CREATE TRIGGER report_ratings_on_rating AFTER INSERT ON ratings
      BEGIN
        INSERT INTO report_ratings (rating_id, day, window_id, staff_no, line_id, item_code, level, outcome)
        VALUES (NEW.id, ${hallDay('NEW.opened_at')}, NEW.window_id, NEW.staff_no, ${ratingLine('NEW')},
          NEW.item_code, NEW.level, NEW.outcome);
        UPDATE report_services SET item_code = NEW.item_code
        WHERE NEW.item_code IS NOT NULL AND item_code IS NULL AND ticket_id = (SELECT id FROM tickets
          WHERE day = ${hallDay('NEW.opened_at')} AND number = NEW.ticket_number AND window_id = NEW.window_id
          ORDER BY id DESC LIMIT 1);
      END;

      -- What the hall already holds.
      INSERT INTO report_services (ticket_id, day, window_id, staff_no, line_id, item_code, wait_s, service_s)
        SELECT t.id, t.day, t.window_id,
          COALESCE(${caseOf('t', 'staff_no')},
            (SELECT c.staff_no FROM hall_log AS l JOIN staff_credentials AS c ON c.staff_id = l.staff_id
              WHERE l.action = 'sign_in' AND l.window_id = t.window_id AND l.at <= COALESCE(t.called_at, t.ended_at)
              ORDER BY l.version DESC LIMIT 1),
            ''),
          COALESCE(t.queue_line_id, t.line_id),
          ${caseOf('t', 'item_code')},
          ${seconds('t.issued_at', 't.called_at')},
          ${seconds('t.called_at', 't.ended_at')}
        FROM tickets AS t WHERE t.status = 'completed' AND t.window_id IS NOT NULL;
      INSERT INTO report_ratings (rating_id, day, window_id, staff_no, line_id, item_code, level, outcome)
        SELECT r.id, ${hallDay('r.opened_at')}, r.window_id, r.staff_no, ${ratingLine('r')}, r.item_code, r.level, r.outcome
        FROM ratings AS r;
      UPDATE report_services SET item_code = (SELECT rr.item_code FROM report_ratings AS rr
          JOIN ratings AS r ON r.id = rr.rating_id
          WHERE rr.day = report_services.day AND rr.window_id = report_services.window_id AND rr.item_code IS NOT NULL
            AND r.ticket_number = (SELECT number FROM tickets WHERE id = report_services.ticket_id) LIMIT 1)
        WHERE item_code IS NULL;
    `);
  },
};
