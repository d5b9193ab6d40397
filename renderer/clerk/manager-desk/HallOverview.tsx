// 大厅总览 (管理台 Alt+1): every window as a tile — state in colour (办理中,
// 暂停服务 with the reason, 空闲, 未开窗, 离线), the clerk, the number in hand
// with its 办理计时 amber/red as on the clerk's own screen, the devices its
// counter reported — the lines (waiting, longest wait, issued and served
// today) and the alerts with what to do. Live: a long poll through the
// counter core (getHallOverview with the version held answers the next change).
import { DesktopOutlined, LikeOutlined, PrinterOutlined } from '@ant-design/icons';
import { Alert, Spin } from 'antd';
import { useContext, useEffect, useState, type ReactNode } from 'react';
import {
  DEVICE_LABEL,
  DEVICE_LEVEL_LABEL,
  WINDOW_STATE_LABEL,
  type DeviceHealthReport,
  type HallOverview,
  type OverviewAlert,
  type OverviewLine,
  type OverviewWindow,
} from '../../../common/hall-overview.ts';
import { hallClock } from '../../../common/hall-time.ts';
import { callErrorText, type Link } from '../../transport.ts';
import { RatingLinkContext } from '../RatingPanel.tsx';
import { ServiceTimer } from '../ServiceTimer.tsx';
import './hall-overview.css';

/** After a failed poll, ask again this much later. */
const RETRY_MS = 2_000;

