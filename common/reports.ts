// 统计报表 (issue 17, reports): 好差评 and workload figures over a period, per
// window, clerk, line (业务类型) and item (事项), as the hall server computes
// them (server/reports.ts) and the manager's desk shows, charts, prints and
// exports to .xlsx. Pure: schemas, the periods a manager picks, the labels.
import { z } from 'zod';
import { addCalendarDays } from './calendar.ts';

/** The four views of every report, in the order the desk shows their tabs and the workbook its sheets. */
export const ReportView = z.enum(['window', 'staff', 'line', 'item']);
export type ReportView = z.infer<typeof ReportView>;
export const REPORT_VIEWS: readonly ReportView[] = ReportView.options;
export const VIEW_LABEL: Record<ReportView, string> = {
  window: '按窗口',
  staff: '按人员',
  line: '按业务类型',
  item: '按事项',
};
/** The first column's header in each view. */
export const VIEW_KEY_HEADER: Record<ReportView, string> = {
  window: '窗口',
  staff: '工作人员',
  line: '业务类型',
  item: '事项',
};

/** The longest period one report covers: a year (366 days in a leap year). */
export const MAX_REPORT_DAYS = 366;

const isCalendarDate = (text: string): boolean => {
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};
const ReportDate = (what: string) =>
  z
    .string({ error: `请填写${what}（YYYY-MM-DD）` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what}格式应为 YYYY-MM-DD，如 2026-07-01`)
    .refine(isCalendarDate, `${what}不是有效的日期，请检查月份和日`);

/** Whole days from `from` to `to`, both counted. */
export function daysInRange(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

const checkRange = (query: { from: string; to: string }, ctx: z.RefinementCtx): void => {
  if (!isCalendarDate(query.from) || !isCalendarDate(query.to)) return;
  if (query.to < query.from) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `结束日期 ${query.to} 早于开始日期 ${query.from}，请重新选择统计区间`,
    });
  } else if (daysInRange(query.from, query.to) > MAX_REPORT_DAYS) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `统计区间为 ${daysInRange(query.from, query.to)} 天，超过一年（最多 ${MAX_REPORT_DAYS} 天），请缩短区间或分段统计`,
    });
  }
};
const WINDOW_ID_MESSAGE = '窗口编号应为正整数';
const StaffNoFilter = z.string().trim().min(1, '工号不能为空').max(32, '工号过长');

/** GET /v1/manager/reports/…: a period of hall days (both ends counted) and optional filters (query text). */
export const ReportQuery = z
  .object({
    from: ReportDate('开始日期'),
    to: ReportDate('结束日期'),
    windowId: z.coerce.number({ error: WINDOW_ID_MESSAGE }).int(WINDOW_ID_MESSAGE).positive(WINDOW_ID_MESSAGE).optional(),
    staffNo: StaffNoFilter.optional(),
  })
  .superRefine(checkRange);
/** The same from the clerk's screen to the counter core (typed, nothing else). */
export const ReportArgs = z
  .strictObject({
    from: ReportDate('开始日期'),
    to: ReportDate('结束日期'),
    windowId: z.number({ error: WINDOW_ID_MESSAGE }).int(WINDOW_ID_MESSAGE).positive(WINDOW_ID_MESSAGE).optional(),
    staffNo: StaffNoFilter.optional(),
  })
  .superRefine(checkRange);
export type ReportQuery = z.infer<typeof ReportQuery>;

const Seconds = z.number().nonnegative().nullable();
// Not capped at 1: ratings for services the hall queue did not see (e.g. served offline) would show as over 100%, not be hidden.
const Rate = z.number().min(0).nullable();
const Count = z.number().int().nonnegative();

/** Workload of one window / clerk / line / item: 服务量 and the wait (取号→叫号) and service (叫号→办结) times. */
export const WorkloadRow = z.object({
  key: z.string(),
  name: z.string(),
  served: Count,
  /** Seconds; null when nothing was served with both times known. */
  waitAvg: Seconds,
  waitP90: Seconds,
  serviceAvg: Seconds,
  serviceP90: Seconds,
});
export type WorkloadRow = z.infer<typeof WorkloadRow>;

/** How a bad rating's follow-up stands against its deadline. */
export const FollowUpDeadline = z.enum(['met', 'late', 'overdue', 'open', 'none']);
export type FollowUpDeadline = z.infer<typeof FollowUpDeadline>;
export const DEADLINE_LABEL: Record<FollowUpDeadline, string> = {
  met: '按期回访',
  late: '逾期回访',
  overdue: '已逾期未回访',
  open: '处理中（未到期）',
  none: '未登记回访',
};

/** Ratings of one window / clerk / line / item. */
export const RatingRow = z.object({
  key: z.string(),
  name: z.string(),
  served: Count,
  rated: Count,
  /** served − rated (never below 0): services no level was given for. */
  notRated: Count,
  /** 评价率 = rated ÷ served; null when nothing was served. */
  ratingRate: Rate,
  /** Counts per level, 5 非常满意 … 1 非常不满意. */
  levels: z.object({ 5: Count, 4: Count, 3: Count, 2: Count, 1: Count }),
  /** 好评率 = (非常满意 + 满意 + 基本满意) ÷ rated; null when nothing was rated. */
  goodRate: Rate,
  /** 差评 (不满意 + 非常不满意) and how their follow-ups stand. */
  bad: Count,
  badCalledBack: Count,
  badOnTime: Count,
  /** Called back after the due date, or still open past it. */
  badOverdue: Count,
  /** Not called back yet, due date not passed. */
  badOpen: Count,
  /** No follow-up registered for it. */
  badNoFollowUp: Count,
  /** 差评整改率 / 回访率 = follow-ups done in time ÷ bad ratings; null without bad ratings. */
  onTimeRate: Rate,
});
export type RatingRow = z.infer<typeof RatingRow>;

export const BadRatingEntry = z.object({
  ratingId: z.string(),
  day: z.string(),
  windowId: z.number().int(),
  windowName: z.string(),
  staffNo: z.string(),
  staffName: z.string(),
  itemCode: z.string().nullable(),
  itemName: z.string(),
  ticketNumber: z.string().nullable(),
  level: z.union([z.literal(1), z.literal(2)]),
  followUpState: z.enum(['verifying', 'fixing', 'called_back']).nullable(),
  dueDate: z.string().nullable(),
  /** The hall day it was called back, if it was. */
  calledBackOn: z.string().nullable(),
  deadline: FollowUpDeadline,
});
export type BadRatingEntry = z.infer<typeof BadRatingEntry>;

const Period = {
  hallName: z.string(),
  from: z.string(),
  to: z.string(),
  /** 2026年第3季度（2026-07-01 至 2026-09-30） */
  periodLabel: z.string(),
  generatedAt: z.string(),
};

export const WorkloadReport = z.object({
  ...Period,
  views: z.object({ window: z.array(WorkloadRow), staff: z.array(WorkloadRow), line: z.array(WorkloadRow), item: z.array(WorkloadRow) }),
  total: WorkloadRow,
});
export type WorkloadReport = z.infer<typeof WorkloadReport>;

export const RatingReport = z.object({
  ...Period,
  views: z.object({ window: z.array(RatingRow), staff: z.array(RatingRow), line: z.array(RatingRow), item: z.array(RatingRow) }),
  total: RatingRow,
  /** Every bad rating of the period, oldest first (at most MAX_BAD_LISTED). */
  badRatings: z.array(BadRatingEntry),
  badRatingsTruncated: z.boolean(),
});
export type RatingReport = z.infer<typeof RatingReport>;
export const MAX_BAD_LISTED = 2000;

/** The .xlsx the hall server made: one sheet per view and one of 差评明细. */
export const ReportWorkbook = z.object({
  fileName: z.string(),
  /** The workbook's bytes, base64. */
  base64: z.string(),
  bytes: z.number().int().positive(),
});
export type ReportWorkbook = z.infer<typeof ReportWorkbook>;

// ---- periods the manager picks ----------------------------------------------------

export const PeriodKind = z.enum(['day', 'month', 'quarter', 'custom']);
export type PeriodKind = z.infer<typeof PeriodKind>;
export const PERIOD_LABEL: Record<PeriodKind, string> = { day: '日', month: '月', quarter: '季度', custom: '自定义' };

const pad = (n: number): string => String(n).padStart(2, '0');
const lastDayOfMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The day, month or quarter holding `anchor` (YYYY-MM-DD), as a from–to range. */
export function periodRange(kind: Exclude<PeriodKind, 'custom'>, anchor: string): { from: string; to: string } {
  const [year, month] = anchor.split('-').map(Number) as [number, number];
  if (kind === 'day') return { from: anchor, to: anchor };
  if (kind === 'month') return { from: `${year}-${pad(month)}-01`, to: `${year}-${pad(month)}-${pad(lastDayOfMonth(year, month))}` };
  const first = Math.floor((month - 1) / 3) * 3 + 1;
  return { from: `${year}-${pad(first)}-01`, to: `${year}-${pad(first + 2)}-${pad(lastDayOfMonth(year, first + 2))}` };
}

/** The period in words: 2026年第3季度（2026-07-01 至 2026-09-30）, 2026年7月, 2026年7月1日, or the range. */
export function periodLabel(from: string, to: string): string {
  const [y1, m1, d1] = from.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = to.split('-').map(Number) as [number, number, number];
  if (from === to) return `${y1}年${m1}月${d1}日`;
  const wholeMonth = y1 === y2 && d1 === 1 && d2 === lastDayOfMonth(y2, m2);
  if (wholeMonth && m1 === m2) return `${y1}年${m1}月（${from} 至 ${to}）`;
  if (wholeMonth && (m1 - 1) % 3 === 0 && m2 === m1 + 2) return `${y1}年第${(m1 - 1) / 3 + 1}季度（${from} 至 ${to}）`;
  if (wholeMonth && m1 === 1 && m2 === 12) return `${y1}年全年（${from} 至 ${to}）`;
  return `${from} 至 ${to}`;
}

/** The period before the one given, of the same kind (◀ on the picker). */
export function previousPeriod(kind: Exclude<PeriodKind, 'custom'>, from: string): { from: string; to: string } {
  return periodRange(kind, addCalendarDays(from, -1));
}
/** The period after (▶). */
export function nextPeriod(kind: Exclude<PeriodKind, 'custom'>, to: string): { from: string; to: string } {
  return periodRange(kind, addCalendarDays(to, 1));
}

/** 12.3% — or 一 when there is nothing to divide by. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}
/** Seconds as minutes with one decimal: 7.5 分钟 reads better than 450 s on a hall report. */
export function formatMinutes(seconds: number | null): string {
  return seconds === null ? '—' : (seconds / 60).toFixed(1);
}

/** What a clerk (or a kiosk) is told when asking for a report. */
export const REPORTS_MANAGERS_ONLY = '统计报表仅限大厅管理员使用，请由管理员登录后操作';
