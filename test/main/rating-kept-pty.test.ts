// Ratings are never lost to the queue (issue 14, point 5; docs/ratings-and-queue.md).
// The counter core with the real hall server and a real SQLite file, the
// simulated evaluator (ft12) over a REAL serial line (a socat pty pair):
// 叫号 (F1) right after 办结 (F4), 锁屏 and 退出 with a prompt open — the
// evaluator keeps its prompt, the citizen's press is stored against the
// service (ticket, case, clerk) it rates, and the evaluator shows what the
// window does next only after.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../common/cases.ts';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DisplayState } from '../../main/devices/evaluator/ft12.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { closeAllPtyPairs } from '../helpers/pty-pair.ts';
import { simulatedEvaluatorOnPty } from '../devices/evaluator-sim-pty.ts';
import { CLERK, deviceRig, type DeviceRig } from './device-rig.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeAllPtyPairs);

const ADDRESS = 3;
const ID = '32010219850312004' + residentIdCheckChar('32010219850312004');

interface RatingRow {
  session_id: number;
  ticket_number: string | null;
  case_no: string | null;
  staff_no: string;
  level: number | null;
  outcome: string;
  channel: string;
}

async function setUp() {
  const device = await simulatedEvaluatorOnPty([ADDRESS]);
  cleanups.push(() => device.close());
  const r = await deviceRig({ evaluator: { port: device.line.a, protocol: 'ft12', address: ADDRESS } });
  cleanups.push(() => r.close());
  await r.signIn(CLERK);
  await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.evaluator?.state === 'ok', 10_000);
  const kiosk = new HallClient({ baseUrl: r.hall.url, token: (await r.hall.enroll(null, 'kiosk')).token });
  /** SET_STATE commands the device has taken so far. */
  const stateChanges = () => device.log.filter((line) => line.includes('切换状态')).length;
  return { sim: device.sim, r, kiosk, stateChanges };
}

function rows(r: DeviceRig): RatingRow[] {
  return r.query<RatingRow>('SELECT session_id, ticket_number, case_no, staff_no, level, outcome, channel FROM rating ORDER BY at, rowid');
}

/** A fresh ticket for line A, called (F1): its number. */
async function callFresh(r: DeviceRig, kiosk: HallClient): Promise<string> {
  const { ticket } = await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.queue.some((q) => q.lineId === 'A' && q.waiting > 0));
  const state = (await r.counter.call('callNext', {})) as ClerkState;
  expect(state.current?.number).toBe(ticket.number);
  return ticket.number;
}

/** A 即办件 taken for the ticket in hand: its case number. */
async function instantCase(r: DeviceRig): Promise<string> {
  const record = (await r.counter.call('submitCase', {
    draft: {
      itemCode: 'MZ-HY-001',
      applicant: { type: 'person', name: '王小明', idNumber: ID, phone: '13812345678' },
      provided: [true, true],
      ticketNumber: null,
    },
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: 'approved',
  })) as CaseRecord;
  return record.caseNo;
}

