// The hall server's schema for the manager's desk (issue 17, points 1 and 3):
// what the 大厅总览 needs (the devices each counter reports), what case search
// needs (the applicant's keyed ID hash, indexes for each filter) and the
// append-only 查阅记录 of case details opened. Registered in server/db.ts.
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../common/migrations.ts';

export const managerDeskMigration: MigrationStep<Database.Database> = {
  name: "manager's desk: window device health, the applicant's keyed ID hash and search indexes on cases, the append-only case audit",
  up(db) {
    db.exec(`
      -- What each window's counter last reported of its printer, evaluator and outward screen.
      CREATE TABLE window_devices (
        window_id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL REFERENCES devices (id),
        report TEXT NOT NULL CHECK (json_valid(report)),
        reported_at TEXT NOT NULL
      ) STRICT;

      -- HMAC-SHA256 (the hall's key, server/case-search.ts) of the applicant's ID number, hex:
      -- found by exact match; the ID itself is never stored. NULL: not sent (an older counter).
      ALTER TABLE cases ADD COLUMN applicant_key TEXT;
      CREATE INDEX cases_by_applicant_key ON cases (applicant_key, decided_at) WHERE applicant_key IS NOT NULL;
      CREATE INDEX cases_by_decided ON cases (decided_at);
      CREATE INDEX cases_by_staff ON cases (staff_no, decided_at);
      CREATE INDEX cases_by_item ON cases (item_code, decided_at);

      -- 查阅记录: who opened which case's details, when, from which device. Never changed, never removed.
      CREATE TABLE case_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('open_case')),
        case_no TEXT NOT NULL,
        staff_no TEXT NOT NULL,
        staff_name TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices (id),
        device_name TEXT NOT NULL,
        window_id INTEGER
      ) STRICT;
      CREATE INDEX case_audit_by_case ON case_audit (case_no, id);
      CREATE TRIGGER case_audit_never_updated BEFORE UPDATE ON case_audit
        BEGIN SELECT RAISE(ABORT, '查阅记录不可修改'); END;
      CREATE TRIGGER case_audit_never_deleted BEFORE DELETE ON case_audit
        BEGIN SELECT RAISE(ABORT, '查阅记录不可删除'); END;
    `);
  },
};
