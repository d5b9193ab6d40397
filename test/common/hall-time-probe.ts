// Run by hall-time.test.ts in a child Node with another TZ: prints, as JSON,
// how the renderer's formatters read fixed instants. Everything must read the
// same whatever TZ the process has: the hall's Beijing time.
//   TZ=America/New_York node test/common/hall-time-probe.ts
import { hallClock, hallDayRange, hallToday, hallWhen } from '../../common/hall-time.ts';
import { formatClock } from '../../renderer/clerk/logic.ts';
import { formatWhen } from '../../renderer/clerk/sync-issues-store.ts';

// 2026-03-05 00:30:05 in Beijing is 2026-03-04 in UTC and in New York.
const AT = '2026-03-04T16:30:05.000Z';
const NOW = new Date('2026-03-05T15:00:00+08:00');

console.log(
  JSON.stringify({
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    machineHour: new Date(AT).getHours(),
    formatClock: formatClock(AT),
    formatWhen: [formatWhen(AT, NOW), formatWhen('2026-03-04T10:30:00.000Z', NOW), formatWhen('2025-12-31T00:00:00Z', NOW)],
    hallClock: hallClock(AT),
    hallWhen: hallWhen(AT, NOW),
    hallToday: hallToday(new Date(AT)),
    hallDayRange: hallDayRange('2026-03-05'),
  }),
);
