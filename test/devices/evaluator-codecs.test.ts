// The evaluator codecs with hand-made bytes: the protocol document's own
// examples, every command both ways, and every way a frame can be damaged.
import { describe, expect, it } from 'vitest';
import {
  createAsciiKeypadDecoder,
  DEFAULT_KEY_MAP,
  keyForLevel,
  keyMapFrom,
} from '../../main/devices/evaluator/ascii-keypad.ts';
import {
  createFt12Decoder,
  encodeDeviceMessage,
  encodeFrame,
  encodeHostMessage,
  fromHex,
  toHex,
  type DeviceMessage,
  type HostMessage,
} from '../../main/devices/evaluator/ft12.ts';
import { decodeGb18030, encodeGb18030, truncateGb18030 } from '../../main/devices/gb18030.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

const hex = (bytes: Uint8Array) => toHex(bytes);

describe('ft12: the protocol document example', () => {
  it('START_RATING 0x2A on device 3 with 30 s', () => {
    expect(
      hex(encodeHostMessage({ type: 'START_RATING', address: 3, sessionId: 0x2a, limitSeconds: 30 })),
    ).toBe('68 07 07 68 03 11 00 00 00 2A 1E 5C 16');
  });

  it('the answer, the 满意 RESULT and the ACK', () => {
    expect(hex(encodeDeviceMessage({ type: 'START_RATING_ANSWER', address: 3, sessionId: 0x2a }))).toBe(
      '68 06 06 68 03 91 00 00 00 2A BE 16',
    );
    expect(hex(encodeDeviceMessage({ type: 'RESULT', address: 3, sessionId: 0x2a, level: 4 }))).toBe(
      '68 07 07 68 03 21 00 00 00 2A 04 52 16',
    );
    expect(hex(encodeHostMessage({ type: 'ACK_RESULT', address: 3, sessionId: 0x2a }))).toBe(
      '68 06 06 68 03 A1 00 00 00 2A CE 16',
    );
  });

  it('decodes the example bytes on both sides', () => {
    const device = createFt12Decoder('host');
    expect(device.push(fromHex('68 07 07 68 03 11 00 00 00 2A 1E 5C 16'))).toEqual({
      frames: [{ type: 'START_RATING', address: 3, sessionId: 0x2a, limitSeconds: 30 }],
      dropped: [],
    });
    const host = createFt12Decoder('device');
    expect(
      host.push(fromHex('68 06 06 68 03 91 00 00 00 2A BE 16 68 07 07 68 03 21 00 00 00 2A 04 52 16')).frames,
    ).toEqual([
      { type: 'START_RATING_ANSWER', address: 3, sessionId: 0x2a },
      { type: 'RESULT', address: 3, sessionId: 0x2a, level: 4 },
    ]);
  });
});

