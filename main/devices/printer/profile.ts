// What one printer model can do: set per printer by the hall manager.
import { gb18030Length, isGb2312 } from '../gb18030.ts';

export type PaperWidth = 58 | 80;

export interface PrinterProfile {
  /** Paper width: 58 mm prints 32 columns / 384 dots, 80 mm 48 columns / 576 dots (12-dot ASCII, 24-dot hanzi). */
  width: PaperWidth;
  /** The printer draws QR codes itself (GS ( k). When false a raster QR (GS v 0) is sent. */
  nativeQr: boolean;
  /** The printer's font has the 4-byte GB18030 characters (CJK Ext. B … such as 𠈌). */
  fourByteGb18030: boolean;
  /**
   * The printer's two-byte font: 'gbk' (all two-byte GB18030/GBK, the usual
   * case) or 'gb2312' (cheap printers: 6 763 hanzi only — 喆, 堃 are missing).
   * Default 'gbk'.
   */
  twoByteFont?: 'gbk' | 'gb2312';
  /** QR module size in dots, 3–8. Default 6 at 58 mm, 7 at 80 mm. */
  qrModuleSize?: number;
  /** Ask the printer's status (DLE EOT) before and after each job on a two-way link. Default true. */
  statusQueries?: boolean;
}

export const DEFAULT_PROFILE: PrinterProfile = { width: 80, nativeQr: true, fourByteGb18030: false };

/** Characters per line (ASCII, 12 dots each; a hanzi takes two). */
export function columnsOf(profile: Pick<PrinterProfile, 'width'>): 32 | 48 {
  return profile.width === 58 ? 32 : 48;
}

/** Printable dots per line. */
export function dotsOf(profile: Pick<PrinterProfile, 'width'>): 384 | 576 {
  return profile.width === 58 ? 384 : 576;
}

export function qrModuleSizeOf(profile: PrinterProfile): number {
  const size = profile.qrModuleSize ?? (profile.width === 58 ? 6 : 7);
  return Math.min(8, Math.max(3, Math.round(size)));
}

/** Whether the printer can print this code point as text in Chinese mode (FS &). */
export function canPrintCodePoint(profile: PrinterProfile, cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp !== 0x7f;
  switch (gb18030Length(cp)) {
    case 2:
      return profile.twoByteFont === 'gb2312' ? isGb2312(cp) : true;
    case 4:
      return profile.fourByteGb18030;
    default:
      return false;
  }
}

/** The characters of `text` this printer cannot print as text (each once, in order). */
export function unprintableCharacters(profile: PrinterProfile, text: string): string[] {
  const found: string[] = [];
  for (const ch of text) {
    if (!canPrintCodePoint(profile, ch.codePointAt(0)!) && !found.includes(ch)) found.push(ch);
  }
  return found;
}

/** Display width in columns: ASCII 1, everything else (hanzi, ￥, full-width punctuation) 2. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return width;
}
