// Lines the printer cannot print as text become images of themselves.
//
// receiptline lays a line out as a run of command calls (normal, area, align,
// absolute, relative, wh/em/ul/iv, text … then lf). This wrapper holds those
// calls back until the line ends. If every character of the line is printable
// they are replayed unchanged; otherwise the line is rendered, at the same
// positions and sizes, into one 1-bit image that the wrapped command set emits
// in its own way (GS v 0 for ESC/POS, an <image> in the SVG preview). Works for
// any receiptline command set.
import type { BaseCommand } from 'receiptline';
import type { Bitmap } from './bitmap.ts';
import { HALF_CELL, type TextRun } from './text-raster.ts';

type Call = { name: string; args: unknown[] };

const LINE_CALLS = ['normal', 'ul', 'em', 'iv', 'wh', 'area', 'align', 'absolute', 'relative', 'text'] as const;
const FLUSHING_CALLS = ['hr', 'vr', 'vrstart', 'vrstop', 'vrhr', 'cut', 'image', 'qrcode', 'barcode', 'command', 'close'] as const;

export interface RasterLineHooks {
  /** Whether a text run must be drawn rather than printed. */
  needsRaster(text: string): boolean;
  /** The whole line as an image of the paper's width. */
  render(runs: readonly TextRun[]): Bitmap;
  /** Emits the image in the wrapped command set; `self` is the command object receiptline calls. */
  emit(self: BaseCommand, bitmap: Bitmap): string;
  /** Told about every line drawn (for the job's report). */
  onRasterLine?(text: string): void;
}

/** receiptline's wh(n): n = 1 double width, 2 double height, 3 both, 4… (n−1)×. */
export function scaleOfWh(wh: number): { w: number; h: number } {
  if (wh <= 0) return { w: 1, h: 1 };
  return { w: wh < 2 ? wh + 1 : wh - 1, h: wh < 3 ? wh : wh - 1 };
}

/** The text runs of a recorded line, in dots, as the printer would place them. */
export function layoutRuns(calls: readonly Call[]): TextRun[] {
  const runs: TextRun[] = [];
  let left = 0;
  let position = 0;
  let mode = { wh: 0, bold: false, underline: false, invert: false };
  for (const call of calls) {
    switch (call.name) {
      case 'area':
        left = call.args[0] as number;
        break;
      case 'absolute':
        position = call.args[0] as number;
        break;
      case 'relative':
        position += call.args[0] as number;
        break;
      case 'normal':
        mode = { wh: 0, bold: false, underline: false, invert: false };
        break;
      case 'ul':
        mode.underline = true;
        break;
      case 'em':
        mode.bold = true;
        break;
      case 'iv':
        mode.invert = true;
        break;
      case 'wh':
        mode.wh = call.args[0] as number;
        break;
      case 'text': {
        const text = call.args[0] as string;
        const { w, h } = scaleOfWh(mode.wh);
        runs.push({ x: (left + position) * HALF_CELL, text, scaleW: w, scaleH: h, bold: mode.bold, underline: mode.underline, invert: mode.invert });
        let width = 0;
        for (const ch of text) width += ch.codePointAt(0)! < 0x80 ? 1 : 2;
        position += width * w;
        break;
      }
      default:
        break;
    }
  }
  return runs;
}

export function withRasterLines(base: BaseCommand, hooks: RasterLineHooks): BaseCommand {
  let pending: Call[] = [];
  const replay = (self: BaseCommand): string => {
    let out = '';
    for (const call of pending) out += (base[call.name] as (...a: unknown[]) => string).apply(self, call.args);
    pending = [];
    return out;
  };
  const wrapped: BaseCommand = { ...base };
  for (const name of LINE_CALLS) {
    wrapped[name] = function (...args: unknown[]) {
      pending.push({ name, args });
      return '';
    };
  }
  for (const name of FLUSHING_CALLS) {
    wrapped[name] = function (this: BaseCommand, ...args: unknown[]) {
      return replay(this) + (base[name] as (...a: unknown[]) => string).apply(this, args);
    };
  }
  const endLine = (name: 'lf' | 'vrlf') =>
    function (this: BaseCommand, ...args: unknown[]) {
      const texts = pending.filter((call) => call.name === 'text').map((call) => call.args[0] as string);
      if (texts.some((text) => hooks.needsRaster(text))) {
        const runs = layoutRuns(pending);
        pending = [];
        hooks.onRasterLine?.(texts.join(''));
        return hooks.emit(this, hooks.render(runs));
      }
      return replay(this) + (base[name] as (...a: unknown[]) => string).apply(this, args);
    };
  wrapped.lf = endLine('lf');
  wrapped.vrlf = endLine('vrlf');
  const open = base.open;
  wrapped.open = function (this: BaseCommand, printer) {
    pending = [];
    return open.call(this, printer);
  };
  return wrapped;
}
