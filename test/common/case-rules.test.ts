import { describe, expect, it } from 'vitest';
import { CALENDAR_2026 } from '../../common/calendar.ts';
import {
  deadlineState,
  decisionRefusal,
  describeDraft,
  finishRefusal,
  formatCaseNo,
  formatOldCaseNo,
  owedByFor,
  owedMaterials,
  parseCaseNo,
  promisedDateFor,
  searchItems,
  statusAfterDecision,
  supplementRefusal,
} from '../../common/case-rules.ts';
import { normalizeCaseNo } from '../../common/hall-codes.ts';
import { CaseDraftView, type Applicant, type CaseDraft, type CaseStatus } from '../../common/cases.ts';
import type { Item, Material } from '../../common/model.ts';

const material = (name: string, waivable = false): Material => ({
  name,
  form: 'original',
  count: 1,
  waivable,
  requirement: `${name}的要求`,
});

const item = (overrides: Partial<Item> = {}): Item => ({
  code: 'SCJG-DJ-002',
  name: '营业执照变更登记（有限责任公司）',
  department: '市场监管局',
  lineId: 'C',
  kind: 'promised',
  limitDays: 3,
  calendarDays: false,
  fee: '不收费',
  applicantTypes: ['person', 'enterprise'],
  materials: [
    material('申请书'),
    material('股东会决议'),
    material('授权委托书', true),
    material('章程修正案', true),
  ],
  initials: 'yyzzbgdjyxzrgs',
  ...overrides,
});

const person: Applicant = {
  type: 'person',
  name: '张三',
  idNumber: '11010519491231002X',
  phone: '13812345678',
};
const draft = (provided: boolean[], applicant: Applicant = person, itemCode = 'SCJG-DJ-002'): CaseDraft => ({
  itemCode,
  applicant,
  provided,
  ticketNumber: 'C012',
});
const settings = { waivableDueWorkingDays: 5 };
const calendars = [CALENDAR_2026];
const describe_ = (d: CaseDraft, i: Item = item(), today = '2026-03-05') =>
  CaseDraftView.parse(describeDraft(d, i, settings, today, calendars));

