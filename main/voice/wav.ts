// Just enough WAV (RIFF, PCM 16-bit) for the voice clips: read what
// espeak-ng writes, trim the silence around a word, resample to 16 kHz mono
// and write it back. Pure: bytes in, bytes out.

export interface PcmAudio {
  sampleRate: number;
  /** Mono, 16-bit signed. */
  samples: Int16Array;
}

export interface WavInfo extends PcmAudio {
  /** Channels in the file (the samples returned are mixed down to mono). */
  channels: number;
  bitsPerSample: number;
}

/** Reads a PCM 16-bit WAV; throws an Error (zh-CN) on anything else. */
export function parseWav(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new Error('不是 WAV 文件（缺少 RIFF/WAVE 头）');
  let at = 12;
  let format: { channels: number; sampleRate: number; bitsPerSample: number; audioFormat: number } | null =
    null;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    // espeak-ng writing to stdout cannot seek back, so its sizes may be 0 or 0x7fffffff: clamp to the bytes present.
    const declared = view.getUint32(at + 4, true);
    const size = Math.min(declared, bytes.length - at - 8);
    if (id === 'fmt ') {
      format = {
        audioFormat: view.getUint16(at + 8, true),
        channels: view.getUint16(at + 10, true),
        sampleRate: view.getUint32(at + 12, true),
        bitsPerSample: view.getUint16(at + 22, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV 文件的 data 块在 fmt 块之前');
      if (format.audioFormat !== 1 || format.bitsPerSample !== 16) throw new Error('只支持 16 位 PCM 的 WAV');
      const dataSize =
        declared === 0 || declared === 0xffffffff || declared === 0x7fffffff ? bytes.length - at - 8 : size;
      const frames = Math.floor(dataSize / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < format.channels; c++)
          sum += view.getInt16(at + 8 + (i * format.channels + c) * 2, true);
        samples[i] = Math.round(sum / format.channels);
      }
      return { sampleRate: format.sampleRate, channels: format.channels, bitsPerSample: 16, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAV 文件没有 data 块');
}

/** A mono 16-bit PCM WAV. */
export function encodeWav(audio: PcmAudio): Uint8Array {
  const dataSize = audio.samples.length * 2;
  const bytes = new Uint8Array(44 + dataSize);
  const view = new DataView(bytes.buffer);
  const put = (at: number, text: string) => {
    for (let i = 0; i < 4; i++) bytes[at + i] = text.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, dataSize, true);
  for (let i = 0; i < audio.samples.length; i++) view.setInt16(44 + i * 2, audio.samples[i]!, true);
  return bytes;
}

/** Linear-interpolation resampling (speech from espeak has little above 8 kHz, so no extra filter is needed). */
export function resample(audio: PcmAudio, sampleRate: number): PcmAudio {
  if (audio.sampleRate === sampleRate || audio.samples.length === 0)
    return { sampleRate, samples: audio.samples.slice() };
  const ratio = audio.sampleRate / sampleRate;
  const length = Math.max(1, Math.floor(audio.samples.length / ratio));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const x = i * ratio;
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, audio.samples.length - 1);
    const t = x - i0;
    out[i] = Math.round(audio.samples[i0]! * (1 - t) + audio.samples[i1]! * t);
  }
  return { sampleRate, samples: out };
}

/** Cuts the quiet before and after the sound, keeping `padMs` on each side. */
export function trimSilence(audio: PcmAudio, threshold = 300, padMs = 20): PcmAudio {
  const { samples } = audio;
  let start = 0;
  while (start < samples.length && Math.abs(samples[start]!) < threshold) start++;
  let end = samples.length;
  while (end > start && Math.abs(samples[end - 1]!) < threshold) end--;
  if (start >= end) return { sampleRate: audio.sampleRate, samples: new Int16Array(0) };
  const pad = Math.round((audio.sampleRate * padMs) / 1000);
  return {
    sampleRate: audio.sampleRate,
    samples: samples.slice(Math.max(0, start - pad), Math.min(samples.length, end + pad)),
  };
}

export function durationMs(audio: PcmAudio): number {
  return Math.round((audio.samples.length * 1000) / audio.sampleRate);
}
