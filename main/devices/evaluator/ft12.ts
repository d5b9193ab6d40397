// The `ft12` evaluator protocol (../shared/protocols/evaluator-serial.md):
// FT1.2 variable-length frames `68 L L 68 A C D… CS 16` and the commands
// carried in them. Pure functions over bytes: no timers, no I/O. Timing,
// retries and reconnects belong to the driver (driver.ts).
import { decodeGb18030, encodeGb18030 } from '../gb18030.ts';
import { isRatingLevel, type RatingLevel } from './levels.ts';

export const FT12_START = 0x68;
export const FT12_END = 0x16;
export const BROADCAST_ADDRESS = 0xff;
export const MIN_ADDRESS = 1;
export const MAX_ADDRESS = 250;
/** L counts A … last data byte: 2 ≤ L ≤ 253. */
export const MIN_L = 2;
export const MAX_L = 253;
export const MAX_DATA_BYTES = MAX_L - 2;
export const MAX_TEXT_BYTES = 32;
export const MIN_LIMIT_SECONDS = 5;
export const MAX_LIMIT_SECONDS = 255;

/** Command codes. A device answers a host command C with C | 0x80. */
export const Ft12Command = {
  PING: 0x01,
  SHOW_IDENTITY: 0x10,
  START_RATING: 0x11,
  CANCEL_RATING: 0x12,
  SET_STATE: 0x13,
  ACK_RESULT: 0xa1,
  PING_ANSWER: 0x81,
  SHOW_IDENTITY_ANSWER: 0x90,
  START_RATING_ANSWER: 0x91,
  CANCEL_RATING_ANSWER: 0x92,
  SET_STATE_ANSWER: 0x93,
  RESULT: 0x21,
  KEY: 0x22,
  NAK: 0x2f,
} as const;
export type Ft12CommandName = keyof typeof Ft12Command;

/** NAK reasons: 1 bad checksum, 2 bad length, 3 unknown command, 4 no such session. */
export const NakReason = { BAD_CHECKSUM: 1, BAD_LENGTH: 2, UNKNOWN_COMMAND: 3, NO_SUCH_SESSION: 4 } as const;
export type NakReason = 1 | 2 | 3 | 4;

/** SET_STATE: 0 idle/welcome, 1 serving, 2 paused. */
export const DisplayState = { IDLE: 0, SERVING: 1, PAUSED: 2 } as const;
export type DisplayState = 0 | 1 | 2;

export interface Ft12Frame {
  address: number;
  command: number;
  data: Uint8Array;
}

/** Host → device. */
export type HostMessage =
  | { type: 'PING'; address: number }
  | { type: 'SHOW_IDENTITY'; address: number; staffNumber: string; name: string }
  | { type: 'START_RATING'; address: number; sessionId: number; limitSeconds: number }
  | { type: 'CANCEL_RATING'; address: number; sessionId: number }
  | { type: 'SET_STATE'; address: number; state: DisplayState }
  | { type: 'ACK_RESULT'; address: number; sessionId: number };

/** Device → host. */
export type DeviceMessage =
  | { type: 'PING_ANSWER'; address: number; model: number; firmware: { major: number; minor: number } }
  | { type: 'SHOW_IDENTITY_ANSWER'; address: number }
  | { type: 'START_RATING_ANSWER'; address: number; sessionId: number }
  | { type: 'CANCEL_RATING_ANSWER'; address: number; sessionId: number }
  | { type: 'SET_STATE_ANSWER'; address: number; state: DisplayState }
  | { type: 'RESULT'; address: number; sessionId: number; level: RatingLevel }
  | { type: 'KEY'; address: number; key: number }
  | { type: 'NAK'; address: number; rejected: number; reason: NakReason };

export type Ft12Message = HostMessage | DeviceMessage;

// ---------------------------------------------------------------------------
// Framing

export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return sum;
}

const isByte = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xff;