describe('describeDraft', () => {
  it('allows 受理 (and 不予受理) when every material is there', () => {
    expect(describe_(draft([true, true, true, true]))).toEqual({
      fieldErrors: {},
      missing: [],
      allowed: ['accept', 'refuse'],
      promisedDate: '2026-03-10', // 3 working days after Thursday 3.5
      owedBy: null,
    });
  });

  it('allows 容缺受理 or 一次性告知 when only 可容缺 materials are missing, and says by when they are owed', () => {
    const view = describe_(draft([true, true, false, true]));
    expect(view.allowed).toEqual(['accept_with_missing', 'notice', 'refuse']);
    expect(view.missing).toEqual([{ name: '授权委托书', requirement: '授权委托书的要求', waivable: true }]);
    // 5 working days would be 3.12, after the promised date 3.10: the 补交 deadline is the promised date.
    expect(view.promisedDate).toBe('2026-03-10');
    expect(view.owedBy).toBe('2026-03-10');
  });

  it('never owes 容缺 material after the promised date (承诺办结日期), which stays as promised', () => {
    const waivableMissing = draft([true, true, false, true]);
    // The hall's 5 working days come first when the limit is longer: 3.5 + 5 = 3.12, promised 3.19.
    const long = describe_(waivableMissing, item({ limitDays: 10 }));
    expect([long.owedBy, long.promisedDate]).toEqual(['2026-03-12', '2026-03-19']);
    // Limits of 1–5 working days: owed by the promised date itself, never after it.
    for (const limitDays of [1, 2, 3, 4, 5]) {
      const view = describe_(waivableMissing, item({ limitDays }));
      expect(view.owedBy, `limit ${limitDays}`).toBe(view.promisedDate);
      expect(view.owedBy! <= view.promisedDate!).toBe(true);
    }
    // Green channel, 2 calendar days from Friday 2.13: promised Sunday 2.15, owed by then too.
    const green = describe_(waivableMissing, item({ limitDays: 2, calendarDays: true }), '2026-02-13');
    expect([green.owedBy, green.promisedDate]).toEqual(['2026-02-15', '2026-02-15']);
    // A 即办件 has no promised date: the hall's working days.
    expect(describe_(waivableMissing, item({ kind: 'instant', limitDays: 0 })).owedBy).toBe('2026-03-12');
    // Every limit and start day of a year: the deadline is never after the promise.
    for (let day = 1; day <= 365; day += 3) {
      const today = new Date(Date.UTC(2026, 0, day)).toISOString().slice(0, 10);
      for (const limitDays of [0, 1, 3, 5, 8, 20]) {
        const promised = promisedDateFor({ kind: 'promised', limitDays, calendarDays: false }, today, calendars)!;
        const owedBy = owedByFor(promised, today, 5, calendars);
        expect(owedBy <= promised, `${today} +${limitDays}`).toBe(true);
      }
    }
  });

  it('allows only 一次性告知 or 不予受理 when a required material is missing, listing every missing one', () => {
    const view = describe_(draft([false, true, false, false]));
    expect(view.allowed).toEqual(['notice', 'refuse']);
    expect(view.missing.map((m) => [m.name, m.waivable])).toEqual([
      ['申请书', false],
      ['授权委托书', true],
      ['章程修正案', true],
    ]);
    expect(view.owedBy).toBeNull();
  });

  it('allows nothing while the applicant is wrong', () => {
    const view = describe_(draft([true, true, true, true], { ...person, idNumber: '110105194912310021' }));
    expect(view.allowed).toEqual([]);
    expect(view.fieldErrors).toEqual({ 'applicant.idNumber': expect.stringMatching(/校验位错误/) });
    expect(view.promisedDate).toBe('2026-03-10');
  });

  it('allows only 不予受理 for an applicant type the item does not take', () => {
    const view = describe_(draft([true, true, true, true]), item({ applicantTypes: ['enterprise'] }));
    expect(view.fieldErrors).toHaveProperty('applicant.type');
    expect(view.allowed).toEqual(['refuse']);
  });

  it('treats a materials list of the wrong length as an error', () => {
    const short = describe_(draft([true, true]));
    expect(short.fieldErrors.provided).toBe(
      '材料清单与事项不一致：事项有 4 项材料，表单有 2 项；请重新选择事项',
    );
    expect(short.allowed).toEqual([]);
    expect(short.missing.map((m) => m.name)).toEqual(['授权委托书', '章程修正案']);
    expect(describe_(draft([true, true, true, true, true])).fieldErrors).toHaveProperty('provided');
  });

  it('treats a draft for another item as an error', () => {
    expect(describe_(draft([true, true, true, true], person, 'OTHER')).fieldErrors.itemCode).toMatch(
      /与所选事项（SCJG-DJ-002）不一致/,
    );
  });

  it('gives 即办件 no promised date', () => {
    expect(
      describe_(draft([true, true, true, true]), item({ kind: 'instant', limitDays: 0 })).promisedDate,
    ).toBeNull();
  });

  it('counts green-channel items in calendar days, others in working days across holidays', () => {
    const green = item({ limitDays: 2, calendarDays: true });
    expect(describe_(draft([true, true, true, true]), green, '2026-02-13').promisedDate).toBe('2026-02-15');
    expect(
      describe_(draft([true, true, true, true]), item({ limitDays: 2 }), '2026-02-13').promisedDate,
    ).toBe('2026-02-24');
    // 容缺 owed 5 working days after 9.30: 10.8, 10.9, 10.10 (worked Saturday), 10.12, 10.13.
    expect(describe_(draft([true, true, false, true]), item({ limitDays: 20 }), '2026-09-30').owedBy).toBe(
      '2026-10-13',
    );
  });

  it('an item without materials is complete', () => {
    expect(describe_(draft([]), item({ materials: [] })).allowed).toEqual(['accept', 'refuse']);
  });
});

