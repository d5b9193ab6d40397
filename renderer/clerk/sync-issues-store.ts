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
  /** 登记丢失 in flight. */
  resolving: boolean;
  /** Why the last 登记丢失 failed, in Chinese. */
  resolveError: string | null;
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
  /** 登记丢失 (a manager): the missing records fromSeq..toSeq, with the reason. True when recorded. */
  resolveGap(fromSeq: number, toSeq: number, reason: string): Promise<boolean>;
}

export function createSyncIssuesStore(link: Link): StoreApi<SyncIssuesStore> {
  return createStore<SyncIssuesStore>()((set, get) => ({
    open: false,
    view: null,
    loading: false,
    error: null,
    resolving: false,
    resolveError: null,
    setOpen(open) {
      if (open === get().open) return;
      // Closed, it forgets: the next manager opens it afresh.
      set(open ? { open } : { open, view: null, error: null, resolveError: null });
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
    async resolveGap(fromSeq, toSeq, reason) {
      if (get().resolving) return false;
      set({ resolving: true, resolveError: null });
      try {
        const view = await link.api.resolveSyncGap({ fromSeq, toSeq, reason });
        set({ view, error: null });
        return true;
      } catch (error) {
        set({ resolveError: callErrorText(error) });
        return false;
      } finally {
        set({ resolving: false });
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
