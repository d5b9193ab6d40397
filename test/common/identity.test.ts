import { describe, expect, it } from 'vitest';
import type { Applicant } from '../../common/cases.ts';
import {
  checkCreditCode,
  checkMobile,
  checkResidentId,
  creditCodeCheckChar,
  normalizeCreditCode,
  normalizeResidentId,
  residentIdCheckChar,
  validateApplicant,
} from '../../common/identity.ts';

// Reference implementations written out from the standards, independent of
// the module under test, to make valid samples.
function gb11643(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * weights[i]!;
  return ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][sum % 11]!;
}
function gb32100(first17: string): string {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += chars.indexOf(first17[i]!) * weights[i]!;
  const check = 31 - (sum % 31);
  return chars[check === 31 ? 0 : check]!;
}
const residentId = (first17: string) => first17 + gb11643(first17);
const creditCode = (first17: string) => first17 + gb32100(first17);
/** Another check character than the right one. */
const wrongCheck = (id: string, charset: string) => {
  const right = id.at(-1)!;
  return id.slice(0, -1) + [...charset].find((char) => char !== right)!;
};

// A published sample (GB 11643 example, widely used in documentation).
const PUBLISHED_ID = '11010519491231002X';
// A commonly cited valid unified social credit code.
const PUBLISHED_CODE = '91350100M000100Y43';

describe('checkResidentId (GB 11643-1999)', () => {
  const valid = [
    PUBLISHED_ID,
    residentId('32010219900101123'),
    residentId('44030519851231001'),
    residentId('65010220000229000'), // a leap day
    residentId('11010119000101001'),
  ];

  it('accepts valid numbers, including every check character kind', () => {
    for (const id of valid) expect(checkResidentId(id), id).toBeNull();
    // Find samples whose check character is X and 0, so both kinds are covered.
    const samples = Array.from({ length: 200 }, (_, i) =>
      residentId(`32010219900101${String(i).padStart(3, '0')}`),
    );
    expect(samples.some((id) => id.endsWith('X'))).toBe(true);
    for (const id of samples) expect(checkResidentId(id), id).toBeNull();
  });

  it('accepts a lower-case x and surrounding spaces', () => {
    expect(checkResidentId('11010519491231002x')).toBeNull();
    expect(checkResidentId('  11010519491231002X ')).toBeNull();
    expect(normalizeResidentId(' 11010519491231002x')).toBe(PUBLISHED_ID);
  });

  it('computes the check character as the standard says', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    for (const id of valid) expect(residentIdCheckChar(id.slice(0, 17))).toBe(id[17]);
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
  });

  it('says when the check character is wrong, and which it should be', () => {
    expect(checkResidentId('110105194912310021')).toBe('身份证号码校验位错误，按前17位应为X；请逐位核对号码');
    for (const id of valid) {
      expect(checkResidentId(wrongCheck(id, '0123456789X'))).toContain(`校验位错误，按前17位应为${id[17]}`);
    }
    // One digit mistyped in the body is caught by the check character too.
    expect(checkResidentId('11010519491231003X')).toMatch(/校验位错误/);
  });

  it('says when the length is wrong', () => {
    expect(checkResidentId('')).toBe('请输入身份证号码');
    expect(checkResidentId('   ')).toBe('请输入身份证号码');
    expect(checkResidentId('11010519491231002')).toBe('身份证号码长度应为18位，现在是17位');
    expect(checkResidentId('11010519491231002X1')).toBe('身份证号码长度应为18位，现在是19位');
    expect(checkResidentId('110105491231002')).toMatch(/长度应为18位/); // an old 15-digit number
  });

  it('says when characters are wrong', () => {
    expect(checkResidentId('1101051949123100XX')).toBe('身份证号码前17位应为数字，最后一位为数字或X');
    expect(checkResidentId('11010519491231002Y')).toMatch(/最后一位为数字或X/);
    expect(checkResidentId('11010519491231００2X')).toMatch(/前17位应为数字/);
  });

  it('says when the region code is wrong', () => {
    expect(checkResidentId(residentId('00010519491231002'))).toMatch(/地区码不正确/);
    expect(checkResidentId(residentId('01010519491231002'))).toMatch(/地区码不正确/);
  });

  it('says when the birth date is not a real, past date', () => {
    for (const first17 of [
      '32010219901301123', // month 13
      '32010219900230123', // 30 February
      '32010220230229123', // 29 February in a common year
      '32010218991231123', // before 1900
      '32010219900100123', // day 0
    ]) {
      expect(checkResidentId(residentId(first17)), first17).toMatch(/出生日期不正确/);
    }
    const future = residentId('32010220260306123');
    expect(checkResidentId(future, '2026-03-05')).toMatch(/出生日期不正确（第7至14位为 20260306）/);
    expect(checkResidentId(future, '2026-03-06')).toBeNull();
    expect(checkResidentId(future)).toBeNull(); // no `today`: only a real date is required
  });
});

