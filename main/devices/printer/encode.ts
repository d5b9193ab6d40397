// PrintDocument → ESC/POS bytes and an SVG preview, through receiptline.
//
// receiptline (markup → layout → a command set) does the layout and the SVG.
// Its own ESC/POS command sets do not suit Chinese halls' printers, so this is
// a command set of our own, plugged into receiptline:
//  - Chinese mode (FS &) once at the start and never left: receiptline's rules
//    switch to a Japanese box-drawing code page (FS . ESC t 1), which prints
//    garbage on GB18030 printers; ours are ASCII '-'.
//  - GB18030 text from our own encoder (gb18030.ts), 4-byte codes included.
//  - Native QR (GS ( k) — receiptline 4 only draws QR as images — or, per
//    profile, a raster QR (GS v 0) drawn from receiptline's QR matrix.
//  - Positions as spaces, and text modes sent only when they change: the
//    stock sets send ~50 bytes of GS L / GS W / ESC $ / mode resets per line.
//  - Lines the profile cannot print go out as images (raster-lines.ts).
//  - Partial cut GS V 66 0 at the end, nothing after it (the stock sets ask
//    for a status byte with GS r, which would muddle our DLE EOT answers).
import { commands, qrcode, transform, type BaseCommand } from 'receiptline';
import { bitmapToPng, concatBytes, createBitmap, cropWidth, inkWidth, setPixel, type Bitmap } from './bitmap.ts';
import { toReceiptLine, type PrintDocument } from './document.ts';
import {
  CHINESE_ON,
  ESC,
  INIT,
  PARTIAL_CUT,
  PLAIN,
  justify,
  qrNative,
  rasterImage,
  textModeChange,
  type QrLevel,
  type TextMode,
} from './escpos.ts';
import { defaultTextRasteriser } from './fonts.ts';
import { encodeGb18030 } from '../gb18030.ts';
import { columnsOf, dotsOf, unprintableCharacters, type PrinterProfile } from './profile.ts';
import { scaleOfWh, withRasterLines } from './raster-lines.ts';
import type { TextRasteriser } from './text-raster.ts';

const latin1 = (bytes: Uint8Array | readonly number[]): string => Buffer.from(bytes as Uint8Array).toString('latin1');

/** The QR symbol as dots: `cell` dots per module, no quiet zone (the paper's margins and blank lines give it). */
export function qrBitmap(data: string, cell: number, level: QrLevel = 'M'): Bitmap {
  const matrix = qrcode.generate({ data, type: 'qrcode', cell, level: level.toLowerCase() as 'l' | 'm' | 'q' | 'h' });
  const size = matrix.length * cell;
  const bitmap = createBitmap(size, size);
  matrix.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark !== 1) return;
      for (let dy = 0; dy < cell; dy++) for (let dx = 0; dx < cell; dx++) setPixel(bitmap, x * cell + dx, y * cell + dy);
    });
  });
  return bitmap;
}

/** ESC J n after an image line: the gap a text line leaves below itself (line spacing ≈ 30 dots). */
const RASTER_LINE_GAP = 6;