describe('decisions', () => {
  const view = (provided: boolean[], applicant = person) => describe_(draft(provided, applicant));

  it('decisionRefusal lets every allowed decision through and says why the others are refused', () => {
    const complete = view([true, true, true, true]);
    const waivableMissing = view([true, true, false, true]);
    const requiredMissing = view([false, true, true, true]);
    const wrongApplicant = view([true, true, true, true], { ...person, name: '' });
    for (const v of [complete, waivableMissing, requiredMissing]) {
      for (const decision of v.allowed) expect(decisionRefusal(v, decision)).toBeNull();
    }
    expect(decisionRefusal(complete, 'accept_with_missing')).toBe('材料齐全，无需容缺受理，请直接受理');
    expect(decisionRefusal(complete, 'notice')).toBe('材料齐全，无需一次性告知，请直接受理');
    expect(decisionRefusal(waivableMissing, 'accept')).toBe(
      '还缺 1 项材料（授权委托书），不能直接受理；请容缺受理或一次性告知',
    );
    expect(decisionRefusal(requiredMissing, 'accept_with_missing')).toBe(
      '缺少的材料中有不可容缺的（申请书），不能容缺受理；请一次性告知',
    );
    expect(decisionRefusal(requiredMissing, 'accept')).toMatch(/不能直接受理/);
    for (const decision of ['accept', 'accept_with_missing', 'notice', 'refuse'] as const) {
      expect(decisionRefusal(wrongApplicant, decision)).toBe('申请信息有误，请先改正：请输入申请人姓名');
    }
  });

  it('statusAfterDecision finishes accepted 即办件 on the spot; after 容缺受理 only when the item is 容缺后补', () => {
    const instant = { kind: 'instant' as const };
    const promised = { kind: 'promised' as const };
    expect(statusAfterDecision('accept', instant)).toBe('finished');
    expect(statusAfterDecision('accept_with_missing', instant)).toBe('accepted');
    expect(statusAfterDecision('accept_with_missing', { ...instant, finishWhileOwed: false })).toBe('accepted');
    expect(statusAfterDecision('accept_with_missing', { ...instant, finishWhileOwed: true })).toBe('finished');
    expect(statusAfterDecision('accept', promised)).toBe('accepted');
    expect(statusAfterDecision('accept_with_missing', promised)).toBe('accepted');
    expect(statusAfterDecision('accept_with_missing', { ...promised, finishWhileOwed: true })).toBe('accepted');
    expect(statusAfterDecision('notice', promised)).toBe('notice');
    expect(statusAfterDecision('refuse', instant)).toBe('refused');
  });

  it('finishRefusal allows finishing only an accepted case', () => {
    const refusal = (status: CaseStatus) =>
      finishRefusal({ caseNo: '20260305030010012', status, decision: 'accept', missing: [] }, null);
    expect(refusal('accepted')).toBeNull();
    expect(refusal('finished')).toBe('办件 20260305030010012 已办结，不能重复办结');
    expect(refusal('notice')).toMatch(/一次性告知，未受理，不能办结/);
    expect(refusal('refused')).toMatch(/已不予受理，不能办结/);
  });

  /** An accepted 容缺受理 case with these materials, each supplied at the time given (null or absent: owed). */
  const owingCase = (...supplied: (string | null | undefined)[]) => ({
    caseNo: '20260305030010012',
    status: 'accepted' as CaseStatus,
    decision: 'accept_with_missing' as const,
    missing: ['授权委托书', '章程修正案', '住所证明']
      .slice(0, supplied.length)
      .map((name, i) => ({ name, requirement: '', waivable: true, ...(supplied[i] === undefined ? {} : { suppliedAt: supplied[i] }) })),
  });

  it('finishRefusal refuses 办结 while 容缺 material is owed, unless the item is 容缺后补', () => {
    // The third was stored before 补交登记 existed (no suppliedAt): owed.
    const owing = owingCase('2026-03-06T02:00:00.000Z', null, undefined);
    const message =
      '办件 20260305030010012 还有 2 项容缺材料未补交（章程修正案、住所证明），本事项须材料补齐后才能办结：请先做补交登记';
    expect(finishRefusal(owing, null)).toBe(message);
    expect(finishRefusal(owing, {})).toBe(message);
    expect(finishRefusal(owing, { finishWhileOwed: false })).toBe(message);
    expect(finishRefusal(owing, { finishWhileOwed: true })).toBeNull();
    const supplied = { ...owing, missing: owing.missing.map((m) => ({ ...m, suppliedAt: '2026-03-06T02:00:00.000Z' })) };
    expect(finishRefusal(supplied, null)).toBeNull();
    // An 一次性告知's missing list is what to bring, not what is owed: never counted.
    expect(owedMaterials({ decision: 'notice', missing: owing.missing })).toEqual([]);
    expect(owedMaterials(owing).map((m) => m.name)).toEqual(['章程修正案', '住所证明']);
  });

  it('supplementRefusal takes the owed materials of a 容缺受理 case, each once', () => {
    const base = owingCase('2026-03-05T17:00:00.000Z', null);
    expect(supplementRefusal(base, ['章程修正案'])).toBeNull();
    // A 容缺后补 case 办结 already still takes its 补交.
    expect(supplementRefusal({ ...base, status: 'finished' }, ['章程修正案'])).toBeNull();
    expect(supplementRefusal(base, [])).toBe('请勾选本次补交的材料');
    expect(supplementRefusal(base, ['章程修正案', '章程修正案'])).toBe('「章程修正案」重复勾选，请每项材料只登记一次');
    expect(supplementRefusal(base, ['营业执照'])).toBe(
      '「营业执照」不是办件 20260305030010012 的容缺材料，请刷新办件列表后重试',
    );
    // The day in the hall's time zone: 17:00 UTC is 01:00 on 3.6 in Beijing.
    expect(supplementRefusal(base, ['授权委托书'])).toBe('「授权委托书」已于 2026-03-06 补交登记，无需重复登记');
    const allIn = { ...base, missing: base.missing.map((m) => ({ ...m, suppliedAt: '2026-03-06T02:00:00.000Z' })) };
    expect(supplementRefusal(allIn, ['章程修正案'])).toBe('办件 20260305030010012 的容缺材料已全部补交，无需再登记');
    expect(supplementRefusal({ ...base, decision: 'accept' }, ['章程修正案'])).toBe(
      '办件 20260305030010012 不是容缺受理的办件，没有需要补交的材料',
    );
    expect(supplementRefusal({ ...base, decision: 'notice', status: 'notice' }, ['章程修正案'])).toMatch(
      /不是容缺受理的办件/,
    );
  });

  it('promisedDateFor', () => {
    expect(promisedDateFor({ kind: 'promised', limitDays: 0, calendarDays: false }, '2026-03-05')).toBe(
      '2026-03-05',
    );
    expect(promisedDateFor({ kind: 'promised', limitDays: 20, calendarDays: false }, '2026-09-29')).toBe(
      '2026-11-02',
    );
    expect(promisedDateFor({ kind: 'instant', limitDays: 0, calendarDays: false }, '2026-03-05')).toBeNull();
  });
});