describe('a rating open when the clerk moves on, over a real serial line', () => {
  it('F1 right after F4: the prompt stays on the evaluator, the press is stored against the case before; then the device shows serving', async () => {
    const { sim, r, kiosk, stateChanges } = await setUp();
    const first = await callFresh(r, kiosk);
    const caseNo = await instantCase(r);
    const completed = (await r.counter.call('complete', {})) as ClerkState;
    const sessionId = completed.rating.open!.sessionId;
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(sessionId);
    const changesBefore = stateChanges();

    // F1 at once: the next citizen is called while the one before has not pressed yet.
    const second = await callFresh(r, kiosk);
    const state = (await r.counter.call('getClerkState', {})) as ClerkState;
    expect(state.rating.open).toMatchObject({ sessionId, ticketNumber: first });
    const outward = (await r.counter.call('getOutwardView', {})) as OutwardView;
    expect(outward).toMatchObject({ mode: 'serving', calling: { number: second } });
    expect(outward.rating?.sessionId).toBe(sessionId);
    expect(sim.device(ADDRESS).session?.sessionId).toBe(sessionId);
    expect(stateChanges()).toBe(changesBefore); // SET_STATE 办理中 is held back while the prompt is up
    expect(rows(r)).toEqual([]);

    // The citizen before presses 不满意 on the evaluator.
    expect(sim.press(2)).toBe(true);
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.rating.open === null && s.rating.latest !== null);
    expect(rows(r)).toEqual([
      { session_id: sessionId, ticket_number: first, case_no: caseNo, staff_no: CLERK, level: 2, outcome: 'rated', channel: 'evaluator' },
    ]);
    // …a 差评: its follow-up opened, both on their way to the hall server.
    expect(r.query<{ name: string }>("SELECT name FROM outbox WHERE name IN ('rating.recorded', 'followup.opened') ORDER BY seq").map((m) => m.name)).toEqual([
      'rating.recorded',
      'followup.opened',
    ]);
    // Only now the evaluator shows the new service.
    await expect.poll(stateChanges).toBe(changesBefore + 1);
    expect(sim.device(ADDRESS).state).toBe(DisplayState.SERVING);
    expect(sim.device(ADDRESS).session).toBeNull();
    // The window serves the second ticket all along.
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).current?.number).toBe(second);
  }, 60_000);

  it('F4 of the next citizen while the one before still rates: that session opens after, each press stored against its own ticket', async () => {
    const { sim, r, kiosk } = await setUp();
    const first = await callFresh(r, kiosk);
    const firstSession = ((await r.counter.call('complete', {})) as ClerkState).rating.open!.sessionId;
    const second = await callFresh(r, kiosk);
    const waiting = (await r.counter.call('complete', {})) as ClerkState;
    expect(waiting.rating).toMatchObject({ open: { sessionId: firstSession, ticketNumber: first }, waiting: [second] });
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(firstSession);

    sim.press(5);
    const next = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.rating.open !== null && s.rating.open.sessionId !== firstSession);
    expect(next.rating).toMatchObject({ open: { ticketNumber: second }, waiting: [] });
    const secondSession = next.rating.open!.sessionId;
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(secondSession);
    sim.press(4);
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.rating.open === null && s.rating.latest?.ticketNumber === second);
    expect(rows(r).map((row) => [row.session_id, row.ticket_number, row.level])).toEqual([
      [firstSession, first, 5],
      [secondSession, second, 4],
    ]);
  }, 60_000);

  it('锁屏 and 退出 with a prompt open: it runs on; the press is stored against the clerk who served; 暂停服务 follows', async () => {
    const { sim, r, kiosk } = await setUp();
    const first = await callFresh(r, kiosk);
    const firstSession = ((await r.counter.call('complete', {})) as ClerkState).rating.open!.sessionId;
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(firstSession);

    // 锁屏: the citizen still rates (evaluator and touch), then the device shows paused.
    await r.counter.call('lockScreen', {});
    const locked = (await r.counter.call('getOutwardView', {})) as OutwardView;
    expect(locked).toMatchObject({ mode: 'paused', calling: null, case: null, rating: { sessionId: firstSession } });
    expect(sim.device(ADDRESS).session?.sessionId).toBe(firstSession);
    sim.press(3);
    await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.rating === null);
    await expect.poll(() => sim.device(ADDRESS).state).toBe(DisplayState.PAUSED);
    await r.counter.call('unlockScreen', { password: '123456' });

    // 退出 with a prompt open, another clerk signs in: the press is the first clerk's.
    const second = await callFresh(r, kiosk);
    const secondSession = ((await r.counter.call('complete', {})) as ClerkState).rating.open!.sessionId;
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(secondSession);
    await r.counter.call('signOut', {});
    const closed = (await r.counter.call('getOutwardView', {})) as OutwardView;
    expect(closed).toMatchObject({ mode: 'closed', rating: { sessionId: secondSession } });
    await r.signIn('1002');
    expect(sim.device(ADDRESS).identity?.staffNumber).toBe(CLERK); // the prompt and the serving clerk stay
    sim.press(1);
    await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.rating === null);
    await expect.poll(() => sim.device(ADDRESS).identity?.staffNumber).toBe('1002');

    expect(rows(r).map((row) => [row.session_id, row.ticket_number, row.staff_no, row.level, row.outcome])).toEqual([
      [firstSession, first, CLERK, 3, 'rated'],
      [secondSession, second, CLERK, 1, 'rated'],
    ]);
  }, 60_000);
});
