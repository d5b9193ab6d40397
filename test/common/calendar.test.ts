import { describe, expect, it } from 'vitest';
import {
  hallDateTimeAt,
  addCalendarDays,
  addWorkingDays,
  CALENDAR_2026,
  calendarDaysBetween,
  DEFAULT_CALENDARS,
  hasCalendarFor,
  isIsoDate,
  isoDateAt,
  isWorkingDay,
  workingDaysBetween,
} from '../../common/calendar.ts';
import { WorkingCalendar } from '../../common/cases.ts';

/** Every date from `from` to `to`, both included. */
function datesFrom(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addCalendarDays(date, 1)) dates.push(date);
  return dates;
}

// The 2026 arrangement as published (国务院办公厅, 2025-11-04), block by block.
const DAYS_OFF: [string, string, string][] = [
  ['元旦', '2026-01-01', '2026-01-03'],
  ['春节', '2026-02-15', '2026-02-23'],
  ['清明节', '2026-04-04', '2026-04-06'],
  ['劳动节', '2026-05-01', '2026-05-05'],
  ['端午节', '2026-06-19', '2026-06-21'],
  ['中秋节', '2026-09-25', '2026-09-27'],
  ['国庆节', '2026-10-01', '2026-10-07'],
];
const WORKING_WEEKEND_DAYS = [
  '2026-01-04',
  '2026-02-14',
  '2026-02-28',
  '2026-05-09',
  '2026-09-20',
  '2026-10-10',
];