describe('case numbers', () => {
  it('formats YYYYMMDD-窗口代码-设备编号-序号, the window code as written, the device number without leading zeros', () => {
    expect(formatCaseNo({ date: '2026-03-05', windowCode: '03', deviceNo: 1, seq: 12 })).toBe('20260305-03-1-0012');
    expect(formatCaseNo({ date: '2026-12-07', windowCode: 'B12', deviceNo: 1042, seq: 12 })).toBe(
      '20261207-B12-1042-0012',
    );
    expect(formatCaseNo({ date: '2026-12-31', windowCode: '2A01', deviceNo: 999_999, seq: 9999 })).toBe(
      '20261231-2A01-999999-9999',
    );
  });

  it('parses what it formats, and every old 17-digit number', () => {
    for (const parts of [
      { date: '2026-03-05', windowCode: '03', deviceNo: 17, seq: 345 },
      { date: '2026-12-07', windowCode: 'B12', deviceNo: 1201, seq: 1 },
      { date: '2027-01-31', windowCode: '400', deviceNo: 999_999, seq: 9999 },
    ]) {
      expect(parseCaseNo(formatCaseNo(parts))).toEqual(parts);
    }
    expect(parseCaseNo('20260305030010012')).toEqual({ date: '2026-03-05', windowCode: '03', deviceNo: 1, seq: 12 });
    expect(parseCaseNo('20261231999999999')).toEqual({ date: '2026-12-31', windowCode: '99', deviceNo: 999, seq: 9999 });
    const old = { date: '2026-03-05', windowCode: '03', deviceNo: 17, seq: 345 };
    expect(formatOldCaseNo(old)).toBe('20260305030170345');
    expect(parseCaseNo(formatOldCaseNo(old))).toEqual(old);
  });

  it('parses nothing that is not a case number', () => {
    for (const text of [
      '',
      '2026030503001001',
      '202603050300100123',
      '2026030503001001X',
      '20260230030010012',
      '20260305030000012',
      '20260305030010000',
      '20261207-B12-1042-012', // three-digit sequence
      '20261207-B12-01042-0012', // leading zero in the device number
      '20261207-B12-0-0012',
      '20261207-B12-1000000-0012', // seven-digit device number
      '20261207-b12-1042-0012', // lower case: normalizeCaseNo first
      '20261207-B123X-1042-0012', // five-character window code
      '20261207--1042-0012',
      '20261207-B12-1042-0000',
      '20260230-B12-1042-0012',
      '20261207B1210420012',
      '2026-12-07-B12-1042-0012',
    ]) {
      expect(parseCaseNo(text), text).toBeNull();
    }
  });

  it('a typed number is made half-width, upper case, without spaces, with hyphens', () => {
    expect(normalizeCaseNo(' 20261207－b12－1042－0012 ')).toBe('20261207-B12-1042-0012');
    expect(normalizeCaseNo('20261207 — B12 — 1042 — 0012')).toBe('20261207-B12-1042-0012');
    expect(normalizeCaseNo('２０２６０３０５０３００１００１２')).toBe('20260305030010012');
    expect(parseCaseNo(normalizeCaseNo('20261207_b12_1042_0012'))).toEqual({
      date: '2026-12-07',
      windowCode: 'B12',
      deviceNo: 1042,
      seq: 12,
    });
  });

  it('refuses parts that do not fit, saying the rule', () => {
    const good = { date: '2026-03-05', windowCode: '03', deviceNo: 1, seq: 1 };
    expect(() => formatCaseNo({ ...good, date: '2026-02-30' })).toThrow(/日期不正确/);
    expect(() => formatCaseNo({ ...good, windowCode: '' })).toThrow(/窗口代码应为 1–4 位数字或大写字母/);
    expect(() => formatCaseNo({ ...good, windowCode: 'B123X' })).toThrow(/窗口代码应为 1–4 位数字或大写字母/);
    expect(() => formatCaseNo({ ...good, windowCode: 'b12' })).toThrow(/窗口代码/);
    expect(() => formatCaseNo({ ...good, windowCode: 'B-1' })).toThrow(/窗口代码/);
    expect(() => formatCaseNo({ ...good, deviceNo: 0 })).toThrow(/设备编号应为 1–999999/);
    expect(() => formatCaseNo({ ...good, deviceNo: 1_000_000 })).toThrow(/设备编号/);
    expect(() => formatCaseNo({ ...good, seq: 0 })).toThrow(/序号/);
    expect(() => formatCaseNo({ ...good, seq: 10000 })).toThrow(/序号/);
    expect(() => formatCaseNo({ ...good, seq: 1.5 })).toThrow(/序号/);
    expect(() => formatOldCaseNo({ ...good, deviceNo: 1000 })).toThrow(/旧式/);
  });

  it('differ between devices and between sequence numbers on the same day at the same window, and from every old number', () => {
    const numbers = new Set<string>();
    for (const deviceNo of [1, 2, 10, 100, 999, 1000, 1200, 99_999, 999_999]) {
      for (let seq = 1; seq <= 50; seq++)
        numbers.add(formatCaseNo({ date: '2026-03-05', windowCode: '03', deviceNo, seq }));
    }
    expect(numbers.size).toBe(450);
    for (const deviceNo of [1, 2, 10, 100, 999])
      for (let seq = 1; seq <= 50; seq++) numbers.add(formatOldCaseNo({ date: '2026-03-05', windowCode: '03', deviceNo, seq }));
    expect(numbers.size).toBe(700);
  });
});

