// Text → 1-bit dots, for the lines a printer's own font cannot print (a 4-byte
// GB18030 name such as 𠈌 on a printer without those glyphs). The line is laid
// out exactly as the printer would (12-dot ASCII and 24-dot hanzi cells,
// double width/height by whole factors) and sent as an image.
//
// Glyphs come from outline fonts (TrueType/OpenType/WOFF, loaded in fonts.ts)
// filled here with a small scanline rasteriser (non-zero winding, 4 sub-rows
// per dot, exact horizontal coverage, a dot is black at ≥ 45 % coverage). A
// character that no font has is drawn as a box holding its code point in hex
// (like GNU Unifont's fallback glyphs), so the clerk sees that one character
// is missing and which one, and can write it in by hand.
import { blit, createBitmap, scaleBitmap, setPixel, getPixel, type Bitmap } from './bitmap.ts';

export type OutlineCommand =
  | { command: 'moveTo'; args: number[] }
  | { command: 'lineTo'; args: number[] }
  | { command: 'quadraticCurveTo'; args: number[] }
  | { command: 'bezierCurveTo'; args: number[] }
  | { command: 'closePath'; args: number[] };

/** One font face, in its own units (y up, baseline 0). */
export interface GlyphFace {
  name: string;
  unitsPerEm: number;
  /** Ideographic em box: ascent above the baseline, descent (negative) below. */
  ascent: number;
  descent: number;
  has(codePoint: number): boolean;
  outline(codePoint: number): { advance: number; commands: readonly OutlineCommand[] };
}

/** A run of text at a dot position, with the printer's text modes. */
export interface TextRun {
  x: number;
  text: string;
  scaleW: number;
  scaleH: number;
  bold: boolean;
  underline: boolean;
  invert: boolean;
}

export const CELL_HEIGHT = 24;
export const HALF_CELL = 12;

export class TextRasteriser {
  readonly faces: readonly GlyphFace[];
  private readonly cache = new Map<string, Bitmap>();

  constructor(faces: readonly GlyphFace[]) {
    this.faces = faces;
  }

  /** The face that draws this code point, or null (drawn as a hex box). */
  faceFor(codePoint: number): GlyphFace | null {
    return this.faces.find((face) => face.has(codePoint)) ?? null;
  }

  /** Characters of `text` that no face has: they print as boxes with their code point. */
  missingGlyphs(text: string): string[] {
    const missing: string[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp > 0x20 && this.faceFor(cp) === null && !missing.includes(ch)) missing.push(ch);
    }
    return missing;
  }

  /** One character in its cell at normal size: 12×24 (ASCII) or 24×24. */
  glyphCell(codePoint: number): Bitmap {
    const cellWidth = codePoint < 0x80 ? HALF_CELL : CELL_HEIGHT;
    const key = `${codePoint}`;
    let cell = this.cache.get(key);
    if (!cell) {
      cell = createBitmap(cellWidth, CELL_HEIGHT);
      if (codePoint > 0x20) {
        const face = this.faceFor(codePoint);
        if (face) fillGlyph(cell, face, codePoint);
        else drawHexBox(cell, codePoint);
      }
      this.cache.set(key, cell);
    }
    return cell;
  }

  /** A whole printed line, `width` dots wide, as tall as its tallest run. */
  renderLine(runs: readonly TextRun[], width: number): Bitmap {
    const height = CELL_HEIGHT * Math.max(1, ...runs.map((run) => run.scaleH));
    const line = createBitmap(width, height);
    for (const run of runs) {
      let x = Math.round(run.x);
      const y = height - CELL_HEIGHT * run.scaleH; // runs of different heights share the baseline
      const start = x;
      for (const ch of run.text) {
        const cp = ch.codePointAt(0)!;
        let cell = this.glyphCell(cp);
        if (run.bold && this.faceFor(cp)) cell = emboldened(cell); // a code-point box stays readable
        cell = scaleBitmap(cell, run.scaleW, run.scaleH);
        blit(line, cell, x, y);
        x += cell.width;
      }
      if (run.underline) {
        for (let ux = start; ux < x; ux++) for (let uy = height - 2; uy < height; uy++) setPixel(line, ux, uy);
      }
      if (run.invert) {
        for (let iy = y; iy < height; iy++) {
          for (let ix = start; ix < x; ix++) setPixel(line, ix, iy, !getPixel(line, ix, iy));
        }
      }
    }
    return line;
  }
}

/** Double-strike look (ESC E): every black dot also blackens its right neighbour. */
function emboldened(cell: Bitmap): Bitmap {
  const out = createBitmap(cell.width, cell.height);
  for (let y = 0; y < cell.height; y++) {
    for (let x = 0; x < cell.width; x++) {
      if (getPixel(cell, x, y) || getPixel(cell, x - 1, y)) setPixel(out, x, y);
    }
  }
  return out;
}

interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const SUBROWS = 4;
const COVERAGE_THRESHOLD = 0.45;

