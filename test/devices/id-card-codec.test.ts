// The ID card reader's codec against the protocol note
// (../shared/protocols/id-card-reader.md) byte for byte: the command frames,
// the find / select / read answers, the streaming decoder's drops, and the
// 256-byte text block with every kind of bad card refused whole.
import { describe, expect, it } from 'vitest';
import {
  createSamDecoder,
  encodeAnswer,
  encodeCommand,
  SamCommand,
  SamStatus,
  takeReadText,
  toAnswer,
  toCommand,
} from '../../main/devices/id-card/sam.ts';
import { isExpired, parseTextBlock, TEXT_FIELDS, validityText } from '../../main/devices/id-card/text-block.ts';
import { encodeTextBlock, fakePhoto, loadCards, type SampleCard } from '../../sim/id-card/cards.ts';

const bytes = (text: string) => Uint8Array.from(text.trim().split(/\s+/), (b) => parseInt(b, 16));
const cards = loadCards();
const card = (label: string): SampleCard => {
  const found = cards.find((c) => c.label.includes(label));
  if (!found) throw new Error(label);
  return found;
};

function readAnswerFrame(c: SampleCard): Uint8Array {
  const data = new Uint8Array(4 + 256 + 1024);
  data.set([0x01, 0x00, 0x04, 0x00]);
  data.set(encodeTextBlock(c), 4);
  data.set(fakePhoto(), 260);
  return encodeAnswer(SamStatus.OK, data);
}

describe('SAM command frames (the protocol note table)', () => {
  it.each([
    ['RESET_SAM', 'AA AA AA 96 69 00 03 10 FF EC'],
    ['SAM_STATUS', 'AA AA AA 96 69 00 03 11 FF ED'],
    ['READ_SAM_ID', 'AA AA AA 96 69 00 03 12 FF EE'],
    ['FIND_CARD', 'AA AA AA 96 69 00 03 20 01 22'],
    ['SELECT_CARD', 'AA AA AA 96 69 00 03 20 02 21'],
    ['READ_TEXT_PHOTO', 'AA AA AA 96 69 00 03 30 01 32'],
  ] as const)('%s encodes as %s and decodes back', (name, frame) => {
    expect(encodeCommand(SamCommand[name])).toEqual(bytes(frame));
    const decoder = createSamDecoder();
    const { frames, dropped } = decoder.push(bytes(frame));
    expect(dropped).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(toCommand(frames[0]!)).toMatchObject(SamCommand[name]);
  });
});

describe('SAM answers', () => {
  it('find-card success is byte for byte the note’s frame', () => {
    const frame = bytes('AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97');
    expect(encodeAnswer(SamStatus.CARD_FOUND, new Uint8Array(4))).toEqual(frame);
    const { frames } = createSamDecoder().push(frame);
    expect(toAnswer(frames[0]!)).toEqual({ sw1: 0, sw2: 0, sw3: 0x9f, data: new Uint8Array(4) });
  });

  it('select success has LEN 00 0C and 8 data bytes', () => {
    const frame = encodeAnswer(SamStatus.OK, new Uint8Array(8));
    expect([...frame.subarray(0, 10)]).toEqual([0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x0c, 0x00, 0x00, 0x90]);
    expect(frame).toHaveLength(7 + 12);
  });

  it('the read answer is 1,295 bytes with LEN 05 08, and its photo is zeroed as the text is taken', () => {
    const frame = readAnswerFrame(card('男，有效'));
    expect(frame).toHaveLength(1295);
    expect([frame[5], frame[6]]).toEqual([0x05, 0x08]);
    expect([...frame.subarray(7, 14)]).toEqual([0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00]);
    const { frames } = createSamDecoder().push(frame);
    const answer = toAnswer(frames[0]!)!;
    const read = takeReadText(answer);
    expect(read).toEqual({ ok: true, text: encodeTextBlock(card('男，有效')) });
    expect(answer.data.subarray(260).every((b) => b === 0)).toBe(true);
  });

  it('a read answer with the wrong text or photo length is refused', () => {
    const data = new Uint8Array(4 + 256 + 1024);
    data.set([0x01, 0x01, 0x04, 0x00]);
    expect(takeReadText({ sw1: 0, sw2: 0, sw3: 0x90, data })).toMatchObject({ ok: false });
    expect(takeReadText({ sw1: 0, sw2: 0, sw3: 0x41, data: new Uint8Array(0) })).toMatchObject({ ok: false });
    expect(takeReadText({ sw1: 0x6a, sw2: 0x82, sw3: 0x90, data })).toMatchObject({ ok: false });
  });
});

