// 统计报表 (issue 17) over a quarter known by construction
// (test/helpers/report-hall.ts: windows 1–3, clerks 1001–1005, every day of
// 2026 Q3 and one day either side, in a real SQLite file): every figure of
// both reports, in every view, is checked against what the construction's
// rules give — computed here from the returned records, not by SQL — for the
// quarter, a month, a day and with window / clerk filters. And the report
// queries read a range of the facts' indexes: no full scan, no temp B-tree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPORT_VIEWS,
  type RatingRow,
  type ReportQuery,
  type ReportView,
  type WorkloadRow,
} from '../../common/reports.ts';
import { openHallDatabase, type HallDatabase } from '../../server/db.ts';
import { createReports, deadlineOf, REPORT_SQL } from '../../server/reports.ts';
import { seedHallIfEmpty } from '../../server/seed.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { buildReportHall, Q3, REPORT_TODAY, type BuiltHall } from '../helpers/report-hall.ts';

let dir: string;
let db: HallDatabase;
let built: BuiltHall;
const clock = () => new Date(`${REPORT_TODAY}T10:00:00+08:00`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-reports-'));
  db = openHallDatabase(join(dir, 'hall.sqlite'));
  await seedHallIfEmpty(db, DEMO_SEED_DIR);
  built = buildReportHall(db);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- the figures by the construction's rules ----------------------------------------

const keyOf = (view: ReportView, r: { windowId: number; staffNo: string; lineId: string; itemCode: string }): string =>
  view === 'window' ? String(r.windowId) : view === 'staff' ? r.staffNo : view === 'line' ? r.lineId : r.itemCode;

const nearestRank = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1]!;
};
const mean = (values: number[]): number | null =>
  values.length === 0 ? null : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;

function expected(query: ReportQuery, view: ReportView | 'total') {
  const inRange = <T extends { day: string; windowId: number; staffNo: string }>(r: T) =>
    r.day >= query.from &&
    r.day <= query.to &&
    (query.windowId === undefined || r.windowId === query.windowId) &&
    (query.staffNo === undefined || r.staffNo === query.staffNo);
  const services = built.services.filter(inRange);
  const ratings = built.ratings.filter(inRange);
  const keys = view === 'total' ? [''] : [...new Set([...services, ...ratings].map((r) => keyOf(view, r)))];
  const of = <T extends { windowId: number; staffNo: string; lineId: string; itemCode: string }>(rows: T[], key: string) =>
    view === 'total' ? rows : rows.filter((r) => keyOf(view, r) === key);
  return new Map(
    keys.map((key) => {
      const s = of(services, key);
      const r = of(ratings, key).filter((x) => x.level !== null);
      const count = (level: number) => r.filter((x) => x.level === level).length;
      const bad = r.filter((x) => x.level! <= 2);
      const deadlines = bad.map((x) => deadlineOf(x.followUp, REPORT_TODAY));
      const workload: Omit<WorkloadRow, 'name'> = {
        key,
        served: s.length,
        waitAvg: mean(s.map((x) => x.wait)),
        waitP90: nearestRank(s.map((x) => x.wait), 0.9),
        serviceAvg: mean(s.map((x) => x.service)),
        serviceP90: nearestRank(s.map((x) => x.service), 0.9),
      };
      const good = count(5) + count(4) + count(3);
      const onTime = deadlines.filter((x) => x === 'met').length;
      const rating: Omit<RatingRow, 'name'> = {
        key,
        served: s.length,
        rated: r.length,
        notRated: Math.max(0, s.length - r.length),
        ratingRate: s.length ? r.length / s.length : null,
        levels: { 5: count(5), 4: count(4), 3: count(3), 2: count(2), 1: count(1) },
        goodRate: r.length ? good / r.length : null,
        bad: bad.length,
        badCalledBack: bad.filter((x) => x.followUp?.calledBackOn).length,
        badOnTime: onTime,
        badOverdue: deadlines.filter((x) => x === 'late' || x === 'overdue').length,
        badOpen: deadlines.filter((x) => x === 'open').length,
        badNoFollowUp: deadlines.filter((x) => x === 'none').length,
        onTimeRate: bad.length ? onTime / bad.length : null,
      };
      return [key, { workload, rating }];
    }),
  );
}

