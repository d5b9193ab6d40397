// Housekeeping in the daily retention run (main/retention.ts), on a real
// counter SQLite file with an injected clock and timer: walk-in leases and
// issued walk-ins of past hall days go once every walk-in mutation of the day
// is acked (a day with one not acked keeps all its rows; today always stays);
// call-log entries older than the hall's retention days go.
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WALKIN_ISSUED } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import { Retention, type RetentionTimer } from '../../main/retention.ts';
import { CounterStore } from '../../main/store/counter-store.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';
import { Outbox, type OutboxState } from '../../main/store/outbox.ts';
import { pruneSettledWalkIns, WalkIns } from '../../main/queue/walk-ins.ts';
import { memoryLogger, tempDir } from '../sync/support.ts';
import { fakeIntervalTimer } from '../helpers/fake-interval.ts';

const DAY = 24 * 60 * 60 * 1000;
/** 2026-06-30 16:00 in Beijing: the hall's today is 2026-06-30. */
const NOW = new Date('2026-06-30T08:00:00.000Z');
const TODAY = '2026-06-30';
const daysAgo = (days: number, from = NOW) => new Date(from.getTime() - days * DAY).toISOString();

const fakeTimer = (): ReturnType<typeof fakeIntervalTimer> & RetentionTimer => fakeIntervalTimer();

function rig(file = join(tempDir('halldesk-housekeeping-'), 'counter.db')) {
  const db = openDatabase(file);
  const outbox = new Outbox(db, { clock: () => NOW });
  const walkIns = new WalkIns({ db, outbox, clock: () => NOW });
  const store = new CounterStore(db);
  /** A lease of 50 numbers for `day`, and `states.length` walk-ins issued from it whose mutations are in those states. */
  const day = (day: string, states: OutboxState[]) => {
    walkIns.store({ prefix: 'W03-', day, from: 1, to: 50, leasedAt: `${day}T00:30:00.000Z` });
    for (const state of states) {
      const { seq } = walkIns.issue(day, { lineId: 'A', windowId: 3, staffNo: '1003' });
      db.prepare(
        `UPDATE outbox SET state = ?, reason = ? WHERE name = ? AND json_extract(args, '$.day') = ? AND json_extract(args, '$.seq') = ?`,
      ).run(state, state === 'rejected' ? '号码已被使用' : null, WALKIN_ISSUED, day, seq);
    }
  };
  return { file, db, outbox, walkIns, store, day };
}

const rowsOf = (db: Db, day: string) => ({
  leases: (db.prepare('SELECT COUNT(*) FROM walk_in_lease WHERE day = ?').pluck().get(day) as number),
  walkIns: (db.prepare('SELECT COUNT(*) FROM walk_in WHERE day = ?').pluck().get(day) as number),
});

describe('housekeeping of walk-in numbers', () => {
  it('drops past days whose walk-ins are all acked, keeps days with one not acked, and today', () => {
    const { db, walkIns, day } = rig();
    day('2026-06-25', []); // leased, nothing issued: nothing to wait for
    day('2026-06-26', ['acked', 'acked', 'acked']);
    day('2026-06-27', ['acked', 'pending']);
    day('2026-06-28', ['acked', 'sent']);
    day('2026-06-29', ['rejected', 'acked']);
    day(TODAY, ['acked', 'acked']);

    const pruned = pruneSettledWalkIns(db, TODAY);
    expect(pruned).toEqual({ days: ['2026-06-25', '2026-06-26'], leases: 2, walkIns: 3 });
    expect(rowsOf(db, '2026-06-25')).toEqual({ leases: 0, walkIns: 0 });
    expect(rowsOf(db, '2026-06-26')).toEqual({ leases: 0, walkIns: 0 });
    for (const kept of ['2026-06-27', '2026-06-28', '2026-06-29']) expect(rowsOf(db, kept)).toEqual({ leases: 1, walkIns: 2 });
    expect(rowsOf(db, TODAY)).toEqual({ leases: 1, walkIns: 2 });
    // Today's range still hands out the next number.
    expect(walkIns.remaining(TODAY)).toBe(48);
    expect(walkIns.issue(TODAY, { lineId: 'A', windowId: 3, staffNo: '1003' }).number).toBe('W03-003');
    // Nothing more is due.
    expect(pruneSettledWalkIns(db, TODAY).days).toEqual([]);
  });

  it('counts acked rows the outbox already pruned as acknowledged', () => {
    const { db, outbox, day } = rig();
    day('2026-06-28', ['acked', 'acked']);
    day('2026-06-29', ['pending']);
    expect(outbox.pruneAcked()).toBe(2);
    expect(pruneSettledWalkIns(db, TODAY)).toEqual({ days: ['2026-06-28'], leases: 1, walkIns: 2 });
    expect(rowsOf(db, '2026-06-29')).toEqual({ leases: 1, walkIns: 1 });
  });
});

