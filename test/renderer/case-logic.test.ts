// Pure rules of the 办件 panel (renderer/clerk/case-logic.ts) and the outward
// screen's case wording (renderer/outward/text.ts).
import { describe, expect, it } from 'vitest';
import { DECISION_LABEL, type CaseDraftView } from '../../common/cases.ts';
import type { Item } from '../../common/model.ts';
import {
  caseHotkey,
  chooseItem,
  DECISION_HOTKEY,
  DECISION_TEXT,
  decisionBlocker,
  deadlineText,
  EMPTY_FORM,
  fieldMessage,
  formatDate,
  formatMinutes,
  formatPercent,
  formatShortDate,
  formHasInput,
  limitText,
  materialDigit,
  materialFormText,
  normalizeField,
  noticeDocument,
  otherErrors,
  owedText,
  recordStateText,
  toDraft,
  type CaseForm,
} from '../../renderer/clerk/case-logic.ts';
import { hotkeyAction } from '../../renderer/clerk/logic.ts';
import { citizenDate, DECISION_WORDS, missingWord } from '../../renderer/outward/text.ts';

const item = (over: Partial<Item> = {}): Item => ({
  code: 'SCJG-DJ-002',
  name: '营业执照变更登记（有限责任公司）',
  department: '市场监管局',
  lineId: 'C',
  kind: 'promised',
  limitDays: 3,
  calendarDays: false,
  fee: '不收费',
  applicantTypes: ['enterprise'],
  materials: [
    {
      name: '公司变更登记申请书',
      form: 'original',
      count: 1,
      waivable: false,
      requirement: '法定代表人签署',
    },
    { name: '股东会决议', form: 'original', count: 1, waivable: false, requirement: '全体股东签字' },
    { name: '授权委托书', form: 'original_and_copy', count: 2, waivable: true, requirement: '可容缺' },
  ],
  initials: 'yyzzbgdj',
  ...over,
});

const key = (
  k: string,
  code: string,
  mods: Partial<Record<'ctrlKey' | 'altKey' | 'metaKey' | 'shiftKey', boolean>> = {},
) => ({
  key: k,
  code,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  shiftKey: false,
  ...mods,
});

const view = (over: Partial<CaseDraftView> = {}): CaseDraftView => ({
  fieldErrors: {},
  missing: [],
  allowed: ['accept', 'refuse'],
  promisedDate: '2026-03-10',
  owedBy: null,
  ...over,
});

const filled = (): CaseForm => ({
  ...chooseItem(EMPTY_FORM, item()),
  applicant: {
    ...EMPTY_FORM.applicant,
    type: 'enterprise',
    enterpriseName: ' 南京示例科技有限公司 ',
    creditCode: '91320102MA1W2X3Y41',
    contactName: '李明',
    contactPhone: '13912345678',
    personName: '不该发送',
  },
});

describe('wording shared with common/', () => {
  it('names the decisions exactly like DECISION_LABEL, on both screens', () => {
    expect(DECISION_TEXT).toEqual(DECISION_LABEL);
    expect(DECISION_WORDS).toEqual(DECISION_LABEL);
  });
});

