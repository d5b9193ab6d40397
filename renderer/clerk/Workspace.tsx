// The signed-in clerk's workspace: who and where, the ticket being served,
// the four queue actions (F1–F4), and the queue, today's figures and today's
// calls alongside. Three tabs share the main area: 叫号 (the big number),
// 办件 (F6, the case panel) and 办件列表 (F8); the last two keep the ticket
// and F1–F4 in a strip on top.
import { Button, Tag } from 'antd';
import { useEffect } from 'react';
import type { ClerkState } from '../../common/contract.ts';
import type { Priority } from '../../common/model.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import { useCaseHotkeys } from './case-hotkeys.ts';
import { CASE_HOTKEY, formHasInput } from './case-logic.ts';
import type { CaseTab } from './case-store.ts';
import { CaseListView } from './CaseList.tsx';
import { CasePanel } from './CasePanel.tsx';
import { useClerk } from './context.ts';
import { FiguresPanel } from './Figures.tsx';
import type { ButtonLook } from './theme.ts';
import { TypedTicketPanel } from './TypedTicketPanel.tsx';
import { WalkInPanel } from './WalkInPanel.tsx';
import { QueueRoutinePanel } from './QueueRoutine.tsx';
import { ServiceTimer } from './ServiceTimer.tsx';
import {
  ACTION_HOTKEY,
  ACTION_LABEL,
  availability,
  formatClock,
  formatDuration,
  lineName,
  LOG_ACTION_LABEL,
  PRIORITY_TEXT,
  QUEUE_ACTIONS,
  recallsStillNeeded,
  type QueueAction,
} from './logic.ts';
import { DeviceSetupButton, DeviceSetupDrawer, useDeviceSetupHotkeys } from './device-setup/DeviceSetup.tsx';
import { useDeviceSetupApi } from './device-setup/device-setup-store.ts';
import { LockScreen, PauseButton, useLockTriggers } from './LockScreen.tsx';
import {
  ConnectionBadge,
  NoticeArea,
  OfflineBanner,
  OutwardBadge,
  useEffectiveConnection,
  VoiceBadge,
} from './Notices.tsx';
import { PrinterStatus } from './PrintQueue.tsx';
import { usePrintQueueApi } from './print-store.ts';
import { EvaluatorBadge, RatingPanel } from './RatingPanel.tsx';
import { IdCardBadge, IdCardReads } from './IdCard.tsx';
import { SyncBanner, SyncIssuesButton, SyncIssuesDrawer, useSyncIssuesHotkeys } from './SyncIssues.tsx';
import { useSyncIssuesApi } from './sync-issues-store.ts';
import { ManagerDesk, ManagerDeskButton, useManagerDeskHotkeys } from './manager-desk/ManagerDesk.tsx';
import { deskStore } from './manager-desk/desk-store.ts';

export function Workspace() {
  const tab = useCases((s) => s.tab);
  const locked = useClerk((s) => s.state?.locked ?? false);
  useCaseHotkeys();
  useCaseLifecycle();
  useLockTriggers();
  useDeviceSetupHotkeys();
  useSyncIssuesHotkeys();
  useManagerDeskHotkeys();
  useCloseDrawersOnLock(locked);
  return (
    <div className="ws">
      <WorkspaceHeader />
      <OfflineBanner />
      <SyncBanner />
      <div className="ws-body">
        <main className="ws-main">
          <WorkTabs />
          <IdCardReads />
          {tab === 'queue' ? (
            <>
              <CurrentTicket />
              <NoticeArea reserve />
              <ActionButtons />
              <QueueRoutinePanel bar />
            </>
          ) : (
            <>
              <TicketStrip />
              <QueueRoutinePanel bar={false} />
              <NoticeArea />
              {tab === 'case' ? <CasePanel /> : <CaseListView />}
            </>
          )}
        </main>
        <aside className="ws-side">
          <QueuePanel />
          <WalkInPanel />
          <TypedTicketPanel />
          <RatingPanel />
          <FiguresPanel />
          <CallLogPanel />
        </aside>
      </div>
      <DeviceSetupDrawer />
      <SyncIssuesDrawer />
      <ManagerDesk />
      <LockScreen />
    </div>
  );
}