describe('ft12: every command round-trips', () => {
  const hostMessages: HostMessage[] = [
    { type: 'PING', address: 1 },
    { type: 'SHOW_IDENTITY', address: 7, staffNumber: '1001', name: '张三' },
    { type: 'SHOW_IDENTITY', address: 7, staffNumber: '', name: '' },
    { type: 'START_RATING', address: 250, sessionId: 0xffffffff, limitSeconds: 5 },
    { type: 'START_RATING', address: 2, sessionId: 0, limitSeconds: 255 },
    { type: 'CANCEL_RATING', address: 3, sessionId: 0x12345678 },
    { type: 'SET_STATE', address: 0xff, state: 2 },
    { type: 'SET_STATE', address: 4, state: 0 },
    { type: 'ACK_RESULT', address: 3, sessionId: 42 },
  ];
  const deviceMessages: DeviceMessage[] = [
    { type: 'PING_ANSWER', address: 3, model: 1, firmware: { major: 1, minor: 2 } },
    { type: 'SHOW_IDENTITY_ANSWER', address: 3 },
    { type: 'START_RATING_ANSWER', address: 3, sessionId: 0x80000000 },
    { type: 'CANCEL_RATING_ANSWER', address: 3, sessionId: 1 },
    { type: 'SET_STATE_ANSWER', address: 3, state: 1 },
    ...([1, 2, 3, 4, 5] as const).map((level) => ({
      type: 'RESULT' as const,
      address: 9,
      sessionId: 77,
      level,
    })),
    { type: 'KEY', address: 3, key: 0x35 },
    { type: 'NAK', address: 3, rejected: 0x11, reason: 4 },
  ];

  it('host → device', () => {
    const decoder = createFt12Decoder('host');
    for (const message of hostMessages)
      expect(decoder.push(encodeHostMessage(message)).frames).toEqual([message]);
    expect(decoder.counts().frames).toBe(hostMessages.length);
  });

  it('device → host', () => {
    const decoder = createFt12Decoder('device');
    for (const message of deviceMessages)
      expect(decoder.push(encodeDeviceMessage(message)).frames).toEqual([message]);
  });

  it('SHOW_IDENTITY carries GB18030 text, NUL between staff number and name', () => {
    expect(
      hex(encodeHostMessage({ type: 'SHOW_IDENTITY', address: 1, staffNumber: '7', name: '张三' })),
    ).toBe('68 08 08 68 01 10 37 00 D5 C5 C8 FD A7 16');
  });

  it('refuses values the protocol cannot carry', () => {
    const tooLong = '张'.repeat(17); // 34 bytes
    expect(() =>
      encodeHostMessage({ type: 'SHOW_IDENTITY', address: 1, staffNumber: '1', name: tooLong }),
    ).toThrow(RangeError);
    expect(() =>
      encodeHostMessage({ type: 'SHOW_IDENTITY', address: 1, staffNumber: '1', name: '张'.repeat(16) }),
    ).not.toThrow();
    expect(() =>
      encodeHostMessage({ type: 'SHOW_IDENTITY', address: 1, staffNumber: 'a\0b', name: '' }),
    ).toThrow(RangeError);
    expect(() =>
      encodeHostMessage({ type: 'START_RATING', address: 1, sessionId: 1, limitSeconds: 4 }),
    ).toThrow(RangeError);
    expect(() =>
      encodeHostMessage({ type: 'START_RATING', address: 1, sessionId: 2 ** 32, limitSeconds: 30 }),
    ).toThrow(RangeError);
    expect(() => encodeHostMessage({ type: 'PING', address: 0 })).toThrow(RangeError);
    expect(() => encodeHostMessage({ type: 'PING', address: 251 })).toThrow(RangeError);
    expect(() => encodeDeviceMessage({ type: 'KEY', address: 0xff, key: 1 })).toThrow(RangeError);
    expect(() => encodeFrame(1, 0x01, new Uint8Array(252))).toThrow(RangeError);
    expect(encodeFrame(1, 0x01, new Uint8Array(251))[1]).toBe(253);
  });
});

