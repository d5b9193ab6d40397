// The renderer ⇄ main contract: every call and event named in ipc-names.ts
// gets its schemas here. Both hosts (Electron IPC and the browser host's
// WebSocket) validate every incoming message against this table.
import { z } from 'zod';
import { ApiError } from './errors.ts';
import { CALL_NAMES, EVENT_NAMES, type CallName, type EventName, type ScreenRole } from './ipc-names.ts';
import { CaseDecision, CaseDraft, CaseDraftView, CaseList, CaseRecord, ClerkFigures, InstantOutcome, OutwardCase } from './cases.ts';
import { HallWindow, Item, LineId, LineQueue, Priority, ServiceLine, Staff, Ticket, TicketNumber } from './model.ts';
import {
  DeviceSection,
  DeviceSettingChange,
  DeviceSetupView,
  DeviceTestResult,
  OutwardScreenStatus,
  SerialPortOption,
  VoiceSetupSchema,
} from './device-setup.ts';
import { PrinterState, PrintQueueView } from './printing.ts';
import { ClerkRating, EvaluatorStatus, FollowUp, FollowUpState, OutwardRating, RatingLevel } from './ratings.ts';
import { ServiceTiming } from './overtime.ts';
import { HallOverviewAnswer } from './hall-overview.ts';
import { CaseAuditPage, CaseAuditQuery, CaseDetails, CaseNoArgs, CaseSearchQuery, CaseSearchResult } from './case-search.ts';
import { SyncIssuesView } from './sync-issues.ts';
import { IdCardRead, IdCardReaderStatus, OutwardIdCard } from './id-card.ts';
import {
  AppointmentCode,
  HallTimeOfDay,
  QueueBoard,
  TransferPlace,
  TransferTarget,
  TypedTicketNumber,
  WindowPause,
} from './ticket-ops.ts';
import { RatingReport, ReportArgs, ReportWorkbook, WorkloadReport } from './reports.ts';

