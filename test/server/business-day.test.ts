// The hall's day is Beijing's, whatever the server machine's zone: ticket
// numbers restart at Beijing midnight, "today" on the server starts there too.
import { afterEach, describe, expect, it } from 'vitest';
import { businessDay } from '../../server/hall.ts';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('businessDay', () => {
  for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
    it(`is the Beijing date on a server set to ${tz}`, () => {
      process.env.TZ = tz; // Node reads TZ afresh when it is set
      expect(businessDay(new Date('2026-03-05T15:59:59Z'))).toBe('2026-03-05'); // 23:59:59 in Beijing
      expect(businessDay(new Date('2026-03-05T16:00:00Z'))).toBe('2026-03-06'); // 00:00 in Beijing
      expect(businessDay(new Date('2026-03-06T03:00:00Z'))).toBe('2026-03-06');
    });
  }
});
