// The ID card reader in the counter core, over a REAL serial line (socat pty
// pair) with the simulated reader, with the real hall server: 设备设置 saves
// the reader's port and baud and the driver starts (status bar 正常); 读卡测试
// answers with the card's fields masked and fills nothing; a card laid
// reaches the clerk's screen whole and the outward screen masked, until the
// screen dismisses it; an expired card is marked; a bad card is refused
// whole; a bad setting is refused in Chinese and changes nothing; nothing
// personal reaches the counter's log.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import { dispatchCall, type CounterCore } from '../../main/bridge.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { createLogger } from '../../main/log.ts';
import { loadCards, type SampleCard } from '../../sim/id-card/cards.ts';
import { IdCardSimulator } from '../../sim/id-card/simulator.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';
import { deviceRig, MANAGER, type DeviceRig } from '../main/device-rig.ts';

const cards = loadCards();
const card = (label: string): SampleCard => cards.find((c) => c.label.includes(label))!;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeAllPtyPairs);

interface Setup {
  r: DeviceRig;
  line: PtyPair;
  sim: IdCardSimulator;
  logs: string[];
  call(name: Parameters<CounterCore['call']>[0], args: unknown): Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>;
}

async function setup(): Promise<Setup> {
  const line = await startPtyPair();
  const sim = new IdCardSimulator({ paceBaud: 115_200 });
  const simPort: BytePort = await openSerialPort({ path: line.b, baudRate: 115_200 });
  sim.attach(simPort);
  cleanups.push(async () => {
    sim.stop();
    await simPort.close();
  });
  const logs: string[] = [];
  const r = await deviceRig({ log: createLogger((l) => logs.push(l), undefined, 'debug') }, { idCardPollMs: 50, idCardTestWaitMs: 8000 });
  cleanups.push(() => r.close());
  await r.signIn(MANAGER);
  const core: CounterCore = { call: (name, args) => r.counter.call(name, args), subscribe: () => () => {} };
  const call = async (name: Parameters<CounterCore['call']>[0], args: unknown) => {
    const reply = await dispatchCall(core, 'clerk', name, args);
    return reply.ok ? { ok: true, value: reply.result } : { ok: false, error: reply.error };
  };
  return { r, line, sim, logs, call };
}

const clerkCard = (s: ClerkState) => s.idCard ?? null;