describe('deadlineState', () => {
  const state = (promised: string | null, today: string, near = 1) =>
    deadlineState(promised, today, near, calendars);

  it('has no mark without a promised date', () => {
    expect(state(null, '2026-03-05')).toEqual({ deadline: 'none', daysLeft: null });
  });

  it('is ok with more than `nearDays` working days left', () => {
    expect(state('2026-03-10', '2026-03-05')).toEqual({ deadline: 'ok', daysLeft: 3 });
    expect(state('2026-03-09', '2026-03-05')).toEqual({ deadline: 'ok', daysLeft: 2 });
  });

  it('is near (yellow) with `nearDays` working days left or fewer, and on the day itself', () => {
    expect(state('2026-03-06', '2026-03-05')).toEqual({ deadline: 'near', daysLeft: 1 });
    expect(state('2026-03-09', '2026-03-06')).toEqual({ deadline: 'near', daysLeft: 1 }); // over a weekend
    expect(state('2026-03-05', '2026-03-05')).toEqual({ deadline: 'near', daysLeft: 0 });
    expect(state('2026-02-24', '2026-02-14')).toEqual({ deadline: 'near', daysLeft: 1 }); // over 春节
    expect(state('2026-03-09', '2026-03-05', 2)).toEqual({ deadline: 'near', daysLeft: 2 });
    expect(state('2026-03-09', '2026-03-05', 0)).toEqual({ deadline: 'ok', daysLeft: 2 });
  });

  it('is overdue (red) after the promised date, with negative days left', () => {
    expect(state('2026-03-05', '2026-03-06')).toEqual({ deadline: 'overdue', daysLeft: -1 });
    expect(state('2026-03-05', '2026-03-10')).toEqual({ deadline: 'overdue', daysLeft: -3 });
    // The Saturday after a Friday deadline: no working day has passed, but it is late.
    expect(state('2026-03-06', '2026-03-07')).toEqual({ deadline: 'overdue', daysLeft: -1 });
  });
});