describe('housekeeping in the daily retention run', () => {
  it('at start and daily: settled walk-in days and call-log entries past the retention days go, nothing else', () => {
    const { db, store, day } = rig();
    day('2026-06-28', ['acked']);
    day('2026-06-29', ['acked', 'pending']);
    day(TODAY, ['acked']);
    const call = (at: string, ticketNumber: string) => store.appendCallLog(3, '1003', { at, action: 'callNext', ticketNumber });
    call(daysAgo(45), 'A001');
    call(daysAgo(30.5), 'A002');
    call(daysAgo(29), 'A003');
    call(daysAgo(0.1), 'A004');
    const numbers = () => (db.prepare('SELECT ticket_number FROM call_log ORDER BY at').pluck().all() as string[]);

    const lines: Parameters<typeof memoryLogger>[0] = [];
    let now = NOW;
    const timer = fakeTimer();
    const retention = new Retention({ db, clock: () => now, days: () => 30, log: memoryLogger(lines), timer });
    retention.start();
    expect(timer.runs.map((r) => r.ms)).toEqual([DAY]);
    expect(rowsOf(db, '2026-06-28')).toEqual({ leases: 0, walkIns: 0 });
    expect(rowsOf(db, '2026-06-29')).toEqual({ leases: 1, walkIns: 2 });
    expect(rowsOf(db, TODAY)).toEqual({ leases: 1, walkIns: 1 });
    expect(numbers()).toEqual(['A003', 'A004']);
    // The clerk's view of today is untouched.
    expect(store.callLogSince(3, `${TODAY}T00:00:00.000Z`).map((e) => e.ticketNumber)).toEqual(['A004']);
    expect(lines.find((l) => l.message === 'walk-in numbers of past days pruned')?.fields).toEqual({
      days: ['2026-06-28'],
      leases: 1,
      walkIns: 1,
    });
    expect(lines.find((l) => l.message === 'call log pruned')?.fields).toEqual({ entries: 2, retentionDays: 30 });
    expect(retention.prune()).toEqual({ walkIns: { days: [], leases: 0, walkIns: 0 }, callLog: 0 });

    // Two days on: the pending walk-in reached the server; yesterday (then today) is now a past day.
    db.prepare(`UPDATE outbox SET state = 'acked' WHERE name = ?`).run(WALKIN_ISSUED);
    now = new Date(NOW.getTime() + 2 * DAY);
    timer.runs[0]!.run();
    expect(rowsOf(db, '2026-06-29')).toEqual({ leases: 0, walkIns: 0 });
    expect(rowsOf(db, TODAY)).toEqual({ leases: 0, walkIns: 0 });
    expect(numbers()).toEqual(['A004']);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    retention.stop();
    expect(timer.cleared).toBe(1);
  });

  it('a failed purge of cases does not stop the housekeeping', () => {
    const { db, day } = rig();
    day('2026-06-28', ['acked']);
    const lines: Parameters<typeof memoryLogger>[0] = [];
    const retention = new Retention({ db, clock: () => NOW, days: () => 30, log: memoryLogger(lines), timer: fakeTimer() });
    retention.run = () => {
      throw new Error('disk I/O error');
    };
    retention.start();
    expect(lines.map((l) => l.message)).toContain('retention run failed');
    expect(rowsOf(db, '2026-06-28')).toEqual({ leases: 0, walkIns: 0 });
  });

  it('runs in the counter at start', async () => {
    const { file, db, store, day } = rig();
    day('2026-06-28', ['acked']);
    day('2026-06-29', ['pending']);
    store.appendCallLog(3, '1003', { at: daysAgo(31), action: 'complete', ticketNumber: 'B001' });
    store.appendCallLog(3, '1003', { at: daysAgo(1), action: 'complete', ticketNumber: 'B002' });
    db.close();
    const timer = fakeTimer();
    const counter = await openCounter({ dataDir: dirname(file), deviceName: 'housekeeping', clock: () => NOW }, { retentionTimer: timer });
    try {
      const check = openDatabase(file);
      expect(rowsOf(check, '2026-06-28')).toEqual({ leases: 0, walkIns: 0 });
      expect(rowsOf(check, '2026-06-29')).toEqual({ leases: 1, walkIns: 1 });
      expect(check.prepare('SELECT ticket_number FROM call_log').pluck().all()).toEqual(['B002']);
      check.close();
    } finally {
      await counter.close();
    }
  });
});
