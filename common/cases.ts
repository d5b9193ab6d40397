// Cases (办件): the shapes that cross the renderer ⇄ main boundary and, later,
// the counter ⇄ server sync. Rules (validation, deadlines, decisions) are
// pure functions in calendar.ts, identity.ts and case-rules.ts.
import { z } from 'zod';
import { ANY_CASE_NO, CASE_NO_RULE } from './hall-codes.ts';
import { RatingLevel } from './ratings.ts';

/** A case number as issued: new (20261207-B12-1042-0012) or old (17 digits); common/case-rules.ts. */
export const CaseNo = z.string().regex(ANY_CASE_NO, CASE_NO_RULE);

export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');
export type IsoDate = z.infer<typeof IsoDate>;

/** One year of the national holiday arrangement: days off on weekdays, working weekend days (调休). */
export const WorkingCalendar = z.object({
  year: z.number().int().min(2000).max(2100),
  /** Days off that would otherwise be working days (public holidays). */
  holidays: z.array(IsoDate),
  /** Weekend days that are working days (调休上班). */
  workdays: z.array(IsoDate),
  source: z.string(),
});
export type WorkingCalendar = z.infer<typeof WorkingCalendar>;

/** As typed by the clerk: validated by identity.ts before anything is accepted. */
export const PersonApplicant = z.object({
  type: z.literal('person'),
  name: z.string(),
  idNumber: z.string(),
  phone: z.string(),
});
export const EnterpriseApplicant = z.object({
  type: z.literal('enterprise'),
  name: z.string(),
  creditCode: z.string(),
  contactName: z.string(),
  contactPhone: z.string(),
});
export const Applicant = z.discriminatedUnion('type', [PersonApplicant, EnterpriseApplicant]);
export type Applicant = z.infer<typeof Applicant>;

/** The case the clerk is filling in, before a decision. */
export const CaseDraft = z.object({
  itemCode: z.string().min(1),
  applicant: Applicant,
  /** provided[i] says whether the item's i-th material is present. */
  provided: z.array(z.boolean()),
  ticketNumber: z.string().nullable(),
});
export type CaseDraft = z.infer<typeof CaseDraft>;

export const CaseDecision = z.enum(['accept', 'accept_with_missing', 'notice', 'refuse']);
export type CaseDecision = z.infer<typeof CaseDecision>;
export const DECISION_LABEL: Record<CaseDecision, string> = {
  accept: '受理',
  accept_with_missing: '容缺受理',
  notice: '一次性告知',
  refuse: '不予受理',
};

export const InstantOutcome = z.enum(['approved', 'not_approved']);
export type InstantOutcome = z.infer<typeof InstantOutcome>;

/** What the rules say about a draft: shown to the clerk as they type. */
export const CaseDraftView = z.object({
  /** Field path (e.g. "applicant.idNumber") → zh-CN message. Empty when the applicant is valid. */
  fieldErrors: z.record(z.string(), z.string()),
  missing: z.array(z.object({ name: z.string(), requirement: z.string(), waivable: z.boolean() })),
  /** Decisions the rules allow now; 不予受理 is always allowed once the applicant is valid. */
  allowed: z.array(CaseDecision),
  /** Promised date if accepted today (承诺件 only). */
  promisedDate: IsoDate.nullable(),
  /** Date the 容缺 materials are owed by, if accepted with missing ones. */
  owedBy: IsoDate.nullable(),
});
export type CaseDraftView = z.infer<typeof CaseDraftView>;

/**
 * A material the case lacked at the decision: for 容缺受理 what is owed, for
 * 一次性告知 what to bring. suppliedAt: when its 补交 was recorded (补交登记,
 * 容缺受理 only); null (or absent) while it is still owed.
 */
export const CaseMaterial = z.object({
  name: z.string(),
  requirement: z.string(),
  waivable: z.boolean(),
  suppliedAt: z.string().nullable().optional(),
});
export type CaseMaterial = z.infer<typeof CaseMaterial>;

export const CaseStatus = z.enum(['accepted', 'notice', 'refused', 'finished']);
export type CaseStatus = z.infer<typeof CaseStatus>;
export const DeadlineState = z.enum(['none', 'ok', 'near', 'overdue']);
export type DeadlineState = z.infer<typeof DeadlineState>;

