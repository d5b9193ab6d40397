// ESC/POS command bytes (pure). Only what HallDesk sends and the simulator reads.
import type { Bitmap } from './bitmap.ts';
import { concatBytes } from './bitmap.ts';

export const LF = 0x0a;
export const DLE = 0x10;
export const EOT = 0x04;
export const ESC = 0x1b;
export const FS = 0x1c;
export const GS = 0x1d;

/** ESC @: initialise. */
export const INIT = Uint8Array.of(ESC, 0x40);
/** FS &: Chinese (two-/four-byte GB18030) character mode on. */
export const CHINESE_ON = Uint8Array.of(FS, 0x26);
/** FS .: Chinese character mode off. */
export const CHINESE_OFF = Uint8Array.of(FS, 0x2e);
/** GS V 66 0: feed to the cutting position, then partial cut. */
export const PARTIAL_CUT = Uint8Array.of(GS, 0x56, 66, 0);

export type StatusKind = 1 | 2 | 3 | 4;
/** DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor). */
export function statusQuery(n: StatusKind): Uint8Array {
  return Uint8Array.of(DLE, EOT, n);
}

export type QrLevel = 'L' | 'M' | 'Q' | 'H';
const QR_LEVEL_BYTE: Record<QrLevel, number> = { L: 48, M: 49, Q: 50, H: 51 };

/** Largest payload a version-40 symbol holds in byte mode at each level. */
export const QR_BYTE_CAPACITY: Record<QrLevel, number> = { L: 2953, M: 2331, Q: 1663, H: 1273 };

/**
 * The native QR sequence, GS ( k with cn = 49:
 *   fn 65 model 2 · fn 67 module size · fn 69 error level · fn 80 store · fn 81 print.
 * Store's pL pH count the data plus its 3 fixed bytes (cn fn m), little-endian.
 */
export function qrNative(data: Uint8Array, moduleSize: number, level: QrLevel = 'M'): Uint8Array {
  if (data.length === 0) throw new Error('二维码内容为空');
  if (data.length > QR_BYTE_CAPACITY[level]) {
    throw new Error(`二维码内容过长（${data.length} 字节，纠错级别 ${level} 最多 ${QR_BYTE_CAPACITY[level]} 字节）`);
  }
  const size = Math.min(16, Math.max(1, Math.round(moduleSize)));
  const stored = data.length + 3;
  return concatBytes([
    Uint8Array.of(GS, 0x28, 0x6b, 4, 0, 49, 65, 50, 0),
    Uint8Array.of(GS, 0x28, 0x6b, 3, 0, 49, 67, size),
    Uint8Array.of(GS, 0x28, 0x6b, 3, 0, 49, 69, QR_LEVEL_BYTE[level]),
    Uint8Array.of(GS, 0x28, 0x6b, stored & 0xff, stored >> 8, 49, 80, 48),
    data,
    Uint8Array.of(GS, 0x28, 0x6b, 3, 0, 49, 81, 48),
  ]);
}

/** Rows per GS v 0 band: small enough for the receive buffer of cheap printers. */
export const RASTER_BAND_ROWS = 255;

/** GS v 0 m xL xH yL yH d…: a raster image, in bands of at most RASTER_BAND_ROWS rows. */
export function rasterImage(bitmap: Bitmap): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let top = 0; top < bitmap.height; top += RASTER_BAND_ROWS) {
    const rows = Math.min(RASTER_BAND_ROWS, bitmap.height - top);
    parts.push(Uint8Array.of(GS, 0x76, 0x30, 0, bitmap.rowBytes & 0xff, bitmap.rowBytes >> 8, rows & 0xff, rows >> 8));
    parts.push(bitmap.data.subarray(top * bitmap.rowBytes, (top + rows) * bitmap.rowBytes));
  }
  return concatBytes(parts);
}

/** ESC a n: 0 left, 1 centre, 2 right (text at a line start, images, QR). */
export function justify(align: 0 | 1 | 2): Uint8Array {
  return Uint8Array.of(ESC, 0x61, align);
}

/** Text modes as GS ! / ESC E / ESC - + FS - / GS B set them. */
export interface TextMode {
  /** Width and height multipliers, 1–8. */
  width: number;
  height: number;
  bold: boolean;
  underline: boolean;
  invert: boolean;
}

export const PLAIN: TextMode = { width: 1, height: 1, bold: false, underline: false, invert: false };

/** The commands that take the printer from text mode `from` to `to` (nothing when they are equal). */
export function textModeChange(from: TextMode, to: TextMode): number[] {
  const out: number[] = [];
  if (from.width !== to.width || from.height !== to.height) out.push(GS, 0x21, ((to.width - 1) << 4) | (to.height - 1));
  if (from.bold !== to.bold) out.push(ESC, 0x45, to.bold ? 1 : 0);
  if (from.underline !== to.underline) out.push(ESC, 0x2d, to.underline ? 1 : 0, FS, 0x2d, to.underline ? 1 : 0);
  if (from.invert !== to.invert) out.push(GS, 0x42, to.invert ? 1 : 0);
  return out;
}