function checkAll(query: ReportQuery) {
  const reports = createReports(db, { clock });
  const workload = reports.workload(query);
  const ratings = reports.ratings(query);
  for (const view of REPORT_VIEWS) {
    const want = expected(query, view);
    expect(workload.views[view].map((row) => row.key).sort()).toEqual([...want.keys()].sort());
    for (const row of workload.views[view]) expect({ view, ...row, name: undefined }).toEqual({ view, ...want.get(row.key)!.workload, name: undefined });
    for (const row of ratings.views[view]) expect({ view, ...row, name: undefined }).toEqual({ view, ...want.get(row.key)!.rating, name: undefined });
    expect(ratings.views[view]).toHaveLength(want.size);
  }
  const total = expected(query, 'total').get('')!;
  expect({ ...workload.total, name: undefined }).toEqual({ ...total.workload, name: undefined });
  expect({ ...ratings.total, name: undefined }).toEqual({ ...total.rating, name: undefined });
  // Both at once (the .xlsx) gives the same figures.
  const both = reports.both(query);
  expect({ ...both.workload, generatedAt: '' }).toEqual({ ...workload, generatedAt: '' });
  expect({ ...both.ratings, generatedAt: '' }).toEqual({ ...ratings, generatedAt: '' });
  return { workload, ratings };
}

describe('统计报表 over a quarter known by construction', () => {
  it('the construction is what the hall holds: 92 + 2 days × 3 windows, a mix of levels, follow-ups and deadlines', () => {
    expect(db.prepare('SELECT COUNT(*) FROM report_services').pluck().get()).toBe(built.services.length);
    expect(db.prepare('SELECT COUNT(*) FROM report_ratings').pluck().get()).toBe(built.ratings.length);
    const deadlines = new Set(built.ratings.filter((r) => r.level !== null && r.level <= 2).map((r) => deadlineOf(r.followUp, REPORT_TODAY)));
    expect([...deadlines].sort()).toEqual(['late', 'met', 'none', 'open', 'overdue']);
    expect(new Set(built.services.map((s) => s.itemCode)).has('')).toBe(true);
    expect(new Set(built.services.map((s) => s.staffNo)).size).toBe(5);
  });

  it('quarter (2026 Q3): every figure of every view and the totals', () => {
    const { workload, ratings } = checkAll({ ...Q3 });
    expect(workload.periodLabel).toBe('2026年第3季度（2026-07-01 至 2026-09-30）');
    expect(workload.hallName).toBe('XX市政务服务中心');
    // The days either side are left out.
    expect(workload.total.served).toBe(built.services.filter((s) => s.day >= Q3.from && s.day <= Q3.to).length);
    expect(workload.total.served).toBeLessThan(built.services.length);
    // Names as the hall calls them.
    expect(workload.views.window.map((r) => r.name)).toEqual(['1号窗口', '2号窗口', '3号窗口']);
    expect(workload.views.staff[0]!.name).toBe('王丽华（1001）');
    expect(workload.views.line.map((r) => r.name)).toEqual(['A 综合受理', 'B 不动产登记', 'C 企业开办']);
    expect(workload.views.item.find((r) => r.key === 'GA-SFZ-002')!.name).toBe('居民身份证换领');
    expect(workload.views.item.at(-1)!.name).toBe('（未登记事项）');
    // The bad ratings listed one by one, oldest first, with their follow-ups.
    const bad = built.ratings.filter((r) => r.level !== null && r.level <= 2 && r.day >= Q3.from && r.day <= Q3.to);
    expect(ratings.badRatings.map((b) => b.ratingId).sort()).toEqual(bad.map((b) => b.id).sort());
    for (const entry of ratings.badRatings) {
      const source = bad.find((b) => b.id === entry.ratingId)!;
      expect(entry).toMatchObject({
        day: source.day,
        windowId: source.windowId,
        staffNo: source.staffNo,
        level: source.level,
        dueDate: source.followUp?.dueDate ?? null,
        followUpState: source.followUp?.state ?? null,
        calledBackOn: source.followUp?.calledBackOn ?? null,
        deadline: deadlineOf(source.followUp, REPORT_TODAY),
      });
    }
    expect(ratings.badRatings.map((b) => b.day)).toEqual([...ratings.badRatings.map((b) => b.day)].sort());
  });

  it('a month, a day, and one window / one clerk', () => {
    expect(checkAll({ from: '2026-08-01', to: '2026-08-31' }).workload.periodLabel).toBe('2026年8月（2026-08-01 至 2026-08-31）');
    expect(checkAll({ from: '2026-07-15', to: '2026-07-15' }).workload.periodLabel).toBe('2026年7月15日');
    expect(checkAll({ ...Q3, windowId: 2 }).workload.views.window.map((r) => r.key)).toEqual(['2']);
    expect(checkAll({ ...Q3, staffNo: '1003' }).workload.views.staff.map((r) => r.key)).toEqual(['1003']);
    expect(checkAll({ ...Q3, windowId: 3, staffNo: '1004' }).ratings.total.served).toBeGreaterThan(0);
    // Days nobody worked: all zero, nothing divided by zero.
    const empty = checkAll({ from: '2026-12-01', to: '2026-12-31' });
    expect(empty.workload.total).toMatchObject({ served: 0, waitAvg: null, waitP90: null });
    expect(empty.ratings.total).toMatchObject({ rated: 0, ratingRate: null, goodRate: null, onTimeRate: null });
  });

  it('an unknown window or staff number: a Chinese refusal, nothing read', () => {
    const reports = createReports(db, { clock });
    expect(() => reports.workload({ ...Q3, windowId: 99 })).toThrow(/窗口 99 不存在/);
    expect(() => reports.ratings({ ...Q3, staffNo: '9999' })).toThrow(/工号 9999 不存在/);
  });
});

