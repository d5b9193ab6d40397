// Makes resources/voice/*.wav and resources/voice/clips.json with espeak-ng
// (Debian/Ubuntu package `espeak-ng`). Words and digits are spoken from
// pinyin by the `cmn-latn-pinyin` voice (the plain `cmn` voice of
// espeak-ng 1.51 reads the pinyin it makes from hanzi as English: 请 → "king
// three"); letters by the `cmn` voice, which says them the Chinese way.
// Each clip is trimmed of silence and written as 16 kHz mono 16-bit PCM.
//
//   node scripts/make-voice-clips.ts [--out resources/voice]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CLIPS, CLIP_TEXT } from '../common/announce.ts';
import { durationMs, encodeWav, parseWav, resample, trimSilence } from '../main/voice/wav.ts';

const SAMPLE_RATE = 16_000;
const SPEED_WPM = 165;
const MAX_TOTAL_BYTES = 1_000_000;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = path.resolve(outIndex > 0 ? process.argv[outIndex + 1]! : path.join(repo, 'resources/voice'));

function espeak(args: string[]): Uint8Array {
  const run = spawnSync('espeak-ng', args, { maxBuffer: 16 * 1024 * 1024 });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing ? '找不到 espeak-ng：请先安装（apt-get install -y espeak-ng）' : run.error.message,
    );
  }
  if (run.status !== 0) throw new Error(`espeak-ng 失败（${run.status}）：${run.stderr.toString()}`);
  return new Uint8Array(run.stdout);
}

const version = /NG text-to-speech: (\S+)/.exec(
  spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' }).stdout ?? '',
)?.[1];
mkdirSync(outDir, { recursive: true });
for (const name of readdirSync(outDir)) if (name.endsWith('.wav')) rmSync(path.join(outDir, name));

const clips: {
  name: string;
  zh: string;
  spoken: string;
  voice: string;
  file: string;
  durationMs: number;
  bytes: number;
}[] = [];
let total = 0;
for (const name of ALL_CLIPS) {
  const text = CLIP_TEXT[name]!;
  const voice = text.pinyin === null ? 'cmn' : 'cmn-latn-pinyin';
  const spoken = text.pinyin ?? name;
  const raw = parseWav(espeak(['-v', voice, '-s', String(SPEED_WPM), '--stdout', spoken]));
  const audio = resample(trimSilence(raw), SAMPLE_RATE);
  if (audio.samples.length === 0) throw new Error(`片段 ${name} 没有声音`);
  const bytes = encodeWav(audio);
  const file = `${name}.wav`;
  writeFileSync(path.join(outDir, file), bytes);
  total += bytes.length;
  clips.push({ name, zh: text.zh, spoken, voice, file, durationMs: durationMs(audio), bytes: bytes.length });
}
const manifest = {
  version: 1,
  format: { container: 'wav', encoding: 'pcm_s16le', sampleRate: SAMPLE_RATE, channels: 1 },
  generator: `scripts/make-voice-clips.ts with espeak-ng ${version ?? '?'}, -s ${SPEED_WPM}`,
  totalBytes: total,
  clips,
};
writeFileSync(path.join(outDir, 'clips.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`${clips.length} clips, ${total} bytes in ${outDir}`);
if (total > MAX_TOTAL_BYTES) {
  console.error(`语音片段共 ${total} 字节，超过 ${MAX_TOTAL_BYTES} 字节的上限`);
  process.exit(1);
}
