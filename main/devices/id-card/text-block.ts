// The 256-byte text block of an ID card read (../shared/protocols/id-card-reader.md,
// "Read response"): UCS-2 little-endian fields at fixed places, each padded
// with spaces. Pure: the block in, a checked card or one zh-CN reason out —
// never a half-read card. The ID number passes the same GB 11643 check as a
// typed one (common/identity.ts); dates must be real; the birth date and sex
// must agree with the number.
import { isIsoDate } from '../../../common/calendar.ts';
import { checkResidentId } from '../../../common/identity.ts';
import { TEXT_BLOCK_BYTES } from './sam.ts';

/** 居民身份证, 港澳台居民居住证 ('J'). A 外国人永久居留证 ('I') is recognised and refused with its own reason. */
export type CardType = 'resident' | 'hmt-residence';

export const CARD_TYPE_NAME: Readonly<Record<CardType | 'foreign-permanent', string>> = {
  resident: '居民身份证',
  'hmt-residence': '港澳台居民居住证',
  'foreign-permanent': '外国人永久居留身份证',
};

/** Field places in the text block: [offset, bytes]. */
export const TEXT_FIELDS = {
  name: [0, 30],
  sex: [30, 2],
  nation: [32, 4],
  birth: [36, 16],
  address: [52, 70],
  idNumber: [122, 36],
  authority: [158, 30],
  validFrom: [188, 16],
  validTo: [204, 16],
  /** 港澳台居民居住证: 通行证号码 (9 characters). */
  passNumber: [220, 18],
  /** 港澳台居民居住证: 签发次数 (2 characters). */
  issueCount: [238, 4],
  cardType: [248, 2],
} as const satisfies Record<string, readonly [number, number]>;

export interface IdCardText {
  cardType: CardType;
  name: string;
  sex: '男' | '女';
  /** GB/T 3304 two-digit code; null on a 港澳台居民居住证. */
  nationCode: string | null;
  /** YYYY-MM-DD */
  birthDate: string;
  address: string;
  idNumber: string;
  authority: string;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD, or null for 长期. */
  validTo: string | null;
  /** 港澳台居民居住证 only. */
  passNumber: string | null;
  issueCount: string | null;
}

export type TextBlockErrorCode =
  | 'LENGTH'
  | 'FOREIGN_PERMIT'
  | 'UNKNOWN_TYPE'
  | 'BAD_TEXT'
  | 'BAD_NAME'
  | 'BAD_SEX'
  | 'BAD_NATION'
  | 'BAD_BIRTH'
  | 'BAD_ADDRESS'
  | 'BAD_ID'
  | 'BAD_VALIDITY';

export type TextBlockResult =
  | { ok: true; card: IdCardText }
  | {
      ok: false;
      code: TextBlockErrorCode;
      /** zh-CN for the clerk: what is wrong and what to do; carries no personal data. */
      message: string;
    };

const AFTER = '；表单未填入，请重新放卡，仍不行请手工录入';

/** GB/T 3304: 01 汉族 … 56 基诺族, 97 其他, 98 外国血统. */
export function isNationCode(code: string): boolean {
  if (!/^\d{2}$/.test(code)) return false;
  const n = Number(code);
  return (n >= 1 && n <= 56) || n === 97 || n === 98;
}

/** One field as UCS-2LE, trailing spaces (and NULs) cut; null when it holds a control character or a surrogate half. */
function field(block: Uint8Array, [offset, bytes]: readonly [number, number]): string | null {
  let text = '';
  for (let i = offset; i < offset + bytes; i += 2) {
    const code = block[i]! | (block[i + 1]! << 8);
    if (code !== 0 && (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code <= 0xdfff) || code >= 0xfffe)) {
      return null;
    }
    text += String.fromCharCode(code);
  }
  return text.replace(/[ \0]+$/, '');
}

/** YYYYMMDD → YYYY-MM-DD when it is a real date; null otherwise. */
function cardDate(text: string): string | null {
  if (!/^\d{8}$/.test(text)) return null;
  const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
  return isIsoDate(iso) ? iso : null;
}

const fail = (code: TextBlockErrorCode, what: string): TextBlockResult => ({
  ok: false,
  code,
  message: `证件信息有误：${what}${AFTER}`,
});

/**
 * Parses and checks a text block. `today` (YYYY-MM-DD, the hall's date) rules
 * out a birth date in the future; expiry is not checked here (see isExpired):
 * an expired card still reads, the counter refuses it.
 */
