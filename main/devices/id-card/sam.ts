// The SAM frame protocol of the second-generation ID card reader
// (../shared/protocols/id-card-reader.md), as pure functions over bytes:
// the host's commands, and a streaming decoder for the reader's answers.
//
//   host → reader:  AA AA AA 96 69 | LEN (2, BE) | CMD PARA DATA… | CHK
//   reader → host:  AA AA AA 96 69 | LEN (2, BE) | SW1 SW2 SW3 DATA… | CHK
//
// LEN counts every byte after itself, CHK included; CHK is the XOR of LEN's
// two bytes and everything up to the last DATA byte. The same framing runs
// both ways, so the decoder reads either side (the simulator decodes the
// host's commands with it).

export const SAM_PREAMBLE = Uint8Array.of(0xaa, 0xaa, 0xaa, 0x96, 0x69);
/** Preamble + LEN. */
const HEADER = SAM_PREAMBLE.length + 2;
/** The smallest LEN: a command's CMD PARA CHK (an answer's is 4: SW1 SW2 SW3 CHK). */
export const MIN_FRAME_LEN = 3;
/** The longest frame we accept: the text + photo answer (LEN 05 08). Anything longer is a length error. */
export const MAX_FRAME_LEN = 0x0508;

export interface SamCommandCode {
  cmd: number;
  para: number;
}

/** The commands of the protocol note. */
export const SamCommand = {
  RESET_SAM: { cmd: 0x10, para: 0xff },
  SAM_STATUS: { cmd: 0x11, para: 0xff },
  READ_SAM_ID: { cmd: 0x12, para: 0xff },
  FIND_CARD: { cmd: 0x20, para: 0x01 },
  SELECT_CARD: { cmd: 0x20, para: 0x02 },
  READ_TEXT_PHOTO: { cmd: 0x30, para: 0x01 },
} as const satisfies Record<string, SamCommandCode>;
export type SamCommandName = keyof typeof SamCommand;

/** SW3 values. */
export const SamStatus = {
  OK: 0x90,
  CARD_FOUND: 0x9f,
  NO_CARD: 0x80,
  SELECT_FAILED: 0x81,
  READ_FAILED: 0x41,
  HOST_CHECKSUM: 0x10,
  HOST_LENGTH: 0x11,
  UNKNOWN_COMMAND: 0x21,
} as const;

/** SAM or card errors: reported with their code; the driver resets the SAM before trying again. */
export const SAM_ERROR_CODES: ReadonlySet<number> = new Set([0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x47, 0x60, 0x66]);

const xor = (bytes: Uint8Array, from: number, to: number) => {
  let chk = 0;
  for (let i = from; i < to; i++) chk ^= bytes[i]!;
  return chk;
};

/** One frame: preamble, LEN, `body` (CMD PARA DATA or SW1 SW2 SW3 DATA), CHK. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const len = body.length + 1;
  if (len > 0xffff) throw new RangeError('SAM frame too long');
  const frame = new Uint8Array(HEADER + len);
  frame.set(SAM_PREAMBLE, 0);
  frame[5] = len >> 8;
  frame[6] = len & 0xff;
  frame.set(body, HEADER);
  frame[frame.length - 1] = xor(frame, 5, frame.length - 1);
  return frame;
}

/** A host command: `encodeCommand(SamCommand.FIND_CARD)` → AA AA AA 96 69 00 03 20 01 22. */
export function encodeCommand(command: SamCommandCode, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(2 + data.length);
  body[0] = command.cmd;
  body[1] = command.para;
  body.set(data, 2);
  return encodeFrame(body);
}

/** A reader answer: SW1 SW2 are 00 00, `sw3` the status. */
export function encodeAnswer(sw3: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(3 + data.length);
  body[2] = sw3;
  body.set(data, 3);
  return encodeFrame(body);
}

/** A frame whose length and checksum were right: its body without LEN and CHK. */
export interface SamFrame {
  /** CMD PARA DATA (host side) or SW1 SW2 SW3 DATA (reader side). */
  body: Uint8Array;
}

export interface SamAnswer {
  sw1: number;
  sw2: number;
  sw3: number;
  data: Uint8Array;
}

export type SamDropReason = 'bad_checksum' | 'bad_length' | 'noise' | 'truncated';
export interface SamDrop {
  reason: SamDropReason;
  /** Bytes given up. */
  bytes: number;
}

export interface SamDecoderCounts {
  frames: number;
  badChecksum: number;
  badLength: number;
  /** Bytes that were not part of any frame (before a preamble, or a preamble's leftovers after a bad frame). */
  noiseBytes: number;
  /** Partial frames given up by flush(). */
  truncated: number;
}

export interface SamDecoder {
  /** Feeds bytes as they come; returns the whole frames found and what was dropped. */
  push(chunk: Uint8Array): { frames: SamFrame[]; dropped: SamDrop[] };
  /** Gives up a partial frame (the line went quiet, or closed). Returns what was dropped. */
  flush(): SamDrop[];
  /** Bytes held for an unfinished frame. */
  readonly pending: number;
  counts(): SamDecoderCounts;
}

/** Index of the next full or partial preamble at or after `from`; -1 when none can start there. */
function findPreamble(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    let k = 0;
    while (k < SAM_PREAMBLE.length && i + k < end && buf[i + k] === SAM_PREAMBLE[k]) k++;
    if (k === SAM_PREAMBLE.length || i + k === end) return i;
  }
  return -1;
}

