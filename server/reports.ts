// 统计报表 (issue 17): 好差评 and workload over a period of hall days, per
// window, clerk, line and item, from the report facts (server/report-facts.ts).
// One range read of each covering index, aggregated here in one pass for all
// four views: averages, p90 (nearest rank) and counts. The manager rule is the
// route's (server/hall-service.ts); the .xlsx is server/report-workbook.ts.
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
import { dialectOf } from './storage/hall-database.ts';
import { jsonArrayAgg, type Dialect } from './storage/dialect.ts';

/** window_id, staff_no, line_id, item_code, wait_s, service_s */
/** window_id, staff_no, line_id, item_code, count, wait_s[] and service_s[] as JSON */
type ServiceRow = [number, string, string, string | null, number, string, string];
/** window_id, staff_no, line_id, item_code, level, count */
type RatingFactRow = [number, string, string, string | null, number, number];
/** window_id, staff_no, line_id, item_code, count */
type ServedRow = [number, string, string, string | null, number];

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
  // Grouped by SQLite in index order (no temp B-tree). A window or clerk filter is applied to
  // their rows here, not in SQL: with an equality term SQLite sorts the groups in a temp
  // B-tree instead; the range read is the same either way.
  /**
   * Served tickets per day and (window, clerk, line, item) with their wait and service
   * seconds as JSON arrays (workloadReport): a tenth of the rows to step through and one
   * JSON.parse each, instead of a row per ticket.
   */
  services: (dialect: Dialect = 'sqlite') =>
    `SELECT window_id, staff_no, line_id, item_code, COUNT(*), ${jsonArrayAgg(dialect, 'wait_s')}, ${jsonArrayAgg(dialect, 'service_s')}
     FROM report_services WHERE day BETWEEN ? AND ?
     GROUP BY day, window_id, staff_no, line_id, item_code`,
  /** Served counts only (ratingReport): per day and (window, clerk, line, item). */
  served: () =>
    `SELECT window_id, staff_no, line_id, item_code, COUNT(*) FROM report_services WHERE day BETWEEN ? AND ?
     GROUP BY day, window_id, staff_no, line_id, item_code`,
  /** Rated counts per day, (window, clerk, line, item) and level. */
  ratings: () =>
    `SELECT window_id, staff_no, line_id, item_code, level, COUNT(*) FROM report_ratings
     WHERE day BETWEEN ? AND ? AND outcome = 'rated'
     GROUP BY day, window_id, staff_no, line_id, item_code, level`,
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

