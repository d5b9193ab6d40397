// Driver ⇄ simulator over REAL serial lines: socat pty pairs, serialport 13
// on both ends, real timers. The driver and the rating sessions are wired as
// the counter will wire them; the simulator plays the citizen's keypad.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  EvaluatorDriver,
  type EvaluatorHealth,
  type EvaluatorKeyPress,
} from '../../main/devices/evaluator/driver.ts';
import { encodeDeviceMessage, fromHex, toHex } from '../../main/devices/evaluator/ft12.ts';
import type { RatingLevel } from '../../main/devices/evaluator/levels.ts';
import { newSessionId, RatingSessions, type SessionOutcome } from '../../main/devices/evaluator/sessions.ts';
import { EvaluatorSimulator, type EvaluatorSimulatorOptions } from '../../sim/evaluator/simulator.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Rig {
  line: PtyPair;
  driver: EvaluatorDriver;
  sim: EvaluatorSimulator;
  simPort: BytePort;
  sessions: RatingSessions;
  health: EvaluatorHealth[];
  closed: SessionOutcome[];
  keys: EvaluatorKeyPress[];
  simLog: string[];
}

const rigs: Rig[] = [];

async function rig(
  options: {
    protocol?: 'ft12' | 'ascii-keypad';
    addresses?: number[];
    sim?: EvaluatorSimulatorOptions;
    heartbeatMs?: number;
    waitHealthy?: boolean;
  } = {},
): Promise<Rig> {
  const protocol = options.protocol ?? 'ft12';
  const addresses = options.addresses ?? [3];
  const line = await startPtyPair();
  const simLog: string[] = [];
  const sim = new EvaluatorSimulator({ protocol, addresses, ...options.sim, log: (l) => simLog.push(l) });
  const simPort = await openSerialPort({ path: line.b });
  sim.attach(simPort);
  const driver = new EvaluatorDriver({
    open: () => openSerialPort({ path: line.a }),
    protocol,
    addresses,
    heartbeatMs: options.heartbeatMs ?? 0,
  });
  const sessions = new RatingSessions({ device: driver, graceMs: 200 });
  sessions.attach(driver);
  const r: Rig = { line, driver, sim, simPort, sessions, health: [], closed: [], keys: [], simLog };
  driver.onHealth((h) => r.health.push(h));
  driver.onKeyPress((k) => r.keys.push(k));
  sessions.onClose((o) => r.closed.push(o));
  rigs.push(r);
  driver.start();
  if (options.waitHealthy !== false) {
    await waitFor(() => driver.healthAll().every((h) => h.state === 'ok'), 'the evaluator to answer PING');
  }
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.sessions.dispose();
    r.sim.stop();
    await r.driver.stop();
    r.sim.detach();
    await r.simPort.close();
    await r.line.close();
  }
});
afterAll(closeAllPtyPairs);

/** Opens a session on the device and waits for its START_RATING answer. */
async function openRated(r: Rig, address = 3, limitSeconds = 30) {
  const sessionId = newSessionId();
  const { outcome, deviceReady } = r.sessions.open({ sessionId, address, limitSeconds });
  expect(await deviceReady).toEqual({ ok: true });
  return { sessionId, outcome };
}