/** 暂停服务 leaves nothing open under the lock screen (the 差评回访 drawer follows `locked` itself). */
function useCloseDrawersOnLock(locked: boolean) {
  const setup = useDeviceSetupApi();
  const printQueue = usePrintQueueApi();
  const syncIssues = useSyncIssuesApi();
  useEffect(() => {
    if (!locked) return;
    setup.getState().setOpen(false);
    printQueue.getState().setOpen(false);
    syncIssues.getState().setOpen(false);
    deskStore.getState().setOpen(false);
  }, [locked, setup, printQueue, syncIssues]);
}

/** The catalogue is loaded once signed in; a new ticket reaches the case in hand; signing out forgets it. */
function useCaseLifecycle() {
  const store = useCaseStoreApi();
  const ticket = useClerk((s) => s.state?.current?.number ?? null);
  useEffect(() => {
    void store.getState().loadCatalogue();
    return () => store.getState().resetLocal();
  }, [store]);
  useEffect(() => store.getState().ticketChanged(ticket), [store, ticket]);
}

const TABS: { tab: CaseTab; label: string; key: string; testid: string }[] = [
  { tab: 'queue', label: '叫号', key: 'F1–F4', testid: 'tab-queue' },
  { tab: 'case', label: '办件', key: CASE_HOTKEY.newCase, testid: 'tab-case' },
  { tab: 'list', label: '办件列表', key: CASE_HOTKEY.caseList, testid: 'tab-list' },
];

function WorkTabs() {
  const store = useCaseStoreApi();
  const tab = useCases((s) => s.tab);
  const inHand = useCases((s) => s.result === null && formHasInput(s.form));
  const choose = (next: CaseTab) => {
    const cases = store.getState();
    cases.setTab(next);
    if (next === 'case') {
      if (!cases.catalogue) void cases.loadCatalogue();
      if (!cases.result && !formHasInput(cases.form)) cases.requestFocus('search');
    }
  };
  return (
    <nav className="ws-tabs" role="tablist" aria-label="工作区">
      {TABS.map((t) => (
        <button
          key={t.tab}
          type="button"
          role="tab"
          aria-selected={tab === t.tab}
          className={tab === t.tab ? 'ws-tab ws-tab-active' : 'ws-tab'}
          data-testid={t.testid}
          onClick={() => choose(t.tab)}
        >
          {t.label}
          {t.tab === 'case' && inHand && <span className="ws-tab-dot" aria-label="有未完成的办件" />}
          <kbd>{t.key}</kbd>
        </button>
      ))}
      <span className="ws-tabs-hint">
        <kbd>{CASE_HOTKEY.findItem}</kbd> 查找事项 · <kbd>Esc</kbd> 返回
      </span>
    </nav>
  );
}

function WorkspaceHeader() {
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  const windowName = useClerk((s) => s.state?.window?.name ?? '未分配窗口');
  const clerk = useClerk((s) => s.state?.clerk ?? null);
  const signOut = useClerk((s) => s.signOut);
  const pending = useClerk((s) => s.pending);
  return (
    <header className="ws-header">
      <div className="ws-where">
        <span className="ws-hall">{hallName}</span>
        <span className="ws-window" data-testid="window-name">
          {windowName}
        </span>
      </div>
      <div className="ws-who">
        <div className="ws-status" aria-label="设备状态">
          <PrinterStatus />
          <EvaluatorBadge />
          <IdCardBadge />
          <OutwardBadge />
          <VoiceBadge />
          <ConnectionBadge named />
        </div>
        {clerk && (
          <div className="ws-clerk">
            <span className="ws-clerk-name" data-testid="clerk-name">
              {clerk.name}
            </span>
            <span className="ws-clerk-meta">
              工号 {clerk.staffNo} · {clerk.department}
            </span>
          </div>
        )}
        <PauseButton />
        <SyncIssuesButton />
        <ManagerDeskButton />
        <DeviceSetupButton />
        <Button
          data-testid="sign-out"
          ghost
          onClick={() => void signOut()}
          loading={pending === 'signOut'}
          disabled={pending !== null && pending !== 'signOut'}
        >
          退出
        </Button>
      </div>
    </header>
  );
}

