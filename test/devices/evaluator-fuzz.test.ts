// Fuzz (seeded, repeatable): well over 100k random, valid and mutated frames,
// cut at random points, through the ft12 decoders and the rating sessions.
// Nothing throws; every frame that comes out is valid; no rating without an
// open session, none lost for an open one, never two for one session.
import { describe, expect, it } from 'vitest';
import type { TimerHandle, Timers } from '../../main/devices/evaluator/clock.ts';
import {
  createFt12Decoder,
  encodeDeviceMessage,
  encodeHostMessage,
  parseDeviceFrame,
  parseHostFrame,
  type DeviceMessage,
  type Ft12Decoder,
  type HostMessage,
} from '../../main/devices/evaluator/ft12.ts';
import { RatingSessions, type SessionOutcome } from '../../main/devices/evaluator/sessions.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

/** A synchronous hand-driven clock (the fuzz loop cannot await per step). */
class SyncTimers implements Timers {
  time = 0;
  private id = 0;
  private readonly due = new Map<number, { at: number; run: () => void }>();
  now = () => this.time;
  setTimeout = (run: () => void, ms: number): TimerHandle => {
    this.due.set(++this.id, { at: this.time + ms, run });
    return this.id;
  };
  clearTimeout = (handle: TimerHandle) => void this.due.delete(handle as number);
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; run: () => void }] | null = null;
      for (const entry of this.due)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].run();
    }
    this.time = end;
  }
}

type Random = () => number;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]) => items[Math.floor(random() * items.length)]!;

function randomDeviceMessage(random: Random, sessionIds: () => number): DeviceMessage {
  const address = int(random, 1, 6);
  switch (int(random, 0, 9)) {
    case 0:
      return {
        type: 'PING_ANSWER',
        address,
        model: int(random, 0, 255),
        firmware: { major: int(random, 0, 9), minor: int(random, 0, 99) },
      };
    case 1:
      return { type: 'SHOW_IDENTITY_ANSWER', address };
    case 2:
      return { type: 'START_RATING_ANSWER', address, sessionId: sessionIds() };
    case 3:
      return { type: 'CANCEL_RATING_ANSWER', address, sessionId: sessionIds() };
    case 4:
      return { type: 'SET_STATE_ANSWER', address, state: pick(random, [0, 1, 2] as const) };
    case 5:
      return { type: 'KEY', address, key: int(random, 0, 255) };
    case 6:
      return {
        type: 'NAK',
        address,
        rejected: int(random, 0, 255),
        reason: pick(random, [1, 2, 3, 4] as const),
      };
    default:
      return {
        type: 'RESULT',
        address,
        sessionId: sessionIds(),
        level: pick(random, [1, 2, 3, 4, 5] as const),
      };
  }
}

function randomHostMessage(random: Random): HostMessage {
  const address = pick(random, [1, 2, 3, 250, 255]);
  switch (int(random, 0, 5)) {
    case 0:
      return { type: 'PING', address };
    case 1:
      return {
        type: 'SHOW_IDENTITY',
        address,
        staffNumber: String(int(random, 0, 99999)),
        name: Array.from({ length: int(random, 0, 16) }, () =>
          String.fromCharCode(int(random, 0x4e00, 0x9fa5)),
        ).join(''),
      };
    case 2:
      return {
        type: 'START_RATING',
        address,
        sessionId: int(random, 0, 0xffffffff),
        limitSeconds: int(random, 5, 255),
      };
    case 3:
      return { type: 'CANCEL_RATING', address, sessionId: int(random, 0, 0xffffffff) };
    case 4:
      return { type: 'SET_STATE', address, state: pick(random, [0, 1, 2] as const) };
    default:
      return { type: 'ACK_RESULT', address, sessionId: int(random, 0, 0xffffffff) };
  }
}

/** A frame with a correct checksum around anything at all (encodeFrame refuses bad addresses). */
function rawFrame(address: number, command: number, data: Uint8Array): Uint8Array {
  const body = [address, command, ...data];
  const sum = body.reduce((a, b) => (a + b) & 0xff, 0);
  return Uint8Array.from([0x68, body.length, body.length, 0x68, ...body, sum, 0x16]);
}

