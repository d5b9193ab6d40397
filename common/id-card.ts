// The ID card reader (二代证阅读器) as the screens see it: its setting in
// 设备设置, its badge in the status bar, a card as it reaches the clerk's
// form, and what the citizen's outward screen shows of it (masked). The
// card carries only what the form uses — the photo and the unused fields
// (民族, 签发机关, 通行证号码, 签发次数) are dropped in main as the card is read.
import { z } from 'zod';

/** 设备设置 → 身份证阅读器: the serial port (USB CDC) and its speed. */
export const IdCardReaderSetupSchema = z.strictObject({
  port: z.string().trim().min(1).max(200),
  /** 115200 by default; some readers 9600–57600. */
  baudRate: z.number().int().min(300).max(921_600),
});
export type IdCardReaderSetup = z.infer<typeof IdCardReaderSetupSchema>;

export const ID_CARD_BAUD_RATES = [115_200, 57_600, 38_400, 19_200, 9_600] as const;
export const DEFAULT_ID_CARD_BAUD = 115_200;

/** The status bar's badge: 正常 / 未连接 / 读卡器无响应. */
export const IdCardReaderStatus = z.object({
  state: z.enum(['ok', 'not_answering', 'unplugged']),
  message: z.string(),
});
export type IdCardReaderStatus = z.infer<typeof IdCardReaderStatus>;

export const ID_CARD_TYPE_NAME = { resident: '居民身份证', 'hmt-residence': '港澳台居民居住证' } as const;

/** A card that read right: what fills the applicant form. */
export const IdCardIdentity = z.object({
  cardType: z.enum(['resident', 'hmt-residence']),
  name: z.string(),
  idNumber: z.string(),
  sex: z.enum(['男', '女']),
  /** YYYY-MM-DD */
  birthDate: z.string(),
  address: z.string(),
  /** YYYY-MM-DD */
  validFrom: z.string(),
  /** YYYY-MM-DD; null: 长期. */
  validTo: z.string().nullable(),
  /** e.g. 2020.01.01–2040.01.01, or 2026.01.01–长期 */
  validity: z.string(),
  /** valid-to before today (the hall's date): not a valid identity document. */
  expired: z.boolean(),
});
export type IdCardIdentity = z.infer<typeof IdCardIdentity>;

/** One placement of a card on the reader, as the clerk's screen gets it. */
export const IdCardRead = z.object({
  /** Grows with every placement: the screen acts once per seq. */
  seq: z.number().int().positive(),
  at: z.string(),
  result: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('card'), card: IdCardIdentity }),
    /** The card's text did not pass the checks (bad check digit, invalid date, unknown card type): nothing is filled. */
    z.object({ kind: z.literal('refused'), message: z.string() }),
    /** Two reads failed: 读卡失败，请重新放卡. */
    z.object({ kind: z.literal('read_failed'), message: z.string() }),
  ]),
});
export type IdCardRead = z.infer<typeof IdCardRead>;

/** 证件已过期（有效期至 2025.03.15），请持有效证件办理 */
export function expiredCardMessage(card: Pick<IdCardIdentity, 'validTo'>): string {
  return `证件已过期（有效期至 ${(card.validTo ?? '').replaceAll('-', '.')}），请持有效证件办理`;
}

/** What the citizen sees of the card just read, to check it is theirs: masked. */
export const OutwardIdCard = z.object({
  cardTypeName: z.string(),
  nameMasked: z.string(),
  idMasked: z.string(),
  validity: z.string(),
  expired: z.boolean(),
});
export type OutwardIdCard = z.infer<typeof OutwardIdCard>;

/** 江苏省南京市玄武区测试路1号 → 江苏省南京市****: the first six characters kept. */
export function maskAddress(address: string): string {
  const chars = [...address];
  return chars.length <= 6 ? '*'.repeat(chars.length) : chars.slice(0, 6).join('') + '****';
}
