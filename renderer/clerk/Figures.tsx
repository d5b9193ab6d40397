// 今日统计: the signed-in clerk's figures for today (getFigures), counted by
// the core from the events themselves; refreshed after every call, every
// case decision (case-store.ts) and every rating.
import { useEffect } from 'react';
import type { ClerkFigures } from '../../common/cases.ts';
import { LEVEL_NAME } from '../../common/ratings.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import { formatMinutes, formatPercent } from './case-logic.ts';
import { useClerk } from './context.ts';
import './figures.css';

interface Cell {
  label: string;
  value: string;
  testid: string;
  unit?: string;
  hint?: string;
}

const count = (value: number | undefined) => (value === undefined ? '—' : String(value));

function cells(figures: ClerkFigures | null): Cell[] {
  return [
    { label: '叫号', value: count(figures?.called), testid: 'figure-called' },
    { label: '办结', value: count(figures?.completed), testid: 'figure-completed', hint: '按「办结」结束的服务' },
    { label: '过号', value: count(figures?.noShows), testid: 'figure-no-shows' },
    // 0 until the counter can transfer (issue 14 adds 转窗 to the call log).
    { label: '转窗', value: count(figures?.transferred), testid: 'figure-transferred' },
    {
      label: '平均服务',
      value: formatMinutes(figures?.averageServiceMinutes ?? null),
      unit: figures?.averageServiceMinutes != null ? '分钟' : undefined,
      testid: 'figure-average',
      hint: '平均服务时长：从叫号到办结',
    },
    { label: '受理', value: count(figures?.accepted), testid: 'figure-accepted', hint: '受理与容缺受理的办件' },
    {
      label: '办件办结',
      value: count(figures?.finished),
      testid: 'figure-finished',
      hint: '今日办结的办件：即办件当场办结，承诺件在办件列表中办结',
    },
    {
      label: '按期办结率',
      value: formatPercent(figures?.onTimeRate ?? null),
      testid: 'figure-on-time',
      hint: '今日办结的承诺件中按期办结的比例',
    },
  ];
}

function ratingCells(figures: ClerkFigures | null): (Cell & { bad?: boolean })[] {
  const levels = figures?.ratings.levels ?? [];
  return [
    ...([5, 4, 3, 2, 1] as const).map((level) => ({
      label: LEVEL_NAME[level],
      value: count(levels.find((row) => row.level === level)?.count),
      testid: `figure-rating-${level}`,
      bad: level <= 2,
    })),
    {
      label: '未评价',
      value: count(figures ? figures.ratings.notRated + figures.ratings.cancelled : undefined),
      testid: 'figure-not-rated',
      hint: figures
        ? `时限内未按键 ${figures.ratings.notRated} 次，叫下一号时取消 ${figures.ratings.cancelled} 次`
        : undefined,
    },
  ];
}

export function FiguresPanel() {
  const store = useCaseStoreApi();
  const figures = useCases((s) => s.figures);
  const error = useCases((s) => s.figuresError);
  // The newest call (the log holds at most 50 entries, so not its length) and the latest rating.
  const lastCall = useClerk((s) => {
    const newest = s.state?.log[0];
    return newest ? `${newest.at} ${newest.action} ${newest.ticketNumber}` : '';
  });
  const lastRating = useClerk((s) => s.state?.rating.latest?.at ?? '');
  // Decisions refresh the figures themselves (case-store.ts).
  useEffect(() => void store.getState().refreshFigures(), [store, lastCall, lastRating]);
  return (
    <section className="panel" aria-label="今日统计" data-testid="figures">
      <header className="panel-head">
        <span>今日统计</span>
        {error && (
          <span className="panel-extra panel-stale" title={error}>
            （未能刷新）
          </span>
        )}
      </header>
      <dl className="figures figures-day">
        {cells(figures).map((cell) => (
          <div className="figure" key={cell.testid} title={cell.hint}>
            <dt>{cell.label}</dt>
            <dd>
              <span data-testid={cell.testid}>{cell.value}</span>
              {cell.unit && <small className="figure-unit">{cell.unit}</small>}
            </dd>
          </div>
        ))}
      </dl>
      <dl className="figure-ratings" aria-label="今日好差评">
        {ratingCells(figures).map((cell) => (
          <div
            className={`figure-rating${cell.bad && cell.value !== '0' && cell.value !== '—' ? ' figure-rating-bad' : ''}`}
            key={cell.testid}
            title={cell.hint}
          >
            <dt>{cell.label}</dt>
            <dd data-testid={cell.testid}>{cell.value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
