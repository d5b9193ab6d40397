// Pure rules of the 办件 panel: the form the clerk fills in and the draft it
// becomes, which key does what, and how cases and figures read in Chinese.
// No React, no DOM, unit-tested (test/renderer/case-logic.test.ts).
import type {
  Applicant,
  CaseDecision,
  CaseDraft,
  CaseDraftView,
  CaseRecord,
  CaseStatus,
  DeadlineState,
  InstantOutcome,
} from '../../common/cases.ts';
import { owedMaterials } from '../../common/case-rules.ts';
import { noticeMaterials, type NoticeMaterialRow } from '../../common/materials.ts';
import type { Item } from '../../common/model.ts';
import type { KeyLike } from './logic.ts';

export type ApplicantType = Applicant['type'];

/** Both applicant kinds are kept, so switching 个人 ⇄ 企业 loses nothing typed. */
export interface ApplicantFields {
  type: ApplicantType;
  personName: string;
  idNumber: string;
  phone: string;
  enterpriseName: string;
  creditCode: string;
  contactName: string;
  contactPhone: string;
}
export type FieldKey = Exclude<keyof ApplicantFields, 'type'>;

export interface CaseForm {
  /** null: no item chosen yet (nothing is sent to the core). */
  itemCode: string | null;
  applicant: ApplicantFields;
  provided: boolean[];
  ticketNumber: string | null;
}

export const EMPTY_APPLICANT: ApplicantFields = {
  type: 'person',
  personName: '',
  idNumber: '',
  phone: '',
  enterpriseName: '',
  creditCode: '',
  contactName: '',
  contactPhone: '',
};

export const EMPTY_FORM: CaseForm = {
  itemCode: null,
  applicant: EMPTY_APPLICANT,
  provided: [],
  ticketNumber: null,
};

/** The inputs of each applicant kind, in tab order. */
export const APPLICANT_FIELDS: Record<ApplicantType, readonly FieldKey[]> = {
  person: ['personName', 'idNumber', 'phone'],
  enterprise: ['enterpriseName', 'creditCode', 'contactName', 'contactPhone'],
};

export const FIELD_LABEL: Record<FieldKey, string> = {
  personName: '姓名',
  idNumber: '身份证号',
  phone: '手机号',
  enterpriseName: '单位名称',
  creditCode: '统一社会信用代码',
  contactName: '联系人',
  contactPhone: '联系电话',
};

export const FIELD_PLACEHOLDER: Record<FieldKey, string> = {
  personName: '申请人姓名',
  idNumber: '18 位居民身份证号码',
  phone: '11 位手机号码',
  enterpriseName: '与营业执照一致的单位全称',
  creditCode: '18 位统一社会信用代码',
  contactName: '经办人或联系人姓名',
  contactPhone: '11 位手机号码',
};

export const FIELD_MAX_LENGTH: Partial<Record<FieldKey, number>> = {
  idNumber: 18,
  creditCode: 18,
  phone: 11,
  contactPhone: 11,
};

/** Where the core's CaseDraftView.fieldErrors puts the message for each input. */
export const FIELD_PATH: Record<FieldKey, string> = {
  personName: 'applicant.name',
  idNumber: 'applicant.idNumber',
  phone: 'applicant.phone',
  enterpriseName: 'applicant.name',
  creditCode: 'applicant.creditCode',
  contactName: 'applicant.contactName',
  contactPhone: 'applicant.contactPhone',
};

export const APPLICANT_TYPE_TEXT: Record<ApplicantType, string> = { person: '个人', enterprise: '企业/法人' };

/** What the clerk types, tidied as they type: ID numbers and codes in capitals without spaces. */
export function normalizeField(field: FieldKey, value: string): string {
  switch (field) {
    case 'idNumber':
    case 'creditCode':
      return value.replace(/\s+/g, '').toUpperCase();
    case 'phone':
    case 'contactPhone':
      return value.replace(/\s+/g, '');
    default:
      return value;
  }
}

