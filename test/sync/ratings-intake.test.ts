// Ratings and bad-rating follow-ups reach the hall server through push:
// stored once, never edited; follow-ups only move forward; a rating from
// another window or a second copy of one is rejected with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment, PushResult } from '../../common/http-api.ts';
import {
  FOLLOW_UP_ADVANCED,
  FOLLOW_UP_OPENED,
  RATING_RECORDED,
  type RatingRecord,
} from '../../common/ratings.ts';
import type { Mutation } from '../../common/sync.ts';
import type { HallClient } from '../../main/hall-client.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { chain, deviceClient, hallDb } from './support.ts';

let hall: TestHallServer;
beforeAll(async () => {
  hall = await startHallServer();
});
afterAll(() => hall.close());

async function device(windowId: number): Promise<{ enrollment: Enrollment; client: HallClient }> {
  const enrollment = await hall.enroll(windowId);
  return { enrollment, client: deviceClient(hall.url, enrollment.token) };
}
const push = (d: { enrollment: Enrollment; client: HallClient }, mutations: Mutation[]): Promise<PushResult> =>
  d.client.request('push', { body: { deviceId: d.enrollment.deviceId, mutations } });

const rating = (id: string, level: RatingRecord['level'], windowId = 1): RatingRecord => ({
  id,
  sessionId: 42,
  caseNo: '20260305010010001',
  itemCode: 'GA-ZM-006',
  windowId,
  staffNo: '1001',
  ticketNumber: 'A001',
  level,
  outcome: level === null ? 'not_rated' : 'rated',
  channel: level === null ? 'none' : 'evaluator',
  deviceAddress: level === null ? null : 3,
  openedAt: '2026-03-05T02:00:00.000Z',
  at: '2026-03-05T02:00:20.000Z',
});

describe('ratings intake', () => {
  it('stores ratings and 未评价 once, runs a bad rating follow-up forward only, and rejects what breaks the rules', async () => {
    const d = await device(1);
    const mutations = chain([
      { name: RATING_RECORDED, args: rating('r-good', 4) },
      { name: RATING_RECORDED, args: rating('r-none', null) },
      { name: RATING_RECORDED, args: rating('r-bad', 1) },
      { name: FOLLOW_UP_OPENED, args: { id: 1, ratingId: 'r-bad', dueDate: '2026-03-12', state: 'verifying', at: '2026-03-05T02:00:20.000Z' } },
      { name: FOLLOW_UP_ADVANCED, args: { id: 1, ratingId: 'r-bad', from: 'verifying', to: 'called_back', note: '跳步', staffNo: '1006', at: '2026-03-06T01:00:00.000Z' } },
      { name: FOLLOW_UP_ADVANCED, args: { id: 1, ratingId: 'r-bad', from: 'verifying', to: 'fixing', note: '已核实，整改排队叫号', staffNo: '1006', at: '2026-03-06T01:00:00.000Z' } },
      { name: RATING_RECORDED, args: rating('r-good', 5) },
      { name: RATING_RECORDED, args: rating('r-other-window', 5, 2) },
      { name: FOLLOW_UP_OPENED, args: { id: 2, ratingId: 'r-good', dueDate: '2026-03-12', state: 'verifying', at: '2026-03-05T02:00:20.000Z' } },
      { name: RATING_RECORDED, args: { ...rating('r-inconsistent', null), outcome: 'rated' } },
    ]);
    const result = await push(d, mutations);
    expect(result.lastSeq).toBe(10);
    expect(result.results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'rejected', // 待核实 cannot jump to 已回访
      'applied',
      'rejected', // one rating per id (一次一评)
      'rejected', // another window's rating
      'rejected', // not a bad rating
      'rejected', // 未评价 with outcome rated
    ]);
    for (const r of result.results.filter((r) => r.status === 'rejected')) expect(r.reason).toMatch(/[\u4e00-\u9fa5]/);

    const db = hallDb(hall.dataDir);
    try {
      expect(db.prepare('SELECT id, level, outcome FROM ratings ORDER BY seq').all()).toEqual([
        { id: 'r-good', level: 4, outcome: 'rated' },
        { id: 'r-none', level: null, outcome: 'not_rated' },
        { id: 'r-bad', level: 1, outcome: 'rated' },
      ]);
      expect(db.prepare('SELECT local_id, state FROM follow_ups').all()).toEqual([{ local_id: 1, state: 'fixing' }]);
      expect(db.prepare('SELECT from_state, to_state, staff_no FROM follow_up_steps').all()).toEqual([
        { from_state: 'verifying', to_state: 'fixing', staff_no: '1006' },
      ]);
    } finally {
      db.close();
    }
  });

  it('never lets a stored rating be edited or deleted', async () => {
    const d = await device(3);
    await push(d, chain([{ name: RATING_RECORDED, args: rating('r-3', 5, 3) }]));
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${hall.dataDir}/hall.sqlite`);
    try {
      expect(() => db.prepare("UPDATE ratings SET level = 1 WHERE id = 'r-3'").run()).toThrow(/never edited/);
      expect(() => db.prepare("DELETE FROM ratings WHERE id = 'r-3'").run()).toThrow(/never deleted/);
    } finally {
      db.close();
    }
  });
});
