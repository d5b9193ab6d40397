// Hands the clerk store to the components (created once in main.tsx).
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { ClerkStore } from './store.ts';

export const ClerkStoreContext = createContext<StoreApi<ClerkStore> | null>(null);

export function useClerkStoreApi(): StoreApi<ClerkStore> {
  const store = useContext(ClerkStoreContext);
  if (!store) throw new Error('ClerkStoreContext is missing');
  return store;
}

/** Reads from the clerk store; keep selectors returning stored values (no new objects). */
export function useClerk<T>(selector: (store: ClerkStore) => T): T {
  return useStore(useClerkStoreApi(), selector);
}
