// 同步异常: what the hall server refused, for the hall manager at a counter.
// Records are shown by kind and the number that names them (办件编号, 票号,
// 现场补号, 评价编号), never by their content: a case's record carries the
// applicant (masked, but still personal data) and that stays out of this view.
// The hall server answers the hall-wide part (GET /v1/manager/sync-issues),
// the counter adds its own outbox rows the server rejected.
import { z } from 'zod';
import { CASE_SUPPLEMENTED } from './cases.ts';
import { CASE_DECIDED, CASE_FINISHED, SYNC_GAP_LOST, TICKET_SERVED_OFFLINE, WALKIN_ISSUED } from './sync.ts';
import { FOLLOW_UP_ADVANCED, FOLLOW_UP_OPENED, RATING_RECORDED } from './ratings.ts';

/** How many rejected records (and conflicts) the view shows at most, newest first. */
export const SYNC_ISSUES_LIMIT = 200;

export const SYNC_ISSUES_MANAGERS_ONLY = '仅大厅管理员可以查看同步异常，请由管理员在本窗口登录';
export const SYNC_ISSUES_OFFLINE = '离线时无法查看同步异常，请联网后再试';
export const SYNC_ISSUES_HALL_MANAGERS_ONLY = '全大厅的同步异常仅大厅管理员可以查看';
export const SYNC_ISSUES_HALL_OFFLINE = '离线时无法查看全大厅的同步异常，请联网后再试';
/** What to do about a record the hall server rejected (本机被拒收的记录). */
export const REJECTED_ADVICE = '被拒收的记录不会自动重传：请按原因核对，需要更正的请在业务系统中补办或请大厅管理员处理';

/** What kind of record a mutation is, in Chinese. */
const KIND: Record<string, string> = {
  [CASE_DECIDED]: '办件受理结果',
  [CASE_FINISHED]: '办件办结',
  [CASE_SUPPLEMENTED]: '容缺材料补交登记',
  [RATING_RECORDED]: '好差评',
  [FOLLOW_UP_OPENED]: '差评回访登记',
  [FOLLOW_UP_ADVANCED]: '差评回访处理',
  [WALKIN_ISSUED]: '现场补号',
  [TICKET_SERVED_OFFLINE]: '手动录入票号',
  [SYNC_GAP_LOST]: '缺失记录（已登记丢失）',
};

/** Which argument names the record, by kind; only identifiers, never a person's data. */
const SUBJECT: Record<string, { key: string; label: string }> = {
  [CASE_DECIDED]: { key: 'caseNo', label: '办件' },
  [CASE_FINISHED]: { key: 'caseNo', label: '办件' },
  [CASE_SUPPLEMENTED]: { key: 'caseNo', label: '办件' },
  [RATING_RECORDED]: { key: 'id', label: '评价' },
  [FOLLOW_UP_OPENED]: { key: 'ratingId', label: '评价' },
  [FOLLOW_UP_ADVANCED]: { key: 'ratingId', label: '评价' },
  [WALKIN_ISSUED]: { key: 'number', label: '补号' },
  [TICKET_SERVED_OFFLINE]: { key: 'number', label: '票号' },
};

/** An identifier is short and plain (digits, letters, -, _): anything else is not shown. */
const IDENTIFIER = /^[0-9A-Za-z_-]{1,64}$/;

/**
 * The kind of a mutation and the number that names it (e.g. 「办件 20260305010010001」),
 * taken from its arguments without passing anything else on.
 */
export function describeMutation(name: string, args: unknown): { kind: string; subject: string | null } {
  const kind = KIND[name] ?? `未知类型（${name.slice(0, 40)}）`;
  const subject = SUBJECT[name];
  if (!subject || typeof args !== 'object' || args === null) return { kind, subject: null };
  const value = (args as Record<string, unknown>)[subject.key];
  const text = typeof value === 'number' ? String(value) : value;
  return { kind, subject: typeof text === 'string' && IDENTIFIER.test(text) ? `${subject.label} ${text}` : null };
}

