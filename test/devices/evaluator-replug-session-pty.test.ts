// Issue 15: the evaluator comes back whole. Over a REAL serial line (a socat
// pty pair) with the simulated evaluator, in the counter core with the real
// hall server: a clerk serving a ticket asks for a rating; the evaluator is
// unplugged (socat killed: both ptys vanish) and loses power (it forgets the
// clerk, the state and the prompt), then plugged in again at the same link
// path. The counter shows the clerk and 办理中 on it again and sends the open
// session again; the citizen's press after the replug is stored as that
// session's rating, once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DisplayState } from '../../main/devices/evaluator/ft12.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { closeAllPtyPairs } from '../helpers/pty-pair.ts';
import { CLERK, deviceRig } from '../main/device-rig.ts';
import { simulatedEvaluatorOnPty } from './evaluator-sim-pty.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeAllPtyPairs);

const ADDRESS = 1;
const CLERK_SHOWN = { staffNumber: CLERK, name: '王丽华' };

describe('evaluator unplugged and plugged in again during a rating, over a pty pair', () => {
  it('the device shows the clerk and the state again, gets the open session again, and the press after the replug is that session’s rating, once', async () => {
    const device = await simulatedEvaluatorOnPty([ADDRESS]);
    cleanups.push(() => device.close());
    const { line, sim, log: simLog } = device;
    const r = await deviceRig({ evaluator: { port: line.a, protocol: 'ft12', address: ADDRESS } });
    cleanups.push(() => r.close());

    // The clerk serves a ticket: the device shows the clerk and 办理中.
    await r.signIn(CLERK);
    const kiosk = new HallClient({ baseUrl: r.hall.url, token: (await r.hall.enroll(null)).token });
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.queue.some((q) => q.waiting > 0));
    const called = (await r.counter.call('callNext', {})) as ClerkState;
    const ticket = called.current!.number;
    await expect.poll(() => sim.device(ADDRESS)).toMatchObject({ identity: CLERK_SHOWN, state: DisplayState.SERVING });

    // 请评价 with the ticket in hand: the device prompts.
    const asked = (await r.counter.call('requestRating', {})) as ClerkState;
    const sessionId = asked.rating.open!.sessionId;
    await expect.poll(() => sim.device(ADDRESS).session?.sessionId).toBe(sessionId);

    // Unplugged: the line goes, the device loses power and forgets everything.
    await line.kill('SIGKILL');
    sim.powerLoss();
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.evaluator?.state === 'unplugged', 5000);
    expect(sim.device(ADDRESS)).toMatchObject({ identity: null, state: DisplayState.IDLE, session: null });
    const received = simLog.length;

    // Plugged in again at the same link path.
    await line.restart();
    await device.reattach();
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.evaluator?.state === 'ok', 10_000);
    await expect
      .poll(() => sim.device(ADDRESS), { timeout: 5000 })
      .toMatchObject({ identity: CLERK_SHOWN, state: DisplayState.SERVING, session: { sessionId, pressed: null } });
    const after = simLog.slice(received).join('\n');
    expect(after).toContain('收到 PING');
    expect(after).toContain(`显示工作人员：工号 ${CLERK}`);
    expect(after).toContain('切换状态：办理中');
    expect(after).toContain(`开始评价：会话 ${sessionId}`);
    // The time it has left of the 60 s limit (the hall setting), not a fresh one.
    expect(sim.device(ADDRESS).session!.limitSeconds).toBeLessThan(60);

    // The citizen presses 满意 on the device: stored for that session, once.
    expect(sim.press(4)).toBe(true);
    await expect
      .poll(() => r.query('SELECT session_id AS sessionId, level, outcome, channel, ticket_number AS ticketNumber FROM rating'), { timeout: 5000 })
      .toEqual([{ sessionId, level: 4, outcome: 'rated', channel: 'evaluator', ticketNumber: ticket }]);
    await expect.poll(() => sim.device(ADDRESS).session, { timeout: 3000 }).toBeNull(); // acknowledged
    const recorded = r.query<{ args: string }>("SELECT args FROM outbox WHERE name = 'rating.recorded'");
    expect(recorded).toHaveLength(1);
    expect(JSON.parse(recorded[0]!.args)).toMatchObject({ sessionId, level: 4, outcome: 'rated', ticketNumber: ticket });
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).rating.open).toBeNull();
  }, 30_000);
});
