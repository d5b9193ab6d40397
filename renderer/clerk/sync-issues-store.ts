// The 同步异常 drawer's state (managers only): the list as the core last
// answered it, whether it is loading, and the core's zh-CN message when the
// call failed (offline, not a manager). Calls go through the one link.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { hallWhen } from '../../common/hall-time.ts';
import type { SyncIssuesView } from '../../common/sync-issues.ts';
import { callErrorText, type Link } from '../transport.ts';

export interface SyncIssuesStore {
  open: boolean;
  view: SyncIssuesView | null;
  loading: boolean;
  /** The last failed call, in Chinese. */
  error: string | null;
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
}

export function createSyncIssuesStore(link: Link): StoreApi<SyncIssuesStore> {
  return createStore<SyncIssuesStore>()((set, get) => ({
    open: false,
    view: null,
    loading: false,
    error: null,
    setOpen(open) {
      if (open === get().open) return;
      // Closed, it forgets: the next manager opens it afresh.
      set(open ? { open } : { open, view: null, error: null });
      if (open) void get().refresh();
    },
    async refresh() {
      if (get().loading) return;
      set({ loading: true });
      try {
        const view = await link.api.listSyncIssues({});
        if (get().open) set({ view, error: null });
      } catch (error) {
        if (get().open) set({ view: null, error: callErrorText(error) });
      } finally {
        set({ loading: false });
      }
    },
  }));
}

/** 今天 14:03:09 for today, else 3月5日 14:03 (the hall's time and day, whatever the browser's zone). */
export const formatWhen = (iso: string, now: Date = new Date()): string => hallWhen(iso, now);

export const SyncIssuesContext = createContext<StoreApi<SyncIssuesStore> | null>(null);

export function useSyncIssuesApi(): StoreApi<SyncIssuesStore> {
  const store = useContext(SyncIssuesContext);
  if (!store) throw new Error('SyncIssuesContext is missing');
  return store;
}

export function useSyncIssues<T>(selector: (store: SyncIssuesStore) => T): T {
  return useStore(useSyncIssuesApi(), selector);
}