function escPosCommandSet(profile: PrinterProfile): BaseCommand {
  const columns = columnsOf(profile);
  let sent: TextMode = PLAIN;
  let wanted: TextMode = PLAIN;
  let sentAlign: 0 | 1 | 2 = 0;
  let wantedAlign: 0 | 1 | 2 = 0;
  let left = 0;
  let column = 0;

  const modeTo = (mode: TextMode): string => {
    const change = textModeChange(sent, mode);
    sent = mode;
    return latin1(change);
  };
  const alignTo = (align: 0 | 1 | 2): string => {
    if (sentAlign === align) return '';
    sentAlign = align;
    return latin1(justify(align));
  };
  /** Spaces up to `target` (in columns), in a mode where a space is one column and blank. */
  const padTo = (target: number): string => {
    const to = Math.floor(target);
    if (to <= column) return '';
    const spaces = to - column;
    column = to;
    return alignTo(0) + modeTo({ ...sent, width: 1, height: 1, underline: false, invert: false }) + ' '.repeat(spaces);
  };

  return {
    ...commands.base,
    open: () => {
      sent = PLAIN;
      wanted = PLAIN;
      sentAlign = 0;
      wantedAlign = 0;
      left = 0;
      column = 0;
      return latin1(concatBytes([INIT, CHINESE_ON]));
    },
    close: () => latin1(PARTIAL_CUT),
    area: (l: number) => {
      left = l;
      return '';
    },
    align: (align: number) => {
      wantedAlign = align as 0 | 1 | 2;
      return '';
    },
    absolute: (position: number) => padTo(left + position),
    relative: (position: number) => padTo(column + position),
    hr: (width: number) => padTo(left) + modeTo(PLAIN) + '-'.repeat(width),
    // Vertical rules need backward positioning; our slips do not use them.
    vr: () => '',
    vrstart: (widths: number[]) => padTo(left) + modeTo(PLAIN) + '-'.repeat(widths.reduce((a, w) => a + w + 1, 1)),
    vrstop: (widths: number[]) => padTo(left) + modeTo(PLAIN) + '-'.repeat(widths.reduce((a, w) => a + w + 1, 1)),
    vrhr: (_w1: number[], widths: number[]) => padTo(left) + modeTo(PLAIN) + '-'.repeat(widths.reduce((a, w) => a + w + 1, 1)),
    vrlf: () => {
      column = 0;
      return '\n';
    },
    lf: () => {
      column = 0;
      return '\n';
    },
    cut: () => latin1(PARTIAL_CUT),
    normal: () => {
      wanted = PLAIN;
      return '';
    },
    ul: () => {
      wanted = { ...wanted, underline: true };
      return '';
    },
    em: () => {
      wanted = { ...wanted, bold: true };
      return '';
    },
    iv: () => {
      wanted = { ...wanted, invert: true };
      return '';
    },
    wh: (wh: number) => {
      const { w, h } = scaleOfWh(wh);
      wanted = { ...wanted, width: w, height: h };
      return '';
    },
    text: (text: string) => {
      const out = alignTo(0) + modeTo(wanted) + latin1(encodeGb18030(text));
      let width = 0;
      for (const ch of text) width += ch.codePointAt(0)! < 0x80 ? 1 : 2;
      column += width * wanted.width;
      return out;
    },
    command: (command: string) => command,
    image: () => '',
    barcode: () => '',
    qrcode: (symbol: { data: string; cell: number; level: string }) => {
      if (symbol.data.length === 0) return '';
      const level = symbol.level.toUpperCase() as QrLevel;
      const body = profile.nativeQr
        ? qrNative(new TextEncoder().encode(symbol.data), symbol.cell, level)
        : rasterImage(qrBitmap(symbol.data, symbol.cell, level));
      column = 0;
      return alignTo(wantedAlign) + latin1(body);
    },
    /** A line drawn as an image: left-aligned, cut to its ink, then the usual line gap. */
    rasterLine: (bitmap: Bitmap) => {
      const width = Math.max(8, Math.ceil(inkWidth(bitmap) / 8) * 8);
      column = 0;
      return alignTo(0) + latin1(rasterImage(cropWidth(bitmap, Math.min(width, bitmap.width)))) + latin1([ESC, 0x4a, RASTER_LINE_GAP]);
    },
    columns,
  } as BaseCommand;
}

export interface EncodeOptions {
  /** Draws lines the printer cannot print; default: the fonts on this PC, then the packaged Unifont. */
  rasteriser?: TextRasteriser;
}

export interface EncodedJob {
  bytes: Uint8Array;
  /** Lines sent as images, as text (e.g. 「申请人：𠈌*」), for the log and the queue. */
  rasterLines: string[];
  /** Characters no font could draw: printed as code-point boxes. */
  missingGlyphs: string[];
}

function rasterHooks(profile: PrinterProfile, options: EncodeOptions, report: EncodedJob, emit: (self: BaseCommand, bitmap: Bitmap) => string) {
  let rasteriser = options.rasteriser;
  const get = () => (rasteriser ??= defaultTextRasteriser());
  return {
    needsRaster: (text: string) => unprintableCharacters(profile, text).length > 0,
    render: (runs: Parameters<TextRasteriser['renderLine']>[0]) => {
      for (const run of runs) for (const ch of get().missingGlyphs(run.text)) if (!report.missingGlyphs.includes(ch)) report.missingGlyphs.push(ch);
      return get().renderLine(runs, dotsOf(profile));
    },
    emit,
    onRasterLine: (text: string) => report.rasterLines.push(text),
  };
}

/** The document as the bytes to send this printer: init, Chinese mode, the slip, partial cut. */
export function encodeDocument(doc: PrintDocument, profile: PrinterProfile, options: EncodeOptions = {}): EncodedJob {
  const report: EncodedJob = { bytes: new Uint8Array(0), rasterLines: [], missingGlyphs: [] };
  const command = withRasterLines(
    escPosCommandSet(profile),
    rasterHooks(profile, options, report, (self, bitmap) => (self.rasterLine as (b: Bitmap) => string)(bitmap)),
  );
  const out = transform(toReceiptLine(doc, profile), { cpl: columnsOf(profile), encoding: 'gb18030', command, cutting: true });
  report.bytes = Uint8Array.from(Buffer.from(out, 'latin1'));
  return report;
}

/**
 * What the slip will look like, as SVG (receiptline's renderer, 12 px per
 * column): lines the printer cannot print show as the very image it gets.
 */
export function previewSvg(doc: PrintDocument, profile: PrinterProfile, options: EncodeOptions = {}): string {
  const report: EncodedJob = { bytes: new Uint8Array(0), rasterLines: [], missingGlyphs: [] };
  const svg = commands.svg;
  const command = withRasterLines(
    svg,
    rasterHooks(profile, options, report, (self, bitmap) => {
      svg.area.call(self, 0, columnsOf(profile), 0);
      svg.align.call(self, 0);
      const image = svg.image as (this: BaseCommand, base64Png: string) => string;
      return image.call(self, Buffer.from(bitmapToPng(bitmap)).toString('base64'));
    }),
  );
  return transform(toReceiptLine(doc, profile), { cpl: columnsOf(profile), encoding: 'gb18030', command, cutting: true });
}
