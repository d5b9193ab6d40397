// GB18030, the text encoding of the hall's devices (printer, evaluator LCD).
// Pure: bytes in, bytes out.
//
// Node decodes GB18030 (TextDecoder('gb18030'), ICU/WHATWG) but has no
// encoder. The reverse table is built once, lazily, from that same decoder —
// so what we send is exactly what the simulator (and any WHATWG decoder) reads
// back. Two-byte codes are decoded one by one (separated by LF, so an
// unassigned pair cannot shift its neighbours); the four-byte BMP codes
// likewise; supplementary planes (U+10000…) are a linear range from 90 30 81 30
// and need no table.

/** Index = BMP code point; value = its GB18030 bytes packed big-endian (0 = not encodable). */
let reverse: Uint32Array | null = null;

function buildReverseTable(): Uint32Array {
  const table = new Uint32Array(0x10000);
  const decoder = new TextDecoder('gb18030');
  // Two-byte: lead 81–FE, trail 40–7E and 80–FE.
  const trails: number[] = [];
  for (let t = 0x40; t <= 0xfe; t++) if (t !== 0x7f) trails.push(t);
  const two = new Uint8Array(126 * trails.length * 3);
  let o = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (const trail of trails) {
      two[o++] = lead;
      two[o++] = trail;
      two[o++] = 0x0a;
    }
  }
  const twoChars = decoder.decode(two).split('\n');
  let i = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (const trail of trails) {
      const s = twoChars[i++]!;
      if (s.length === 1 && s !== '\ufffd') {
        const cp = s.charCodeAt(0);
        if (table[cp] === 0) table[cp] = (lead << 8) | trail;
      }
    }
  }
  // Four-byte codes that decode into the BMP: linear 0 … 39419 (81 30 81 30 … 84 31 A4 39).
  const count = 39420;
  const four = new Uint8Array(count * 5);
  o = 0;
  for (let l = 0; l < count; l++) {
    const [b1, b2, b3, b4] = fourBytesOfLinear(l);
    four[o++] = b1;
    four[o++] = b2;
    four[o++] = b3;
    four[o++] = b4;
    four[o++] = 0x0a;
  }
  const fourChars = decoder.decode(four).split('\n');
  for (let l = 0; l < count; l++) {
    const s = fourChars[l]!;
    if (s.length === 1 && s !== '\ufffd') {
      const cp = s.charCodeAt(0);
      if (table[cp] === 0) {
        const [b1, b2, b3, b4] = fourBytesOfLinear(l);
        table[cp] = ((b1 << 24) | (b2 << 16) | (b3 << 8) | b4) >>> 0;
      }
    }
  }
  // U+FFFD has a real code (84 31 A4 37) but decodes like an error, so the loop above skips it.
  const [r1, r2, r3, r4] = fourBytesOfLinear(39417);
  table[0xfffd] = ((r1 << 24) | (r2 << 16) | (r3 << 8) | r4) >>> 0;
  return table;
}

function fourBytesOfLinear(linear: number): [number, number, number, number] {
  const b4 = 0x30 + (linear % 10);
  let rest = Math.floor(linear / 10);
  const b3 = 0x81 + (rest % 126);
  rest = Math.floor(rest / 126);
  const b2 = 0x30 + (rest % 10);
  const b1 = 0x81 + Math.floor(rest / 10);
  return [b1, b2, b3, b4];
}

function table(): Uint32Array {
  reverse ??= buildReverseTable();
  return reverse;
}

/** The GB18030 bytes of one code point; empty when it has none (a lone surrogate). */
export function encodeCodePoint(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp >= 0x10000) {
    if (cp > 0x10ffff) return [];
    return fourBytesOfLinear(cp - 0x10000 + 189000);
  }
  const packed = table()[cp]!;
  if (packed === 0) return [];
  if (packed <= 0xffff) return [packed >>> 8, packed & 0xff];
  return [packed >>> 24, (packed >>> 16) & 0xff, (packed >>> 8) & 0xff, packed & 0xff];
}

/** 1, 2 or 4: how many bytes GB18030 needs for this code point; 0 when it cannot be encoded. */
export function gb18030Length(cp: number): 0 | 1 | 2 | 4 {
  if (cp < 0x80) return 1;
  if (cp >= 0x10000) return cp <= 0x10ffff ? 4 : 0;
  const packed = table()[cp]!;
  if (packed === 0) return 0;
  return packed <= 0xffff ? 2 : 4;
}

/** Encodes text as GB18030; a code point with no encoding (a lone surrogate) becomes '?'. */
export function encodeGb18030(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const bytes = encodeCodePoint(ch.codePointAt(0)!);
    if (bytes.length === 0) out.push(0x3f);
    else for (const b of bytes) out.push(b);
  }
  return Uint8Array.from(out);
}

export function decodeGb18030(bytes: Uint8Array): string {
  return new TextDecoder('gb18030').decode(bytes);
}

/**
 * Whether the code point is in GB 2312 (EUC-CN rows A1–F7, cells A1–FE), the
 * only two-byte set some cheap printer fonts carry (6 763 hanzi and symbols).
 */
export function isGb2312(cp: number): boolean {
  if (cp < 0x80) return true;
  const bytes = encodeCodePoint(cp);
  if (bytes.length !== 2) return false;
  const [lead, trail] = bytes as [number, number];
  if (lead < 0xa1 || lead > 0xf7 || trail < 0xa1 || trail > 0xfe) return false;
  // Rows AA–AF are empty in GB 2312, and D7FA–D7FE after the last level-2 hanzi.
  if (lead >= 0xaa && lead <= 0xaf) return false;
  return !(lead === 0xd7 && trail >= 0xfa);
}

/**
 * The longest prefix of `text`, cut at a character boundary, whose GB18030
 * form fits in `maxBytes` — for device fields with a byte limit.
 */
export function truncateGb18030(text: string, maxBytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = gb18030Length(char.codePointAt(0)!) || 1; // unencodable → '?'
    if (used + size > maxBytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}
