// The case workflow (办件) at the counter: the catalogue, the clerk's draft
// and its outward mirror, decisions, finishing, the case list and the day's
// figures. The rules are the pure functions in common/case-rules.ts; this
// service applies them to the counter's own state and store, and never trusts
// what the renderer says the rules allowed: every submission is described
// again here.
//
// Every case call writes locally only, so it works while the hall server is
// offline. Each state change commits with its outbox mutation in one SQLite
// transaction (issue 6 carries the outbox to the server).
//
// Personal data: the full applicant is stored in the cases table and nowhere
// else. Everything this service returns, shows on the outward screen, puts in
// the outbox or logs carries the applicant masked (or not at all).
import {
  CASE_SUPPLEMENTED,
  type Applicant,
  type CaseDraft,
  type CaseDraftView,
  type CaseList,
  type CaseRecord,
  type CaseSupplementedArgs,
  type ClerkFigures,
  type InstantOutcome,
  type IsoDate,
  type OutwardCase,
  type WorkingCalendar,
} from '../../common/cases.ts';
import { DEFAULT_CALENDARS, isoDateAt } from '../../common/calendar.ts';
import {
  deadlineState,
  decisionRefusal,
  describeDraft,
  finishRefusal,
  formatCaseNo,
  owedMaterials,
  statusAfterDecision,
  supplementRefusal,
} from '../../common/case-rules.ts';
import type { CallArgs, CallResult } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import { normalizeCreditCode, normalizeResidentId } from '../../common/identity.ts';
import { maskIdNumber, maskName } from '../../common/mask.ts';
import { HallSettings, type Item } from '../../common/model.ts';
import { clerkFigures } from '../figures/figures.ts';
import { HALL_UTC_OFFSET_MINUTES } from '../../common/hall-time.ts';
import type { CaseContext } from '../core/counter-state.ts';
import type { Logger } from '../log.ts';
import { CaseStore, type StoredCase } from '../store/case-store.ts';
import type { CounterStore, HallConfig } from '../store/counter-store.ts';
import { canonicalJson, type Outbox } from '../store/outbox.ts';

/**
 * The hall's offset from UTC in minutes: China Standard Time, no daylight
 * saving. "Today", case number dates and figures use the hall's day whatever
 * the PC's time zone is set to.
 */
export { HALL_UTC_OFFSET_MINUTES };

export type { CaseContext } from '../core/counter-state.ts';

export interface CaseServiceOptions {
  store: CounterStore;
  outbox: Outbox;
  clock: () => Date;
  log: Logger;
  /** The hall config the counter holds now. */
  config: () => HallConfig;
  /** The signed-in clerk's context; throws HallError NOT_SIGNED_IN (or NOT_ENROLLED) otherwise. */
  context: () => CaseContext;
}

export type Catalogue = CallResult<'getCatalogue'>;

interface DeadlineMarks {
  today: IsoDate;
  nearDays: number;
  calendars: WorkingCalendar[];
}
export type SubmitCaseArgs = CallArgs<'submitCase'>;

const FALLBACK_SETTINGS = { hallName: '政务服务中心', noShowMinRecalls: 0, notice: '' };

/** Mutation names in the outbox. */
export const CASE_DECIDED = 'case.decided';
export const CASE_FINISHED = 'case.finished';
export { CASE_SUPPLEMENTED };

export class CaseService {
  private readonly store: CounterStore;
  private readonly cases: CaseStore;
  private readonly outbox: Outbox;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly config: () => HallConfig;
  private readonly context: () => CaseContext;

  /** What the outward screen shows of the case in hand. */
  private shown: OutwardCase | null = null;
  /**
   * The last decision taken and the submission that made it. The same
   * submission again (a double click on 受理) returns that case instead of
   * making a second one, until the form changes, is cleared or the next
   * ticket is called.
   */
  private lastDecided: { key: string; draftKey: string; caseNo: string } | null = null;

  constructor(options: CaseServiceOptions) {
    this.store = options.store;
    this.cases = new CaseStore(options.store.db);
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.log = options.log;
    this.config = options.config;
    this.context = options.context;
  }

  // ---- the hall's rules as configured ---------------------------------------

  private settings(): HallSettings {
    return this.config().settings ?? HallSettings.parse(FALLBACK_SETTINGS);
  }

  /** The shipped calendars, with every year the hall server sent replacing the shipped one. */
  calendars(): WorkingCalendar[] {
    const byYear = new Map<number, WorkingCalendar>(
      DEFAULT_CALENDARS.map((calendar) => [calendar.year, calendar]),
    );
    for (const [year, calendar] of this.config().calendars) byYear.set(year, calendar);
    return [...byYear.values()].sort((a, b) => a.year - b.year);
  }

