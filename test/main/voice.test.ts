import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Timers } from '../../main/devices/evaluator/clock.ts';
import {
  ALL_CLIPS,
  AnnouncementQueue,
  announcementClips,
  announcementText,
  chineseNumberClips,
  type AnnouncementOutcome,
  type VoicePlayer,
} from '../../common/announce.ts';
import { encodeWav, parseWav, resample, trimSilence } from '../../main/voice/wav.ts';
import { systemTimers } from '../../main/devices/evaluator/clock.ts';

const voiceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/voice');

describe('announcement clips', () => {
  it('«请A012号到3号窗口办理» is assembled from the expected clips, in order', () => {
    const expected = ['qing', 'A', '0', '1', '2', 'hao', 'dao', '3', 'hao', 'chuangkou', 'banli'];
    expect(announcementClips('A012', 3)).toEqual(expected);
    expect(announcementClips('A012', '3号窗口')).toEqual(expected);
    expect(announcementClips(' a012 ', '3')).toEqual(expected);
    expect(announcementText('A012', 3)).toBe('请A零一二号到三号窗口办理');
  });

  it('reads the window as a Chinese number', () => {
    expect(chineseNumberClips(3)).toEqual(['3']);
    expect(chineseNumberClips(10)).toEqual(['shi']);
    expect(chineseNumberClips(12)).toEqual(['shi', '2']);
    expect(chineseNumberClips(20)).toEqual(['2', 'shi']);
    expect(chineseNumberClips(40)).toEqual(['4', 'shi']);
    expect(chineseNumberClips(100)).toEqual(['1', 'bai']);
    expect(chineseNumberClips(105)).toEqual(['1', 'bai', '0', '5']);
    expect(chineseNumberClips(112)).toEqual(['1', 'bai', '1', 'shi', '2']);
    expect(announcementText('B7', '12号窗口')).toBe('请B七号到十二号窗口办理');
  });

  it('refuses what it cannot say, in Chinese', () => {
    expect(() => announcementClips('A-12', 3)).toThrow(/票号「A-12」无法播报/);
    // A 现场补号 is said without its hyphen (W03-007: W 零三 零零七).
    expect(announcementClips('W03-007', 3).slice(0, 7)).toEqual(['qing', 'W', '0', '3', '0', '0', '7']);
    expect(announcementClips('W3-007', 3).slice(1, 6)).toEqual(['W', '3', '0', '0', '7']); // window code 3 (issue 20)
    expect(() => announcementClips('W3-07', 3)).toThrow(/无法播报/);
    expect(() => announcementClips('A012', '综合窗口')).toThrow(/没有窗口号/);
    expect(() => announcementClips('A012', 0)).toThrow(/1–999/);
  });

  it('every clip named exists as a 16 kHz mono WAV, listed in clips.json, under 1 MB in all', () => {
    const manifest = JSON.parse(readFileSync(path.join(voiceDir, 'clips.json'), 'utf8')) as {
      format: { sampleRate: number; channels: number };
      clips: { name: string; file: string }[];
    };
    expect(manifest.format).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(manifest.clips.map((c) => c.name).sort()).toEqual([...ALL_CLIPS].sort());
    for (const name of new Set([...announcementClips('A012', 3), ...ALL_CLIPS])) {
      const file = path.join(voiceDir, `${name}.wav`);
      expect(existsSync(file), file).toBe(true);
      const wav = parseWav(new Uint8Array(readFileSync(file)));
      expect(wav.sampleRate).toBe(16000);
      expect(wav.channels).toBe(1);
      expect(wav.samples.length / 16000).toBeGreaterThan(0.1);
      expect(wav.samples.length / 16000).toBeLessThan(1.5);
    }
    const total = readdirSync(voiceDir).reduce(
      (sum, name) => sum + statSync(path.join(voiceDir, name)).size,
      0,
    );
    expect(total).toBeLessThan(1_000_000);
  });

  it('wav helpers round-trip, trim and resample', () => {
    const samples = new Int16Array(2205);
    for (let i = 1000; i < 1200; i++) samples[i] = i % 2 ? 5000 : -5000;
    const trimmed = trimSilence({ sampleRate: 22050, samples }, 300, 0);
    expect(trimmed.samples.length).toBe(200);
    const down = resample({ sampleRate: 22050, samples }, 16000);
    expect(down.samples.length).toBe(1600);
    const back = parseWav(encodeWav(down));
    expect(back).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(Array.from(back.samples)).toEqual(Array.from(down.samples));
    expect(() => parseWav(new Uint8Array(10))).toThrow(/不是 WAV/);
  });
});