/** The overview as the hall server last answered, kept current by the long poll while the tab is open. */
function useHallOverview(link: Link): { overview: HallOverview | null; error: string | null; updatedAt: number | null } {
  const [overview, setOverview] = useState<HallOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  useEffect(() => {
    let alive = true;
    let since: number | undefined;
    void (async () => {
      while (alive) {
        try {
          const answer = await link.api.getHallOverview(since === undefined ? {} : { since });
          if (!alive) return;
          if (answer.overview) {
            setOverview(answer.overview);
            setUpdatedAt(Date.now());
          }
          since = answer.version;
          setError(null);
        } catch (caught) {
          if (!alive) return;
          setError(callErrorText(caught));
          since = undefined;
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => {
      alive = false;
    };
  }, [link]);
  return { overview, error, updatedAt };
}

/** Now, every second: wait times and timers move between answers. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

const minutesSince = (iso: string, now: number) => Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));

export function HallOverviewTab() {
  const link = useContext(RatingLinkContext);
  if (!link) throw new Error('RatingLinkContext is missing');
  const { overview, error, updatedAt } = useHallOverview(link);
  const now = useNow();
  if (!overview) {
    return error ? (
      <Alert type="error" showIcon data-testid="overview-error" title={error} />
    ) : (
      <div className="desk-empty">
        <Spin /> 正在读取大厅总览…
      </div>
    );
  }
  const count = (state: OverviewWindow['state']) => overview.windows.filter((w) => w.state === state).length;
  return (
    <div className="ov" data-testid="hall-overview">
      <div className="ov-summary">
        {(['serving', 'idle', 'paused', 'closed', 'offline'] as const).map((state) => (
          <span key={state} className={`ov-sum ov-sum-${state}`}>
            {WINDOW_STATE_LABEL[state]} <strong data-testid={`overview-count-${state}`}>{count(state)}</strong>
          </span>
        ))}
        <span className="ov-sum-total">
          等候共 <strong>{overview.lines.reduce((sum, l) => sum + l.waiting, 0)}</strong> 人
        </span>
        <span className="ov-updated" data-testid="overview-updated">
          {error ? <span className="ov-stale">连接中断，显示的是 {hallClock(overview.at)} 的情况：{error}</span> : `实时 · 更新于 ${hallClock(new Date(updatedAt ?? now).toISOString())}`}
        </span>
      </div>
      <div className="ov-body">
        <section className="ov-tiles" aria-label="各窗口">
          {overview.windows.map((w) => (
            <WindowTile key={w.windowId} tile={w} now={now} />
          ))}
        </section>
        <aside className="ov-side">
          <LinesTable lines={overview.lines} threshold={overview.waitAlertMinutes} now={now} />
          <AlertsList alerts={overview.alerts} />
        </aside>
      </div>
    </div>
  );
}

function WindowTile({ tile, now }: { tile: OverviewWindow; now: number }) {
  const over = tile.state === 'serving' && tile.service ? (now >= Date.parse(tile.service.redAt) ? 'red' : now >= Date.parse(tile.service.amberAt) ? 'amber' : 'ok') : 'ok';
  let middle: ReactNode;
  if (tile.state === 'serving' && tile.current) {
    middle = (
      <div className="ov-serving">
        <span className="ov-number" data-testid={`overview-number-${tile.windowId}`}>
          {tile.current.number}
        </span>
        {tile.current.calledAt && <ServiceTimer since={tile.current.calledAt} service={tile.service} testId={`overview-timer-${tile.windowId}`} />}
      </div>
    );
  } else if (tile.state === 'paused' && tile.pause) {
    middle = (
      <div className="ov-pause" data-testid={`overview-pause-${tile.windowId}`}>
        <strong>{tile.pause.reason}</strong>
        {tile.pause.note && <span>（{tile.pause.note}）</span>}
        <span className="ov-pause-since">
          {hallClock(tile.pause.pausedAt).slice(0, 5)} 起{tile.pause.expectedBackAt && `，预计 ${hallClock(tile.pause.expectedBackAt).slice(0, 5)} 恢复`}
        </span>
      </div>
    );
  } else {
    middle = <div className="ov-quiet">{tile.state === 'idle' ? '空闲，可叫号' : tile.state === 'closed' ? '无人登录' : '终端未连接大厅服务器'}</div>;
  }
  return (
    <article
      className={`ov-tile ov-tile-${tile.state} ov-over-${over}`}
      data-testid={`overview-tile-${tile.windowId}`}
      data-state={tile.state}
      data-over={over}
      aria-label={`${tile.name} ${WINDOW_STATE_LABEL[tile.state]}`}
    >
      <header className="ov-tile-head">
        <span className="ov-tile-name">{tile.name}</span>
        <span className="ov-state" data-testid={`overview-state-${tile.windowId}`}>
          {WINDOW_STATE_LABEL[tile.state]}
        </span>
      </header>
      <div className="ov-clerk">{tile.clerk ? `${tile.clerk.name} · 工号 ${tile.clerk.staffNo}` : '—'}</div>
      {middle}
      <div className="ov-tile-foot">
        <span>
          可叫 <strong>{tile.waiting}</strong> 人 · 今日办结 <strong data-testid={`overview-served-${tile.windowId}`}>{tile.servedToday}</strong>
        </span>
        <span className="ov-lines">业务 {tile.lineIds.join('、')}</span>
      </div>
      <Devices devices={tile.devices} windowId={tile.windowId} />
    </article>
  );
}

const DEVICE_ICON: Record<keyof DeviceHealthReport, ReactNode> = {
  printer: <PrinterOutlined />,
  evaluator: <LikeOutlined />,
  outward: <DesktopOutlined />,
};

function Devices({ devices, windowId }: { devices: DeviceHealthReport | null; windowId: number }) {
  if (!devices) return <div className="ov-devices ov-devices-none">设备状况未上报</div>;
  return (
    <div className="ov-devices" data-testid={`overview-devices-${windowId}`}>
      {(['printer', 'evaluator', 'outward'] as const).map((key) => (
        <span
          key={key}
          className={`ov-device ov-device-${devices[key].level}`}
          data-testid={`overview-device-${windowId}-${key}`}
          data-level={devices[key].level}
          title={devices[key].message ?? undefined}
        >
          {DEVICE_ICON[key]} {DEVICE_LABEL[key]}
          {devices[key].level === 'ok' ? '' : DEVICE_LEVEL_LABEL[devices[key].level]}
        </span>
      ))}
    </div>
  );
}

function LinesTable({ lines, threshold, now }: { lines: OverviewLine[]; threshold: number; now: number }) {
  return (
    <section className="ov-panel" aria-label="各业务">
      <header className="ov-panel-head">各业务等候（超过 {threshold} 分钟标红）</header>
      <table className="ov-lines-table">
        <thead>
          <tr>
            <th>业务</th>
            <th>等候</th>
            <th>最长等候</th>
            <th>今日取号</th>
            <th>今日办结</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => {
            const waited = line.oldestWaitingSince ? minutesSince(line.oldestWaitingSince, now) : null;
            return (
              <tr key={line.lineId} data-testid={`overview-line-${line.lineId}`}>
                <td>
                  <span className="ov-letter">{line.lineId}</span> {line.name}
                </td>
                <td data-testid={`overview-waiting-${line.lineId}`}>{line.waiting}</td>
                <td className={waited !== null && waited >= threshold ? 'ov-wait-long' : undefined}>{waited === null ? '—' : `${waited} 分钟`}</td>
                <td>{line.issuedToday}</td>
                <td data-testid={`overview-line-served-${line.lineId}`}>{line.servedToday}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

const ALERT_KIND_LABEL: Record<OverviewAlert['kind'], string> = {
  overtime: '超时',
  long_wait: '等候过久',
  device_down: '设备',
  bad_rating: '差评',
};

function AlertsList({ alerts }: { alerts: OverviewAlert[] }) {
  return (
    <section className="ov-panel ov-panel-grow" aria-label="提醒">
      <header className="ov-panel-head">
        提醒 <span className="ov-panel-count">{alerts.length} 条</span>
      </header>
      <ol className="ov-alerts" data-testid="overview-alerts">
        {alerts.length === 0 && <li className="ov-alerts-none">暂无需要处理的提醒</li>}
        {alerts.map((alert, index) => (
          <li key={`${alert.kind}-${alert.windowId}-${alert.lineId}-${index}`} className={`ov-alert ov-alert-${alert.level}`} data-kind={alert.kind}>
            <div className="ov-alert-text">
              <span className="ov-alert-kind">{ALERT_KIND_LABEL[alert.kind]}</span>
              {alert.text}
            </div>
            <div className="ov-alert-action">处理：{alert.action}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}
