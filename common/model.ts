// Domain shapes shared by the hall server, the counter core and the renderer.
// Every shape that crosses a process or network boundary is a zod schema here;
// the TypeScript types are inferred from it so the two cannot drift.
import { z } from 'zod';
import { WorkingCalendar } from './cases.ts';
import { HallDeviceSetup } from './device-setup.ts';
import { LINE_ID, LINE_ID_RULE, TICKET_NUMBER, TICKET_NUMBER_RULE, WINDOW_CODE, WINDOW_CODE_RULE } from './hall-codes.ts';

/** Service line (业务类型): the one or two letters printed in front of a ticket number (common/hall-codes.ts). */
export const LineId = z.string().regex(LINE_ID, LINE_ID_RULE);
export const ServiceLine = z.object({
  id: LineId,
  name: z.string().min(1),
  description: z.string(),
  /** 标准办理时长 (minutes): a service past it is 超时, past twice 严重超时 (common/overtime.ts); absent: no warning. */
  standardServiceMinutes: z.number().int().positive().max(480).optional(),
});
export type ServiceLine = z.infer<typeof ServiceLine>;

/** Ticket priority; a higher rank is served first (see common/queue.ts). */
export const Priority = z.enum(['normal', 'appointment', 'priority', 'green']);
export type Priority = z.infer<typeof Priority>;
export const PRIORITY_LABEL: Record<Priority, string> = {
  normal: '普通',
  appointment: '预约',
  priority: '优先',
  green: '绿色通道',
};

/** parked: 挂起 by the window in `windowId`, waiting to be called back (callTicket). */
export const TicketStatus = z.enum(['waiting', 'called', 'completed', 'no_show', 'parked']);
export type TicketStatus = z.infer<typeof TicketStatus>;

/** A kiosk number (A012, AB012) or a counter's 现场补号 (W03-007, WB12-001; common/sync.ts: walkInNumber). */
export const TicketNumber = z.string().regex(TICKET_NUMBER, TICKET_NUMBER_RULE);

export const Ticket = z.object({
  id: z.number().int().positive(),
  number: TicketNumber,
  lineId: LineId,
  priority: Priority,
  status: TicketStatus,
  issuedAt: z.string(),
  calledAt: z.string().nullable(),
  windowId: z.number().int().positive().nullable(),
  recallCount: z.number().int().nonnegative(),
  endedAt: z.string().nullable(),
});
export type Ticket = z.infer<typeof Ticket>;

export const HallWindow = z.object({
  id: z.number().int().positive(),
  /** The hall's code for the window, 1–4 digits or capital letters ("03", "101", "B12"): in case numbers and walk-in prefixes. */
  code: z.string().regex(WINDOW_CODE, WINDOW_CODE_RULE),
  name: z.string().min(1),
  /** Lines served, in order of preference. */
  lineIds: z.array(LineId).min(1),
});
export type HallWindow = z.infer<typeof HallWindow>;

export const StaffRole = z.enum(['clerk', 'manager']);
export const Staff = z.object({
  id: z.number().int().positive(),
  staffNo: z.string().min(1),
  name: z.string().min(1),
  department: z.string().min(1),
  role: StaffRole,
  /** A data: URL, so the counter can show it offline. */
  photo: z.string().startsWith('data:image/'),
});
export type Staff = z.infer<typeof Staff>;

export const MaterialForm = z.enum(['original', 'copy', 'original_and_copy']);
export const Material = z.object({
  name: z.string().min(1),
  form: MaterialForm,
  count: z.number().int().positive(),
  waivable: z.boolean(),
  requirement: z.string(),
});
export type Material = z.infer<typeof Material>;

export const ItemKind = z.enum(['instant', 'promised']);
export const ApplicantType = z.enum(['person', 'enterprise']);
export const Item = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  department: z.string().min(1),
  lineId: LineId,
  kind: ItemKind,
  /** Promised time limit; working days unless calendarDays is set (green channel). */
  limitDays: z.number().int().nonnegative(),
  calendarDays: z.boolean(),
  fee: z.string(),
  applicantTypes: z.array(ApplicantType).min(1),
  materials: z.array(Material),
  /**
   * 容缺后补 (先办结、后补交): the item may be 办结 while 容缺 material is still
   * owed. Absent or false (the default): 办结 waits until every owed material
   * has been handed in (补交登记), and a 即办件 accepted with missing material
   * stays 受理 until then instead of being finished on the spot.
   */
  finishWhileOwed: z.boolean().optional(),
  /** Pinyin initials of the name (营业执照… → yyzz…), filled in by the hall server for search. */
  initials: z.string().default(''),
});
export type Item = z.infer<typeof Item>;