describe('streaming decoder', () => {
  const find = bytes('AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97');
  const noCard = encodeAnswer(SamStatus.NO_CARD);

  it('puts together a frame split at every byte', () => {
    const frame = readAnswerFrame(card('女，有效'));
    const decoder = createSamDecoder();
    const got = [];
    for (const b of frame) got.push(...decoder.push(Uint8Array.of(b)).frames);
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toEqual(frame.subarray(7, -1));
    expect(decoder.pending).toBe(0);
  });

  it('counts noise before the preamble, and a lone AA run before a real frame', () => {
    const decoder = createSamDecoder();
    const { frames, dropped } = decoder.push(Uint8Array.of(0x00, 0x13, 0xaa, 0xaa, 0x55, ...find));
    expect(frames).toHaveLength(1);
    expect(dropped).toEqual([{ reason: 'noise', bytes: 5 }]);
    expect(decoder.counts()).toMatchObject({ frames: 1, noiseBytes: 5, badChecksum: 0, badLength: 0 });
  });

  it('drops a bad checksum, counts it, and still finds the frame behind it', () => {
    const bad = Uint8Array.from(find);
    bad[bad.length - 1]! ^= 1;
    const decoder = createSamDecoder();
    const { frames, dropped } = decoder.push(Uint8Array.of(...bad, ...noCard));
    expect(frames.map((f) => toAnswer(f)!.sw3)).toEqual([0x80]);
    expect(dropped.some((d) => d.reason === 'bad_checksum')).toBe(true);
    expect(decoder.counts()).toMatchObject({ frames: 1, badChecksum: 1 });
  });

  it('drops a bad length (below 3, above 1288) and finds the next frame', () => {
    const decoder = createSamDecoder();
    const short = bytes('AA AA AA 96 69 00 02 90 92');
    const long = bytes('AA AA AA 96 69 05 09 00');
    const { frames } = decoder.push(Uint8Array.of(...short, ...long, ...noCard));
    expect(frames.map((f) => toAnswer(f)!.sw3)).toEqual([0x80]);
    expect(decoder.counts().badLength).toBe(2);
  });

  it('a frame cut short and then flushed is counted as truncated, and the decoder starts clean', () => {
    const decoder = createSamDecoder();
    const frame = readAnswerFrame(card('男，有效'));
    expect(decoder.push(frame.subarray(0, 700)).frames).toEqual([]);
    expect(decoder.pending).toBe(700);
    expect(decoder.flush()).toEqual([{ reason: 'truncated', bytes: 700 }]);
    expect(decoder.push(find).frames).toHaveLength(1);
    expect(decoder.counts()).toMatchObject({ frames: 1, truncated: 1 });
  });
});

