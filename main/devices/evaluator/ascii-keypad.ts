// The `ascii-keypad` evaluator protocol: one ASCII byte per key press, nothing
// is ever sent to the keypad. The hall manager maps key bytes to levels
// (default '1'…'5' → 非常不满意…非常满意); every other byte is noise,
// dropped and counted. Pure: no timers, no I/O. Whether a press counts (only
// while a rating session is open) is the session layer's decision.
import { isRatingLevel, type RatingLevel } from './levels.ts';

export type KeyMap = ReadonlyMap<number, RatingLevel>;

export const DEFAULT_KEY_MAP: KeyMap = new Map<number, RatingLevel>([
  [0x31, 1], // '1' 非常不满意
  [0x32, 2], // '2' 不满意
  [0x33, 3], // '3' 基本满意
  [0x34, 4], // '4' 满意
  [0x35, 5], // '5' 非常满意
]);

/**
 * A key map from a hall setting such as `{ "A": 5, "B": 4, "C": 3, "D": 2, "E": 1 }`.
 * Throws RangeError on a key that is not one ASCII character or a level outside 1–5.
 */
export function keyMapFrom(setting: Readonly<Record<string, number>>): KeyMap {
  const map = new Map<number, RatingLevel>();
  for (const [key, level] of Object.entries(setting)) {
    const code = key.length === 1 ? key.charCodeAt(0) : -1;
    if (code < 0 || code > 0x7f) throw new RangeError(`按键映射错误：「${key}」不是单个 ASCII 字符`);
    if (!isRatingLevel(level))
      throw new RangeError(`按键映射错误：「${key}」对应的评价等级 ${level} 不在 1–5 之内`);
    map.set(code, level);
  }
  return map;
}

export interface AsciiKeyPress {
  byte: number;
  level: RatingLevel;
}

export interface AsciiKeypadCounts {
  keys: number;
  noise: number;
}

export interface AsciiKeypadDecoder {
  push(chunk: Uint8Array): { keys: AsciiKeyPress[]; dropped: number };
  counts(): AsciiKeypadCounts;
}

export function createAsciiKeypadDecoder(keyMap: KeyMap = DEFAULT_KEY_MAP): AsciiKeypadDecoder {
  const counts: AsciiKeypadCounts = { keys: 0, noise: 0 };
  return {
    push(chunk) {
      const keys: AsciiKeyPress[] = [];
      let dropped = 0;
      for (const byte of chunk) {
        const level = keyMap.get(byte);
        if (level === undefined) dropped++;
        else keys.push({ byte, level });
      }
      counts.keys += keys.length;
      counts.noise += dropped;
      return { keys, dropped };
    },
    counts() {
      return { ...counts };
    },
  };
}

/** The byte a keypad sends for a level under a key map (for the simulator), or null. */
export function keyForLevel(level: RatingLevel, keyMap: KeyMap = DEFAULT_KEY_MAP): number | null {
  for (const [byte, mapped] of keyMap) if (mapped === level) return byte;
  return null;
}
