// The outward screen's whole state: the last OutwardView, whether the link is
// up, and whether the page can be heard (audio-unlock.ts), which the counter
// core is told so that the clerk sees 语音未开启.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { OutwardView } from '../../common/contract.ts';
import type { Link, LinkState } from '../transport.ts';
import type { AudioState } from './audio-unlock.ts';

export interface OutwardStore {
  view: OutwardView | null;
  link: LinkState;
  /** Whether the announcements can be heard (set by the announcer). */
  audio: AudioState;
  /** Announcements played to the end on this page (a test hook, and a sign of life). */
  announced: number;
  /** The citizen touched a level of the rating prompt (好差评). */
  rate(sessionId: number, level: 1 | 2 | 3 | 4 | 5): Promise<void>;
  /** The page's sound started or stopped: the core hears of it (and again after every reconnect). */
  setAudio(audio: AudioState): void;
}

export function createOutwardStore(link: Link): StoreApi<OutwardStore> {
  const report = (audio: AudioState) => {
    if (audio === 'checking' || link.state() !== 'open') return;
    link.api.reportOutwardAudio({ state: audio }).catch((error: unknown) => {
      // The next reconnect says it again.
      console.warn('could not report the audio state', error);
    });
  };
  const store = createStore<OutwardStore>()((set, get) => ({
    view: null,
    link: link.state(),
    audio: 'checking',
    announced: 0,
    async rate(sessionId, level) {
      try {
        await link.api.rateByTouch({ sessionId, level });
      } catch (error) {
        // The session may have just closed (time limit, evaluator first): the next view says so.
        console.warn('touch rating not taken', error);
      }
    },
    setAudio(audio) {
      if (audio === get().audio) return;
      set({ audio });
      report(audio);
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
    if (state !== 'open') return;
    void refresh();
    // The core may have restarted, or forgotten this page while it was away.
    report(store.getState().audio);
  });
  if (link.state() === 'open') void refresh();
  return store;
}
