// ESC/POS bytes → what a printer would do with them (pure, streaming): text
// lines (GB18030 in Chinese mode), QR codes stored and printed, raster images,
// cuts, and the real-time status queries it must answer. The simulator runs on
// it; tests read jobs back through it. Unknown commands are reported, never
// silently skipped, and so is text that is not in Chinese mode (garbled on a
// real printer). Test tooling: the product only writes ESC/POS, never reads it.
import { createBitmap, type Bitmap } from '../../main/devices/printer/bitmap.ts';
import { DLE, ESC, FS, GS, LF, type StatusKind } from '../../main/devices/printer/escpos.ts';

export type Alignment = 'left' | 'center' | 'right';

export interface PrintedLine {
  /** As printed, padding spaces included. */
  text: string;
  align: Alignment;
  bold: boolean;
  /** Largest width × height multiplier used on the line. */
  scale: { width: number; height: number };
}

export type PrinterEvent =
  | { type: 'init' }
  | { type: 'line'; line: PrintedLine }
  | { type: 'qr'; payload: string; bytes: Uint8Array; model: number; moduleSize: number; level: string }
  | { type: 'image'; bitmap: Bitmap }
  | { type: 'feed'; dots: number }
  /** `end`: bytes parsed so far, the cut included (where the job ends in the stream). */
  | { type: 'cut'; partial: boolean; end: number }
  | { type: 'status-query'; n: StatusKind }
  | { type: 'warning'; message: string };

const ALIGN: Alignment[] = ['left', 'center', 'right'];
const QR_LEVELS: Record<number, string> = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' };

export class EscPosParser {
  private buffer = new Uint8Array(0);
  /** Stream offset of buffer[0]. */
  private base = 0;
  private at = 0;
  private chinese = false;
  private align: Alignment = 'left';
  private bold = false;
  private width = 1;
  private height = 1;
  private lineBytes: number[] = [];
  private lineText = '';
  private lineBold = false;
  private lineScale = { width: 1, height: 1 };
  private qr = { model: 50, moduleSize: 3, level: 'L', data: new Uint8Array(0) };
  private readonly decoder = new TextDecoder('gb18030');

  /** Parses as far as the bytes go; an incomplete command waits for the next chunk. */
  push(chunk: Uint8Array): PrinterEvent[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    const events: PrinterEvent[] = [];
    let i = 0;
    while (i < joined.length) {
      this.at = this.base + i;
      const used = this.step(joined, i, events);
      if (used === 0) break; // incomplete
      i += used;
    }
    this.buffer = joined.slice(i);
    this.base += i;
    return events;
  }

  /** Bytes parsed so far. */
  get offset(): number {
    return this.base;
  }

  /** Whatever is still on the current line (at the end of a connection). */
  flush(): PrinterEvent[] {
    const events: PrinterEvent[] = [];
    if (this.buffer.length > 0) {
      events.push({ type: 'warning', message: `连接结束时有 ${this.buffer.length} 字节不完整的命令` });
      this.buffer = new Uint8Array(0);
    }
    this.endLine(events, false);
    return events;
  }

  private text(): void {
    if (this.lineBytes.length === 0) return;
    this.lineText += this.decoder.decode(Uint8Array.from(this.lineBytes));
    this.lineBytes = [];
  }

  private endLine(events: PrinterEvent[], force: boolean): void {
    this.text();
    if (this.lineText.length > 0 || force) {
      events.push({
        type: 'line',
        line: { text: this.lineText, align: this.align, bold: this.lineBold, scale: this.lineScale },
      });
    }
    this.lineText = '';
    this.lineBold = false;
    this.lineScale = { width: 1, height: 1 };
  }

  private noteMode(): void {
    if (this.bold) this.lineBold = true;
    this.lineScale = { width: Math.max(this.lineScale.width, this.width), height: Math.max(this.lineScale.height, this.height) };
  }

