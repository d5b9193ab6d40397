// Fonts for raster lines (I/O: reads font files). Order of preference:
// the paths the hall configured, then CJK fonts found on this PC (SimSun and
// SimSun-ExtB on Windows — the latter has CJK Ext. B such as 𠈌 —, Noto
// CJK / WenQuanYi on Linux, PingFang on macOS), then GNU Unifont (UnifontEX,
// packaged with the app: the whole BMP as 16×16 bitmap glyphs drawn as
// outlines, no Ext. B). Whatever none of them has prints as a code-point box.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';
import { TextRasteriser, type GlyphFace, type OutlineCommand } from './text-raster.ts';

export const SYSTEM_CJK_FONTS: readonly string[] = [
  'C:\\Windows\\Fonts\\simsun.ttc',
  'C:\\Windows\\Fonts\\simsunb.ttf',
  'C:\\Windows\\Fonts\\msyh.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/System/Library/Fonts/PingFang.ttc',
  '/System/Library/Fonts/STHeiti Light.ttc',
];

/** GNU Unifont (UnifontEX, SIL OFL) from @fontsource/unifontex: the WOFF (zlib) opens ~8× faster than the WOFF2. */
export function packagedFontPath(): string {
  return createRequire(import.meta.url).resolve('@fontsource/unifontex/files/unifontex-latin-400-normal.woff');
}

// In a collection, the monospaced simplified-Chinese face first (its Latin is exactly half width).
const PREFERRED_FACES = [/MonoCJKsc/i, /NSimSun/i, /CJKsc/i, /SimSun/i, /SC\b/];

function pickFace(collection: fontkit.FontCollection): fontkit.Font | undefined {
  for (const pattern of PREFERRED_FACES) {
    const face = collection.fonts.find((font) => pattern.test(font.postscriptName));
    if (face) return face;
  }
  return collection.fonts[0];
}

/**
 * WOFF 1 → the TrueType/OpenType file it wraps. fontkit reads WOFF itself but
 * inflates a table again for every glyph (≈0.3 s each for Unifont's glyf);
 * unwrapping once makes a glyph take microseconds.
 */
export function unwrapWoff(woff: Buffer): Buffer {
  const numTables = woff.readUInt16BE(12);
  const entries: { tag: Buffer; checksum: number; data: Buffer }[] = [];
  for (let i = 0; i < numTables; i++) {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compLength = woff.readUInt32BE(at + 8);
    const origLength = woff.readUInt32BE(at + 12);
    const stored = woff.subarray(offset, offset + compLength);
    entries.push({
      tag: woff.subarray(at, at + 4),
      checksum: woff.readUInt32BE(at + 16),
      data: compLength < origLength ? inflateSync(stored) : stored,
    });
  }
  const headerLength = 12 + numTables * 16;
  let size = headerLength;
  for (const e of entries) size += (e.data.length + 3) & ~3;
  const out = Buffer.alloc(size);
  woff.copy(out, 0, 4, 8); // flavor
  out.writeUInt16BE(numTables, 4);
  const power = 2 ** Math.floor(Math.log2(numTables));
  out.writeUInt16BE(power * 16, 6);
  out.writeUInt16BE(Math.log2(power), 8);
  out.writeUInt16BE(numTables * 16 - power * 16, 10);
  let offset = headerLength;
  entries.forEach((e, i) => {
    const at = 12 + i * 16;
    e.tag.copy(out, at);
    out.writeUInt32BE(e.checksum, at + 4);
    out.writeUInt32BE(offset, at + 8);
    out.writeUInt32BE(e.data.length, at + 12);
    e.data.copy(out, offset);
    offset += (e.data.length + 3) & ~3;
  });
  return out;
}

export function loadFace(path: string): GlyphFace {
  const file = readFileSync(path);
  const opened = fontkit.create(file.subarray(0, 4).toString('latin1') === 'wOFF' ? unwrapWoff(file) : file);
  const font = 'fonts' in opened ? pickFace(opened) : opened;
  if (!font) throw new Error(`字体文件中没有可用的字体：${path}`);
  const os2 = (font as unknown as { 'OS/2'?: { typoAscender?: number; typoDescender?: number } })['OS/2'];
  const ascent = os2?.typoAscender && os2.typoDescender !== undefined ? os2.typoAscender : font.ascent;
  const descent = os2?.typoAscender && os2.typoDescender !== undefined ? os2.typoDescender : font.descent;
  return {
    name: font.postscriptName || path,
    unitsPerEm: font.unitsPerEm,
    ascent,
    descent,
    has: (cp) => font.hasGlyphForCodePoint(cp),
    outline: (cp) => {
      const glyph = font.glyphForCodePoint(cp);
      return { advance: glyph.advanceWidth, commands: glyph.path.commands as unknown as OutlineCommand[] };
    },
  };
}

export interface RasteriserOptions {
  /** Font files tried first, e.g. the hall's own SimSun-ExtB. */
  fontPaths?: readonly string[];
  /** Look for CJK fonts installed on this PC. Default true. */
  systemFonts?: boolean;
  /** Use the packaged Unifont. Default true. */
  packagedFont?: boolean;
}

/** Loads the faces that exist (unreadable files are skipped) into a rasteriser. */
export function createTextRasteriser(options: RasteriserOptions = {}): TextRasteriser {
  const paths = [...(options.fontPaths ?? []), ...(options.systemFonts === false ? [] : SYSTEM_CJK_FONTS)];
  if (options.packagedFont !== false) {
    try {
      paths.push(packagedFontPath());
    } catch {
      // Not packaged (a trimmed install): whatever no other font has prints as code-point boxes.
    }
  }
  const faces: GlyphFace[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    try {
      faces.push(loadFace(path));
    } catch {
      // A damaged or unsupported font file: the next one is tried.
    }
  }
  return new TextRasteriser(faces);
}

let shared: TextRasteriser | null = null;

/** One rasteriser per process with the default fonts, loaded on first use. */
export function defaultTextRasteriser(): TextRasteriser {
  shared ??= createTextRasteriser();
  return shared;
}
