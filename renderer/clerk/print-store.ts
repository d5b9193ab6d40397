// The 打印队列 drawer's state: the queue as the core last answered it, the
// job being retried, the preview shown. Calls go through the one link.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PrintQueueView } from '../../common/printing.ts';
import { callErrorText, type Link } from '../transport.ts';

export interface PrintQueueStore {
  open: boolean;
  view: PrintQueueView | null;
  /** The last failed call, in Chinese. */
  error: string | null;
  /** The job a button is working on. */
  busy: number | null;
  preview: { id: number; src: string } | null;
  setOpen(open: boolean): void;
  refresh(): Promise<void>;
  retry(id: number): Promise<void>;
  reprint(id: number): Promise<void>;
  togglePreview(id: number): Promise<void>;
}

/** An SVG string as an <img> source (the CSP allows data: images). */
export const svgDataUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export function createPrintQueueStore(link: Link): StoreApi<PrintQueueStore> {
  return createStore<PrintQueueStore>()((set, get) => {
    const act = async (id: number, perform: () => Promise<PrintQueueView>) => {
      if (get().busy !== null) return;
      set({ busy: id, error: null });
      try {
        set({ view: await perform() });
      } catch (error) {
        set({ error: callErrorText(error) });
        await get().refresh();
      } finally {
        set({ busy: null });
      }
    };
    return {
      open: false,
      view: null,
      error: null,
      busy: null,
      preview: null,
      setOpen(open) {
        set({ open, preview: open ? get().preview : null });
        if (open) void get().refresh();
      },
      async refresh() {
        try {
          set({ view: await link.api.listPrintJobs({}) });
        } catch (error) {
          set({ error: callErrorText(error) });
        }
      },
      retry: (id) => act(id, () => link.api.retryPrintJob({ id })),
      reprint: (id) => act(id, () => link.api.reprintJob({ id })),
      async togglePreview(id) {
        if (get().preview?.id === id) {
          set({ preview: null });
          return;
        }
        try {
          const { svg } = await link.api.previewPrintJob({ id });
          set({ preview: { id, src: svgDataUrl(svg) } });
        } catch (error) {
          set({ error: callErrorText(error) });
        }
      },
    };
  });
}

export const PrintQueueContext = createContext<StoreApi<PrintQueueStore> | null>(null);

export function usePrintQueueApi(): StoreApi<PrintQueueStore> {
  const store = useContext(PrintQueueContext);
  if (!store) throw new Error('PrintQueueContext is missing');
  return store;
}

export function usePrintQueue<T>(selector: (store: PrintQueueStore) => T): T {
  return useStore(usePrintQueueApi(), selector);
}
