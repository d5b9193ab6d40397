// Pure rules of the clerk workspace and the outward screen's wording.
import { describe, expect, it } from 'vitest';
import { CallLogEntry } from '../../common/contract.ts';
import { PRIORITY_LABEL, type Ticket } from '../../common/model.ts';
import {
  ACTION_LABEL,
  availability,
  formatDuration,
  formatStopwatch,
  hotkeyAction,
  LOG_ACTION_LABEL,
  PRIORITY_TEXT,
  recallsStillNeeded,
} from '../../renderer/clerk/logic.ts';
import { announcementText } from '../../renderer/outward/text.ts';

const ticket = (recallCount: number): Ticket => ({
  id: 1,
  number: 'A012',
  lineId: 'A',
  priority: 'normal',
  status: 'called',
  issuedAt: '2026-03-02T01:00:00.000Z',
  calledAt: '2026-03-02T01:20:00.000Z',
  windowId: 3,
  recallCount,
  endedAt: null,
});
const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'altKey' | 'metaKey' | 'shiftKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  shiftKey: false,
  ...mods,
});

describe('clerk workspace rules', () => {
  it('words priorities exactly like the common model', () => {
    expect(PRIORITY_TEXT).toEqual(PRIORITY_LABEL);
  });

  it('has a label for every call-log action', () => {
    for (const action of CallLogEntry.shape.action.options) expect(LOG_ACTION_LABEL[action]).toBeTruthy();
  });

  it('maps bare F1–F4 to the four queue actions and nothing else', () => {
    expect(['F1', 'F2', 'F3', 'F4'].map((k) => hotkeyAction(key(k)))).toEqual([
      'callNext',
      'recall',
      'noShow',
      'complete',
    ]);
    expect(hotkeyAction(key('F4', { altKey: true }))).toBeNull();
    expect(hotkeyAction(key('F1', { ctrlKey: true }))).toBeNull();
    expect(hotkeyAction(key('F5'))).toBeNull();
    expect(hotkeyAction(key('1'))).toBeNull();
  });

  it('allows only 叫号 without a current ticket', () => {
    const idle = { current: null, noShowMinRecalls: 2 };
    expect(availability(idle, 'callNext', false).enabled).toBe(true);
    for (const action of ['recall', 'noShow', 'complete'] as const) {
      expect(availability(idle, action, false)).toEqual({
        enabled: false,
        reason: '当前无办理中的号，请先叫号',
      });
    }
  });

  it('allows 过号 only after enough 重呼, saying how many are still needed', () => {
    expect(recallsStillNeeded({ current: ticket(0), noShowMinRecalls: 2 })).toBe(2);
    expect(availability({ current: ticket(1), noShowMinRecalls: 2 }, 'noShow', false)).toEqual({
      enabled: false,
      reason: '需先重呼 1 次',
    });
    expect(availability({ current: ticket(2), noShowMinRecalls: 2 }, 'noShow', false).enabled).toBe(true);
    expect(availability({ current: ticket(0), noShowMinRecalls: 0 }, 'noShow', false).enabled).toBe(true);
  });

  it('disables everything while an action is in flight', () => {
    for (const action of ['callNext', 'recall', 'noShow', 'complete'] as const) {
      expect(availability({ current: ticket(5), noShowMinRecalls: 0 }, action, true).enabled).toBe(false);
    }
    expect(ACTION_LABEL.callNext).toBe('叫号');
  });

  it('formats waits and the service stopwatch', () => {
    expect(formatDuration('2026-03-02T01:00:00Z', '2026-03-02T01:00:30Z')).toBe('不到 1 分钟');
    expect(formatDuration('2026-03-02T01:00:00Z', '2026-03-02T01:25:00Z')).toBe('25 分钟');
    expect(formatDuration('2026-03-02T01:00:00Z', '2026-03-02T02:05:00Z')).toBe('1 小时 5 分钟');
    const since = '2026-03-02T01:00:00Z';
    expect(formatStopwatch(since, Date.parse(since) + 247_000)).toBe('04:07');
    expect(formatStopwatch(since, Date.parse(since) + 3_847_000)).toBe('1:04:07');
    expect(formatStopwatch(since, Date.parse(since) - 5_000)).toBe('00:00');
  });
});

describe('outward wording', () => {
  it('announces the number and the window', () => {
    expect(announcementText('A012', '3号窗口')).toBe('请 A012 号到 3号窗口办理');
    expect(announcementText('A012', null)).toBe('请 A012 号办理');
  });
});