/** A player whose plays finish only when the test says so. */
function controllablePlayer() {
  const plays: { clips: readonly string[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const player: VoicePlayer = {
    play: (clips) =>
      new Promise<void>((resolve, reject) => {
        plays.push({ clips, finish: resolve, fail: reject });
      }),
  };
  return { player, plays };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('AnnouncementQueue', () => {
  it('a second announcement waits for the first', async () => {
    const { player, plays } = controllablePlayer();
    const queue = new AnnouncementQueue({ player, timers: systemTimers });
    const first = queue.announce('A012', 3);
    const second = queue.announce('B005', '12号窗口');
    await flush();
    expect(plays).toHaveLength(1);
    expect(plays[0]!.clips).toEqual(announcementClips('A012', 3));
    expect(queue.pending).toEqual([announcementClips('B005', 12)]);

    plays[0]!.finish();
    expect(await first).toBe('played');
    await flush();
    expect(plays).toHaveLength(2);
    expect(plays[1]!.clips).toEqual(announcementClips('B005', 12));
    plays[1]!.finish();
    expect(await second).toBe('played');
    expect(queue.isPlaying).toBe(false);
  });

  it('a recall is announced again, even while the first call is playing', async () => {
    const { player, plays } = controllablePlayer();
    const queue = new AnnouncementQueue({ player, timers: systemTimers });
    const call = queue.announce('A012', 3);
    const recall = queue.announce('A012', 3);
    await flush();
    plays[0]!.finish();
    await flush();
    expect(plays).toHaveLength(2);
    plays[1]!.finish();
    expect([await call, await recall]).toEqual(['played', 'played']);
  });

  it('a failed or hung play does not stop the queue', async () => {
    const { player, plays } = controllablePlayer();
    const pending: { callback: () => void; ms: number }[] = [];
    const timers: Timers = {
      now: () => 0,
      setTimeout: (callback, ms) => {
        const t = { callback, ms };
        pending.push(t);
        return t;
      },
      clearTimeout: (h) => {
        const i = pending.indexOf(h as (typeof pending)[number]);
        if (i >= 0) pending.splice(i, 1);
      },
    };
    const errors: string[] = [];
    const queue = new AnnouncementQueue({
      player,
      timers,
      timeoutMs: 5000,
      onError: (e) => errors.push(String(e)),
    });
    const a = queue.announce('A001', 1);
    const b = queue.announce('A002', 2);
    const c = queue.announce('A003', 3);
    await flush();
    plays[0]!.fail(new Error('audio device lost'));
    expect(await a).toBe('failed');
    await flush();
    expect(plays).toHaveLength(2);
    // The second play never finishes: the timeout moves on.
    expect(pending.at(-1)!.ms).toBe(5000);
    pending.at(-1)!.callback();
    expect(await b).toBe('failed');
    await flush();
    plays[2]!.finish();
    expect(await c).toBe('played');
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/语音播放超过 5000 毫秒/);
    expect(pending).toHaveLength(0);
  });

  it('a long queue drops the oldest repeats first, then the oldest waiting', async () => {
    const { player, plays } = controllablePlayer();
    const queue = new AnnouncementQueue({ player, timers: systemTimers, maxPending: 3 });
    const outcomes: Record<string, AnnouncementOutcome> = {};
    const add = (label: string, ticket: string, window: number) =>
      void queue.announce(ticket, window).then((o) => {
        outcomes[label] = o;
      });
    add('playing', 'A001', 1);
    add('x1', 'A002', 2);
    add('y', 'A003', 3);
    add('x2', 'A002', 2); // a recall of A002: still 3 waiting
    add('z', 'A004', 4); // 4 waiting: the older A002 goes
    await flush();
    expect(outcomes).toEqual({ x1: 'dropped' });
    expect(queue.pending.map((c) => c.slice(1, 5).join(''))).toEqual(['A003', 'A002', 'A004']);
    add('w', 'A005', 5); // no repeats left: the oldest waiting (A003) goes
    await flush();
    expect(outcomes).toEqual({ x1: 'dropped', y: 'dropped' });
    expect(queue.pending.map((c) => c.slice(1, 5).join(''))).toEqual(['A002', 'A004', 'A005']);
    expect(plays).toHaveLength(1); // the one playing is never cut off

    queue.clear();
    await flush();
    expect(outcomes).toMatchObject({ x2: 'dropped', z: 'dropped', w: 'dropped' });
    plays[0]!.finish();
    await flush();
    expect(outcomes.playing).toBe('played');
  });

  it('rejects an announcement it cannot say without disturbing the queue', async () => {
    const { player, plays } = controllablePlayer();
    const queue = new AnnouncementQueue({ player, timers: systemTimers });
    await expect(queue.announce('A012', '综合窗口')).rejects.toThrow(RangeError);
    void queue.announce('A012', 3);
    await flush();
    expect(plays).toHaveLength(1);
    plays[0]!.finish();
  });
});
