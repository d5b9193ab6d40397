// 今日统计: the clerk's figures for today (getFigures), refreshed after every
// case decision and every call.
import { useEffect } from 'react';
import { useCases, useCaseStoreApi } from './case-context.ts';
import { formatMinutes, formatPercent } from './case-logic.ts';
import { useClerk } from './context.ts';

export function FiguresPanel() {
  const store = useCaseStoreApi();
  const figures = useCases((s) => s.figures);
  const error = useCases((s) => s.figuresError);
  const calls = useClerk((s) => s.state?.log.length ?? 0);
  // Every call changes "叫号"; decisions refresh the figures themselves (case-store.ts).
  useEffect(() => void store.getState().refreshFigures(), [store, calls]);
  const cells: { label: string; value: string; testid: string; unit?: string; hint?: string }[] = [
    { label: '叫号', value: String(figures?.called ?? '—'), testid: 'figure-called' },
    { label: '受理', value: String(figures?.accepted ?? '—'), testid: 'figure-accepted' },
    { label: '办结', value: String(figures?.finished ?? '—'), testid: 'figure-finished' },
    {
      label: '即办占比',
      value: formatPercent(figures?.instantShare ?? null),
      testid: 'figure-instant-share',
    },
    {
      label: '平均办理',
      value: formatMinutes(figures?.averageHandlingMinutes ?? null),
      unit: figures?.averageHandlingMinutes != null ? '分钟' : undefined,
      testid: 'figure-average',
      hint: '平均办理时长：从叫号到作出受理等决定',
    },
    {
      label: '按期办结率',
      value: formatPercent(figures?.onTimeRate ?? null),
      testid: 'figure-on-time',
      hint: '今日办结的承诺件中按期办结的比例',
    },
  ];
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
      <dl className="figures">
        {cells.map((cell) => (
          <div className="figure" key={cell.testid} title={cell.hint}>
            <dt>{cell.label}</dt>
            <dd>
              <span data-testid={cell.testid}>{cell.value}</span>
              {cell.unit && <small className="figure-unit">{cell.unit}</small>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
