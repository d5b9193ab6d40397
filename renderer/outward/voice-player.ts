// Plays an announcement's clips back to back in the outward window with Web
// Audio: each clip is fetched and decoded once, then the clips are scheduled
// end to end on the audio clock (no gaps, no overlap), through one gain node
// for the volume. `play` resolves when the last clip has ended, which is what
// common/announce.ts's AnnouncementQueue waits for.
//
// The audio context and the clip loader are injected: the outward window
// passes `new AudioContext()` and a loader for resources/voice/<name>.wav;
// tests pass fakes. Only structural types here, so the file also type-checks
// without the DOM library.

export interface AudioBufferLike {
  readonly duration: number;
}

export interface AudioNodeLike {
  connect(destination: never): unknown;
}

export interface AudioSourceLike extends AudioNodeLike {
  buffer: AudioBufferLike | null;
  onended: ((this: never, event: never) => unknown) | null;
  start(when?: number): void;
  stop(when?: number): void;
}

export interface GainLike extends AudioNodeLike {
  readonly gain: { value: number };
}

export interface AudioContextLike {
  readonly currentTime: number;
  readonly destination: unknown;
  readonly state: string;
  resume(): Promise<void>;
  decodeAudioData(data: ArrayBuffer): Promise<AudioBufferLike>;
  createBufferSource(): AudioSourceLike;
  createGain(): GainLike;
}

export interface ClipPlayerOptions {
  context: AudioContextLike;
  /** The bytes of resources/voice/<name>.wav. */
  loadClip: (name: string) => Promise<ArrayBuffer>;
  /** 0–100. Default 80. */
  volume?: number;
  /** Lead time before the first clip starts, in seconds. Default 0.05. */
  leadSeconds?: number;
  /** How long a suspended context may take to start (opening the sound device takes about a second) before the announcement is given up, in ms. Default 3000. */
  resumeTimeoutMs?: number;
}

/** Why nothing was said: the browser holds the page's sound back until someone clicks (audio-unlock.ts). */
export const VOICE_BLOCKED_MESSAGE = '语音未开启：浏览器不允许本页自动播放声音，请在外屏上点击「开启语音」';

export class ClipPlayer {
  private readonly context: AudioContextLike;
  private readonly loadClip: (name: string) => Promise<ArrayBuffer>;
  private readonly leadSeconds: number;
  private readonly resumeTimeoutMs: number;
  private readonly gain: GainLike;
  private readonly buffers = new Map<string, Promise<AudioBufferLike>>();
  private playing: AudioSourceLike[] = [];

  constructor(options: ClipPlayerOptions) {
    this.context = options.context;
    this.loadClip = options.loadClip;
    this.leadSeconds = options.leadSeconds ?? 0.05;
    this.resumeTimeoutMs = options.resumeTimeoutMs ?? 3000;
    this.gain = this.context.createGain();
    this.gain.connect(this.context.destination as never);
    this.setVolume(options.volume ?? 80);
  }

  /** 0–100; takes effect at once, also on a clip that is playing. */
  setVolume(volume: number): void {
    const v = Number.isFinite(volume) ? Math.min(100, Math.max(0, volume)) : 0;
    this.gain.gain.value = v / 100;
  }

  get volume(): number {
    return Math.round(this.gain.gain.value * 100);
  }

  /** Fetches and decodes clips ahead of the first announcement. */
  async preload(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.buffer(name)));
  }

  /**
   * Plays the clips end to end; rejects (zh-CN) when a clip cannot be loaded,
   * or when the browser will not let the page sound (VOICE_BLOCKED_MESSAGE),
   * before anything sounds.
   */
  async play(clips: readonly string[]): Promise<void> {
    const buffers = await Promise.all(clips.map((name) => this.buffer(name)));
    if (buffers.length === 0) return;
    // Autoplay policy: a context created without a user gesture starts
    // suspended, and where the browser wants a click first, resume() waits for
    // it. The call is then not said at all, rather than hours later.
    if (this.context.state !== 'running') await this.resume();
    let at = this.context.currentTime + this.leadSeconds;
    const sources = buffers.map((buffer) => {
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.gain as never);
      source.start(at);
      at += buffer.duration;
      return source;
    });
    this.playing = sources;
    await new Promise<void>((resolve) => {
      sources[sources.length - 1]!.onended = () => resolve();
    });
    if (this.playing === sources) this.playing = [];
  }

  /** Cuts off what is playing (e.g. voice switched off); the pending play resolves. */
  stop(): void {
    for (const source of this.playing) {
      try {
        source.stop();
      } catch {
        // A source not started yet or already ended: nothing to stop.
      }
    }
    this.playing = [];
  }

  private async resume(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.resumeTimeoutMs);
    });
    try {
      await Promise.race([this.context.resume(), waited]);
    } finally {
      clearTimeout(timer);
    }
    if (this.context.state !== 'running') throw new Error(VOICE_BLOCKED_MESSAGE);
  }

  private buffer(name: string): Promise<AudioBufferLike> {
    let buffer = this.buffers.get(name);
    if (!buffer) {
      buffer = (async () => {
        try {
          return await this.context.decodeAudioData(await this.loadClip(name));
        } catch (error) {
          throw new Error(
            `语音片段「${name}」加载失败：${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
      })();
      // A failed load is tried again next time (the file may be back after a reinstall).
      buffer.catch(() => this.buffers.delete(name));
      this.buffers.set(name, buffer);
    }
    return buffer;
  }
}
