// 1-bit images as thermal printers take them: rows of bytes, most significant
// bit leftmost, 1 = black dot. Plus the two ways out of this process: PNG
// (previews, simulator records) and PBM.
import { crc32, deflateSync } from 'node:zlib';

export interface Bitmap {
  width: number;
  height: number;
  /** Bytes per row: ceil(width / 8). */
  rowBytes: number;
  data: Uint8Array;
}

export function createBitmap(width: number, height: number): Bitmap {
  const rowBytes = Math.ceil(width / 8);
  return { width, height, rowBytes, data: new Uint8Array(rowBytes * height) };
}

export function getPixel(bitmap: Bitmap, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= bitmap.width || y >= bitmap.height) return false;
  return (bitmap.data[y * bitmap.rowBytes + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
}

export function setPixel(bitmap: Bitmap, x: number, y: number, black = true): void {
  if (x < 0 || y < 0 || x >= bitmap.width || y >= bitmap.height) return;
  const i = y * bitmap.rowBytes + (x >> 3);
  if (black) bitmap.data[i]! |= 0x80 >> (x & 7);
  else bitmap.data[i]! &= ~(0x80 >> (x & 7));
}

export function countBlack(bitmap: Bitmap, x0 = 0, y0 = 0, x1 = bitmap.width, y1 = bitmap.height): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (getPixel(bitmap, x, y)) n++;
  return n;
}

/** The same image cut to `width` dots (a whole number of bytes), e.g. to drop blank right margins. */
export function cropWidth(bitmap: Bitmap, width: number): Bitmap {
  const out = createBitmap(width, bitmap.height);
  for (let y = 0; y < bitmap.height; y++) {
    out.data.set(bitmap.data.subarray(y * bitmap.rowBytes, y * bitmap.rowBytes + out.rowBytes), y * out.rowBytes);
  }
  if (width % 8 !== 0) {
    const mask = (0xff << (8 - (width % 8))) & 0xff;
    for (let y = 0; y < out.height; y++) out.data[y * out.rowBytes + out.rowBytes - 1]! &= mask;
  }
  return out;
}

/** Rightmost black column + 1 (0 for a blank image). */
export function inkWidth(bitmap: Bitmap): number {
  for (let byte = bitmap.rowBytes - 1; byte >= 0; byte--) {
    let bits = 0;
    for (let y = 0; y < bitmap.height; y++) bits |= bitmap.data[y * bitmap.rowBytes + byte]!;
    if (bits !== 0) {
      let x = byte * 8 + 7;
      while (((bits >> (7 - (x & 7))) & 1) === 0) x--;
      return x + 1;
    }
  }
  return 0;
}

/** Nearest-neighbour scale by whole factors (double-width / double-height text). */
export function scaleBitmap(bitmap: Bitmap, sx: number, sy: number): Bitmap {
  if (sx === 1 && sy === 1) return bitmap;
  const out = createBitmap(bitmap.width * sx, bitmap.height * sy);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) if (getPixel(bitmap, Math.floor(x / sx), Math.floor(y / sy))) setPixel(out, x, y);
  }
  return out;
}

/** Draws `src` onto `dst` at (x, y), OR-ing black dots. */
export function blit(dst: Bitmap, src: Bitmap, x: number, y: number): void {
  for (let sy = 0; sy < src.height; sy++) {
    for (let sx = 0; sx < src.width; sx++) if (getPixel(src, sx, sy)) setPixel(dst, x + sx, y + sy);
  }
}

/** A 1-bit greyscale PNG (PNG's 1 is white, so the bits are inverted). */
export function bitmapToPng(bitmap: Bitmap): Uint8Array {
  const raw = new Uint8Array((bitmap.rowBytes + 1) * bitmap.height);
  for (let y = 0; y < bitmap.height; y++) {
    raw[y * (bitmap.rowBytes + 1)] = 0; // filter: none
    for (let i = 0; i < bitmap.rowBytes; i++) raw[y * (bitmap.rowBytes + 1) + 1 + i] = ~bitmap.data[y * bitmap.rowBytes + i]! & 0xff;
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, bitmap.width);
  view.setUint32(4, bitmap.height);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  return concatBytes([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  const typeAndBody = out.subarray(4, 8 + body.length);
  typeAndBody.set(new TextEncoder().encode(type), 0);
  typeAndBody.set(body, 4);
  view.setUint32(8 + body.length, crc32(typeAndBody));
  return out;
}

/** Netpbm P4: the printer's own bit layout behind a text header. */
export function bitmapToPbm(bitmap: Bitmap): Uint8Array {
  return concatBytes([new TextEncoder().encode(`P4\n${bitmap.width} ${bitmap.height}\n`), bitmap.data]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