export const ConnectionState = z.object({
  state: z.enum(['online', 'connecting', 'offline']),
  serverUrl: z.string().nullable(),
  /** Since when the state holds (ISO time). */
  since: z.string(),
  /** Why the server is not reachable, in Chinese; null when online. */
  reason: z.string().nullable(),
  /**
   * Why records are not reaching the hall server although they should (it
   * refused a push, asks to wait, does not accept the device token), in
   * Chinese, with what happens next; null when sync is fine or the only
   * trouble is that the server is unreachable (then see state and reason).
   */
  syncIssue: z.string().nullable(),
  /**
   * Pushing has stopped and needs a person (records missing, the server
   * refuses them): the header turns red with syncIssue, Alt+Y says what to do.
   */
  syncBlocked: z.boolean().optional(),
  /** Changes the counter's start-up check found in its own records (同步异常 lists them); 0 or absent: none. */
  recordsChanged: z.number().int().nonnegative().optional(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

/**
 * Whether the outward page can sound its announcements: a browser keeps a
 * page's audio suspended until someone touches the page (autoplay policy);
 * the Electron shell allows it, so there it runs.
 */
export const OutwardAudioState = z.enum(['running', 'blocked']);
export type OutwardAudioState = z.infer<typeof OutwardAudioState>;

/**
 * 语音播报 as the clerk's status bar shows it. ok: the outward page can be
 * heard; blocked: its browser holds the sound back (语音未开启: someone clicks
 * 「开启语音」 on the outward screen); unknown: no outward page has said (none
 * open); off: voice is switched off in 设备设置.
 */
export const OutwardVoiceStatus = z.enum(['ok', 'blocked', 'unknown', 'off']);
export type OutwardVoiceStatus = z.infer<typeof OutwardVoiceStatus>;
/** What the clerk is told while the outward page's sound is held back ('blocked'). */
export const OUTWARD_VOICE_BLOCKED_MESSAGE = '外屏语音未开启：请在外屏上点击「开启语音」';

export const CallLogEntry = z.object({
  at: z.string(),
  /** callTicket: 叫指定号 / 回呼; park: 挂起; transfer: 转窗/转业务 (to another window or line). */
  action: z.enum(['callNext', 'recall', 'noShow', 'complete', 'callTicket', 'park', 'transfer']),
  ticketNumber: z.string(),
});
export type CallLogEntry = z.infer<typeof CallLogEntry>;

/** Everything the clerk's workspace shows. */
export const ClerkState = z.object({
  connection: ConnectionState,
  /** Records (cases, ratings …) committed here that the hall server has not acknowledged yet. */
  unsent: z.number().int().nonnegative(),
  enrolled: z.boolean(),
  hallName: z.string(),
  window: HallWindow.nullable(),
  clerk: Staff.omit({ photo: true }).nullable(),
  current: Ticket.nullable(),
  /** The ticket in hand against its line's standard service time: 超时 amber, twice red (common/overtime.ts). */
  service: ServiceTiming.nullable(),
  /** Waiting counts for the lines this window serves, in its order of preference. */
  queue: z.array(LineQueue),
  noShowMinRecalls: z.number().int().nonnegative(),
  /** Today's calls at this window, newest first. */
  log: z.array(CallLogEntry),
  /** The receipt printer and its queue (main/printing/); null when this counter has no printer configured. */
  printer: PrinterState.nullable(),
  /** The window's devices; evaluator null when none is configured. */
  devices: z.object({
    evaluator: EvaluatorStatus.nullable(),
    outward: OutwardScreenStatus,
    voice: OutwardVoiceStatus,
    /** The ID card reader (二代证阅读器); null or absent when none is configured. */
    idCardReader: IdCardReaderStatus.nullable().optional(),
  }),
  /**
   * 暂停服务: the screen is locked (idle for idleLockMinutes, or the clerk
   * paused); the signed-in clerk unlocks with the password. The outward
   * screen shows 暂停服务 meanwhile.
   */
  locked: z.boolean(),
  idleLockMinutes: z.number().int().positive(),
  /** The rating session open now and the latest rating at this window (好差评). */
  rating: ClerkRating,
  /**
   * The card just laid on the ID card reader, for the applicant form (or an
   * offer to start a case), until the screen dismisses it (dismissIdCardRead).
   */
  idCard: IdCardRead.nullable().optional(),
  /**
   * 暂停服务 with a reason (pauseWindow, Alt+X), as the hall server holds it:
   * the hall and the outward screen see the reason; 叫号 waits for 恢复服务.
   * Apart from the screen lock (Alt+L, `locked`). Absent: not known yet.
   */
  pause: WindowPause.nullable().optional(),
  /** The hall's reasons for 暂停服务 (HallSettings.pauseReasons). */
  pauseReasons: z.array(z.string()).optional(),
});
export type ClerkState = z.infer<typeof ClerkState>;

/** Everything the citizen's outward screen shows, already masked. */
export const OutwardView = z.object({
  hallName: z.string(),
  windowName: z.string().nullable(),
  /** closed: nobody signed in; paused: 暂停服务 (the clerk's screen is locked). */
  mode: z.enum(['closed', 'idle', 'serving', 'paused']),
  clerk: z
    .object({ name: z.string(), staffNo: z.string(), department: z.string(), photo: z.string() })
    .nullable(),
  calling: z
    .object({
      number: z.string(),
      lineName: z.string(),
      /** Grows with every 重呼, so the screen knows to flash again. */
      announcement: z.number().int().nonnegative(),
    })
    .nullable(),
  notice: z.string(),
  /** The case the clerk is filling in or just decided, for the citizen to check. */
  case: OutwardCase.nullable(),
  /** The rating prompt (好差评) while a session is open. */
  rating: OutwardRating.nullable(),
  /** How calls are announced (语音播报); `test` grows with every 测试语音, so the screen plays the test once. */
  voice: VoiceSetupSchema.extend({ test: z.number().int().nonnegative() }),
  /** 显示测试画面: the screen shows its test pattern until this time (ISO), then returns; null: none. */
  testPatternUntil: z.string().nullable(),
  /** The card just read on the ID card reader, masked, for the citizen to check it is theirs. */
  idCard: OutwardIdCard.nullable().optional(),
  /** mode paused by 暂停服务 with a reason (pauseWindow): the reason and the expected return (ISO), for the citizen. */
  pause: z.object({ reason: z.string(), expectedBackAt: z.string().nullable() }).nullable().optional(),
});
export type OutwardView = z.infer<typeof OutwardView>;

const NoArgs = z.strictObject({});

export interface CallSpec {
  /** The screens allowed to make this call. */
  from: readonly ScreenRole[];
  /** Only for a signed-in hall manager: the feature's name, for the refusal (managerOnlyMessage in errors.ts). */
  manager?: string;
  /** Still answered while the screen is locked (暂停服务); every other call is refused then. */
  whileLocked?: true;
  args: z.ZodType;
  result: z.ZodType;
}

/**
 * The largest 设备设置 file importDeviceSetup takes, in characters: the
 * counter's own limit (MAX_CONFIG_BYTES in main/device-setup/config-transfer.ts;
 * a test keeps the two equal). A real setup is a few KB; the screens check a
 * picked file against this before sending it.
 */
export const IMPORT_TEXT_MAX_CHARS = 256 * 1024;

export const calls = {
  getClerkState: { from: ['clerk'], whileLocked: true, args: NoArgs, result: ClerkState },
  getOutwardView: { from: ['clerk', 'outward'], whileLocked: true, args: NoArgs, result: OutwardView },
  enroll: {
    from: ['clerk'],
    args: z.strictObject({
      serverUrl: z.url({ protocol: /^https?$/, error: '服务器地址应以 http:// 或 https:// 开头' }),
      code: z.string().regex(/^\d{8}$/, '注册码应为 8 位数字'),
    }),
    result: ClerkState,
  },
  signIn: {
    from: ['clerk'],
    args: z.strictObject({
      staffNo: z.string().trim().min(1, '请输入工号').max(32, '工号过长'),
      password: z.string().min(1, '请输入密码').max(128, '密码过长'),
    }),
    result: ClerkState,
  },
  signOut: { from: ['clerk'], whileLocked: true, args: NoArgs, result: ClerkState },
  callNext: { from: ['clerk'], args: NoArgs, result: ClerkState },
  recall: { from: ['clerk'], args: NoArgs, result: ClerkState },
  noShow: { from: ['clerk'], args: NoArgs, result: ClerkState },
  complete: { from: ['clerk'], args: NoArgs, result: ClerkState },
  getCatalogue: {
    from: ['clerk'],
    args: NoArgs,
    /** The hall's catalogue, and the reasons a clerk chooses from for 不予受理. */
    result: z.object({ items: z.array(Item), lines: z.array(ServiceLine), refuseReasons: z.array(z.string()) }),
  },
  /** The clerk's form as it stands (null: no case in hand). Mirrors it, masked, to the outward screen. */
  updateCaseDraft: { from: ['clerk'], args: z.strictObject({ draft: CaseDraft.nullable() }), result: CaseDraftView.nullable() },
  submitCase: {
    from: ['clerk'],
    args: z.strictObject({
      draft: CaseDraft,
      decision: CaseDecision,
      /** 不予受理: the reason chosen from the hall's list, plus free text. */
      refuseReason: z.string().max(200).nullable(),
      refuseDetail: z.string().max(500).nullable(),
      /** 即办件 accepted are finished on the spot: 准予 or 不予. */
      instantOutcome: InstantOutcome.nullable(),
    }),
    result: CaseRecord,
  },
  finishCase: {
    from: ['clerk'],
    args: z.strictObject({ caseNo: z.string().min(1), outcome: InstantOutcome }),
    result: CaseRecord,
  },
  /**
   * 补交登记: the owed 容缺 materials of a case that the applicant handed in
   * (names from its missing list); recorded locally, its 补交回执 printed.
   */
  recordSupplement: {
    from: ['clerk'],
    args: z.strictObject({
      caseNo: z.string().min(1),
      materials: z.array(z.string().min(1).max(200)).min(1, '请勾选本次补交的材料').max(50),
    }),
    result: CaseRecord,
  },
  listCases: { from: ['clerk'], args: NoArgs, result: CaseList },
  getFigures: { from: ['clerk'], args: NoArgs, result: ClerkFigures },
  /** 请评价: opens a rating session for the ticket in hand (or the one just completed). */
  requestRating: { from: ['clerk'], args: NoArgs, result: ClerkState },
  /** The citizen touches a level on the outward screen; the first answer for the session wins. */
  rateByTouch: {
    from: ['outward'],
    /** A citizen still rating when the clerk locked the screen answers (docs/ratings-and-queue.md). */
    whileLocked: true,
    args: z.strictObject({ sessionId: z.number().int().nonnegative().max(0xffffffff), level: RatingLevel }),
    result: z.object({ accepted: z.boolean() }),
  },
  /** The outward page says whether its announcements can be heard (OutwardAudioState); also while 暂停服务. */
  reportOutwardAudio: {
    from: ['outward'],
    whileLocked: true,
    args: z.strictObject({ state: OutwardAudioState }),
    result: z.object({ voice: OutwardVoiceStatus }),
  },
  /** Bad-rating follow-ups (差评回访), for a signed-in manager. */
  listFollowUps: { from: ['clerk'], manager: '差评回访', args: NoArgs, result: z.array(FollowUp) },
  advanceFollowUp: {
    from: ['clerk'],
    manager: '差评回访',
    args: z.strictObject({
      id: z.number().int().positive(),
      note: z.string().trim().min(1, '请填写处理说明').max(500, '说明过长（最多 500 字）'),
      /** The follow-up's rating and the state the manager saw: the step goes to the hall server (any window's follow-up). */
      ratingId: z.string().min(1).max(64).optional(),
      from: FollowUpState.optional(),
    }),
    result: FollowUp,
  },
  /**
   * 现场补号: the next walk-in number from the range leased to this window
   * (works offline), recorded for the hall server and its ticket printed.
   */
  issueWalkIn: {
    from: ['clerk'],
    args: z.strictObject({ lineId: LineId }),
    result: z.object({
      /** e.g. W03-007 */
      number: z.string(),
      lineId: LineId,
      issuedAt: z.string(),
      /** Leased numbers still left today. */
      remaining: z.number().int().nonnegative(),
      /** In the hall queue now: the hall server's count ahead of it at print time; null offline (it joins on reconnect). */
      ahead: z.number().int().nonnegative().nullable(),
    }),
  },
  /**
   * 手动录入票号: offline only, the clerk serves a central ticket typed from
   * the citizen's slip; recorded for the hall server, which reconciles it on
   * reconnect (a ticket served twice becomes a conflict for the manager).
   */
  serveTypedTicket: {
    from: ['clerk'],
    args: z.strictObject({ number: z.string().trim().max(16) }),
    result: z.object({ number: TicketNumber, at: z.string() }),
  },
  /** The print queue: every job not printed yet and the latest printed ones, newest first. */
  listPrintJobs: { from: ['clerk'], args: NoArgs, result: PrintQueueView },
  /** 重试 a job that was not sent (printer refused or unreachable); answers once the queue has run. */
  retryPrintJob: { from: ['clerk'], args: z.strictObject({ id: z.number().int().positive() }), result: PrintQueueView },
  /** 重打 a printed job (a new copy), or 重新打印 a job that may have partly printed, after the clerk checked. */
  reprintJob: { from: ['clerk'], args: z.strictObject({ id: z.number().int().positive() }), result: PrintQueueView },
  /** The job as the printer will print it, as SVG. */
  previewPrintJob: { from: ['clerk'], args: z.strictObject({ id: z.number().int().positive() }), result: z.object({ svg: z.string() }) },
  /** 暂停服务: locks the clerk's screen (idle time-out or the clerk's own pause); the outward screen shows 暂停服务. */
  lockScreen: { from: ['clerk'], whileLocked: true, args: NoArgs, result: ClerkState },
  /** The signed-in staff member's password unlocks (checked against the hall server, or the stored verifier offline). */
  unlockScreen: {
    from: ['clerk'],
    whileLocked: true,
    args: z.strictObject({ password: z.string().min(1, '请输入密码').max(128, '密码过长') }),
    result: ClerkState,
  },
  // 设备设置: every call below needs a signed-in manager (FORBIDDEN otherwise).
  getDeviceSetup: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: DeviceSetupView },
  /** Serial ports on this PC, found even where udevadm is missing (main/devices/discovery.ts). */
  listSerialPorts: {
    from: ['clerk'],
    manager: '设备设置',
    args: NoArgs,
    result: z.object({ ports: z.array(SerialPortOption), note: z.string() }),
  },
  /** Sets one section on this counter (a local override: it wins over the hall's); the device restarts with it. */
  saveDeviceSetting: { from: ['clerk'], manager: '设备设置', args: z.strictObject({ change: DeviceSettingChange }), result: DeviceSetupView },
  /** Drops this counter's own setting for a section: the hall's (or the launcher's) applies again. */
  resetDeviceSetting: { from: ['clerk'], manager: '设备设置', args: z.strictObject({ section: DeviceSection }), result: DeviceSetupView },
  /** Prints a test page on the printer in use; answers with what was sent, as SVG, and how it went. */
  testPrinter: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: DeviceTestResult.extend({ svg: z.string() }) },
  /** PING the evaluator in use: answers when it answers, or says why not. */
  pingEvaluator: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: DeviceTestResult },
  /**
   * 测试评价: the evaluator shows a rating prompt; answers with the key pressed
   * (or after 30 s without one). Not a rating: nothing is stored or sent.
   */
  testEvaluatorRating: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: DeviceTestResult.extend({ level: RatingLevel.nullable() }) },
  /** The outward screen shows its test pattern for 10 s. */
  testOutwardDisplay: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: z.object({ until: z.string() }) },
  /** The outward screen plays a test announcement with the voice setting in use. */
  testVoice: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: z.object({ text: z.string() }) },
  /** 读卡测试: waits (up to 20 s) for a card on the reader and answers with its fields masked; the form is not filled. */
  testIdCardReader: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: DeviceTestResult },
  /** The clerk's screen has used (or set aside) the card read `seq`: it leaves the counter's memory and the outward screen. */
  dismissIdCardRead: { from: ['clerk'], args: z.strictObject({ seq: z.number().int().positive() }), result: z.object({}) },
  /** This window's device setup as a JSON file (main/config-transfer.ts), to import at the next window. */
  exportDeviceSetup: { from: ['clerk'], manager: '设备设置', args: NoArgs, result: z.object({ fileName: z.string(), text: z.string() }) },
  /** Applies an exported file as this counter's own settings, all sections or none. */
  importDeviceSetup: {
    from: ['clerk'],
    manager: '设备设置',
    args: z.strictObject({
      text: z
        .string()
        .max(IMPORT_TEXT_MAX_CHARS, '文件太大（超过 256 KB），不是 HallDesk 设备设置文件：请选择“导出设备设置”得到的 .json 文件'),
    }),
    result: DeviceSetupView,
  },
  /**
   * The hall server moved: the same enrolled device at a new address. The new
   * address must accept this device's token before it is kept.
   */
  changeServerAddress: {
    from: ['clerk'],
    manager: '设备设置',
    args: z.strictObject({
      serverUrl: z.url({ protocol: /^https?$/, error: '服务器地址应以 http:// 或 https:// 开头' }),
    }),
    result: DeviceSetupView,
  },
  /**
   * 重新注册 (a manager): this counter takes a new device identity from a new
   * one-time code, perhaps at another window or hall. Refused while the hall
   * server has not acknowledged every record; the old enrollment stays when
   * the server refuses the code. Afterwards nobody is signed in.
   */
  reenroll: {
    from: ['clerk'],
    manager: '设备设置',
    args: z.strictObject({
      serverUrl: z.url({ protocol: /^https?$/, error: '服务器地址应以 http:// 或 https:// 开头' }),
      code: z.string().regex(/^\d{8}$/, '注册码应为 8 位数字'),
    }),
    result: ClerkState,
  },
  /**
   * 同步异常 (Alt+Y, anyone at the counter, online or not): why records are not
   * reaching the hall server and what to do, and this counter's records the
   * server rejected (本机); for a manager online also the hall's rejected
   * records and ticket conflicts (全大厅).
   */
  listSyncIssues: { from: ['clerk'], args: NoArgs, result: SyncIssuesView },
  /**
   * 登录解锁 (a manager): a staff number locked after too many wrong passwords
   * signs in again — on this counter and at the hall server (online only).
   */
  unlockStaffSignIn: {
    from: ['clerk'],
    manager: '登录解锁',
    args: z.strictObject({ staffNo: z.string().trim().min(1, '请输入工号').max(32, '工号过长') }),
    result: z.object({ staffNo: z.string(), message: z.string() }),
  },
  // The queue routine beyond 叫号 (main/queue/ticket-ops.ts): online only, each answered by the hall server.
  /** 转窗 / 转业务 (Alt+Z): a ticket (usually the one in hand) to another line or an open window; keep its place or put it first. */
  transferTicket: {
    from: ['clerk'],
    args: z.strictObject({ number: TypedTicketNumber, to: TransferTarget, place: TransferPlace }),
    result: ClerkState,
  },
  /** 挂起 (Alt+H): the ticket in hand waits aside until called back. */
  parkTicket: { from: ['clerk'], args: NoArgs, result: ClerkState },
  /** 叫指定号 / 回呼 (Alt+J): a waiting, parked or 过号 number of today, to this window. */
  callTicket: { from: ['clerk'], args: z.strictObject({ number: TypedTicketNumber }), result: ClerkState },
  /** 暂停服务 with a reason from the hall's list (Alt+X); 叫号 is refused until 恢复服务. */
  pauseWindow: {
    from: ['clerk'],
    args: z.strictObject({
      reason: z.string().trim().min(1, '请选择暂停原因（如 午休、临时离开、业务培训）').max(20),
      note: z.string().trim().max(60, '说明最多 60 个字').optional(),
      expectedBack: HallTimeOfDay.optional(),
    }),
    result: ClerkState,
  },
  resumeWindow: { from: ['clerk'], args: NoArgs, result: ClerkState },
  /** 预约签到 (Alt+A): by 预约码 or ID number; the ticket's number, place and whether it came on time. */
  checkInAppointment: {
    from: ['clerk'],
    args: z
      .strictObject({ code: AppointmentCode.optional(), idNumber: z.string().trim().toUpperCase().max(18).optional() })
      .refine((request) => (request.code === undefined) !== (request.idNumber === undefined), {
        message: '请输入预约码或身份证号码（二选一）',
      }),
    result: z.object({
      number: z.string(),
      lineId: LineId,
      ahead: z.number().int().nonnegative(),
      onTime: z.boolean(),
      slot: z.string(),
    }),
  },
  /** 优先 / 绿色通道 (Alt+V) for a waiting or parked number. */
  setTicketPriority: {
    from: ['clerk'],
    args: z.strictObject({ number: TypedTicketNumber, priority: Priority }),
    result: Ticket,
  },
  /** Today's queue by line and window, parked and 过号 tickets: for the transfer dialog and the call-back lists. */
  getQueueBoard: { from: ['clerk'], args: NoArgs, result: QueueBoard },
  /**
   * 登记丢失 (a manager): records missing from this counter that the hall
   * server never had are recorded as lost, with a reason, so that the records
   * behind them go up; sent to the server, logged. The range must be the one
   * the counter reports (SyncIssuesView.stuck.gap).
   */
  resolveSyncGap: {
    from: ['clerk'],
    manager: '登记丢失',
    args: z.strictObject({
      fromSeq: z.number().int().positive(),
      toSeq: z.number().int().positive(),
      reason: z.string().trim().min(4, '请写明原因（至少 4 个字）').max(200, '原因最多 200 字'),
    }),
    result: SyncIssuesView,
  },
  // 统计报表 (管理台, main/manager/reports.ts): the hall server's figures, online only.
  /** 好差评 per window, clerk, line and item over a period (the hall server's ratingReport). */
  getRatingReport: { from: ['clerk'], manager: '统计报表', args: ReportArgs, result: RatingReport },
  /** 服务量, wait and service times per window, clerk, line and item (the hall server's workloadReport). */
  getWorkloadReport: { from: ['clerk'], manager: '统计报表', args: ReportArgs, result: WorkloadReport },
  /** The period's .xlsx as the hall server made it (base64), for the screen to save. */
  exportReport: { from: ['clerk'], manager: '统计报表', args: ReportArgs, result: ReportWorkbook },
  // 管理台 (main/manager/desk.ts): the hall server's, online only.
  /** 大厅总览: the overview now; with the version held, the next change (a long poll, overview null when none came). */
  getHallOverview: {
    from: ['clerk'],
    manager: '大厅总览',
    args: z.strictObject({ since: z.number().int().nonnegative().optional() }),
    result: HallOverviewAnswer,
  },
  /** 办件查询 across windows and days; masked applicants only. */
  searchCases: { from: ['clerk'], manager: '办件查询', args: CaseSearchQuery.strict(), result: CaseSearchResult },
  /** 查看详情 of one case: recorded in the hall's 查阅记录. */
  openCaseRecord: { from: ['clerk'], manager: '办件查询', args: z.strictObject(CaseNoArgs.shape), result: CaseDetails },
  /** 查阅记录: who opened which case, newest first, read-only. */
  listCaseAudit: { from: ['clerk'], manager: '查阅记录', args: CaseAuditQuery.strict(), result: CaseAuditPage },
} as const satisfies Record<CallName, CallSpec>;