describe('ft12: the streaming decoder', () => {
  const start = encodeHostMessage({ type: 'START_RATING', address: 3, sessionId: 0x2a, limitSeconds: 30 });
  const result = (level: number, sessionId = 0x2a, address = 3) =>
    encodeFrame(
      address,
      0x21,
      Uint8Array.of(
        sessionId >>> 24,
        (sessionId >>> 16) & 0xff,
        (sessionId >>> 8) & 0xff,
        sessionId & 0xff,
        level,
      ),
    );
  const join = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

  it('reassembles a frame split byte by byte', () => {
    const decoder = createFt12Decoder('device');
    const bytes = result(5);
    const frames = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = decoder.push(bytes.subarray(i, i + 1));
      frames.push(...out.frames);
      expect(out.dropped).toEqual([]);
      if (i < bytes.length - 1) expect(decoder.pending).toBe(i + 1);
    }
    expect(frames).toEqual([{ type: 'RESULT', address: 3, sessionId: 0x2a, level: 5 }]);
    expect(decoder.pending).toBe(0);
  });

  it('decodes several frames in one read, with noise around and between them', () => {
    const decoder = createFt12Decoder('device');
    const out = decoder.push(
      join([0x00, 0xff, 0x16], result(1), [0x68, 0x01], result(2), [0x42], result(3), [0x16, 0x16]),
    );
    expect(out.frames.map((f) => (f.type === 'RESULT' ? f.level : null))).toEqual([1, 2, 3]);
    expect(out.dropped.every((d) => d.reason === 'noise')).toBe(true);
    expect(out.dropped.reduce((n, d) => n + d.bytes, 0)).toBe(3 + 2 + 1 + 2);
  });

  it('drops a wrong checksum (with the address and command, so a device can NAK) and carries on', () => {
    const decoder = createFt12Decoder('host');
    const bad = Uint8Array.from(start);
    bad[11] = bad[11]! ^ 0x01;
    const out = decoder.push(join(bad, start));
    expect(out.dropped).toEqual([{ reason: 'bad_checksum', bytes: 13, address: 3, command: 0x11 }]);
    expect(out.frames).toHaveLength(1);
    expect(decoder.counts()).toMatchObject({ bad_checksum: 1, noise: 0, frames: 1 });
  });

  it('drops a damaged data byte as a wrong checksum', () => {
    const decoder = createFt12Decoder('device');
    const bad = result(4);
    bad[9] = 0x2b;
    expect(decoder.push(bad).dropped.map((d) => d.reason)).toEqual(['bad_checksum']);
    expect(decoder.counts().frames).toBe(0);
  });

  it('drops mismatched L bytes and an L outside 2–253, and resynchronises at the next 68', () => {
    const decoder = createFt12Decoder('device');
    const mismatched = result(5);
    mismatched[2] = 0x08;
    const out = decoder.push(
      join(mismatched, [0x68, 0x01, 0x01, 0x68, 0x03, 0x16, 0x00], [0x68, 0xfe, 0xfe, 0x68], result(2)),
    );
    expect(out.dropped.map((d) => d.reason)).toEqual([
      'bad_length',
      'noise',
      'bad_length',
      'noise',
      'bad_length',
    ]);
    expect(out.frames).toEqual([{ type: 'RESULT', address: 3, sessionId: 0x2a, level: 2 }]);
  });

  it('drops a wrong end byte', () => {
    const decoder = createFt12Decoder('device');
    const bad = result(3);
    bad[12] = 0x17;
    expect(decoder.push(join(bad, result(3))).dropped).toEqual([
      { reason: 'bad_end', bytes: 13, address: 3, command: 0x21 },
    ]);
  });

  it('drops unknown C codes, levels outside 1–5, wrong data lengths and bad addresses, never acting on them', () => {
    const decoder = createFt12Decoder('device');
    const out = decoder.push(
      join(
        encodeFrame(3, 0x55, Uint8Array.of(1)),
        result(0),
        result(6),
        result(0xff),
        encodeFrame(3, 0x21, Uint8Array.of(0, 0, 0, 0x2a)),
        encodeFrame(0xff, 0x21, Uint8Array.of(0, 0, 0, 0x2a, 5)),
        encodeFrame(3, 0x11, Uint8Array.of(0, 0, 0, 0x2a, 30)), // a host command is unknown coming from a device
        encodeFrame(3, 0x2f, Uint8Array.of(0x11, 9)),
        encodeFrame(3, 0x93, Uint8Array.of(3)),
      ),
    );
    expect(out.frames).toEqual([]);
    expect(out.dropped.map((d) => d.reason)).toEqual([
      'unknown_command',
      'bad_value',
      'bad_value',
      'bad_value',
      'bad_length',
      'bad_address',
      'unknown_command',
      'bad_value',
      'bad_value',
    ]);
    const counts = decoder.counts();
    expect([
      counts.unknown_command,
      counts.bad_value,
      counts.bad_length,
      counts.bad_address,
      counts.frames,
    ]).toEqual([2, 5, 1, 1, 0]);
  });

  it('checks SHOW_IDENTITY text on the device side', () => {
    const decoder = createFt12Decoder('host');
    const frame = (data: number[]) => encodeFrame(1, 0x10, Uint8Array.from(data));
    const out = decoder.push(
      join(
        frame([0x31, 0x32]), // no NUL
        frame([0x31, 0, 0x32, 0]), // two NULs
        frame([...new Array(33).fill(0x31), 0]), // staff number 33 bytes
        frame([0x31, 0, 0x81]), // not GB18030
        frame([0x31, 0, 0x80]), // '€' in its GBK single-byte form, not GB18030's A2 E3
        frame([0x31, 0, 0xd5, 0xc5]),
      ),
    );
    expect(out.dropped.map((d) => d.reason)).toEqual([
      'bad_value',
      'bad_value',
      'bad_length',
      'bad_value',
      'bad_value',
    ]);
    expect(out.frames).toEqual([{ type: 'SHOW_IDENTITY', address: 1, staffNumber: '1', name: '张' }]);
  });

  it('a 68 in noise that looks like a header holds the real frame back only until the bytes run out or flush()', () => {
    const decoder = createFt12Decoder('device');
    // 68 10 10 68 claims 22 bytes; the real frame is inside them.
    const first = decoder.push(join([0x68, 0x10, 0x10], result(4)));
    expect(first.frames).toEqual([]);
    const flushed = decoder.flush();
    expect(flushed.frames).toEqual([{ type: 'RESULT', address: 3, sessionId: 0x2a, level: 4 }]);
    expect(flushed.dropped.map((d) => d.reason)).toEqual(['incomplete']);
    expect(decoder.pending).toBe(0);
    // With more bytes behind it the phantom fails its checksum and the frames inside are found.
    const again = decoder.push(join([0x68, 0x10, 0x10], result(5), result(1), result(2)));
    expect(again.frames.map((f) => (f.type === 'RESULT' ? f.level : 0))).toEqual([5, 1, 2]);
    expect(again.dropped.map((d) => d.reason)).toEqual(['bad_checksum']);
  });

  it('flush() gives up on a partial frame', () => {
    const decoder = createFt12Decoder('device');
    decoder.push(result(4).subarray(0, 8));
    expect(decoder.flush().dropped).toEqual([{ reason: 'incomplete', bytes: 8, address: 3, command: 0x21 }]);
    expect(decoder.push(result(4)).frames).toHaveLength(1);
  });

  it('decodes the same frames however the stream is cut', () => {
    const random = createSeededRandom(7);
    const stream = join(
      result(1),
      [0x00, 0x68],
      result(2, 99, 4),
      [0x68, 0x05, 0x05],
      result(3),
      result(5, 0xdeadbeef, 250),
    );
    const expected = createFt12Decoder('device').push(stream).frames;
    expect(expected).toHaveLength(4);
    for (let round = 0; round < 200; round++) {
      const decoder = createFt12Decoder('device');
      const frames: DeviceMessage[] = [];
      for (let i = 0; i < stream.length;) {
        const n = 1 + Math.floor(random() * 8);
        frames.push(...decoder.push(stream.subarray(i, i + n)).frames);
        i += n;
      }
      frames.push(...decoder.flush().frames);
      expect(frames).toEqual(expected);
    }
  });
});