/** The applicant as the contract carries it, trimmed. */
export function toApplicant(fields: ApplicantFields): Applicant {
  return fields.type === 'person'
    ? {
        type: 'person',
        name: fields.personName.trim(),
        idNumber: fields.idNumber.trim(),
        phone: fields.phone.trim(),
      }
    : {
        type: 'enterprise',
        name: fields.enterpriseName.trim(),
        creditCode: fields.creditCode.trim(),
        contactName: fields.contactName.trim(),
        contactPhone: fields.contactPhone.trim(),
      };
}

/** The draft the core validates and mirrors, or null while no item is chosen. */
export function toDraft(form: CaseForm): CaseDraft | null {
  if (!form.itemCode) return null;
  return {
    itemCode: form.itemCode,
    applicant: toApplicant(form.applicant),
    provided: [...form.provided],
    ticketNumber: form.ticketNumber,
  };
}

/** Has the clerk typed or ticked anything worth asking before throwing it away? */
export function formHasInput(form: CaseForm): boolean {
  if (form.itemCode) return true;
  const { type: _type, ...fields } = form.applicant;
  return Object.values(fields).some((value) => value.trim() !== '');
}

/** A new item: its materials unticked, the applicant kept when the item allows their kind. */
export function chooseItem(form: CaseForm, item: Item): CaseForm {
  const type = item.applicantTypes.includes(form.applicant.type)
    ? form.applicant.type
    : (item.applicantTypes[0] ?? 'person');
  return {
    ...form,
    itemCode: item.code,
    applicant: { ...form.applicant, type },
    provided: item.materials.map(() => false),
  };
}

/**
 * The message to show under an input: the core's verdict when it answers the
 * form as it stands, else the instant local check; only once the field has
 * text, was left, or a decision was attempted (no red wall on an empty form).
 */
export function fieldMessage(
  field: FieldKey,
  value: string,
  options: {
    shown: boolean;
    coreErrors: Record<string, string> | null;
    localErrors: Record<string, string> | null;
  },
): string | null {
  if (!options.shown && value.trim() === '') return null;
  const path = FIELD_PATH[field];
  const errors = options.coreErrors ?? options.localErrors;
  return errors?.[path] ?? null;
}

/** Core errors that belong to no input of the form (e.g. "itemCode", "applicant.type"). */
export function otherErrors(errors: Record<string, string>, type: ApplicantType): string[] {
  const paths = new Set(APPLICANT_FIELDS[type].map((field) => FIELD_PATH[field]));
  return Object.entries(errors)
    .filter(([path]) => !paths.has(path))
    .map(([, message]) => message);
}

// ---- decisions ------------------------------------------------------------

export const DECISIONS: readonly CaseDecision[] = ['accept', 'accept_with_missing', 'notice', 'refuse'];

/** Same wording as DECISION_LABEL in common/cases.ts (a test keeps them in agreement). */
export const DECISION_TEXT: Record<CaseDecision, string> = {
  accept: '受理',
  accept_with_missing: '容缺受理',
  notice: '一次性告知',
  refuse: '不予受理',
};

export const OUTCOME_TEXT: Record<InstantOutcome, string> = { approved: '准予', not_approved: '不予' };

export const STATUS_TEXT: Record<CaseStatus, string> = {
  accepted: '已受理',
  notice: '已告知',
  refused: '不予受理',
  finished: '已办结',
};

/** Why a decision button is disabled, in words the clerk can act on; null when it is allowed. */
export function decisionBlocker(
  decision: CaseDecision,
  view: CaseDraftView | null,
  form: CaseForm,
  item: Item | null,
): string | null {
  if (!item || !form.itemCode) return '请先选择事项';
  if (!view) return '正在核验…';
  if (view.allowed.includes(decision)) return null;
  if (Object.keys(view.fieldErrors).length > 0) return '申请人信息有误，请按提示改正';
  const required = view.missing.filter((m) => !m.waivable).length;
  switch (decision) {
    case 'accept':
      return view.missing.length > 0 ? `尚缺 ${view.missing.length} 项材料` : '当前不能受理';
    case 'accept_with_missing':
      if (required > 0) return `缺少 ${required} 项不可容缺的材料`;
      if (view.missing.length === 0) return '材料已齐全，请直接受理';
      return '当前不能容缺受理';
    case 'notice':
      return view.missing.length === 0 ? '材料已齐全，无需告知' : '当前不能出具告知';
    case 'refuse':
      return '当前不能作出不予受理决定';
  }
}

