// The hall announcement «请A012号到3号窗口办理», spoken by the outward window
// whenever a number is called or recalled (never for what was already on the
// screen when the page opened), and the 测试语音 announcement, with the
// window's voice setting (on/off, volume). What to say is decided in
// voice-control.ts; here it is wired to the store and to Web Audio. Clips
// come from ./voice/<name>.wav, copied from resources/voice by the build.
import type { StoreApi } from 'zustand/vanilla';
import type { Timers } from '../../common/announce.ts';
import type { OutwardStore } from './store.ts';
import { OutwardVoice, queuedOutput } from './voice-control.ts';
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
  const onError = (error: unknown) => console.warn('announcement failed', error);
  const voice = new OutwardVoice(
    (volume) => queuedOutput(new ClipPlayer({ context: createContext(), loadClip, volume }), windowTimers, onError),
    onError,
  );
  voice.update(store.getState().view);
  return store.subscribe(({ view }) => voice.update(view));
}