describe('GB18030', () => {
  it('encodes like the standard: two-byte, four-byte BMP and supplementary planes', () => {
    expect(hex(encodeGb18030('张三 A1'))).toBe('D5 C5 C8 FD 20 41 31');
    expect(hex(encodeGb18030('€'))).toBe('A2 E3');
    expect(hex(encodeGb18030('¥'))).toBe('81 30 84 36');
    expect(hex(encodeGb18030('𠀀'))).toBe('95 32 82 36');
    expect(hex(encodeGb18030('·'))).toBe('A1 A4');
  });

  it('round-trips every BMP character outside the private use area, and a sample of the supplementary planes', () => {
    const chars: string[] = [];
    const privateUse: string[] = [];
    for (let cp = 0x80; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      (cp >= 0xe000 && cp <= 0xf8ff ? privateUse : chars).push(String.fromCharCode(cp));
    }
    for (let cp = 0x10000; cp <= 0x10ffff; cp += 997) chars.push(String.fromCodePoint(cp));
    const text = chars.join('');
    expect(decodeGb18030(encodeGb18030(text))).toBe(text);
    // GB18030-2022 moved 18 private-use code points to standard ones (ICU
    // decodes their bytes to the new ones) and U+E5E5 never had a form: those
    // few become '?', never another character. Names on an LCD never use them.
    const substituted = privateUse.filter((char) => decodeGb18030(encodeGb18030(char)) !== char);
    for (const char of substituted) expect(hex(encodeGb18030(char))).toBe('3F');
    expect(substituted.length).toBeLessThanOrEqual(19);
    expect(substituted).toContain('\ue5e5');
  });

  it('writes a lone surrogate as ?; truncates at a character boundary', () => {
    expect(hex(encodeGb18030('\ud800'))).toBe('3F');
    expect(truncateGb18030('阿卜杜热合曼·买买提明', 8)).toBe('阿卜杜热');
    expect(truncateGb18030('ab张三', 3)).toBe('ab');
    expect(truncateGb18030('张三', 32)).toBe('张三');
  });
});

describe('ascii-keypad', () => {
  it("maps '1'…'5' to 非常不满意…非常满意 by default; every other byte is noise, counted", () => {
    const decoder = createAsciiKeypadDecoder();
    const out = decoder.push(Uint8Array.from(Buffer.from('x5\r\n1 30')));
    expect(out.keys).toEqual([
      { byte: 0x35, level: 5 },
      { byte: 0x31, level: 1 },
      { byte: 0x33, level: 3 },
    ]);
    expect(out.dropped).toBe(5);
    expect(decoder.counts()).toEqual({ keys: 3, noise: 5 });
    expect(keyForLevel(4, DEFAULT_KEY_MAP)).toBe(0x34);
  });

  it('takes a hall-configured key map', () => {
    const map = keyMapFrom({ A: 5, B: 4, C: 3, D: 2, E: 1 });
    const decoder = createAsciiKeypadDecoder(map);
    expect(decoder.push(Uint8Array.from(Buffer.from('AE5'))).keys.map((k) => k.level)).toEqual([5, 1]);
    expect(() => keyMapFrom({ AB: 5 })).toThrow(RangeError);
    expect(() => keyMapFrom({ A: 6 })).toThrow(RangeError);
  });
});