describe('case hotkeys', () => {
  it('maps F6, F7, F8, Esc and Ctrl+K', () => {
    expect(caseHotkey(key('F6', 'F6'))).toEqual({ kind: 'newCase' });
    expect(caseHotkey(key('F7', 'F7'))).toEqual({ kind: 'findItem' });
    expect(caseHotkey(key('k', 'KeyK', { ctrlKey: true }))).toEqual({ kind: 'findItem' });
    expect(caseHotkey(key('F8', 'F8'))).toEqual({ kind: 'caseList' });
    expect(caseHotkey(key('Escape', 'Escape'))).toEqual({ kind: 'cancel' });
  });

  it('maps Alt + pinyin initial to the decisions, by the physical key', () => {
    expect(caseHotkey(key('s', 'KeyS', { altKey: true }))).toEqual({ kind: 'decide', decision: 'accept' });
    expect(caseHotkey(key('r', 'KeyR', { altKey: true }))).toEqual({
      kind: 'decide',
      decision: 'accept_with_missing',
    });
    expect(caseHotkey(key('g', 'KeyG', { altKey: true }))).toEqual({ kind: 'decide', decision: 'notice' });
    // Whatever the layout makes of the letter (macOS gives ß for Alt+S), the key is the key.
    expect(caseHotkey(key('∫', 'KeyB', { altKey: true }))).toEqual({ kind: 'decide', decision: 'refuse' });
    expect(Object.keys(DECISION_HOTKEY)).toHaveLength(4);
  });

  it('maps Alt+Q, Alt+T and Alt+1…9 (top row and keypad)', () => {
    expect(caseHotkey(key('q', 'KeyQ', { altKey: true }))).toEqual({ kind: 'allProvided' });
    expect(caseHotkey(key('t', 'KeyT', { altKey: true }))).toEqual({ kind: 'switchApplicant' });
    expect(caseHotkey(key('1', 'Digit1', { altKey: true }))).toEqual({ kind: 'toggleMaterial', index: 0 });
    expect(caseHotkey(key('9', 'Numpad9', { altKey: true }))).toEqual({ kind: 'toggleMaterial', index: 8 });
    expect(caseHotkey(key('0', 'Digit0', { altKey: true }))).toBeNull();
  });

  it('leaves typing, AltGr, Shift and the queue keys alone', () => {
    for (const [k, code] of [
      ['s', 'KeyS'],
      ['1', 'Digit1'],
      [' ', 'Space'],
      ['k', 'KeyK'],
      ['Enter', 'Enter'],
    ] as const) {
      expect(caseHotkey(key(k, code)), k).toBeNull();
    }
    expect(caseHotkey(key('s', 'KeyS', { altKey: true, ctrlKey: true }))).toBeNull(); // AltGr
    expect(caseHotkey(key('S', 'KeyS', { altKey: true, shiftKey: true }))).toBeNull();
    expect(caseHotkey(key('F6', 'F6', { shiftKey: true }))).toBeNull();
    for (const f of ['F1', 'F2', 'F3', 'F4']) {
      expect(caseHotkey(key(f, f))).toBeNull();
      expect(hotkeyAction(key(f, f))).not.toBeNull();
    }
    for (const f of ['F6', 'F7', 'F8']) expect(hotkeyAction(key(f, f))).toBeNull();
  });

  it('reads a bare digit on the materials list as that material', () => {
    expect(materialDigit(key('3', 'Digit3'))).toBe(2);
    expect(materialDigit(key('3', 'Numpad3'))).toBe(2);
    expect(materialDigit(key('3', 'Digit3', { altKey: true }))).toBeNull();
    expect(materialDigit(key('a', 'KeyA'))).toBeNull();
  });
});

