// The rules of a case (办件, DOMAIN.md): what a draft allows, the case
// number, deadline marks and the item search (the clerk's figures are in
// main/figures/figures.ts). Pure: the caller passes `today` and the calendars.
import type {
  CaseDecision,
  CaseDraft,
  CaseMaterial,
  CaseDraftView,
  CaseRecord,
  CaseStatus,
  DeadlineState,
  WorkingCalendar,
} from './cases.ts';
import { addCalendarDays, addWorkingDays, isIsoDate, isoDateAt, workingDaysBetween } from './calendar.ts';
import { validateApplicant } from './identity.ts';
import { CASE_NO, MAX_DEVICE_NO, OLD_CASE_NO, WINDOW_CODE, WINDOW_CODE_RULE } from './hall-codes.ts';
import type { HallSettings, Item } from './model.ts';

type Calendars = WorkingCalendar | readonly WorkingCalendar[];

/**
 * What the rules say about the clerk's draft for `item` on `today`:
 * - fieldErrors: the applicant's problems (identity.ts), a draft for another
 *   item, or a materials list whose length is not the item's;
 * - missing: the item's materials not ticked, in the item's order;
 * - allowed: nothing while fieldErrors is not empty (except 不予受理 when the
 *   only error is an applicant type the item does not take); otherwise 受理
 *   when nothing is missing, 容缺受理 when something is missing and all of it
 *   is 可容缺, 一次性告知 whenever something is missing, and 不予受理 always;
 * - promisedDate: for 承诺件, today + the item's limit in working days
 *   (calendar days for green-channel items); null for 即办件;
 * - owedBy: when 容缺受理 is possible on the materials (something missing, all
 *   of it 可容缺), today + the hall's waivableDueWorkingDays, but never after
 *   promisedDate (see owedByFor); otherwise null.
 */
export function describeDraft(
  draft: CaseDraft,
  item: Item,
  settings: Pick<HallSettings, 'waivableDueWorkingDays'>,
  today: string,
  calendars?: Calendars,
): CaseDraftView {
  const fieldErrors = validateApplicant(draft.applicant, item.applicantTypes, today);
  if (draft.itemCode !== item.code) {
    fieldErrors.itemCode = `表单中的事项（${draft.itemCode}）与所选事项（${item.code}）不一致，请重新选择事项`;
  }
  if (draft.provided.length !== item.materials.length) {
    fieldErrors.provided = `材料清单与事项不一致：事项有 ${item.materials.length} 项材料，表单有 ${draft.provided.length} 项；请重新选择事项`;
  }
  const missing = item.materials
    .filter((_, index) => draft.provided[index] !== true)
    .map(({ name, requirement, waivable }) => ({ name, requirement, waivable }));
  const allWaivable = missing.every((material) => material.waivable);
  const allowed: CaseDecision[] = [];
  const errorFields = Object.keys(fieldErrors);
  if (errorFields.length === 0) {
    if (missing.length === 0) allowed.push('accept');
    if (missing.length > 0 && allWaivable) allowed.push('accept_with_missing');
    if (missing.length > 0) allowed.push('notice');
    allowed.push('refuse');
  } else if (errorFields.length === 1 && errorFields[0] === 'applicant.type') {
    // An applicant of a type the item does not take (申请人不具备申请资格) can still be refused.
    allowed.push('refuse');
  }
  const promisedDate = promisedDateFor(item, today, calendars);
  return {
    fieldErrors,
    missing,
    allowed,
    promisedDate,
    owedBy:
      missing.length > 0 && allWaivable
        ? owedByFor(promisedDate, today, settings.waivableDueWorkingDays, calendars)
        : null,
  };
}

/**
 * The day 容缺 material is owed by (补交期限), for a case accepted on `today`
 * with `promisedDate` (null for 即办件).
 *
 * The hall's rule: the applicant hands in the owed material within the hall's
 * waivableDueWorkingDays (工作日) — and never later than the 承诺办结日期.
 * The promised date is the centre's promise to the applicant: it is fixed at
 * 受理, printed on the 受理回执, and it is the date 按期办结率 is measured
 * against, so it does not move when the material comes in. A case cannot be
 * 办结 while material is owed (unless the item is 容缺后补, see
 * finishRefusal), so a 补交 deadline after the promised date would make the
 * promise impossible to keep: the deadline is capped at the promised date.
 * A 即办件 has no promised date: the hall's working days apply.
 */