  /** Bytes used at `i`, or 0 when the command is not complete yet. */
  private step(b: Uint8Array, i: number, events: PrinterEvent[]): number {
    const c = b[i]!;
    const need = (n: number) => i + n <= b.length;
    if (c === LF) {
      this.endLine(events, true);
      return 1;
    }
    if (c === 0x0d) return 1;
    if (c === DLE) {
      if (!need(3)) return 0;
      const sub = b[i + 1]!;
      if (sub === 0x04) {
        const n = b[i + 2]!;
        if (n >= 1 && n <= 4) events.push({ type: 'status-query', n: n as StatusKind });
        else events.push({ type: 'warning', message: `DLE EOT 参数无效：${n}` });
        return 3;
      }
      if (sub === 0x05) return 3; // DLE ENQ n: recover
      if (sub === 0x14) return need(5) ? 5 : 0; // DLE DC4 (pulse etc.)
      events.push({ type: 'warning', message: `未知命令 DLE 0x${sub.toString(16)}` });
      return 2;
    }
    if (c === ESC) return this.esc(b, i, events);
    if (c === GS) return this.gs(b, i, events);
    if (c === FS) return this.fs(b, i, events);
    if (c < 0x20) {
      events.push({ type: 'warning', message: `未知控制字符 0x${c.toString(16).padStart(2, '0')}` });
      return 1;
    }
    // Printable text.
    if (c < 0x80) {
      if (c !== 0x20) this.noteMode(); // padding spaces do not make a line bold or big
      this.lineBytes.push(c);
      return 1;
    }
    if (!this.chinese) {
      this.text();
      this.lineText += '\ufffd';
      events.push({ type: 'warning', message: `非中文模式下收到字节 0x${c.toString(16)}：真实打印机会打出乱码` });
      return 1;
    }
    if (!need(2)) return 0;
    const second = b[i + 1]!;
    if (second >= 0x30 && second <= 0x39) {
      if (!need(4)) return 0;
      this.noteMode();
      this.lineBytes.push(c, second, b[i + 2]!, b[i + 3]!);
      return 4;
    }
    this.noteMode();
    this.lineBytes.push(c, second);
    return 2;
  }

  private esc(b: Uint8Array, i: number, events: PrinterEvent[]): number {
    if (i + 2 > b.length) return 0;
    const cmd = b[i + 1]!;
    const arg = (n: number) => (i + 2 + n <= b.length ? n + 2 : 0);
    switch (cmd) {
      case 0x40: // ESC @
        this.endLine(events, false);
        this.chinese = false;
        this.align = 'left';
        this.bold = false;
        this.width = this.height = 1;
        events.push({ type: 'init' });
        return 2;
      case 0x61: {
        // ESC a n
        const used = arg(1);
        if (used) this.align = ALIGN[b[i + 2]! % 48] ?? 'left';
        return used;
      }
      case 0x45: {
        // ESC E n
        const used = arg(1);
        if (used) this.bold = (b[i + 2]! & 1) === 1;
        return used;
      }
      case 0x4a: {
        // ESC J n: print and feed n dots
        const used = arg(1);
        if (used) {
          this.endLine(events, false);
          events.push({ type: 'feed', dots: b[i + 2]! });
        }
        return used;
      }
      case 0x64: {
        // ESC d n: print and feed n lines
        const used = arg(1);
        if (used) {
          this.endLine(events, false);
          for (let k = 0; k < b[i + 2]!; k++) events.push({ type: 'line', line: { text: '', align: this.align, bold: false, scale: { width: 1, height: 1 } } });
        }
        return used;
      }
      case 0x2d: // ESC - n
      case 0x74: // ESC t n
      case 0x33: // ESC 3 n
      case 0x21: // ESC ! n
      case 0x4d: // ESC M n
      case 0x52: // ESC R n
      case 0x20: // ESC SP n
      case 0x7b: // ESC { n
      case 0x47: // ESC G n
      case 0x56: // ESC V n
        return arg(1);
      case 0x32: // ESC 2
        return 2;
      case 0x24: // ESC $ nL nH
      case 0x5c: // ESC \ nL nH
        return arg(2);
      default:
        events.push({ type: 'warning', message: `未知命令 ESC 0x${cmd.toString(16)}` });
        return 2;
    }
  }

  private fs(b: Uint8Array, i: number, events: PrinterEvent[]): number {
    if (i + 2 > b.length) return 0;
    const cmd = b[i + 1]!;
    switch (cmd) {
      case 0x26: // FS &
        this.chinese = true;
        return 2;
      case 0x2e: // FS .
        this.chinese = false;
        return 2;
      case 0x2d: // FS - n
      case 0x21: // FS ! n
      case 0x43: // FS C n
        return i + 3 <= b.length ? 3 : 0;
      case 0x53: // FS S n1 n2
        return i + 4 <= b.length ? 4 : 0;
      case 0x28: {
        // FS ( fn pL pH …
        if (i + 5 > b.length) return 0;
        const len = b[i + 3]! | (b[i + 4]! << 8);
        return i + 5 + len <= b.length ? 5 + len : 0;
      }
      default:
        events.push({ type: 'warning', message: `未知命令 FS 0x${cmd.toString(16)}` });
        return 2;
    }
  }