describe('searchItems', () => {
  const catalogue: Item[] = [
    item(),
    item({ code: 'SCJG-XK-005', name: '食品经营许可（新办）', initials: 'spjyxkxb' }),
    item({ code: 'BDC-ZY-001', name: '不动产登记（存量房转移登记）', lineId: 'B', initials: 'bdcdjclfzydj' }),
    item({ code: 'BDC-DY-001', name: '不动产登记（抵押权首次登记）', lineId: 'B', initials: 'bdcdjdyqscdj' }),
    item({ code: 'GA-SFZ-002', name: '居民身份证换领', lineId: 'A', initials: 'jmsfzhl' }),
    item({ code: 'SW-FP-001', name: '发票首次申领', initials: 'fpscsl' }),
    item({ code: 'SCJG-DJ-001', name: '营业执照设立登记（有限责任公司）', initials: 'yyzzsldjyxzrgs' }),
    item({ code: 'X-YYZZ', name: '其他事项', lineId: 'A', initials: 'qtsx' }),
  ];
  const codes = (query: string, lineId?: string) => searchItems(catalogue, query, lineId).map((i) => i.code);

  it('finds by pinyin initials, case-insensitively and in full width', () => {
    expect(codes('yyzz')).toEqual(['SCJG-DJ-002', 'SCJG-DJ-001', 'X-YYZZ']);
    expect(codes('YYZZ')).toEqual(codes('yyzz'));
    expect(codes('ｙｙｚｚ')).toEqual(codes('yyzz'));
    expect(codes('bdcdj')).toEqual(['BDC-ZY-001', 'BDC-DY-001']);
    expect(codes('sfz')).toEqual(['GA-SFZ-002']); // initials contains (jmsfzhl)
    expect(codes('dyq')).toEqual(['BDC-DY-001']); // initials contains
  });

  it('ranks exact code, code prefix, name, initials prefix, initials contains, code contains', () => {
    expect(codes('scjg-dj-001')[0]).toBe('SCJG-DJ-001');
    expect(codes('SCJG-DJ')).toEqual(['SCJG-DJ-002', 'SCJG-DJ-001']);
    expect(codes('登记')).toEqual(['SCJG-DJ-002', 'BDC-ZY-001', 'BDC-DY-001', 'SCJG-DJ-001']);
    expect(codes('不动产')).toEqual(['BDC-ZY-001', 'BDC-DY-001']);
    // 'fp': initials prefix of 发票… beats code contains (SW-FP-001 also contains it).
    expect(codes('fp')).toEqual(['SW-FP-001']);
    // name prefix before name contains
    expect(codes('营业执照')).toEqual(['SCJG-DJ-002', 'SCJG-DJ-001']);
  });

  it('puts the ticket’s line first, keeping the others findable, but an exact code always first', () => {
    expect(codes('登记', 'B')).toEqual(['BDC-ZY-001', 'BDC-DY-001', 'SCJG-DJ-002', 'SCJG-DJ-001']);
    expect(codes('yyzz', 'A')).toEqual(['X-YYZZ', 'SCJG-DJ-002', 'SCJG-DJ-001']);
    expect(codes('SW-FP-001', 'B')).toEqual(['SW-FP-001']);
    expect(codes('', 'B').slice(0, 2)).toEqual(['BDC-ZY-001', 'BDC-DY-001']);
    expect(codes('', 'B')).toHaveLength(catalogue.length);
  });

  it('needs every term of a multi-word query', () => {
    expect(codes('不动产 抵押')).toEqual(['BDC-DY-001']);
    expect(codes('yyzz 变更')).toEqual(['SCJG-DJ-002']);
    expect(codes('yyzz 不动产')).toEqual([]);
  });

  it('returns everything for an empty query, in catalogue order, and nothing for no match', () => {
    expect(codes('  ')).toEqual(catalogue.map((i) => i.code));
    expect(codes('zzzzz')).toEqual([]);
  });

  it('does not match on empty initials', () => {
    expect(searchItems([item({ initials: '' })], 'yyzz')).toEqual([]);
  });
});