export const HallSettings = z.object({
  hallName: z.string().min(1),
  /** 过号 needs at least this many 重呼 first. */
  noShowMinRecalls: z.number().int().nonnegative(),
  notice: z.string(),
  /** An open promised case turns yellow with this many working days left (or fewer). */
  nearDeadlineWorkingDays: z.number().int().nonnegative().default(1),
  /** 容缺 materials are owed within this many working days of acceptance. */
  waivableDueWorkingDays: z.number().int().positive().default(5),
  /** A rating session (好差评) closes as 未评价 after this many seconds (the evaluator takes 5–255). */
  ratingTimeLimitSeconds: z.number().int().min(5).max(255).default(60),
  /** A bad rating's follow-up (回访) is due this many working days after the rating. */
  badRatingFollowUpWorkingDays: z.number().int().min(1).max(60).default(5),
  /** The clerk's screen locks (暂停服务 on the outward screen) after this many minutes without keyboard or mouse. */
  idleLockMinutes: z.number().int().min(1).max(240).default(10),
  /**
   * Wrong passwords in a row for one staff number before the hall server locks
   * it for signInLockMinutes (a device or address gets 4× as many, over all
   * staff numbers tried from it). Checked before the password: a locked
   * staff number is refused even with the right one until the time is up or
   * a hall manager unlocks it.
   */
  signInMaxFailures: z.number().int().min(3).max(20).default(5),
  /** How long a sign-in lockout lasts (minutes). */
  signInLockMinutes: z.number().int().min(1).max(1440).default(15),
  /** Personal data of concluded, synced cases is purged from a counter this many days after (main/retention.ts). */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  /** The reasons a clerk chooses from for 不予受理. */
  refuseReasons: z
    .array(z.string().min(1))
    .min(1)
    .default(['不属于本中心受理范围', '申请人不具备申请资格', '申请事项依法不需要取得许可', '申请材料存在虚假内容', '其他（见说明）']),
  /** The reasons a clerk chooses from for 暂停服务 (pauseWindow), shown on the outward screen. */
  pauseReasons: z.array(z.string().min(1).max(20)).min(1).default(['午休', '临时离开', '业务培训', '设备故障', '工作会议']),
  /**
   * 预约签到: checked in no later than this many minutes after the slot's
   * start, the ticket has appointment priority (served first within its
   * line); later, it is a normal ticket.
   */
  appointmentLateMinutes: z.number().int().min(0).max(240).default(15),
  /** 大厅总览: a ticket waiting longer than this many minutes raises 等候过久 (red past twice it). */
  overviewWaitAlertMinutes: z.number().int().min(1).max(480).default(30),
});
export type HallSettings = z.infer<typeof HallSettings>;

/** One entry of the config stream (sync.md: pull stream=config). */
export const ConfigChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('window'), key: z.string(), value: HallWindow.nullable() }),
  z.object({ kind: z.literal('line'), key: z.string(), value: ServiceLine.nullable() }),
  z.object({ kind: z.literal('staff'), key: z.string(), value: Staff.nullable() }),
  z.object({ kind: z.literal('item'), key: z.string(), value: Item.nullable() }),
  z.object({ kind: z.literal('settings'), key: z.literal('hall'), value: HallSettings }),
  /** Device setup pushed by the hall: key 'default' for every window, or a window id; a counter's local setting wins. */
  z.object({ kind: z.literal('device-setup'), key: z.union([z.literal('default'), z.string().regex(/^[1-9]\d*$/)]), value: HallDeviceSetup.nullable() }),
  z.object({ kind: z.literal('calendar'), key: z.string().regex(/^\d{4}$/), value: WorkingCalendar.nullable() }),
]);
export type ConfigChange = z.infer<typeof ConfigChange>;

export const LineQueue = z.object({ lineId: LineId, name: z.string(), waiting: z.number().int().nonnegative() });
export type LineQueue = z.infer<typeof LineQueue>;