describe('text block', () => {
  const today = '2026-12-07';
  const parse = (c: SampleCard) => parseTextBlock(encodeTextBlock(c), today);

  it('reads a 居民身份证 field by field', () => {
    expect(parse(card('男，有效'))).toEqual({
      ok: true,
      card: {
        cardType: 'resident',
        name: '张测试',
        sex: '男',
        nationCode: '01',
        birthDate: '1990-01-01',
        address: '江苏省南京市玄武区测试路1号',
        idNumber: '320102199001011232',
        authority: '南京市公安局玄武分局',
        validFrom: '2020-01-01',
        validTo: '2040-01-01',
        passNumber: null,
        issueCount: null,
      },
    });
  });

  it('the fields sit where the note puts them (UCS-2LE, padded with 20 00)', () => {
    const block = encodeTextBlock(card('男，有效'));
    expect([...block.subarray(0, 8)]).toEqual([0x20, 0x5f, 0x4b, 0x6d, 0xd5, 0x8b, 0x20, 0x00]); // 张测试␠
    expect([...block.subarray(30, 32)]).toEqual([0x31, 0x00]);
    expect([...block.subarray(248, 250)]).toEqual([0x20, 0x00]);
    expect(Object.values(TEXT_FIELDS).reduce((end, [o, n]) => Math.max(end, o + n), 0)).toBe(250);
  });

  it('reads 长期 as no end date, and a 港澳台居民居住证 with its 通行证号码 and 签发次数', () => {
    expect(parse(card('长期'))).toMatchObject({ ok: true, card: { validTo: null } });
    expect(parse(card('港澳台'))).toMatchObject({
      ok: true,
      card: { cardType: 'hmt-residence', nationCode: null, passNumber: 'H12345678', issueCount: '01', idNumber: '810000199508200030' },
    });
  });

  it('recognises a 外国人永久居留证 and says so rather than mis-read it', () => {
    const result = parse(card('外国人'));
    expect(result).toMatchObject({ ok: false, code: 'FOREIGN_PERMIT' });
    expect(!result.ok && result.message).toContain('外国人永久居留身份证');
  });

  it('refuses an unknown card type, a bad check digit and invalid dates, whole and without the number in the message', () => {
    const unknown = parse(card('未知证件类型'));
    expect(unknown).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
    expect(!unknown.ok && unknown.message).toContain('无法识别的证件类型');
    const badCheck = parse(card('校验位错误'));
    expect(badCheck).toMatchObject({ ok: false, code: 'BAD_ID' });
    expect(!badCheck.ok && badCheck.message).toContain('校验位错误');
    expect(!badCheck.ok && badCheck.message).toContain('表单未填入');
    expect(!badCheck.ok && badCheck.message).not.toMatch(/\d{6}/);
    expect(parse(card('有效期日期无效'))).toMatchObject({ ok: false, code: 'BAD_VALIDITY' });
  });

  it.each([
    ['birth date not a date', { birth: '19900231' }, 'BAD_BIRTH'],
    ['birth date not the number’s', { birth: '19900102' }, 'BAD_BIRTH'],
    ['sex not the number’s', { sex: '2' }, 'BAD_SEX'],
    ['sex code 9', { sex: '9' }, 'BAD_SEX'],
    ['nation code 77', { nation: '77' }, 'BAD_NATION'],
    ['no name', { name: '' }, 'BAD_NAME'],
    ['no address', { address: '' }, 'BAD_ADDRESS'],
    ['valid to before valid from', { validTo: '20100101' }, 'BAD_VALIDITY'],
    ['valid to 长久', { validTo: '长久' }, 'BAD_VALIDITY'],
    ['a control character in the name', { name: '张\u0001三' }, 'BAD_TEXT'],
    ['a lone surrogate in the address', { address: '南京\ud800' }, 'BAD_TEXT'],
    ['an ID number with a letter', { idNumber: '32010219900101123A' }, 'BAD_ID'],
    ['a resident number on a 港澳台 card', { typeMark: 'J', nation: '', passNumber: 'H12345678', issueCount: '01' }, 'BAD_ID'],
  ] as const)('refuses %s', (_, change, code) => {
    expect(parse({ ...card('男，有效'), ...change })).toMatchObject({ ok: false, code });
  });

  it('refuses a block of the wrong size, and a birth date after today', () => {
    expect(parseTextBlock(new Uint8Array(255))).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(parseTextBlock(encodeTextBlock(card('男，有效')), '1989-12-31')).toMatchObject({ ok: false, code: 'BAD_BIRTH' });
  });

  it('expiry: the card is good through its last day (the hall’s date), 长期 never expires', () => {
    const expired = parse(card('已过期'));
    expect(expired.ok && isExpired(expired.card, today)).toBe(true);
    expect(isExpired({ validTo: '2026-12-07' }, today)).toBe(false);
    expect(isExpired({ validTo: '2026-12-06' }, today)).toBe(true);
    expect(isExpired({ validTo: null }, '2099-01-01')).toBe(false);
    expect(validityText({ validFrom: '2005-03-15', validTo: '2025-03-15' })).toBe('2005.03.15–2025.03.15');
    expect(validityText({ validFrom: '2026-01-01', validTo: null })).toBe('2026.01.01–长期');
  });
});
