// 大厅总览 (issue 17, point 1): what the hall manager sees of every window and
// line at once, and the alerts that ask for someone to act. The hall server
// builds it (server/hall-overview.ts, GET /v1/manager/overview); counters
// report their devices' health to it (POST /v1/windows/{id}/devices). Pure.
import { z } from 'zod';
import { IsoDate } from './cases.ts';
import { managerOnlyMessage } from './errors.ts';
import { LineId, Staff } from './model.ts';
import { ServiceTiming } from './overtime.ts';
import { WindowPause } from './ticket-ops.ts';

/** One device at a window as its counter sees it: ok, a problem (amber), down (red), or none configured. */
export const DeviceHealthLevel = z.enum(['ok', 'warning', 'error', 'none']);
export type DeviceHealthLevel = z.infer<typeof DeviceHealthLevel>;
export const DeviceHealth = z.object({
  level: DeviceHealthLevel,
  /** What is wrong, zh-CN, as the counter says it; null when all is well. */
  message: z.string().max(200).nullable(),
});
export type DeviceHealth = z.infer<typeof DeviceHealth>;

/** What a counter reports of its devices (printer, evaluator, outward screen). */
export const DeviceHealthReport = z.object({
  printer: DeviceHealth,
  evaluator: DeviceHealth,
  outward: DeviceHealth,
});
export type DeviceHealthReport = z.infer<typeof DeviceHealthReport>;
export const DEVICE_LABEL: Record<keyof DeviceHealthReport, string> = {
  printer: '打印机',
  evaluator: '评价器',
  outward: '外屏',
};
export const DEVICE_LEVEL_LABEL: Record<DeviceHealthLevel, string> = {
  ok: '正常',
  warning: '异常',
  error: '故障',
  none: '未配置',
};

/**
 * A window's state at a glance. offline: no counter of the window holds its
 * live link to the hall server; closed: online, nobody signed in (未开窗);
 * paused: 暂停服务 with a reason; serving: a number in hand; idle: signed in,
 * no number (空闲).
 */
export const WindowState = z.enum(['offline', 'closed', 'paused', 'serving', 'idle']);
export type WindowState = z.infer<typeof WindowState>;
export const WINDOW_STATE_LABEL: Record<WindowState, string> = {
  offline: '离线',
  closed: '未开窗',
  paused: '暂停服务',
  serving: '办理中',
  idle: '空闲',
};

export const OverviewWindow = z.object({
  windowId: z.number().int().positive(),
  name: z.string(),
  lineIds: z.array(LineId),
  state: WindowState,
  clerk: Staff.pick({ staffNo: true, name: true, department: true }).nullable(),
  pause: WindowPause.nullable(),
  current: z.object({ number: z.string(), lineId: LineId, calledAt: z.string().nullable() }).nullable(),
  /** The service in hand against its line's standard time (common/overtime.ts). */
  service: ServiceTiming.nullable(),
  /** Waiting tickets this window would call. */
  waiting: z.number().int().nonnegative(),
  /** Served (办结) at this window today. */
  servedToday: z.number().int().nonnegative(),
  /** As its counter last reported them; null: never reported. */
  devices: DeviceHealthReport.nullable(),
  devicesReportedAt: z.string().nullable(),
});
export type OverviewWindow = z.infer<typeof OverviewWindow>;

export const OverviewLine = z.object({
  lineId: LineId,
  name: z.string(),
  waiting: z.number().int().nonnegative(),
  /** When the longest-waiting ticket was issued; null: nobody waits. */
  oldestWaitingSince: z.string().nullable(),
  issuedToday: z.number().int().nonnegative(),
  servedToday: z.number().int().nonnegative(),
  standardServiceMinutes: z.number().int().positive().nullable(),
});
export type OverviewLine = z.infer<typeof OverviewLine>;

export const AlertKind = z.enum(['overtime', 'long_wait', 'device_down', 'bad_rating']);
export type AlertKind = z.infer<typeof AlertKind>;
export const OverviewAlert = z.object({
  kind: AlertKind,
  /** warning: amber; danger: red. */
  level: z.enum(['warning', 'danger']),
  windowId: z.number().int().positive().nullable(),
  lineId: LineId.nullable(),
  /** What happened, zh-CN. */
  text: z.string(),
  /** What to do, zh-CN. */
  action: z.string(),
  /** Since when (ISO), or the follow-up's due date for a bad rating. */
  since: z.string(),
  /** bad_rating: the follow-up's due date (YYYY-MM-DD). */
  dueDate: IsoDate.nullable(),
});
export type OverviewAlert = z.infer<typeof OverviewAlert>;

export const HallOverview = z.object({
  /** The server's time when built. */
  at: z.string(),
  day: IsoDate,
  /** Hall setting overviewWaitAlertMinutes: a ticket waiting longer raises 等候过久. */
  waitAlertMinutes: z.number().int().positive(),
  windows: z.array(OverviewWindow),
  lines: z.array(OverviewLine),
  /** Red first, then by time. */
  alerts: z.array(OverviewAlert),
});
export type HallOverview = z.infer<typeof HallOverview>;

/**
 * GET /v1/manager/overview?since=&waitMs=: the overview now, or — when the
 * caller holds version `since` and nothing changes within `waitMs` — only
 * the version (overview null). A long poll: a change anywhere answers at once.
 */
export const HallOverviewQuery = z.object({
  since: z.coerce.number().int().nonnegative().optional(),
  waitMs: z.coerce.number().int().min(0).max(25_000).default(0),
});
export const HallOverviewAnswer = z.object({
  version: z.number().int().nonnegative(),
  overview: HallOverview.nullable(),
});
export type HallOverviewAnswer = z.infer<typeof HallOverviewAnswer>;

export const DEFAULT_WAIT_ALERT_MINUTES = 30;
export const OVERVIEW_MANAGERS_ONLY = managerOnlyMessage('大厅总览');
