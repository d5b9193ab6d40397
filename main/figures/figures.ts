// 今日统计: the signed-in clerk's day at this window, counted from the events
// themselves — every 叫号 / 过号 / 办结 in the call log, every rating session
// in the ratings table, every case decision and 办结 in the cases table — on
// the hall's day (Beijing time, common/hall-time.ts), whatever the PC's zone.
// Other clerks' work at the same window, and other days, are not counted.
import type { ClerkFigures } from '../../common/cases.ts';
import type { CallLogEntry } from '../../common/contract.ts';
import { hallDayRange, hallToday } from '../../common/hall-time.ts';
import { LEVELS_BEST_FIRST } from '../../common/ratings.ts';
import type { Db } from '../store/database.ts';
import { FiguresStore, type FigureDecision, type FigureFinish, type FigureRating } from '../store/figures-store.ts';

/** The events of one clerk's day at one window. */
export interface FigureEvents {
  /** The call log, oldest first. */
  calls: readonly Pick<CallLogEntry, 'at' | 'action' | 'ticketNumber'>[];
  ratings: readonly FigureRating[];
  decided: readonly FigureDecision[];
  finished: readonly FigureFinish[];
}

/**
 * The figures of `date` (YYYY-MM-DD, the hall's day) from that day's events.
 * averageServiceMinutes: over the day's 办结 whose ticket was called that day,
 * from its latest 叫号 before the 办结; rounded to 0.1 minute.
 */
export function computeFigures(date: string, staffNo: string, events: FigureEvents): ClerkFigures {
  const count = <T>(list: readonly T[], test: (item: T) => boolean) => list.filter(test).length;

  const calledAt = new Map<string, number>();
  const minutes: number[] = [];
  for (const entry of events.calls) {
    const at = Date.parse(entry.at);
    if (entry.action === 'callNext' || entry.action === 'callTicket') calledAt.set(entry.ticketNumber, at);
    if (entry.action === 'complete') {
      const called = calledAt.get(entry.ticketNumber);
      if (called !== undefined && called <= at) minutes.push((at - called) / 60_000);
    }
  }

  const promised = events.finished.filter((row) => row.kind === 'promised' && row.promisedDate !== null);
  const onTime = count(promised, (row) => hallToday(row.finishedAt) <= row.promisedDate!);

  return {
    date,
    staffNo,
    called: count(events.calls, (entry) => entry.action === 'callNext' || entry.action === 'callTicket'),
    completed: count(events.calls, (entry) => entry.action === 'complete'),
    noShows: count(events.calls, (entry) => entry.action === 'noShow'),
    transferred: count(events.calls, (entry) => entry.action === 'transfer'),
    averageServiceMinutes:
      minutes.length === 0 ? null : Math.round((minutes.reduce((a, b) => a + b, 0) / minutes.length) * 10) / 10,
    accepted: count(events.decided, (row) => row.decision === 'accept' || row.decision === 'accept_with_missing'),
    finished: events.finished.length,
    onTimeRate: promised.length === 0 ? null : onTime / promised.length,
    ratings: {
      levels: LEVELS_BEST_FIRST.map((level) => ({
        level,
        count: count(events.ratings, (row) => row.outcome === 'rated' && row.level === level),
      })),
      notRated: count(events.ratings, (row) => row.outcome === 'not_rated'),
      cancelled: count(events.ratings, (row) => row.outcome === 'cancelled'),
    },
  };
}

/** The signed-in clerk's figures for the hall's day at `now`. */
export function clerkFigures(db: Db, who: { windowId: number; staffNo: string }, now: Date): ClerkFigures {
  const date = hallToday(now);
  const { since, until } = hallDayRange(date);
  const store = new FiguresStore(db);
  const range = [who.windowId, who.staffNo, since, until] as const;
  return computeFigures(date, who.staffNo, {
    calls: store.calls(...range),
    ratings: store.ratings(...range),
    decided: store.decided(...range),
    finished: store.finished(...range),
  });
}
