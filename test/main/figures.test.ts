// 今日统计's pieces: the pure count over a day's events (main/figures/figures.ts)
// and its read queries (main/store/figures-store.ts), each on its index.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeFigures, type FigureEvents } from '../../main/figures/figures.ts';
import { openDatabase } from '../../main/store/database.ts';
import { FIGURES_QUERIES } from '../../main/store/figures-store.ts';

const at = (hhmm: string) => new Date(`2026-03-05T${hhmm}:00+08:00`).toISOString();
const none: FigureEvents = { calls: [], ratings: [], decided: [], finished: [] };

describe('computeFigures', () => {
  it('is all zeros and no averages on a day without events', () => {
    expect(computeFigures('2026-03-05', '1001', none)).toEqual({
      date: '2026-03-05',
      staffNo: '1001',
      called: 0,
      completed: 0,
      noShows: 0,
      transferred: 0,
      averageServiceMinutes: null,
      accepted: 0,
      finished: 0,
      onTimeRate: null,
      ratings: {
        levels: [5, 4, 3, 2, 1].map((level) => ({ level, count: 0 })),
        notRated: 0,
        cancelled: 0,
      },
    });
  });

  it('times each 办结 from the latest 叫号 of its ticket; a 办结 without a call that day has no time', () => {
    const figures = computeFigures('2026-03-05', '1001', {
      ...none,
      calls: [
        { at: at('09:00'), action: 'complete', ticketNumber: 'A099' }, // called yesterday
        { at: at('09:01'), action: 'callNext', ticketNumber: 'A001' },
        { at: at('09:03'), action: 'recall', ticketNumber: 'A001' },
        { at: at('09:11'), action: 'complete', ticketNumber: 'A001' }, // 10 minutes
        { at: at('09:12'), action: 'callNext', ticketNumber: 'A002' },
        { at: at('09:13'), action: 'noShow', ticketNumber: 'A002' },
        { at: at('09:20'), action: 'callNext', ticketNumber: 'A002' }, // came back, called again
        { at: at('09:25'), action: 'complete', ticketNumber: 'A002' }, // 5 minutes
      ],
    });
    expect(figures).toMatchObject({ called: 3, completed: 3, noShows: 1, averageServiceMinutes: 7.5 });
  });

  it('counts accepted cases, finished cases and the on-time share of the promised ones', () => {
    const figures = computeFigures('2026-03-05', '1001', {
      ...none,
      decided: [
        { kind: 'instant', decision: 'accept' },
        { kind: 'promised', decision: 'accept_with_missing' },
        { kind: 'promised', decision: 'notice' },
        { kind: 'promised', decision: 'refuse' },
      ],
      finished: [
        { kind: 'instant', promisedDate: null, finishedAt: at('09:00') },
        { kind: 'promised', promisedDate: '2026-03-05', finishedAt: at('23:59') },
        { kind: 'promised', promisedDate: '2026-03-04', finishedAt: at('00:01') },
      ],
    });
    expect(figures).toMatchObject({ accepted: 2, finished: 3, onTimeRate: 0.5 });
  });

  it('counts ratings by level, 未评价 and cancelled sessions apart', () => {
    const figures = computeFigures('2026-03-05', '1001', {
      ...none,
      ratings: [
        { level: 5, outcome: 'rated' },
        { level: 5, outcome: 'rated' },
        { level: 3, outcome: 'rated' },
        { level: 2, outcome: 'rated' },
        { level: null, outcome: 'not_rated' },
        { level: null, outcome: 'cancelled' },
        { level: null, outcome: 'not_rated' },
      ],
    });
    expect(figures.ratings).toEqual({
      levels: [
        { level: 5, count: 2 },
        { level: 4, count: 0 },
        { level: 3, count: 1 },
        { level: 2, count: 1 },
        { level: 1, count: 0 },
      ],
      notRated: 2,
      cancelled: 1,
    });
  });
});

describe('the figures queries', () => {
  it.each([
    ['calls', /USING INDEX call_log_by_window_time/],
    ['ratings', /USING INDEX rating_by_window_at/],
    ['decided', /USING INDEX cases_by_window_decided/],
    ['finished', /USING INDEX cases_by_window_finished/],
  ] as const)('%s searches its (window, time) index', (name, index) => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-figures-')), 'counter.db'));
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${FIGURES_QUERIES[name]}`)
      .all(1, '1001', at('00:00'), at('23:59')) as { detail: string }[];
    const text = plan.map((row) => row.detail).join('\n');
    expect(text).toMatch(index);
    expect(text).not.toMatch(/SCAN (call_log|rating|cases)(?! USING)/);
    db.close();
  });
});