/** `68 L L 68 A C D… CS 16`. Throws RangeError on an address, command or data length the frame cannot carry. */
export function encodeFrame(
  address: number,
  command: number,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  if (!isValidAddress(address, true))
    throw new RangeError(`ft12: address ${address} outside 1–250 and not broadcast`);
  if (!isByte(command)) throw new RangeError(`ft12: command ${command} is not a byte`);
  if (data.length > MAX_DATA_BYTES)
    throw new RangeError(`ft12: ${data.length} data bytes, at most ${MAX_DATA_BYTES}`);
  const length = data.length + 2;
  const frame = new Uint8Array(length + 6);
  frame[0] = FT12_START;
  frame[1] = length;
  frame[2] = length;
  frame[3] = FT12_START;
  frame[4] = address;
  frame[5] = command;
  frame.set(data, 6);
  frame[length + 4] = checksum(frame, 4, length + 4);
  frame[length + 5] = FT12_END;
  return frame;
}

export function isValidAddress(address: number, allowBroadcast: boolean): boolean {
  return (
    Number.isInteger(address) &&
    ((address >= MIN_ADDRESS && address <= MAX_ADDRESS) || (allowBroadcast && address === BROADCAST_ADDRESS))
  );
}

// ---------------------------------------------------------------------------
// Commands: builders

function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`ft12: session id ${value} is not a u32`);
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

function readU32(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) >>> 0) + (data[at + 1]! << 16) + (data[at + 2]! << 8) + data[at + 3]!;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function text(value: string, field: string): Uint8Array {
  const bytes = encodeGb18030(value);
  if (bytes.length > MAX_TEXT_BYTES)
    throw new RangeError(`ft12: ${field} is ${bytes.length} GB18030 bytes, at most ${MAX_TEXT_BYTES}`);
  if (bytes.includes(0)) throw new RangeError(`ft12: ${field} contains NUL`);
  return bytes;
}

function byteIn(value: number, min: number, max: number, what: string): Uint8Array {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`ft12: ${what} ${value} outside ${min}–${max}`);
  return Uint8Array.of(value);
}

export function encodeHostMessage(message: HostMessage): Uint8Array {
  const { address } = message;
  switch (message.type) {
    case 'PING':
      return encodeFrame(address, Ft12Command.PING);
    case 'SHOW_IDENTITY':
      return encodeFrame(
        address,
        Ft12Command.SHOW_IDENTITY,
        concat(text(message.staffNumber, 'staff number'), Uint8Array.of(0), text(message.name, 'name')),
      );
    case 'START_RATING':
      return encodeFrame(
        address,
        Ft12Command.START_RATING,
        concat(
          u32(message.sessionId),
          byteIn(message.limitSeconds, MIN_LIMIT_SECONDS, MAX_LIMIT_SECONDS, 'time limit'),
        ),
      );
    case 'CANCEL_RATING':
      return encodeFrame(address, Ft12Command.CANCEL_RATING, u32(message.sessionId));
    case 'SET_STATE':
      return encodeFrame(address, Ft12Command.SET_STATE, byteIn(message.state, 0, 2, 'state'));
    case 'ACK_RESULT':
      return encodeFrame(address, Ft12Command.ACK_RESULT, u32(message.sessionId));
  }
}

export function encodeDeviceMessage(message: DeviceMessage): Uint8Array {
  const { address } = message;
  if (!isValidAddress(address, false))
    throw new RangeError(`ft12: a device answers from 1–250, not ${address}`);
  switch (message.type) {
    case 'PING_ANSWER':
      return encodeFrame(
        address,
        Ft12Command.PING_ANSWER,
        concat(
          byteIn(message.model, 0, 255, 'model'),
          byteIn(message.firmware.major, 0, 255, 'firmware major'),
          byteIn(message.firmware.minor, 0, 255, 'firmware minor'),
        ),
      );
    case 'SHOW_IDENTITY_ANSWER':
      return encodeFrame(address, Ft12Command.SHOW_IDENTITY_ANSWER);
    case 'START_RATING_ANSWER':
      return encodeFrame(address, Ft12Command.START_RATING_ANSWER, u32(message.sessionId));
    case 'CANCEL_RATING_ANSWER':
      return encodeFrame(address, Ft12Command.CANCEL_RATING_ANSWER, u32(message.sessionId));
    case 'SET_STATE_ANSWER':
      return encodeFrame(address, Ft12Command.SET_STATE_ANSWER, byteIn(message.state, 0, 2, 'state'));
    case 'RESULT':
      return encodeFrame(
        address,
        Ft12Command.RESULT,
        concat(u32(message.sessionId), byteIn(message.level, 1, 5, 'level')),
      );
    case 'KEY':
      return encodeFrame(address, Ft12Command.KEY, byteIn(message.key, 0, 255, 'key'));
    case 'NAK':
      return encodeFrame(
        address,
        Ft12Command.NAK,
        concat(
          byteIn(message.rejected, 0, 255, 'rejected command'),
          byteIn(message.reason, 1, 4, 'NAK reason'),
        ),
      );
  }
}

