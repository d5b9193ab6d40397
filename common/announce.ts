// The hall announcement «请A012号到3号窗口办理», joined from recorded clips in
// resources/voice/<name>.wav (listed in resources/voice/clips.json, made by
// scripts/make-voice-clips.ts).
//
// The clip set (name → what it says):
//   words    qing 请 · hao 号 · dao 到 · chuangkou 窗口 · banli 办理
//   digits   0 零 · 1 一 · 2 二 · 3 三 · 4 四 · 5 五 · 6 六 · 7 七 · 8 八 · 9 九
//   numbers  shi 十 · bai 百
//   letters  A … Z, said the way a Chinese hall says them (ei, bi, xi …)
//
// The ticket is read character by character: A012 → A 零 一 二 (a ticket
// number is a code, not a quantity). The window is read as a Chinese number:
// 3 → 三, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (1–999). A window code
// with letters (common/hall-codes.ts) is read letter by letter, its runs of
// digits as Chinese numbers: B12 → B 十二, 2A01 → 二 A 零 一 (a run with a
// leading zero, or of four digits, is read digit by digit).
//
// `AnnouncementQueue` plays one announcement at a time through an injected
// player, so two never overlap; a recall is queued again, never dropped for
// being a repeat. Pure: the timers and the player come in from the caller.
import { WALK_IN_NUMBER } from './hall-codes.ts';

/** The timers the queue runs on (the outward page passes the window's own). */
export type TimerHandle = unknown;
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const WORD_CLIPS = ['qing', 'hao', 'dao', 'chuangkou', 'banli'] as const;
export const DIGIT_CLIPS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const NUMBER_CLIPS = ['shi', 'bai'] as const;
export const LETTER_CLIPS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

/** Every clip an announcement may use; each is resources/voice/<name>.wav. */
export const ALL_CLIPS: readonly string[] = [...WORD_CLIPS, ...DIGIT_CLIPS, ...NUMBER_CLIPS, ...LETTER_CLIPS];

/** What each clip says: the Chinese, and the pinyin (with tone numbers) the clip script speaks. */
export const CLIP_TEXT: Readonly<Record<string, { zh: string; pinyin: string | null }>> = {
  qing: { zh: '请', pinyin: 'qing3' },
  hao: { zh: '号', pinyin: 'hao4' },
  dao: { zh: '到', pinyin: 'dao4' },
  chuangkou: { zh: '窗口', pinyin: 'chuang1 kou3' },
  banli: { zh: '办理', pinyin: 'ban4 li3' },
  '0': { zh: '零', pinyin: 'ling2' },
  '1': { zh: '一', pinyin: 'yi1' },
  '2': { zh: '二', pinyin: 'er4' },
  '3': { zh: '三', pinyin: 'san1' },
  '4': { zh: '四', pinyin: 'si4' },
  '5': { zh: '五', pinyin: 'wu3' },
  '6': { zh: '六', pinyin: 'liu4' },
  '7': { zh: '七', pinyin: 'qi1' },
  '8': { zh: '八', pinyin: 'ba1' },
  '9': { zh: '九', pinyin: 'jiu3' },
  shi: { zh: '十', pinyin: 'shi2' },
  bai: { zh: '百', pinyin: 'bai3' },
  // Letters: no pinyin, the clip script has the Mandarin voice say the letter itself.
  ...Object.fromEntries(LETTER_CLIPS.map((letter) => [letter, { zh: letter, pinyin: null }])),
};

/**
 * A ticket number as clips, one per character: 'A012' → ['A', '0', '1', '2'];
 * a 现场补号 is said without its hyphen: 'W03-007' → ['W', '0', '3', '0', '0', '7'],
 * 'WB12-001' → ['W', 'B', '1', '2', '0', '0', '1'].
 * Throws RangeError (zh-CN) on anything else.
 */
export function ticketClips(ticket: string): string[] {
  const typed = ticket.trim().toUpperCase();
  const text = WALK_IN_NUMBER.test(typed) ? typed.replace('-', '') : typed;
  if (!/^[A-Z0-9]{1,10}$/.test(text)) {
    throw new RangeError(`票号「${ticket}」无法播报：只能由字母和数字组成（如 A012）`);
  }
  return text.split('');
}

/** 1–999 as a Chinese number: 3 → ['3'], 12 → ['shi', '2'], 20 → ['2', 'shi'], 105 → ['1', 'bai', '0', '5']. */
export function chineseNumberClips(n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 999)
    throw new RangeError(`窗口号 ${n} 无法播报：应为 1–999 的整数`);
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor((n % 100) / 10);
  const units = n % 10;
  const out: string[] = [];
  if (hundreds > 0) out.push(String(hundreds), 'bai');
  if (tens > 0) {
    // 十二, not 一十二 — but 一百一十二.
    if (!(tens === 1 && hundreds === 0)) out.push(String(tens));
    out.push('shi');
  } else if (hundreds > 0 && units > 0) {
    out.push('0'); // 一百零五
  }
  if (units > 0) out.push(String(units));
  return out;
}

/** The window number from 3, '3', '3号' or '3号窗口'. Throws RangeError (zh-CN) for a window without a number. */
export function windowNumber(window: number | string): number {
  if (typeof window === 'number') return window;
  const m = /^\s*(\d{1,3})\s*(?:号)?\s*(?:窗口)?\s*$/.exec(window);
  if (!m) {
    throw new RangeError(
      `窗口「${window}」没有窗口号，无法播报：请在窗口设置里填写窗口号（如 3 或 3号窗口）`,
    );
  }
  return Number(m[1]);
}

