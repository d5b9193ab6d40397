// Personal data never reaches the outward screen or a log in clear
// (DOMAIN.md): resident ID numbers, credit codes and phone numbers are masked.

/** 320102199001011234 → 3201**********1234 (first 4 and last 4 kept). */
export function maskIdNumber(id: string): string {
  if (id.length <= 8) return '*'.repeat(id.length);
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}

/** 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length);
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

/** 张三丰 → 张**; a single character is kept as it is. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? name : chars[0] + '*'.repeat(chars.length - 1);
}

// 18-character IDs / credit codes, and mainland mobile numbers, wherever they stand in free text.
const ID_LIKE = /(?<![0-9A-Z])[0-9A-Z]{17}[0-9X](?![0-9A-Z])/gi;
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/** Masks anything in free text that looks like an ID number or a mobile number. */
export function redactPersonalData(text: string): string {
  return text.replace(ID_LIKE, (m) => (/\d{6}/.test(m) ? maskIdNumber(m) : m)).replace(MOBILE, maskPhone);
}