export function owedByFor(
  promisedDate: string | null,
  today: string,
  dueWorkingDays: number,
  calendars?: Calendars,
): string {
  const due = addWorkingDays(today, dueWorkingDays, calendars);
  return promisedDate !== null && promisedDate < due ? promisedDate : due;
}

/** The promised date of `item` accepted on `today`: null for 即办件. */
export function promisedDateFor(
  item: Pick<Item, 'kind' | 'limitDays' | 'calendarDays'>,
  today: string,
  calendars?: Calendars,
): string | null {
  if (item.kind !== 'promised') return null;
  return item.calendarDays
    ? addCalendarDays(today, item.limitDays)
    : addWorkingDays(today, item.limitDays, calendars);
}

/** Why `decision` cannot be taken on a draft described by `view`, in zh-CN; null when it can. */
export function decisionRefusal(view: CaseDraftView, decision: CaseDecision): string | null {
  if (view.allowed.includes(decision)) return null;
  if (Object.keys(view.fieldErrors).length > 0) {
    return `申请信息有误，请先改正：${Object.values(view.fieldErrors).join('；')}`;
  }
  const required = view.missing.filter((material) => !material.waivable).map((material) => material.name);
  switch (decision) {
    case 'accept':
      return `还缺 ${view.missing.length} 项材料（${view.missing.map((material) => material.name).join('、')}），不能直接受理；请容缺受理或一次性告知`;
    case 'accept_with_missing':
      return required.length > 0
        ? `缺少的材料中有不可容缺的（${required.join('、')}），不能容缺受理；请一次性告知`
        : '材料齐全，无需容缺受理，请直接受理';
    case 'notice':
      return '材料齐全，无需一次性告知，请直接受理';
    case 'refuse':
      return '现在不能不予受理';
  }
}

/**
 * The status a decision leaves the case in: 即办件 accepted are finished on
 * the spot — after 容缺受理 only when the item is 容缺后补 (finishWhileOwed);
 * otherwise the case stays 受理 until the owed material is in, then 办结.
 */
export function statusAfterDecision(
  decision: CaseDecision,
  item: Pick<Item, 'kind' | 'finishWhileOwed'>,
): CaseStatus {
  switch (decision) {
    case 'accept':
      return item.kind === 'instant' ? 'finished' : 'accepted';
    case 'accept_with_missing':
      return item.kind === 'instant' && item.finishWhileOwed === true ? 'finished' : 'accepted';
    case 'notice':
      return 'notice';
    case 'refuse':
      return 'refused';
  }
}

/** The materials a 容缺受理 case still owes (补交 not recorded yet), in the case's order; none for other decisions. */
export function owedMaterials<M extends CaseMaterial>(record: { decision: CaseDecision; missing: readonly M[] }): M[] {
  return record.decision === 'accept_with_missing' ? record.missing.filter((m) => !m.suppliedAt) : [];
}

/**
 * Why the case cannot be finished (办结) from the case list, in zh-CN; null
 * when it can: an accepted case, with nothing owed — or with 容缺 material
 * still owed when its item (null: no longer in the catalogue) is 容缺后补.
 */
export function finishRefusal(
  record: Pick<CaseRecord, 'caseNo' | 'status' | 'decision' | 'missing'>,
  item: Pick<Item, 'finishWhileOwed'> | null,
): string | null {
  switch (record.status) {
    case 'accepted': {
      const owed = owedMaterials(record);
      if (owed.length === 0 || item?.finishWhileOwed === true) return null;
      return `办件 ${record.caseNo} 还有 ${owed.length} 项容缺材料未补交（${owed.map((m) => m.name).join('、')}），本事项须材料补齐后才能办结：请先做补交登记`;
    }
    case 'finished':
      return `办件 ${record.caseNo} 已办结，不能重复办结`;
    case 'notice':
      return `办件 ${record.caseNo} 是一次性告知，未受理，不能办结；材料补齐后请重新受理`;
    case 'refused':
      return `办件 ${record.caseNo} 已不予受理，不能办结`;
  }
}

/**
 * Why 补交登记 of `names` on the case is refused, in zh-CN; null when it can
 * be recorded: a 容缺受理 case (受理 or, for a 容缺后补 item, already 办结),
 * at least one material, each one of the case's owed materials, none twice.
 */
