// What the outward screen says, and how loud: from each OutwardView it
// decides whether to announce a call, play the 测试语音 announcement, change
// the volume or fall silent. Pure — the sound comes out of an injected
// `VoiceOutput` (in the page: ClipPlayer behind an AnnouncementQueue, see
// announcer.ts), so tests drive it with fakes.
//
// Rules:
// - a number is announced when it is called or recalled (its key
//   number#announcement changes while serving), never for what was already
//   on the screen when the page opened, nor again after 暂停服务 hid it;
// - 测试语音: when voice.test grows (not on the first view), «请A001号到<this
//   window>号窗口办理» is played once;
// - voice.enabled false: nothing plays; switching it off cuts off what is
//   playing and drops what waits;
// - voice.volume 0–100 is the gain (volume/100), applied at once.
import { AnnouncementQueue, type Timers } from '../../common/announce.ts';
import type { OutwardView } from '../../common/contract.ts';

/** The ticket the test announcement calls. */
export const TEST_TICKET = 'A001';

export interface VoiceOutput {
  /** Queues «请<ticket>号到<window>号窗口办理»; rejects when it cannot be said (no window number). */
  announce(ticket: string, window: string): Promise<unknown>;
  /** 0–100. */
  setVolume(volume: number): void;
  /** Cuts off what is playing and drops what waits. */
  silence(): void;
}

type ViewVoice = Pick<OutwardView, 'mode' | 'calling' | 'windowName' | 'voice'>;

export class OutwardVoice {
  private readonly createOutput: (volume: number) => VoiceOutput;
  private readonly onError: (error: unknown) => void;
  private output: VoiceOutput | null = null;
  private seen = false;
  private lastCall: string | null = null;
  private lastTest = 0;
  private enabled = true;
  private volume: number | null = null;

  /**
   * `createOutput` is called once, on the first sound (an AudioContext is
   * only made when something is to be said), with the volume in use.
   */
  constructor(createOutput: (volume: number) => VoiceOutput, onError: (error: unknown) => void = () => {}) {
    this.createOutput = createOutput;
    this.onError = onError;
  }

  update(view: ViewVoice | null): void {
    if (!view) return;
    const first = !this.seen;
    this.seen = true;
    const { enabled, volume, test } = view.voice;

    if (volume !== this.volume) {
      this.volume = volume;
      this.output?.setVolume(volume);
    }
    if (enabled !== this.enabled) {
      this.enabled = enabled;
      if (!enabled) this.output?.silence();
    }

    const calling = view.mode === 'serving' ? view.calling : null;
    const key = calling ? `${calling.number}#${calling.announcement}` : null;
    // 暂停服务 (or a sign-out) hides the number without ending it: back to
    // serving, the same call is not said again.
    const hidden = view.mode === 'paused' || view.mode === 'closed';
    const newCall = !hidden && key !== this.lastCall;
    if (!hidden) this.lastCall = key;
    const newTest = test > this.lastTest;
    this.lastTest = test;
    if (first || !enabled) return;

    if (newCall && calling && view.windowName) this.say(calling.number, view.windowName);
    if (newTest) {
      if (view.windowName) this.say(TEST_TICKET, view.windowName);
      else this.onError(new Error('本窗口还没有窗口名称，无法播放测试语音：请先在大厅服务器为本机指定窗口'));
    }
  }

  private say(ticket: string, window: string): void {
    this.output ??= this.createOutput(this.volume ?? 80);
    this.output.announce(ticket, window).catch((error: unknown) => this.onError(error));
  }
}

/** The player side of a VoiceOutput: ClipPlayer has this shape. */
export interface ClipPlayerLike {
  play(clips: readonly string[]): Promise<void>;
  setVolume(volume: number): void;
  stop(): void;
}

/** A VoiceOutput over a clip player: one announcement at a time, in order. */
export function queuedOutput(
  player: ClipPlayerLike,
  timers: Timers,
  onError: (error: unknown) => void = () => {},
): VoiceOutput {
  const queue = new AnnouncementQueue({ player, timers, onError: (error) => onError(error) });
  return {
    announce: (ticket, window) => queue.announce(ticket, window),
    setVolume: (volume) => player.setVolume(volume),
    silence: () => {
      queue.clear();
      player.stop();
    },
  };
}