describe('evaluator over a pty pair (ft12)', () => {
  it('a full session per level, 非常不满意 … 非常满意: one rating each, each acknowledged', async () => {
    const r = await rig();
    expect(r.simLog.some((l) => l.includes('收到 PING'))).toBe(true);
    for (const level of [1, 2, 3, 4, 5] as RatingLevel[]) {
      const { sessionId, outcome } = await openRated(r);
      expect(r.sim.device(3).session).toMatchObject({ sessionId, limitSeconds: 30, pressed: null });
      expect(r.sim.press(level)).toBe(true);
      expect(await outcome).toMatchObject({
        status: 'rated',
        sessionId,
        address: 3,
        level,
        channel: 'evaluator',
      });
      await waitFor(() => r.sim.device(3).session === null, 'the device to take the ACK');
    }
    expect(r.closed.map((c) => (c.status === 'rated' ? c.level : c.status))).toEqual([1, 2, 3, 4, 5]);
    // On a loaded machine an ACK may come after the device's 500 ms resend: more RESULTs, still five ratings.
    const { resultsSent, acksReceived, naksSent } = r.sim.counts();
    expect(resultsSent).toBeGreaterThanOrEqual(5);
    expect(acksReceived).toBeGreaterThanOrEqual(5);
    expect(naksSent).toBe(0);
    expect(r.driver.counts()).toMatchObject({ results: resultsSent, acksSent: resultsSent });
    expect(r.sessions.counts().accepted).toBe(5);
  });

  it('the device resends RESULT 5 times: every one acknowledged, exactly one rating', async () => {
    const r = await rig({ sim: { ignoreAck: true, resendMs: 100 } });
    const { outcome } = await openRated(r);
    r.sim.press(4);
    expect(await outcome).toMatchObject({ status: 'rated', level: 4 });
    await waitFor(() => r.driver.counts().acksSent === 5, 'five ACKs');
    await waitFor(() => r.sim.device(3).session === null, 'the device to stop resending');
    expect(r.sim.counts()).toMatchObject({ resultsSent: 5, acksReceived: 5 });
    expect(r.driver.counts().results).toBe(5);
    expect(r.sessions.counts()).toMatchObject({ accepted: 1, repeat: 4 });
    expect(r.closed).toHaveLength(1);
  });

  it('noise and split frames between and inside frames: every rating still right', async () => {
    const r = await rig({ sim: { splitWrites: true, noiseRate: 1, random: createSeededRandom(11) } });
    for (const level of [5, 3, 1] as RatingLevel[]) {
      const { outcome } = await openRated(r);
      r.sim.press(level);
      expect(await outcome).toMatchObject({ status: 'rated', level });
    }
    // By hand: noise with start bytes, a header-shaped phantom, then a RESULT in three pieces.
    const { sessionId, outcome } = await openRated(r);
    const frame = encodeDeviceMessage({ type: 'RESULT', address: 3, sessionId, level: 2 });
    await r.sim.writeRaw(fromHex('00 68 FF 16 68 68 20 20 68 01'));
    await new Promise((resolve) => setTimeout(resolve, 80)); // the line goes quiet mid-"frame"
    await r.sim.writeRaw(frame.subarray(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.sim.writeRaw(frame.subarray(3, 9));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.sim.writeRaw(frame.subarray(9));
    expect(await outcome).toMatchObject({ status: 'rated', level: 2 });
    const counts = r.driver.counts().ft12;
    expect(counts.noise).toBeGreaterThan(3);
    expect(counts.incomplete).toBeGreaterThanOrEqual(1);
    expect(r.closed.map((c) => (c.status === 'rated' ? c.level : c.status))).toEqual([5, 3, 1, 2]);
  });

  it('a RESULT with a wrong checksum is dropped and counted: no rating, no ACK', async () => {
    const r = await rig();
    const { sessionId, outcome } = await openRated(r);
    const bad = encodeDeviceMessage({ type: 'RESULT', address: 3, sessionId, level: 5 });
    bad[11] = (bad[11]! + 1) & 0xff;
    await r.sim.writeRaw(bad);
    await waitFor(() => r.driver.counts().ft12.bad_checksum === 1, 'the bad frame to be counted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.sessions.isOpen(sessionId)).toBe(true);
    expect(r.driver.counts()).toMatchObject({ results: 0, acksSent: 0 });
    // The real press still counts afterwards.
    r.sim.press(3);
    expect(await outcome).toMatchObject({ status: 'rated', level: 3 });
  });

  it('the time limit passes: the device goes idle by itself and the session is 未评价, never a good rating', async () => {
    const r = await rig();
    const started = Date.now();
    const { sessionId, outcome } = await openRated(r, 3, 5);
    await waitFor(() => r.sim.device(3).session === null, 'the device to time out', 6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    // A key pressed after the limit is a KEY frame, not a rating.
    expect(r.sim.press(5)).toBe(false);
    expect(await outcome).toMatchObject({ status: 'not_rated', sessionId });
    await waitFor(() => r.keys.length === 1, 'the KEY frame');
    expect(r.keys[0]).toEqual({ address: 3, key: 5, level: null });
    expect(r.sessions.counts()).toMatchObject({ accepted: 0, not_rated: 1 });
    expect(r.driver.counts().results).toBe(0);
  });

  it('calling the next number cancels: CANCEL_RATING answered, a later press is not a rating', async () => {
    const r = await rig();
    const { sessionId, outcome } = await openRated(r);
    const cancelled = r.sessions.cancel(sessionId);
    expect(cancelled.wasOpen).toBe(true);
    expect(await cancelled.deviceDone).toEqual({ ok: true });
    expect(await outcome).toMatchObject({ status: 'cancelled', sessionId });
    expect(r.sim.device(3).session).toBeNull();
    expect(r.sim.press(4)).toBe(false);
    await waitFor(() => r.keys.length === 1, 'the KEY frame');
    // Cancelling again: the device says it has no such session; the driver takes that as done.
    expect(await r.driver.cancelRating(3, sessionId)).toBe('no_such_session');
    expect(r.sessions.counts().accepted).toBe(0);
  });

  it('socat killed mid-session and restarted: the clerk sees 未连接, the driver reconnects, PINGs, and the rating still lands', async () => {
    const r = await rig({ heartbeatMs: 1000 });
    const { sessionId, outcome } = await openRated(r, 3, 60);
    const pingsBefore = r.simLog.filter((l) => l.includes('收到 PING')).length;
    await r.line.kill('SIGKILL'); // the cable is pulled: both ptys vanish, the links dangle
    await waitFor(() => r.driver.health(3).state === 'unplugged', 'the driver to see the line go');
    await waitFor(() => !r.sim.attached, 'the device end to see the line go');
    const fault = r.driver.health(3);
    expect(fault.message).toMatch(/^评价器(连接中断|未连接).*：请检查串口线/);
    await expect(r.driver.setState(3, 1)).rejects.toMatchObject({ code: 'UNPLUGGED' });

    await r.line.restart();
    r.simPort = await openSerialPort({ path: r.line.b });
    r.sim.attach(r.simPort);
    await waitFor(() => r.driver.health(3).state === 'ok', 'the driver to reconnect', 8000);
    expect(r.simLog.filter((l) => l.includes('收到 PING')).length).toBeGreaterThan(pingsBefore);
    const states = r.health.map((h) => h.state);
    expect(states[0]).toBe('ok');
    expect(states).toContain('unplugged');
    expect(states.at(-1)).toBe('ok');
    expect(r.driver.counts().reconnects).toBe(1);

    // The session survived on both sides: the press is the rating.
    expect(r.sessions.isOpen(sessionId)).toBe(true);
    r.sim.press(5);
    expect(await outcome).toMatchObject({ status: 'rated', sessionId, level: 5 });
  });

  it('several addresses on one line: commands serialised, each rating tied to its device; a missing device is not answering', async () => {
    const r = await rig({ addresses: [3, 4, 7, 9], sim: { addresses: [3, 4, 7] }, waitHealthy: false });
    await waitFor(
      () => r.driver.healthAll().every((h) => h.state === (h.address === 9 ? 'not_answering' : 'ok')),
      'three devices ok and one not answering',
    );
    expect(r.driver.health(9).message).toBe('评价器（地址 9）无应答：请检查评价器的电源和接线，或联系管理员');
    const [a, b, c] = await Promise.all([openRated(r, 3), openRated(r, 4), openRated(r, 7)]);
    r.sim.press(1, 7);
    r.sim.press(5, 3);
    r.sim.press(3, 4);
    expect(await a!.outcome).toMatchObject({ status: 'rated', address: 3, level: 5 });
    expect(await b!.outcome).toMatchObject({ status: 'rated', address: 4, level: 3 });
    expect(await c!.outcome).toMatchObject({ status: 'rated', address: 7, level: 1 });
    const started = await r.sessions.open({ sessionId: newSessionId(), address: 9, limitSeconds: 30 })
      .deviceReady;
    expect(started.ok).toBe(false);
    expect(!started.ok && started.error).toMatchObject({ code: 'NOT_ANSWERING', address: 9 });
  });

  it('a line that corrupts, drops, splits and adds noise: never a wrong or a double rating', async () => {
    const r = await rig({
      sim: {
        corruptRate: 0.15,
        dropRate: 0.15,
        noiseRate: 0.3,
        splitWrites: true,
        resendMs: 100,
        random: createSeededRandom(2024),
      },
    });
    const random = createSeededRandom(99);
    let rated = 0;
    for (let i = 0; i < 10; i++) {
      const level = (1 + Math.floor(random() * 5)) as RatingLevel;
      const sessionId = newSessionId();
      const { outcome, deviceReady } = r.sessions.open({ sessionId, address: 3, limitSeconds: 30 });
      const ready = await deviceReady;
      if (ready.ok) {
        r.sim.press(level);
        await waitFor(
          () => r.sim.device(3).session === null || !r.sessions.isOpen(sessionId),
          'the press to end',
          3000,
        );
        await waitFor(() => r.sim.device(3).session === null, 'the device to finish resending', 3000);
      }
      if (r.sessions.isOpen(sessionId)) r.sessions.cancel(sessionId);
      const end = await outcome;
      if (end.status === 'rated') {
        rated++;
        expect(end.level).toBe(level);
      }
    }
    expect(r.closed.filter((c) => c.status === 'rated')).toHaveLength(rated);
    expect(rated).toBeGreaterThanOrEqual(6);
    expect(r.sim.counts().corrupted + r.sim.counts().droppedOnPurpose).toBeGreaterThan(0);
  });
});

describe('evaluator over a pty pair (ascii-keypad)', () => {
  it('nothing is sent to the keypad; a key counts only while a session is open, the first one closes it', async () => {
    const r = await rig({ protocol: 'ascii-keypad' });
    expect(r.driver.health(0)).toMatchObject({ state: 'ok', message: '评价键盘已连接' });
    r.sim.press(5); // no session: ignored
    await waitFor(() => r.keys.length === 1, 'the key');
    expect(r.sessions.counts().unknown).toBe(1);
    const { outcome, deviceReady } = r.sessions.open({
      sessionId: newSessionId(),
      address: 0,
      limitSeconds: 30,
    });
    expect(await deviceReady).toEqual({ ok: true });
    await r.sim.writeRaw(Uint8Array.from(Buffer.from('x\r\n')));
    r.sim.press(4);
    expect(await outcome).toMatchObject({ status: 'rated', level: 4, address: 0 });
    r.sim.press(1); // after the rating: ignored
    await waitFor(() => r.keys.length === 3, 'the last key');
    expect(r.closed).toHaveLength(1);
    expect(r.driver.counts().keypad).toEqual({ keys: 3, noise: 3 });
    expect(r.sim.counts().bytesReceived).toBe(0);
  });
});

describe('the simulator, spoken to with raw bytes over a pty', () => {
  it('answers per the protocol document, NAKs what it must, resends RESULT until the ACK', async () => {
    const line = await startPtyPair();
    const log: string[] = [];
    const sim = new EvaluatorSimulator({
      addresses: [3],
      model: 1,
      firmware: { major: 1, minor: 2 },
      log: (l) => log.push(l),
    });
    const simPort = await openSerialPort({ path: line.b });
    sim.attach(simPort);
    const host = await openSerialPort({ path: line.a });
    let received = '';
    host.onData((chunk) => (received += (received ? ' ' : '') + toHex(chunk)));
    const exchange = async (sendHex: string, expectHex: string | null) => {
      received = '';
      await host.write(fromHex(sendHex));
      if (expectHex === null) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        expect(received).toBe('');
      } else {
        await waitFor(() => received.length >= expectHex.length, `the answer ${expectHex}`, 2000);
        expect(received).toBe(expectHex);
      }
    };
    try {
      await exchange('68 02 02 68 03 01 04 16', '68 05 05 68 03 81 01 01 02 88 16'); // PING → model 1, fw 1.2
      await exchange('68 02 02 68 05 01 06 16', null); // another device's address: silence
      await exchange('68 07 07 68 03 11 00 00 00 2A 1E 5D 16', '68 04 04 68 03 2F 11 01 44 16'); // bad CS → NAK 1
      await exchange('68 07 07 68 03 11 00 00 00 2A 03 41 16', '68 04 04 68 03 2F 11 02 45 16'); // limit 3 s → NAK 2
      await exchange('68 02 02 68 03 55 58 16', '68 04 04 68 03 2F 55 03 8A 16'); // unknown command → NAK 3
      await exchange('68 06 06 68 03 12 00 00 00 2A 3F 16', '68 04 04 68 03 2F 12 04 48 16'); // no such session → NAK 4
      await exchange('68 03 03 68 FF 13 02 14 16', null); // broadcast SET_STATE: acted on, not answered
      expect(sim.device(3).state).toBe(2);
      await exchange('68 07 07 68 03 11 00 00 00 2A 1E 5C 16', '68 06 06 68 03 91 00 00 00 2A BE 16'); // the document's example
      received = '';
      sim.press(4);
      await waitFor(() => received.length >= 38, 'the RESULT', 2000);
      expect(received).toBe('68 07 07 68 03 21 00 00 00 2A 04 52 16');
      await waitFor(() => received.length > 38, 'a resend', 2000);
      await host.write(fromHex('68 06 06 68 03 A1 00 00 00 2A CE 16'));
      await waitFor(() => sim.device(3).session === null, 'the ACK to be taken');
      expect(sim.counts()).toMatchObject({ acksReceived: 1, naksSent: 4 });
      expect(sim.counts().resultsSent).toBeGreaterThanOrEqual(2);
      expect(log.some((l) => l.includes('按下 4 满意'))).toBe(true);
    } finally {
      sim.stop();
      await host.close();
      await simPort.close();
      await line.close();
    }
  });
});

describe('scripts/sim-evaluator.ts', () => {
  it('plays the device on a serial path: a digit typed on stdin is the citizen pressing that level', async () => {
    const line = await startPtyPair();
    const script = fileURLToPath(new URL('../../scripts/sim-evaluator.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [script, '--port', line.b, '--protocol', 'ft12', '--address', '3', '--fw', '2.7'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const driver = new EvaluatorDriver({
      open: () => openSerialPort({ path: line.a }),
      addresses: [3],
      heartbeatMs: 0,
    });
    const sessions = new RatingSessions({ device: driver });
    sessions.attach(driver);
    try {
      await waitFor(() => output.includes('评价器模拟器就绪'), 'the simulator to start', 10_000);
      driver.start();
      await waitFor(() => driver.health(3).state === 'ok', 'PING');
      expect(await driver.ping(3)).toEqual({ model: 1, firmware: { major: 2, minor: 7 } });
      const { outcome, deviceReady } = sessions.open({ sessionId: 0x2a, address: 3, limitSeconds: 30 });
      expect(await deviceReady).toEqual({ ok: true });
      child.stdin.write('4\n');
      expect(await outcome).toMatchObject({ status: 'rated', level: 4 });
      await waitFor(() => output.includes('收到评价确认'), 'the ACK to be printed');
      expect(output).toContain('开始评价：会话 42，时限 30 秒');
      expect(output).toContain('68 07 07 68 03 21 00 00 00 2A 04 52 16');
      expect(output).toContain('按下 4 满意');
      child.stdin.write('q\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      sessions.dispose();
      await driver.stop();
      await line.close();
    }
  });
});
