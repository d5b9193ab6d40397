// The counter ⇄ hall server protocol (../shared/protocols/sync.md), described
// once: the server routes by this table, the counter's client calls by it, and
// the OpenAPI document is generated from it. Nothing here does I/O.
import { z } from 'zod';
import { CaseNo, IsoDate } from './cases.ts';
import { MAX_DEVICE_NO, TICKET_NUMBER, TICKET_NUMBER_RULE } from './hall-codes.ts';
import { ApiError } from './errors.ts';
import { HallDeviceSetup } from './device-setup.ts';
import { ConfigChange, HallWindow, LineId, LineQueue, Priority, Staff, Ticket } from './model.ts';
import { CaseDecidedArgs, MAX_PUSH_BATCH, Mutation, WalkInIssuedArgs } from './sync.ts';
import { HallSyncIssues, SYNC_ISSUES_LIMIT } from './sync-issues.ts';
import { AdvanceHallFollowUp, FollowUp, FollowUpRatingParams, HallFollowUps, HallFollowUpsQuery } from './ratings.ts';
import { ServiceTiming } from './overtime.ts';
import {
  CallTicketRequest,
  CheckInAppointmentRequest,
  CheckInResult,
  CreateAppointmentRequest,
  CreatedAppointment,
  PauseResult,
  PauseWindowRequest,
  QueueBoard,
  SetTicketPriorityRequest,
  TransferResult,
  TransferTicketRequest,
  WindowPause,
} from './ticket-ops.ts';
import { RatingReport, ReportQuery, ReportWorkbook, WorkloadReport } from './reports.ts';
import { DeviceHealthReport, HallOverviewAnswer, HallOverviewQuery } from './hall-overview.ts';
import { ApplicantIdSidecar, CaseAuditPage, CaseAuditQuery, CaseDetails, CaseSearchQuery, CaseSearchResult } from './case-search.ts';

export const API_VERSION = '1.0.0';