// ---- keys -----------------------------------------------------------------

export type CaseCommand =
  | { kind: 'newCase' }
  | { kind: 'findItem' }
  | { kind: 'caseList' }
  | { kind: 'cancel' }
  | { kind: 'decide'; decision: CaseDecision }
  | { kind: 'allProvided' }
  | { kind: 'toggleMaterial'; index: number }
  | { kind: 'switchApplicant' };

export const CASE_HOTKEY = {
  newCase: 'F6',
  findItem: 'F7',
  findItemAlt: 'Ctrl+K',
  caseList: 'F8',
  cancel: 'Esc',
  allProvided: 'Alt+Q',
  toggleMaterial: 'Alt+1…9',
  switchApplicant: 'Alt+T',
} as const;

export const DECISION_HOTKEY: Record<CaseDecision, string> = {
  accept: 'Alt+S',
  accept_with_missing: 'Alt+R',
  notice: 'Alt+G',
  refuse: 'Alt+B',
};
const DECISION_CODE: Record<string, CaseDecision> = {
  KeyS: 'accept', // 受 shòu
  KeyR: 'accept_with_missing', // 容 róng
  KeyG: 'notice', // 告 gào
  KeyB: 'refuse', // 不 bù
};

export interface CaseKey extends KeyLike {
  /** KeyboardEvent.code: the physical key, whatever the layout or input method makes of it. */
  code: string;
}

/**
 * The 办件 command a key press asks for. Function keys and Esc are bare;
 * the rest are Alt+letter/digit (or Ctrl+K), which never type text, so they
 * may act even while the focus is in an input. Ctrl+Alt (AltGr) is left alone.
 */
export function caseHotkey(event: CaseKey): CaseCommand | null {
  const { ctrlKey, altKey, metaKey, shiftKey } = event;
  if (!ctrlKey && !altKey && !metaKey && !shiftKey) {
    switch (event.key) {
      case 'F6':
        return { kind: 'newCase' };
      case 'F7':
        return { kind: 'findItem' };
      case 'F8':
        return { kind: 'caseList' };
      case 'Escape':
        return { kind: 'cancel' };
    }
    return null;
  }
  if (ctrlKey && !altKey && !metaKey && !shiftKey && event.code === 'KeyK') return { kind: 'findItem' };
  if (altKey && !ctrlKey && !metaKey && !shiftKey) {
    const decision = DECISION_CODE[event.code];
    if (decision) return { kind: 'decide', decision };
    if (event.code === 'KeyQ') return { kind: 'allProvided' };
    if (event.code === 'KeyT') return { kind: 'switchApplicant' };
    const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
    if (digit) return { kind: 'toggleMaterial', index: Number(digit[1]) - 1 };
  }
  return null;
}

/** A bare digit 1–9 pressed on the materials list (not in an input): which material it toggles. */
export function materialDigit(event: CaseKey): number | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  return digit ? Number(digit[1]) - 1 : null;
}

// ---- wording --------------------------------------------------------------

export const KIND_TEXT: Record<Item['kind'], string> = { instant: '即办', promised: '承诺' };

/** 形式及份数, the same words as the printed notice (common/materials.ts). */
export { materialFormText } from '../../common/materials.ts';

/** "当场办结" / "3 个工作日" / "15 个自然日". */
export function limitText(item: Pick<Item, 'kind' | 'limitDays' | 'calendarDays'>): string {
  if (item.kind === 'instant') return '当场办结';
  return `${item.limitDays} 个${item.calendarDays ? '自然日' : '工作日'}`;
}