describe('the form and its draft', () => {
  it('sends nothing until an item is chosen', () => {
    expect(toDraft(EMPTY_FORM)).toBeNull();
    expect(formHasInput(EMPTY_FORM)).toBe(false);
    expect(formHasInput({ ...EMPTY_FORM, applicant: { ...EMPTY_FORM.applicant, phone: '138' } })).toBe(true);
  });

  it('sends the applicant of the chosen kind only, trimmed', () => {
    expect(toDraft({ ...filled(), ticketNumber: 'C001' })).toEqual({
      itemCode: 'SCJG-DJ-002',
      applicant: {
        type: 'enterprise',
        name: '南京示例科技有限公司',
        creditCode: '91320102MA1W2X3Y41',
        contactName: '李明',
        contactPhone: '13912345678',
      },
      provided: [false, false, false],
      ticketNumber: 'C001',
    });
  });

  it('choosing an item unticks its materials and keeps the applicant kind when allowed', () => {
    const person = { ...EMPTY_FORM, applicant: { ...EMPTY_FORM.applicant, type: 'person' as const } };
    expect(chooseItem(person, item()).applicant.type).toBe('enterprise'); // enterprise-only item
    const both = item({ applicantTypes: ['enterprise', 'person'] });
    expect(chooseItem(person, both).applicant.type).toBe('person');
    const ticked = { ...filled(), provided: [true, true, true] };
    expect(chooseItem(ticked, item({ materials: item().materials.slice(0, 2) })).provided).toEqual([
      false,
      false,
    ]);
  });

  it('tidies ID numbers and codes as they are typed', () => {
    expect(normalizeField('idNumber', '3201 0219 9003 07123x')).toBe('32010219900307123X');
    expect(normalizeField('creditCode', '91320102ma1w2x3y41')).toBe('91320102MA1W2X3Y41');
    expect(normalizeField('phone', '138 1234 5678')).toBe('13812345678');
    expect(normalizeField('personName', ' 张 三 ')).toBe(' 张 三 ');
  });

  it('shows an error once the field has text, was left, or a decision was tried; the core wins', () => {
    const core = { 'applicant.creditCode': '核心：校验位错误' };
    const local = { 'applicant.creditCode': '本地：校验位错误' };
    expect(fieldMessage('creditCode', '', { shown: false, coreErrors: core, localErrors: local })).toBeNull();
    expect(fieldMessage('creditCode', '', { shown: true, coreErrors: core, localErrors: local })).toBe(
      '核心：校验位错误',
    );
    expect(fieldMessage('creditCode', '9132', { shown: false, coreErrors: null, localErrors: local })).toBe(
      '本地：校验位错误',
    );
    expect(
      fieldMessage('enterpriseName', 'x', {
        shown: true,
        coreErrors: { 'applicant.name': '名称过长' },
        localErrors: null,
      }),
    ).toBe('名称过长');
    expect(fieldMessage('contactName', 'x', { shown: true, coreErrors: {}, localErrors: local })).toBeNull();
  });

  it('lists errors that belong to no input of the form', () => {
    const errors = {
      'applicant.name': 'a',
      'applicant.type': '本事项只受理企业申请',
      provided: '材料清单与事项不一致',
    };
    expect(otherErrors(errors, 'enterprise')).toEqual(['本事项只受理企业申请', '材料清单与事项不一致']);
    expect(otherErrors({ 'applicant.idNumber': 'x' }, 'enterprise')).toEqual(['x']);
  });
});

describe('decision buttons', () => {
  const form = filled();
  it('says why a decision is not available', () => {
    expect(decisionBlocker('accept', view(), EMPTY_FORM, null)).toBe('请先选择事项');
    expect(decisionBlocker('accept', null, form, item())).toBe('正在核验…');
    expect(decisionBlocker('accept', view(), form, item())).toBeNull();
    const invalid = view({ fieldErrors: { 'applicant.creditCode': 'x' }, allowed: [] });
    expect(decisionBlocker('refuse', invalid, form, item())).toBe('申请人信息有误，请按提示改正');
    const required = view({
      missing: [
        { name: '股东会决议', requirement: '', waivable: false },
        { name: '授权委托书', requirement: '', waivable: true },
      ],
      allowed: ['notice', 'refuse'],
    });
    expect(decisionBlocker('accept', required, form, item())).toBe('尚缺 2 项材料');
    expect(decisionBlocker('accept_with_missing', required, form, item())).toBe('缺少 1 项不可容缺的材料');
    expect(decisionBlocker('notice', required, form, item())).toBeNull();
    expect(decisionBlocker('notice', view(), form, item())).toBe('材料已齐全，无需告知');
    expect(decisionBlocker('accept_with_missing', view(), form, item())).toBe('材料已齐全，请直接受理');
  });
});