  /** The hall's date today, YYYY-MM-DD. */
  today(): IsoDate {
    return isoDateAt(this.clock(), HALL_UTC_OFFSET_MINUTES);
  }

  /** The ISO time the hall's day `date` starts at (the hall keeps Beijing time, whatever the PC's zone). */
  dayStart(date: IsoDate): string {
    const sign = HALL_UTC_OFFSET_MINUTES >= 0 ? '+' : '-';
    const abs = Math.abs(HALL_UTC_OFFSET_MINUTES);
    const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    return new Date(`${date}T00:00:00${offset}`).toISOString();
  }

  private item(code: string): Item {
    const item = this.config().items.get(code);
    if (!item) throw new HallError('NOT_FOUND', '事项编码不存在，请重新选择事项', 404);
    return item;
  }

  // ---- calls ----------------------------------------------------------------

  catalogue(): Catalogue {
    const config = this.config();
    return {
      items: [...config.items.values()],
      lines: [...config.lines.values()].sort((a, b) => a.id.localeCompare(b.id)),
      refuseReasons: this.settings().refuseReasons,
    };
  }

  /** Describes the clerk's form and mirrors it, masked, to the outward screen; null clears both. */
  updateDraft(draft: CaseDraft | null): CaseDraftView | null {
    if (draft === null) {
      this.clearShown();
      return null;
    }
    this.context();
    let item: Item;
    try {
      item = this.item(draft.itemCode);
    } catch (error) {
      this.clearShown();
      throw error;
    }
    const view = describeDraft(draft, item, this.settings(), this.today(), this.calendars());
    // The form the case was just decided on, sent again: the decision stays on screen.
    if (this.lastDecided?.draftKey !== canonicalJson(draft)) {
      this.lastDecided = null;
      this.shown = mirror(draft, item, null);
    }
    return view;
  }

  submit(args: SubmitCaseArgs): CaseRecord {
    const context = this.context();
    const key = canonicalJson(args);
    if (this.lastDecided?.key === key) {
      const earlier = this.cases.get(this.lastDecided.caseNo);
      if (earlier) return this.record(earlier);
    }
    const { draft, decision } = args;
    const item = this.item(draft.itemCode);
    const settings = this.settings();
    const today = this.today();
    const calendars = this.calendars();
    const view = describeDraft(draft, item, settings, today, calendars);
    const refusal = decisionRefusal(view, decision);
    if (refusal !== null) throw new HallError('BAD_REQUEST', refusal);

    const status = statusAfterDecision(decision, item);
    const accepted = decision === 'accept' || decision === 'accept_with_missing';
    let outcome: InstantOutcome | null = null;
    if (status === 'finished') {
      if (args.instantOutcome === null) {
        throw new HallError('BAD_REQUEST', '即办件受理后当场办结：请选择办结结果（准予或不予）');
      }
      outcome = args.instantOutcome;
    }
    const refuseReason = decision === 'refuse' ? checkRefuseReason(args, settings.refuseReasons) : null;

    if (context.deviceNo === null) {
      throw new HallError(
        'CONFLICT',
        '本终端没有设备编号，无法生成办件编号：请联系管理员重新注册本终端',
        409,
      );
    }
    if (context.windowCode === null) {
      throw new HallError(
        'CONFLICT',
        '本窗口的配置尚未从大厅服务器同步，无法生成办件编号：请联网后稍候重试',
        409,
      );
    }
    const decidedAt = this.clock().toISOString();
    const deviceNo = context.deviceNo;
    const windowCode = context.windowCode;

    const stored = this.store.db.transaction((): StoredCase => {
      const seq = this.cases.takeSequence(today);
      if (seq > 9999) {
        throw new HallError('CONFLICT', '本终端今日的办件编号已用完（每日 9999 件），请联系管理员', 409);
      }
      const row: StoredCase = {
        caseNo: formatCaseNo({ date: today, windowCode, deviceNo, seq }),
        itemCode: item.code,
        itemName: item.name,
        kind: item.kind,
        windowId: context.windowId,
        staffNo: context.staffNo,
        ticketNumber: context.ticket?.number ?? null,
        calledAt: context.ticket?.calledAt ?? null,
        applicant: normalizeApplicant(draft.applicant),
        decision,
        status,
        outcome,
        decidedAt,
        promisedDate: accepted && item.kind === 'promised' ? view.promisedDate : null,
        finishedAt: status === 'finished' ? decidedAt : null,
        finishedBy: status === 'finished' ? context.staffNo : null,
        // 容缺受理: what is owed; 一次性告知: everything missing, with the requirement text.
        missing: decision === 'accept_with_missing' || decision === 'notice' ? view.missing : [],
        owedBy: decision === 'accept_with_missing' ? view.owedBy : null,
        refuseReason,
      };
      this.cases.insert(row);
      this.outbox.append(CASE_DECIDED, this.mutationArgs(row));
      return row;
    })();

    this.lastDecided = { key, draftKey: canonicalJson(draft), caseNo: stored.caseNo };
    this.shown = mirror(draft, item, stored);
    this.log.info('case decided', {
      caseNo: stored.caseNo,
      itemCode: stored.itemCode,
      decision: stored.decision,
      status: stored.status,
    });
    return this.record(stored);
  }