  private gs(b: Uint8Array, i: number, events: PrinterEvent[]): number {
    if (i + 2 > b.length) return 0;
    const cmd = b[i + 1]!;
    switch (cmd) {
      case 0x21: {
        // GS ! n
        if (i + 3 > b.length) return 0;
        const n = b[i + 2]!;
        this.width = (n >> 4) + 1;
        this.height = (n & 0x0f) + 1;
        return 3;
      }
      case 0x56: {
        // GS V m [n]
        if (i + 3 > b.length) return 0;
        const m = b[i + 2]!;
        const withFeed = m === 65 || m === 66 || m === 97 || m === 98 || m === 103 || m === 104;
        if (withFeed && i + 4 > b.length) return 0;
        this.endLine(events, false);
        const partial = m === 1 || m === 49 || m === 66 || m === 98 || m === 104;
        events.push({ type: 'cut', partial, end: this.at + (withFeed ? 4 : 3) });
        return withFeed ? 4 : 3;
      }
      case 0x76: {
        // GS v 0 m xL xH yL yH d…
        if (i + 8 > b.length) return 0;
        if (b[i + 2] !== 0x30) {
          events.push({ type: 'warning', message: '未知命令 GS v' });
          return 3;
        }
        const rowBytes = b[i + 4]! | (b[i + 5]! << 8);
        const rows = b[i + 6]! | (b[i + 7]! << 8);
        const size = rowBytes * rows;
        if (i + 8 + size > b.length) return 0;
        this.endLine(events, false);
        const bitmap = createBitmap(rowBytes * 8, rows);
        bitmap.data.set(b.subarray(i + 8, i + 8 + size));
        events.push({ type: 'image', bitmap });
        return 8 + size;
      }
      case 0x28: {
        // GS ( X pL pH …
        if (i + 5 > b.length) return 0;
        const len = b[i + 3]! | (b[i + 4]! << 8);
        if (i + 5 + len > b.length) return 0;
        if (b[i + 2] === 0x6b) this.qrFunction(b.subarray(i + 5, i + 5 + len), events);
        return 5 + len;
      }
      case 0x42: // GS B n
      case 0x61: // GS a n (ASB)
      case 0x72: // GS r n
      case 0x68: // GS h n
      case 0x77: // GS w n
      case 0x48: // GS H n
      case 0x66: // GS f n
        return i + 3 <= b.length ? 3 : 0;
      case 0x4c: // GS L nL nH
      case 0x57: // GS W nL nH
        return i + 4 <= b.length ? 4 : 0;
      case 0x6b: {
        // GS k m n d… (function B)
        if (i + 4 > b.length) return 0;
        const n = b[i + 3]!;
        return i + 4 + n <= b.length ? 4 + n : 0;
      }
      default:
        events.push({ type: 'warning', message: `未知命令 GS 0x${cmd.toString(16)}` });
        return 2;
    }
  }

  private qrFunction(body: Uint8Array, events: PrinterEvent[]): void {
    const [cn, fn] = [body[0], body[1]];
    if (cn !== 49) return; // other 2D codes: not ours
    switch (fn) {
      case 65:
        this.qr.model = body[2] ?? 50;
        break;
      case 67:
        this.qr.moduleSize = body[2] ?? 3;
        break;
      case 69:
        this.qr.level = QR_LEVELS[body[2] ?? 48] ?? '?';
        break;
      case 80:
        this.qr.data = body.slice(3);
        break;
      case 81:
        this.endLine(events, false);
        events.push({
          type: 'qr',
          payload: new TextDecoder('utf-8').decode(this.qr.data),
          bytes: this.qr.data,
          model: this.qr.model - 48,
          moduleSize: this.qr.moduleSize,
          level: this.qr.level,
        });
        break;
      default:
        events.push({ type: 'warning', message: `未知二维码功能 fn=${fn}` });
    }
  }
}

/** A job read back in one go: everything up to the first cut (tests, previews). */
export function parseEscPos(bytes: Uint8Array): PrinterEvent[] {
  const parser = new EscPosParser();
  return [...parser.push(bytes), ...parser.flush()];
}