const PRIORITY_COLOR: Record<Priority, string | undefined> = {
  normal: undefined,
  appointment: 'blue',
  priority: 'orange',
  green: 'green',
};

function CurrentTicket() {
  const state = useClerk((s) => s.state);
  const current = state?.current ?? null;
  if (!state || !current) {
    return (
      <section className="ticket ticket-empty" aria-label="当前办理">
        <div className="ticket-caption">当前办理</div>
        <div className="ticket-none">当前无办理中的号</div>
        <div className="ticket-hint">按 F1 叫号</div>
      </section>
    );
  }
  return (
    <section className="ticket" aria-label="当前办理">
      <div className="ticket-caption">当前办理</div>
      <div className="ticket-row">
        <div
          className={current.number.length > 4 ? 'ticket-number ticket-number-long' : 'ticket-number'}
          data-testid="current-ticket"
        >
          {current.number}
        </div>
        <div className="ticket-facts">
          <div className="ticket-line">
            <LineAndPriority state={state} ticket={current} />
          </div>
          <dl className="ticket-meta">
            <dt>已重呼</dt>
            <dd>
              <strong data-testid="current-recalls">{current.recallCount}</strong> 次
            </dd>
            <dt>取号时间</dt>
            <dd>{formatClock(current.issuedAt)}</dd>
            {current.calledAt && (
              <>
                <dt>叫号时间</dt>
                <dd>
                  {formatClock(current.calledAt)}（等候 {formatDuration(current.issuedAt, current.calledAt)}）
                </dd>
                <dt>办理计时</dt>
                <dd>
                  <ServiceTimer since={current.calledAt} service={state.service ?? null} testId="service-timer" />
                </dd>
              </>
            )}
          </dl>
        </div>
      </div>
    </section>
  );
}

/** The ticket in hand and F1–F4, compact, above the case panel and the list. */
function TicketStrip() {
  const state = useClerk((s) => s.state);
  const current = state?.current ?? null;
  return (
    <section className="strip" aria-label="当前办理">
      <div className="strip-ticket">
        <span className="strip-caption">当前办理</span>
        {state && current ? (
          <>
            <span className="strip-number" data-testid="current-ticket">
              {current.number}
            </span>
            <span className="strip-line">
              <LineAndPriority state={state} ticket={current} />
            </span>
            {current.calledAt && (
              <span className="strip-timer">
                办理计时 <ServiceTimer since={current.calledAt} service={state.service ?? null} testId="strip-service-timer" />
              </span>
            )}
          </>
        ) : (
          <span className="strip-none">无（可不叫号直接办件）</span>
        )}
      </div>
      <ActionButtons compact />
    </section>
  );
}

/** The ticket's service line and its priority. */
function LineAndPriority({
  state,
  ticket,
}: {
  state: ClerkState;
  ticket: NonNullable<ClerkState['current']>;
}) {
  return (
    <>
      {lineName(state, ticket.lineId)}
      <Tag color={PRIORITY_COLOR[ticket.priority]} className="ticket-priority" data-testid="current-priority">
        {PRIORITY_TEXT[ticket.priority]}
      </Tag>
    </>
  );
}

/** mm:ss since a moment, ticking every second. */
const ACTION_TESTID: Record<QueueAction, string> = {
  callNext: 'action-call-next',
  recall: 'action-recall',
  noShow: 'action-no-show',
  complete: 'action-complete',
};