export function parseTextBlock(block: Uint8Array, today?: string): TextBlockResult {
  if (block.length !== TEXT_BLOCK_BYTES) {
    return fail('LENGTH', `文字信息应为${TEXT_BLOCK_BYTES}字节，收到${block.length}字节`);
  }
  const typeMark = field(block, TEXT_FIELDS.cardType);
  let cardType: CardType;
  if (typeMark === '') cardType = 'resident';
  else if (typeMark === 'J') cardType = 'hmt-residence';
  else if (typeMark === 'I') {
    return {
      ok: false,
      code: 'FOREIGN_PERMIT',
      message: '这是外国人永久居留身份证：本终端暂不能读取这种证件，表单未填入，请手工录入证件信息',
    };
  } else {
    const shown = typeMark === null ? '无法识别的字符' : `「${typeMark}」`;
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `无法识别的证件类型（类型标记为${shown}）：表单未填入，请确认是居民身份证或港澳台居民居住证，或手工录入`,
    };
  }
  const text: Partial<Record<keyof typeof TEXT_FIELDS, string>> = {};
  for (const key of Object.keys(TEXT_FIELDS) as (keyof typeof TEXT_FIELDS)[]) {
    const value = field(block, TEXT_FIELDS[key]);
    if (value === null) return fail('BAD_TEXT', '证件文字中有无法识别的字符');
    text[key] = value;
  }
  const name = text.name!;
  if (name === '' || /^\s/.test(name)) return fail('BAD_NAME', '姓名为空');
  const sex = text.sex === '1' ? '男' : text.sex === '2' ? '女' : null;
  if (sex === null) return fail('BAD_SEX', '性别代码不正确（应为1或2）');
  let nationCode: string | null = null;
  if (cardType === 'resident') {
    if (!isNationCode(text.nation!)) return fail('BAD_NATION', '民族代码不正确');
    nationCode = text.nation!;
  } else if (text.nation !== '') {
    return fail('BAD_NATION', '港澳台居民居住证的民族栏应为空');
  }
  const birthDate = cardDate(text.birth!);
  if (birthDate === null || birthDate < '1900-01-01') return fail('BAD_BIRTH', '出生日期不是有效日期');
  if (today !== undefined && birthDate > today) return fail('BAD_BIRTH', '出生日期晚于今天');
  const address = text.address!;
  if (address === '') return fail('BAD_ADDRESS', '住址为空');
  const idNumber = text.idNumber!;
  const idProblem = checkResidentId(idNumber, today);
  if (idProblem !== null || idNumber !== idNumber.trim()) {
    // The reason from the typed-ID check, without the number itself (it may quote digits 7–14).
    const reason = idProblem?.includes('校验位') ? '公民身份号码校验位错误' : '公民身份号码不正确';
    return fail('BAD_ID', reason);
  }
  if (cardType === 'hmt-residence' && !/^8[123]/.test(idNumber)) {
    return fail('BAD_ID', '港澳台居民居住证的公民身份号码应以81、82或83开头');
  }
  if (idNumber.slice(6, 14) !== text.birth) return fail('BAD_BIRTH', '出生日期与公民身份号码不一致');
  if ((Number(idNumber[16]) % 2 === 1 ? '男' : '女') !== sex) return fail('BAD_SEX', '性别与公民身份号码不一致');
  const validFrom = cardDate(text.validFrom!);
  if (validFrom === null) return fail('BAD_VALIDITY', '有效期起始日期不是有效日期');
  let validTo: string | null;
  if (text.validTo === '长期') validTo = null;
  else {
    validTo = cardDate(text.validTo!);
    if (validTo === null) return fail('BAD_VALIDITY', '有效期截止日期不是有效日期');
    if (validTo <= validFrom) return fail('BAD_VALIDITY', '有效期截止日期早于起始日期');
  }
  if (validFrom < birthDate) return fail('BAD_VALIDITY', '有效期起始日期早于出生日期');
  let passNumber: string | null = null;
  let issueCount: string | null = null;
  if (cardType === 'hmt-residence') {
    passNumber = text.passNumber!;
    issueCount = text.issueCount!;
    if (!/^[A-Z0-9]{8,9}$/.test(passNumber)) return fail('BAD_TEXT', '通行证号码不正确');
    if (!/^\d{1,2}$/.test(issueCount)) return fail('BAD_TEXT', '签发次数不正确');
  }
  return {
    ok: true,
    card: {
      cardType,
      name,
      sex,
      nationCode,
      birthDate,
      address,
      idNumber,
      authority: text.authority!,
      validFrom,
      validTo,
      passNumber,
      issueCount,
    },
  };
}

/** Whether the card has expired on `today` (YYYY-MM-DD, the hall's date): the last valid day is validTo itself. */
export function isExpired(card: Pick<IdCardText, 'validTo'>, today: string): boolean {
  return card.validTo !== null && card.validTo < today;
}

/** 2031-05-06 → 2031.05.06, null → 长期: as the card prints it. */
export function validityText(card: Pick<IdCardText, 'validFrom' | 'validTo'>): string {
  const dot = (iso: string) => iso.replaceAll('-', '.');
  return `${dot(card.validFrom)}–${card.validTo === null ? '长期' : dot(card.validTo)}`;
}
