// 超时提醒 (common/overtime.ts) and the counter's OvertimeWatch: the thresholds
// from the line's standard service time, the level at and around each, and a
// state published again at each crossing (hand-driven timers).
import { describe, expect, it } from 'vitest';
import { nextOvertimeChange, overtimeLevel, serviceTiming, type ServiceTiming } from '../../common/overtime.ts';
import { OvertimeWatch, type OvertimeTimers } from '../../main/queue/overtime-watch.ts';

const CALLED = '2026-12-07T01:00:00.000Z';
const at = (minutes: number, seconds = 0) => new Date(Date.parse(CALLED) + minutes * 60_000 + seconds * 1000);

describe('serviceTiming', () => {
  it('is amber from the standard time, red from twice it, ok before', () => {
    expect(serviceTiming(CALLED, 15, at(0))).toEqual({
      standardMinutes: 15,
      amberAt: '2026-12-07T01:15:00.000Z',
      redAt: '2026-12-07T01:30:00.000Z',
      level: 'ok',
    });
    expect(serviceTiming(CALLED, 15, at(14, 59))?.level).toBe('ok');
    expect(serviceTiming(CALLED, 15, at(15))?.level).toBe('amber');
    expect(serviceTiming(CALLED, 15, at(29, 59))?.level).toBe('amber');
    expect(serviceTiming(CALLED, 15, at(30))?.level).toBe('red');
    expect(serviceTiming(CALLED, 15, at(300))?.level).toBe('red');
  });

  it('is null without a call time, a standard time, or with a bad time', () => {
    expect(serviceTiming(null, 15, at(20))).toBeNull();
    expect(serviceTiming(CALLED, undefined, at(20))).toBeNull();
    expect(serviceTiming(CALLED, 0, at(20))).toBeNull();
    expect(serviceTiming('not a time', 15, at(20))).toBeNull();
  });

  it('the next change: amber, then red, then none', () => {
    const timing = serviceTiming(CALLED, 10, at(0))!;
    expect(nextOvertimeChange(timing, at(1).getTime())).toBe(at(10).getTime());
    expect(nextOvertimeChange(timing, at(10).getTime())).toBe(at(20).getTime());
    expect(nextOvertimeChange(timing, at(20).getTime())).toBeNull();
    expect(overtimeLevel(timing, at(19).getTime())).toBe('amber');
  });
});

class HandTimers implements OvertimeTimers {
  pending: { run: () => void; ms: number; cleared: boolean }[] = [];
  setTimeout(run: () => void, ms: number) {
    const entry = { run, ms, cleared: false };
    this.pending.push(entry);
    return entry;
  }
  clearTimeout(handle: unknown) {
    (handle as { cleared: boolean }).cleared = true;
  }
  live() {
    return this.pending.filter((entry) => !entry.cleared);
  }
}

describe('OvertimeWatch', () => {
  it('publishes again at each crossing of the service in hand, once per threshold; none after red or without a service', () => {
    let now = at(5).getTime();
    let published = 0;
    const timers = new HandTimers();
    const watch = new OvertimeWatch({ publish: () => published++, now: () => now, timers });
    const service: ServiceTiming = serviceTiming(CALLED, 10, new Date(now))!;
    watch.follow(service);
    watch.follow(service); // the same state again: no second timer
    expect(timers.live()).toHaveLength(1);
    expect(timers.live()[0]!.ms).toBe(5 * 60_000 + 50);
    now = at(10).getTime() + 50;
    const [amber] = timers.live();
    amber!.cleared = true; // it ran
    amber!.run();
    expect(published).toBe(1);
    watch.follow(serviceTiming(CALLED, 10, new Date(now))); // the state published then: red next
    expect(timers.live()).toHaveLength(1);
    expect(timers.live()[0]!.ms).toBe(10 * 60_000);
    watch.follow(null); // 办结: nothing to watch
    expect(timers.live()).toHaveLength(0);
    now = at(25).getTime();
    watch.follow(serviceTiming(CALLED, 10, new Date(now))); // already red
    expect(timers.live()).toHaveLength(0);
  });
});
