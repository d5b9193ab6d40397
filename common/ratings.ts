// Ratings (好差评) as they cross process boundaries: the five levels, the
// rating record, the bad-rating follow-up (回访) and its states, what the
// clerk and the citizen see of a rating session. The device layer
// (main/devices/evaluator/levels.ts) carries the same five levels.
import { z } from 'zod';

export const RatingLevel = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);
export type RatingLevel = z.infer<typeof RatingLevel>;

/** 5 非常满意 … 1 非常不满意 (国办发〔2019〕51号, GB/T 39734-2020). */
export const LEVEL_NAME: Readonly<Record<RatingLevel, string>> = {
  5: '非常满意',
  4: '满意',
  3: '基本满意',
  2: '不满意',
  1: '非常不满意',
};
/** Best first, the order the citizen reads them in. */
export const LEVELS_BEST_FIRST: readonly RatingLevel[] = [5, 4, 3, 2, 1];

/** rated: a level was pressed; not_rated: the time limit passed (未评价); cancelled: the next number was called. */
export const RatingOutcome = z.enum(['rated', 'not_rated', 'cancelled']);
export type RatingOutcome = z.infer<typeof RatingOutcome>;
export const OUTCOME_LABEL: Record<RatingOutcome, string> = {
  rated: '已评价',
  not_rated: '未评价',
  cancelled: '已取消（叫下一号）',
};

export const RatingChannel = z.enum(['evaluator', 'touch', 'none']);
export type RatingChannel = z.infer<typeof RatingChannel>;
export const CHANNEL_LABEL: Record<RatingChannel, string> = {
  evaluator: '评价器',
  touch: '对外屏触摸',
  none: '—',
};

/** One stored rating (never edited): also the args of the outbox mutation `rating.recorded`. */
export const RatingRecord = z.object({
  id: z.string().min(1),
  sessionId: z.number().int().nonnegative(),
  caseNo: z.string().nullable(),
  itemCode: z.string().nullable(),
  windowId: z.number().int().positive(),
  staffNo: z.string().min(1),
  ticketNumber: z.string().nullable(),
  level: RatingLevel.nullable(),
  outcome: RatingOutcome,
  channel: RatingChannel,
  deviceAddress: z.number().int().nonnegative().nullable(),
  openedAt: z.string(),
  at: z.string(),
});
export type RatingRecord = z.infer<typeof RatingRecord>;

export const RATING_RECORDED = 'rating.recorded';
export const FOLLOW_UP_OPENED = 'followup.opened';
export const FOLLOW_UP_ADVANCED = 'followup.advanced';

/** 待核实 → 整改中 → 已回访, only forward. */
export const FollowUpState = z.enum(['verifying', 'fixing', 'called_back']);
export type FollowUpState = z.infer<typeof FollowUpState>;
export const FOLLOW_UP_LABEL: Record<FollowUpState, string> = {
  verifying: '待核实',
  fixing: '整改中',
  called_back: '已回访',
};
export const NEXT_FOLLOW_UP_STATE: Record<FollowUpState, FollowUpState | null> = {
  verifying: 'fixing',
  fixing: 'called_back',
  called_back: null,
};

export const FollowUpStep = z.object({
  state: FollowUpState,
  note: z.string(),
  staffNo: z.string().nullable(),
  at: z.string(),
});
export type FollowUpStep = z.infer<typeof FollowUpStep>;

/** Args of the outbox mutation `followup.opened` (the id is the counter's own). */
export const FollowUpOpenedArgs = z.object({
  id: z.number().int().positive(),
  ratingId: z.string().min(1),
  dueDate: z.string(),
  state: z.literal('verifying'),
  at: z.string(),
});
/** Args of the outbox mutation `followup.advanced`: one step forward. */
export const FollowUpAdvancedArgs = z.object({
  id: z.number().int().positive(),
  ratingId: z.string().min(1),
  from: FollowUpState,
  to: FollowUpState,
  note: z.string(),
  staffNo: z.string().nullable(),
  at: z.string(),
});

export const FollowUp = z.object({
  id: z.number().int().positive(),
  ratingId: z.string(),
  level: RatingLevel,
  caseNo: z.string().nullable(),
  itemCode: z.string().nullable(),
  windowId: z.number().int().positive(),
  staffNo: z.string(),
  ticketNumber: z.string().nullable(),
  ratedAt: z.string(),
  dueDate: z.string(),
  state: FollowUpState,
  /** Oldest first; the first step is the opening (待核实). */
  steps: z.array(FollowUpStep),
});
export type FollowUp = z.infer<typeof FollowUp>;

/** What the clerk sees of the evaluator: its health, in zh-CN; null when none is configured. */
export const EvaluatorStatus = z.object({
  state: z.enum(['ok', 'not_answering', 'unplugged']),
  message: z.string(),
});
export type EvaluatorStatus = z.infer<typeof EvaluatorStatus>;

/** The clerk's view of ratings: the session open now, the latest result. */
export const ClerkRating = z.object({
  open: z.object({ sessionId: z.number().int(), endsAt: z.string(), ticketNumber: z.string().nullable() }).nullable(),
  /** Services completed while `open` was still running: their sessions open in this order after it (ticket numbers). */
  waiting: z.array(z.string().nullable()),
  latest: z
    .object({
      level: RatingLevel.nullable(),
      outcome: RatingOutcome,
      channel: RatingChannel,
      ticketNumber: z.string().nullable(),
      at: z.string(),
    })
    .nullable(),
});
export type ClerkRating = z.infer<typeof ClerkRating>;

/** The rating prompt on the outward screen: nothing personal, just the session and the five levels. */
export const OutwardRating = z.object({
  sessionId: z.number().int().nonnegative(),
  /** The number whose service is rated (null: none known): the prompt names it, as the next one may already be called. */
  ticketNumber: z.string().nullable().optional(),
  limitSeconds: z.number().int().positive(),
  endsAt: z.string(),
  levels: z.array(z.object({ level: RatingLevel, name: z.string() })),
});
export type OutwardRating = z.infer<typeof OutwardRating>;

// ---- 差评回访, hall-wide (issue 21, point 6) -------------------------------------

/** GET /v1/manager/follow-ups: filters, each optional. */
export const HallFollowUpsQuery = z.object({
  state: FollowUpState.optional(),
  windowId: z.coerce.number().int().positive().optional(),
  /** Due on or before this day (YYYY-MM-DD). */
  dueBy: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD').optional(),
  limit: z.coerce.number().int().positive().max(1000).default(500),
});
export type HallFollowUpsQuery = z.infer<typeof HallFollowUpsQuery>;

/** Every window's follow-ups as the hall server holds them; `id` is the hall's own. Oldest due first. */
export const HallFollowUps = z.object({
  followUps: z.array(FollowUp),
  serverTime: z.string(),
});
export type HallFollowUps = z.infer<typeof HallFollowUps>;

/** POST /v1/manager/follow-ups/{ratingId}/advance: the step the manager saw (`from`) and the note. */
export const AdvanceHallFollowUp = z.object({
  from: FollowUpState,
  note: z.string().trim().min(1, '请填写处理说明').max(500, '说明过长（最多 500 字）'),
});
export const FollowUpRatingParams = z.object({ ratingId: z.string().min(1).max(64) });
export const FOLLOW_UPS_MANAGERS_ONLY = '差评回访仅限中心管理人员处理：请由管理人员在本窗口登录后查看';