describe('report queries read a range of an index (EXPLAIN QUERY PLAN)', () => {
  const plan = (sql: string, params: unknown[]) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');

  it.each([
    ['services', REPORT_SQL.services(), /SEARCH report_services USING COVERING INDEX report_services_by_day \(day>\? AND day<\?\)/],
    ['served counts', REPORT_SQL.served(), /SEARCH report_services USING COVERING INDEX report_services_by_day \(day>\? AND day<\?\)/],
    ['ratings', REPORT_SQL.ratings(), /SEARCH report_ratings USING COVERING INDEX report_ratings_by_day \(day>\? AND day<\?\)/],
  ])('%s: covering index range, no scan, no temp B-tree (grouped in index order)', (_, sql, pattern) => {
    const params = [Q3.from, Q3.to, ...(sql.includes('window_id = ?') || sql.includes('staff_no = ?') ? [1] : [])];
    const detail = plan(sql, params);
    expect(detail).toMatch(pattern);
    expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it('bad ratings: the partial index of 差评 by day, ratings and follow-ups by key, steps by follow-up; no sort', () => {
    const detail = plan(REPORT_SQL.bad(), [Q3.from, Q3.to]);
    expect(detail).toMatch(/SEARCH rr USING (COVERING )?INDEX report_ratings_bad \(day>\? AND day<\?\)/);
    expect(detail).toMatch(/SEARCH r USING INDEX sqlite_autoindex_ratings_1 \(id=\?\)/);
    expect(detail).toMatch(/SEARCH f USING INDEX follow_ups_by_rating \(rating_id=\?\)/);
    expect(detail).toMatch(/SEARCH s USING (COVERING )?INDEX follow_up_steps_by_follow_up \(device_id=\? AND local_id=\? AND to_state=\?\)/);
    expect(detail).not.toMatch(/SCAN|TEMP B-TREE/);
  });
});