/**
 * A streaming decoder for SAM frames (either direction). Frames may arrive
 * split anywhere; bytes before a preamble are noise; a frame whose LEN is
 * outside 3…1288 or whose checksum is wrong is dropped and counted, and the
 * search for the next preamble starts one byte into it (so a good frame
 * hidden behind a corrupted one is still found).
 */
export function createSamDecoder(): SamDecoder {
  let buf = new Uint8Array(256);
  let start = 0;
  let end = 0;
  const counts: SamDecoderCounts = { frames: 0, badChecksum: 0, badLength: 0, noiseBytes: 0, truncated: 0 };

  const append = (chunk: Uint8Array) => {
    if (end + chunk.length > buf.length) {
      const live = end - start;
      if (live + chunk.length <= buf.length && start > 0) {
        buf.copyWithin(0, start, end);
      } else {
        const bigger = new Uint8Array(Math.max(buf.length * 2, live + chunk.length));
        bigger.set(buf.subarray(start, end), 0);
        buf = bigger;
      }
      start = 0;
      end = live;
    }
    buf.set(chunk, end);
    end += chunk.length;
  };

  return {
    push(chunk) {
      append(chunk);
      const frames: SamFrame[] = [];
      const dropped: SamDrop[] = [];
      const noise = (bytes: number) => {
        if (bytes <= 0) return;
        counts.noiseBytes += bytes;
        const last = dropped.at(-1);
        if (last?.reason === 'noise') last.bytes += bytes;
        else dropped.push({ reason: 'noise', bytes });
      };
      for (;;) {
        const at = findPreamble(buf, start, end);
        if (at < 0) {
          noise(end - start);
          start = end = 0;
          break;
        }
        noise(at - start);
        start = at;
        if (end - start < HEADER) break; // a preamble (or its beginning), LEN not here yet
        const len = (buf[start + 5]! << 8) | buf[start + 6]!;
        if (len < MIN_FRAME_LEN || len > MAX_FRAME_LEN) {
          counts.badLength++;
          dropped.push({ reason: 'bad_length', bytes: 1 });
          start += 1;
          continue;
        }
        if (end - start < HEADER + len) break; // wait for the rest
        const last = start + HEADER + len - 1;
        if (xor(buf, start + 5, last) !== buf[last]) {
          counts.badChecksum++;
          dropped.push({ reason: 'bad_checksum', bytes: 1 });
          start += 1;
          continue;
        }
        frames.push({ body: buf.slice(start + HEADER, last) });
        counts.frames++;
        start = last + 1;
      }
      if (start === end) start = end = 0;
      return { frames, dropped };
    },
    flush() {
      const bytes = end - start;
      start = end = 0;
      if (bytes === 0) return [];
      counts.truncated++;
      return [{ reason: 'truncated', bytes }];
    },
    get pending() {
      return end - start;
    },
    counts: () => ({ ...counts }),
  };
}

/** A reader's frame body as an answer; null when it is too short to hold SW1 SW2 SW3. */
export function toAnswer(frame: SamFrame): SamAnswer | null {
  const { body } = frame;
  if (body.length < 3) return null;
  return { sw1: body[0]!, sw2: body[1]!, sw3: body[2]!, data: body.subarray(3) };
}

/** A host's frame body as a command; null when it is too short to hold CMD PARA. */
export function toCommand(frame: SamFrame): (SamCommandCode & { data: Uint8Array }) | null {
  const { body } = frame;
  if (body.length < 2) return null;
  return { cmd: body[0]!, para: body[1]!, data: body.subarray(2) };
}

export const TEXT_BLOCK_BYTES = 256;
export const PHOTO_BYTES = 1024;

export type ReadAnswer = { ok: true; text: Uint8Array } | { ok: false; reason: string };

/**
 * The text block of a read answer (30 01 → SW 00 00 90, textLen, photoLen,
 * text, photo). The text is copied out; the photo (WLT, which we neither
 * decode nor keep) is overwritten with zeros in the answer's buffer at once.
 */
export function takeReadText(answer: SamAnswer): ReadAnswer {
  const { data } = answer;
  try {
    if (answer.sw1 !== 0 || answer.sw2 !== 0) return { ok: false, reason: 'status bytes SW1 SW2 are not 00 00' };
    if (answer.sw3 !== SamStatus.OK) return { ok: false, reason: `SW3 ${hex(answer.sw3)}` };
    if (data.length < 4) return { ok: false, reason: 'read answer too short' };
    const textLen = (data[0]! << 8) | data[1]!;
    const photoLen = (data[2]! << 8) | data[3]!;
    if (textLen !== TEXT_BLOCK_BYTES || photoLen !== PHOTO_BYTES || data.length !== 4 + textLen + photoLen) {
      return { ok: false, reason: `read answer lengths text ${textLen} photo ${photoLen} data ${data.length}` };
    }
    return { ok: true, text: data.slice(4, 4 + TEXT_BLOCK_BYTES) };
  } finally {
    if (data.length > 4 + TEXT_BLOCK_BYTES) data.fill(0, 4 + TEXT_BLOCK_BYTES);
  }
}

/** 0x9f → '9F'. */
export function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/** Bytes as 'AA AA AA 96 69 …' for logs of frames that carry no personal data. */
export function hexBytes(bytes: Uint8Array): string {
  return [...bytes].map(hex).join(' ');
}
