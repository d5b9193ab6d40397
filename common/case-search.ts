// 办件查询 and 查阅记录 (issue 17, point 3): a hall manager finds cases across
// windows and days at the hall server — by case number, the applicant's ID
// number (exact match through a keyed hash: the server never keeps the ID),
// item, status, window, clerk and date range — with masked identities only;
// opening one case's details is recorded in an append-only audit log that is
// itself viewable. Shapes shared by the routes (http-api.ts) and the counter's
// calls (contract.ts). Pure.
import { z } from 'zod';
import { CaseDecision, CaseNo, CaseStatus, IsoDate } from './cases.ts';
import { normalizeCaseNo } from './hall-codes.ts';
import { isIsoDate } from './calendar.ts';
import { managerOnlyMessage } from './errors.ts';
import { checkCreditCode, checkResidentId } from './identity.ts';
import { CaseDecidedArgs } from './sync.ts';

export const CASE_STATUS_LABEL: Record<CaseStatus, string> = {
  accepted: '已受理（办理中）',
  notice: '一次性告知',
  refused: '不予受理',
  finished: '已办结',
};

/** The longest date range a search may span (days, both ends included). */
export const SEARCH_MAX_DAYS = 366;
export const SEARCH_PAGE_SIZE_MAX = 100;

/**
 * The applicant's ID number sent beside a case.decided mutation in a push
 * (PushRequest.applicantIds): the hall server hashes it with its key on
 * intake and drops it. Not part of the mutation, so never in its stored args.
 */
export const ApplicantIdSidecar = z.object({
  caseNo: CaseDecidedArgs.shape.caseNo,
  idNumber: z.string().trim().toUpperCase().max(18),
});
export type ApplicantIdSidecar = z.infer<typeof ApplicantIdSidecar>;

/** A resident ID number (GB 11643) or a unified social credit code (GB 32100); null when one of them is valid. */
export function applicantIdProblem(id: string): string | null {
  const resident = checkResidentId(id);
  if (resident === null) return null;
  return checkCreditCode(id) === null ? null : resident;
}

/** A real calendar day, YYYY-MM-DD. */
const RealDay = IsoDate.refine(isIsoDate, '日期不存在，请填写真实的日期（YYYY-MM-DD）');

const trimmedOptional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value === '' ? undefined : value));

/** A case number as typed (full-width, lower case, spaces: normalised), or nothing. */
const typedCaseNo = trimmedOptional(40)
  .transform((value) => (value === undefined ? undefined : normalizeCaseNo(value)))
  .pipe(CaseNo.optional());

export const CaseSearchQuery = z.object({
  caseNo: typedCaseNo,
  /** Exact match on the applicant's resident ID number or credit code. */
  idNumber: trimmedOptional(18).transform((value) => value?.toUpperCase()),
  itemCode: trimmedOptional(64),
  status: z.preprocess((value) => (value === '' ? undefined : value), CaseStatus.optional()),
  windowId: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().positive().optional()),
  staffNo: trimmedOptional(32),
  /** Decided on or after this hall day. */
  from: z.preprocess((value) => (value === '' ? undefined : value), RealDay.optional()),
  /** Decided on or before this hall day. */
  to: z.preprocess((value) => (value === '' ? undefined : value), RealDay.optional()),
  page: z.coerce.number().int().positive().default(1),
  pageSize: z.coerce.number().int().positive().max(SEARCH_PAGE_SIZE_MAX).default(20),
});
export type CaseSearchQuery = z.input<typeof CaseSearchQuery>;

export const CaseSearchRow = z.object({
  caseNo: z.string(),
  itemCode: z.string(),
  itemName: z.string(),
  kind: z.enum(['instant', 'promised']),
  windowId: z.number().int(),
  windowName: z.string(),
  staffNo: z.string(),
  staffName: z.string().nullable(),
  /** Masked as the counter sent it (common/mask.ts). */
  applicant: CaseDecidedArgs.shape.applicantMasked,
  decision: CaseDecision,
  status: CaseStatus,
  outcome: CaseDecidedArgs.shape.outcome,
  decidedAt: z.string(),
  promisedDate: IsoDate.nullable(),
  finishedAt: z.string().nullable(),
});
export type CaseSearchRow = z.infer<typeof CaseSearchRow>;

export const CaseSearchResult = z.object({
  rows: z.array(CaseSearchRow),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
  /** The days searched, as applied (null: not limited). */
  from: IsoDate.nullable(),
  to: IsoDate.nullable(),
});
export type CaseSearchResult = z.infer<typeof CaseSearchResult>;

/** A case's details for the manager: the row, plus what was missing, the refusal and the ticket. The view is recorded. */
export const CaseDetails = CaseSearchRow.extend({
  ticketNumber: z.string().nullable(),
  calledAt: z.string().nullable(),
  finishedBy: z.string().nullable(),
  missing: CaseDecidedArgs.shape.missing,
  owedBy: IsoDate.nullable(),
  refuseReason: z.string().nullable(),
  deviceName: z.string(),
  /** The audit entry this view wrote. */
  auditId: z.number().int().positive(),
});
export type CaseDetails = z.infer<typeof CaseDetails>;

export const CaseNoArgs = z.object({ caseNo: z.string().trim().transform(normalizeCaseNo).pipe(CaseNo) });

export const CaseAuditQuery = z.object({
  caseNo: typedCaseNo,
  page: z.coerce.number().int().positive().default(1),
  pageSize: z.coerce.number().int().positive().max(SEARCH_PAGE_SIZE_MAX).default(20),
});
export type CaseAuditQuery = z.input<typeof CaseAuditQuery>;
export const CaseAuditEntry = z.object({
  id: z.number().int().positive(),
  at: z.string(),
  action: z.literal('open_case'),
  caseNo: z.string(),
  staffNo: z.string(),
  staffName: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  windowId: z.number().int().nullable(),
});
export type CaseAuditEntry = z.infer<typeof CaseAuditEntry>;
export const CaseAuditPage = z.object({
  entries: z.array(CaseAuditEntry),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
});
export type CaseAuditPage = z.infer<typeof CaseAuditPage>;

export const CASE_SEARCH_MANAGERS_ONLY = managerOnlyMessage('办件查询');
export const CASE_AUDIT_MANAGERS_ONLY = managerOnlyMessage('查阅记录');