export const CaseRecord = z.object({
  /** Unique across the hall, even when made offline; see case-rules.ts for the format. */
  caseNo: z.string(),
  itemCode: z.string(),
  itemName: z.string(),
  kind: z.enum(['instant', 'promised']),
  windowId: z.number().int(),
  staffNo: z.string(),
  ticketNumber: z.string().nullable(),
  /** Masked for display (name, ID / credit code, phone); the full data stays in the counter's store. */
  applicantMasked: z.object({ type: z.enum(['person', 'enterprise']), name: z.string(), idMasked: z.string() }),
  decision: CaseDecision,
  status: CaseStatus,
  outcome: InstantOutcome.nullable(),
  decidedAt: z.string(),
  promisedDate: IsoDate.nullable(),
  finishedAt: z.string().nullable(),
  missing: z.array(CaseMaterial),
  owedBy: IsoDate.nullable(),
  refuseReason: z.string().nullable(),
  /** Working days left until the promised date (negative when overdue); null when not applicable. */
  daysLeft: z.number().int().nullable(),
  deadline: DeadlineState,
});
export type CaseRecord = z.infer<typeof CaseRecord>;

export const CaseList = z.object({
  /** Cases decided at this window today, newest first. */
  today: z.array(CaseRecord),
  /**
   * Cases accepted at this window and not finished yet (承诺件, and 即办件
   * waiting for 容缺 material), nearest deadline first; then cases 办结 that
   * still owe 容缺 material (容缺后补), earliest 补交 deadline first.
   */
  open: z.array(CaseRecord),
});
export type CaseList = z.infer<typeof CaseList>;

const Count = z.number().int().nonnegative();

/**
 * 今日统计: what the signed-in clerk did at this window on the hall's day
 * (Beijing time), each figure counted from the events it summarises — the
 * call log, the rating sessions, the cases (main/figures/figures.ts).
 */
export const ClerkFigures = z.object({
  date: IsoDate,
  staffNo: z.string(),
  /** 叫号: numbers called (call-next). */
  called: Count,
  /** 办结: services ended with 办结 (F4). */
  completed: Count,
  /** 过号: numbers given up as no-shows. */
  noShows: Count,
  /** 转窗: tickets transferred to another line or window (转窗/转业务, Alt+Z). */
  transferred: Count,
  /** Average minutes from 叫号 to 办结 of the same ticket, over today's 办结; null when none. */
  averageServiceMinutes: z.number().nonnegative().nullable(),
  /** 受理: cases accepted (受理 or 容缺受理). */
  accepted: Count,
  /** 办件办结: cases finished (即办件 on the spot, 承诺件 from the list, whenever accepted). */
  finished: Count,
  /** Of the 承诺件 finished, the share finished on or before the promised date; null when none. */
  onTimeRate: z.number().min(0).max(1).nullable(),
  /** 好差评 of the day's services. */
  ratings: z.object({
    /** Every level, best first (非常满意 … 非常不满意), with how many ratings pressed it. */
    levels: z.array(z.object({ level: RatingLevel, count: Count })),
    /** 未评价: sessions that reached the time limit without a key. */
    notRated: Count,
    /** Sessions cancelled before a key was pressed (the next number was called). */
    cancelled: Count,
  }),
});
export type ClerkFigures = z.infer<typeof ClerkFigures>;

/** What the citizen sees of the case being filled in, already masked. */
export const OutwardCase = z.object({
  itemName: z.string(),
  applicantType: z.enum(['person', 'enterprise']),
  /** A person's name masked; an enterprise's registered name in clear (public register data). */
  applicantName: z.string(),
  /** Resident ID or credit code, masked. */
  idMasked: z.string(),
  materials: z.array(z.object({ name: z.string(), provided: z.boolean() })),
  decision: CaseDecision.nullable(),
  caseNo: z.string().nullable(),
  /** 'finished' for a 即办件 finished on the spot, with its outcome. */
  status: CaseStatus.nullable(),
  outcome: InstantOutcome.nullable(),
  promisedDate: IsoDate.nullable(),
  /** 容缺受理: the owed materials are due by this date. */
  owedBy: IsoDate.nullable(),
});
export type OutwardCase = z.infer<typeof OutwardCase>;

/**
 * 补交登记: the owed materials of a 容缺受理 case that the applicant handed in,
 * recorded at the counter (mutation CASE_SUPPLEMENTED, the outbox carries it
 * to the hall server). Names are the case's own missing[].name.
 */
export const CASE_SUPPLEMENTED = 'case.supplemented';
export const CaseSupplementedArgs = z.object({
  caseNo: CaseNo,
  materials: z.array(z.string().min(1)).min(1),
  suppliedAt: z.string().min(1),
  staffNo: z.string().min(1),
  windowId: z.number().int().positive(),
});
export type CaseSupplementedArgs = z.infer<typeof CaseSupplementedArgs>;
