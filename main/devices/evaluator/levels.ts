// The five rating levels (国办发〔2019〕51号, GB/T 39734-2020) as the
// evaluator protocols carry them: 5 非常满意 … 1 非常不满意.

export type RatingLevel = 1 | 2 | 3 | 4 | 5;

export const RATING_LEVEL_NAMES: Readonly<Record<RatingLevel, string>> = {
  5: '非常满意',
  4: '满意',
  3: '基本满意',
  2: '不满意',
  1: '非常不满意',
};

export function isRatingLevel(value: number): value is RatingLevel {
  return value === 1 || value === 2 || value === 3 || value === 4 || value === 5;
}

/** 不满意 and 非常不满意 are bad ratings (差评): they open a follow-up. */
export function isBadRating(level: RatingLevel): boolean {
  return level <= 2;
}