  /** 办结 of an accepted promised case, from the case list. */
  finish(caseNo: string, outcome: InstantOutcome): CaseRecord {
    const context = this.context();
    const found = this.cases.get(caseNo);
    if (!found) throw new HallError('NOT_FOUND', `办件编号 ${caseNo} 不存在，请核对后重试`, 404);
    const refusal = finishRefusal(this.record(found), this.config().items.get(found.itemCode) ?? null);
    if (refusal !== null) throw new HallError('CONFLICT', refusal, 409);
    const finishedAt = this.clock().toISOString();
    const finished = this.store.db.transaction((): StoredCase => {
      if (!this.cases.finish(caseNo, outcome, finishedAt, context.staffNo)) {
        throw new HallError('CONFLICT', `办件 ${caseNo} 的状态已变化，请刷新办件列表后重试`, 409);
      }
      const row = this.cases.get(caseNo)!;
      this.outbox.append(CASE_FINISHED, {
        caseNo,
        outcome,
        finishedAt,
        finishedBy: context.staffNo,
        windowId: context.windowId,
      });
      return row;
    })();
    this.log.info('case finished', { caseNo, outcome });
    return this.record(finished);
  }

  /**
   * 补交登记: the applicant handed in `materials` (names of the case's owed
   * 容缺 materials). Commits with its outbox mutation; the case keeps its
   * promised date (the 补交 deadline never falls after it, see owedByFor).
   */
  supplement(caseNo: string, materials: readonly string[]): CaseRecord {
    const context = this.context();
    const suppliedAt = this.clock().toISOString();
    const supplied = this.store.db.transaction((): StoredCase => {
      const found = this.cases.get(caseNo);
      if (!found) throw new HallError('NOT_FOUND', `办件编号 ${caseNo} 不存在，请核对后重试`, 404);
      const refusal = supplementRefusal(this.record(found), materials);
      if (refusal !== null) throw new HallError('CONFLICT', refusal, 409);
      const missing = found.missing.map((m) => (materials.includes(m.name) ? { ...m, suppliedAt } : m));
      this.cases.setMissing(caseNo, missing);
      const args: CaseSupplementedArgs = {
        caseNo,
        // In the case's own order, whatever order the clerk ticked them in.
        materials: found.missing.filter((m) => materials.includes(m.name)).map((m) => m.name),
        suppliedAt,
        staffNo: context.staffNo,
        windowId: context.windowId,
      };
      this.outbox.append(CASE_SUPPLEMENTED, args);
      return { ...found, missing };
    })();
    const record = this.record(supplied);
    this.log.info('case supplemented', {
      caseNo,
      materials: materials.length,
      stillOwed: owedMaterials(record).length,
    });
    return record;
  }

  /**
   * Today's cases at this window, and its open cases with their deadline
   * marks: the accepted ones, then those 办结 with 容缺 material still owed
   * (容缺后补), so their 补交 can be recorded.
   */
  list(): CaseList {
    const { windowId } = this.context();
    const marks = this.marks();
    return {
      today: this.cases
        .decidedSince(windowId, this.dayStart(marks.today))
        .map((row) => this.record(row, marks)),
      open: [...this.cases.open(windowId), ...this.cases.finishedOwing(windowId)].map((row) =>
        this.record(row, marks),
      ),
    };
  }

  /** 今日统计: the signed-in clerk's day at this window (main/figures/figures.ts). */
  figures(): ClerkFigures {
    return clerkFigures(this.store.db, this.context(), this.clock());
  }

  /** The case part of the outward view, already masked. */
  outward(): OutwardCase | null {
    return this.shown;
  }