/** Damages a frame the ways a noisy RS-485 line and a buggy device do. */
function mutate(random: Random, frame: Uint8Array): Uint8Array {
  const bytes = [...frame];
  switch (int(random, 0, 8)) {
    case 0: // flip bits in one byte
      bytes[int(random, 0, bytes.length - 1)]! ^= int(random, 1, 255);
      break;
    case 1: // lose a byte
      bytes.splice(int(random, 0, bytes.length - 1), 1);
      break;
    case 2: // gain a byte
      bytes.splice(int(random, 0, bytes.length), 0, pick(random, [0x68, 0x16, int(random, 0, 255)]));
      break;
    case 3: // cut short
      bytes.length = int(random, 0, bytes.length - 1);
      break;
    case 4: // both L changed together
      bytes[1] = bytes[2] = int(random, 0, 255);
      break;
    case 5: // a valid frame around a bad value (level, state, reason…): checksum recomputed
      if (bytes.length > 8) {
        bytes[bytes.length - 3] = int(random, 0, 255);
        return rawFrame(bytes[4]!, bytes[5]!, Uint8Array.from(bytes.slice(6, -2)));
      }
      break;
    case 6: // an unknown or wrong-direction command, checksum recomputed
      return rawFrame(int(random, 1, 250), int(random, 0, 255), Uint8Array.from(bytes.slice(6, -2)));
    case 7: // a bad address, checksum recomputed
      return rawFrame(pick(random, [0, 251, 252, 254, 255]), bytes[5]!, Uint8Array.from(bytes.slice(6, -2)));
    default: // two frames glued with a byte missing in between
      return Uint8Array.from([...bytes.slice(0, -1), ...bytes]);
  }
  return Uint8Array.from(bytes);
}

function garbage(random: Random): Uint8Array {
  return Uint8Array.from({ length: int(random, 1, 24) }, () =>
    random() < 0.2 ? pick(random, [0x68, 0x16, 0x07, 0x21]) : int(random, 0, 255),
  );
}

/** Pushes bytes in 1–3 random cuts. */
function feed<M>(random: Random, decoder: Ft12Decoder<M>, bytes: Uint8Array, out: M[]): void {
  let at = 0;
  const cuts = int(random, 1, 3);
  for (let i = 1; i <= cuts; i++) {
    const end = i === cuts ? bytes.length : int(random, at, bytes.length);
    out.push(...decoder.push(bytes.subarray(at, end)).frames);
    at = end;
  }
}