export function supplementRefusal(
  record: Pick<CaseRecord, 'caseNo' | 'status' | 'decision' | 'missing'>,
  names: readonly string[],
): string | null {
  if (record.decision !== 'accept_with_missing' || (record.status !== 'accepted' && record.status !== 'finished')) {
    return `办件 ${record.caseNo} 不是容缺受理的办件，没有需要补交的材料`;
  }
  const owed = owedMaterials(record);
  if (owed.length === 0) return `办件 ${record.caseNo} 的容缺材料已全部补交，无需再登记`;
  if (names.length === 0) return '请勾选本次补交的材料';
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return `「${name}」重复勾选，请每项材料只登记一次`;
    seen.add(name);
    const material = record.missing.find((m) => m.name === name);
    if (!material) return `「${name}」不是办件 ${record.caseNo} 的容缺材料，请刷新办件列表后重试`;
    if (material.suppliedAt) return `「${name}」已于 ${isoDateAt(material.suppliedAt)} 补交登记，无需重复登记`;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Case number (办件编号)

export interface CaseNoParts {
  /** The day the case was decided, YYYY-MM-DD (the hall's local day). */
  date: string;
  /** The window's code as the hall writes it (HallWindow.code): 03, 101, B12. */
  windowCode: string;
  /** The counter's number, 1–999999, given by the hall server at enrollment (Enrollment.deviceNo). */
  deviceNo: number;
  /** The counter's own sequence for that day, 1–9999. */
  seq: number;
}

/**
 * The case number, as issued from issue 20 on: four groups joined by hyphens,
 * YYYYMMDD-窗口代码-设备编号-序号. 2026-12-07, window B12, device 1042, 12th
 * case of the day: '20261207-B12-1042-0012'. The window code is written as the
 * hall writes it (1–4 digits or capital letters), the device number without
 * leading zeros (1–999999), the sequence with four digits. The groups are read
 * aloud and typed one at a time; the hyphens make the variable-width parts
 * unambiguous.
 *
 * Unique across the hall without asking the server, so it can be issued
 * offline: the hall server gives each enrolled device a number no other
 * device in the hall has ever had (never reused, up to 999999), and each
 * device keeps its per-day sequence in its own SQLite file, in the same
 * transaction as the case. Two devices never share a device number, and one
 * device never repeats a sequence number on a day. The window code adds
 * nothing to uniqueness; it tells a reader at a glance where the case was taken.
 *
 * Case numbers issued before (17 digits, see formatOldCaseNo) stay valid:
 * parseCaseNo reads both, and no new number can equal an old one (the new
 * ones have hyphens).
 */
export function formatCaseNo(parts: CaseNoParts): string {
  const { date, windowCode, deviceNo, seq } = parts;
  if (!isIsoDate(date)) throw new RangeError(`办件编号的日期不正确：${JSON.stringify(date)}`);
  if (!WINDOW_CODE.test(windowCode))
    throw new RangeError(`${WINDOW_CODE_RULE}，收到 ${JSON.stringify(windowCode)}`);
  if (!Number.isInteger(deviceNo) || deviceNo < 1 || deviceNo > MAX_DEVICE_NO) {
    throw new RangeError(`设备编号应为 1–${MAX_DEVICE_NO}，收到 ${String(deviceNo)}`);
  }
  if (!Number.isInteger(seq) || seq < 1 || seq > 9999) {
    throw new RangeError(`当日办件序号应为 1–9999，收到 ${String(seq)}`);
  }
  return `${date.replaceAll('-', '')}-${windowCode}-${deviceNo}-${String(seq).padStart(4, '0')}`;
}

/**
 * The case number as issued before issue 20: 17 digits, YYYYMMDD + window
 * code (2 digits) + device number (3) + sequence (4), e.g. '20260305030010012'.
 * No longer issued; kept to make old numbers for tests and fixtures.
 */
export function formatOldCaseNo(parts: CaseNoParts): string {
  const { date, windowCode, deviceNo, seq } = parts;
  if (!isIsoDate(date) || !/^\d{2}$/.test(windowCode) || !(deviceNo >= 1 && deviceNo <= 999) || !(seq >= 1 && seq <= 9999)) {
    throw new RangeError('旧式办件编号只容两位窗口代码、1–999 的设备编号、1–9999 的序号');
  }
  return date.replaceAll('-', '') + windowCode + String(deviceNo).padStart(3, '0') + String(seq).padStart(4, '0');
}

/** The parts of a case number, new (20261207-B12-1042-0012) or old (17 digits), or null when it is neither. */
export function parseCaseNo(caseNo: string): CaseNoParts | null {
  const match = CASE_NO.exec(caseNo) ?? OLD_CASE_NO.exec(caseNo);
  if (!match) return null;
  const [, y, m, d, windowCode, device, sequence] = match as unknown as [string, ...string[]];
  const date = `${y}-${m}-${d}`;
  const deviceNo = Number(device);
  const seq = Number(sequence);
  if (!isIsoDate(date) || deviceNo < 1 || seq < 1) return null;
  return { date, windowCode: windowCode!, deviceNo, seq };
}

// ---------------------------------------------------------------------------
// Deadlines

/**
 * The mark of an open promised case on `today`: 'none' without a promised
 * date; 'overdue' after it (daysLeft then negative, at least -1 even when the
 * days since were not working days); 'near' with `nearDays` working days left
 * or fewer (0 on the promised day itself); else 'ok'.
 */
export function deadlineState(
  promisedDate: string | null,
  today: string,
  nearDays: number,
  calendars?: Calendars,
): { deadline: DeadlineState; daysLeft: number | null } {
  if (promisedDate === null) return { deadline: 'none', daysLeft: null };
  const daysLeft = workingDaysBetween(today, promisedDate, calendars);
  if (today > promisedDate) return { deadline: 'overdue', daysLeft: Math.min(daysLeft, -1) };
  return { deadline: daysLeft <= nearDays ? 'near' : 'ok', daysLeft };
}

// ---------------------------------------------------------------------------
// Finding an item

/** Match quality, best first. */
const MATCH = {
  exactCode: 0,
  codePrefix: 1,
  namePrefix: 2,
  nameContains: 3,
  initialsPrefix: 4,
  initialsContains: 5,
  codeContains: 6,
} as const;

/** Lower case, full-width letters and digits (typed through a Chinese IME) as half-width. */
const fold = (text: string) => text.normalize('NFKC').toLowerCase();

function matchRank(item: Item, term: string): number | null {
  const code = fold(item.code);
  const name = fold(item.name);
  const initials = fold(item.initials);
  if (code === term) return MATCH.exactCode;
  if (code.startsWith(term)) return MATCH.codePrefix;
  if (name.startsWith(term)) return MATCH.namePrefix;
  if (name.includes(term)) return MATCH.nameContains;
  if (initials !== '' && initials.startsWith(term)) return MATCH.initialsPrefix;
  if (initials !== '' && initials.includes(term)) return MATCH.initialsContains;
  if (code.includes(term)) return MATCH.codeContains;
  return null;
}

/**
 * The items matching `query`, best first. Each space-separated term must match
 * the code, the name or the pinyin initials (case-insensitive: 'yyzz' finds
 * 营业执照…); an empty query matches every item. Order: an exact code first;
 * then, when `lineId` is given (the ticket's service line), that line's items
 * before the others (which stay findable); then exact code, code prefix, name
 * prefix, name contains, initials prefix, initials contains, code contains
 * (a multi-term query ranks by its weakest term); then the catalogue order.
 */
export function searchItems(items: readonly Item[], query: string, lineId?: string | null): Item[] {
  const terms = fold(query).split(/\s+/).filter(Boolean);
  const ranked: { item: Item; rank: number; index: number }[] = [];
  items.forEach((item, index) => {
    let rank = 0;
    for (const term of terms) {
      const termRank = matchRank(item, term);
      if (termRank === null) return;
      rank = Math.max(rank, termRank);
    }
    ranked.push({ item, rank, index });
  });
  const exact = (entry: { rank: number }) => (terms.length > 0 && entry.rank === MATCH.exactCode ? 0 : 1);
  const otherLine = (entry: { item: Item }) => (lineId && entry.item.lineId !== lineId ? 1 : 0);
  return ranked
    .sort(
      (a, b) => exact(a) - exact(b) || otherLine(a) - otherLine(b) || a.rank - b.rank || a.index - b.index,
    )
    .map((entry) => entry.item);
}
