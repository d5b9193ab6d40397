// The outward window's clip player (renderer/outward/voice-player.ts) on a
// fake Web Audio context, with the real clips from resources/voice, driven by
// the announcement queue.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { AnnouncementQueue, announcementClips } from '../../common/announce.ts';
import { parseWav } from '../../main/voice/wav.ts';
import {
  ClipPlayer,
  type AudioContextLike,
  type AudioSourceLike,
  type GainLike,
} from '../../renderer/outward/voice-player.ts';
import { systemTimers } from '../../main/devices/evaluator/clock.ts';
import { OutwardVoice, queuedOutput } from '../../renderer/outward/voice-control.ts';

const voiceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/voice');

interface FakeSource extends AudioSourceLike {
  startedAt: number | null;
  stopped: boolean;
  connectedTo: unknown;
  end(): void;
}

/** A Web Audio context whose clock and clip ends the test drives; decode reads the real WAV's duration. */
function fakeContext() {
  const sources: FakeSource[] = [];
  const gain: GainLike & { connectedTo: unknown } = {
    gain: { value: 1 },
    connectedTo: null,
    connect(destination: never) {
      this.connectedTo = destination;
      return destination;
    },
  };
  const context: AudioContextLike & { time: number; resumed: number; state: string } = {
    time: 10,
    resumed: 0,
    state: 'suspended',
    get currentTime() {
      return this.time;
    },
    destination: 'speakers',
    resume() {
      this.resumed++;
      this.state = 'running';
      return Promise.resolve();
    },
    decodeAudioData(data: ArrayBuffer) {
      const wav = parseWav(new Uint8Array(data));
      return Promise.resolve({ duration: wav.samples.length / wav.sampleRate });
    },
    createBufferSource() {
      const source: FakeSource = {
        buffer: null,
        onended: null,
        startedAt: null,
        stopped: false,
        connectedTo: null,
        connect(destination: never) {
          this.connectedTo = destination;
          return destination;
        },
        start(when?: number) {
          this.startedAt = when ?? 0;
        },
        stop() {
          this.stopped = true;
          this.end();
        },
        end() {
          (this.onended as (() => void) | null)?.();
        },
      };
      sources.push(source);
      return source;
    },
    createGain: () => gain,
  };
  return { context, sources, gain };
}

const loads: string[] = [];
const loadClip = async (name: string): Promise<ArrayBuffer> => {
  loads.push(name);
  const bytes = await readFile(path.join(voiceDir, `${name}.wav`));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

describe('ClipPlayer (outward window)', () => {
  it('schedules the real clips of «请A012号到3号窗口办理» end to end and resolves when the last ends', async () => {
    const { context, sources, gain } = fakeContext();
    const player = new ClipPlayer({ context, loadClip, volume: 60 });
    expect(gain.gain.value).toBeCloseTo(0.6);
    expect(gain.connectedTo).toBe('speakers');

    let done = false;
    const playing = player.play(announcementClips('A012', 3)).then(() => (done = true));
    // Loading reads real files: wait for the schedule, however busy the machine.
    await vi.waitFor(() => expect(sources).toHaveLength(11), { timeout: 10_000 });
    expect(context.resumed).toBe(1); // autoplay: a suspended context is resumed
    expect(sources.every((s) => s.connectedTo === gain)).toBe(true);
    expect(sources[0]!.startedAt).toBeCloseTo(10.05);
    for (let i = 1; i < sources.length; i++) {
      const previous = sources[i - 1]!;
      expect(sources[i]!.startedAt).toBeCloseTo(previous.startedAt! + previous.buffer!.duration, 6);
    }
    const total = sources.at(-1)!.startedAt! + sources.at(-1)!.buffer!.duration - 10.05;
    expect(total).toBeGreaterThan(2);
    expect(total).toBeLessThan(8);

    sources[5]!.end();
    await flush();
    expect(done).toBe(false);
    sources.at(-1)!.end();
    await playing;
    expect(done).toBe(true);
  });

  it('decodes each clip once and fails clearly (before anything sounds) on a missing clip', async () => {
    const { context, sources } = fakeContext();
    loads.length = 0;
    const player = new ClipPlayer({ context, loadClip });
    await player.preload(['qing', 'hao']);
    const p = player.play(['qing', 'hao', 'qing']);
    await vi.waitFor(() => expect(sources).toHaveLength(3), { timeout: 10_000 });
    sources.at(-1)!.end();
    await p;
    expect(loads).toEqual(['qing', 'hao']);
    await expect(player.play(['qing', 'nosuchclip'])).rejects.toThrow(/语音片段「nosuchclip」加载失败/);
    expect(sources).toHaveLength(3);
  });

  it('with the announcement queue, a second announcement starts only after the first has ended', async () => {
    const { context, sources } = fakeContext();
    const player = new ClipPlayer({ context, loadClip });
    const queue = new AnnouncementQueue({ player, timers: systemTimers });
    const first = queue.announce('A012', 3);
    const second = queue.announce('A013', '12号窗口');
    await vi.waitFor(() => expect(sources).toHaveLength(11), { timeout: 10_000 });
    context.time = 15;
    sources.at(-1)!.end();
    expect(await first).toBe('played');
    // 请 A 零 一 三 号 到 十 二 号 窗口 办理
    await vi.waitFor(() => expect(sources).toHaveLength(11 + 12), { timeout: 10_000 });
    expect(sources[11]!.startedAt).toBeCloseTo(15.05);
    sources.at(-1)!.end();
    expect(await second).toBe('played');
  });

  it('volume is clamped to 0–100 and stop() ends what is playing', async () => {
    const { context, sources } = fakeContext();
    const player = new ClipPlayer({ context, loadClip });
    player.setVolume(150);
    expect(player.volume).toBe(100);
    player.setVolume(-3);
    expect(player.volume).toBe(0);
    const p = player.play(['A', '1']);
    await vi.waitFor(() => expect(sources).toHaveLength(2), { timeout: 10_000 });
    player.stop();
    await p;
    expect(sources.every((s) => s.stopped)).toBe(true);
  });

  it('with the outward voice rules: the volume setting is the gain, 测试语音 plays once, voice off plays nothing', async () => {
    const { context, sources, gain } = fakeContext();
    let contexts = 0;
    const voice = new OutwardVoice((volume) => {
      contexts++;
      return queuedOutput(new ClipPlayer({ context, loadClip, volume }), systemTimers);
    });
    const view = (test: number, volume: number, enabled = true) => ({
      mode: 'idle' as const,
      calling: null,
      windowName: '3号窗口',
      voice: { enabled, volume, test },
    });
    voice.update(view(2, 35));
    expect(contexts).toBe(0);
    voice.update(view(3, 35));
    // 请 A 零 零 一 号 到 三 号 窗口 办理
    await vi.waitFor(() => expect(sources).toHaveLength(11), { timeout: 10_000 });
    expect(gain.gain.value).toBeCloseTo(0.35);
    voice.update(view(3, 90));
    expect(gain.gain.value).toBeCloseTo(0.9);
    voice.update(view(3, 90, false));
    expect(sources.every((s) => s.stopped)).toBe(true);
    voice.update(view(4, 90, false));
    await flush();
    expect(sources).toHaveLength(11);
    expect(contexts).toBe(1);
  });
});
