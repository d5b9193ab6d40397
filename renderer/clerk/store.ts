// The clerk workspace's state: the last ClerkState from the core, the action
// in flight and the last thing worth telling the clerk. Every action goes
// through the one api module (../api.ts); results and events both replace the
// whole ClerkState, so whichever arrives last is what the core holds.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallArgs, ClerkState } from '../../common/contract.ts';
import { CallError, callErrorText, type Link, type LinkState } from '../transport.ts';
import type { QueueAction } from './logic.ts';

export type ClerkAction = 'enroll' | 'signIn' | 'signOut' | 'lockScreen' | 'unlockScreen' | QueueAction;

export interface Notice {
  kind: 'error' | 'warning' | 'info';
  /** Contract error code, when it came from a failed call. */
  code: string | null;
  message: string;
  /** Grows with every notice, so the same text twice still shows again. */
  seq: number;
}

export interface ClerkStore {
  state: ClerkState | null;
  link: LinkState;
  pending: ClerkAction | null;
  notice: Notice | null;
  /** Why the last 解锁 failed (wrong password …), shown on the lock screen itself; null otherwise. */
  lockError: string | null;
  refresh(): Promise<void>;
  enroll(args: CallArgs<'enroll'>): Promise<boolean>;
  signIn(args: CallArgs<'signIn'>): Promise<boolean>;
  signOut(): Promise<boolean>;
  runQueueAction(action: QueueAction): Promise<boolean>;
  /** 暂停服务: the button, Alt+L or the idle timer. */
  lock(): Promise<boolean>;
  /** 解锁 with the signed-in clerk's password; a failure goes to lockError, not to the notice. */
  unlock(password: string): Promise<boolean>;
  /** A notice that did not come from a call (e.g. a hotkey for an action not available now). */
  tell(kind: Notice['kind'], message: string): void;
  dismissNotice(): void;
}

export function createClerkStore(link: Link): StoreApi<ClerkStore> {
  let seq = 0;
  const store = createStore<ClerkStore>()((set, get) => {
    const notice = (kind: Notice['kind'], message: string, code: string | null = null): Notice => ({
      kind,
      code,
      message,
      seq: ++seq,
    });

    const fail = (error: unknown) => {
      const code = error instanceof CallError ? error.code : 'INTERNAL';
      const message = callErrorText(error);
      // An empty queue is news, not a fault.
      const kind = code === 'QUEUE_EMPTY' ? 'info' : 'error';
      set({ notice: notice(kind, message, code) });
      // The action may have happened even though no reply came: show what the core holds now.
      // SCREEN_LOCKED: the core locked meanwhile (idle, or another screen); fetching the state shows the lock screen.
      if (code === 'TIMEOUT' || code === 'SCREEN_LOCKED') void get().refresh();
    };

    /** Runs one call at a time; a second press while one is in flight is ignored. */
    const run = async (action: ClerkAction, perform: () => Promise<ClerkState>): Promise<boolean> => {
      if (get().pending) return false;
      set({ pending: action });
      try {
        const state = await perform();
        set({ state, notice: null });
        return true;
      } catch (error) {
        fail(error);
        return false;
      } finally {
        set({ pending: null });
      }
    };

    return {
      state: null,
      link: link.state(),
      pending: null,
      notice: null,
      lockError: null,
      async refresh() {
        try {
          set({ state: await link.api.getClerkState({}) });
        } catch (error) {
          fail(error);
        }
      },
      enroll: (args) => run('enroll', () => link.api.enroll(args)),
      signIn: (args) => run('signIn', () => link.api.signIn(args)),
      signOut: () => run('signOut', () => link.api.signOut({})),
      runQueueAction: (action) => run(action, () => link.api[action]({})),
      async lock() {
        set({ lockError: null });
        return run('lockScreen', () => link.api.lockScreen({}));
      },
      async unlock(password) {
        if (get().pending) return false;
        if (!password) {
          set({ lockError: '请输入密码' });
          return false;
        }
        set({ pending: 'unlockScreen', lockError: null });
        try {
          const state = await link.api.unlockScreen({ password });
          set({ state, notice: null, lockError: null });
          return true;
        } catch (error) {
          const code = error instanceof CallError ? error.code : 'INTERNAL';
          set({ lockError: callErrorText(error) });
          if (code === 'TIMEOUT') void get().refresh();
          return false;
        } finally {
          set({ pending: null });
        }
      },
      tell: (kind, message) => set({ notice: notice(kind, message) }),
      dismissNotice: () => set({ notice: null }),
    };
  });

  link.api.on('clerkState', (state) => {
    // Unlocked (or signed out) elsewhere: the lock screen's last error is stale.
    store.setState(state.locked ? { state } : { state, lockError: null });
  });
  link.onState((state) => {
    store.setState({ link: state });
    if (state === 'open') {
      // A notice about the lost link is stale now.
      if (store.getState().notice?.code === 'DISCONNECTED') store.setState({ notice: null });
      void store.getState().refresh();
    }
  });
  if (link.state() === 'open') void store.getState().refresh();
  return store;
}
