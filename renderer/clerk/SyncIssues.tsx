// 同步异常 (hall managers only; Alt+Y or the header button): what the hall
// server refused. Two lists: 本机被拒收的记录 (this counter's outbox rows the
// server rejected) and 全大厅 (every counter's rejected records, and the
// ticket conflicts of 手动录入票号). Each row: when, which window, what (kind
// and number, never the record's content) and the server's zh-CN reason.
// State in sync-issues-store.ts.
import { Button, Spin, Tag } from 'antd';
import type { ReactNode } from 'react';
import { managerOnlyMessage } from '../../common/errors.ts';
import { TICKET_STATUS_TEXT, type HallSyncConflict, type HallSyncRejection, type SyncRejection } from '../../common/sync-issues.ts';
import { useClerk } from './context.ts';
import { RetryAlert } from './Notices.tsx';
import { formatWhen, useSyncIssues, useSyncIssuesApi } from './sync-issues-store.ts';
import { isAltKey } from './logic.ts';
import { ManagerDrawerButton, ManagerDrawerFrame, useManagerDrawer } from './manager-drawer.tsx';
import './sync-issues.css';

export const SYNC_ISSUES_HOTKEY = 'Alt+Y';
export const SYNC_ISSUES_MANAGERS_ONLY_NOTICE = managerOnlyMessage('同步异常');

/** Alt+Y with no other modifier. */
export const isSyncIssuesHotkey = isAltKey('Y');

/** Alt+Y: opens (or closes) 同步异常 for a manager; a clerk is told why not. Esc closes it. */
export function useSyncIssuesHotkeys() {
  useManagerDrawer({ drawer: useSyncIssuesApi(), isHotkey: isSyncIssuesHotkey, refusal: SYNC_ISSUES_MANAGERS_ONLY_NOTICE });
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
  const hallCount = view ? view.hall.rejected.length + view.hall.conflicts.length : 0;
  return (
    <ManagerDrawerFrame
      drawer={store}
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
          大厅服务器拒收的记录不会自动重传：请按原因核对并在业务系统中处理。票号冲突是离线时手动录入的票号与服务器记录不一致，请核对群众的取号凭条。
        </p>
        {error && (
          <RetryAlert title={error} onRetry={() => void store.getState().refresh()} testid="sync-issues-error" />
        )}
        {!view ? (
          loading && (
            <div className="sync-loading">
              <Spin /> 正在向大厅服务器查询同步异常…
            </div>
          )
        ) : (
          <>
            <Section
              title="本机被拒收的记录"
              note={`${windowName ?? '本机'} · ${view.local.length} 条`}
              testid="sync-local"
            >
              {view.local.length === 0 ? (
                <div className="sync-empty">本机没有被大厅服务器拒收的记录</div>
              ) : (
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
              )}
            </Section>
            <Section
              title="全大厅（被拒收的记录、票号冲突）"
              note={`${hallCount} 条 · 查询于 ${formatWhen(view.hall.serverTime)}`}
              testid="sync-hall"
            >
              <h4 className="sync-subhead">被拒收的记录（{view.hall.rejected.length}）</h4>
              {view.hall.rejected.length === 0 ? (
                <div className="sync-empty">全大厅没有被拒收的记录</div>
              ) : (
                <ul className="sync-list">
                  {view.hall.rejected.map((row, index) => (
                    <RejectionRow
                      key={`${row.deviceName}-${row.seq}-${index}`}
                      row={row}
                      where={hallWhere(row)}
                      testid={`sync-issue-hall-${index + 1}`}
                    />
                  ))}
                </ul>
              )}
              <h4 className="sync-subhead">票号冲突（{view.hall.conflicts.length}）</h4>
              {view.hall.conflicts.length === 0 ? (
                <div className="sync-empty">全大厅没有票号冲突</div>
              ) : (
                <ul className="sync-list">
                  {view.hall.conflicts.map((conflict) => (
                    <ConflictRow key={conflict.id} conflict={conflict} />
                  ))}
                </ul>
              )}
              {(view.hall.rejected.length >= view.hall.limit || view.hall.conflicts.length >= view.hall.limit) && (
                <div className="sync-empty">只列出最近 {view.hall.limit} 条；更早的请由系统管理员在服务器上查询。</div>
              )}
            </Section>
          </>
        )}
      </div>
    </ManagerDrawerFrame>
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
