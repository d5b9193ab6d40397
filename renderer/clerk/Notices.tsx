// The alert area under the current ticket, a failed load's 重试 alert, the
// connection badge, the outward screen's badge and its 语音未开启 badge.
import { Alert, Button, Tooltip } from 'antd';
import { OUTWARD_VOICE_BLOCKED_MESSAGE, type ConnectionState } from '../../common/contract.ts';
import type { OutwardScreenStatus } from '../../common/device-setup.ts';
import { DISCONNECTED_MESSAGE } from '../transport.ts';
import { useClerk } from './context.ts';

/** The last error (or info) of a call, visible until the next action succeeds or the clerk closes it. */
export function NoticeArea({ reserve = false }: { reserve?: boolean }) {
  const notice = useClerk((s) => s.notice);
  const dismiss = useClerk((s) => s.dismissNotice);
  return (
    <div className={reserve ? 'notice-area notice-area-reserved' : 'notice-area'}>
      {notice && (
        <div data-testid="action-error" data-kind={notice.kind} data-code={notice.code ?? ''}>
          <Alert
            key={notice.seq}
            type={notice.kind}
            showIcon
            title={notice.message}
            closable={{ onClose: dismiss, 'aria-label': '关闭提示' }}
          />
        </div>
      )}
    </div>
  );
}

/** Something could not be loaded: why, and 重试. */
export function RetryAlert({ title, onRetry, testid }: { title: string; onRetry: () => void; testid?: string }) {
  return (
    <Alert
      type="error"
      showIcon
      title={title}
      action={
        <Button size="small" onClick={onRetry}>
          重试
        </Button>
      }
      data-testid={testid}
    />
  );
}

const LABEL: Record<ConnectionState['state'], string> = {
  online: '在线',
  connecting: '连接中',
  offline: '离线',
};
/** The badge's colour, the same green / amber / red as the device badges. */
const CONNECTION_LEVEL: Record<ConnectionState['state'], 'ok' | 'warning' | 'error'> = {
  online: 'ok',
  connecting: 'warning',
  offline: 'error',
};
export const OFFLINE_ADVICE = '请检查网络或联系管理员';

const trimReason = (reason: string | null): string => reason?.replace(/[。.；;，,\s]+$/, '') ?? '';

/** The connection to the hall server as the clerk should read it (the renderer's own link counts too). */
export function useEffectiveConnection(): { state: ConnectionState['state']; reason: string | null } | null {
  const connection = useClerk((s) => s.state?.connection);
  const link = useClerk((s) => s.link);
  if (link === 'closed') return { state: 'offline', reason: DISCONNECTED_MESSAGE };
  if (!connection) return null;
  return { state: connection.state, reason: connection.reason };
}

/** In the workspace header the badge names what it is about, like 打印机… 评价器… 外屏…; the sign-in card labels it itself. */
export function ConnectionBadge({ named = false }: { named?: boolean }) {
  const connection = useEffectiveConnection();
  const serverUrl = useClerk((s) => s.state?.connection.serverUrl ?? null);
  /** Records committed here that the hall server has not acknowledged yet (sent on reconnect). */
  const unsent = useClerk((s) => s.state?.unsent ?? 0);
  /** Pushing stopped and needs a person: red whatever the link, with the reason (SyncBanner says what to do). */
  const syncBlocked = useClerk((s) => s.state?.connection.syncBlocked ?? false);
  const syncIssue = useClerk((s) => s.state?.connection.syncIssue ?? null);
  if (!connection) return null;
  const stuck = syncBlocked && connection.state === 'online';
  const tip =
    connection.state === 'offline'
      ? `${trimReason(connection.reason) || '无法连接大厅服务器'}。${OFFLINE_ADVICE}`
      : connection.state === 'connecting'
        ? '正在连接大厅服务器…'
        : `已连接大厅服务器${serverUrl ? `（${serverUrl}）` : ''}`;
  const fullTip = stuck
    ? `${tip}。上传已停止：${syncIssue ?? ''}`
    : unsent > 0
      ? `${tip}。本机有 ${unsent} 条记录尚未上传，联网后自动上传`
      : tip;
  return (
    <Tooltip title={fullTip}>
      <span
        className={`status-badge status-${stuck ? 'error' : CONNECTION_LEVEL[connection.state]}`}
        data-testid="connection-state"
        data-state={connection.state}
        data-sync={stuck ? 'blocked' : 'ok'}
        aria-label={`大厅服务器：${LABEL[connection.state]}${stuck ? '，上传已停止' : ''}`}
      >
        <span className={connection.state === 'connecting' ? 'status-dot status-dot-blink' : 'status-dot'} />
        {named ? `服务器${LABEL[connection.state]}` : LABEL[connection.state]}
        {stuck && <span className="conn-stuck"> · 上传已停止</span>}
        {unsent > 0 && (
          <span className="conn-unsent" data-testid="unsent-count" data-count={unsent}>
            {' '}· 未上传 {unsent} 条
          </span>
        )}
      </span>
    </Tooltip>
  );
}

/** Under the header while the hall server is out of reach: why, and what to do. */
export function OfflineBanner() {
  const connection = useEffectiveConnection();
  const link = useClerk((s) => s.link);
  if (!connection || connection.state !== 'offline' || link === 'closed') return null;
  const reason = trimReason(connection.reason);
  return (
    <div className="offline-banner" role="status" data-testid="connection-reason">
      <span>
        <strong>大厅服务器离线</strong>
        {reason ? `：${reason}` : ''}
      </span>
      <span className="offline-advice">{OFFLINE_ADVICE}</span>
    </div>
  );
}

export const OUTWARD_LABEL: Record<OutwardScreenStatus['level'], string> = {
  ok: '外屏正常',
  warning: '外屏在工作台屏幕上',
  error: '外屏未打开',
};

/** The citizen's outward screen: green on its own display, amber on the clerk's screen, red nowhere; what to do on hover. */
export function OutwardBadge() {
  const outward = useClerk((s) => s.state?.devices?.outward ?? null);
  if (!outward) return null;
  const label = OUTWARD_LABEL[outward.level];
  return (
    <Tooltip title={outward.message ?? '对外屏正在对外的显示器上显示'}>
      <span
        className={`status-badge status-${outward.level}`}
        data-testid="outward-state"
        data-state={outward.level}
        aria-label={`外屏：${label}`}
      >
        <span className="status-dot" />
        {label}
      </span>
    </Tooltip>
  );
}

/**
 * 语音未开启 (amber) while the outward page's browser holds its sound back:
 * what to do is said beside it on a wide screen, and on hover. Nothing when
 * the outward page can be heard, voice is off, or no outward page is open
 * (the outward badge says that).
 */
export function VoiceBadge() {
  const voice = useClerk((s) => s.state?.devices?.voice ?? null);
  if (voice !== 'blocked') return null;
  return (
    <Tooltip title={OUTWARD_VOICE_BLOCKED_MESSAGE}>
      <span
        className="status-badge status-warning"
        data-testid="voice-state"
        data-state={voice}
        aria-label={OUTWARD_VOICE_BLOCKED_MESSAGE}
      >
        <span className="status-dot" />
        语音未开启
        <span className="status-badge-advice">请在外屏上点击「开启语音」</span>
      </span>
    </Tooltip>
  );
}