describe('the shipped 2026 calendar', () => {
  it('is a valid WorkingCalendar and the default', () => {
    expect(WorkingCalendar.parse(CALENDAR_2026)).toEqual(CALENDAR_2026);
    expect(DEFAULT_CALENDARS).toEqual([CALENDAR_2026]);
    expect(CALENDAR_2026.holidays).toHaveLength(33);
    expect(CALENDAR_2026.holidays.every(isIsoDate)).toBe(true);
  });

  it.each(DAYS_OFF)('%s: %s to %s are all days off', (_name, from, to) => {
    for (const date of datesFrom(from, to)) expect(isWorkingDay(date), date).toBe(false);
    // …and the days around the block are not part of it.
    expect(CALENDAR_2026.holidays).not.toContain(addCalendarDays(from, -1));
    expect(CALENDAR_2026.holidays).not.toContain(addCalendarDays(to, 1));
  });

  it.each(WORKING_WEEKEND_DAYS)('%s is a weekend day worked (调休上班)', (date) => {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    expect([0, 6]).toContain(weekday);
    expect(isWorkingDay(date)).toBe(true);
  });

  // Weekday holidays: 元旦 2, 春节 6, 清明 1, 劳动节 3, 端午 1, 中秋 1, 国庆 5 = 19.
  it('counts 248 working days in 2026 (365 − 104 weekend days − 19 weekday holidays + 6 working weekend days)', () => {
    expect(workingDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
    expect(datesFrom('2026-01-01', '2026-12-31').filter((date) => isWorkingDay(date))).toHaveLength(248);
  });

  it('treats ordinary weekends as days off and ordinary weekdays as working days', () => {
    expect(isWorkingDay('2026-03-07')).toBe(false); // Saturday
    expect(isWorkingDay('2026-03-08')).toBe(false); // Sunday
    expect(isWorkingDay('2026-03-09')).toBe(true); // Monday
    expect(isWorkingDay('2026-03-13')).toBe(true); // Friday
  });
});

describe('addWorkingDays', () => {
  it('does not count the start day', () => {
    expect(addWorkingDays('2026-03-05', 1)).toBe('2026-03-06');
    expect(addWorkingDays('2026-03-05', 5)).toBe('2026-03-12');
    expect(addWorkingDays('2026-03-06', 1)).toBe('2026-03-09'); // Friday → Monday
    expect(addWorkingDays('2026-03-07', 1)).toBe('2026-03-09'); // from a Saturday
  });

  it('gives the start date back for 0 days, working day or not', () => {
    expect(addWorkingDays('2026-03-05', 0)).toBe('2026-03-05');
    expect(addWorkingDays('2026-02-16', 0)).toBe('2026-02-16');
  });

  it('crosses 春节, stopping on the working Saturdays', () => {
    expect(addWorkingDays('2026-02-12', 1)).toBe('2026-02-13');
    expect(addWorkingDays('2026-02-13', 1)).toBe('2026-02-14'); // working Saturday
    expect(addWorkingDays('2026-02-14', 1)).toBe('2026-02-24'); // 2.15–2.23 off
    expect(addWorkingDays('2026-02-13', 2)).toBe('2026-02-24');
    expect(addWorkingDays('2026-02-16', 1)).toBe('2026-02-24'); // from inside the holiday
    expect(addWorkingDays('2026-02-24', 3)).toBe('2026-02-27');
    expect(addWorkingDays('2026-02-24', 4)).toBe('2026-02-28'); // working Saturday
    expect(addWorkingDays('2026-02-24', 5)).toBe('2026-03-02');
  });

  it('crosses 元旦 and its working Sunday', () => {
    expect(addWorkingDays('2025-12-31', 1)).toBe('2026-01-04');
    expect(addWorkingDays('2026-01-04', 1)).toBe('2026-01-05');
  });

  it('crosses 清明, 劳动节 (with 5.9 worked), 端午 and 中秋 (with 9.20 worked)', () => {
    expect(addWorkingDays('2026-04-03', 1)).toBe('2026-04-07');
    expect(addWorkingDays('2026-04-30', 1)).toBe('2026-05-06');
    expect(addWorkingDays('2026-05-08', 1)).toBe('2026-05-09');
    expect(addWorkingDays('2026-05-09', 1)).toBe('2026-05-11');
    expect(addWorkingDays('2026-06-18', 1)).toBe('2026-06-22');
    expect(addWorkingDays('2026-09-18', 1)).toBe('2026-09-20');
    expect(addWorkingDays('2026-09-24', 1)).toBe('2026-09-28');
  });

  it('crosses 国庆 with 10.10 worked', () => {
    expect(addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(addWorkingDays('2026-09-30', 3)).toBe('2026-10-10'); // 10.8 Thu, 10.9 Fri, 10.10 Sat (worked)
    expect(addWorkingDays('2026-09-30', 4)).toBe('2026-10-12');
    // 9.30, 10.8–10.10, then 10.12–10.30 (15 days), then 11.2.
    expect(addWorkingDays('2026-09-29', 20)).toBe('2026-11-02');
  });

  it('runs into 2027 as plain Monday–Friday weeks, no 2027 calendar being known', () => {
    expect(hasCalendarFor(2027)).toBe(false);
    expect(addWorkingDays('2026-12-31', 1)).toBe('2027-01-01'); // a Friday: no holiday known
    expect(addWorkingDays('2026-12-30', 3)).toBe('2027-01-04');
    expect(addWorkingDays('2026-12-25', 20)).toBe('2027-01-22');
  });

  it('uses the calendar it is given: one, several, or none', () => {
    const calendar2027: WorkingCalendar = {
      year: 2027,
      holidays: ['2027-01-01'],
      workdays: ['2027-01-02'],
      source: 'test',
    };
    expect(addWorkingDays('2026-12-31', 1, [CALENDAR_2026, calendar2027])).toBe('2027-01-02');
    expect(addWorkingDays('2026-12-31', 1, calendar2027)).toBe('2027-01-02');
    expect(addWorkingDays('2026-02-13', 1, [])).toBe('2026-02-16'); // no calendar: Monday–Friday
    expect(addWorkingDays('2026-02-13', 1, CALENDAR_2026)).toBe('2026-02-14');
  });

  it('throws on invalid input', () => {
    expect(() => addWorkingDays('2026-3-5', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-02-30', 1)).toThrow(/日期不正确/);
    expect(() => addWorkingDays('20260305', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('', 1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-05', -1)).toThrow(/负数/);
    expect(() => addWorkingDays('2026-03-05', 1.5)).toThrow(/整数/);
    expect(() => addWorkingDays('2026-03-05', Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-05', Infinity)).toThrow(RangeError);
  });
});

describe('addCalendarDays', () => {
  it('counts every day, across months, leap days and years', () => {
    expect(addCalendarDays('2026-02-14', 2)).toBe('2026-02-16');
    expect(addCalendarDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addCalendarDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addCalendarDays('2026-03-05', 0)).toBe('2026-03-05');
  });

  it('throws on invalid input', () => {
    expect(() => addCalendarDays('2026-13-01', 1)).toThrow(RangeError);
    expect(() => addCalendarDays('2026-03-05', 0.5)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts the working days after `from` up to and including `to`', () => {
    expect(workingDaysBetween('2026-03-05', '2026-03-05')).toBe(0);
    expect(workingDaysBetween('2026-03-05', '2026-03-06')).toBe(1);
    expect(workingDaysBetween('2026-03-05', '2026-03-09')).toBe(2);
    expect(workingDaysBetween('2026-02-13', '2026-02-24')).toBe(2);
    expect(workingDaysBetween('2026-09-30', '2026-10-10')).toBe(3);
  });

  it('is negative when `to` is earlier', () => {
    expect(workingDaysBetween('2026-03-09', '2026-03-05')).toBe(-2);
    expect(workingDaysBetween('2026-02-24', '2026-02-13')).toBe(-2);
  });

  it('agrees with addWorkingDays', () => {
    for (const start of ['2026-01-01', '2026-02-13', '2026-04-30', '2026-09-24', '2026-12-20']) {
      for (const days of [0, 1, 3, 10, 20]) {
        expect(workingDaysBetween(start, addWorkingDays(start, days)), `${start} + ${days}`).toBe(days);
      }
    }
  });

  it('throws on invalid input', () => {
    expect(() => workingDaysBetween('2026-03-05', 'tomorrow')).toThrow(RangeError);
  });
});

describe('dates', () => {
  it('isIsoDate accepts only real YYYY-MM-DD dates', () => {
    expect(isIsoDate('2026-03-05')).toBe(true);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-00-10')).toBe(false);
    expect(isIsoDate('2026-03-5')).toBe(false);
    expect(isIsoDate('2026-03-05T00:00:00Z')).toBe(false);
    expect(isIsoDate(20260305)).toBe(false);
  });

  it('calendarDaysBetween', () => {
    expect(calendarDaysBetween('2026-02-14', '2026-02-24')).toBe(10);
    expect(calendarDaysBetween('2026-02-24', '2026-02-14')).toBe(-10);
  });

  it('isoDateAt gives the day in China Standard Time unless told another offset', () => {
    expect(isoDateAt('2026-03-04T15:59:59.999Z')).toBe('2026-03-04');
    expect(isoDateAt('2026-03-04T16:00:00.000Z')).toBe('2026-03-05');
    expect(isoDateAt(new Date('2026-12-31T16:30:00Z'))).toBe('2027-01-01');
    expect(isoDateAt('2026-03-04T16:00:00.000Z', 0)).toBe('2026-03-04');
    expect(() => isoDateAt('not a time')).toThrow(RangeError);
  });
});

describe('hallDateTimeAt', () => {
  it('shows an instant as the hall reads it (UTC+8), across midnight', () => {
    expect(hallDateTimeAt('2026-03-04T16:30:05Z')).toBe('2026-03-05 00:30:05');
    expect(hallDateTimeAt(new Date('2026-11-28T10:40:34.389Z'))).toBe('2026-11-28 18:40:34');
    expect(() => hallDateTimeAt('昨天')).toThrow(RangeError);
  });
});
