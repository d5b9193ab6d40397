// The driver's timing, retries, serialisation and reconnects, on an
// in-memory line and a hand-driven clock (the same driver runs over real
// ptys in evaluator-pty.test.ts). The device end is played frame by frame.
import { describe, expect, it } from 'vitest';
import { EvaluatorDriver, type EvaluatorHealth } from '../../main/devices/evaluator/driver.ts';
import {
  createFt12Decoder,
  encodeDeviceMessage,
  encodeFrame,
  type DeviceMessage,
  type HostMessage,
} from '../../main/devices/evaluator/ft12.ts';
import type { BytePort } from '../../main/devices/serial-line.ts';
import { createMemoryLine, type MemoryLine } from '../../sim/memory-line.ts';
import { ManualTimers, settle } from './evaluator-manual-timers.ts';

interface RawDevice {
  port: BytePort;
  frames: { at: number; message: HostMessage }[];
  /** Answers each frame as it arrives; return null to stay silent. */
  answer: (message: HostMessage) => DeviceMessage | DeviceMessage[] | null;
  send(message: DeviceMessage): Promise<void>;
}

async function rawDevice(line: MemoryLine, timers: ManualTimers): Promise<RawDevice> {
  const port = await line.openB();
  const decoder = createFt12Decoder('host');
  const device: RawDevice = {
    port,
    frames: [],
    answer: () => null,
    send: (message) => port.write(encodeDeviceMessage(message)),
  };
  port.onData((chunk) => {
    for (const message of decoder.push(chunk).frames) {
      device.frames.push({ at: timers.now(), message });
      const reply = device.answer(message);
      for (const m of reply === null ? [] : Array.isArray(reply) ? reply : [reply]) void device.send(m);
    }
  });
  return device;
}

/** A device that answers every command as the protocol says. */
const wellBehaved = (message: HostMessage): DeviceMessage | null => {
  const { address } = message;
  switch (message.type) {
    case 'PING':
      return { type: 'PING_ANSWER', address, model: 2, firmware: { major: 3, minor: 4 } };
    case 'SHOW_IDENTITY':
      return { type: 'SHOW_IDENTITY_ANSWER', address };
    case 'START_RATING':
      return { type: 'START_RATING_ANSWER', address, sessionId: message.sessionId };
    case 'CANCEL_RATING':
      return { type: 'CANCEL_RATING_ANSWER', address, sessionId: message.sessionId };
    case 'SET_STATE':
      return { type: 'SET_STATE_ANSWER', address, state: message.state };
    case 'ACK_RESULT':
      return null;
  }
};

function setup(options: { addresses?: number[]; protocol?: 'ft12' | 'ascii-keypad' } = {}) {
  const timers = new ManualTimers();
  const line = createMemoryLine('COM9');
  const opens: number[] = [];
  const driver = new EvaluatorDriver({
    open: () => {
      opens.push(timers.now());
      return line.openA();
    },
    protocol: options.protocol,
    addresses: options.addresses ?? [3],
    timers,
    heartbeatMs: 0,
  });
  const health: EvaluatorHealth[] = [];
  driver.onHealth((h) => health.push(h));
  return { timers, line, driver, health, opens };
}

const outcome = <T>(promise: Promise<T>) => {
  const box: { value?: T; error?: Error; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(box, { value, done: true }),
    (error: Error) => Object.assign(box, { error, done: true }),
  );
  return box;
};