/** Who may call a route: nobody special, an enrolled device, or the hall admin. */
export type RouteAuth = 'none' | 'device' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{param}` placeholders. */
  path: string;
  summary: string;
  auth: RouteAuth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Headers the route requires (besides Authorization). */
  headers?: Record<string, string>;
  response: z.ZodType;
  /** Text/event-stream instead of JSON. */
  stream?: boolean;
  /**
   * A text/html page for people instead of JSON: every answer is a page,
   * refusals included (the path parameters are checked by the page, not by
   * `params`, which only documents them).
   */
  html?: boolean;
  /** Largest request body the server reads (default 64 KiB). */
  maxBodyBytes?: number;
}

const WindowParams = z.object({ id: z.coerce.number().int().positive() });

export const Health = z.object({ ok: z.literal(true), serverTime: z.string(), version: z.string() });

export const EnrollmentCodeRequest = z.object({
  role: z.enum(['counter', 'kiosk']),
  windowId: z.number().int().positive().nullable(),
});
export const EnrollmentCode = z.object({ code: z.string().regex(/^\d{8}$/), expiresAt: z.string() });

export const EnrollRequest = z.object({
  code: z.string().regex(/^\d{8}$/, '注册码应为 8 位数字'),
  deviceName: z.string().min(1).max(64),
});
export const Enrollment = z.object({
  deviceId: z.string().min(1),
  /** Small number unique in the hall, given at enrollment; part of offline-made case numbers. */
  deviceNo: z.number().int().positive().max(MAX_DEVICE_NO),
  token: z.string().min(32),
  role: z.enum(['counter', 'kiosk']),
  windowId: z.number().int().positive().nullable(),
});
export type Enrollment = z.infer<typeof Enrollment>;

/**
 * 设备核对 (devices/{deviceId}/proof): before a counter sends its device token
 * to a new server address, that server proves it holds this device's
 * registration: proof = base64url(HMAC-SHA256(key = SHA-256 of the token,
 * the digest the hall keeps in place of the token, message =
 * deviceProofMessage(deviceId, nonce))). The label keeps the HMAC from ever
 * meaning anything else; change it (…-v2) if the message ever changes.
 */
export const DEVICE_PROOF_LABEL = 'halldesk-device-proof-v1';
/** What the HMAC covers: the label, the device and the counter's fresh nonce, one per line. */
export function deviceProofMessage(deviceId: string, nonce: string): string {
  return `${DEVICE_PROOF_LABEL}\n${deviceId}\n${nonce}`;
}
/** 32 bytes, base64url without padding. */
const Base64Url32 = /^[A-Za-z0-9_-]{43}$/;
export const DeviceProofParams = z.object({ deviceId: z.string().min(1).max(64) });
export const DeviceProofRequest = z.object({
  nonce: z.string().regex(Base64Url32, 'nonce 应为 32 字节随机数的 base64url 编码（43 个字符）'),
});
export const DeviceProof = z.object({ proof: z.string().regex(Base64Url32) });

export const SignInRequest = z.object({
  staffNo: z.string().min(1, '请输入工号').max(32),
  password: z.string().min(1, '请输入密码').max(128),
});
export const SignInResult = z.object({ staff: Staff, signedInAt: z.string() });

/**
 * Sign-in lockout (server/throttle.ts): failed sign-ins are counted per staff
 * number, per device and per caller address. A locked key is refused with
 * SIGN_IN_LOCKED (429, `retryAt`) before the password is checked.
 */
export const SignInLockScope = z.enum(['staff', 'device', 'address']);
export const SignInLock = z.object({
  scope: SignInLockScope,
  /** The staff number, device id or address counted. */
  key: z.string(),
  /** Failed attempts in a row. */
  failures: z.number().int().positive(),
  lastFailedAt: z.string(),
  /** Until when sign-in is refused; null: counted (each attempt may wait a few seconds), not locked. */
  lockedUntil: z.string().nullable(),
});
export type SignInLock = z.infer<typeof SignInLock>;
export const SignInLocks = z.object({ locks: z.array(SignInLock), serverTime: z.string() });
/** The admin names what to unlock: a staff number, a device, an address (at least one). */
export const UnlockSignInRequest = z
  .object({
    staffNo: SignInRequest.shape.staffNo.optional(),
    deviceId: z.string().min(1).max(64).optional(),
    address: z.string().min(1).max(64).optional(),
  })
  .refine((request) => Object.values(request).some((value) => value !== undefined), {
    message: '请指定要解锁的工号（staffNo）、设备（deviceId）或网络地址（address）',
  });
/** The hall manager at a counter unlocks a staff number. */
export const ManagerUnlockSignInRequest = z.object({ staffNo: SignInRequest.shape.staffNo });
/** What was counted before the unlock (empty: nothing was). */
export const UnlockSignInResult = z.object({ cleared: z.array(SignInLock) });

export const PullStream = z.enum(['config', 'queue', 'cases']);
export type PullStream = z.infer<typeof PullStream>;
export const PullQuery = z.object({
  stream: PullStream,
  /** The server's commit version the counter holds the stream at; 0: from scratch. */
  cursor: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(1000).default(500),
});

/** stream=config: one config entry as it is now (value null: removed). */
export const ConfigPullChange = z.object({ version: z.number().int().positive(), change: ConfigChange });
/** stream=queue: a ticket of the hall's business day `day`, as it is now. */
export const QueueTicket = Ticket.extend({ day: IsoDate });
export type QueueTicket = z.infer<typeof QueueTicket>;
export const QueueTicketChange = z.object({ version: z.number().int().nonnegative(), ticket: QueueTicket });
/**
 * How many tickets wait in each line of the hall now (lines with none are
 * left out), as the hall server keeps them (server migration 15): a counter
 * shows these instead of counting a copy of the whole hall queue.
 */
export const WaitingCounts = z.record(LineId, z.number().int().nonnegative());
export type WaitingCounts = z.infer<typeof WaitingCounts>;
/** stream=cases: a change the server made to one of this window's cases (e.g. 办结 by the back office). */
export const CaseUpdate = z.object({
  caseNo: z.string(),
  status: CaseDecidedArgs.shape.status,
  outcome: CaseDecidedArgs.shape.outcome,
  finishedAt: z.string().nullable(),
  finishedBy: z.string().nullable(),
});
export type CaseUpdate = z.infer<typeof CaseUpdate>;
export const CasePullChange = z.object({ version: z.number().int().positive(), case: CaseUpdate });

/**
 * A page of a stream. The counter applies the page and stores `cursor` in
 * one transaction. `410 Gone` instead: the cursor is unknown or older than
 * the server keeps: reload the stream from cursor 0.
 *
 * PullResult is a page of stream=config.
 */
export const PullResult = z.object({
  changes: z.array(ConfigPullChange),
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
});
export type PullResult = z.infer<typeof PullResult>;
/**
 * stream=queue. A kiosk reads every ticket change of the day; a counter only
 * the tickets it issued itself (its walk-ins, which any window may call) —
 * each page with every one of them as it is now — so that a change elsewhere
 * in the hall costs a counter nothing but the counts.
 */
export const QueuePage = z.object({
  changes: z.array(QueueTicketChange),
  /** The hall's waiting counts at `cursor`. */
  waiting: WaitingCounts,
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  /** The first page from scratch: forget the queue held so far before applying it. */
  reset: z.boolean(),
  /** The hall's business day now; waiting counts are of this day's tickets. */
  day: IsoDate,
});
export type QueuePage = z.infer<typeof QueuePage>;
export const CasesPage = z.object({
  changes: z.array(CasePullChange),
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
});
export type CasesPage = z.infer<typeof CasesPage>;
/** The page schema of each stream. */
export const PAGE_OF = { config: PullResult, queue: QueuePage, cases: CasesPage } as const;
export type PageOf<S extends PullStream> = z.infer<(typeof PAGE_OF)[S]>;

// ---- push (counter → server) ----------------------------------------------------

export const PushRequest = z.object({
  deviceId: z.string().min(1),
  /** In seq order, starting at most one past the server's lastSeq. Empty: only asks for lastSeq. */
  mutations: z.array(Mutation).max(MAX_PUSH_BATCH, `每批最多 ${MAX_PUSH_BATCH} 条`),
  /** The applicants' ID numbers of this batch's case.decided records: hashed with the hall's key on intake and dropped (server/case-search.ts). */
  applicantIds: z.array(ApplicantIdSidecar).max(MAX_PUSH_BATCH).optional(),
});
export type PushRequest = z.infer<typeof PushRequest>;
export const PushStatus = z.enum(['applied', 'duplicate', 'rejected']);
export const PushOutcome = z.object({
  seq: z.number().int().positive(),
  status: PushStatus,
  /** zh-CN, for rejected (and for a duplicate of a rejected one). */
  reason: z.string().optional(),
  /** For a duplicate: what became of the mutation when it first arrived. */
  firstStatus: z.enum(['applied', 'rejected']).optional(),
});
export type PushOutcome = z.infer<typeof PushOutcome>;
export const PushResult = z.object({
  /** The last seq the server holds for the device, after this push. */
  lastSeq: z.number().int().nonnegative(),
  results: z.array(PushOutcome),
  serverTime: z.string(),
});
export type PushResult = z.infer<typeof PushResult>;

export const RejectedMutationsQuery = z.object({
  deviceId: z.string().optional(),
  limit: z.coerce.number().int().positive().max(1000).default(200),
});
export const RejectedMutation = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  windowId: z.number().int().nullable(),
  seq: z.number().int().positive(),
  id: z.string(),
  name: z.string(),
  args: z.unknown(),
  at: z.string(),
  receivedAt: z.string(),
  reason: z.string(),
});
export const RejectedMutations = z.object({ mutations: z.array(RejectedMutation) });

export const TicketConflictsQuery = z.object({
  limit: z.coerce.number().int().positive().max(1000).default(200),
});
/** A central ticket served offline that the server could not simply mark served (common/sync.ts: ticket.served_offline). */
export const TicketConflict = z.object({
  id: z.number().int().positive(),
  number: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  windowId: z.number().int(),
  staffNo: z.string(),
  /** When the clerk served it offline. */
  at: z.string(),
  /** zh-CN: what happened and what the manager should check. */
  reason: z.string(),
  /** The ticket's state when the record arrived; null when no such ticket was found. */
  ticketStatus: z.enum(['waiting', 'called', 'completed', 'no_show', 'parked']).nullable(),
  ticketWindowId: z.number().int().nullable(),
  mutationSeq: z.number().int().positive(),
  receivedAt: z.string(),
});
export type TicketConflict = z.infer<typeof TicketConflict>;
export const TicketConflicts = z.object({ conflicts: z.array(TicketConflict) });

export const SyncIssuesQuery = z.object({
  limit: z.coerce.number().int().positive().max(1000).default(SYNC_ISSUES_LIMIT),
});

const CaseNoParams = z.object({ caseNo: CaseNo });
const TicketPageParams = z.object({
  day: IsoDate,
  number: z.string().regex(TICKET_NUMBER, TICKET_NUMBER_RULE),
});
/** What the caller of an html route gets: one self-contained page. */
const HtmlPage = z.string().describe('text/html; charset=utf-8');
export const AdminFinishCase = z.object({
  outcome: CaseDecidedArgs.shape.outcome.unwrap(),
  /** Who finished it in the back office (staff number or name). */
  finishedBy: z.string().min(1).max(64),
});
export const ServerCase = CaseDecidedArgs.extend({ deviceId: z.string() });
export type ServerCase = z.infer<typeof ServerCase>;

/** Whose device setup the hall pushes: 'default' (every window) or a window id. */
export const DeviceSetupKey = z
  .string()
  .regex(/^(default|[1-9]\d{0,8})$/, '应为 default（全部窗口）或窗口编号（如 3）');
export type DeviceSetupKey = z.infer<typeof DeviceSetupKey>;
const DeviceSetupKeyParams = z.object({ key: DeviceSetupKey });
/** PUT body: the sections the hall sets (printer, evaluator, outwardDisplayId, voice), at least one. */
export const HallDeviceSetupBody = HallDeviceSetup.refine((setup) => Object.keys(setup).length > 0, {
  message: '至少要设置一项（printer、evaluator、outwardDisplayId、voice）；要取消大厅设备设置请用 DELETE',
});
export const HallDeviceSetupEntry = z.object({
  key: DeviceSetupKey,
  setup: HallDeviceSetup,
  /** The config version of its latest change. */
  version: z.number().int().positive(),
});
export type HallDeviceSetupEntry = z.infer<typeof HallDeviceSetupEntry>;
export const HallDeviceSetups = z.object({
  /** The config version now. */
  version: z.number().int().nonnegative(),
  /** 'default' first, then windows by number. */
  setups: z.array(HallDeviceSetupEntry),
});
export type HallDeviceSetups = z.infer<typeof HallDeviceSetups>;
export const HallDeviceSetupRemoved = z.object({
  key: DeviceSetupKey,
  /** false: there was none to remove (nothing changed). */
  removed: z.boolean(),
  /** The config version now. */
  version: z.number().int().nonnegative(),
});

export const IssueTicketRequest = z.object({ lineId: LineId, priority: Priority.default('normal') });
export const IssuedTicket = z.object({ ticket: Ticket, ahead: z.number().int().nonnegative() });

export const QueueSummary = z.object({ version: z.number().int().nonnegative(), lines: z.array(LineQueue) });
export type QueueSummary = z.infer<typeof QueueSummary>;

export const WindowStatus = z.object({
  window: HallWindow,
  current: Ticket.nullable(),
  clerk: Staff.nullable(),
  /** 暂停服务 with its reason (pauseWindow); absent from an older server. */
  pause: WindowPause.nullable().optional(),
  /** The service in hand against its line's standard time (超时 amber, twice red); absent from an older server. */
  service: ServiceTiming.nullable().optional(),
});
export type WindowStatus = z.infer<typeof WindowStatus>;

export const CallNextResult = z.object({ ticket: Ticket.nullable() });
export const TicketResult = z.object({ ticket: Ticket });

/** Live events (SSE `data:` lines). Only a hint to pull or refresh. */
export const HallEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number().int() }),
  /** The queue changed (up to `version`); `waiting`: the counts then, so that a counter need not pull for them. */
  z.object({ type: z.literal('queue'), version: z.number().int(), waiting: WaitingCounts.optional() }),
  z.object({ type: z.literal('config'), version: z.number().int() }),
  /**
   * The window's state changed; \`by\`: the device whose own call (叫号, 重呼, 过号, 办结) made every change
   * told here — that counter has the answer already and need not read the state again.
   */
  z.object({ type: z.literal('window'), windowId: z.number().int(), version: z.number().int(), by: z.string().optional() }),
  /** One of the window's cases changed on the server: pull stream=cases. */
  z.object({ type: z.literal('cases'), windowId: z.number().int(), version: z.number().int() }),
]);
export type HallEvent = z.infer<typeof HallEvent>;

const idempotency = { 'Idempotency-Key': 'A unique key per intended call; a retry with the same key returns the same answer.' };

/** A range of walk-in numbers leased to one window's counter for one hall day (common/sync.ts: walkInNumber). */
export const WalkInLease = z.object({
  /** e.g. W03- */
  prefix: z.string().regex(/^W[0-9A-Z]{1,4}-$/),
  day: IsoDate,
  from: z.number().int().positive(),
  to: z.number().int().positive(),
  leasedAt: z.string(),
});
export type WalkInLease = z.infer<typeof WalkInLease>;

/** 现场补号 entering the hall queue: the walk-in as its counter issued it (the walkin.issued mutation's args). */
export const WalkInTicketRequest = WalkInIssuedArgs.omit({ windowId: true });
export type WalkInTicketRequest = z.infer<typeof WalkInTicketRequest>;
/** The walk-in's ticket in the hall queue, and how many of its line are served before it now (the slip's 您前面还有 N 人). */
export const WalkInTicketResult = z.object({ ticket: Ticket, ahead: z.number().int().nonnegative() });
export type WalkInTicketResult = z.infer<typeof WalkInTicketResult>;

export const routes = {
  health: { method: 'GET', path: '/v1/health', summary: '服务器状态', auth: 'none', response: Health },
  createEnrollmentCode: {
    method: 'POST',
    path: '/v1/admin/enrollment-codes',
    summary: '生成一次性设备注册码（管理员）',
    auth: 'admin',
    body: EnrollmentCodeRequest,
    response: EnrollmentCode,
  },
  enroll: {
    method: 'POST',
    path: '/v1/devices/enroll',
    summary: '用一次性注册码注册设备',
    auth: 'none',
    body: EnrollRequest,
    response: Enrollment,
  },
  deviceProof: {
    method: 'POST',
    path: '/v1/devices/{deviceId}/proof',
    summary:
      '设备核对：证明本服务器持有该设备的注册信息（不需要也不接收设备令牌），终端更换服务器地址前先核对；未知设备 404',
    auth: 'none',
    params: DeviceProofParams,
    body: DeviceProofRequest,
    response: DeviceProof,
    maxBodyBytes: 1024,
  },
  signIn: {
    method: 'POST',
    path: '/v1/auth/sign-in',
    summary:
      '窗口人员登录（绑定到本设备的窗口）；密码连续输错达大厅设置的次数（signInMaxFailures）后该工号锁定 signInLockMinutes 分钟，锁定期间核对密码前即拒绝（429 SIGN_IN_LOCKED，附 retryAt）',
    auth: 'device',
    body: SignInRequest,
    response: SignInResult,
  },
  signOut: {
    method: 'POST',
    path: '/v1/auth/sign-out',
    summary: '窗口人员退出',
    auth: 'device',
    response: z.object({ ok: z.literal(true) }),
  },
  pull: {
    method: 'GET',
    path: '/v1/sync/pull',
    summary: '按提交版本游标拉取变更（取号机拉取时不含工作人员信息：无 staff 配置项、无窗口登录变更）',
    auth: 'device',
    query: PullQuery,
    // A queue page is told apart by reset/day; config and cases by their changes.
    response: z.union([QueuePage, PullResult, CasesPage]),
  },
  push: {
    method: 'POST',
    path: '/v1/sync/push',
    summary: `推送本设备的变更记录（每批最多 ${MAX_PUSH_BATCH} 条，按 seq 顺序）`,
    auth: 'device',
    body: PushRequest,
    response: PushResult,
    maxBodyBytes: 16 * 1024 * 1024,
  },
  rejectedMutations: {
    method: 'GET',
    path: '/v1/admin/rejected-mutations',
    summary: '被拒收的变更记录（管理员）',
    auth: 'admin',
    query: RejectedMutationsQuery,
    response: RejectedMutations,
  },
  ticketConflicts: {
    method: 'GET',
    path: '/v1/admin/ticket-conflicts',
    summary: '离线手动录入票号的冲突记录（管理员）',
    auth: 'admin',
    query: TicketConflictsQuery,
    response: TicketConflicts,
  },
  signInLocks: {
    method: 'GET',
    path: '/v1/admin/sign-in-locks',
    summary: '登录失败计数与锁定（管理员）：按工号、设备、网络地址',
    auth: 'admin',
    response: SignInLocks,
  },
  unlockSignIn: {
    method: 'POST',
    path: '/v1/admin/sign-in-locks/unlock',
    summary: '解除登录锁定（管理员）：清除指定工号、设备或网络地址的登录失败计数',
    auth: 'admin',
    body: UnlockSignInRequest,
    response: UnlockSignInResult,
    maxBodyBytes: 1024,
  },
  managerUnlockSignIn: {
    method: 'POST',
    path: '/v1/manager/sign-in-locks/unlock',
    summary:
      '解除工号的登录锁定（大厅管理员在窗口终端操作）：仅当本设备窗口有管理员登录时回答',
    auth: 'device',
    body: ManagerUnlockSignInRequest,
    response: UnlockSignInResult,
    maxBodyBytes: 1024,
  },
  followUps: {
    method: 'GET',
    path: '/v1/manager/follow-ups',
    summary:
      '差评回访（全大厅，大厅管理员在窗口终端查看）：各窗口的差评回访，可按状态、窗口、到期日筛选，到期早的在前；仅当本设备窗口有管理员登录时回答',
    auth: 'device',
    query: HallFollowUpsQuery,
    response: HallFollowUps,
  },
  advanceFollowUp: {
    method: 'POST',
    path: '/v1/manager/follow-ups/{ratingId}/advance',
    summary:
      '推进一条差评回访一步（待核实→整改中→已回访），from 为管理员所见的状态，不符或已结束则 409 并说明；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    params: FollowUpRatingParams,
    body: AdvanceHallFollowUp,
    response: FollowUp,
    maxBodyBytes: 4096,
  },
  syncIssues: {
    method: 'GET',
    path: '/v1/manager/sync-issues',
    summary:
      '同步异常（大厅管理员在窗口终端查看）：被拒收的记录（不含记录内容）与票号冲突，最新在前；仅当本设备窗口有管理员登录时回答',
    auth: 'device',
    query: SyncIssuesQuery,
    response: HallSyncIssues,
  },
  adminCase: {
    method: 'GET',
    path: '/v1/admin/cases/{caseNo}',
    summary: '查看一件办件（管理员）',
    auth: 'admin',
    params: CaseNoParams,
    response: ServerCase,
  },
  adminFinishCase: {
    method: 'POST',
    path: '/v1/admin/cases/{caseNo}/finish',
    summary: '后台办结一件承诺件（管理员）；窗口终端通过 stream=cases 获知',
    auth: 'admin',
    params: CaseNoParams,
    body: AdminFinishCase,
    response: ServerCase,
  },
  casePage: {
    method: 'GET',
    path: '/case/{caseNo}',
    summary:
      '办件进度查询页（公开，受理回执二维码所指）：办件编号、事项、状态、承诺办结日期、容缺材料补交情况、申请人姓名（脱敏），不含证件号码和电话；未查到、编号不正确也回答页面（404）；每个网络地址每分钟最多 30 次，超出 429',
    auth: 'none',
    params: CaseNoParams,
    response: HtmlPage,
    html: true,
  },
  ticketPage: {
    method: 'GET',
    path: '/ticket/{day}/{number}',
    summary:
      '排队进度查询页（公开，现场补号凭条二维码所指）：排队号、业务、等候中（前面还有几人）/ 正在叫号（到几号窗口）/ 已挂起 / 已办理 / 已过号，不含任何个人信息；未查到、地址不正确也回答页面（404/400）；每个网络地址每分钟最多 30 次，超出 429',
    auth: 'none',
    params: TicketPageParams,
    response: HtmlPage,
    html: true,
  },
  deviceSetups: {
    method: 'GET',
    path: '/v1/admin/device-setups',
    summary: '大厅统一下发的设备设置（管理员）：default 及各窗口',
    auth: 'admin',
    response: HallDeviceSetups,
  },
  putDeviceSetup: {
    method: 'PUT',
    path: '/v1/admin/device-setups/{key}',
    summary:
      '设置大厅下发的设备设置（管理员）；key 为 default（全部窗口）或窗口编号；经 stream=config 下发，本机设置优先',
    auth: 'admin',
    params: DeviceSetupKeyParams,
    body: HallDeviceSetupBody,
    response: HallDeviceSetupEntry,
  },
  deleteDeviceSetup: {
    method: 'DELETE',
    path: '/v1/admin/device-setups/{key}',
    summary: '取消大厅下发的设备设置（管理员）',
    auth: 'admin',
    params: DeviceSetupKeyParams,
    response: HallDeviceSetupRemoved,
  },
  issueTicket: {
    method: 'POST',
    path: '/v1/tickets',
    summary: '取号（取号机）',
    auth: 'device',
    body: IssueTicketRequest,
    response: IssuedTicket,
  },
  queueSummary: {
    method: 'GET',
    path: '/v1/queue/summary',
    summary: '各业务类型等候人数',
    auth: 'device',
    response: QueueSummary,
  },
  windowStatus: {
    method: 'GET',
    path: '/v1/windows/{id}/state',
    summary: '窗口当前状态（取号机只看到窗口与当前号，clerk 恒为 null）',
    auth: 'device',
    params: WindowParams,
    response: WindowStatus,
  },
  callNext: {
    method: 'POST',
    path: '/v1/windows/{id}/call-next',
    summary: '叫号：取本窗口最优先的等候号（并结束当前号）',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    response: CallNextResult,
  },
  recall: {
    method: 'POST',
    path: '/v1/windows/{id}/recall',
    summary: '重呼当前号',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  noShow: {
    method: 'POST',
    path: '/v1/windows/{id}/no-show',
    summary: '过号：当前号未到',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  complete: {
    method: 'POST',
    path: '/v1/windows/{id}/complete',
    summary: '办结当前号',
    auth: 'device',
    params: WindowParams,
    response: TicketResult,
  },
  walkInLease: {
    method: 'POST',
    path: '/v1/windows/{id}/walk-in-lease',
    summary: '为本窗口租用一段现场补号号段（当日有效，各段互不重叠）',
    auth: 'device',
    params: WindowParams,
    response: WalkInLease,
  },
  walkInTicket: {
    method: 'POST',
    path: '/v1/windows/{id}/walk-ins',
    summary:
      '现场补号进入大厅排队：本窗口柜台从租用号段发出的号成为所办业务的等候号（按发号时间排位，不打乱已叫的号），答复该号前面的等候人数；同一号重复提交返回同一张号（幂等），其 walkin.issued 同步记录到达时不再重复入队',
    auth: 'device',
    params: WindowParams,
    body: WalkInTicketRequest,
    response: WalkInTicketResult,
  },
  transferTicket: {
    method: 'POST',
    path: '/v1/windows/{id}/transfer-ticket',
    summary:
      '转窗/转业务：把号转到另一业务排队或转给另一窗口（仅该窗口叫号）；place=keep 保留原取号时间排队，first 排在最前；不能转给未开窗的窗口；已办结、正被其他窗口办理的号拒绝',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    body: TransferTicketRequest,
    response: TransferResult,
  },
  parkTicket: {
    method: 'POST',
    path: '/v1/windows/{id}/park',
    summary: '挂起当前号（群众去补材料等），之后可回呼（callTicket）',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    response: TicketResult,
  },
  callTicket: {
    method: 'POST',
    path: '/v1/windows/{id}/call-ticket',
    summary:
      '叫指定号 / 回呼：把今天等候中、已挂起或已过号的号叫到本窗口（先办结本窗口当前号）；该号正被其他窗口办理时 409，同一号同时只有一个窗口能叫到',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    body: CallTicketRequest,
    response: TicketResult,
  },
  pauseWindow: {
    method: 'POST',
    path: '/v1/windows/{id}/pause',
    summary: '暂停服务：原因从大厅设定的列表中选（pauseReasons），可附说明和预计恢复时间；暂停期间不能叫号',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    body: PauseWindowRequest,
    response: PauseResult,
  },
  resumeWindow: {
    method: 'POST',
    path: '/v1/windows/{id}/resume',
    summary: '恢复服务',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    response: PauseResult,
  },
  checkInAppointment: {
    method: 'POST',
    path: '/v1/windows/{id}/appointment-check-in',
    summary:
      '预约签到：凭预约码或身份证号码取得预约业务的号；在预约时段开始后 appointmentLateMinutes 分钟内签到为预约优先，迟到为普通号；重复签到、非当日预约拒绝',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    body: CheckInAppointmentRequest,
    response: CheckInResult,
  },
  setTicketPriority: {
    method: 'POST',
    path: '/v1/windows/{id}/ticket-priority',
    summary: '调整等候中（或挂起）的号的优先级：优先（老年人、残疾人）、绿色通道、预约、普通',
    auth: 'device',
    params: WindowParams,
    headers: idempotency,
    body: SetTicketPriorityRequest,
    response: TicketResult,
  },
  queueBoard: {
    method: 'GET',
    path: '/v1/queue/board',
    summary: '今日队列概览：各业务与各窗口的等候人数、开窗与暂停情况、挂起的号、过号的号',
    auth: 'device',
    response: QueueBoard,
  },
  createAppointment: {
    method: 'POST',
    path: '/v1/admin/appointments',
    summary: '登记一条网上预约（管理员 / 预约系统）：预约码、身份证号码（只存摘要与脱敏号）、业务、日期与时段',
    auth: 'admin',
    body: CreateAppointmentRequest,
    response: CreatedAppointment,
  },
  events: {
    method: 'GET',
    path: '/v1/events',
    summary: '实时事件（SSE），仅提示客户端刷新',
    auth: 'device',
    response: HallEvent,
    stream: true,
  },
  openapi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: '本文档',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
  },
  ratingReport: {
    method: 'GET',
    path: '/v1/manager/reports/ratings',
    summary:
      '好差评统计（大厅管理员在窗口终端查看）：from–to 两端含（按大厅日期，最长一年），可按窗口、工号筛选；按窗口、人员、业务类型、事项：服务量、评价数、未评价、评价率、各等级数、好评率、差评及其回访状态与是否按期；附差评明细；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: ReportQuery,
    response: RatingReport,
  },
  workloadReport: {
    method: 'GET',
    path: '/v1/manager/reports/workload',
    summary:
      '工作量统计（大厅管理员在窗口终端查看）：from–to 两端含（最长一年），可按窗口、工号筛选；按窗口、人员、业务类型、事项：服务量（办结的号），等候时长（取号→叫号）与办理时长（叫号→办结）的平均值与 P90（秒）；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: ReportQuery,
    response: WorkloadReport,
  },
  reportWorkbook: {
    method: 'GET',
    path: '/v1/manager/reports/workbook',
    summary:
      '导出统计报表 .xlsx（大厅管理员）：同 ratingReport / workloadReport 的查询参数；每个视图一张工作表（按窗口、按人员、按业务类型、按事项）另加差评明细，首行为大厅名称与统计期间，数字为数值；文件内容以 base64 返回；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: ReportQuery,
    response: ReportWorkbook,
  },
  hallOverview: {
    method: 'GET',
    path: '/v1/manager/overview',
    summary:
      '大厅总览（大厅管理员在窗口终端查看）：各窗口状态（办理中/暂停/空闲/未开窗/离线）、当前号与办理时长、设备状况，各业务等候人数与最长等候、今日取号与办结，提醒列表；since 为已有版本时等到有变化（最多 waitMs 毫秒）再回答，无变化则 overview 为 null；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: HallOverviewQuery,
    response: HallOverviewAnswer,
  },
  reportDevices: {
    method: 'POST',
    path: '/v1/windows/{id}/devices',
    summary: '柜台终端报告本窗口设备状况（打印机、评价器、外屏），供大厅总览显示；只能报告本设备绑定的窗口',
    auth: 'device',
    params: WindowParams,
    body: DeviceHealthReport,
    response: z.object({ ok: z.literal(true) }),
    maxBodyBytes: 4096,
  },
  searchCases: {
    method: 'GET',
    path: '/v1/manager/cases',
    summary:
      '办件查询（全大厅、跨日期，大厅管理员）：按办件编号、申请人证件号码（精确匹配，服务器只存其密钥摘要）、事项、状态、窗口、工号、日期范围（不超过一年；未指定时为近 30 天）查询，分页；申请人只显示脱敏信息；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: CaseSearchQuery,
    response: CaseSearchResult,
  },
  openCaseRecord: {
    method: 'POST',
    path: '/v1/manager/cases/{caseNo}/open',
    summary: '查看一件办件的详情（大厅管理员）：每次查看都记入查阅记录（谁、何时、哪台终端、哪一件）；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    params: CaseNoParams,
    response: CaseDetails,
  },
  caseAudit: {
    method: 'GET',
    path: '/v1/manager/case-audit',
    summary: '查阅记录（大厅管理员）：查看办件详情的记录，最新在前，只读，不可修改或删除；可按办件编号筛选；仅当本设备窗口有管理员登录时回答（否则 403）',
    auth: 'device',
    query: CaseAuditQuery,
    response: CaseAuditPage,
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof routes;
export type RouteResponse<N extends RouteName> = z.infer<(typeof routes)[N]['response']>;

/** Fills `{param}` placeholders: pathFor('/v1/windows/{id}/recall', { id: 3 }). */
export function pathFor(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`missing path parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

