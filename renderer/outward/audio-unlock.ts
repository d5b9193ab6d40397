// Whether the outward page can be heard. A browser starts a page's
// AudioContext "suspended" until someone has touched the page (autoplay
// policy; Chrome's default is document-user-activation-required), so a hall
// that runs the outward screen in a browser would never hear «请A012号到3号
// 窗口办理». The Electron shell allows autoplay: there the context runs at once.
//
// AudioUnlock watches the page's one AudioContext: 'checking' for a moment
// after the page opens, then 'running', or 'blocked' when it has not started.
// Blocked, the page shows 开启语音 (VoiceUnlock.tsx); the staff's click starts
// the context (a user gesture is what the browser waits for) and is
// remembered in localStorage, so the page knows voice was wanted here: a
// reload starts the context at once where the browser allows it, and where it
// still asks for a click (Chrome may, after a reload) the control shows again
// and says so.
//
// Pure: the context, the storage and the timers are injected (fakes in tests).

export type AudioState = 'checking' | 'running' | 'blocked';

/** The part of an AudioContext this needs. */
export interface UnlockableContext {
  readonly state: string;
  resume(): Promise<void>;
  addEventListener(type: 'statechange', listener: () => void): void;
}

/** The part of localStorage this needs. */
export interface Memory {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface UnlockTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Set once the staff have clicked 开启语音 on this page. */
export const VOICE_ON_KEY = 'halldesk.outward.voiceOn';

/** How long a fresh context may take to start before it counts as blocked. */
export const DEFAULT_GRACE_MS = 1500;

export interface AudioUnlockOptions {
  context: UnlockableContext;
  /** localStorage; null where there is none (then nothing is remembered). */
  memory: Memory | null;
  timers: UnlockTimers;
  graceMs?: number;
  onChange: (state: AudioState) => void;
}

export class AudioUnlock {
  private readonly options: AudioUnlockOptions;
  private current: AudioState = 'checking';
  private graceOver = false;
  private timer: unknown = null;

  constructor(options: AudioUnlockOptions) {
    this.options = options;
  }

  get state(): AudioState {
    return this.current;
  }

  /** The staff clicked 开启语音 here before (this page, this browser). */
  get remembered(): boolean {
    try {
      return this.options.memory?.getItem(VOICE_ON_KEY) === '1';
    } catch {
      return false; // storage refused (private mode, policy): nothing remembered
    }
  }

  /** Asks the context to start (it does at once where autoplay is allowed) and watches it. */
  start(): void {
    const { context, timers } = this.options;
    context.addEventListener('statechange', () => this.check());
    // Where autoplay is not allowed this promise waits for a gesture: never awaited.
    context.resume().catch(() => {});
    this.timer = timers.setTimeout(() => {
      this.timer = null;
      this.graceOver = true;
      this.check();
    }, this.options.graceMs ?? DEFAULT_GRACE_MS);
    this.check();
  }

  /** From the 开启语音 click (a user gesture): starts the sound and remembers that voice is wanted here. */
  async unlock(): Promise<void> {
    try {
      this.options.memory?.setItem(VOICE_ON_KEY, '1');
    } catch {
      // Not remembered: the control shows again after a reload, that is all.
    }
    try {
      await this.options.context.resume();
    } finally {
      this.check();
    }
  }

  stop(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private check(): void {
    const running = this.options.context.state === 'running';
    const next: AudioState = running ? 'running' : this.graceOver ? 'blocked' : 'checking';
    if (running) this.graceOver = true; // a later suspension (the browser took the sound away) is blocked at once
    if (next === this.current) return;
    this.current = next;
    this.options.onChange(next);
  }
}
