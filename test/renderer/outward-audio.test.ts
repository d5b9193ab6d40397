// The outward page's sound under the browser's autoplay policy, on fakes:
// AudioUnlock (renderer/outward/audio-unlock.ts) says 'blocked' when the
// context has not started after its grace time, 'running' when it has, and
// the 开启语音 click starts it and is remembered; ClipPlayer gives a call up
// at once (语音未开启) instead of hanging while the sound is held back; the
// store tells the counter core (reportOutwardAudio), again after a reconnect.
import { describe, expect, it, vi } from 'vitest';
import type { HallDeskApi } from '../../common/contract.ts';
import type { Link, LinkState } from '../../renderer/transport.ts';
import { AudioUnlock, VOICE_ON_KEY, type AudioState, type Memory } from '../../renderer/outward/audio-unlock.ts';
import { createOutwardStore } from '../../renderer/outward/store.ts';
import { ClipPlayer, VOICE_BLOCKED_MESSAGE, type AudioContextLike } from '../../renderer/outward/voice-player.ts';

/** A context as a browser makes it: suspended; `allowed` says whether resume() starts it or waits for a gesture. */
function fakeContext(allowed: boolean) {
  const listeners: (() => void)[] = [];
  let waiting: (() => void)[] = [];
  const context = {
    state: 'suspended',
    allowed,
    resumes: 0,
    addEventListener(_type: 'statechange', listener: () => void) {
      listeners.push(listener);
    },
    resume(): Promise<void> {
      this.resumes++;
      if (this.allowed) {
        this.run();
        return Promise.resolve();
      }
      // Chrome: the promise waits until the page may start.
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    /** A user gesture: the browser lets it start. */
    gesture() {
      this.allowed = true;
      this.run();
    },
    run() {
      if (this.state === 'running') return;
      this.state = 'running';
      for (const listener of listeners) listener();
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    suspend() {
      this.state = 'suspended';
      for (const listener of listeners) listener();
    },
  };
  return context;
}

function memory(): Memory & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

function unlockOn(context: ReturnType<typeof fakeContext>, mem: Memory | null = memory()) {
  vi.useFakeTimers();
  const states: AudioState[] = [];
  const unlock = new AudioUnlock({
    context,
    memory: mem,
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as number) },
    graceMs: 1500,
    onChange: (state) => states.push(state),
  });
  return { unlock, states };
}

describe('AudioUnlock', () => {
  it('autoplay allowed (Electron, --autoplay-policy=no-user-gesture-required): running at once, never blocked', () => {
    const context = fakeContext(true);
    const { unlock, states } = unlockOn(context);
    unlock.start();
    vi.advanceTimersByTime(5000);
    expect(states).toEqual(['running']);
    expect(unlock.state).toBe('running');
    vi.useRealTimers();
  });

  it('autoplay blocked: blocked after the grace time; the click starts the sound and is remembered', async () => {
    const context = fakeContext(false);
    const mem = memory();
    const { unlock, states } = unlockOn(context, mem);
    unlock.start();
    vi.advanceTimersByTime(1499);
    expect(unlock.state).toBe('checking');
    vi.advanceTimersByTime(1);
    expect(states).toEqual(['blocked']);
    expect(unlock.remembered).toBe(false);

    // The click is the gesture the browser waits for.
    const clicked = unlock.unlock();
    context.gesture();
    await clicked;
    expect(states).toEqual(['blocked', 'running']);
    expect(mem.items.get(VOICE_ON_KEY)).toBe('1');
    expect(unlock.remembered).toBe(true);

    // The browser takes the sound away later: blocked again at once.
    context.suspend();
    expect(states).toEqual(['blocked', 'running', 'blocked']);
    vi.useRealTimers();
  });

  it('a context that starts late but within the grace time is never reported blocked', () => {
    const context = fakeContext(false);
    const { unlock, states } = unlockOn(context);
    unlock.start();
    vi.advanceTimersByTime(800);
    context.gesture();
    vi.advanceTimersByTime(5000);
    expect(states).toEqual(['running']);
    vi.useRealTimers();
  });

  it('storage refused: nothing remembered, the click still starts the sound', async () => {
    const context = fakeContext(false);
    const refusing: Memory = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    const { unlock, states } = unlockOn(context, refusing);
    unlock.start();
    vi.advanceTimersByTime(1500);
    const clicked = unlock.unlock();
    context.gesture();
    await clicked;
    expect(states).toEqual(['blocked', 'running']);
    expect(unlock.remembered).toBe(false);
    vi.useRealTimers();
  });
});

describe('ClipPlayer while the browser holds the sound back', () => {
  function playerOn(context: ReturnType<typeof fakeContext>) {
    const audio = Object.assign(context, {
      currentTime: 0,
      destination: 'speakers',
      decodeAudioData: () => Promise.resolve({ duration: 0.2 }),
      createBufferSource: () => {
        throw new Error('nothing may be scheduled while blocked');
      },
      createGain: () => ({ gain: { value: 1 }, connect: () => undefined }),
    }) as unknown as AudioContextLike;
    return new ClipPlayer({ context: audio, loadClip: async () => new ArrayBuffer(8), resumeTimeoutMs: 50 });
  }

  it('gives the announcement up at once with 语音未开启 (not hours later, not hanging the queue)', async () => {
    const context = fakeContext(false);
    const player = playerOn(context);
    const started = Date.now();
    await expect(player.play(['qing', 'A'])).rejects.toThrow(VOICE_BLOCKED_MESSAGE);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(context.resumes).toBe(1);
  });
});

/** A link whose api records the calls; `open()` and `close()` drive its state. */
function fakeLink() {
  let state: LinkState = 'connecting';
  const listeners = new Set<(s: LinkState) => void>();
  const reports: string[] = [];
  const api = {
    reportOutwardAudio: (args: { state: string }) => {
      reports.push(args.state);
      return Promise.resolve({ voice: args.state === 'running' ? 'ok' : 'blocked' });
    },
    getOutwardView: () => Promise.resolve(null),
    on: () => () => {},
  } as unknown as HallDeskApi;
  const link: Link = {
    api,
    state: () => state,
    onState: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {},
  };
  const set = (next: LinkState) => {
    state = next;
    for (const listener of listeners) listener(next);
  };
  return { link, reports, open: () => set('open'), close: () => set('closed') };
}

describe('the outward store tells the counter core', () => {
  it('reports running / blocked (never checking), once per change, and again after each reconnect', () => {
    const { link, reports, open, close } = fakeLink();
    const store = createOutwardStore(link);
    store.getState().setAudio('checking');
    store.getState().setAudio('blocked'); // not connected yet: said on open
    expect(reports).toEqual([]);
    open();
    expect(reports).toEqual(['blocked']);
    store.getState().setAudio('blocked');
    store.getState().setAudio('running');
    expect(reports).toEqual(['blocked', 'running']);
    close();
    open();
    expect(reports).toEqual(['blocked', 'running', 'running']);
    expect(store.getState().audio).toBe('running');
  });
});
