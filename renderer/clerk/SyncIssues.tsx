// 同步异常 (Alt+Y for anyone signed in; the header button for a manager; the
// red 上传受阻 banner's button): why this counter's records are not reaching
// the hall server and what to do (上传状态; records missing from this counter
// are recorded as lost by a manager: 登记丢失), 本机被拒收的记录 (this
// counter's outbox rows the server rejected) and, for a manager online, 全大厅
// (every counter's rejected records, and the ticket conflicts of 手动录入票号).
// Each row: when, which window, what (kind and number, never the record's
// content) and the server's zh-CN reason. State in sync-issues-store.ts.
import { Button, Input, Spin, Tag } from 'antd';
import { useState, type ReactNode } from 'react';
import { managerOnlyMessage } from '../../common/errors.ts';
import {
  REJECTED_ADVICE,
  TICKET_STATUS_TEXT,
  type HallSyncConflict,
  type HallSyncRejection,
  type SyncRejection,
  type SyncStuck,
} from '../../common/sync-issues.ts';
import { useClerk } from './context.ts';
import { RetryAlert } from './Notices.tsx';
import { formatWhen, useSyncIssues, useSyncIssuesApi } from './sync-issues-store.ts';
import { isAltKey } from './logic.ts';
import { ManagerDrawerButton, ManagerDrawerFrame, openDrawer, useManagerDrawer } from './manager-drawer.tsx';
import './sync-issues.css';

export const SYNC_ISSUES_HOTKEY = 'Alt+Y';
export const SYNC_ISSUES_MANAGERS_ONLY_NOTICE = managerOnlyMessage('同步异常');

/** Alt+Y with no other modifier. */
export const isSyncIssuesHotkey = isAltKey('Y');

/** Alt+Y: opens (or closes) 同步异常 for whoever is signed in (全大厅 inside is a manager's). Esc closes it. */
export function useSyncIssuesHotkeys() {
  useManagerDrawer({ drawer: useSyncIssuesApi(), isHotkey: isSyncIssuesHotkey, refusal: SYNC_ISSUES_MANAGERS_ONLY_NOTICE, anyone: true });
}

/**
 * Under the header while records cannot reach the hall server although it
 * may be online: red when pushing has stopped and needs a person (records
 * missing, refused), amber while it waits to retry; the reason, and 查看 (Alt+Y).
 */
export function SyncBanner() {
  const pushIssue = useClerk((s) => s.state?.connection.syncIssue ?? null);
  const changed = useClerk((s) => s.state?.connection.recordsChanged ?? 0);
  const blocked = useClerk((s) => (s.state?.connection.syncBlocked ?? false) || changed > 0);
  const signedIn = useClerk((s) => s.state?.clerk != null);
  const drawer = useSyncIssuesApi();
  const issue =
    pushIssue ??
    (changed > 0 ? `本机记录核对发现 ${changed} 处改动（数据文件被改动）：以大厅服务器上的记录为准，请大厅管理员核查` : null);
  if (!issue) return null;
  return (
    <div
      className={blocked ? 'sync-banner sync-banner-blocked' : 'sync-banner'}
      role="alert"
      data-testid="sync-banner"
      data-state={blocked ? 'blocked' : 'waiting'}
    >
      <span>
        <strong>{pushIssue === null ? '记录被改动' : blocked ? '上传已停止' : '上传暂缓'}</strong>：{issue}
      </span>
      {signedIn && (
        <Button size="small" danger={blocked} data-testid="sync-banner-open" onClick={() => openDrawer(drawer)}>
          查看处理办法 <kbd>{SYNC_ISSUES_HOTKEY}</kbd>
        </Button>
      )}
    </div>
  );
}

/** 同步异常 in the header, for a manager only. */
export function SyncIssuesButton() {
  return (
    <ManagerDrawerButton
      drawer={useSyncIssuesApi()}
      testid="open-sync-issues"
      label="同步异常"
      hotkey={SYNC_ISSUES_HOTKEY}
      title="大厅服务器拒收的记录与票号冲突"
    />
  );
}