describe('checkCreditCode (GB 32100-2015)', () => {
  const valid = [
    PUBLISHED_CODE,
    creditCode('91320100MA1MXXXX0'.replace(/X/g, 'Y')),
    creditCode('12100000400000624'),
    creditCode('52110000500000000'),
    creditCode('Y2320102MA1N00000'),
  ];

  it('accepts valid codes', () => {
    for (const code of valid) expect(checkCreditCode(code), code).toBeNull();
    const samples = Array.from({ length: 200 }, (_, i) =>
      creditCode(`91320102MA1${String(i).padStart(5, '0')}K`),
    );
    expect(samples.some((code) => code.endsWith('0'))).toBe(true); // 31 − 0 → 0
    for (const code of samples) expect(checkCreditCode(code), code).toBeNull();
  });

  it('accepts lower case and surrounding spaces', () => {
    expect(checkCreditCode('91350100m000100y43')).toBeNull();
    expect(checkCreditCode(' 91350100M000100Y43  ')).toBeNull();
    expect(normalizeCreditCode(' 91350100m000100y43')).toBe(PUBLISHED_CODE);
  });

  it('computes the check character as the standard says', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
    for (const code of valid) expect(creditCodeCheckChar(code.slice(0, 17))).toBe(code[17]);
    expect(() => creditCodeCheckChar('91350100M000100I4')).toThrow(RangeError);
  });

  it('says when the check character is wrong, and which it should be', () => {
    expect(checkCreditCode('91350100M000100Y44')).toBe(
      '统一社会信用代码校验位错误，按前17位应为3；请逐位核对代码',
    );
    for (const code of valid) {
      expect(checkCreditCode(wrongCheck(code, '0123456789ABCDEFGHJKLMNPQRTUWXY'))).toContain(
        `按前17位应为${code[17]}`,
      );
    }
  });

  it('says when the length is wrong', () => {
    expect(checkCreditCode('')).toBe('请输入统一社会信用代码');
    expect(checkCreditCode('91350100M000100Y4')).toBe('统一社会信用代码长度应为18位，现在是17位');
    expect(checkCreditCode('91350100M000100Y433')).toMatch(/长度应为18位，现在是19位/);
  });

  it('names a character the standard does not use (I, O, Z, S, V, punctuation)', () => {
    for (const char of ['I', 'O', 'Z', 'S', 'V', '-', '中']) {
      const code = `91350100M000100Y4${char}`;
      expect(checkCreditCode(code), char).toBe(
        `统一社会信用代码不能含有「${char}」：只由数字和大写字母组成，不使用 I、O、Z、S、V`,
      );
    }
  });

  it('says when the region code (characters 3–8) is not digits', () => {
    expect(checkCreditCode(creditCode('913501A0M000100Y4'))).toMatch(/第3至8位/);
  });
});

describe('checkMobile', () => {
  it('accepts mobile numbers 13–19 and landlines with their area code', () => {
    for (const phone of [
      '13812345678',
      '19912345678',
      '16612345678',
      '025-12345678',
      '02512345678',
      '010-87654321',
      '0571-8765432',
      '05718765432',
      '138 1234 5678',
    ]) {
      expect(checkMobile(phone), phone).toBeNull();
    }
  });

  it('says what is wrong', () => {
    expect(checkMobile('')).toBe('请输入联系电话');
    expect(checkMobile('1381234567')).toBe('手机号应为11位，现在是10位');
    expect(checkMobile('138123456789')).toBe('手机号应为11位，现在是12位');
    for (const phone of ['12812345678', '87654321', '25-12345678', '025-123456', '+8613812345678', 'abc']) {
      expect(checkMobile(phone), phone).toMatch(/^联系电话格式不正确，应为11位手机号.*或带区号的固定电话/);
    }
  });
});

describe('validateApplicant', () => {
  const person: Applicant = { type: 'person', name: '张三', idNumber: PUBLISHED_ID, phone: '13812345678' };
  const enterprise: Applicant = {
    type: 'enterprise',
    name: '某某科技有限公司',
    creditCode: PUBLISHED_CODE,
    contactName: '李四',
    contactPhone: '025-12345678',
  };

  it('is empty for a valid person or enterprise of an allowed type', () => {
    expect(validateApplicant(person, ['person'])).toEqual({});
    expect(validateApplicant(enterprise, ['enterprise', 'person'])).toEqual({});
  });

  it('gives one message per wrong field of a person', () => {
    expect(
      validateApplicant({ type: 'person', name: ' ', idNumber: '110105194912310021', phone: '123' }, [
        'person',
      ]),
    ).toEqual({
      'applicant.name': '请输入申请人姓名',
      'applicant.idNumber': '身份证号码校验位错误，按前17位应为X；请逐位核对号码',
      'applicant.phone': expect.stringMatching(/^联系电话格式不正确/),
    });
    expect(validateApplicant({ ...person, name: '张'.repeat(51) }, ['person'])).toEqual({
      'applicant.name': '申请人姓名过长（最多50个字）',
    });
  });

  it('gives one message per wrong field of an enterprise', () => {
    expect(
      validateApplicant(
        { type: 'enterprise', name: '', creditCode: '91350100M000100Y4', contactName: '', contactPhone: '' },
        ['enterprise'],
      ),
    ).toEqual({
      'applicant.name': '请输入企业（单位）名称',
      'applicant.creditCode': '统一社会信用代码长度应为18位，现在是17位',
      'applicant.contactName': '请输入联系人姓名',
      'applicant.contactPhone': '请输入联系电话',
    });
  });

  it('refuses an applicant type the item does not accept', () => {
    expect(validateApplicant(person, ['enterprise'])).toEqual({
      'applicant.type': '本事项只受理企业（法人）申请，不受理个人申请',
    });
    expect(validateApplicant(enterprise, ['person'])).toEqual({
      'applicant.type': '本事项只受理个人申请，不受理企业（法人）申请',
    });
  });

  it('rules out a birth date after today when given today', () => {
    const baby = { ...person, idNumber: residentId('32010220260306123') };
    expect(validateApplicant(baby, ['person'], '2026-03-05')).toHaveProperty(
      'applicant.idNumber',
      expect.stringMatching(/出生日期不正确/),
    );
    expect(validateApplicant(baby, ['person'], '2026-03-07')).toEqual({});
  });
});
