// The hall's clock. Every time and date a clerk or citizen reads — on the
// clerk's screen, the outward screen and paper — is the hall's: Beijing time
// (Asia/Shanghai, UTC+8, no daylight saving), whatever zone the PC or the
// browser is set to (a browser on a server often runs in UTC). Pure: the
// arithmetic is calendar.ts's fixed offset, never the machine's zone, so
// nothing here calls getHours(), toLocale…() or Intl with the default zone.
import { addCalendarDays, hallDateTimeAt, isoDateAt } from './calendar.ts';

/** China Standard Time: UTC+8 all year. */
export const HALL_UTC_OFFSET_MINUTES = 480;

const parse = (at: string | Date): number => (typeof at === 'string' ? Date.parse(at) : at.getTime());

/** The hall's date at `at` (default: now), YYYY-MM-DD. */
export function hallToday(at: string | Date = new Date()): string {
  return isoDateAt(at, HALL_UTC_OFFSET_MINUTES);
}

/** "09:05:07", the hall's time of `at`; the text as it is when it is not a time. */
export function hallClock(at: string | Date): string {
  if (Number.isNaN(parse(at))) return String(at);
  return hallDateTimeAt(at).slice(11, 19);
}

/**
 * When something happened, as the sync screens say it: 今天 14:03:09 on the
 * hall's today, 3月5日 14:03 earlier this year, 2025年12月31日 08:00 before
 * that. Both `at` and `now` are read in the hall's day; the text as it is
 * when it is not a time.
 */
export function hallWhen(at: string, now: Date = new Date()): string {
  if (Number.isNaN(Date.parse(at))) return at;
  const text = hallDateTimeAt(at); // 2026-03-05 14:03:09
  const today = hallToday(now);
  if (text.slice(0, 10) === today) return `今天 ${text.slice(11, 19)}`;
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = `${month}月${day}日 ${text.slice(11, 16)}`;
  return String(year) === today.slice(0, 4) ? date : `${year}年${date}`;
}

/**
 * The hall's day `date` (YYYY-MM-DD) as the ISO times (UTC, as stored) it
 * starts at and the next one starts at: for "today" queries over stored times.
 */
export function hallDayRange(date: string): { since: string; until: string } {
  const start = (day: string) => new Date(`${day}T00:00:00+08:00`).toISOString();
  return { since: start(date), until: start(addCalendarDays(date, 1)) };
}
