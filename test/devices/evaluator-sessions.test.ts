// Rating sessions on a hand-driven clock: one rating per session, 未评价 on
// the time limit (never a good rating), cancel, two channels.
import { describe, expect, it } from 'vitest';
import type { RatingLevel } from '../../main/devices/evaluator/levels.ts';
import { newSessionId, RatingSessions, type SessionOutcome } from '../../main/devices/evaluator/sessions.ts';
import { ManualTimers } from './evaluator-manual-timers.ts';

function setup(options: { graceMs?: number; failStart?: boolean } = {}) {
  const timers = new ManualTimers();
  const sent: string[] = [];
  const device = {
    async startRating(address: number, sessionId: number, limitSeconds: number) {
      sent.push(`start ${address} ${sessionId} ${limitSeconds}`);
      if (options.failStart) throw new Error('评价器（地址 3）无应答');
    },
    async cancelRating(address: number, sessionId: number) {
      sent.push(`cancel ${address} ${sessionId}`);
    },
  };
  const sessions = new RatingSessions({ timers, device, graceMs: options.graceMs ?? 1000 });
  const closed: SessionOutcome[] = [];
  sessions.onClose((outcome) => closed.push(outcome));
  return { timers, sessions, sent, closed };
}

describe('RatingSessions', () => {
  it('accepts the first result for an open session and ignores repeats, unknown and other sessions', async () => {
    const { sessions, sent, closed } = setup();
    const { outcome, deviceReady } = sessions.open({ sessionId: 42, address: 3, limitSeconds: 30 });
    expect(await deviceReady).toEqual({ ok: true });
    expect(sent).toEqual(['start 3 42 30']);
    expect(sessions.offerResult({ sessionId: 41, address: 3, level: 5 })).toBe('unknown');
    expect(sessions.offerResult({ sessionId: 42, address: 4, level: 5 })).toBe('wrong_address');
    expect(sessions.offerResult({ sessionId: 42, address: 3, level: 9 })).toBe('invalid');
    expect(sessions.offerResult({ sessionId: 42, address: 3, level: 4 })).toBe('accepted');
    for (let i = 0; i < 4; i++)
      expect(sessions.offerResult({ sessionId: 42, address: 3, level: 4 })).toBe('repeat');
    expect(sessions.offerResult({ sessionId: 42, address: 3, level: 1 })).toBe('repeat');
    expect(await outcome).toMatchObject({
      status: 'rated',
      sessionId: 42,
      address: 3,
      level: 4,
      channel: 'evaluator',
    });
    expect(closed).toHaveLength(1);
    expect(sessions.counts()).toMatchObject({
      opened: 1,
      accepted: 1,
      repeat: 5,
      unknown: 1,
      wrong_address: 1,
      invalid: 1,
    });
  });

  it('closes as not rated (未评价) when the limit and the grace pass — and a later result changes nothing', async () => {
    const { sessions, timers, closed } = setup({ graceMs: 1000 });
    const { outcome } = sessions.open({ sessionId: 7, address: 3, limitSeconds: 5 });
    await timers.advance(5999);
    expect(sessions.isOpen(7)).toBe(true);
    // A press just before the device's own limit, still on its way, counts.
    await timers.advance(1);
    expect(await outcome).toEqual({ status: 'not_rated', sessionId: 7, address: 3, at: 6000 });
    expect(sessions.offerResult({ sessionId: 7, address: 3, level: 5 })).toBe('closed');
    expect(closed.map((c) => c.status)).toEqual(['not_rated']);
    expect(timers.pending).toBe(0);
  });

  it('a result in the grace period still counts', async () => {
    const { sessions, timers } = setup({ graceMs: 1000 });
    const { outcome } = sessions.open({ sessionId: 8, address: 3, limitSeconds: 5 });
    await timers.advance(5500);
    expect(sessions.offerResult({ sessionId: 8, address: 3, level: 3 })).toBe('accepted');
    expect((await outcome).status).toBe('rated');
    await timers.advance(10_000);
    expect(sessions.counts().not_rated).toBe(0);
  });

  it('cancel closes at once, sends CANCEL_RATING, and a late result is ignored', async () => {
    const { sessions, sent } = setup();
    const { outcome } = sessions.open({ sessionId: 9, address: 3, limitSeconds: 60 });
    const cancelled = sessions.cancel(9);
    expect(cancelled.wasOpen).toBe(true);
    expect(await cancelled.deviceDone).toEqual({ ok: true });
    expect(sent).toEqual(['start 3 9 60', 'cancel 3 9']);
    expect(await outcome).toMatchObject({ status: 'cancelled', sessionId: 9 });
    expect(sessions.offerResult({ sessionId: 9, address: 3, level: 5 })).toBe('closed');
    expect(sessions.cancel(9).wasOpen).toBe(false);
  });

  it('one open session per address; an id is never reused; limits 5–255 s', () => {
    const { sessions } = setup();
    sessions.open({ sessionId: 1, address: 3, limitSeconds: 60 });
    expect(() => sessions.open({ sessionId: 2, address: 3, limitSeconds: 60 })).toThrow(/已有进行中的评价/);
    sessions.open({ sessionId: 2, address: 4, limitSeconds: 60 });
    sessions.cancel(1);
    expect(() => sessions.open({ sessionId: 1, address: 3, limitSeconds: 60 })).toThrow(/已使用过/);
    expect(() => sessions.open({ sessionId: 3, address: 3, limitSeconds: 4 })).toThrow(RangeError);
    expect(() => sessions.open({ sessionId: 3, address: 3, limitSeconds: 256 })).toThrow(RangeError);
    expect(() => sessions.open({ sessionId: 2 ** 32, address: 3, limitSeconds: 60 })).toThrow(RangeError);
  });

  it('a keypad press counts only while a session is open on that address; the first one closes it', async () => {
    const { sessions } = setup();
    expect(sessions.offerKey({ address: 0, level: 5 })).toBe('unknown');
    const { outcome } = sessions.open({ sessionId: 10, address: 0, limitSeconds: 60 });
    expect(sessions.offerKey({ address: 1, level: 5 })).toBe('unknown');
    expect(sessions.offerKey({ address: 0, level: 2 })).toBe('accepted');
    expect(sessions.offerKey({ address: 0, level: 5 })).toBe('unknown');
    expect(await outcome).toMatchObject({ status: 'rated', level: 2 });
  });

  it('touch and keypad: whichever answers first wins, and the channel is recorded', async () => {
    const { sessions } = setup();
    const { outcome } = sessions.open({ sessionId: 11, address: 3, limitSeconds: 60 });
    expect(sessions.offerResult({ sessionId: 11, level: 5, channel: 'touch' })).toBe('accepted');
    expect(sessions.offerResult({ sessionId: 11, address: 3, level: 1, channel: 'evaluator' })).toBe(
      'repeat',
    );
    expect(await outcome).toMatchObject({ status: 'rated', level: 5, channel: 'touch' });
  });

  it('a device that does not answer START_RATING leaves the session open for touch, and says so', async () => {
    const { sessions, timers } = setup({ failStart: true });
    const { outcome, deviceReady } = sessions.open({ sessionId: 12, address: 3, limitSeconds: 5 });
    const ready = await deviceReady;
    expect(ready.ok).toBe(false);
    expect(!ready.ok && ready.error.message).toBe('评价器（地址 3）无应答');
    expect(sessions.isOpen(12)).toBe(true);
    await timers.advance(60_000);
    expect((await outcome).status).toBe('not_rated');
  });

  it('feeds from a driver: results and mapped keys, not unmapped KEY frames', async () => {
    const { sessions } = setup();
    const listeners: {
      result?: (r: { address: number; sessionId: number; level: RatingLevel }) => void;
      key?: (k: { address: number; level: RatingLevel | null }) => void;
    } = {};
    const detach = sessions.attach({
      onResult: (l) => ((listeners.result = l), () => delete listeners.result),
      onKeyPress: (l) => ((listeners.key = l), () => delete listeners.key),
    });
    const a = sessions.open({ sessionId: 20, address: 3, limitSeconds: 60 });
    const b = sessions.open({ sessionId: 21, address: 0, limitSeconds: 60 });
    listeners.key!({ address: 0, level: null });
    expect(sessions.isOpen(21)).toBe(true);
    listeners.result!({ address: 3, sessionId: 20, level: 1 });
    listeners.key!({ address: 0, level: 3 });
    expect(await a.outcome).toMatchObject({ level: 1, channel: 'evaluator' });
    expect(await b.outcome).toMatchObject({ level: 3 });
    detach();
    expect(listeners).toEqual({});
  });

  it('session ids are random non-zero u32', () => {
    expect(newSessionId(() => 0)).toBe(1);
    expect(newSessionId(() => 0.999999999999)).toBe(0xfffffffe);
    const id = newSessionId();
    expect(Number.isInteger(id) && id >= 1 && id <= 0xffffffff).toBe(true);
  });
});
