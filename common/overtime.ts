// 超时提醒 (issue 14, point 4; DOMAIN.md, Queue): each service line has a
// standard service time, a hall setting (ServiceLine.standardServiceMinutes).
// A service running past it is 超时 (amber), past twice it is 严重超时 (red).
// Pure: the counter puts it in the clerk's state, the hall server in the
// window's status, so both sides (and the hall overview) read the same thing.
import { z } from 'zod';

export const OvertimeLevel = z.enum(['ok', 'amber', 'red']);
export type OvertimeLevel = z.infer<typeof OvertimeLevel>;

/** The service in hand measured against its line's standard time. */
export const ServiceTiming = z.object({
  /** The line's standard service time. */
  standardMinutes: z.number().int().positive(),
  /** Called + the standard time: 超时 from here (amber). */
  amberAt: z.string(),
  /** Called + twice the standard time: red from here. */
  redAt: z.string(),
  /** Where the service stands at the moment the state was built. */
  level: OvertimeLevel,
});
export type ServiceTiming = z.infer<typeof ServiceTiming>;

export const OVERTIME_LABEL: Record<OvertimeLevel, string> = { ok: '', amber: '超时', red: '严重超时' };

/** The level at `now` for a timing's thresholds (the renderer re-reads it every second). */
export function overtimeLevel(timing: Pick<ServiceTiming, 'amberAt' | 'redAt'>, now: number): OvertimeLevel {
  if (now >= Date.parse(timing.redAt)) return 'red';
  if (now >= Date.parse(timing.amberAt)) return 'amber';
  return 'ok';
}

/**
 * The timing of a service called at `calledAt` on a line whose standard time
 * is `standardMinutes`; null when there is no service in hand, no call time
 * or the line has no standard time.
 */
export function serviceTiming(
  calledAt: string | null | undefined,
  standardMinutes: number | null | undefined,
  now: Date,
): ServiceTiming | null {
  if (!calledAt || !standardMinutes) return null;
  const called = Date.parse(calledAt);
  if (Number.isNaN(called)) return null;
  const thresholds = {
    amberAt: new Date(called + standardMinutes * 60_000).toISOString(),
    redAt: new Date(called + 2 * standardMinutes * 60_000).toISOString(),
  };
  return { standardMinutes, ...thresholds, level: overtimeLevel(thresholds, now.getTime()) };
}

/** The moment the level next changes after `now` (amber, then red); null once red. */
export function nextOvertimeChange(timing: Pick<ServiceTiming, 'amberAt' | 'redAt'>, now: number): number | null {
  const amber = Date.parse(timing.amberAt);
  if (now < amber) return amber;
  const red = Date.parse(timing.redAt);
  return now < red ? red : null;
}