  /** The next citizen is called, the form cleared or the clerk left: nothing of this case stays on screen. */
  clearShown(): void {
    this.shown = null;
    this.lastDecided = null;
  }

  // ---- shapes ---------------------------------------------------------------

  /** What deadline marks are measured against: today, the hall's "near" setting, the calendars. */
  private marks(): DeadlineMarks {
    return {
      today: this.today(),
      nearDays: this.settings().nearDeadlineWorkingDays,
      calendars: this.calendars(),
    };
  }

  private record(row: StoredCase, marks: DeadlineMarks = this.marks()): CaseRecord {
    const open = row.status === 'accepted' && row.kind === 'promised';
    const { deadline, daysLeft } = open
      ? deadlineState(row.promisedDate, marks.today, marks.nearDays, marks.calendars)
      : { deadline: 'none' as const, daysLeft: null };
    return {
      caseNo: row.caseNo,
      itemCode: row.itemCode,
      itemName: row.itemName,
      kind: row.kind,
      windowId: row.windowId,
      staffNo: row.staffNo,
      ticketNumber: row.ticketNumber,
      applicantMasked: maskApplicant(row.applicant),
      decision: row.decision,
      status: row.status,
      outcome: row.outcome,
      decidedAt: row.decidedAt,
      promisedDate: row.promisedDate,
      finishedAt: row.finishedAt,
      // 容缺受理: what is owed, each with its 补交 (null until recorded); else the list as it was taken.
      missing:
        row.decision === 'accept_with_missing'
          ? row.missing.map((m) => ({ ...m, suppliedAt: m.suppliedAt ?? null }))
          : row.missing,
      owedBy: row.owedBy,
      refuseReason: row.refuseReason,
      daysLeft,
      deadline,
    };
  }

  /** What the hall server hears of a decision: the case with the applicant masked. */
  private mutationArgs(row: StoredCase): Record<string, unknown> {
    const { applicant, ...rest } = row;
    return { ...rest, applicantMasked: maskApplicant(applicant) };
  }
}

function checkRefuseReason(args: SubmitCaseArgs, reasons: readonly string[]): string {
  const reason = args.refuseReason?.trim() ?? '';
  const detail = args.refuseDetail?.trim() ?? '';
  if (!reasons.includes(reason)) {
    throw new HallError('BAD_REQUEST', '不予受理须从列表中选择理由，请选择后再提交');
  }
  if (reason.startsWith('其他') && detail === '') {
    throw new HallError('BAD_REQUEST', `选择「${reason}」时请填写具体说明`);
  }
  return detail === '' ? reason : `${reason}：${detail}`;
}

/** As stored: trimmed, ID numbers and credit codes in capitals, phone numbers without spaces. */
function normalizeApplicant(applicant: Applicant): Applicant {
  const phone = (text: string) => text.replace(/\s+/g, '');
  return applicant.type === 'person'
    ? {
        type: 'person',
        name: applicant.name.trim(),
        idNumber: normalizeResidentId(applicant.idNumber),
        phone: phone(applicant.phone),
      }
    : {
        type: 'enterprise',
        name: applicant.name.trim(),
        creditCode: normalizeCreditCode(applicant.creditCode),
        contactName: applicant.contactName.trim(),
        contactPhone: phone(applicant.contactPhone),
      };
}

function maskApplicant(applicant: Applicant): CaseRecord['applicantMasked'] {
  const id =
    applicant.type === 'person'
      ? normalizeResidentId(applicant.idNumber)
      : normalizeCreditCode(applicant.creditCode);
  return { type: applicant.type, name: maskName(applicant.name.trim()), idMasked: maskIdNumber(id) };
}

/** The citizen's view of the form: the item, the masked applicant, the ticks; the decision once taken. */
function mirror(draft: CaseDraft, item: Item, decided: StoredCase | null): OutwardCase {
  const masked = maskApplicant(draft.applicant);
  return {
    itemName: item.name,
    applicantType: draft.applicant.type,
    applicantName: draft.applicant.type === 'enterprise' ? draft.applicant.name.trim() : masked.name,
    idMasked: masked.idMasked,
    materials: item.materials.map((material, index) => ({
      name: material.name,
      provided: draft.provided[index] === true,
    })),
    decision: decided?.decision ?? null,
    caseNo: decided?.caseNo ?? null,
    status: decided?.status ?? null,
    outcome: decided?.outcome ?? null,
    promisedDate: decided?.promisedDate ?? null,
    owedBy: decided?.owedBy ?? null,
  };
}
