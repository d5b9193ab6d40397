// Pinyin initials of an item's name, for the counter's search (yyzz → 营业执照…).
// Server side only: the pinyin dictionary is large and the counter gets the
// initials with the item in the config stream.
import { pinyin } from 'pinyin-pro';

/**
 * The first letter of each Chinese character's pinyin, in lower case; Latin
 * letters and digits are kept as they are (lower-cased), everything else
 * (spaces, punctuation, brackets) is dropped:
 * 营业执照变更登记（有限责任公司） → yyzzbgdjyxzrgs, 2号楼 → 2hl.
 */
export function pinyinInitials(text: string): string {
  return pinyin(text.normalize('NFKC'), {
    pattern: 'first',
    toneType: 'none',
    type: 'array',
    nonZh: 'consecutive',
  })
    .join('')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
