// 差评回访 hall-wide on the real hall server over HTTP (issue 21, point 6): a
// 差评 recorded at window 1 (its rating.recorded and followup.opened pushed as
// window 1's counter sends them) is listed for a manager signed in at window
// 2, filterable by state, window and due date; the manager advances it one
// step at a time; a clerk's advanceFollowUp → 403, an out-of-order or stale
// step → 409 with the state it is in, nothing written.
import { afterEach, describe, expect, it } from 'vitest';
import type { HallError } from '../../common/errors.ts';
import { FOLLOW_UP_OPENED, RATING_RECORDED, type FollowUp } from '../../common/ratings.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { chain } from '../sync/support.ts';

const halls: TestHallServer[] = [];
afterEach(async () => {
  for (const hall of halls.splice(0)) await hall.close();
});

const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as HallError);

async function hallWithBadRating() {
  const hall = await startHallServer();
  halls.push(hall);
  const window1 = await hall.enroll(1);
  const at = new Date().toISOString();
  const rating = { id: 'r-bad-1', sessionId: 7, caseNo: null, itemCode: null, windowId: 1, staffNo: '1001', ticketNumber: 'A007', level: 1, outcome: 'rated', channel: 'evaluator', deviceAddress: 1, openedAt: at, at };
  const answer = await new HallClient({ baseUrl: hall.url, token: window1.token }).request('push', {
    body: {
      deviceId: window1.deviceId,
      mutations: chain([
        { name: RATING_RECORDED, args: rating },
        { name: FOLLOW_UP_OPENED, args: { id: 1, ratingId: 'r-bad-1', dueDate: '2026-12-10', state: 'verifying', at } },
      ]),
    },
  });
  expect(answer.results.map((r) => r.status)).toEqual(['applied', 'applied']);
  const window2 = await hall.enroll(2);
  const at2 = new HallClient({ baseUrl: hall.url, token: window2.token });
  return { hall, at2 };
}

const signIn = (client: HallClient, staffNo: string) => client.request('signIn', { body: { staffNo, password: DEMO_PASSWORD } });

describe('差评回访 hall-wide', () => {
  it('a manager at window 2 lists window 1’s 差评 (filters) and advances it step by step; out of order → 409, nothing written', async () => {
    const { at2 } = await hallWithBadRating();
    await signIn(at2, '1006');
    const all = await at2.request('followUps', { query: {} });
    expect(all.followUps).toEqual([
      expect.objectContaining({ ratingId: 'r-bad-1', windowId: 1, level: 1, state: 'verifying', dueDate: '2026-12-10', ticketNumber: 'A007' }),
    ]);
    expect((await at2.request('followUps', { query: { state: 'fixing' } })).followUps).toEqual([]);
    expect((await at2.request('followUps', { query: { windowId: 2 } })).followUps).toEqual([]);
    expect((await at2.request('followUps', { query: { windowId: 1, dueBy: '2026-12-10' } })).followUps).toHaveLength(1);
    expect((await at2.request('followUps', { query: { dueBy: '2026-12-09' } })).followUps).toEqual([]);

    // Out of order: from 整改中 while it is 待核实 → 409 with the state it is in; nothing changed.
    const early = await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'fixing', note: '已整改' } }));
    expect(early).toMatchObject({ status: 409, message: expect.stringContaining('现为「待核实」，不是「整改中」') });
    const step1 = await at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'verifying', note: '已核实：等候过久' } });
    expect(step1).toMatchObject({ state: 'fixing', windowId: 1 });
    expect(step1.steps.at(-1)).toMatchObject({ state: 'fixing', note: '已核实：等候过久', staffNo: '1006' });
    // The same step again (stale) → 409; then the last step; then the end.
    expect(await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'verifying', note: '再次' } }))).toMatchObject({ status: 409 });
    const step2 = await at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'fixing', note: '已电话回访' } });
    expect(step2.state).toBe('called_back');
    expect((step2 as FollowUp).steps.map((s) => s.state)).toEqual(['verifying', 'fixing', 'called_back']);
    expect(await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'called_back', note: '再' } }))).toMatchObject({
      status: 409,
      message: expect.stringContaining('流程已结束'),
    });
    expect(await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-none' }, body: { from: 'verifying', note: '无' } }))).toMatchObject({ status: 404 });
    // Bad input: an unknown state, an empty note → 400.
    expect(await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'done' as never, note: '无' } }))).toMatchObject({ status: 400 });
    expect(await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'fixing', note: '  ' } }))).toMatchObject({ status: 400 });
    expect((await at2.request('followUps', { query: { state: 'called_back' } })).followUps).toHaveLength(1);
  });

  it('a clerk (or nobody) signed in at the counter: the list and a step over HTTP → 403, nothing written', async () => {
    const { at2 } = await hallWithBadRating();
    const none = await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'verifying', note: '越权' } }));
    expect(none).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await signIn(at2, '1002');
    const clerk = await failure(at2.request('advanceFollowUp', { params: { ratingId: 'r-bad-1' }, body: { from: 'verifying', note: '越权' } }));
    expect(clerk).toMatchObject({ status: 403, message: '差评回访仅限中心管理人员处理：请由管理人员在本窗口登录后查看' });
    expect(await failure(at2.request('followUps', { query: {} }))).toMatchObject({ status: 403 });
    await at2.request('signOut');
    await signIn(at2, '1006');
    expect((await at2.request('followUps', { query: {} })).followUps[0]).toMatchObject({ state: 'verifying', steps: [expect.objectContaining({ state: 'verifying' })] });
  });
});
