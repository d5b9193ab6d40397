// 设备设置 for the evaluator, over a REAL serial line (socat pty pair) with
// the simulated evaluator, in the counter core with the real hall server:
// changing the address rebuilds the driver (PING then answers at the new
// one), and 测试评价 reports the key pressed without storing or sending a
// rating.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { EvaluatorSetup } from '../../common/device-setup.ts';
import { DisplayState } from '../../main/devices/evaluator/ft12.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { closeAllPtyPairs } from '../helpers/pty-pair.ts';
import { deviceRig, MANAGER, type DeviceRig } from '../main/device-rig.ts';
import { simulatedEvaluatorOnPty, type SimulatedEvaluatorOnPty } from './evaluator-sim-pty.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeAllPtyPairs);

async function simulatorOn(addresses: number[]): Promise<SimulatedEvaluatorOnPty> {
  const device = await simulatedEvaluatorOnPty(addresses);
  cleanups.push(() => device.close());
  return device;
}

async function rig(): Promise<DeviceRig> {
  const r = await deviceRig({}, { evaluatorTestSeconds: 5 });
  cleanups.push(() => r.close());
  await r.signIn(MANAGER);
  return r;
}

const ft12 = (port: string, address: number): EvaluatorSetup => ({ port, protocol: 'ft12', baudRate: 9600, address, keyMap: null });

describe('evaluator in 设备设置, over a pty pair', () => {
  it('address 3 → 5: the driver is rebuilt on the same port and PING answers at 5', async () => {
    const { line, sim } = await simulatorOn([5]);
    const r = await rig();
    expect(await r.counter.call('pingEvaluator', {})).toEqual({ ok: false, message: expect.stringContaining('未设置评价器') });

    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(line.a, 3) } });
    const atThree = (await r.counter.call('pingEvaluator', {})) as { ok: boolean; message: string };
    expect(atThree.ok).toBe(false);
    expect(atThree.message).toMatch(/[\u4e00-\u9fff]/);

    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(line.a, 5) } });
    expect(await r.counter.call('pingEvaluator', {})).toEqual({ ok: true, message: expect.stringContaining('评价器（地址 5）应答正常') });
    const state = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.evaluator?.state === 'ok');
    expect(state.devices.evaluator?.message).toBeTruthy();
    // The new driver showed the signed-in manager.
    await expect.poll(() => sim.device(5).identity?.staffNumber).toBe(MANAGER);

    // Back to none: the port is released (the simulator side stays open), no evaluator in the state.
    await r.counter.call('resetDeviceSetting', { section: 'evaluator' });
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).devices.evaluator).toBeNull();
  });

  it('测试评价 answers with the level pressed; nothing is stored or sent, and the device goes back to its state', async () => {
    const { line, sim } = await simulatorOn([5]);
    const r = await rig();
    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(line.a, 5) } });
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.evaluator?.state === 'ok');
    await expect.poll(() => sim.device(5).state).toBe(DisplayState.IDLE);
    const outboxBefore = r.query<{ n: number }>('SELECT count(*) AS n FROM outbox')[0]!.n;

    const answer = r.counter.call('testEvaluatorRating', {});
    await expect.poll(() => sim.device(5).session?.sessionId ?? null).not.toBeNull();
    expect(sim.press(4)).toBe(true);
    expect(await answer).toEqual({ ok: true, level: 4, message: '评价器按下：满意' });
    await expect.poll(() => sim.device(5).session).toBeNull();
    await expect.poll(() => sim.device(5).state).toBe(DisplayState.IDLE);

    expect(r.query('SELECT * FROM rating')).toEqual([]);
    expect(r.query<{ n: number }>('SELECT count(*) AS n FROM outbox')[0]!.n).toBe(outboxBefore);
    const state = (await r.counter.call('getClerkState', {})) as ClerkState;
    expect(state.rating).toEqual({ open: null, waiting: [], latest: null });

    // Nobody presses: after the limit, no level.
    const silent = (await r.counter.call('testEvaluatorRating', {})) as { ok: boolean; level: number | null; message: string };
    expect(silent).toEqual({ ok: false, level: null, message: expect.stringContaining('5 秒内评价器没有按键') });
    expect(r.query('SELECT * FROM rating')).toEqual([]);
  }, 15_000);
});
