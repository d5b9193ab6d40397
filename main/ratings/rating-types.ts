// The rating service's shapes: what it needs of the evaluator driver and of
// the counter, and who rates whom.
import type { IsoDate, WorkingCalendar } from '../../common/cases.ts';
import type { Timers } from '../devices/evaluator/clock.ts';
import type { EvaluatorDriver } from '../devices/evaluator/driver.ts';
import type { RatingLevel } from '../devices/evaluator/levels.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';
import type { UuidV7 } from '../uuidv7.ts';

/** What the service needs of the evaluator driver. */
export type RatingEvaluator = Pick<
  EvaluatorDriver,
  | 'start'
  | 'stop'
  | 'onHealth'
  | 'onResult'
  | 'onKeyPress'
  | 'startRating'
  | 'cancelRating'
  | 'showIdentity'
  | 'setState'
  | 'health'
  | 'ping'
>;

/** 测试评价 / PING from 设备设置: what the device did, zh-CN. */
export interface EvaluatorTestResult {
  ok: boolean;
  level: RatingLevel | null;
  message: string;
}

/** Who rates whom: the window, the clerk, the ticket served (null when none). */
export interface RatingContext {
  windowId: number;
  staffNo: string;
  ticket: { number: string; calledAt: string | null } | null;
}

export interface RatingSettings {
  ratingTimeLimitSeconds: number;
  badRatingFollowUpWorkingDays: number;
}

export interface RatingServiceOptions {
  db: Db;
  outbox: Outbox;
  clock: () => Date;
  log: Logger;
  /** The window's evaluator and its address on the line; null: none configured. */
  evaluator: { driver: RatingEvaluator; address: number } | null;
  settings: () => RatingSettings;
  calendars: () => WorkingCalendar[];
  today: () => IsoDate;
  /** The signed-in staff member, for the manager-only calls. */
  who: () => { staffNo: string; role: 'clerk' | 'manager' } | null;
  /** Something the views show changed. */
  onChange: () => void;
  timers?: Timers;
  /** Extra time after the limit for a key pressed just before it (RatingSessions). Default 1000 ms. */
  graceMs?: number;
  newId?: UuidV7;
}