/** A record the hall server rejected, as the manager sees it: no payload, its kind and number. */
export const SyncRejection = z.object({
  seq: z.number().int().positive(),
  /** The mutation name, e.g. case.decided. */
  name: z.string(),
  /** zh-CN kind, e.g. 办件受理结果. */
  kind: z.string(),
  /** The number that names the record (办件 …, 票号 …), or null. */
  subject: z.string().nullable(),
  /** When the counter recorded it. */
  at: z.string(),
  /** zh-CN: why the hall server refused it. */
  reason: z.string(),
});
export type SyncRejection = z.infer<typeof SyncRejection>;

/** A rejected record anywhere in the hall: which counter, which window, when it arrived. */
export const HallSyncRejection = SyncRejection.extend({
  deviceName: z.string(),
  windowId: z.number().int().nullable(),
  receivedAt: z.string(),
});
export type HallSyncRejection = z.infer<typeof HallSyncRejection>;

/** A central ticket served while offline that the server could not simply mark served (票号冲突). */
export const HallSyncConflict = z.object({
  id: z.number().int().positive(),
  number: z.string(),
  deviceName: z.string(),
  /** The window that served it offline, and the clerk's staff number. */
  windowId: z.number().int(),
  staffNo: z.string(),
  /** When it was served offline. */
  at: z.string(),
  /** The ticket's state on the server when the record arrived (null: no such ticket), and its window. */
  ticketStatus: z.enum(['waiting', 'called', 'completed', 'no_show', 'parked']).nullable(),
  ticketWindowId: z.number().int().nullable(),
  receivedAt: z.string(),
  /** zh-CN: what happened and what the manager should check. */
  reason: z.string(),
});
export type HallSyncConflict = z.infer<typeof HallSyncConflict>;

/** The hall-wide part, newest first. */
export const HallSyncIssues = z.object({
  rejected: z.array(HallSyncRejection),
  conflicts: z.array(HallSyncConflict),
  /** At most this many of each are listed. */
  limit: z.number().int().positive(),
  serverTime: z.string(),
});
export type HallSyncIssues = z.infer<typeof HallSyncIssues>;

/**
 * Why this counter's records are not reaching the hall server, as everyone at
 * the counter sees it (Alt+Y): what happened and what to do. `gap`: records
 * missing from this counter that the server never had (a manager records them
 * as lost: resolveSyncGap).
 */
export const SyncStuck = z.object({
  /** zh-CN: what happened. */
  message: z.string(),
  /** zh-CN: what to do. */
  advice: z.string(),
  gap: z.object({ fromSeq: z.number().int().positive(), toSeq: z.number().int().positive(), waiting: z.number().int().nonnegative() }).nullable(),
});
export type SyncStuck = z.infer<typeof SyncStuck>;

/** What the counter's start-up check found wrong with its own records (main/sync/self-check.ts). */
export const IntegrityFinding = z.object({
  seq: z.number().int().nonnegative(),
  /** Kind and number, e.g. 好差评 · 评价 r-1. */
  what: z.string(),
  /** zh-CN: what was found and whose copy stands. */
  detail: z.string(),
  /** Records before this one are missing (deleted or lost), rather than this one changed. */
  missing: z.boolean().optional(),
});
export type IntegrityFinding = z.infer<typeof IntegrityFinding>;

/** 同步异常 at a counter: «本机» (this counter's outbox) and «全大厅». */
export const SyncIssuesView = z.object({
  /** This counter's window (null: not enrolled to one). */
  windowId: z.number().int().nullable(),
  /** Pushing has stopped or waits, and why (null: records go up as they should). */
  stuck: SyncStuck.nullable(),
  /** Records not yet acknowledged by the hall server. */
  unsent: z.number().int().nonnegative(),
  /** What the start-up check of this counter's records found (empty: nothing). */
  integrity: z.array(IntegrityFinding),
  local: z.array(SyncRejection),
  /** The hall-wide part: a manager online only (null otherwise, hallNote says why). */
  hall: HallSyncIssues.nullable(),
  hallNote: z.string().nullable(),
});
export type SyncIssuesView = z.infer<typeof SyncIssuesView>;

export const TICKET_STATUS_TEXT: Record<NonNullable<HallSyncConflict['ticketStatus']>, string> = {
  waiting: '等候中',
  called: '已叫号',
  completed: '已办结',
  no_show: '已过号',
  parked: '已挂起',
};
