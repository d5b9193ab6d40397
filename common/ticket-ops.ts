// The queue routine at a window beyond 叫号 (DOMAIN.md, Queue): 转窗/转业务,
// 挂起 and 回呼, 叫指定号, 暂停服务 with a reason and 恢复服务, 预约签到 and
// 优先/绿色通道. The shapes the hall server's routes (common/http-api.ts) and
// the counter's contract calls (common/contract.ts) share. Pure.
import { z } from 'zod';
import { IsoDate } from './cases.ts';
import { TICKET_NUMBER, TICKET_NUMBER_RULE } from './hall-codes.ts';
import { LineId, LineQueue, Priority, Ticket } from './model.ts';
import { ServiceTiming } from './overtime.ts';

/** A ticket number as a clerk types it: a023 → A023, ab023 → AB023; a walk-in's W03-001 or WB12-001 too. */
export const TypedTicketNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(TICKET_NUMBER, `${TICKET_NUMBER_RULE}；请核对后重新输入`);

/** 转窗 places: keep the ticket's place by its original issue time, or put it first. */
export const TransferPlace = z.enum(['keep', 'first']);
export type TransferPlace = z.infer<typeof TransferPlace>;
export const TRANSFER_PLACE_LABEL: Record<TransferPlace, string> = {
  keep: '保留原取号时间排队',
  first: '排在最前',
};

export const TransferTarget = z.union([
  z.object({ lineId: LineId }).strict(),
  z.object({ windowId: z.number().int().positive() }).strict(),
]);
export type TransferTarget = z.infer<typeof TransferTarget>;

export const TransferTicketRequest = z.object({
  number: TypedTicketNumber,
  to: TransferTarget,
  place: TransferPlace.default('keep'),
});
export type TransferTicketRequest = z.infer<typeof TransferTicketRequest>;

export const CallTicketRequest = z.object({ number: TypedTicketNumber });
export const SetTicketPriorityRequest = z.object({ number: TypedTicketNumber, priority: Priority });

/** "13:30", the hall's (Beijing) time of day. */
export const HallTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 时:分，如 13:30');

export const PauseWindowRequest = z.object({
  reason: z.string().trim().min(1, '请选择暂停原因（如 午休、临时离开、业务培训）').max(20),
  note: z.string().trim().max(60, '说明最多 60 个字').optional(),
  /** Expected return, the hall's time of day today. */
  expectedBack: HallTimeOfDay.optional(),
});
export type PauseWindowRequest = z.infer<typeof PauseWindowRequest>;

/** A window's 暂停服务 as the hall (and its outward screen) sees it. */
export const WindowPause = z.object({
  reason: z.string(),
  note: z.string().nullable(),
  /** ISO time; null: not said. */
  expectedBackAt: z.string().nullable(),
  pausedAt: z.string(),
});
export type WindowPause = z.infer<typeof WindowPause>;
export const PauseResult = z.object({ pause: WindowPause.nullable() });

export const AppointmentCode = z.string().trim().toUpperCase().regex(/^[0-9A-Z]{4,32}$/, '预约码应为 4–32 位字母或数字');
export const CheckInAppointmentRequest = z
  .object({ code: AppointmentCode.optional(), idNumber: z.string().trim().toUpperCase().optional() })
  .refine((request) => (request.code === undefined) !== (request.idNumber === undefined), {
    message: '请输入预约码或身份证号码（二选一）',
  });
export type CheckInAppointmentRequest = z.infer<typeof CheckInAppointmentRequest>;
export const CheckInResult = z.object({
  ticket: Ticket,
  ahead: z.number().int().nonnegative(),
  appointment: z.object({
    code: z.string(),
    day: IsoDate,
    slotStart: HallTimeOfDay,
    slotEnd: HallTimeOfDay,
    /** false: checked in past the hall's late threshold, the ticket is a normal one. */
    onTime: z.boolean(),
  }),
});
export type CheckInResult = z.infer<typeof CheckInResult>;

/** Booked online (the booking system, through the admin route). */
export const CreateAppointmentRequest = z.object({
  code: AppointmentCode,
  idNumber: z.string().trim().toUpperCase(),
  name: z.string().trim().min(1).max(32),
  lineId: LineId,
  day: IsoDate,
  slotStart: HallTimeOfDay,
  slotEnd: HallTimeOfDay,
});
export const CreatedAppointment = z.object({ code: z.string(), day: IsoDate, lineId: LineId });

export const TransferResult = z.object({ ticket: Ticket });

/** What the transfer dialog, the park list and the 过号 list show. */
export const BoardWindow = z.object({
  windowId: z.number().int().positive(),
  name: z.string(),
  lineIds: z.array(LineId),
  /** A clerk is signed in: transfers may go there. */
  open: z.boolean(),
  pause: WindowPause.nullable(),
  /** Waiting tickets this window would call: sent to it, or of a line it serves. */
  waiting: z.number().int().nonnegative(),
  /** 超时提醒: the service in hand against its line's standard time (common/overtime.ts); null: none or no standard. */
  service: ServiceTiming.nullable().optional(),
});
export type BoardWindow = z.infer<typeof BoardWindow>;
export const QueueBoard = z.object({
  lines: z.array(LineQueue),
  windows: z.array(BoardWindow),
  /** Today's parked tickets, of every window (windowId: who parked it). */
  parked: z.array(Ticket),
  /** Today's 过号 tickets, last passed first. */
  noShows: z.array(Ticket),
});
export type QueueBoard = z.infer<typeof QueueBoard>;
