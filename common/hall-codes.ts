// The hall's codes in one place (issue 20, point 1): window codes, service line
// ids, ticket and walk-in numbers, device numbers. Plain regular expressions
// and small functions, no zod, so the outward bundle can use them too; the zod
// schemas in model.ts, sync.ts, http-api.ts and ticket-ops.ts are built on them.
//
//   window code  1–4 digits or capital letters, as the hall names it: 3, 03, 101, B12, 2A01
//   line id      one or two capital letters: A … Z, AA … ZZ (702 lines)
//   ticket       line id + 3 or 4 digits: A012, AB012, AB1234
//   walk-in      W + window code + '-' + 3 digits: W03-007, WB12-001, W101-020
//   device no    1 – 999999, given at enrolment, never reused (docs/architecture.md)
//
// A kiosk ticket never has a hyphen and a walk-in always has one, so the two
// never collide — also for a line named W (W012) or a window coded W1 (WW1-001).

export const WINDOW_CODE = /^[0-9A-Z]{1,4}$/;
export const WINDOW_CODE_RULE = '窗口代码应为 1–4 位数字或大写字母（如 03、101、B12）';

export const LINE_ID = /^[A-Z]{1,2}$/;
export const LINE_ID_RULE = '业务类型代码应为一个或两个大写字母（如 A、AB）';

export const LINE_TICKET_NUMBER = /^([A-Z]{1,2})\d{3,4}$/;
export const WALK_IN_NUMBER = /^W([0-9A-Z]{1,4})-\d{3}$/;
export const TICKET_NUMBER = /^(?:[A-Z]{1,2}\d{3,4}|W[0-9A-Z]{1,4}-\d{3})$/;
export const TICKET_NUMBER_RULE =
  '票号格式应为一至两个字母加三至四位数字（如 A012、AB012），现场补号为 W + 窗口代码 + - + 三位数字（如 W03-001、WB12-001）';

/** The highest device number the hall server gives (six digits in case numbers). */
export const MAX_DEVICE_NO = 999_999;

/** The line a kiosk ticket number was issued for ('AB012' → 'AB'); null for a walk-in or anything else. */
export function ticketLine(number: string): string | null {
  return LINE_TICKET_NUMBER.exec(number)?.[1] ?? null;
}

/** Whether a ticket number is a counter's 现场补号 (W03-007). */
export function isWalkInNumber(number: string): boolean {
  return WALK_IN_NUMBER.test(number);
}

// ---------------------------------------------------------------------------
// Case numbers (办件编号): common/case-rules.ts formats and parses them.

/** Before issue 20: 17 digits, YYYYMMDD + window code (2) + device number (3) + daily sequence (4). */
export const OLD_CASE_NO = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{3})(\d{4})$/;
/** From issue 20 on: YYYYMMDD-窗口代码-设备编号-序号, e.g. 20261207-B12-1042-0012 (no leading zeros in the device number). */
export const CASE_NO = /^(\d{4})(\d{2})(\d{2})-([0-9A-Z]{1,4})-([1-9]\d{0,5})-(\d{4})$/;
export const CASE_NO_RULE =
  '办件编号应为「日期-窗口代码-设备编号-序号」（如 20261207-B12-1042-0012），或旧式的 17 位数字（如 20260305030010012）';

/** A case number of either kind, as one pattern (schemas, OpenAPI); parseCaseNo also checks the date. */
export const ANY_CASE_NO = /^(?:\d{17}|\d{8}-[0-9A-Z]{1,4}-[1-9]\d{0,5}-\d{4})$/;

/**
 * A case number as a clerk or citizen types it: full-width characters
 * (typed through a Chinese IME) made half-width, letters upper-cased, spaces
 * dropped, any dash (－ — – ‐ _) made a hyphen. Does not check the result.
 */
export function normalizeCaseNo(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/\s+/g, '')
    .replace(/[‐‑‒–—―−_]/g, '-');
}
