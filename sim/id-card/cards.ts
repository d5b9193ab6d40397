// Cards for the ID card reader simulator: the sample set (sample-cards.json,
// test identities only) and the text block as a card's chip holds it
// (UCS-2LE fields padded with spaces, ../shared/protocols/id-card-reader.md).
// Nothing here checks the fields: broken cards are written as listed, so the
// counter's checks can be tried against them.
import { readFileSync } from 'node:fs';
import { TEXT_BLOCK_BYTES } from '../../main/devices/id-card/sam.ts';
import { TEXT_FIELDS } from '../../main/devices/id-card/text-block.ts';

export interface SampleCard {
  label: string;
  /** ' ' 居民身份证, 'J' 港澳台居民居住证, 'I' 外国人永久居留证, anything else: unknown. */
  typeMark: string;
  name: string;
  sex: string;
  nation: string;
  birth: string;
  address: string;
  idNumber: string;
  authority: string;
  validFrom: string;
  validTo: string;
  passNumber?: string;
  issueCount?: string;
}

export const SAMPLE_CARDS_PATH = new URL('./sample-cards.json', import.meta.url);

export function loadCards(path: string | URL = SAMPLE_CARDS_PATH): SampleCard[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { cards?: unknown };
  if (!Array.isArray(parsed.cards) || parsed.cards.length === 0) throw new Error(`${String(path)}：没有 cards 列表`);
  return parsed.cards.map((raw, i) => {
    const card = raw as Record<string, unknown>;
    for (const key of ['label', 'typeMark', 'name', 'sex', 'nation', 'birth', 'address', 'idNumber', 'authority', 'validFrom', 'validTo']) {
      if (typeof card[key] !== 'string') throw new Error(`${String(path)}：第 ${i} 张卡缺少字段 ${key}`);
    }
    return card as unknown as SampleCard;
  });
}

function put(block: Uint8Array, [offset, bytes]: readonly [number, number], text: string): void {
  for (let i = 0; i < bytes / 2; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0x20;
    block[offset + 2 * i] = code & 0xff;
    block[offset + 2 * i + 1] = code >> 8;
  }
}

/** The 256-byte text block of a card, as its chip holds it; a field too long is cut. */
export function encodeTextBlock(card: SampleCard): Uint8Array {
  const block = new Uint8Array(TEXT_BLOCK_BYTES);
  put(block, [0, TEXT_BLOCK_BYTES], '');
  put(block, TEXT_FIELDS.name, card.name);
  put(block, TEXT_FIELDS.sex, card.sex);
  put(block, TEXT_FIELDS.nation, card.nation);
  put(block, TEXT_FIELDS.birth, card.birth);
  put(block, TEXT_FIELDS.address, card.address);
  put(block, TEXT_FIELDS.idNumber, card.idNumber);
  put(block, TEXT_FIELDS.authority, card.authority);
  put(block, TEXT_FIELDS.validFrom, card.validFrom);
  put(block, TEXT_FIELDS.validTo, card.validTo);
  if (card.passNumber !== undefined) put(block, TEXT_FIELDS.passNumber, card.passNumber);
  if (card.issueCount !== undefined) put(block, TEXT_FIELDS.issueCount, card.issueCount);
  put(block, TEXT_FIELDS.cardType, card.typeMark);
  return block;
}

/** A stand-in for the 1024-byte WLT photo: a fixed pattern (the real format is licensed; nobody decodes it). */
export function fakePhoto(): Uint8Array {
  const photo = new Uint8Array(1024);
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 37 + 11) & 0xff;
  photo[0] = 0x57; // 'W'
  photo[1] = 0x4c; // 'L'
  return photo;
}
