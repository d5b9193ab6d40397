// When the test pattern (显示测试画面) is up, as pure functions of the view's
// testPatternUntil and the clock, so the page can set one timer to take it
// down by itself.

/** Browsers run a longer timeout at once; the pattern lasts seconds anyway. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Milliseconds the pattern still shows at `now` (0: not showing). An unreadable time shows nothing. */
export function testPatternMsLeft(until: string | null | undefined, now: number): number {
  if (!until) return 0;
  const end = Date.parse(until);
  if (!Number.isFinite(end)) return 0;
  return Math.max(0, Math.min(MAX_TIMEOUT_MS, end - now));
}

/** «1920×1080» in CSS pixels, and the device pixels behind it at this devicePixelRatio. */
export function resolutionText(width: number, height: number, devicePixelRatio: number): string {
  const ratio = Number.isFinite(devicePixelRatio) && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const css = `${Math.round(width)}×${Math.round(height)}`;
  if (ratio === 1) return `${css} 像素（缩放 100%）`;
  const physical = `${Math.round(width * ratio)}×${Math.round(height * ratio)}`;
  return `${physical} 像素（${css} × 缩放 ${Math.round(ratio * 100)}%）`;
}

/** The color bars, left to right (75% bars in the usual order, then pure white and black). */
export const COLOR_BARS: readonly { color: string; name: string }[] = [
  { color: '#ffffff', name: '白' },
  { color: '#ffff00', name: '黄' },
  { color: '#00ffff', name: '青' },
  { color: '#00ff00', name: '绿' },
  { color: '#ff00ff', name: '品红' },
  { color: '#ff0000', name: '红' },
  { color: '#0000ff', name: '蓝' },
  { color: '#000000', name: '黑' },
];
