// The outward screen's whole state: the last OutwardView and whether the link is up.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { OutwardView } from '../../common/contract.ts';
import type { Link, LinkState } from '../transport.ts';

export interface OutwardStore {
  view: OutwardView | null;
  link: LinkState;
  /** The citizen touched a level of the rating prompt (好差评). */
  rate(sessionId: number, level: 1 | 2 | 3 | 4 | 5): Promise<void>;
}

export function createOutwardStore(link: Link): StoreApi<OutwardStore> {
  const store = createStore<OutwardStore>()(() => ({
    view: null,
    link: link.state(),
    async rate(sessionId, level) {
      try {
        await link.api.rateByTouch({ sessionId, level });
      } catch (error) {
        // The session may have just closed (time limit, evaluator first): the next view says so.
        console.warn('touch rating not taken', error);
      }
    },
  }));
  const refresh = async () => {
    try {
      store.setState({ view: await link.api.getOutwardView({}) });
    } catch (error) {
      // Nothing to tell the citizen; the next event or reconnect brings the view.
      console.warn('could not fetch the outward view', error);
    }
  };
  link.api.on('outwardView', (view) => store.setState({ view }));
  link.onState((state) => {
    store.setState({ link: state });
    if (state === 'open') void refresh();
  });
  if (link.state() === 'open') void refresh();
  return store;
}
