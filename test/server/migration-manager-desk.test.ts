// Hall server migration "manager's desk" (issue 17): window_devices, the
// applicant's keyed ID hash on cases (NULL for cases already there) with the
// search indexes, and case_audit, whose triggers refuse UPDATE and DELETE.
// The search queries (server/case-search.ts searchClause) seek an index for
// each kind of filter — EXPLAIN QUERY PLAN: no scan of cases.
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { planOncePerStatement } from '../../common/sql-placeholders.ts';
import { migrate, migrations } from '../../server/db.ts';
import { searchClause } from '../../server/case-search.ts';

const VERSION = migrations.findIndex((migration) => migration.name.startsWith("manager's desk")) + 1;

function caseRow(db: Database.Database, caseNo: string, windowId: number, decidedAt: string): void {
  db.prepare(
    `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
       applicant_masked, decision, status, outcome, decided_at, promised_date, finished_at, finished_by, missing_json,
       owed_by, refuse_reason, seq)
     VALUES (?, 'c', ?, 'GA-ZM-006', '无犯罪记录证明开具', 'promised', '1001', NULL, NULL,
       '{"type":"person","name":"王**","idMasked":"3201**********0012"}', 'accept', 'accepted', NULL, ?, '2026-12-10',
       NULL, NULL, '[]', NULL, NULL, 1)`,
  ).run(caseNo, windowId, decidedAt);
}

it('adds device health, the applicant key and search indexes over the cases already there, and an append-only audit', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, VERSION - 1));
  db.prepare(
    "INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at) VALUES ('c', 1, 'counter 2', 'counter', 2, 'h', '2026-12-07T00:00:00Z')",
  ).run();
  caseRow(db, '20261206020010001', 2, '2026-12-06T03:00:00.000Z');

  migrate(db, migrations.slice(0, VERSION));
  expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
  expect(db.prepare('SELECT applicant_key FROM cases').pluck().all()).toEqual([null]);
  db.prepare("UPDATE cases SET applicant_key = 'k1' WHERE case_no = '20261206020010001'").run();
  caseRow(db, '20261207020010001', 2, '2026-12-07T03:00:00.000Z');

  // window_devices: STRICT, one row a window, JSON checked.
  const report = db.prepare("INSERT INTO window_devices (window_id, device_id, report, reported_at) VALUES (2, 'c', ?, 'now')");
  report.run('{"printer":{"level":"ok","message":null}}');
  expect(() => report.run('{}')).toThrow(/UNIQUE/);
  expect(() => db.prepare("INSERT INTO window_devices VALUES (3, 'c', 'not json', 'now')").run()).toThrow(/CHECK/);
  expect(() => db.prepare("INSERT INTO window_devices VALUES ('x', 'c', '{}', 'now')").run()).toThrow(/datatype mismatch|cannot store TEXT/);

  // case_audit: written once, never changed, never removed.
  const audit = db.prepare(
    `INSERT INTO case_audit (at, action, case_no, staff_no, staff_name, device_id, device_name, window_id)
     VALUES ('2026-12-07T03:00:00.000Z', ?, '20261206020010001', '1006', '赵主任', 'c', 'counter 2', 1)`,
  );
  audit.run('open_case');
  expect(() => audit.run('edit_case')).toThrow(/CHECK/);
  expect(() => db.prepare("UPDATE case_audit SET case_no = 'x'").run()).toThrow(/查阅记录不可修改/);
  expect(() => db.prepare('DELETE FROM case_audit').run()).toThrow(/查阅记录不可删除/);
  expect(db.prepare('SELECT COUNT(*) FROM case_audit').pluck().get()).toBe(1);
  db.close();
});

it('seeks an index for each kind of search, and the audit by case', () => {
  const db = new Database(':memory:');
  planOncePerStatement(db);
  migrate(db, migrations.slice(0, VERSION));
  const range = { since: '2026-11-30T16:00:00.000Z', until: '2026-12-07T16:00:00.000Z' };
  const planOf = (filters: Parameters<typeof searchClause>[0]) => {
    const { where, params } = searchClause(filters);
    const sql = `SELECT case_no FROM cases ${where} ORDER BY decided_at DESC, case_no DESC LIMIT 20`;
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
  };
  const cases: [Parameters<typeof searchClause>[0], RegExp][] = [
    [{ caseNo: '20261206020010001' }, /SEARCH cases USING INDEX sqlite_autoindex_cases_1 \(case_no=\?\)/],
    [{ key: 'k', ...range }, /SEARCH cases USING INDEX cases_by_applicant_key \(applicant_key=\? AND decided_at>\? AND decided_at<\?\)/],
    [{ itemCode: 'GA-ZM-006', ...range }, /SEARCH cases USING INDEX cases_by_item \(item_code=\? AND decided_at>\? AND decided_at<\?\)/],
    [{ staffNo: '1001', ...range }, /SEARCH cases USING INDEX cases_by_staff \(staff_no=\? AND decided_at>\? AND decided_at<\?\)/],
    [{ windowId: 2, ...range }, /SEARCH cases USING INDEX cases_by_window \(window_id=\? AND decided_at>\? AND decided_at<\?\)/],
    [{ status: 'accepted', ...range }, /SEARCH cases USING INDEX cases_by_decided \(decided_at>\? AND decided_at<\?\)/],
    [range, /SEARCH cases USING INDEX cases_by_decided \(decided_at>\? AND decided_at<\?\)/],
  ];
  for (const [filters, expected] of cases) {
    const plan = planOf(filters);
    expect(plan, JSON.stringify(filters)).toMatch(expected);
    expect(plan, JSON.stringify(filters)).not.toMatch(/SCAN cases/);
  }
  const auditPlan = (db.prepare("EXPLAIN QUERY PLAN SELECT * FROM case_audit WHERE case_no = ? ORDER BY id DESC LIMIT 20").all('x') as { detail: string }[])
    .map((r) => r.detail)
    .join('\n');
  expect(auditPlan).toMatch(/SEARCH case_audit USING INDEX case_audit_by_case \(case_no=\?\)/);
  expect(auditPlan).not.toMatch(/TEMP B-TREE/);
  db.close();
});
