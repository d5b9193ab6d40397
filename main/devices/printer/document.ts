// A printed slip as data: what the templates make, what the encoder and the
// preview read. Turned into receiptline markup here (receiptline lays it out:
// wrapping, columns, alignment, double-width hanzi).
import { columnsOf, displayWidth, qrModuleSizeOf, type PrinterProfile } from './profile.ts';

export type Align = 'left' | 'center' | 'right';

export type Block =
  /** One paragraph; wraps at the paper width. size 2 = double width and height, 3 = triple. */
  | { type: 'text'; text: string; align?: Align; bold?: boolean; size?: 1 | 2 | 3 }
  /** label：value rows; the labels share one column, values wrap under themselves. */
  | { type: 'fields'; rows: readonly { label: string; value: string }[] }
  /** Numbered or bulleted items; every line of an item hangs under the first. */
  | { type: 'list'; items: readonly { marker: string; lines: readonly string[] }[] }
  | { type: 'rule' }
  | { type: 'qr'; data: string }
  | { type: 'blank'; lines?: number };

export type DocumentKind = 'ticket' | 'receipt' | 'notice' | 'refusal';

export interface PrintDocument {
  kind: DocumentKind;
  /** Shown in the print queue, e.g. 「受理回执 20260302…」. */
  title: string;
  blocks: readonly Block[];
}

// receiptline's special characters in text: escaped with a backslash.
const SPECIAL = /[\\|{}~_"`^\-=]/g;

/**
 * Characters with a two-byte GB18030 twin that every printer has: ¥ (U+00A5)
 * and • are four-byte codes, ￥ (A3 A4) and · (A1 A4) are not. No-break and
 * other odd spaces become plain spaces.
 */
const PRINTABLE_TWIN: Record<string, string> = { '\u00a5': '￥', '\u2022': '·', '\u00a0': ' ', '\u3000': '  ', '\u2002': ' ', '\u2003': ' ' };

/** Control characters (tabs, line breaks…) become spaces: a block's text is one paragraph. */
function withoutControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x20 || cp === 0x7f ? ' ' : (PRINTABLE_TWIN[ch] ?? ch);
  }
  return out;
}

export function escapeText(text: string): string {
  return withoutControls(text)
    .replace(SPECIAL, (c) => `\\${c}`)
    .trim();
}

/** A property value (QR data): every ASCII character but letters and digits as \xNN. */
function escapeProperty(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    out += cp >= 0x80 || /[A-Za-z0-9]/.test(ch) ? ch : `\\x${cp.toString(16).padStart(2, '0')}`;
  }
  return out;
}

// Chinese line breaking (禁则): these never start a line…
const NO_LINE_START = new Set([...'，。、；：？！）】」』》〉”’％‰…—·,.;:?!)]}%']);
// …and these never end one.
const NO_LINE_END = new Set([...'（【「『《〈“‘([{']);

/** Words that do not break: a run of ASCII letters, digits and symbols; any other character stands alone. */
function tokens(text: string): string[] {
  return text.match(/[!-~]+| +|[^ -~]/gu) ?? [];
}

/**
 * Breaks a paragraph into lines of at most `width` columns (ASCII 1, the rest
 * 2), at spaces or between hanzi, keeping ASCII words whole where they fit and
 * following the usual Chinese rules: no line starts with ，。）… and none
 * ends with （「“….
 */
