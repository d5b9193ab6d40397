// 统计报表 (管理台 tab, issue 17): 好差评 and workload for a day, month,
// quarter or any range, per window, clerk, line or item, as the hall server
// computes them (getRatingReport / getWorkloadReport). Figures up top, two
// ECharts charts (服务量 with 好评率; the five levels stacked), the table, and
// 差评明细 with each follow-up against its deadline. 导出 Excel saves the
// server's .xlsx; 打印 prints the page (reports.css has the print sheet).
// Keys: PgUp / PgDn the period before / after, Alt+E 导出 Excel, Ctrl+P 打印.
import { Alert, Button, Segmented, Select, Spin, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { hallToday } from '../../../common/hall-time.ts';
import { LEVEL_NAME, LEVELS_BEST_FIRST } from '../../../common/ratings.ts';
import {
  DEADLINE_LABEL,
  formatMinutes,
  formatRate,
  nextPeriod,
  PERIOD_LABEL,
  periodLabel,
  periodRange,
  previousPeriod,
  REPORT_VIEWS,
  VIEW_KEY_HEADER,
  VIEW_LABEL,
  type BadRatingEntry,
  type PeriodKind,
  type RatingReport,
  type RatingRow,
  type ReportView,
  type WorkloadReport,
  type WorkloadRow,
} from '../../../common/reports.ts';
import { FOLLOW_UP_LABEL } from '../../../common/ratings.ts';
import { callErrorText, type Link } from '../../transport.ts';
import { useClerk } from '../context.ts';
import { RatingLinkContext } from '../RatingPanel.tsx';
import './reports.css';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const REPORT_KEYS = { previous: 'PgUp', next: 'PgDn', exportExcel: 'Alt+E', print: 'Ctrl+P' } as const;

interface Period {
  kind: PeriodKind;
  from: string;
  to: string;
}
interface Loaded {
  workload: WorkloadReport;
  ratings: RatingReport;
  /** The filters it was asked with, in words (· 2号窗口 · 王丽华（1001）), '' for the whole hall. */
  filterText: string;
}
interface Filter {
  windowId?: number;
  staffNo?: string;
}
interface Choice<T> {
  value: T;
  label: string;
}
type Row = WorkloadRow & { rating: RatingRow };

/** Saves the server's workbook as a download (the browser host and Electron alike). */
export function saveWorkbook(fileName: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: XLSX_TYPE }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const QUARTERS = [1, 2, 3, 4];

function PeriodPicker({ period, onChange }: { period: Period; onChange(period: Period): void }) {
  const year = Number(period.from.slice(0, 4));
  const quarter = Math.floor((Number(period.from.slice(5, 7)) - 1) / 3) + 1;
  const years = Array.from({ length: 6 }, (_, i) => Number(hallToday().slice(0, 4)) - 4 + i);
  const pick = (kind: PeriodKind, anchor: string) =>
    onChange(kind === 'custom' ? { kind, from: period.from, to: period.to } : { kind, ...periodRange(kind, anchor) });
  return (
    <div className="report-period" data-testid="report-period">
      <Segmented
        value={period.kind}
        options={(['day', 'month', 'quarter', 'custom'] as const).map((kind) => ({ value: kind, label: PERIOD_LABEL[kind] }))}
        onChange={(kind) => pick(kind as PeriodKind, period.from)}
        data-testid="report-period-kind"
      />
      {period.kind !== 'custom' && (
        <Button onClick={() => onChange({ kind: period.kind, ...previousPeriod(period.kind as Exclude<PeriodKind, 'custom'>, period.from) })} data-testid="report-previous" title={`上一期（${REPORT_KEYS.previous}）`}>
          ◀ 上一期 <kbd>{REPORT_KEYS.previous}</kbd>
        </Button>
      )}
      {period.kind === 'day' && (
        <input type="date" className="report-date" aria-label="日期" value={period.from} onChange={(e) => e.target.value && pick('day', e.target.value)} />
      )}
      {period.kind === 'month' && (
        <input type="month" className="report-date" aria-label="月份" value={period.from.slice(0, 7)} onChange={(e) => e.target.value && pick('month', `${e.target.value}-01`)} />
      )}
      {period.kind === 'quarter' && (
        <>
          <Select
            aria-label="年份"
            value={year}
            options={years.map((y) => ({ value: y, label: `${y}年` }))}
            onChange={(y) => pick('quarter', `${y}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`)}
            style={{ width: 96 }}
          />
          <Select
            aria-label="季度"
            data-testid="report-quarter"
            value={quarter}
            options={QUARTERS.map((q) => ({ value: q, label: `第${q}季度` }))}
            onChange={(q) => pick('quarter', `${year}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01`)}
            style={{ width: 104 }}
          />
        </>
      )}
      {period.kind === 'custom' && (
        <>
          <input type="date" className="report-date" aria-label="开始日期" data-testid="report-from" value={period.from} onChange={(e) => onChange({ ...period, from: e.target.value })} />
          <span>至</span>
          <input type="date" className="report-date" aria-label="结束日期" data-testid="report-to" value={period.to} onChange={(e) => onChange({ ...period, to: e.target.value })} />
        </>
      )}
      {period.kind !== 'custom' && (
        <Button onClick={() => onChange({ kind: period.kind, ...nextPeriod(period.kind as Exclude<PeriodKind, 'custom'>, period.to) })} data-testid="report-next" title={`下一期（${REPORT_KEYS.next}）`}>
          下一期 ▶ <kbd>{REPORT_KEYS.next}</kbd>
        </Button>
      )}
    </div>
  );
}

function Chart({ option, testid }: { option: echarts.EChartsCoreOption; testid: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!element.current) return;
    const instance = echarts.init(element.current, null, { renderer: 'canvas' });
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    // Printing: the page is narrower than the screen; the charts follow it.
    window.addEventListener('beforeprint', resize);
    window.addEventListener('afterprint', resize);
    return () => {
      window.removeEventListener('resize', resize);
      window.removeEventListener('beforeprint', resize);
      window.removeEventListener('afterprint', resize);
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={element} className="report-chart" data-testid={testid} />;
}

const LEVEL_COLOURS: Record<number, string> = { 5: '#2f9e44', 4: '#74b816', 3: '#f59f00', 2: '#f76707', 1: '#e03131' };

function charts(rows: Row[], view: ReportView): { served: echarts.EChartsCoreOption; levels: echarts.EChartsCoreOption } {
  const names = rows.map((r) => (view === 'staff' ? r.name.replace(/（.*）$/, '') : r.name));
  const axis = { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0, fontSize: 11 } };
  return {
    served: {
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { data: ['服务量', '好评率'], top: 0 },
      grid: { left: 48, right: 48, top: 32, bottom: names.length > 6 ? 64 : 28 },
      xAxis: axis,
      yAxis: [
        { type: 'value', name: '人次', minInterval: 1 },
        { type: 'value', name: '好评率', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      ],
      series: [
        { name: '服务量', type: 'bar', data: rows.map((r) => r.served), itemStyle: { color: '#3b6fb6' }, barMaxWidth: 36 },
        {
          name: '好评率',
          type: 'line',
          yAxisIndex: 1,
          data: rows.map((r) => (r.rating.goodRate === null ? null : Math.round(r.rating.goodRate * 1000) / 10)),
          itemStyle: { color: '#2f9e44' },
        },
      ],
    },
    levels: {
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { data: LEVELS_BEST_FIRST.map((l) => LEVEL_NAME[l]), top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: names.length > 6 ? 64 : 28 },
      xAxis: axis,
      yAxis: { type: 'value', name: '评价数', minInterval: 1 },
      series: LEVELS_BEST_FIRST.map((level) => ({
        name: LEVEL_NAME[level],
        type: 'bar',
        stack: 'levels',
        data: rows.map((r) => r.rating.levels[level]),
        itemStyle: { color: LEVEL_COLOURS[level] },
        barMaxWidth: 36,
      })),
    },
  };
}

const num = (value: number) => value.toLocaleString('zh-CN');

function columns(view: ReportView): ColumnsType<Row> {
  return [
    { title: VIEW_KEY_HEADER[view], dataIndex: 'name', key: 'name', fixed: 'left', width: view === 'item' ? 220 : 130, ellipsis: true },
    { title: '服务量', key: 'served', align: 'right', render: (_, r) => num(r.served), sorter: (a, b) => a.served - b.served },
    {
      title: '等候（分钟）',
      children: [
        { title: '平均', key: 'waitAvg', align: 'right', render: (_, r) => formatMinutes(r.waitAvg) },
        { title: 'P90', key: 'waitP90', align: 'right', render: (_, r) => formatMinutes(r.waitP90) },
      ],
    },
    {
      title: '办理（分钟）',
      children: [
        { title: '平均', key: 'serviceAvg', align: 'right', render: (_, r) => formatMinutes(r.serviceAvg) },
        { title: 'P90', key: 'serviceP90', align: 'right', render: (_, r) => formatMinutes(r.serviceP90) },
      ],
    },
    { title: '评价数', key: 'rated', align: 'right', render: (_, r) => num(r.rating.rated) },
    { title: '未评价', key: 'notRated', align: 'right', render: (_, r) => num(r.rating.notRated) },
    { title: '评价率', key: 'ratingRate', align: 'right', render: (_, r) => formatRate(r.rating.ratingRate) },
    ...LEVELS_BEST_FIRST.map((level) => ({
      title: LEVEL_NAME[level],
      key: `level${level}`,
      align: 'right' as const,
      render: (_: unknown, r: Row) => num(r.rating.levels[level]),
    })),
    { title: '好评率', key: 'goodRate', align: 'right', render: (_, r) => formatRate(r.rating.goodRate), sorter: (a, b) => (a.rating.goodRate ?? -1) - (b.rating.goodRate ?? -1) },
    {
      title: '差评回访',
      children: [
        { title: '差评', key: 'bad', align: 'right', render: (_, r) => (r.rating.bad ? <strong className="report-bad">{r.rating.bad}</strong> : 0) },
        { title: '按期', key: 'onTime', align: 'right', render: (_, r) => r.rating.badOnTime },
        { title: '逾期', key: 'overdue', align: 'right', render: (_, r) => (r.rating.badOverdue ? <strong className="report-bad">{r.rating.badOverdue}</strong> : 0) },
        { title: '处理中', key: 'open', align: 'right', render: (_, r) => r.rating.badOpen },
        { title: '未登记', key: 'none', align: 'right', render: (_, r) => r.rating.badNoFollowUp },
      ],
    },
  ];
}

const DEADLINE_COLOUR: Record<BadRatingEntry['deadline'], string> = {
  met: 'green',
  late: 'orange',
  overdue: 'red',
  open: 'blue',
  none: 'default',
};
const badColumns: ColumnsType<BadRatingEntry> = [
  { title: '日期', dataIndex: 'day', key: 'day', width: 100 },
  { title: '窗口', dataIndex: 'windowName', key: 'window', width: 90 },
  { title: '工作人员', dataIndex: 'staffName', key: 'staff', width: 130 },
  { title: '事项', dataIndex: 'itemName', key: 'item', ellipsis: true },
  { title: '票号', key: 'ticket', width: 80, render: (_, b) => b.ticketNumber ?? '—' },
  { title: '评价', key: 'level', width: 96, render: (_, b) => <span className="report-bad">{LEVEL_NAME[b.level]}</span> },
  { title: '回访状态', key: 'state', width: 90, render: (_, b) => (b.followUpState ? FOLLOW_UP_LABEL[b.followUpState] : '未登记') },
  { title: '回访期限', key: 'due', width: 100, render: (_, b) => b.dueDate ?? '—' },
  { title: '回访日期', key: 'calledBack', width: 100, render: (_, b) => b.calledBackOn ?? '—' },
  { title: '是否按期', key: 'deadline', width: 130, render: (_, b) => <Tag color={DEADLINE_COLOUR[b.deadline]}>{DEADLINE_LABEL[b.deadline]}</Tag> },
];

function Figures({ loaded }: { loaded: Loaded }) {
  const w = loaded.workload.total;
  const r = loaded.ratings.total;
  const figures: [string, string, string?][] = [
    ['服务量', `${num(w.served)} 人次`],
    ['平均等候', `${formatMinutes(w.waitAvg)} 分钟`, `P90 ${formatMinutes(w.waitP90)} 分钟`],
    ['平均办理', `${formatMinutes(w.serviceAvg)} 分钟`, `P90 ${formatMinutes(w.serviceP90)} 分钟`],
    ['评价率', formatRate(r.ratingRate), `评价 ${num(r.rated)} · 未评价 ${num(r.notRated)}`],
    ['好评率', formatRate(r.goodRate), `好评 ${num(r.levels[5] + r.levels[4] + r.levels[3])}（基本满意及以上）`],
    ['差评', `${r.bad} 条`, badFollowUpNote(r)],
  ];
  return (
    <div className="report-figures" data-testid="report-figures">
      {figures.map(([label, value, note]) => (
        <div key={label} className={label === '差评' && r.badOverdue > 0 ? 'report-figure report-figure-alert' : 'report-figure'}>
          <div className="report-figure-label">{label}</div>
          <div className="report-figure-value">{value}</div>
          {note && <div className="report-figure-note">{note}</div>}
        </div>
      ))}
    </div>
  );
}

export function ReportsPage() {
  const link = useContext(RatingLinkContext) as Link | null;
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  const [period, setPeriod] = useState<Period>(() => ({ kind: 'quarter', ...periodRange('quarter', hallToday()) }));
  const [view, setView] = useState<ReportView>('window');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  const asked = useRef(0);
  const [filter, setFilter] = useState<Filter>({});
  // The windows and clerks to filter by: those of the last whole-hall report.
  const [choices, setChoices] = useState<{ windows: Choice<number>[]; staff: Choice<string>[] }>({ windows: [], staff: [] });

  useEffect(() => {
    // A custom range is asked for when both ends are filled in; the server checks the rest (end before start, over a year).
    if (!link || !period.from || !period.to) return;
    const ask = (asked.current += 1);
    const args = { from: period.from, to: period.to, ...filter };
    Promise.all([link.api.getWorkloadReport(args), link.api.getRatingReport(args)]).then(
      ([workload, ratings]) => {
        if (ask !== asked.current) return;
        const windowName = workload.views.window.find((r) => r.key === String(filter.windowId))?.name;
        const staffName = workload.views.staff.find((r) => r.key === filter.staffNo)?.name;
        const filterText = [filter.windowId === undefined ? null : (windowName ?? `${filter.windowId}号窗口`), filter.staffNo === undefined ? null : (staffName ?? filter.staffNo)]
          .filter((text) => text !== null)
          .map((text) => ` · ${text}`)
          .join('');
        setLoaded({ workload, ratings, filterText });
        if (filter.windowId === undefined && filter.staffNo === undefined && workload.views.window.length > 0) {
          setChoices({
            windows: workload.views.window.map((r) => ({ value: Number(r.key), label: r.name })),
            staff: workload.views.staff.filter((r) => r.key !== '').map((r) => ({ value: r.key, label: r.name })),
          });
        }
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (ask !== asked.current) return;
        setError(callErrorText(e));
        setLoaded(null);
        setLoading(false);
      },
    );
  }, [link, period, filter]);
  const changePeriod = useCallback((next: Period) => {
    setPeriod(next);
    setLoading(true);
    setError(null);
  }, []);
  const changeFilter = useCallback((next: Filter) => {
    setFilter(next);
    setLoading(true);
    setError(null);
  }, []);

  const exportExcel = useCallback(async () => {
    if (!link || exporting) return;
    setExporting(true);
    setExported(null);
    try {
      const file = await link.api.exportReport({ from: period.from, to: period.to, ...filter });
      saveWorkbook(file.fileName, file.base64);
      setExported(`已导出「${file.fileName}」（${Math.ceil(file.bytes / 1024)} KB，每个视图一张工作表，另有差评明细）`);
    } catch (e) {
      setError(callErrorText(e));
    } finally {
      setExporting(false);
    }
  }, [link, exporting, period, filter]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
      if (plain && (event.key === 'PageUp' || event.key === 'PageDown') && period.kind !== 'custom') {
        event.preventDefault();
        const kind = period.kind;
        changePeriod(event.key === 'PageUp' ? { kind, ...previousPeriod(kind, period.from) } : { kind, ...nextPeriod(kind, period.to) });
      } else if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.code === 'KeyE') {
        event.preventDefault();
        event.stopPropagation();
        void exportExcel();
      } else if (event.ctrlKey && !event.altKey && !event.metaKey && !event.shiftKey && event.code === 'KeyP') {
        event.preventDefault();
        event.stopPropagation();
        window.print();
      }
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [period, exportExcel, changePeriod]);

  const rows: Row[] = useMemo(() => {
    if (!loaded) return [];
    return loaded.workload.views[view].map((w) => ({ ...w, rating: loaded.ratings.views[view].find((r) => r.key === w.key)! }));
  }, [loaded, view]);
  const total: Row | null = loaded ? { ...loaded.workload.total, rating: loaded.ratings.total } : null;
  const chartOptions = useMemo(() => charts(rows, view), [rows, view]);
  const label = periodLabel(period.from, period.to);

  return (
    <div className="reports" data-testid="reports">
      <div className="report-toolbar">
        <PeriodPicker period={period} onChange={changePeriod} />
        <div className="report-filters">
          <Select<number>
            aria-label="窗口"
            data-testid="report-window"
            allowClear
            placeholder="全部窗口"
            value={filter.windowId}
            options={choices.windows}
            onChange={(windowId) => changeFilter({ ...filter, windowId: windowId ?? undefined })}
            style={{ width: 130 }}
          />
          <Select<string>
            aria-label="工作人员"
            data-testid="report-staff"
            allowClear
            placeholder="全部人员"
            value={filter.staffNo}
            options={choices.staff}
            onChange={(staffNo) => changeFilter({ ...filter, staffNo: staffNo ?? undefined })}
            style={{ width: 150 }}
          />
        </div>
        <div className="report-actions">
          <Button type="primary" onClick={() => void exportExcel()} loading={exporting} disabled={!loaded} data-testid="report-export">
            导出 Excel <kbd>{REPORT_KEYS.exportExcel}</kbd>
          </Button>
          <Button onClick={() => window.print()} disabled={!loaded} data-testid="report-print">
            打印 <kbd>{REPORT_KEYS.print}</kbd>
          </Button>
        </div>
      </div>
      <h2 className="report-title" data-testid="report-title">
        {hallName} 好差评与工作量统计 · {loaded ? `${loaded.workload.periodLabel}${loaded.filterText}` : label} · {VIEW_LABEL[view]}
      </h2>
      {error && <Alert type="error" showIcon message={error} className="report-alert" data-testid="report-error" />}
      {exported && <Alert type="success" showIcon message={exported} className="report-alert" closable onClose={() => setExported(null)} data-testid="report-exported" />}
      <Spin spinning={loading} tip="正在统计…">
        {loaded && total && (
          <>
            <Figures loaded={loaded} />
            <Segmented
              className="report-views"
              value={view}
              options={REPORT_VIEWS.map((v) => ({ value: v, label: VIEW_LABEL[v] }))}
              onChange={(v) => setView(v as ReportView)}
              data-testid="report-views"
            />
            {rows.length === 0 ? (
              <div className="desk-empty" data-testid="report-empty">
                {label}没有办结的号，也没有评价。请换一个统计期间（{REPORT_KEYS.previous} / {REPORT_KEYS.next}）。
              </div>
            ) : (
              <>
                <div className="report-charts">
                  <Chart option={chartOptions.served} testid="report-chart-served" />
                  <Chart option={chartOptions.levels} testid="report-chart-levels" />
                </div>
                <Table<Row>
                  className="report-table"
                  data-testid="report-table"
                  size="small"
                  bordered
                  pagination={false}
                  rowKey="key"
                  columns={columns(view)}
                  dataSource={rows}
                  scroll={{ x: 'max-content' }}
                  summary={() => (
                    <Table.Summary.Row className="report-total">
                      {summaryCells(total)}
                    </Table.Summary.Row>
                  )}
                />
              </>
            )}
            {loaded.ratings.badRatings.length > 0 && (
              <section className="report-bad-list" data-testid="report-bad-list">
                <h3>
                  差评明细（{loaded.ratings.total.bad} 条{loaded.ratings.badRatingsTruncated ? `，仅列出前 ${loaded.ratings.badRatings.length} 条` : ''}）
                </h3>
                <Table<BadRatingEntry> size="small" bordered pagination={false} rowKey="ratingId" columns={badColumns} dataSource={loaded.ratings.badRatings} />
              </section>
            )}
          </>
        )}
      </Spin>
    </div>
  );
}

function summaryCells(total: Row) {
  const values = [
    '合计',
    num(total.served),
    formatMinutes(total.waitAvg),
    formatMinutes(total.waitP90),
    formatMinutes(total.serviceAvg),
    formatMinutes(total.serviceP90),
    num(total.rating.rated),
    num(total.rating.notRated),
    formatRate(total.rating.ratingRate),
    ...LEVELS_BEST_FIRST.map((l) => num(total.rating.levels[l])),
    formatRate(total.rating.goodRate),
    String(total.rating.bad),
    String(total.rating.badOnTime),
    String(total.rating.badOverdue),
    String(total.rating.badOpen),
    String(total.rating.badNoFollowUp),
  ];
  return values.map((value, i) => (
    <Table.Summary.Cell key={i} index={i} align={i === 0 ? 'left' : 'right'}>
      <strong>{value}</strong>
    </Table.Summary.Cell>
  ));
}

/** How the period's 差评 follow-ups stand, the kinds with none left out so that the card's line fits. */
function badFollowUpNote(r: RatingRow): string {
  const parts: [string, number][] = [
    ['按期', r.badOnTime],
    ['逾期', r.badOverdue],
    ['处理中', r.badOpen],
    ['未登记', r.badNoFollowUp],
  ];
  return parts.filter(([, count]) => count > 0).map(([label, count]) => `${label} ${count}`).join(' · ') || '无';
}