/** The OpenAPI 3.1 document for every route above. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  for (const [name, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      for (const [key, field] of Object.entries(schema.shape)) {
        parameters.push({ name: key, in: where, required: where === 'path', schema: json(field as z.ZodType) });
      }
    }
    for (const [header, description] of Object.entries(spec.headers ?? {})) {
      parameters.push({ name: header, in: 'header', required: true, description, schema: { type: 'string' } });
    }
    const answerType = spec.stream ? 'text/event-stream' : spec.html ? 'text/html' : 'application/json';
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: spec.summary,
      parameters,
      security: spec.auth === 'none' ? [] : [{ [spec.auth]: [] }],
      responses: {
        '200': { description: 'OK', content: { [answerType]: { schema: json(spec.response) } } },
        default: spec.html
          ? { description: '错误（同样是页面）', content: { 'text/html': { schema: { type: 'string' } } } }
          : { description: '错误', content: { 'application/json': { schema: json(ApiError) } } },
      },
    };
    if (spec.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: json(spec.body) } } };
    }
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'HallDesk 大厅服务器接口', version: API_VERSION },
    components: {
      securitySchemes: {
        device: { type: 'http', scheme: 'bearer', description: '设备令牌（注册时获得）' },
        admin: { type: 'http', scheme: 'bearer', description: '大厅管理员令牌（服务器启动时给出）' },
      },
    },
    paths,
  };
}