export function wrapText(text: string, width: number): string[] {
  const lines: string[][] = [];
  let line: string[] = [];
  let used = 0;
  const push = () => {
    while (line.length > 0 && line[line.length - 1]!.trim() === '') line.pop();
    lines.push(line);
    line = [];
    used = 0;
  };
  const queue = tokens(withoutControls(text));
  while (queue.length > 0) {
    const token = queue.shift()!;
    const w = displayWidth(token);
    if (token.trim() === '' && used === 0) continue; // no spaces at a line start
    if (used + w <= width) {
      line.push(token);
      used += w;
      continue;
    }
    const onlyOpeners = line.every((t) => NO_LINE_END.has(t));
    if (w > width || (token.length > 1 && /^[!-~]+$/.test(token) && onlyOpeners)) {
      // A word longer than the line, or after nothing but （: split it where the line ends.
      let head = '';
      for (const ch of token) {
        if (used + displayWidth(head + ch) > width) break;
        head += ch;
      }
      // A hyphenated code (a case number, 20261207-B12-1042-0012) breaks after a hyphen: its groups stay whole.
      const hyphen = head.lastIndexOf('-');
      if (hyphen > 0 && head.length < token.length) head = head.slice(0, hyphen + 1);
      if (head === '' && used > 0) {
        push();
        queue.unshift(token);
        continue;
      }
      if (head === '') head = [...token][0]!; // a line narrower than one character: it overflows rather than loops
      line.push(head);
      push();
      queue.unshift(token.slice(head.length));
      continue;
    }
    const carried: string[] = [];
    if (NO_LINE_START.has([...token][0]!)) {
      const last = line[line.length - 1]!;
      if (line.length > 1) carried.unshift(line.pop()!);
      else if (/^[!-~]{2,}$/.test(last)) {
        // The line is one ASCII word: its last character goes down with the punctuation.
        line[line.length - 1] = last.slice(0, -1);
        carried.unshift(last.slice(-1));
      }
    }
    while (line.length > 1 && NO_LINE_END.has([...line[line.length - 1]!].at(-1)!)) carried.unshift(line.pop()!);
    push();
    queue.unshift(...carried, token);
  }
  if (line.length > 0 || lines.length === 0) push();
  return lines.map((parts) => parts.join(''));
}

/**
 * A paragraph pre-broken for receiptline (its own wrapping knows no 禁则):
 * lines joined by its \n escape — except after a line that fills the
 * column, where receiptline breaks by itself (a \n there would add a blank line).
 */
function wrapped(text: string, width: number): string {
  const lines = wrapText(text, width);
  const last = lines.length - 1;
  return lines.map((line, i) => escapeText(line) + (i === last || displayWidth(line) >= width ? '' : '\\n')).join('');
}

function decorate(text: string, bold: boolean | undefined, size: 1 | 2 | 3 | undefined, columns: number): string {
  let out = wrapped(text, Math.floor(columns / (size ?? 1)));
  if (bold) out = `"${out}"`;
  // receiptline: ^^^ = double width and height, ^^^^ = triple.
  if (size === 2) out = `^^^${out}`;
  if (size === 3) out = `^^^^${out}`;
  return out;
}

function aligned(markup: string, align: Align): string {
  if (align === 'left') return `|${markup}`;
  if (align === 'right') return `${markup}|`;
  return markup;
}

/** The document as receiptline markup for this printer's width. */
export function toReceiptLine(doc: PrintDocument, profile: PrinterProfile): string {
  const columns = columnsOf(profile);
  const out: string[] = [];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'text':
        out.push(aligned(decorate(block.text, block.bold, block.size, columns), block.align ?? 'left'));
        break;
      case 'fields': {
        const labelWidth = Math.min(Math.floor(columns / 2), Math.max(...block.rows.map((row) => displayWidth(row.label))));
        out.push(`{width:${labelWidth},*}`);
        for (const row of block.rows) out.push(`|${escapeText(row.label)} |${wrapped(row.value, columns - labelWidth - 1)} |`);
        out.push('{width:auto}');
        break;
      }
      case 'list': {
        const markerWidth = Math.max(...block.items.map((item) => displayWidth(item.marker))) + 1;
        out.push(`{width:${markerWidth},*}`);
        for (const item of block.items) {
          out.push(`|${escapeText(item.marker)} |${item.lines.map((line) => wrapped(line, columns - markerWidth - 1)).join('\\n')} |`);
        }
        out.push('{width:auto}');
        break;
      }
      case 'rule':
        out.push('-');
        break;
      case 'qr':
        out.push(`{code:${escapeProperty(block.data)}; option:qrcode,${qrModuleSizeOf(profile)},m}`);
        break;
      case 'blank':
        for (let i = 0; i < (block.lines ?? 1); i++) out.push('');
        break;
    }
  }
  return out.join('\n');
}

/** The document's text as a clerk would read it (tests, logs, the print queue). */
export function plainText(doc: PrintDocument): string[] {
  const lines: string[] = [];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'text':
        lines.push(block.text);
        break;
      case 'fields':
        for (const row of block.rows) lines.push(`${row.label}${row.value}`);
        break;
      case 'list':
        for (const item of block.items) lines.push(`${item.marker} ${item.lines.join(' ')}`);
        break;
      case 'qr':
        lines.push(`[二维码] ${block.data}`);
        break;
      default:
        break;
    }
  }
  return lines;
}