/**
 * The window as clips, from 3, '3号窗口', '101号窗口', 'B12', 'B12号' or
 * 'B12号窗口' (the hall's window code, 1–4 digits or capital letters): digits
 * alone 1–999 as a Chinese number (03 → 三, as before); otherwise letter by letter, each run of
 * digits as a Chinese number (B12 → B 十二) or, with a leading zero or four
 * digits, digit by digit (A01 → A 零 一). Throws RangeError (zh-CN) otherwise.
 */
export function windowClips(window: number | string): string[] {
  if (typeof window === 'number') return chineseNumberClips(window);
  const m = /^\s*([0-9A-Za-z]{1,4})\s*(?:号)?\s*(?:窗口)?\s*$/.exec(window);
  if (!m) {
    throw new RangeError(
      `窗口「${window}」没有窗口号，无法播报：请在窗口设置里填写窗口号（如 3、101、B12 或 B12号窗口）`,
    );
  }
  const code = m[1]!.toUpperCase();
  if (/^\d+$/.test(code) && Number(code) >= 1 && Number(code) <= 999) return chineseNumberClips(Number(code));
  return (code.match(/[A-Z]|\d+/g) ?? []).flatMap((run) => {
    if (/^[A-Z]$/.test(run)) return [run];
    const n = Number(run);
    return run.startsWith('0') || n > 999 ? run.split('') : chineseNumberClips(n);
  });
}

/** «请A012号到3号窗口办理» as ordered clip names. */
export function announcementClips(ticket: string, window: number | string): string[] {
  return [
    'qing',
    ...ticketClips(ticket),
    'hao',
    'dao',
    ...windowClips(window),
    'hao',
    'chuangkou',
    'banli',
  ];
}

/** The announcement as text, e.g. for the outward screen or a log. */
export function announcementText(ticket: string, window: number | string): string {
  return announcementClips(ticket, window)
    .map((clip) => CLIP_TEXT[clip]?.zh ?? clip)
    .join('');
}

// ── Queue ──────────────────────────────────────────────────────────────────

export interface VoicePlayer {
  /** Plays the clips one after the other; resolves when the last one has finished. */
  play(clips: readonly string[]): Promise<void>;
}

/** played; dropped (the queue was too long, see AnnouncementQueue); failed (the player rejected or hung). */
export type AnnouncementOutcome = 'played' | 'dropped' | 'failed';

export interface AnnouncementQueueOptions {
  player: VoicePlayer;
  /** Announcements waiting (not counting the one playing) before some are dropped. Default 4. */
  maxPending?: number;
  /** A play that has not finished after this long counts as failed and the next one starts. Default 20 s. */
  timeoutMs?: number;
  timers: Timers;
  onError?: (error: unknown, clips: readonly string[]) => void;
}

interface Pending {
  key: string;
  clips: readonly string[];
  resolve: (outcome: AnnouncementOutcome) => void;
}

/**
 * One announcement at a time, in order. When more than `maxPending` wait,
 * the oldest waiting one that is repeated later in the queue is dropped
 * (the later copy still calls that citizen); with no repeats, the oldest
 * waiting one is dropped (its citizen was called long ago and the outward
 * screen still shows the number). The one playing is never cut off.
 */
export class AnnouncementQueue {
  private readonly player: VoicePlayer;
  private readonly maxPending: number;
  private readonly timeoutMs: number;
  private readonly timers: Timers;
  private readonly onError: (error: unknown, clips: readonly string[]) => void;
  private readonly waiting: Pending[] = [];
  private current: Pending | null = null;

  constructor(options: AnnouncementQueueOptions) {
    this.player = options.player;
    this.maxPending = Math.max(1, options.maxPending ?? 4);
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.timers = options.timers;
    this.onError = options.onError ?? (() => {});
  }

  /** Queues «请<ticket>号到<window>号窗口办理»; rejects with a RangeError when it cannot be said. */
  announce(ticket: string, window: number | string): Promise<AnnouncementOutcome> {
    let clips: string[];
    try {
      clips = announcementClips(ticket, window);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(clips);
  }

  /** Queues any clip list; `key` says which entries are repeats of each other (default: the clips). */
  enqueue(clips: readonly string[], key: string = clips.join(' ')): Promise<AnnouncementOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ key, clips: [...clips], resolve });
      this.trim();
      this.next();
    });
  }

  get isPlaying(): boolean {
    return this.current !== null;
  }

  /** The clip lists waiting, oldest first (not the one playing). */
  get pending(): readonly (readonly string[])[] {
    return this.waiting.map((p) => p.clips);
  }

  /** Drops everything waiting (e.g. voice switched off); the one playing finishes. */
  clear(): void {
    for (const p of this.waiting.splice(0)) p.resolve('dropped');
  }

  private trim(): void {
    while (this.waiting.length > this.maxPending) {
      let drop = this.waiting.findIndex((p, i) => this.waiting.some((q, j) => j > i && q.key === p.key));
      if (drop < 0) drop = 0;
      this.waiting.splice(drop, 1)[0]!.resolve('dropped');
    }
  }

  private next(): void {
    if (this.current) return;
    const item = this.waiting.shift();
    if (!item) return;
    this.current = item;
    let timer: TimerHandle | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.timers.setTimeout(
        () => reject(new Error(`语音播放超过 ${this.timeoutMs} 毫秒仍未结束`)),
        this.timeoutMs,
      );
    });
    let playing: Promise<void>;
    try {
      playing = Promise.resolve(this.player.play(item.clips));
    } catch (error) {
      playing = Promise.reject(error);
    }
    Promise.race([playing, timeout])
      .then(
        () => 'played' as const,
        (error: unknown) => {
          this.onError(error, item.clips);
          return 'failed' as const;
        },
      )
      .then((outcome) => {
        if (timer !== null) this.timers.clearTimeout(timer);
        this.current = null;
        item.resolve(outcome);
        this.next();
      });
  }
}