export function SyncIssuesDrawer() {
  const windowName = useClerk((s) => s.state?.window?.name ?? null);
  const store = useSyncIssuesApi();
  const open = useSyncIssues((s) => s.open);
  const view = useSyncIssues((s) => s.view);
  const loading = useSyncIssues((s) => s.loading);
  const error = useSyncIssues((s) => s.error);
  const manager = useClerk((s) => s.state?.clerk?.role === 'manager');
  const hall = view?.hall ?? null;
  const hallCount = hall ? hall.rejected.length + hall.conflicts.length : 0;
  return (
    <ManagerDrawerFrame
      drawer={store}
      anyone
      open={open}
      title="同步异常"
      hotkey={SYNC_ISSUES_HOTKEY}
      closeTestId="sync-issues-close"
      extra={
        <Button data-testid="sync-issues-refresh" loading={loading} onClick={() => void store.getState().refresh()}>
          刷新
        </Button>
      }
    >
      <div className="sync" data-testid="sync-issues" data-esc-local>
        <p className="sync-intro">
          本机的记录先存在本机，再上传到大厅服务器。这里列出上传受阻的原因和本机被拒收的记录，以及该怎么处理。
        </p>
        {error && (
          <RetryAlert title={error} onRetry={() => void store.getState().refresh()} testid="sync-issues-error" />
        )}
        {!view ? (
          loading && (
            <div className="sync-loading">
              <Spin /> 正在查询同步异常…
            </div>
          )
        ) : (
          <>
            <StuckSection stuck={view.stuck} unsent={view.unsent} manager={manager} />
            {view.integrity.length > 0 && (
              <Section title="本机记录核对（启动时）" note={`发现 ${view.integrity.length} 处问题`} testid="sync-integrity">
                <p className="sync-advice">
                  本终端启动时核对了自己的记录：下列记录在本机数据文件中被改动过，或它之前的记录被删除。以大厅服务器上的记录为准，本机的改动不会上传；请大厅管理员核查是谁改动了本终端的数据文件。
                </p>
                <ul className="sync-list">
                  {view.integrity.map((finding) => (
                    <li className="sync-row" key={`${finding.seq}-${finding.what}`} data-testid={`sync-integrity-${finding.seq}`}>
                      <div className="sync-row-head">
                        <Tag color="red" className="sync-kind">
                          {finding.missing ? '前有记录缺失' : '记录被改动'}
                        </Tag>
                        <span className="sync-subject">{finding.what}</span>
                        <span className="sync-seq">记录序号 {finding.seq}</span>
                      </div>
                      <div className="sync-reason">{finding.detail}</div>
                    </li>
                  ))}
                </ul>
              </Section>
            )}
            <Section
              title="本机被拒收的记录"
              note={`${windowName ?? '本机'} · ${view.local.length} 条`}
              testid="sync-local"
            >
              {view.local.length === 0 ? (
                <div className="sync-empty">本机没有被大厅服务器拒收的记录</div>
              ) : (
                <>
                <p className="sync-advice" data-testid="sync-local-advice">{REJECTED_ADVICE}</p>
                <ul className="sync-list">
                  {view.local.map((row) => (
                    <RejectionRow
                      key={row.seq}
                      row={row}
                      where={windowName ?? (view.windowId === null ? '本机' : `${view.windowId}号窗口`)}
                      testid={`sync-issue-local-${row.seq}`}
                    />
                  ))}
                </ul>
                </>
              )}
            </Section>
            {!hall ? (
              <Section title="全大厅（被拒收的记录、票号冲突）" note="" testid="sync-hall">
                <div className="sync-empty" data-testid="sync-hall-note">{view.hallNote}</div>
              </Section>
            ) : (
            <Section
              title="全大厅（被拒收的记录、票号冲突）"
              note={`${hallCount} 条 · 查询于 ${formatWhen(hall.serverTime)}`}
              testid="sync-hall"
            >
              <p className="sync-advice">票号冲突是离线时手动录入的票号与服务器记录不一致，请核对群众的取号凭条。</p>
              <h4 className="sync-subhead">被拒收的记录（{hall.rejected.length}）</h4>
              {hall.rejected.length === 0 ? (
                <div className="sync-empty">全大厅没有被拒收的记录</div>
              ) : (
                <ul className="sync-list">
                  {hall.rejected.map((row, index) => (
                    <RejectionRow
                      key={`${row.deviceName}-${row.seq}-${index}`}
                      row={row}
                      where={hallWhere(row)}
                      testid={`sync-issue-hall-${index + 1}`}
                    />
                  ))}
                </ul>
              )}
              <h4 className="sync-subhead">票号冲突（{hall.conflicts.length}）</h4>
              {hall.conflicts.length === 0 ? (
                <div className="sync-empty">全大厅没有票号冲突</div>
              ) : (
                <ul className="sync-list">
                  {hall.conflicts.map((conflict) => (
                    <ConflictRow key={conflict.id} conflict={conflict} />
                  ))}
                </ul>
              )}
              {(hall.rejected.length >= hall.limit || hall.conflicts.length >= hall.limit) && (
                <div className="sync-empty">只列出最近 {hall.limit} 条；更早的请由系统管理员在服务器上查询。</div>
              )}
            </Section>
            )}
          </>
        )}
      </div>
    </ManagerDrawerFrame>
  );
}

