import { describe, expect, it } from 'vitest';
import type { Priority } from '../../common/model.ts';
import { countAhead, rankWaiting, type RankedTicket } from '../../common/queue.ts';

const ticket = (id: number, lineId: string, priority: Priority = 'normal'): RankedTicket => ({
  id,
  lineId,
  priority,
});
const ids = (tickets: RankedTicket[]) => tickets.map((t) => t.id);

describe('rankWaiting', () => {
  it('serves green channel, then 优先, then appointments, then everyone else', () => {
    const waiting = [
      ticket(1, 'A'),
      ticket(2, 'A', 'appointment'),
      ticket(3, 'A', 'priority'),
      ticket(4, 'A', 'green'),
    ];
    expect(ids(rankWaiting(waiting, { lineIds: ['A'] }))).toEqual([4, 3, 2, 1]);
  });

  it('breaks a priority tie by the window’s line preference, then by issue order', () => {
    const waiting = [ticket(1, 'A'), ticket(2, 'B'), ticket(3, 'A'), ticket(4, 'B')];
    expect(ids(rankWaiting(waiting, { lineIds: ['B', 'A'] }))).toEqual([2, 4, 1, 3]);
    expect(ids(rankWaiting(waiting, { lineIds: ['A', 'B'] }))).toEqual([1, 3, 2, 4]);
  });

  it('puts priority before line preference', () => {
    const waiting = [ticket(1, 'B'), ticket(2, 'A', 'priority')];
    expect(ids(rankWaiting(waiting, { lineIds: ['B', 'A'] }))).toEqual([2, 1]);
  });

  it('leaves out lines the window does not serve, even green-channel ones', () => {
    const waiting = [ticket(1, 'A'), ticket(2, 'C', 'green')];
    expect(ids(rankWaiting(waiting, { lineIds: ['A', 'B'] }))).toEqual([1]);
    expect(rankWaiting([], { lineIds: ['A'] })).toEqual([]);
  });

  it('does not reorder its input', () => {
    const waiting = [ticket(2, 'A'), ticket(1, 'A')];
    rankWaiting(waiting, { lineIds: ['A'] });
    expect(ids(waiting)).toEqual([2, 1]);
  });
});

describe('countAhead', () => {
  it('counts the waiting tickets of the same line served before it', () => {
    const waiting = [
      ticket(1, 'A'),
      ticket(2, 'B'),
      ticket(3, 'A', 'appointment'),
      ticket(4, 'A'),
      ticket(5, 'A', 'green'),
    ];
    expect(countAhead(ticket(4, 'A'), waiting)).toBe(3); // 1 (earlier), 3 (appointment), 5 (green)
    expect(countAhead(ticket(3, 'A', 'appointment'), waiting)).toBe(1); // 5 (green)
    expect(countAhead(ticket(5, 'A', 'green'), waiting)).toBe(0);
    expect(countAhead(ticket(2, 'B'), waiting)).toBe(0);
  });
});