/** Fills the glyph's outline into the cell: the em box fills the cell's height, the advance is centred (and squeezed if wider). */
function fillGlyph(cell: Bitmap, face: GlyphFace, codePoint: number): void {
  const { advance, commands } = face.outline(codePoint);
  const scale = cell.height / (face.ascent - face.descent);
  const baseline = face.ascent * scale;
  const advanceDots = advance * scale;
  const squeeze = advanceDots > cell.width ? cell.width / advanceDots : 1;
  const x0 = (cell.width - advanceDots * squeeze) / 2;
  const tx = (x: number) => x0 + x * scale * squeeze;
  const ty = (y: number) => baseline - y * scale;
  const edges = flatten(commands, tx, ty);
  const coverage = new Float32Array(cell.width);
  for (let row = 0; row < cell.height; row++) {
    coverage.fill(0);
    for (let sub = 0; sub < SUBROWS; sub++) {
      const sy = row + (sub + 0.5) / SUBROWS;
      const crossings: { x: number; dir: number }[] = [];
      for (const e of edges) {
        if ((e.y0 <= sy && e.y1 > sy) || (e.y1 <= sy && e.y0 > sy)) {
          const x = e.x0 + ((sy - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0);
          crossings.push({ x, dir: e.y1 > e.y0 ? 1 : -1 });
        }
      }
      crossings.sort((a, b) => a.x - b.x);
      let winding = 0;
      for (let i = 0; i < crossings.length - 1; i++) {
        winding += crossings[i]!.dir;
        if (winding === 0) continue;
        const xa = Math.max(0, crossings[i]!.x);
        const xb = Math.min(cell.width, crossings[i + 1]!.x);
        for (let px = Math.floor(xa); px < xb && px < cell.width; px++) {
          const overlap = Math.min(xb, px + 1) - Math.max(xa, px);
          if (overlap > 0) coverage[px]! += overlap / SUBROWS;
        }
      }
    }
    for (let px = 0; px < cell.width; px++) if (coverage[px]! >= COVERAGE_THRESHOLD) setPixel(cell, px, row);
  }
}

function flatten(commands: readonly OutlineCommand[], tx: (x: number) => number, ty: (y: number) => number): Edge[] {
  const edges: Edge[] = [];
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  const lineTo = (x: number, y: number) => {
    if (y !== cy) edges.push({ x0: cx, y0: cy, x1: x, y1: y });
    cx = x;
    cy = y;
  };
  for (const c of commands) {
    const a = c.args;
    switch (c.command) {
      case 'moveTo':
        if (cx !== sx || cy !== sy) lineTo(sx, sy);
        cx = sx = tx(a[0]!);
        cy = sy = ty(a[1]!);
        break;
      case 'lineTo':
        lineTo(tx(a[0]!), ty(a[1]!));
        break;
      case 'quadraticCurveTo': {
        const [qx, qy, ex, ey] = [tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!)];
        const [px, py] = [cx, cy];
        for (let i = 1; i <= 8; i++) {
          const t = i / 8;
          const u = 1 - t;
          lineTo(u * u * px + 2 * u * t * qx + t * t * ex, u * u * py + 2 * u * t * qy + t * t * ey);
        }
        break;
      }
      case 'bezierCurveTo': {
        const [c1x, c1y, c2x, c2y, ex, ey] = [tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!), tx(a[4]!), ty(a[5]!)];
        const [px, py] = [cx, cy];
        for (let i = 1; i <= 10; i++) {
          const t = i / 10;
          const u = 1 - t;
          lineTo(
            u * u * u * px + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * ex,
            u * u * u * py + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * ey,
          );
        }
        break;
      }
      case 'closePath':
        lineTo(sx, sy);
        break;
    }
  }
  if (cx !== sx || cy !== sy) lineTo(sx, sy);
  return edges;
}

// 3×5 hex digits for the fallback box, one row per 3-bit number.
const HEX_DIGITS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 7, 4, 7],
  F: [7, 4, 7, 4, 4],
};

/** A box with the code point in hex, two rows of three digits (0 2020C → "020" / "20C"), digits doubled to 6×10 dots. */
function drawHexBox(cell: Bitmap, codePoint: number): void {
  const w = cell.width;
  const h = cell.height;
  for (let x = 0; x < w; x++) {
    setPixel(cell, x, 0);
    setPixel(cell, x, h - 1);
  }
  for (let y = 0; y < h; y++) {
    setPixel(cell, 0, y);
    setPixel(cell, w - 1, y);
  }
  if (w < CELL_HEIGHT) return;
  const hex = codePoint.toString(16).toUpperCase().padStart(6, '0').slice(-6);
  const rows = [hex.slice(0, 3), hex.slice(3)];
  rows.forEach((digits, r) => {
    [...digits].forEach((d, i) => {
      const pattern = HEX_DIGITS[d]!;
      const ox = 2 + i * 7;
      const oy = 1 + r * 11;
      pattern.forEach((bits, py) => {
        for (let px = 0; px < 3; px++) {
          if ((bits >> (2 - px)) & 1) {
            for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) setPixel(cell, ox + px * 2 + dx, oy + py * 2 + dy);
          }
        }
      });
    });
  });
}
