// Fuzz (seeded, repeatable): well over 100k random, valid and mutated SAM
// frames, cut at random points, through the streaming decoder and the text
// block parser. Nothing throws; every card that comes out is one of the good
// cards that was sent whole — garbage, damaged frames and text blocks with
// one changed character in the ID number never make a card.
import { describe, expect, it } from 'vitest';
import { createSamDecoder, encodeAnswer, SamStatus, takeReadText, toAnswer } from '../../main/devices/id-card/sam.ts';
import { parseTextBlock } from '../../main/devices/id-card/text-block.ts';
import { encodeTextBlock, fakePhoto, loadCards } from '../../sim/id-card/cards.ts';
import { TEXT_FIELDS } from '../../main/devices/id-card/text-block.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

const TODAY = '2026-12-07';
const cards = loadCards();

function readFrame(text: Uint8Array): Uint8Array {
  const data = new Uint8Array(4 + 256 + 1024);
  data.set([0x01, 0x00, 0x04, 0x00]);
  data.set(text, 4);
  data.set(fakePhoto(), 260);
  return encodeAnswer(SamStatus.OK, data);
}

describe('SAM decoder and text block fuzz', () => {
  it('≥100k random and mutated frames: no crash, no false card', () => {
    const random = createSeededRandom(20261207);
    const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    const goodTexts = cards.map(encodeTextBlock);
    const goodCards = goodTexts.map((t) => parseTextBlock(t, TODAY)).filter((r) => r.ok);
    expect(goodCards.length).toBeGreaterThanOrEqual(5);
    const validTexts = goodTexts.filter((t) => parseTextBlock(t, TODAY).ok);
    const goodIds = new Set(goodCards.map((r) => JSON.stringify(r.ok && r.card)));
    const short = [
      encodeAnswer(SamStatus.CARD_FOUND, new Uint8Array(4)),
      encodeAnswer(SamStatus.NO_CARD),
      encodeAnswer(SamStatus.OK, new Uint8Array(8)),
      encodeAnswer(SamStatus.READ_FAILED),
    ];

    const decoder = createSamDecoder();
    let sent = 0;
    let wholeGoodReads = 0;
    let cardsOut = 0;
    let refusedTexts = 0;
    const kinds = { good: 0, short: 0, random: 0, flipped: 0, truncated: 0, idEdited: 0, lengthEdited: 0, spliced: 0 };

    const feed = (stream: Uint8Array) => {
      let offset = 0;
      while (offset < stream.length) {
        const cut = Math.min(stream.length, offset + int(1, 1400));
        const { frames } = decoder.push(stream.subarray(offset, cut));
        offset = cut;
        for (const frame of frames) {
          const answer = toAnswer(frame);
          if (!answer) continue;
          const read = takeReadText(answer);
          if (!read.ok) continue;
          const parsed = parseTextBlock(read.text, TODAY);
          if (!parsed.ok) {
            refusedTexts++;
            continue;
          }
          cardsOut++;
          // A card out of the decoder is one of the good cards, never something made up.
          if (!goodIds.has(JSON.stringify(parsed.card))) expect.fail(`false card ${JSON.stringify(parsed.card)} after ${JSON.stringify(kinds)}`);
        }
      }
    };

    while (sent < 120_000) {
      const choice = random();
      let frame: Uint8Array;
      if (choice < 0.1) {
        const i = int(0, goodTexts.length - 1);
        frame = readFrame(goodTexts[i]!);
        kinds.good++;
        if (parseTextBlock(goodTexts[i]!, TODAY).ok) wholeGoodReads++;
      } else if (choice < 0.3) {
        frame = short[int(0, short.length - 1)]!;
        kinds.short++;
      } else if (choice < 0.5) {
        // Random bytes, sometimes behind a real preamble and a plausible LEN.
        frame = Uint8Array.from({ length: int(8, 1400) }, () => int(0, 255));
        if (random() < 0.5) frame.set([0xaa, 0xaa, 0xaa, 0x96, 0x69, int(0, 5), int(0, 255)], 0);
        kinds.random++;
      } else if (choice < 0.65) {
        // A good read with 1–3 bytes changed somewhere (the checksum no longer fits).
        frame = readFrame(goodTexts[int(0, goodTexts.length - 1)]!);
        const flips = int(1, 3);
        const positions = new Set<number>();
        while (positions.size < flips) positions.add(int(0, frame.length - 1));
        const masks = [...positions].map(() => int(1, 255));
        // Changes whose masks XOR to zero cancel in an XOR checksum: the protocol cannot see those
        // (1 in 256 of multi-byte damage), so they are not what this test is about.
        const total = masks.reduce((x, m) => x ^ m, 0);
        if (flips > 1 && total === 0) masks[0] = masks[0]! ^ 1;
        [...positions].forEach((p, k) => (frame[p]! ^= masks[k]!));
        kinds.flipped++;
      } else if (choice < 0.75) {
        frame = readFrame(goodTexts[int(0, goodTexts.length - 1)]!).subarray(0, int(1, 1294));
        kinds.truncated++;
      } else if (choice < 0.85) {
        // The reader sent a damaged text block with a right checksum: one ID number character changed.
        // (Only from cards that read right: one change can also mend a card whose number was wrong.)
        const text = Uint8Array.from(validTexts[int(0, validTexts.length - 1)]!);
        const [offset] = TEXT_FIELDS.idNumber;
        const at = offset + 2 * int(0, 17);
        const was = text[at]!;
        const digits = [...'0123456789X'].map((c) => c.charCodeAt(0)).filter((c) => c !== was);
        text[at] = random() < 0.8 ? digits[int(0, digits.length - 1)]! : int(0, 255) || 1;
        if (text[at] === was) text[at] = was ^ 1;
        frame = readFrame(text);
        kinds.idEdited++;
      } else if (choice < 0.93) {
        frame = Uint8Array.from(readFrame(goodTexts[int(0, goodTexts.length - 1)]!));
        const at = 5 + int(0, 1);
        frame[at] = frame[at]! ^ int(1, 255);
        kinds.lengthEdited++;
      } else {
        const a = readFrame(goodTexts[int(0, goodTexts.length - 1)]!);
        const b = short[int(0, short.length - 1)]!;
        const cut = int(1, a.length - 1);
        frame = Uint8Array.of(...a.subarray(0, cut), ...b);
        kinds.spliced++;
      }
      feed(frame);
      sent++;
    }
    for (const drop of decoder.flush()) expect(drop.reason).toBe('truncated');

    const counts = decoder.counts();
    expect(sent).toBeGreaterThanOrEqual(100_000);
    // Nearly every whole good read comes out. (A few more cards than whole reads is right: a good
    // read cut short after its text, completed by the next frame's bytes, passes an XOR checksum
    // 1 time in 256 — with the true text, so the card is still the one that was sent.)
    expect(cardsOut).toBeGreaterThan(wholeGoodReads * 0.95);
    expect(cardsOut).toBeLessThan(wholeGoodReads * 1.02);
    expect(refusedTexts).toBeGreaterThan(kinds.idEdited * 0.5);
    expect(counts.badChecksum).toBeGreaterThan(kinds.flipped * 0.5);
    expect(counts.badLength).toBeGreaterThan(0);
    expect(counts.noiseBytes).toBeGreaterThan(0);
  });
});
