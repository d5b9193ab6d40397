// The hall announcement «请A012号到3号窗口办理», spoken by the outward window
// whenever a number is called or recalled (never for what was already on the
// screen when the page opened), and the 测试语音 announcement, with the
// window's voice setting (on/off, volume). What to say is decided in
// voice-control.ts; here it is wired to the store and to Web Audio. Clips
// come from ./voice/<name>.wav, copied from resources/voice by the build.
//
// The page has one AudioContext, made when the page opens so that it knows at
// once whether the browser lets it sound (audio-unlock.ts): the store's
// `audio` says so, and the counter core hears it.
import type { StoreApi } from 'zustand/vanilla';
import type { Timers } from '../../common/announce.ts';
import { AudioUnlock, type Memory, type UnlockableContext } from './audio-unlock.ts';
import type { OutwardStore } from './store.ts';
import { OutwardVoice, queuedOutput, type VoiceOutput } from './voice-control.ts';
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

function localMemory(): Memory | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage refused by the browser's policy
  }
}

export interface Announcer {
  /** From the 开启语音 click: starts the page's sound and remembers it. */
  unlock(): Promise<void>;
  /** The staff clicked 开启语音 on this page before. */
  readonly remembered: boolean;
  stop(): void;
}

export function startAnnouncer(
  store: StoreApi<OutwardStore>,
  createContext: () => AudioContextLike & UnlockableContext = () =>
    new AudioContext() as unknown as AudioContextLike & UnlockableContext,
): Announcer {
  const onError = (error: unknown) => console.warn('announcement failed', error);
  const context = createContext();
  const audio = new AudioUnlock({
    context,
    memory: localMemory(),
    timers: windowTimers,
    onChange: (state) => store.getState().setAudio(state),
  });
  audio.start();
  // Any touch or key on the outward screen (a citizen's rating, say) is a gesture too: the sound may start then.
  const kick = () => {
    if (context.state !== 'running') context.resume().catch(() => {});
  };
  window.addEventListener('pointerdown', kick, true);
  window.addEventListener('keydown', kick, true);
  const counted = (output: VoiceOutput): VoiceOutput => ({
    ...output,
    announce: (ticket, window) =>
      output.announce(ticket, window).then((outcome) => {
        if (outcome === 'played') store.setState((s) => ({ announced: s.announced + 1 }));
        return outcome;
      }),
  });
  const voice = new OutwardVoice(
    (volume) => counted(queuedOutput(new ClipPlayer({ context, loadClip, volume }), windowTimers, onError)),
    onError,
  );
  voice.update(store.getState().view);
  const unsubscribe = store.subscribe(({ view }) => voice.update(view));
  return {
    unlock: () => audio.unlock(),
    get remembered() {
      return audio.remembered;
    },
    stop() {
      unsubscribe();
      audio.stop();
      window.removeEventListener('pointerdown', kick, true);
      window.removeEventListener('keydown', kick, true);
    },
  };
}
