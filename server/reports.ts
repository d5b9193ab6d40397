// 统计报表 (issue 17): 好差评 and workload over a period of hall days, per
// window, clerk, line and item, from the report facts (server/report-facts.ts).
// One range read of each covering index, aggregated here in one pass for all
// four views: averages, p90 (nearest rank) and counts. The manager rule is the
// route's (server/hall-server.ts); the .xlsx is server/report-workbook.ts.
import { HallError } from '../common/errors.ts';
import { hallToday } from '../common/hall-time.ts';
import type { FollowUpState } from '../common/ratings.ts';
import {
  MAX_BAD_LISTED,
  periodLabel,
  REPORT_VIEWS,
  type BadRatingEntry,
  type FollowUpDeadline,
  type RatingReport,
  type RatingRow,
  type ReportQuery,
  type ReportView,
  type WorkloadReport,
  type WorkloadRow,
} from '../common/reports.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';

/** window_id, staff_no, line_id, item_code, wait_s, service_s */
type ServiceRow = [number, string, string, string | null, number | null, number | null];
/** window_id, staff_no, line_id, item_code, level */
type RatingFactRow = [number, string, string, string | null, number];

interface BadRow {
  rating_id: string;
  day: string;
  window_id: number;
  staff_no: string;
  line_id: string;
  item_code: string | null;
  level: 1 | 2;
  ticket_number: string | null;
  state: FollowUpState | null;
  due_date: string | null;
  called_back_at: string | null;
}

const filters = (query: { windowId?: number; staffNo?: string }, prefix = ''): { sql: string; params: (string | number)[] } => {
  const sql: string[] = [];
  const params: (string | number)[] = [];
  if (query.windowId !== undefined) {
    sql.push(`${prefix}window_id = ?`);
    params.push(query.windowId);
  }
  if (query.staffNo !== undefined) {
    sql.push(`${prefix}staff_no = ?`);
    params.push(query.staffNo);
  }
  return { sql: sql.map((s) => ` AND ${s}`).join(''), params };
};

/** The report queries, exported for their EXPLAIN QUERY PLAN tests. */
export const REPORT_SQL = {
  services: (f = '') =>
    `SELECT window_id, staff_no, line_id, item_code, wait_s, service_s FROM report_services WHERE day BETWEEN ? AND ?${f}`,
  ratings: (f = '') =>
    `SELECT window_id, staff_no, line_id, item_code, level FROM report_ratings
     WHERE day BETWEEN ? AND ? AND outcome = 'rated'${f}`,
  bad: (f = '') =>
    `SELECT rr.rating_id, rr.day, rr.window_id, rr.staff_no, rr.line_id, rr.item_code, rr.level, r.ticket_number,
       f.state, f.due_date,
       (SELECT MIN(s.at) FROM follow_up_steps AS s
         WHERE s.device_id = f.device_id AND s.local_id = f.local_id AND s.to_state = 'called_back') AS called_back_at
     FROM report_ratings AS rr
       JOIN ratings AS r ON r.id = rr.rating_id
       LEFT JOIN follow_ups AS f ON f.rating_id = rr.rating_id
     WHERE rr.day BETWEEN ? AND ? AND rr.level <= 2${f}
     ORDER BY rr.day, rr.rating_id`,
};

/** Nearest-rank percentile of sorted values: the smallest value with at least p of them at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

/** A follow-up against its due date, read on the hall day `today`. */
export function deadlineOf(
  followUp: { dueDate: string | null; calledBackOn: string | null } | null,
  today: string,
): FollowUpDeadline {
  if (!followUp || followUp.dueDate === null) return 'none';
  if (followUp.calledBackOn !== null) return followUp.calledBackOn <= followUp.dueDate ? 'met' : 'late';
  return today > followUp.dueDate ? 'overdue' : 'open';
}

class Times {
  private values: number[] = [];
  private sum = 0;
  add(value: number): void {
    this.values.push(value);
    this.sum += value;
  }
  summary(): { avg: number | null; p90: number | null } {
    const n = this.values.length;
    if (n === 0) return { avg: null, p90: null };
    const sorted = Int32Array.from(this.values).sort();
    return { avg: Math.round((this.sum / n) * 10) / 10, p90: percentile(sorted, 0.9) };
  }
}

class Group {
  served = 0;
  wait = new Times();
  service = new Times();
  rated = 0;
  levels = { 5: 0, 4: 0, 3: 0, 2: 0, 1: 0 } as Record<1 | 2 | 3 | 4 | 5, number>;
  bad = { calledBack: 0, onTime: 0, overdue: 0, open: 0, none: 0 };
}