describe('EvaluatorDriver (ft12, memory line)', () => {
  it('PINGs at start and reports the device ok', async () => {
    const { timers, line, driver, health } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    expect(device.frames.map((f) => f.message)).toEqual([{ type: 'PING', address: 3 }]);
    expect(driver.health(3)).toMatchObject({ state: 'ok', message: '评价器（地址 3）正常' });
    expect(health.map((h) => h.state)).toEqual(['ok']);
    expect(await driver.ping(3)).toEqual({ model: 2, firmware: { major: 3, minor: 4 } });
    await driver.stop();
  });

  it('a silent device: 3 sends 300 ms apart, then not answering — shown to the clerk', async () => {
    const { timers, line, driver, health } = setup();
    const device = await rawDevice(line, timers);
    driver.start();
    await timers.advance(899);
    expect(device.frames.map((f) => f.at)).toEqual([0, 300, 600]);
    expect(driver.health(3).state).not.toBe('not_answering');
    await timers.advance(1);
    expect(driver.health(3)).toMatchObject({
      state: 'not_answering',
      message: '评价器（地址 3）无应答：请检查评价器的电源和接线，或联系管理员',
    });
    expect(health.at(-1)!.state).toBe('not_answering');
    const start = outcome(driver.startRating(3, 42, 30));
    await timers.advance(900);
    expect(start.error).toMatchObject({ name: 'EvaluatorError', code: 'NOT_ANSWERING', address: 3 });
    expect(driver.counts()).toMatchObject({ sends: 6, resends: 4, notAnswering: 2 });
    // It answers again: the next frame from it shows it ok.
    device.answer = wellBehaved;
    await driver.setState(3, 1);
    expect(driver.health(3).state).toBe('ok');
    await driver.stop();
  });

  it('an answer to the second send is enough', async () => {
    const { timers, line, driver } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    let starts = 0;
    device.answer = (m) => (m.type === 'START_RATING' && ++starts === 1 ? null : wellBehaved(m));
    const start = outcome(driver.startRating(3, 42, 30));
    await timers.advance(300);
    expect(start).toMatchObject({ done: true, value: undefined });
    expect(device.frames.filter((f) => f.message.type === 'START_RATING').map((f) => f.at)).toEqual([0, 300]);
    await driver.stop();
  });

  it('ignores an answer for another session or another address', async () => {
    const { timers, line, driver } = setup({ addresses: [3, 4] });
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    device.answer = (m) =>
      m.type === 'START_RATING'
        ? [
            { type: 'START_RATING_ANSWER', address: 3, sessionId: 41 },
            { type: 'START_RATING_ANSWER', address: 4, sessionId: 42 },
          ]
        : null;
    const start = outcome(driver.startRating(3, 42, 30));
    await timers.advance(899);
    expect(start.done).toBe(false);
    await timers.advance(1);
    expect(start.error).toMatchObject({ code: 'NOT_ANSWERING' });
    await driver.stop();
  });

  it('NAK: bad checksum → sent again at once; no such session on cancel → already gone; unknown command → refused', async () => {
    const { timers, line, driver } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    let sends = 0;
    device.answer = (m) =>
      m.type === 'SET_STATE' && ++sends === 1
        ? { type: 'NAK', address: 3, rejected: 0x13, reason: 1 }
        : wellBehaved(m);
    await driver.setState(3, 2);
    expect(device.frames.filter((f) => f.message.type === 'SET_STATE').map((f) => f.at)).toEqual([0, 0]);

    device.answer = (m) =>
      m.type === 'CANCEL_RATING' ? { type: 'NAK', address: 3, rejected: 0x12, reason: 4 } : null;
    expect(await driver.cancelRating(3, 99)).toBe('no_such_session');

    device.answer = (m) =>
      m.type === 'SHOW_IDENTITY' ? { type: 'NAK', address: 3, rejected: 0x10, reason: 3 } : null;
    const shown = outcome(driver.showIdentity(3, '1001', '张三'));
    await timers.advance(0);
    expect(shown.error).toMatchObject({ code: 'REJECTED' });
    expect(shown.error!.message).toContain('不支持该命令');
    expect(driver.counts().naks).toBe(3);
    await driver.stop();
  });

  it('serialises commands to several addresses on one line', async () => {
    const { timers, line, driver } = setup({ addresses: [3, 4] });
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    expect(device.frames.map((f) => f.message.address)).toEqual([3, 4]);
    device.frames.length = 0;
    const held: HostMessage[] = [];
    device.answer = (m) => (held.push(m), null);
    const a = outcome(driver.startRating(3, 1, 30));
    const b = outcome(driver.startRating(4, 2, 30));
    const c = outcome(driver.setState(3, 1));
    await timers.advance(100);
    expect(device.frames.map((f) => f.message.address)).toEqual([3]); // 4 waits for 3's answer
    void device.send(wellBehaved(held.shift()!)!);
    await timers.advance(0);
    expect(a.done).toBe(true);
    expect(device.frames.map((f) => f.message.address)).toEqual([3, 4]);
    void device.send(wellBehaved(held.shift()!)!);
    await timers.advance(0);
    void device.send(wellBehaved(held.shift()!)!);
    await timers.advance(0);
    expect([a.done, b.done, c.done, a.error, b.error, c.error]).toEqual([
      true,
      true,
      true,
      undefined,
      undefined,
      undefined,
    ]);
    await driver.stop();
  });

  it('acknowledges every RESULT, repeats included, ahead of waiting commands, and surfaces each', async () => {
    const { timers, line, driver } = setup({ addresses: [3, 4] });
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    const results: unknown[] = [];
    driver.onResult((r) => results.push(r));
    device.frames.length = 0;
    device.answer = () => null;
    driver.setState(4, 1).catch(() => {}); // in flight, unanswered
    driver.setState(3, 1).catch(() => {}); // waiting
    await timers.advance(10);
    void device.send({ type: 'RESULT', address: 3, sessionId: 42, level: 4 });
    void device.send({ type: 'RESULT', address: 3, sessionId: 42, level: 4 });
    await timers.advance(0);
    expect(results).toEqual([
      { address: 3, sessionId: 42, level: 4 },
      { address: 3, sessionId: 42, level: 4 },
    ]);
    // Line order: the command in flight, then both ACKs (after its answer or timeout), then the waiting one.
    void device.send({ type: 'SET_STATE_ANSWER', address: 4, state: 1 });
    await timers.advance(0);
    expect(device.frames.map((f) => f.message.type)).toEqual([
      'SET_STATE',
      'ACK_RESULT',
      'ACK_RESULT',
      'SET_STATE',
    ]);
    expect(device.frames[1]!.message).toEqual({ type: 'ACK_RESULT', address: 3, sessionId: 42 });
    expect(driver.counts()).toMatchObject({ results: 2, acksSent: 2 });
    await driver.stop();
  });

  it('counts damaged frames and never acts on them; a partial frame is given up after a quiet spell', async () => {
    const { timers, line, driver } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    const results: unknown[] = [];
    driver.onResult((r) => results.push(r));
    const bad = encodeDeviceMessage({ type: 'RESULT', address: 3, sessionId: 42, level: 4 });
    bad[11] = bad[11]! ^ 0xff;
    await device.port.write(bad);
    await device.port.write(encodeFrame(3, 0x21, Uint8Array.of(0, 0, 0, 42, 6)));
    await device.port.write(Uint8Array.of(0x68, 0x07, 0x07, 0x68, 0x03));
    await timers.advance(49);
    expect(driver.counts().ft12.incomplete).toBe(0);
    await timers.advance(1);
    expect(results).toEqual([]);
    expect(driver.counts().ft12).toMatchObject({ bad_checksum: 1, bad_value: 1, incomplete: 1, frames: 1 });
    expect(driver.counts().acksSent).toBe(0);
    await driver.stop();
  });

  it('unplugged: commands fail, every device shows it, reopen with backoff 250 ms → 5 s, PING again when back', async () => {
    const { timers, line, driver, health, opens } = setup({ addresses: [3, 4] });
    let device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    device.answer = () => null;
    const pending = outcome(driver.startRating(3, 42, 30));
    const queued = outcome(driver.setState(4, 1));
    await timers.advance(10);
    line.unplug();
    await timers.advance(0);
    expect(pending.error).toMatchObject({ code: 'UNPLUGGED' });
    expect(queued.error).toMatchObject({ code: 'UNPLUGGED' });
    expect(driver.healthAll().map((h) => [h.address, h.state])).toEqual([
      [3, 'unplugged'],
      [4, 'unplugged'],
    ]);
    expect(driver.health(3).message).toBe(
      '评价器连接中断（串口 COM9:A 已断开）：请检查串口线，系统正在自动重连',
    );
    const refused = outcome(driver.setState(3, 0));
    await timers.advance(0);
    expect(refused.error).toMatchObject({ code: 'UNPLUGGED' });

    await timers.advance(20_000);
    const unplugAt = 10;
    expect(opens.slice(1).map((t, i, all) => t - (i === 0 ? unplugAt : all[i - 1]!))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect(driver.health(3).message).toBe('评价器未连接（串口 COM9:A 无法打开）：请检查串口线或联系管理员');

    line.plugIn();
    device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    await timers.advance(5000);
    expect(device.frames.map((f) => f.message)).toEqual([
      { type: 'PING', address: 3 },
      { type: 'PING', address: 4 },
    ]);
    expect(driver.healthAll().map((h) => h.state)).toEqual(['ok', 'ok']);
    expect(health.filter((h) => h.address === 3).map((h) => h.state)).toEqual([
      'ok',
      'unplugged',
      'unplugged',
      'ok',
    ]);
    expect(driver.counts().reconnects).toBe(1);
    // The backoff starts again from 250 ms after a good open.
    line.unplug();
    line.plugIn();
    const before = opens.length;
    await timers.advance(250);
    expect(opens.length).toBe(before + 1);
    await driver.stop();
  });

  it('a port held by another program says so', async () => {
    const { timers, line, driver } = setup();
    await line.openA(); // someone else holds it
    driver.start();
    await timers.advance(0);
    expect(driver.health(3)).toMatchObject({
      state: 'unplugged',
      message: '评价器串口 COM9:A 被其他程序占用：请关闭占用该串口的程序，或联系管理员',
    });
    await driver.stop();
  });

  it('broadcasts are written once and not waited on', async () => {
    const { timers, line, driver } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    device.answer = () => null;
    await driver.setState(0xff, 2);
    await timers.advance(1000);
    expect(device.frames.filter((f) => f.message.type === 'SET_STATE').map((f) => f.message.address)).toEqual(
      [0xff],
    );
    await driver.stop();
  });

  it('SHOW_IDENTITY cuts long text to 32 GB18030 bytes at a character boundary', async () => {
    const { timers, line, driver } = setup();
    const device = await rawDevice(line, timers);
    device.answer = wellBehaved;
    driver.start();
    await timers.advance(0);
    await driver.showIdentity(3, '1001', '阿'.repeat(20));
    expect(device.frames.at(-1)!.message).toEqual({
      type: 'SHOW_IDENTITY',
      address: 3,
      staffNumber: '1001',
      name: '阿'.repeat(16),
    });
    await driver.stop();
  });

  it('stop(): pending commands fail, no more reconnects', async () => {
    const { timers, line, driver, opens } = setup();
    const device = await rawDevice(line, timers);
    driver.start();
    await timers.advance(0);
    device.answer = () => null;
    const pending = outcome(driver.setState(3, 1));
    await driver.stop();
    await settle();
    expect(pending.error).toMatchObject({ code: 'STOPPED' });
    await timers.advance(60_000);
    expect(opens).toHaveLength(1);
    expect(line).toBeDefined();
  });
});

describe('EvaluatorDriver (ascii-keypad, memory line)', () => {
  it('never writes; surfaces mapped keys; noise is counted; ok once the line opens', async () => {
    const { timers, line, driver, health } = setup({ protocol: 'ascii-keypad' });
    const keypad = await line.openB();
    let written = 0;
    keypad.onData((chunk) => (written += chunk.length));
    const keys: unknown[] = [];
    driver.onKeyPress((k) => keys.push(k));
    driver.start();
    await timers.advance(0);
    expect(health.map((h) => [h.address, h.state, h.message])).toEqual([[0, 'ok', '评价键盘已连接']]);
    await driver.startRating(0, 1, 30);
    await driver.cancelRating(0, 1);
    await driver.setState(0, 1);
    expect(await driver.ping(0)).toBeNull();
    await keypad.write(Uint8Array.from(Buffer.from('4\r\n9')));
    await timers.advance(0);
    expect(keys).toEqual([{ address: 0, key: 0x34, level: 4 }]);
    expect(driver.counts().keypad).toEqual({ keys: 1, noise: 3 });
    await timers.advance(10_000);
    expect(written).toBe(0);
    await driver.stop();
  });
});