/** The answer code a device sends for a host command, or null (ACK_RESULT has none). */
export function answerCode(command: number): number | null {
  return command === Ft12Command.ACK_RESULT ? null : command | 0x80;
}

// ---------------------------------------------------------------------------
// Commands: parsers

/** Why a frame was not accepted. Every drop is counted by its reason. */
export type Ft12DropReason =
  /** Bytes outside any frame (including a 68 that does not start a frame header). */
  | 'noise'
  /** The two L differ or lie outside 2–253, or L does not fit the command. */
  | 'bad_length'
  | 'bad_checksum'
  | 'bad_end'
  /** A partial frame given up on at flush() (the line went quiet mid-frame). */
  | 'incomplete'
  | 'bad_address'
  | 'unknown_command'
  /** A well-formed frame whose values are out of range (e.g. a RESULT level of 7). */
  | 'bad_value';

export const FT12_DROP_REASONS: readonly Ft12DropReason[] = [
  'noise',
  'bad_length',
  'bad_checksum',
  'bad_end',
  'incomplete',
  'bad_address',
  'unknown_command',
  'bad_value',
];

export type ParseResult<M> = { ok: true; message: M } | { ok: false; reason: Ft12DropReason };

const reject = (reason: Ft12DropReason) => ({ ok: false, reason }) as const;
const fixed = (data: Uint8Array, length: number) => data.length === length;

function displayState(value: number): DisplayState | null {
  return value === 0 || value === 1 || value === 2 ? value : null;
}

/**
 * GB18030 text that decodes and encodes back to the very same bytes (so a
 * decoded message always re-encodes to its frame), or null.
 */
function canonicalText(bytes: Uint8Array): string | null {
  try {
    const text = decodeGb18030(bytes);
    const again = encodeGb18030(text);
    return again.length === bytes.length && again.every((b, i) => b === bytes[i]) ? text : null;
  } catch {
    return null;
  }
}

/** A frame a device received (host → device). */
export function parseHostFrame(frame: Ft12Frame): ParseResult<HostMessage> {
  const { address, command, data } = frame;
  if (!isValidAddress(address, true)) return reject('bad_address');
  switch (command) {
    case Ft12Command.PING:
      return fixed(data, 0) ? { ok: true, message: { type: 'PING', address } } : reject('bad_length');
    case Ft12Command.SHOW_IDENTITY: {
      const nul = data.indexOf(0);
      if (nul < 0 || data.indexOf(0, nul + 1) >= 0) return reject('bad_value');
      if (nul > MAX_TEXT_BYTES || data.length - nul - 1 > MAX_TEXT_BYTES) return reject('bad_length');
      const staffNumber = canonicalText(data.subarray(0, nul));
      const name = canonicalText(data.subarray(nul + 1));
      if (staffNumber === null || name === null) return reject('bad_value');
      return { ok: true, message: { type: 'SHOW_IDENTITY', address, staffNumber, name } };
    }
    case Ft12Command.START_RATING: {
      if (!fixed(data, 5)) return reject('bad_length');
      const limitSeconds = data[4]!;
      if (limitSeconds < MIN_LIMIT_SECONDS) return reject('bad_value');
      return {
        ok: true,
        message: { type: 'START_RATING', address, sessionId: readU32(data, 0), limitSeconds },
      };
    }
    case Ft12Command.CANCEL_RATING:
      return fixed(data, 4)
        ? { ok: true, message: { type: 'CANCEL_RATING', address, sessionId: readU32(data, 0) } }
        : reject('bad_length');
    case Ft12Command.SET_STATE: {
      if (!fixed(data, 1)) return reject('bad_length');
      const state = displayState(data[0]!);
      return state === null
        ? reject('bad_value')
        : { ok: true, message: { type: 'SET_STATE', address, state } };
    }
    case Ft12Command.ACK_RESULT:
      return fixed(data, 4)
        ? { ok: true, message: { type: 'ACK_RESULT', address, sessionId: readU32(data, 0) } }
        : reject('bad_length');
    default:
      return reject('unknown_command');
  }
}

