// The working-day calendar (工作日) that promised dates are counted in
// (DOMAIN.md, Cases). Pure: dates are 'YYYY-MM-DD' strings and all arithmetic
// is done in UTC on those strings, so the machine's time zone never shifts a day.
//
// A day is a working day iff it is listed in some calendar's `workdays`
// (调休上班), or it is Monday–Friday and not listed in any calendar's
// `holidays`. Years no calendar covers therefore count as plain Monday–Friday
// weeks: their public holidays are NOT known and are counted as working days
// until the hall server distributes that year's calendar (the State Council
// publishes it in November of the year before).
import type { WorkingCalendar } from './cases.ts';

/** 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04). */
export const CALENDAR_2026: WorkingCalendar = {
  year: 2026,
  holidays: [
    // 元旦
    '2026-01-01',
    '2026-01-02',
    '2026-01-03',
    // 春节
    '2026-02-15',
    '2026-02-16',
    '2026-02-17',
    '2026-02-18',
    '2026-02-19',
    '2026-02-20',
    '2026-02-21',
    '2026-02-22',
    '2026-02-23',
    // 清明节
    '2026-04-04',
    '2026-04-05',
    '2026-04-06',
    // 劳动节
    '2026-05-01',
    '2026-05-02',
    '2026-05-03',
    '2026-05-04',
    '2026-05-05',
    // 端午节
    '2026-06-19',
    '2026-06-20',
    '2026-06-21',
    // 中秋节
    '2026-09-25',
    '2026-09-26',
    '2026-09-27',
    // 国庆节
    '2026-10-01',
    '2026-10-02',
    '2026-10-03',
    '2026-10-04',
    '2026-10-05',
    '2026-10-06',
    '2026-10-07',
  ],
  workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  source: '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）',
};

/** The calendars shipped with HallDesk; the hall server's config stream may add or replace years. */
export const DEFAULT_CALENDARS: readonly WorkingCalendar[] = [CALENDAR_2026];

const MS_PER_DAY = 86_400_000;
/** Longest span the day-by-day arithmetic walks; far beyond any legal time limit. */
const MAX_SPAN_DAYS = 100_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written as YYYY-MM-DD. */
export function isIsoDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

/** Days since 1970-01-01 (UTC) of a YYYY-MM-DD date; throws on anything else. */
function dayNumber(date: string): number {
  if (!isIsoDate(date)) {
    throw new RangeError(`日期不正确：${JSON.stringify(date)}，应为 YYYY-MM-DD 格式的真实日期`);
  }
  return Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY;
}

function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

function requireWholeDays(days: number, what: string): void {
  if (!Number.isInteger(days) || Math.abs(days) > MAX_SPAN_DAYS) {
    throw new RangeError(`${what}应为整数（且不超过 ${MAX_SPAN_DAYS}），收到 ${String(days)}`);
  }
}

interface DaySets {
  off: ReadonlySet<number>;
  on: ReadonlySet<number>;
}

/** Per calendar object (a list may be rebuilt or grow; each year's calendar is replaced, not edited). */
const daySetCache = new WeakMap<WorkingCalendar, DaySets>();

function daySetsOf(calendar: WorkingCalendar): DaySets {
  let sets = daySetCache.get(calendar);
  if (!sets) {
    sets = { off: new Set(calendar.holidays.map(dayNumber)), on: new Set(calendar.workdays.map(dayNumber)) };
    daySetCache.set(calendar, sets);
  }
  return sets;
}

function daySets(calendars: readonly WorkingCalendar[]): DaySets {
  if (calendars.length === 1) return daySetsOf(calendars[0]!);
  const all = calendars.map(daySetsOf);
  return {
    off: new Set(all.flatMap((sets) => [...sets.off])),
    on: new Set(all.flatMap((sets) => [...sets.on])),
  };
}

function asList(
  calendar: WorkingCalendar | readonly WorkingCalendar[] | undefined,
): readonly WorkingCalendar[] {
  if (calendar === undefined) return DEFAULT_CALENDARS;
  return 'year' in calendar ? [calendar] : calendar;
}

function workingDayNumber(day: number, sets: DaySets): boolean {
  if (sets.on.has(day)) return true;
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6 && !sets.off.has(day);
}

/** Whether `date` is a working day (see the rule at the top of this file). */
export function isWorkingDay(
  date: string,
  calendars: WorkingCalendar | readonly WorkingCalendar[] = DEFAULT_CALENDARS,
): boolean {
  return workingDayNumber(dayNumber(date), daySets(asList(calendars)));
}

/** Whether some calendar in the list is for `year`; outside them the count is plain Monday–Friday. */
export function hasCalendarFor(
  year: number,
  calendars: WorkingCalendar | readonly WorkingCalendar[] = DEFAULT_CALENDARS,
): boolean {
  return asList(calendars).some((calendar) => calendar.year === year);
}

/**
 * The date `days` working days after `startDate`. The start day itself is not
 * counted (addWorkingDays('2026-03-05', 1) is '2026-03-06'), whether or not it
 * is a working day; 0 days gives the start date back. `days` must be a
 * non-negative integer.
 */
export function addWorkingDays(
  startDate: string,
  days: number,
  calendar?: WorkingCalendar | readonly WorkingCalendar[],
): string {
  let day = dayNumber(startDate);
  requireWholeDays(days, '工作日天数');
  if (days < 0) throw new RangeError(`工作日天数不能为负数，收到 ${days}`);
  const sets = daySets(asList(calendar));
  for (let left = days; left > 0;) {
    day += 1;
    if (workingDayNumber(day, sets)) left -= 1;
  }
  return isoOf(day);
}

/** The date `days` calendar days after (or, when negative, before) `startDate`. */
export function addCalendarDays(startDate: string, days: number): string {
  const day = dayNumber(startDate);
  requireWholeDays(days, '天数');
  return isoOf(day + days);
}

/**
 * Working days after `from` up to and including `to`; negative (the same count
 * with a minus sign) when `to` is before `from`. With `from` = today and `to` =
 * a promised date it is the working days left: 0 on the day itself.
 */
export function workingDaysBetween(
  from: string,
  to: string,
  calendars: WorkingCalendar | readonly WorkingCalendar[] = DEFAULT_CALENDARS,
): number {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (end < start) return -workingDaysBetween(to, from, calendars);
  if (end - start > MAX_SPAN_DAYS) throw new RangeError(`日期相差超过 ${MAX_SPAN_DAYS} 天：${from} 至 ${to}`);
  const sets = daySets(asList(calendars));
  let count = 0;
  for (let day = start + 1; day <= end; day++) if (workingDayNumber(day, sets)) count += 1;
  return count;
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function calendarDaysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/**
 * The calendar date of an instant in a fixed UTC offset, by default China
 * Standard Time (UTC+8, no daylight saving): isoDateAt('2026-03-04T16:30:00Z') is
 * '2026-03-05'. Pass `-new Date().getTimezoneOffset()` for the machine's own zone.
 */
export function isoDateAt(at: string | Date, utcOffsetMinutes = 480): string {
  return shifted(at, utcOffsetMinutes).slice(0, 10);
}

/** The same instant as a reader's date and time in UTC+8: hallDateTimeAt('2026-03-04T16:30:05Z') is '2026-03-05 00:30:05'. */
export function hallDateTimeAt(at: string | Date): string {
  return shifted(at, 480).slice(0, 19).replace('T', ' ');
}

function shifted(at: string | Date, utcOffsetMinutes: number): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`时间不正确：${String(at)}`);
  return new Date(ms + utcOffsetMinutes * 60_000).toISOString();
}
