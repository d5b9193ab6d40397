// One time zone everywhere: the hall's (Asia/Shanghai, UTC+8). The helpers in
// common/hall-time.ts, and the renderer's formatters built on them, read the
// same in any machine zone: each zone runs in its own child Node (TZ is read
// when a process starts), see hall-time-probe.ts.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hallClock, hallDayRange, hallToday, hallWhen } from '../../common/hall-time.ts';

const PROBE = fileURLToPath(new URL('./hall-time-probe.ts', import.meta.url));

function probe(tz: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [PROBE], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
}

const BEIJING = {
  formatClock: '00:30:05',
  formatWhen: ['今天 00:30:05', '3月4日 18:30', '2025年12月31日 08:00'],
  hallClock: '00:30:05',
  hallWhen: '今天 00:30:05',
  hallToday: '2026-03-05',
  hallDayRange: { since: '2026-03-04T16:00:00.000Z', until: '2026-03-05T16:00:00.000Z' },
};

describe("the hall's time, whatever the machine's zone", () => {
  it.each([
    ['UTC', 16],
    ['America/New_York', 11],
    ['Asia/Shanghai', 0],
  ])('TZ=%s reads Beijing time (the machine itself says %i h)', (tz, machineHour) => {
    const seen = probe(tz);
    // The child really runs in that zone…
    expect(seen).toMatchObject({ zone: tz === 'UTC' ? expect.stringMatching(/^(UTC|Etc\/UTC)$/) : tz, machineHour });
    // …and every formatter still reads the hall's time.
    expect(seen).toMatchObject(BEIJING);
  });

  it('hallClock and hallWhen leave what is not a time as it is; hallDayRange refuses a bad date', () => {
    expect(hallClock('not a time')).toBe('not a time');
    expect(hallWhen('—')).toBe('—');
    expect(() => hallDayRange('2026-02-30')).toThrow(RangeError);
  });

  it("the hall's day turns at midnight Beijing time (16:00 UTC)", () => {
    expect(hallToday('2026-12-31T15:59:59.999Z')).toBe('2026-12-31');
    expect(hallToday('2026-12-31T16:00:00.000Z')).toBe('2027-01-01');
    expect(hallDayRange('2026-12-31')).toEqual({ since: '2026-12-30T16:00:00.000Z', until: '2026-12-31T16:00:00.000Z' });
    expect(hallWhen('2026-12-31T16:00:00.000Z', new Date('2027-01-01T03:00:00Z'))).toBe('今天 00:00:00');
    expect(hallWhen('2026-12-31T15:59:00.000Z', new Date('2027-01-01T03:00:00Z'))).toBe('2026年12月31日 23:59');
  });
});
