// 外屏测试画面: color bars, a gray ramp, a grid with a one-pixel border and
// corner marks (edges and overscan: every mark must be fully visible), the
// resolution, the window name and large Chinese text to judge sharpness.
// Shown over everything while testPatternUntil is in the future.
import { useEffect, useState } from 'react';
import { COLOR_BARS, resolutionText, testPatternMsLeft } from './test-pattern.ts';

/** True while `until` is in the future; turns false by itself at `until` (one timer). */
export function useTestPattern(until: string | null | undefined): boolean {
  // The clock as of the last check: read again when `until` changes and when it passes.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const left = testPatternMsLeft(until, Date.now());
    // A little past the end, so the re-render finds the time passed.
    const timer = window.setTimeout(() => setNow(Date.now()), left > 0 ? left + 20 : 0);
    return () => window.clearTimeout(timer);
  }, [until]);
  return testPatternMsLeft(until, now) > 0;
}

function useScreenSize() {
  const read = () => ({
    width: window.innerWidth,
    height: window.innerHeight,
    ratio: window.devicePixelRatio,
  });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return size;
}

const GRAY_STEPS = [0, 26, 51, 77, 102, 128, 153, 179, 204, 230, 255];

export function TestPattern({ windowName, hallName }: { windowName: string | null; hallName: string }) {
  const { width, height, ratio } = useScreenSize();
  return (
    <div className="ow-tp" data-testid="outward-test-pattern">
      <div className="ow-tp-grid" aria-hidden="true" />
      <div className="ow-tp-corner ow-tp-tl" aria-hidden="true" />
      <div className="ow-tp-corner ow-tp-tr" aria-hidden="true" />
      <div className="ow-tp-corner ow-tp-bl" aria-hidden="true" />
      <div className="ow-tp-corner ow-tp-br" aria-hidden="true" />
      <div className="ow-tp-circle" aria-hidden="true" />
      <div className="ow-tp-content">
        <div className="ow-tp-title">外屏测试画面</div>
        <div className="ow-tp-window" data-testid="outward-test-pattern-window">
          {windowName ?? '（未指定窗口）'} · {hallName}
        </div>
        <div className="ow-tp-resolution" data-testid="outward-test-pattern-resolution">
          {resolutionText(width, height, ratio)}
        </div>
        <div className="ow-tp-bars" aria-hidden="true">
          {COLOR_BARS.map(({ color, name }) => (
            <div key={color} className="ow-tp-bar" style={{ background: color }}>
              <span>{name}</span>
            </div>
          ))}
        </div>
        <div className="ow-tp-ramp" aria-hidden="true">
          {GRAY_STEPS.map((v) => (
            <div key={v} style={{ background: `rgb(${v} ${v} ${v})` }} />
          ))}
        </div>
        <div className="ow-tp-text ow-tp-text-xl">政务服务 一窗受理</div>
        <div className="ow-tp-text ow-tp-text-l">请 A001 号到 {windowName ?? '3号窗口'}办理</div>
        <div className="ow-tp-text ow-tp-text-m">
          营业执照 不动产登记 社会保障 医疗保险 户籍 出入境 0123456789
        </div>
        <div className="ow-tp-text ow-tp-text-s">
          四边的白线和角上的标记应完整可见；若有缺失，请在显示器菜单中关闭“过扫描”或调整画面尺寸。
        </div>
      </div>
    </div>
  );
}