const ACTION_STYLE: Record<QueueAction, ButtonLook> = {
  callNext: { color: 'primary', variant: 'solid' },
  recall: { color: 'primary', variant: 'outlined' },
  noShow: { color: 'orange', variant: 'outlined' },
  complete: { color: 'green', variant: 'solid' },
};

function ActionButtons({ compact = false }: { compact?: boolean }) {
  const state = useClerk((s) => s.state);
  const pending = useClerk((s) => s.pending);
  const run = useClerk((s) => s.runQueueAction);
  if (!state) return null;
  return (
    <div className={compact ? 'actions actions-compact' : 'actions'}>
      {QUEUE_ACTIONS.map((action) => {
        const can = availability(state, action, pending !== null);
        const inFlight = pending === action;
        const needed = action === 'noShow' ? recallsStillNeeded(state) : 0;
        const hint = needed > 0 ? `需先重呼 ${needed} 次` : null;
        return (
          <div className="action" key={action}>
            <Button
              data-testid={ACTION_TESTID[action]}
              className={`action-button action-${action}`}
              {...ACTION_STYLE[action]}
              loading={inFlight}
              disabled={!inFlight && !can.enabled}
              title={can.reason ?? `${ACTION_LABEL[action]}（${ACTION_HOTKEY[action]}）`}
              size={compact ? 'middle' : undefined}
              onClick={() => void run(action)}
            >
              <span className="action-label">{ACTION_LABEL[action]}</span>
              <kbd className="action-key">{ACTION_HOTKEY[action]}</kbd>
            </Button>
            {!compact && (
              <div className="action-hint" data-testid={action === 'noShow' ? 'no-show-hint' : undefined}>
                {hint}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

function QueuePanel() {
  const queue = useClerk((s) => s.state?.queue);
  const stale = useEffectiveConnection()?.state === 'offline';
  const lines: ClerkState['queue'] = queue ?? [];
  const total = lines.reduce((sum, line) => sum + line.waiting, 0);
  return (
    <section className="panel" aria-label="等候人数">
      <header className="panel-head">
        <span>
          等候人数
          {stale && <span className="panel-extra panel-stale">（离线，可能不是最新）</span>}
        </span>
        <span className="panel-extra">
          共 <strong data-testid="queue-total">{total}</strong> 人
        </span>
      </header>
      {lines.length === 0 ? (
        <div className="panel-empty">本窗口未配置业务类型</div>
      ) : (
        <ul className="queue-list">
          {lines.map((line) => (
            <li key={line.lineId} className={line.waiting > 0 ? 'queue-row' : 'queue-row queue-row-zero'}>
              <span className="queue-letter">{line.lineId}</span>
              <span className="queue-name">{line.name}</span>
              <span className="queue-count">
                <strong data-testid={`queue-count-${line.lineId}`}>{line.waiting}</strong> 人
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const LOG_COLOR: Record<ClerkState['log'][number]['action'], string> = {
  callNext: 'blue',
  recall: 'geekblue',
  noShow: 'orange',
  complete: 'green',
  callTicket: 'cyan',
  park: 'gold',
  transfer: 'purple',
};

function CallLogPanel() {
  const log = useClerk((s) => s.state?.log);
  const entries: ClerkState['log'] = log ?? [];
  return (
    <section className="panel panel-grow" aria-label="今日叫号记录">
      <header className="panel-head">
        <span>今日叫号记录</span>
        <span className="panel-extra">{entries.length} 条</span>
      </header>
      <ol className="log-list" data-testid="call-log">
        {entries.length === 0 && <li className="panel-empty">今日暂无叫号记录</li>}
        {entries.map((entry, index) => (
          <li key={`${entry.at}-${entry.action}-${entry.ticketNumber}-${index}`} className="log-row">
            <span className="log-time">{formatClock(entry.at)}</span>
            <Tag color={LOG_COLOR[entry.action]} className="log-action">
              {LOG_ACTION_LABEL[entry.action]}
            </Tag>
            <span className="log-number">{entry.ticketNumber}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
