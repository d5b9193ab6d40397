// The clerk workspace's state: the last ClerkState from the core, the action
// in flight and the last thing worth telling the clerk. Every action goes
// through the one api module (../api.ts); results and events both replace the
// whole ClerkState, so whichever arrives last is what the core holds.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallArgs, ClerkState } from '../../common/contract.ts';
import { CallError, type Link, type LinkState } from '../transport.ts';
import type { QueueAction } from './logic.ts';

export type ClerkAction = 'enroll' | 'signIn' | 'signOut' | QueueAction;

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
  refresh(): Promise<void>;
  enroll(args: CallArgs<'enroll'>): Promise<boolean>;
  signIn(args: CallArgs<'signIn'>): Promise<boolean>;
  signOut(): Promise<boolean>;
  runQueueAction(action: QueueAction): Promise<boolean>;
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
      const message =
        error instanceof CallError ? error.message : '终端内部错误，请重试；如反复出现请联系管理员';
      // An empty queue is news, not a fault.
      const kind = code === 'QUEUE_EMPTY' ? 'info' : 'error';
      set({ notice: notice(kind, message, code) });
      // The action may have happened even though no reply came: show what the core holds now.
      if (code === 'TIMEOUT') void get().refresh();
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
      tell: (kind, message) => set({ notice: notice(kind, message) }),
      dismissNotice: () => set({ notice: null }),
    };
  });

  link.api.on('clerkState', (state) => store.setState({ state }));
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
