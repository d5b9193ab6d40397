// The outward test pattern's timing and wording (renderer/outward/test-pattern.ts).
import { describe, expect, it } from 'vitest';
import { COLOR_BARS, resolutionText, testPatternMsLeft } from '../../renderer/outward/test-pattern.ts';

describe('testPatternMsLeft', () => {
  const now = Date.parse('2026-03-10T09:00:00.000Z');
  it('counts down to testPatternUntil and is 0 from then on', () => {
    expect(testPatternMsLeft('2026-03-10T09:00:10.000Z', now)).toBe(10_000);
    expect(testPatternMsLeft('2026-03-10T09:00:00.000Z', now)).toBe(0);
    expect(testPatternMsLeft('2026-03-10T08:59:59.000Z', now)).toBe(0);
  });
  it('shows nothing for null or an unreadable time, and caps a far future at one timer', () => {
    expect(testPatternMsLeft(null, now)).toBe(0);
    expect(testPatternMsLeft(undefined, now)).toBe(0);
    expect(testPatternMsLeft('soon', now)).toBe(0);
    expect(testPatternMsLeft('2099-01-01T00:00:00Z', now)).toBe(2_147_483_647);
  });
});

describe('resolutionText', () => {
  it('gives CSS pixels at 100% and the device pixels behind them when scaled', () => {
    expect(resolutionText(1920, 1080, 1)).toBe('1920×1080 像素（缩放 100%）');
    expect(resolutionText(1280, 720, 1.5)).toBe('1920×1080 像素（1280×720 × 缩放 150%）');
    expect(resolutionText(1920, 1080, Number.NaN)).toBe('1920×1080 像素（缩放 100%）');
  });
});

it('has the colour bars, distinct, ending in white and black checks', () => {
  expect(new Set(COLOR_BARS.map((b) => b.color)).size).toBe(COLOR_BARS.length);
  expect(COLOR_BARS.map((b) => b.name)).toEqual(['白', '黄', '青', '绿', '品红', '红', '蓝', '黑']);
});