describe('ID card reader in the counter, over a pty pair', () => {
  it('设备设置 → 正常; 读卡测试 shows masked fields and fills nothing; a card laid reaches the form and the outward screen masked', async () => {
    const { r, line, sim, logs } = await setup();
    expect((await r.counter.call('getClerkState', {}) as ClerkState).devices.idCardReader ?? null).toBeNull();
    expect(await r.counter.call('testIdCardReader', {})).toEqual({ ok: false, message: expect.stringContaining('未设置身份证阅读器') });

    await r.counter.call('saveDeviceSetting', { change: { section: 'idCardReader', value: { port: line.a, baudRate: 115_200 } } });
    const ok = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.devices.idCardReader?.state === 'ok');
    expect(ok.devices.idCardReader?.message).toBe('读卡器正常');

    // 读卡测试: the next card, masked; the form gets nothing.
    const testing = r.counter.call('testIdCardReader', {}) as Promise<{ ok: boolean; message: string }>;
    await new Promise((resolve) => setTimeout(resolve, 200));
    sim.lay(card('男，有效'));
    const tested = await testing;
    expect(tested.ok).toBe(true);
    expect(tested.message).toContain('读卡成功：居民身份证，张**，男，3201**********1232，出生 1990 年，住址 江苏省南京市****，有效期 2020.01.01–2040.01.01');
    expect(tested.message).not.toContain('张测试');
    expect(clerkCard((await r.counter.call('getClerkState', {})) as ClerkState)).toBeNull();

    // A card laid: whole on the clerk's screen, masked on the outward one; nothing unused.
    sim.lay(card('女，有效'));
    const read = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => clerkCard(s) !== null);
    expect(read.idCard).toEqual({
      seq: 1,
      at: expect.any(String),
      result: {
        kind: 'card',
        card: {
          cardType: 'resident',
          name: '李示例',
          idNumber: '110105198506122240',
          sex: '女',
          birthDate: '1985-06-12',
          address: '北京市朝阳区示例街道2号院3单元401室',
          validFrom: '2016-03-01',
          validTo: '2036-03-01',
          validity: '2016.03.01–2036.03.01',
          expired: false,
        },
      },
    });
    const outward = await waitFor<OutwardView>(r.counter, 'outwardView', (v) => (v.idCard ?? null) !== null);
    expect(outward.idCard).toEqual({
      cardTypeName: '居民身份证',
      nameMasked: '李**',
      idMasked: '1101**********2240',
      validity: '2016.03.01–2036.03.01',
      expired: false,
    });
    expect(JSON.stringify(outward)).not.toContain('110105198506122240');

    // The screen used it: gone from both.
    await r.counter.call('dismissIdCardRead', { seq: 1 });
    expect(clerkCard((await r.counter.call('getClerkState', {})) as ClerkState)).toBeNull();
    expect((await r.counter.call('getOutwardView', {}) as OutwardView).idCard ?? null).toBeNull();

    // An expired card is marked expired on both screens; a bad one is refused whole.
    sim.lay(card('已过期'));
    const expired = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => clerkCard(s)?.seq === 2);
    expect(expired.idCard?.result).toMatchObject({ kind: 'card', card: { expired: true, validTo: '2025-03-15' } });
    expect((await r.counter.call('getOutwardView', {}) as OutwardView).idCard?.expired).toBe(true);
    sim.lay(card('校验位错误'));
    const refused = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => clerkCard(s)?.seq === 3);
    expect(refused.idCard?.result).toEqual({ kind: 'refused', message: expect.stringContaining('校验位错误') });
    expect((await r.counter.call('getOutwardView', {}) as OutwardView).idCard ?? null).toBeNull();

    // Nothing personal in the counter's log.
    const logged = logs.join('\n');
    expect(logged).toContain('id card placed');
    for (const secret of ['张测试', '李示例', '王过期', '110105198506122240', '320102199001011232', '440306197203154519', '19850612', '示例街道', '测试路', '朝阳分局']) {
      expect(logged).not.toContain(secret);
    }

    // No reader again: the badge goes.
    await r.counter.call('resetDeviceSetting', { section: 'idCardReader' });
    expect((await r.counter.call('getClerkState', {}) as ClerkState).devices.idCardReader ?? null).toBeNull();
  });

  it('a bad reader setting is refused in Chinese and changes nothing', async () => {
    const { r, line, call } = await setup();
    for (const value of [
      { port: line.a, baudRate: 100 },
      { port: '', baudRate: 115_200 },
      { port: line.a, baudRate: 115_200, extra: 1 },
      { port: line.a },
    ]) {
      const reply = await call('saveDeviceSetting', { change: { section: 'idCardReader', value } });
      expect(reply.ok).toBe(false);
      expect(reply.error?.message).toMatch(/[\u4e00-\u9fff]/);
    }
    const view = (await r.counter.call('getDeviceSetup', {})) as { effective: { idCardReader: unknown }; sources: { idCardReader: string } };
    expect(view.effective.idCardReader).toBeNull();
    expect(view.sources.idCardReader).toBe('default');
    expect(r.query('SELECT section FROM device_setting')).toEqual([]);
    // A card read of another seq, or a dismiss of a seq never given, changes nothing.
    expect((await call('dismissIdCardRead', { seq: 0 })).ok).toBe(false);
    expect((await call('dismissIdCardRead', { seq: 99 })).ok).toBe(true);
  });
});
