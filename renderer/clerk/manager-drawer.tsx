// The hall manager's drawers (设备设置 Alt+D, 同步异常 Alt+Y, 差评回访 F10): one hotkey
// each that opens or closes it for a manager and tells a clerk why not, Esc
// to close, and only one of them open at a time; a header button and the
// drawer's frame, both shown to a manager only.
import { Button, Drawer } from 'antd';
import { useEffect, type ReactNode } from 'react';
import { useClerk, useClerkStoreApi } from './context.ts';

export interface DrawerState {
  open: boolean;
  setOpen(open: boolean): void;
}
/** A zustand store holding a drawer's open state (only getState is needed). */
export interface DrawerStore {
  getState(): DrawerState;
}

/** The manager drawers mounted now, so that opening one closes the others. */
const mounted = new Set<DrawerStore>();

/** Opens `drawer` and closes the other manager drawers. */
export function openDrawer(drawer: DrawerStore): void {
  for (const other of mounted) if (other !== drawer && other.getState().open) other.getState().setOpen(false);
  drawer.getState().setOpen(true);
}

/** `isHotkey` and `escapeTakenInside` must be stable (module-level): a new one re-registers, and that closes the drawer. */
export function useManagerDrawer(options: {
  drawer: DrawerStore;
  isHotkey: (event: KeyboardEvent) => boolean;
  /** What a clerk (not a manager) is told on the hotkey. */
  refusal: string;
  /** Esc belongs to something inside the drawer right now (e.g. a confirmation of its own). */
  escapeTakenInside?: () => boolean;
  /** Opens for anyone signed in (同步异常: a clerk sees this counter's part), not only for a manager. */
  anyone?: boolean;
}): void {
  const { drawer, isHotkey, refusal, escapeTakenInside, anyone = false } = options;
  const clerkStore = useClerkStoreApi();
  useEffect(() => {
    mounted.add(drawer);
    const onKeyDown = (event: KeyboardEvent) => {
      const { open, setOpen } = drawer.getState();
      if (event.key === 'Escape' && open && !event.isComposing) {
        if (escapeTakenInside?.()) return;
        // Ours, before the 办件 keys hear it (they would leave the tab or open 放弃办件).
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        return;
      }
      if (!isHotkey(event)) return;
      event.preventDefault();
      event.stopPropagation();
      if (event.repeat) return;
      const clerk = clerkStore.getState();
      if (!clerk.state?.clerk) return;
      if (!anyone && clerk.state.clerk.role !== 'manager') return clerk.tell('warning', refusal);
      if (open) setOpen(false);
      else openDrawer(drawer);
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => {
      window.removeEventListener('keydown', onKeyDown, { capture: true });
      mounted.delete(drawer);
      // Signing out (or the workspace going away) closes it; the next manager opens it afresh.
      drawer.getState().setOpen(false);
    };
  }, [clerkStore, drawer, isHotkey, refusal, escapeTakenInside, anyone]);
}

const useManager = () => useClerk((s) => s.state?.clerk?.role === 'manager');

/** A drawer's button in the header, for a manager only: its name and hotkey, `title` on hover. */
export function ManagerDrawerButton(props: {
  drawer: DrawerStore;
  testid: string;
  label: string;
  hotkey: string;
  title: string;
}) {
  if (!useManager()) return null;
  return (
    <Button
      data-testid={props.testid}
      ghost
      className="ws-header-button"
      title={`${props.title}（${props.hotkey}）`}
      onClick={() => openDrawer(props.drawer)}
    >
      {props.label} <kbd>{props.hotkey}</kbd>
    </Button>
  );
}

/**
 * The frame the manager drawers share (nothing for a clerk): the title with
 * its hotkey, 关闭 Esc, and what goes at the top right.
 */
export function ManagerDrawerFrame(props: {
  drawer: DrawerStore;
  open: boolean;
  title: string;
  hotkey: string;
  closeTestId: string;
  /** The drawer's own test id, if it has one. */
  testid?: string;
  extra?: ReactNode;
  /** Shown to anyone signed in, not only to a manager (see useManagerDrawer's anyone). */
  anyone?: boolean;
  children: ReactNode;
}) {
  const manager = useManager();
  if (!manager && !props.anyone) return null;
  const close = () => props.drawer.getState().setOpen(false);
  return (
    <Drawer
      open={props.open}
      data-testid={props.testid}
      title={
        <span>
          {props.title} <kbd>{props.hotkey}</kbd>
        </span>
      }
      size={900}
      // Esc is ours (useManagerDrawer), before the 办件 keys hear it.
      keyboard={false}
      destroyOnHidden
      closable={false}
      extra={
        <span className="manager-drawer-extra">
          {props.extra}
          <Button data-testid={props.closeTestId} onClick={close}>
            关闭 <kbd>Esc</kbd>
          </Button>
        </span>
      }
      onClose={close}
    >
      {props.children}
    </Drawer>
  );
}