/** A frame the host received (device → host). */
export function parseDeviceFrame(frame: Ft12Frame): ParseResult<DeviceMessage> {
  const { address, command, data } = frame;
  if (!isValidAddress(address, false)) return reject('bad_address');
  switch (command) {
    case Ft12Command.PING_ANSWER:
      return fixed(data, 3)
        ? {
            ok: true,
            message: {
              type: 'PING_ANSWER',
              address,
              model: data[0]!,
              firmware: { major: data[1]!, minor: data[2]! },
            },
          }
        : reject('bad_length');
    case Ft12Command.SHOW_IDENTITY_ANSWER:
      return fixed(data, 0)
        ? { ok: true, message: { type: 'SHOW_IDENTITY_ANSWER', address } }
        : reject('bad_length');
    case Ft12Command.START_RATING_ANSWER:
      return fixed(data, 4)
        ? { ok: true, message: { type: 'START_RATING_ANSWER', address, sessionId: readU32(data, 0) } }
        : reject('bad_length');
    case Ft12Command.CANCEL_RATING_ANSWER:
      return fixed(data, 4)
        ? { ok: true, message: { type: 'CANCEL_RATING_ANSWER', address, sessionId: readU32(data, 0) } }
        : reject('bad_length');
    case Ft12Command.SET_STATE_ANSWER: {
      if (!fixed(data, 1)) return reject('bad_length');
      const state = displayState(data[0]!);
      return state === null
        ? reject('bad_value')
        : { ok: true, message: { type: 'SET_STATE_ANSWER', address, state } };
    }
    case Ft12Command.RESULT: {
      if (!fixed(data, 5)) return reject('bad_length');
      const level = data[4]!;
      if (!isRatingLevel(level)) return reject('bad_value');
      return { ok: true, message: { type: 'RESULT', address, sessionId: readU32(data, 0), level } };
    }
    case Ft12Command.KEY:
      return fixed(data, 1)
        ? { ok: true, message: { type: 'KEY', address, key: data[0]! } }
        : reject('bad_length');
    case Ft12Command.NAK: {
      if (!fixed(data, 2)) return reject('bad_length');
      const reason = data[1]!;
      if (reason < 1 || reason > 4) return reject('bad_value');
      return { ok: true, message: { type: 'NAK', address, rejected: data[0]!, reason: reason as NakReason } };
    }
    default:
      return reject('unknown_command');
  }
}

// ---------------------------------------------------------------------------
// Streaming decoder

export interface Ft12Drop {
  reason: Ft12DropReason;
  /** Bytes given up on. */
  bytes: number;
  /** Known when the frame header was intact: lets a device NAK the sender. */
  address?: number;
  command?: number;
}

export interface Ft12DecodeResult<M> {
  frames: M[];
  dropped: Ft12Drop[];
}

export type Ft12Counts = Record<Ft12DropReason | 'frames', number>;

export interface Ft12Decoder<M> {
  /** Feeds bytes as they arrive; returns the frames they complete and what was dropped. */
  push(chunk: Uint8Array): Ft12DecodeResult<M>;
  /**
   * The line went quiet: gives up on a partial frame (dropped as 'incomplete')
   * and decodes whatever followed its start byte.
   */
  flush(): Ft12DecodeResult<M>;
  /** Bytes held back, waiting for the rest of a frame. */
  readonly pending: number;
  /** Frames accepted and drops by reason since the decoder was made. */
  counts(): Ft12Counts;
}

/**
 * A streaming FT1.2 decoder. `from: 'device'` decodes what devices send (the
 * host's side), `from: 'host'` what the host sends (a device's side, e.g. the
 * simulator). Noise, wrong L, wrong CS, wrong end bytes, unknown C and bad
 * values are dropped and counted; the decoder resynchronises on the next 68.
 * Never throws on any input.
 */