/** 上传状态: nothing wrong, or what happened and what to do; a gap is recorded as lost by a manager. */
function StuckSection({ stuck, unsent, manager }: { stuck: SyncStuck | null; unsent: number; manager: boolean }) {
  return (
    <Section
      title="上传状态"
      note={unsent > 0 ? `未上传 ${unsent} 条` : '全部已上传'}
      testid="sync-stuck"
    >
      {!stuck ? (
        <div className="sync-empty" data-testid="sync-stuck-none">
          {unsent > 0 ? `上传正常：有 ${unsent} 条记录等待上传，联网后自动上传` : '上传正常，本机记录已全部上传'}
        </div>
      ) : (
        <div className={stuck.gap ? 'sync-stuck sync-stuck-blocked' : 'sync-stuck'}>
          <div className="sync-stuck-message" data-testid="sync-stuck-message">{stuck.message}</div>
          <div className="sync-stuck-advice" data-testid="sync-stuck-advice">处理办法：{stuck.advice}</div>
          {stuck.gap &&
            (manager ? (
              <GapForm gap={stuck.gap} />
            ) : (
              <div className="sync-stuck-advice" data-testid="sync-gap-manager-only">
                登记丢失须由大厅管理员在本窗口登录后办理。
              </div>
            ))}
        </div>
      )}
    </Section>
  );
}

/** 登记丢失: the reason (4–200 characters), then 登记 (Ctrl+Enter in the box). */
function GapForm({ gap }: { gap: NonNullable<SyncStuck['gap']> }) {
  const store = useSyncIssuesApi();
  const resolving = useSyncIssues((s) => s.resolving);
  const error = useSyncIssues((s) => s.resolveError);
  const [reason, setReason] = useState('');
  const range = gap.fromSeq === gap.toSeq ? `第 ${gap.fromSeq} 条` : `第 ${gap.fromSeq}–${gap.toSeq} 条`;
  const short = reason.trim().length < 4;
  const submit = () => {
    if (short || resolving) return;
    void store.getState().resolveGap(gap.fromSeq, gap.toSeq, reason.trim()).then((done) => done && setReason(''));
  };
  return (
    <div className="sync-gap" data-testid="sync-gap">
      <label className="sync-gap-label" htmlFor="sync-gap-reason">
        将{range}记录登记为丢失（原因会发送到大厅服务器并留档，不可撤销）
      </label>
      <Input.TextArea
        id="sync-gap-reason"
        data-testid="sync-gap-reason"
        value={reason}
        maxLength={200}
        rows={2}
        placeholder="例如：终端数据库被误删改，缺失记录已与纸质凭条核对"
        onChange={(event) => setReason(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && event.ctrlKey) {
            event.preventDefault();
            submit();
          }
        }}
      />
      {error && (
        <div className="sync-gap-error" role="alert" data-testid="sync-gap-error">
          {error}
        </div>
      )}
      <Button danger data-testid="sync-gap-resolve" loading={resolving} disabled={short} onClick={submit}>
        登记丢失 <kbd>Ctrl+Enter</kbd>
      </Button>
      {short && <span className="sync-gap-hint">请先写明原因（至少 4 个字）</span>}
    </div>
  );
}

const hallWhere = (row: HallSyncRejection) =>
  `${row.windowId === null ? '无窗口' : `${row.windowId}号窗口`} · ${row.deviceName}`;

function Section({ title, note, testid, children }: { title: string; note: string; testid: string; children: ReactNode }) {
  return (
    <section className="sync-section" data-testid={testid}>
      <header className="sync-section-head">
        <h3>{title}</h3>
        <span className="sync-section-note">{note}</span>
      </header>
      {children}
    </section>
  );
}

function RejectionRow({ row, where, testid }: { row: SyncRejection; where: string; testid: string }) {
  return (
    <li className="sync-row" data-testid={testid}>
      <div className="sync-row-head">
        <span className="sync-time">{formatWhen(row.at)}</span>
        <span className="sync-where">{where}</span>
        <Tag color="red" className="sync-kind">
          {row.kind}
        </Tag>
        {row.subject && <span className="sync-subject">{row.subject}</span>}
        <span className="sync-seq" title={`记录类型 ${row.name}`}>
          记录序号 {row.seq}
        </span>
      </div>
      <div className="sync-reason">{row.reason}</div>
    </li>
  );
}

function ConflictRow({ conflict }: { conflict: HallSyncConflict }) {
  const onServer =
    conflict.ticketStatus === null
      ? '服务器上无此票'
      : `服务器上${TICKET_STATUS_TEXT[conflict.ticketStatus]}${
          conflict.ticketWindowId === null ? '' : `（${conflict.ticketWindowId}号窗口）`
        }`;
  return (
    <li className="sync-row" data-testid={`sync-conflict-${conflict.id}`}>
      <div className="sync-row-head">
        <span className="sync-time">{formatWhen(conflict.at)}</span>
        <span className="sync-where">
          {conflict.windowId}号窗口 · 工号 {conflict.staffNo}
        </span>
        <Tag color="orange" className="sync-kind">
          票号冲突
        </Tag>
        <span className="sync-subject">票号 {conflict.number}</span>
        <span className="sync-seq">{onServer}</span>
      </div>
      <div className="sync-reason">{conflict.reason}</div>
    </li>
  );
}