/** The k-th smallest (0-based) of `values`, reordering them: quickselect, O(n) on average. */
function kthSmallest(values: Int32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** One (window, clerk, line, item)'s times: each row adds to one part only. */
class Part {
  values: number[] = [];
  sum = 0;
  add(value: number): void {
    this.values.push(value);
    this.sum += value;
  }
}

/** A view's times: the parts of every (window, clerk, line, item) in it, joined when summed up. */
class Times {
  readonly parts: Part[] = [];
  summary(): { avg: number | null; p90: number | null } {
    let n = 0;
    let sum = 0;
    for (const part of this.parts) {
      n += part.values.length;
      sum += part.sum;
    }
    if (n === 0) return { avg: null, p90: null };
    const all = new Int32Array(n);
    let at = 0;
    for (const part of this.parts) {
      all.set(part.values, at);
      at += part.values.length;
    }
    // Nearest rank, as percentile() on sorted values, without sorting them all.
    return { avg: Math.round((sum / n) * 10) / 10, p90: kthSmallest(all, Math.max(0, Math.ceil(0.9 * n) - 1)) };
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
  const dialect = dialectOf(db);
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
    // Each name looked up once per report (差评明细 names the same windows and clerks again and again).
    const memo = (name: (key: string) => string) => {
      const known = new Map<string, string>();
      return (key: string) => known.get(key) ?? (known.set(key, name(key)), known.get(key)!);
    };
    return {
      window: memo(nameOf.window),
      staff: memo(nameOf.staff),
      line: memo(nameOf.line),
      item: memo(nameOf.item),
    } satisfies Record<ReportView, (key: string) => string>;
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
    const kept = (windowId: number, staffNo: string): boolean =>
      (query.windowId === undefined || windowId === query.windowId) && (query.staffNo === undefined || staffNo === query.staffNo);
    // Served: needed by both reports (评价率 = rated ÷ served).
    // Rows come in index order (day, window, clerk, line, item, …): the last row's
    // (window, clerk, line, item) is reused until it changes; each has its groups (the
    // total and one per view) and its own parts of the times, which the views join at the end.
    interface Tuple {
      groups: Group[];
      wait: Part;
      service: Part;
    }
    const tuples = new Map<string, Tuple>();
    let last: { windowId: number; staffNo: string; lineId: string; itemCode: string | null; tuple: Tuple } | null = null;
    const tupleOf = (windowId: number, staffNo: string, lineId: string, itemCode: string | null): Tuple => {
      if (last && last.windowId === windowId && last.staffNo === staffNo && last.lineId === lineId && last.itemCode === itemCode) {
        return last.tuple;
      }
      const id = `${windowId}\u0001${staffNo}\u0001${lineId}\u0001${itemCode ?? ''}`;
      let tuple = tuples.get(id);
      if (!tuple) {
        const keys = keysOf(windowId, staffNo, lineId, itemCode);
        tuple = { groups: [total, ...REPORT_VIEWS.map((view) => groupOf(groups[view], keys[view]))], wait: new Part(), service: new Part() };
        for (const group of tuple.groups) {
          group.wait.parts.push(tuple.wait);
          group.service.parts.push(tuple.service);
        }
        tuples.set(id, tuple);
      }
      last = { windowId, staffNo, lineId, itemCode, tuple };
      return tuple;
    };
    const groupsOf = (windowId: number, staffNo: string, lineId: string, itemCode: string | null): Group[] =>
      tupleOf(windowId, staffNo, lineId, itemCode).groups;
    if (want.services) {
      for (const [windowId, staffNo, lineId, itemCode, count, waitsJson, servicesJson] of db
        .prepare<unknown[], ServiceRow>(REPORT_SQL.services(dialect))
        .raw()
        .iterate(query.from, query.to) as Iterable<ServiceRow>) {
        if (!kept(windowId, staffNo)) continue;
        const tuple = tupleOf(windowId, staffNo, lineId, itemCode);
        for (const group of tuple.groups) group.served += count;
        const waits = JSON.parse(waitsJson) as (number | null)[];
        const services = JSON.parse(servicesJson) as (number | null)[];
        for (let i = 0; i < waits.length; i++) {
          const wait = waits[i]!;
          const service = services[i]!;
          if (wait !== null && service !== null) {
            tuple.wait.add(wait);
            tuple.service.add(service);
          }
        }
      }
    } else {
      for (const [windowId, staffNo, lineId, itemCode, count] of db
        .prepare<unknown[], ServedRow>(REPORT_SQL.served())
        .raw()
        .iterate(query.from, query.to) as Iterable<ServedRow>) {
        if (!kept(windowId, staffNo)) continue;
        for (const group of groupsOf(windowId, staffNo, lineId, itemCode)) group.served += count;
      }
    }
    const bad: BadRatingEntry[] = [];
    let badTruncated = false;
    if (want.ratings) {
      for (const [windowId, staffNo, lineId, itemCode, level, count] of db
        .prepare<unknown[], RatingFactRow>(REPORT_SQL.ratings())
        .raw()
        .iterate(query.from, query.to) as Iterable<RatingFactRow>) {
        if (!kept(windowId, staffNo)) continue;
        for (const group of groupsOf(windowId, staffNo, lineId, itemCode)) {
          group.rated += count;
          group.levels[level as 1 | 2 | 3 | 4 | 5] += count;
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