export function createFt12Decoder(from: 'device'): Ft12Decoder<DeviceMessage>;
export function createFt12Decoder(from: 'host'): Ft12Decoder<HostMessage>;
export function createFt12Decoder(
  from: 'device' | 'host',
): Ft12Decoder<DeviceMessage> | Ft12Decoder<HostMessage> {
  return from === 'device' ? createDecoder(parseDeviceFrame) : createDecoder(parseHostFrame);
}

function createDecoder<M>(parse: (frame: Ft12Frame) => ParseResult<M>): Ft12Decoder<M> {
  let buffer = new Uint8Array(0);
  let coveredCarry = 0; // bytes at the head of `buffer` that belong to an already reported drop
  const counts = Object.fromEntries([...FT12_DROP_REASONS, 'frames'].map((k) => [k, 0])) as Ft12Counts;

  function scan(final: boolean): Ft12DecodeResult<M> {
    const frames: M[] = [];
    const dropped: Ft12Drop[] = [];
    const buf = buffer;
    const n = buf.length;
    let i = 0;
    // Bytes below `covered` already belong to a reported drop: a rescan
    // inside a dropped frame does not report them again as noise.
    let covered = coveredCarry;
    let noiseFrom = -1;

    const drop = (entry: Ft12Drop) => {
      counts[entry.reason]++;
      dropped.push(entry);
    };
    const endNoise = (at: number) => {
      if (noiseFrom < 0) return;
      const from = Math.max(noiseFrom, covered);
      if (at > from) drop({ reason: 'noise', bytes: at - from });
      noiseFrom = -1;
    };
    const noiseByte = () => {
      if (noiseFrom < 0) noiseFrom = i;
      i++;
    };

    while (i < n) {
      if (buf[i] !== FT12_START) {
        noiseByte();
        continue;
      }
      if (n - i < 4) {
        if (final) {
          noiseByte();
          continue;
        }
        break;
      }
      const l1 = buf[i + 1]!;
      const l2 = buf[i + 2]!;
      if (buf[i + 3] !== FT12_START) {
        noiseByte();
        continue;
      }
      if (l1 !== l2 || l1 < MIN_L || l1 > MAX_L) {
        endNoise(i);
        drop({ reason: 'bad_length', bytes: 4 });
        covered = Math.max(covered, i + 4);
        i++;
        continue;
      }
      const total = l1 + 6;
      if (n - i < total) {
        if (final) {
          endNoise(i);
          drop({ reason: 'incomplete', bytes: n - i, address: buf[i + 4], command: buf[i + 5] });
          covered = n;
          i++;
          continue;
        }
        break;
      }
      endNoise(i);
      const address = buf[i + 4]!;
      const command = buf[i + 5]!;
      const csAt = i + 4 + l1;
      if (checksum(buf, i + 4, csAt) !== buf[csAt] || buf[csAt + 1] !== FT12_END) {
        // Frame boundaries cannot be trusted: rescan from the next byte.
        drop({
          reason: buf[csAt] === checksum(buf, i + 4, csAt) ? 'bad_end' : 'bad_checksum',
          bytes: total,
          address,
          command,
        });
        covered = Math.max(covered, i + total);
        i++;
        continue;
      }
      const parsed = parse({ address, command, data: buf.slice(i + 6, csAt) });
      if (parsed.ok) {
        counts.frames++;
        frames.push(parsed.message);
      } else {
        drop({ reason: parsed.reason, bytes: total, address, command });
      }
      i += total;
      covered = Math.max(covered, i);
    }
    endNoise(i);
    coveredCarry = Math.max(0, covered - i);
    buffer = buf.slice(i);
    return { frames, dropped };
  }

  return {
    push(chunk) {
      if (chunk.length === 0) return { frames: [], dropped: [] };
      const next = new Uint8Array(buffer.length + chunk.length);
      next.set(buffer, 0);
      next.set(chunk, buffer.length);
      buffer = next;
      return scan(false);
    },
    flush() {
      return scan(true);
    },
    get pending() {
      return buffer.length;
    },
    counts() {
      return { ...counts };
    },
  };
}

// ---------------------------------------------------------------------------

/** `68 07 07 68 …` — for logs and the simulator's console. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/** Parses `68 07 07 68 …` (spaces optional) into bytes; for tests and tools. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new RangeError(`not hex: ${hex}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