describe('fuzz', () => {
  it('the host-side decoder and the rating sessions: 120k frames', () => {
    const random = createSeededRandom(0x5eed);
    const timers = new SyncTimers();
    const sessions = new RatingSessions({ timers, graceMs: 0 });
    const decoder = createFt12Decoder('device');

    // The model: what is open, what was closed, as the test sees it.
    const open = new Map<number, { address: number; deadline: number }>();
    const everClosed = new Set<number>();
    const outcomes = new Map<number, SessionOutcome>();
    sessions.onClose((outcome) => {
      expect(outcomes.has(outcome.sessionId)).toBe(false); // closed once
      expect(open.has(outcome.sessionId)).toBe(true); // only an open session closes
      if (outcome.status === 'not_rated')
        expect(timers.now()).toBeGreaterThanOrEqual(open.get(outcome.sessionId)!.deadline);
      outcomes.set(outcome.sessionId, outcome);
      open.delete(outcome.sessionId);
      everClosed.add(outcome.sessionId);
    });

    let nextSessionId = 1;
    // Mostly the sessions in use, some long closed, some never opened.
    const sessionIds = () =>
      Math.max(0, nextSessionId - (random() < 0.7 ? int(random, 1, 4) : int(random, -3, 40)));
    let accepted = 0;
    let intact = 0;
    let emitted = 0;
    const FRAMES = 120_000;

    for (let i = 0; i < FRAMES; i++) {
      // The counter's side of the story.
      const roll = random();
      if (roll < 0.03) {
        const address = int(random, 1, 4);
        if (![...open.values()].some((s) => s.address === address)) {
          const limitSeconds = int(random, 5, 20);
          const sessionId = nextSessionId++;
          sessions.open({ sessionId, address, limitSeconds });
          open.set(sessionId, { address, deadline: timers.now() + limitSeconds * 1000 });
        }
      } else if (roll < 0.04 && open.size > 0) {
        sessions.cancel(pick(random, [...open.keys()]));
      } else if (roll < 0.1) {
        timers.advance(int(random, 1, 3000));
      }

      // The line's side.
      const kind = random();
      const frame = encodeDeviceMessage(randomDeviceMessage(random, sessionIds));
      const bytes = kind < 0.45 ? frame : kind < 0.85 ? mutate(random, frame) : garbage(random);
      if (kind < 0.45) intact++;
      const frames: DeviceMessage[] = [];
      feed(random, decoder, bytes, frames);
      if (random() < 0.01) frames.push(...decoder.flush().frames);

      for (const message of frames) {
        emitted++;
        // Every frame that comes out is a valid one: it encodes back to itself.
        const again = parseDeviceFrame({
          address: message.address,
          command: encodeDeviceMessage(message)[5]!,
          data: encodeDeviceMessage(message).slice(6, -2),
        });
        expect(again).toEqual({ ok: true, message });
        if (message.type !== 'RESULT') continue;
        expect(message.level >= 1 && message.level <= 5).toBe(true);
        const wasOpen = open.get(message.sessionId);
        const verdict = sessions.offerResult(message);
        if (verdict === 'accepted') {
          accepted++;
          expect(wasOpen?.address).toBe(message.address); // no rating without an open session
        } else if (wasOpen && wasOpen.address === message.address) {
          throw new Error(`a valid RESULT for open session ${message.sessionId} was refused: ${verdict}`);
        } else {
          expect(
            verdict === 'repeat' || verdict === 'closed' ? everClosed.has(message.sessionId) : true,
          ).toBe(true);
        }
      }
    }
    decoder.flush();
    timers.advance(300_000);

    const rated = [...outcomes.values()].filter((o) => o.status === 'rated');
    expect(rated).toHaveLength(accepted);
    expect(open.size).toBe(0);
    expect(accepted).toBeGreaterThan(500); // the fuzz did reach the sessions
    expect(emitted).toBeGreaterThanOrEqual(intact * 0.99); // damage next to a frame rarely costs the frame
    const counts = decoder.counts();
    for (const reason of [
      'noise',
      'bad_length',
      'bad_checksum',
      'bad_end',
      'unknown_command',
      'bad_value',
      'bad_address',
    ] as const) {
      expect(counts[reason], reason).toBeGreaterThan(0);
    }
    expect(sessions.counts().not_rated).toBeGreaterThan(0);
  });

  it('the device-side decoder: 40k host frames, valid and mutated', () => {
    const random = createSeededRandom(42);
    const decoder = createFt12Decoder('host');
    let emitted = 0;
    for (let i = 0; i < 40_000; i++) {
      const kind = random();
      const frame =
        kind > 0.95 // SHOW_IDENTITY around arbitrary bytes: only canonical GB18030 text may come out
          ? rawFrame(
              3,
              0x10,
              Uint8Array.from({ length: int(random, 1, 40) }, () =>
                random() < 0.1 ? 0 : int(random, 0x30, 0xff),
              ),
            )
          : encodeHostMessage(randomHostMessage(random));
      const frames: HostMessage[] = [];
      feed(
        random,
        decoder,
        kind < 0.5 || kind > 0.95 ? frame : kind < 0.9 ? mutate(random, frame) : garbage(random),
        frames,
      );
      for (const message of frames) {
        emitted++;
        const bytes = encodeHostMessage(message);
        expect(parseHostFrame({ address: bytes[4]!, command: bytes[5]!, data: bytes.slice(6, -2) })).toEqual({
          ok: true,
          message,
        });
      }
    }
    expect(emitted).toBeGreaterThan(19_000);
  });

  it('pure garbage: 2 MB of random bytes in random cuts never throws and rarely yields a frame', () => {
    const random = createSeededRandom(7);
    const decoder = createFt12Decoder('device');
    const frames: DeviceMessage[] = [];
    for (let i = 0; i < 2000; i++) {
      const chunk = Uint8Array.from({ length: 1024 }, () => int(random, 0, 255));
      frames.push(...decoder.push(chunk).frames);
      expect(decoder.pending).toBeLessThan(260);
    }
    for (const message of frames)
      expect(
        parseDeviceFrame({
          address: message.address,
          command: encodeDeviceMessage(message)[5]!,
          data: encodeDeviceMessage(message).slice(6, -2),
        }).ok,
      ).toBe(true);
    expect(frames.length).toBeLessThan(50);
  });
});
