// Checks on what the clerk types about the applicant (DOMAIN.md, Cases).
// Each check returns null when the input is right, or one zh-CN sentence
// saying what is wrong, shown next to the field. Pure: no I/O, no clock
// (pass `today` where "not in the future" matters).
import type { Applicant } from './cases.ts';
import { isIsoDate } from './calendar.ts';
import type { Item } from './model.ts';

type ApplicantType = Item['applicantTypes'][number];

/** GB 11643-1999 weights for the first 17 digits of a resident ID number. */
const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for (weighted sum mod 11). */
const RESIDENT_ID_CHECK = '10X98765432';

/** GB 32100-2015 character set: digits and capital letters without I, O, Z, S, V. */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** Trims and upper-cases, so a typed lower-case x (or letter) is accepted and stored as capital. */
export function normalizeResidentId(id: string): string {
  return id.trim().toUpperCase();
}

/** Trims and upper-cases a unified social credit code. */
export function normalizeCreditCode(code: string): string {
  return code.trim().toUpperCase();
}

/** The GB 11643 check character for the first 17 digits of a resident ID number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('需要身份证号码的前17位数字');
  const sum = RESIDENT_ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return RESIDENT_ID_CHECK[sum % 11]!;
}

/** The GB 32100 check character for the first 17 characters of a unified social credit code. */
export function creditCodeCheckChar(first17: string): string {
  const values = [...first17].map((char) => CREDIT_CODE_CHARSET.indexOf(char));
  if (values.length !== 17 || values.includes(-1)) throw new RangeError('需要统一社会信用代码的前17位');
  const sum = CREDIT_CODE_WEIGHTS.reduce((total, weight, i) => total + weight * values[i]!, 0);
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31]!;
}

/**
 * A resident ID number (居民身份证号码, GB 11643-1999): 18 characters, 17
 * digits and a check character 0–9 or X (a lower-case x is accepted), a region
 * code that does not start with 0, a real birth date from 1900 on and, when
 * `today` (YYYY-MM-DD) is given, not after it. Leading and trailing spaces are ignored.
 */
export function checkResidentId(id: string, today?: string): string | null {
  const value = normalizeResidentId(id);
  if (value === '') return '请输入身份证号码';
  if (value.length !== 18) return `身份证号码长度应为18位，现在是${value.length}位`;
  if (!/^\d{17}[\dX]$/.test(value)) return '身份证号码前17位应为数字，最后一位为数字或X';
  if (value[0] === '0') return '身份证号码前6位地区码不正确，请核对';
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (!isIsoDate(birth) || birth < '1900-01-01' || (today !== undefined && birth > today)) {
    return `身份证号码中的出生日期不正确（第7至14位为 ${value.slice(6, 14)}），请核对`;
  }
  const expected = residentIdCheckChar(value.slice(0, 17));
  if (value[17] !== expected) return `身份证号码校验位错误，按前17位应为${expected}；请逐位核对号码`;
  return null;
}

/**
 * A unified social credit code (统一社会信用代码, GB 32100-2015): 18
 * characters from 0–9 and A–Y without I, O, Z, S, V (lower case accepted);
 * characters 3–8 are the registering authority's region code (digits); the
 * last is the check character. Leading and trailing spaces are ignored.
 */
export function checkCreditCode(code: string): string | null {
  const value = normalizeCreditCode(code);
  if (value === '') return '请输入统一社会信用代码';
  if (value.length !== 18) return `统一社会信用代码长度应为18位，现在是${value.length}位`;
  const wrong = [...value].find((char) => !CREDIT_CODE_CHARSET.includes(char));
  if (wrong !== undefined) {
    return `统一社会信用代码不能含有「${wrong}」：只由数字和大写字母组成，不使用 I、O、Z、S、V`;
  }
  if (!/^\d{6}$/.test(value.slice(2, 8))) return '统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字';
  const expected = creditCodeCheckChar(value.slice(0, 17));
  if (value[17] !== expected) return `统一社会信用代码校验位错误，按前17位应为${expected}；请逐位核对代码`;
  return null;
}

/** What checkMobile accepts, for hints next to the field. */
export const PHONE_HINT = '11位手机号（如 13812345678）或带区号的固定电话（如 025-12345678）';

/**
 * A contact phone number. Accepted: a mainland mobile number, 11 digits
 * starting 13–19 (13812345678); or a landline with its area code, 0 + 2 or 3
 * digits, then a 7- or 8-digit number, with or without a hyphen
 * (025-12345678, 02512345678, 0571-8765432). Spaces are ignored.
 */
export function checkMobile(phone: string): string | null {
  const value = phone.replace(/\s+/g, '');
  if (value === '') return '请输入联系电话';
  if (/^1[3-9]\d{9}$/.test(value) || /^0\d{2,3}-?\d{7,8}$/.test(value)) return null;
  // Nearly a mobile number: say the length, the usual slip.
  if (/^1\d{6,11}$/.test(value) && value.length !== 11) return `手机号应为11位，现在是${value.length}位`;
  return `联系电话格式不正确，应为${PHONE_HINT}`;
}

const NAME_MAX = 50;

function checkName(name: string, missing: string, what: string): string | null {
  const value = name.trim();
  if (value === '') return missing;
  if ([...value].length > NAME_MAX) return `${what}过长（最多${NAME_MAX}个字）`;
  return null;
}

export const APPLICANT_TYPE_LABEL: Record<ApplicantType, string> = {
  person: '个人',
  enterprise: '企业（法人）',
};

/**
 * Every problem with the applicant, by field path ('applicant.name',
 * 'applicant.idNumber', …) → zh-CN message; empty when all is right.
 * `allowedTypes` are the item's applicant types; `today` (YYYY-MM-DD) rules out
 * birth dates in the future.
 */
export function validateApplicant(
  applicant: Applicant,
  allowedTypes: readonly ApplicantType[],
  today?: string,
): Record<string, string> {
  const errors: Record<string, string> = {};
  const put = (field: string, message: string | null) => {
    if (message !== null) errors[`applicant.${field}`] = message;
  };
  if (!allowedTypes.includes(applicant.type)) {
    const allowed = allowedTypes.map((type) => APPLICANT_TYPE_LABEL[type]).join('或');
    put('type', `本事项只受理${allowed}申请，不受理${APPLICANT_TYPE_LABEL[applicant.type]}申请`);
  }
  if (applicant.type === 'person') {
    put('name', checkName(applicant.name, '请输入申请人姓名', '申请人姓名'));
    put('idNumber', checkResidentId(applicant.idNumber, today));
    put('phone', checkMobile(applicant.phone));
  } else {
    put('name', checkName(applicant.name, '请输入企业（单位）名称', '企业（单位）名称'));
    put('creditCode', checkCreditCode(applicant.creditCode));
    put('contactName', checkName(applicant.contactName, '请输入联系人姓名', '联系人姓名'));
    put('contactPhone', checkMobile(applicant.contactPhone));
  }
  return errors;
}
