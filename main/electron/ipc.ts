// The ipcMain side of the bridge: one handler per contract call, each
// checking the sender (top frame of one of our two windows, our own origin)
// and taking the screen role from which window sent it; then the shared
// dispatchCall validates and runs the call. Counter events go to the window
// whose role the contract names.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { events, type Reply } from '../../common/contract.ts';
import { CALL_NAMES, EVENT_NAMES, callChannel, eventChannel, type EventName, type ScreenRole } from '../../common/ipc-names.ts';
import { dispatchCall, type CounterCore } from '../bridge.ts';
import type { Logger } from '../log.ts';
import { FORBIDDEN_SENDER, isAppUrl, senderRole } from '../shell/trust.ts';

/** The current window for each role (the outward window is re-created when it changes mode). */
export type WindowLookup = (role: ScreenRole) => BrowserWindow | null;

const ROLES: readonly ScreenRole[] = ['clerk', 'outward'];

function windowRoleOf(contents: WebContents, windows: WindowLookup): ScreenRole | null {
  for (const role of ROLES) {
    const win = windows(role);
    if (win && !win.isDestroyed() && win.webContents.id === contents.id) return role;
  }
  return null;
}

/** The role a call runs with, or null when the sender is not one of our pages. */
export function roleOfSender(event: IpcMainInvokeEvent, windows: WindowLookup): ScreenRole | null {
  const frame = event.senderFrame;
  const windowRole = windowRoleOf(event.sender, windows);
  const main = windowRole ? event.sender.mainFrame : null;
  const isTopFrame =
    frame !== null && main !== null && !frame.detached && frame.parent === null && frame.frameTreeNodeId === main.frameTreeNodeId;
  return senderRole({ windowRole, frameUrl: frame ? frame.url : null, isTopFrame });
}

/** Registers the call handlers and forwards counter events; returns the undo. */
export function registerIpc(counter: CounterCore, windows: WindowLookup, log: Logger): () => void {
  for (const name of CALL_NAMES) {
    ipcMain.handle(callChannel(name), async (event, args: unknown): Promise<Reply> => {
      const role = roleOfSender(event, windows);
      if (!role) {
        log.warn('call from an untrusted sender refused', { call: name, url: (event.senderFrame?.url ?? '').slice(0, 200) });
        return FORBIDDEN_SENDER;
      }
      return dispatchCall(counter, role, name, args, log);
    });
  }

  const unsubscribe = counter.subscribe((name: EventName, payload: unknown) => {
    if (!(EVENT_NAMES as readonly string[]).includes(name)) return;
    const win = windows(events[name].to);
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    // Only to our own page: a window that somehow shows anything else gets nothing.
    if (!isAppUrl(win.webContents.getURL())) return;
    win.webContents.send(eventChannel(name), payload);
  });

  return () => {
    unsubscribe();
    for (const name of CALL_NAMES) ipcMain.removeHandler(callChannel(name));
  };
}