const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'];

/** "2026-03-10" → "2026年3月10日（周二）"; anything else is returned as it is. */
export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${year}年${month}月${day}日（周${WEEKDAY[weekday]}）`;
}

/** "2026-03-10" → "3月10日 周二" (tables); anything else as it is. */
export function formatShortDate(iso: string | null): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${month}月${day}日 周${WEEKDAY[weekday]}`;
}

/** "剩余 3 个工作日" / "今日到期" / "超期 2 个工作日"; "—" when the case has no deadline. */
export function deadlineText(record: Pick<CaseRecord, 'daysLeft' | 'deadline' | 'status'>): string {
  if (record.status === 'finished') return '已办结';
  if (record.daysLeft === null || record.deadline === 'none') return '—';
  if (record.daysLeft < 0) return `超期 ${-record.daysLeft} 个工作日`;
  if (record.daysLeft === 0) return '今日到期';
  return `剩余 ${record.daysLeft} 个工作日`;
}

export const DEADLINE_TEXT: Record<DeadlineState, string> = {
  none: '',
  ok: '正常',
  near: '临近期限',
  overdue: '已超期',
};

/**
 * 容缺受理 with material still owed: "待补交 2 项" (after 办结 of a 容缺后补
 * item: "已办结 · 待补交 1 项"); null when nothing is owed.
 */
export function owedText(record: Pick<CaseRecord, 'decision' | 'status' | 'missing'>): string | null {
  const owed = owedMaterials(record).length;
  if (owed === 0) return null;
  return record.status === 'finished' ? `已办结 · 待补交 ${owed} 项` : `待补交 ${owed} 项`;
}

/** What a case record's decision and outcome read as, e.g. "受理 · 已办结（准予）". */
export function recordStateText(record: Pick<CaseRecord, 'decision' | 'status' | 'outcome'>): string {
  if (record.status === 'finished') {
    return record.outcome ? `已办结（${OUTCOME_TEXT[record.outcome]}）` : '已办结';
  }
  return STATUS_TEXT[record.status];
}

/** A share as "87.5%" (no needless ".0"); "—" when there is nothing to share. */
export function formatPercent(share: number | null): string {
  if (share === null || !Number.isFinite(share)) return '—';
  const value = Math.round(share * 1000) / 10;
  return `${value}%`;
}

/** Average minutes as the figure shows them: "12.5", "0.4"; "—" when there is none (the unit is shown apart). */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) return '—';
  return String(Math.round(minutes * 10) / 10);
}

/** The lines of a one-time notice (一次性告知书), for the preview now and the printer later. */
export interface NoticeDocument {
  title: string;
  applicant: string;
  intro: string;
  /** The rows the printed notice prints too (common/materials.ts). */
  materials: NoticeMaterialRow[];
  closing: string;
  footer: { label: string; value: string }[];
}

export function noticeDocument(input: {
  item: Item;
  applicantName: string;
  missing: CaseDraftView['missing'];
  clerkName: string;
  staffNo: string;
  windowName: string;
  hallName: string;
  date: string;
}): NoticeDocument {
  return {
    title: '一次性告知书',
    applicant: input.applicantName.trim() || '申请人',
    intro:
      `您申请办理的“${input.item.name}”（事项编码 ${input.item.code}），经窗口审查，申请材料尚不齐全。` +
      `现一次性告知您需补齐的全部材料（共 ${input.missing.length} 项），请备齐后再来办理：`,
    materials: noticeMaterials(input.item.materials, input.missing),
    closing: '以上为需补正的全部材料，补齐后窗口不再要求提交本告知书以外的材料。',
    footer: [
      { label: '办理窗口', value: `${input.hallName} ${input.windowName}` },
      { label: '经办人', value: `${input.clerkName}（工号 ${input.staffNo}）` },
      { label: '承办部门', value: input.item.department },
      { label: '告知日期', value: formatDate(input.date) },
    ],
  };
}