describe('wording of cases and figures', () => {
  it('formats dates for the clerk and the citizen', () => {
    expect(formatDate('2026-03-10')).toBe('2026年3月10日（周二）');
    expect(formatDate(null)).toBe('—');
    expect(formatShortDate('2026-02-14')).toBe('2月14日 周六');
    expect(citizenDate('2026-10-08')).toBe('2026年10月8日 星期四');
  });

  it('words limits, materials and deadlines', () => {
    expect(limitText(item())).toBe('3 个工作日');
    expect(limitText(item({ calendarDays: true, limitDays: 15 }))).toBe('15 个自然日');
    expect(limitText(item({ kind: 'instant', limitDays: 0 }))).toBe('当场办结');
    expect(materialFormText({ form: 'original', count: 1 })).toBe('原件 1 份');
    expect(materialFormText({ form: 'original_and_copy', count: 2 })).toBe('原件及复印件 各 2 份');
    const open = { status: 'accepted' as const };
    expect(deadlineText({ ...open, daysLeft: 3, deadline: 'ok' })).toBe('剩余 3 个工作日');
    expect(deadlineText({ ...open, daysLeft: 0, deadline: 'near' })).toBe('今日到期');
    expect(deadlineText({ ...open, daysLeft: -2, deadline: 'overdue' })).toBe('超期 2 个工作日');
    expect(deadlineText({ ...open, daysLeft: null, deadline: 'none' })).toBe('—');
    expect(deadlineText({ status: 'finished', daysLeft: 1, deadline: 'near' })).toBe('已办结');
    expect(recordStateText({ decision: 'accept', status: 'finished', outcome: 'not_approved' })).toBe(
      '已办结（不予）',
    );
    expect(recordStateText({ decision: 'notice', status: 'notice', outcome: null })).toBe('已告知');
  });

  it('says how much 容缺 material a case still owes', () => {
    const missing = [
      { name: '委托书', requirement: '', waivable: true, suppliedAt: null },
      { name: '章程', requirement: '', waivable: true, suppliedAt: '2026-03-06T02:00:00.000Z' },
      { name: '住所证明', requirement: '', waivable: true },
    ];
    expect(owedText({ decision: 'accept_with_missing', status: 'accepted', missing })).toBe('待补交 2 项');
    expect(owedText({ decision: 'accept_with_missing', status: 'finished', missing })).toBe('已办结 · 待补交 2 项');
    expect(owedText({ decision: 'notice', status: 'notice', missing })).toBeNull();
    const allIn = missing.map((m) => ({ ...m, suppliedAt: '2026-03-06T02:00:00.000Z' }));
    expect(owedText({ decision: 'accept_with_missing', status: 'accepted', missing: allIn })).toBeNull();
  });

  it('words shares and minutes', () => {
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.875)).toBe('87.5%');
    expect(formatPercent(1 / 3)).toBe('33.3%');
    expect(formatMinutes(null)).toBe('—');
    expect(formatMinutes(12.46)).toBe('12.5');
  });

  it('calls unticked materials on the outward screen by what they are', () => {
    expect(missingWord('accept_with_missing')).toBe('待补交');
    expect(missingWord('notice')).toBe('待补');
  });
});

describe('the one-time notice', () => {
  it('lists every missing material with its form and requirement, and who told whom when', () => {
    const doc = noticeDocument({
      item: item(),
      applicantName: '南京示例科技有限公司',
      missing: [
        { name: '股东会决议', requirement: '全体股东签字', waivable: false },
        { name: '授权委托书', requirement: '可容缺', waivable: true },
      ],
      clerkName: '王丽华',
      staffNo: '1001',
      windowName: '1号窗口',
      hallName: 'XX市政务服务中心',
      date: '2026-03-05',
    });
    expect(doc.title).toBe('一次性告知书');
    expect(doc.intro).toContain('营业执照变更登记（有限责任公司）');
    expect(doc.intro).toContain('共 2 项');
    expect(doc.materials).toEqual([
      { index: 1, name: '股东会决议', form: '原件 1 份', requirement: '全体股东签字', waivable: false },
      { index: 2, name: '授权委托书', form: '原件及复印件 各 2 份', requirement: '可容缺', waivable: true },
    ]);
    expect(doc.footer.map((f) => f.value)).toEqual([
      'XX市政务服务中心 1号窗口',
      '王丽华（工号 1001）',
      '市场监管局',
      '2026年3月5日（周四）',
    ]);
  });
});