type Groups = Record<ReportView, Map<string, Group>>;
const newGroups = (): Groups => ({ window: new Map(), staff: new Map(), line: new Map(), item: new Map() });
const groupOf = (map: Map<string, Group>, key: string): Group => {
  let group = map.get(key);
  if (!group) map.set(key, (group = new Group()));
  return group;
};

export function createReports(db: HallDatabase, { clock }: { clock: () => Date }) {
  const config = createConfigStore(db);
  const knownStaffNo = db.prepare<[string], number>('SELECT 1 FROM staff_credentials WHERE staff_no = ?').pluck();

  function check(query: ReportQuery): void {
    if (query.windowId !== undefined && !config.get('window', String(query.windowId))) {
      throw new HallError('BAD_REQUEST', `查询参数不正确：窗口 ${query.windowId} 不存在，请从窗口列表中选择`, 400);
    }
    if (query.staffNo !== undefined && !knownStaffNo.get(query.staffNo)) {
      throw new HallError('BAD_REQUEST', `查询参数不正确：工号 ${query.staffNo} 不存在，请从人员列表中选择`, 400);
    }
  }

  function names() {
    const staff = new Map(config.list('staff').map((s) => [s.staffNo, s.name]));
    const nameOf: Record<ReportView, (key: string) => string> = {
      window: (key) => config.get('window', key)?.name ?? `${key}号窗口`,
      staff: (key) => (key === '' ? '（未登录人员）' : `${staff.get(key) ?? '（已删除人员）'}（${key}）`),
      line: (key) => (key === '' ? '（未知业务类型）' : `${key} ${config.get('line', key)?.name ?? ''}`.trim()),
      item: (key) => (key === '' ? '（未登记事项）' : (config.get('item', key)?.name ?? key)),
    };
    return nameOf;
  }

  const keysOf = (windowId: number, staffNo: string, lineId: string, itemCode: string | null): Record<ReportView, string> => ({
    window: String(windowId),
    staff: staffNo,
    line: lineId,
    item: itemCode ?? '',
  });

  /** Orders rows: windows by number, the rest by key; the unknown ('') last. */
  const ordered = (view: ReportView, map: Map<string, Group>): [string, Group][] =>
    [...map.entries()].sort(([a], [b]) => {
      if (a === '' || b === '') return a === '' ? (b === '' ? 0 : 1) : -1;
      return view === 'window' ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
    });

  /** Every figure of the period, both reports' worth, in one pass over each fact table. */
  function compute(query: ReportQuery, want: { services: boolean; ratings: boolean }) {
    check(query);
    const groups = newGroups();
    const total = new Group();
    const f = filters(query);
    const range = [query.from, query.to, ...f.params];
    // Served: needed by both reports (评价率 = rated ÷ served).
    for (const [windowId, staffNo, lineId, itemCode, wait, service] of db
      .prepare<unknown[], ServiceRow>(REPORT_SQL.services(f.sql))
      .raw()
      .iterate(...range) as Iterable<ServiceRow>) {
      const keys = keysOf(windowId, staffNo, lineId, itemCode);
      const touched = [total, ...REPORT_VIEWS.map((view) => groupOf(groups[view], keys[view]))];
      for (const group of touched) {
        group.served += 1;
        if (want.services && wait !== null && service !== null) {
          group.wait.add(wait);
          group.service.add(service);
        }
      }
    }
    const bad: BadRatingEntry[] = [];
    let badTruncated = false;
    if (want.ratings) {
      for (const [windowId, staffNo, lineId, itemCode, level] of db
        .prepare<unknown[], RatingFactRow>(REPORT_SQL.ratings(f.sql))
        .raw()
        .iterate(...range) as Iterable<RatingFactRow>) {
        const keys = keysOf(windowId, staffNo, lineId, itemCode);
        for (const group of [total, ...REPORT_VIEWS.map((view) => groupOf(groups[view], keys[view]))]) {
          group.rated += 1;
          group.levels[level as 1 | 2 | 3 | 4 | 5] += 1;
        }
      }
      const today = hallToday(clock());
      const nameOf = names();
      const fb = filters(query, 'rr.');
      for (const row of db.prepare<unknown[], BadRow>(REPORT_SQL.bad(fb.sql)).iterate(query.from, query.to, ...fb.params) as Iterable<BadRow>) {
        const calledBackOn = row.called_back_at ? hallToday(row.called_back_at) : null;
        const deadline = deadlineOf(row.state === null ? null : { dueDate: row.due_date, calledBackOn }, today);
        const keys = keysOf(row.window_id, row.staff_no, row.line_id, row.item_code);
        for (const group of [total, ...REPORT_VIEWS.map((view) => groupOf(groups[view], keys[view]))]) {
          if (calledBackOn !== null) group.bad.calledBack += 1;
          if (deadline === 'met') group.bad.onTime += 1;
          else if (deadline === 'late' || deadline === 'overdue') group.bad.overdue += 1;
          else if (deadline === 'open') group.bad.open += 1;
          else group.bad.none += 1;
        }
        if (bad.length >= MAX_BAD_LISTED) {
          badTruncated = true;
          continue;
        }
        bad.push({
          ratingId: row.rating_id,
          day: row.day,
          windowId: row.window_id,
          windowName: nameOf.window(String(row.window_id)),
          staffNo: row.staff_no,
          staffName: nameOf.staff(row.staff_no),
          itemCode: row.item_code,
          itemName: nameOf.item(row.item_code ?? ''),
          ticketNumber: row.ticket_number,
          level: row.level,
          followUpState: row.state,
          dueDate: row.due_date,
          calledBackOn,
          deadline,
        });
      }
    }
    return { groups, total, bad, badTruncated };
  }

  const workloadRow = (key: string, name: string, group: Group): WorkloadRow => {
    const wait = group.wait.summary();
    const service = group.service.summary();
    return { key, name, served: group.served, waitAvg: wait.avg, waitP90: wait.p90, serviceAvg: service.avg, serviceP90: service.p90 };
  };
  const ratingRow = (key: string, name: string, group: Group): RatingRow => {
    const good = group.levels[5] + group.levels[4] + group.levels[3];
    const badCount = group.levels[2] + group.levels[1];
    return {
      key,
      name,
      served: group.served,
      rated: group.rated,
      notRated: Math.max(0, group.served - group.rated),
      ratingRate: group.served > 0 ? group.rated / group.served : null,
      levels: { ...group.levels },
      goodRate: group.rated > 0 ? good / group.rated : null,
      bad: badCount,
      badCalledBack: group.bad.calledBack,
      badOnTime: group.bad.onTime,
      badOverdue: group.bad.overdue,
      badOpen: group.bad.open,
      badNoFollowUp: group.bad.none,
      onTimeRate: badCount > 0 ? group.bad.onTime / badCount : null,
    };
  };

  function header(query: ReportQuery) {
    return {
      hallName: config.get('settings', 'hall')?.hallName ?? '政务服务中心',
      from: query.from,
      to: query.to,
      periodLabel: periodLabel(query.from, query.to),
      generatedAt: clock().toISOString(),
    };
  }

  function build<R>(
    query: ReportQuery,
    want: { services: boolean; ratings: boolean },
    row: (key: string, name: string, group: Group) => R,
  ) {
    const result = compute(query, want);
    const nameOf = names();
    const views = Object.fromEntries(
      REPORT_VIEWS.map((view) => [view, ordered(view, result.groups[view]).map(([key, group]) => row(key, nameOf[view](key), group))]),
    ) as Record<ReportView, R[]>;
    return { views, total: row('', '合计', result.total), bad: result.bad, badTruncated: result.badTruncated };
  }

  return {
    workload(query: ReportQuery): WorkloadReport {
      const { views, total } = build(query, { services: true, ratings: false }, workloadRow);
      return { ...header(query), views, total };
    },
    ratings(query: ReportQuery): RatingReport {
      const { views, total, bad, badTruncated } = build(query, { services: false, ratings: true }, ratingRow);
      return { ...header(query), views, total, badRatings: bad, badRatingsTruncated: badTruncated };
    },
    /** Both reports from one pass (the .xlsx has both). */
    both(query: ReportQuery): { workload: WorkloadReport; ratings: RatingReport } {
      const built = build(query, { services: true, ratings: true }, (key, name, group) => ({
        w: workloadRow(key, name, group),
        r: ratingRow(key, name, group),
      }));
      const pick = <K extends 'w' | 'r'>(k: K) =>
        Object.fromEntries(REPORT_VIEWS.map((view) => [view, built.views[view].map((row) => row[k])])) as Record<
          ReportView,
          (typeof built.total)[K][]
        >;
      const head = header(query);
      return {
        workload: { ...head, views: pick('w'), total: built.total.w },
        ratings: { ...head, views: pick('r'), total: built.total.r, badRatings: built.bad, badRatingsTruncated: built.badTruncated },
      };
    },
  };
}
export type Reports = ReturnType<typeof createReports>;
