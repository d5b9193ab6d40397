// Hands the 办件 store to the components (created once in main.tsx, next to the clerk store).
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { CaseStore } from './case-store.ts';

export const CaseStoreContext = createContext<StoreApi<CaseStore> | null>(null);

export function useCaseStoreApi(): StoreApi<CaseStore> {
  const store = useContext(CaseStoreContext);
  if (!store) throw new Error('CaseStoreContext is missing');
  return store;
}

/** Reads from the 办件 store; keep selectors returning stored values (no new objects). */
export function useCases<T>(selector: (store: CaseStore) => T): T {
  return useStore(useCaseStoreApi(), selector);
}