export const events = {
  clerkState: { to: 'clerk', payload: ClerkState },
  outwardView: { to: 'outward', payload: OutwardView },
} as const satisfies Record<EventName, { to: ScreenRole; payload: z.ZodType }>;

export type CallArgs<N extends CallName> = z.input<(typeof calls)[N]['args']>;
export type CallResult<N extends CallName> = z.infer<(typeof calls)[N]['result']>;
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]['payload']>;

/** A call's arguments as the core receives them: parsed by the bridge, defaults filled. */
export type CallInput<N extends CallName> = z.output<(typeof calls)[N]['args']>;
/** What runs one call in the counter core. */
export type CallHandler<N extends CallName> = (args: CallInput<N>) => CallResult<N> | Promise<CallResult<N>>;
/**
 * A feature's handlers, keyed by the contract's call names: `CallHandlers<'callNext' | 'recall'>`.
 * The counter joins every feature's map into one `CallHandlers` (all names), so a call without a
 * handler, or a handler with the wrong arguments or result, does not compile.
 */
export type CallHandlers<N extends CallName = CallName> = { [K in N]: CallHandler<K> };

/** The api the renderer sees, the same from the preload bridge and the WebSocket client. */
export type HallDeskApi = {
  [N in CallName]: (args: CallArgs<N>) => Promise<CallResult<N>>;
} & {
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void;
};

/** What the preload answers for a call: errors travel as data, not as thrown IPC errors. */
export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiError }),
]);
export type Reply = z.infer<typeof Reply>;

// Browser host wire format (one JSON object per WebSocket message).
/**
 * The largest WebSocket message the browser host reads (UTF-8 bytes); a bigger
 * one closes the socket with 1009. Every valid call fits: the biggest argument
 * is an import of at most IMPORT_TEXT_MAX_CHARS characters, and each character
 * of a JSON file takes at most 3 bytes in the message (non-ASCII 3, an escaped
 * quote or line break 2; raw control characters, 6 escaped, are not valid JSON),
 * so 768 KiB plus framing.
 */
export const WIRE_MESSAGE_MAX_BYTES = 1024 * 1024;
export const WireCall = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.enum(CALL_NAMES),
  args: z.unknown(),
});
export type WireCall = z.infer<typeof WireCall>;
export const WireReply = z.intersection(z.object({ type: z.literal('reply'), id: z.number().int() }), Reply);
export const WireEvent = z.object({ type: z.literal('event'), name: z.enum(EVENT_NAMES), payload: z.unknown() });
export const WireServerMessage = z.union([WireReply, WireEvent]);
export type WireServerMessage = z.infer<typeof WireServerMessage>;
