// The 管理台's open state and its tab (ManagerDesk.tsx). A module-level store:
// it holds no data, only what is shown; each tab keeps its own data.
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface DeskStore {
  open: boolean;
  tab: string;
  /** A dialog inside the desk is open: Esc is its own (closes it), not the desk's. */
  inner: boolean;
  setInner(inner: boolean): void;
  setOpen(open: boolean): void;
  setTab(tab: string): void;
}

export const deskStore = createStore<DeskStore>()((set) => ({
  open: false,
  tab: 'overview',
  inner: false,
  setInner: (inner) => set({ inner }),
  setOpen: (open) => set({ open }),
  setTab: (tab) => set({ tab }),
}));

export const useDesk = <T,>(pick: (s: DeskStore) => T): T => useStore(deskStore, pick);
