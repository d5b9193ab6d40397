// 管理台 (Alt+O, hall managers): a full-screen desk over the workspace with one
// tab per manager view. The tab table below is the one place a view is added:
// {id, title, hotkey, component}; Alt+1… open the tabs in order, Esc or Alt+O
// closes the desk. A clerk pressing Alt+O is told it is a manager's.
import { Button } from 'antd';
import { useEffect, type ComponentType } from 'react';
import { managerOnlyMessage } from '../../../common/errors.ts';
import { useClerk } from '../context.ts';
import { isAltKey } from '../logic.ts';
import { ManagerDrawerButton, useManagerDrawer } from '../manager-drawer.tsx';
import { deskStore, useDesk } from './desk-store.ts';
import { HallOverviewTab } from './HallOverview.tsx';
import { CaseSearchTab } from './CaseSearch.tsx';
import { CaseAuditTab } from './CaseAudit.tsx';
import { ReportsTab } from './reports-tab.tsx';
import './manager-desk.css';

export const MANAGER_DESK_HOTKEY = 'Alt+O';
export const isManagerDeskHotkey = isAltKey('O');
const MANAGERS_ONLY = managerOnlyMessage('管理台');

export interface DeskTab {
  id: string;
  title: string;
  /** Shown on the tab; Alt+<n> in the table's order. */
  hotkey: string;
  component: ComponentType;
}

/** The desk's tabs, in order. Add a view with one line. */
export const DESK_TABS: DeskTab[] = [
  { id: 'overview', title: '大厅总览', hotkey: 'Alt+1', component: HallOverviewTab },
  { id: 'cases', title: '办件查询', hotkey: 'Alt+2', component: CaseSearchTab },
  { id: 'audit', title: '查阅记录', hotkey: 'Alt+3', component: CaseAuditTab },
  { id: 'reports', title: '统计报表', hotkey: 'Alt+4', component: ReportsTab },
];

/** The tab a key press asks for while the desk is open: Alt+1… in the table's order. */
function tabForKey(event: KeyboardEvent): DeskTab | null {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  const match = /^Digit([1-9])$/.exec(event.code);
  return match ? (DESK_TABS[Number(match[1]) - 1] ?? null) : null;
}

const innerDialogOpen = () => deskStore.getState().inner;

/** Alt+O opens or closes the desk (a manager's); Alt+1… switch tabs while it is open. */
export function useManagerDeskHotkeys() {
  useManagerDrawer({ drawer: deskStore, isHotkey: isManagerDeskHotkey, refusal: MANAGERS_ONLY, escapeTakenInside: innerDialogOpen });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!deskStore.getState().open) return;
      const tab = tabForKey(event);
      if (!tab) return;
      // Ours while the desk covers the workspace: the 办件 keys (Alt+1… tick materials) must not hear it.
      event.preventDefault();
      event.stopPropagation();
      deskStore.getState().setTab(tab.id);
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, []);
}

export function ManagerDeskButton() {
  return (
    <ManagerDrawerButton
      drawer={deskStore}
      testid="open-manager-desk"
      label="管理台"
      hotkey={MANAGER_DESK_HOTKEY}
      title="大厅总览、办件查询、查阅记录、统计报表"
    />
  );
}

export function ManagerDesk() {
  const open = useDesk((s) => s.open);
  const tab = useDesk((s) => s.tab);
  const manager = useClerk((s) => s.state?.clerk?.role === 'manager');
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  if (!open || !manager) return null;
  const current = DESK_TABS.find((t) => t.id === tab) ?? DESK_TABS[0]!;
  const View = current.component;
  return (
    <div className="desk" role="dialog" aria-label="管理台" data-testid="manager-desk" data-esc-local>
      <header className="desk-head">
        <span className="desk-title">
          {hallName} · 管理台 <kbd>{MANAGER_DESK_HOTKEY}</kbd>
        </span>
        <nav className="desk-tabs" role="tablist" aria-label="管理台">
          {DESK_TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={t.id === current.id}
              className={t.id === current.id ? 'desk-tab desk-tab-active' : 'desk-tab'}
              data-testid={`desk-tab-${t.id}`}
              onClick={() => deskStore.getState().setTab(t.id)}
            >
              {t.title} <kbd>{t.hotkey}</kbd>
            </button>
          ))}
        </nav>
        <Button data-testid="manager-desk-close" onClick={() => deskStore.getState().setOpen(false)}>
          返回窗口 <kbd>Esc</kbd>
        </Button>
      </header>
      <main className="desk-body" data-testid={`desk-view-${current.id}`}>
        <View />
      </main>
    </div>
  );
}
