// The hall announcement «请A012号到3号窗口办理», spoken by the outward window
// whenever a number is called or recalled (never for what was already on the
// screen when the page opened). Clips come from ./voice/<name>.wav, copied
// from resources/voice by the build; one announcement at a time.
import type { StoreApi } from 'zustand/vanilla';
import { AnnouncementQueue, type Timers } from '../../common/announce.ts';
import type { OutwardStore } from './store.ts';
import { ClipPlayer, type AudioContextLike } from './voice-player.ts';

const windowTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

async function loadClip(name: string): Promise<ArrayBuffer> {
  const response = await fetch(`./voice/${encodeURIComponent(name)}.wav`);
  if (!response.ok) throw new Error(`语音片段 ${name} 无法加载（HTTP ${response.status}）`);
  return response.arrayBuffer();
}

export function startAnnouncer(
  store: StoreApi<OutwardStore>,
  createContext: () => AudioContextLike = () => new AudioContext() as unknown as AudioContextLike,
): () => void {
  let queue: AnnouncementQueue | null = null;
  let seen = false;
  let last: string | null = null;
  return store.subscribe(({ view }) => {
    if (!view) return;
    const calling = view.mode === 'serving' ? view.calling : null;
    const key = calling ? `${calling.number}#${calling.announcement}` : null;
    const first = !seen;
    seen = true;
    if (key === last) return;
    last = key;
    if (first || !calling || !view.windowName) return;
    queue ??= new AnnouncementQueue({
      player: new ClipPlayer({ context: createContext(), loadClip }),
      timers: windowTimers,
      onError: (error) => console.warn('announcement failed', error),
    });
    queue.announce(calling.number, view.windowName).catch((error) => console.warn('cannot announce', error));
  });
}
