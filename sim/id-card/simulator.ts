// The ID card reader's side, speaking the real SAM bytes over any BytePort:
// the CLI (scripts/sim-id-card.ts) puts it on a serial path, tests drive it
// directly. It answers the SAM commands, holds the card lying on it, answers
// find-card 80 once the card is read until it is lifted and laid again (one
// read per placement), answers 10 / 11 / 21 to a bad checksum, a bad length
// or an unknown command, and misbehaves on request: a read answer with a bad
// checksum, or a failed read (41). With `paceBaud` it writes no faster than
// the serial line would (10 bits a byte), so the pty behaves like the wire.
import type { BytePort } from '../../main/devices/serial-line.ts';
import { systemTimers, type TimerHandle, type Timers } from '../../main/devices/evaluator/clock.ts';
import {
  createSamDecoder,
  encodeAnswer,
  hex,
  SamCommand,
  SamStatus,
  toCommand,
  type SamCommandCode,
} from '../../main/devices/id-card/sam.ts';
import { encodeTextBlock, fakePhoto, type SampleCard } from './cards.ts';

/** What goes wrong with the next reads of the card just laid. */
export interface CardFaults {
  /** This many read answers go out with their checksum damaged. */
  badChecksumReads?: number;
  /** This many reads answer 41 (card moved). */
  failedReads?: number;
}

export interface IdCardSimulatorOptions {
  timers?: Timers;
  /** Write no faster than this baud rate (10 bits a byte); 0 = as fast as the line takes it. */
  paceBaud?: number;
  log?: (line: string) => void;
}

export interface IdCardSimulatorCounts {
  commands: number;
  reads: number;
  badHostFrames: number;
}

const same = (a: SamCommandCode, b: SamCommandCode) => a.cmd === b.cmd && a.para === b.para;

export class IdCardSimulator {
  private port: BytePort | null = null;
  private detach: (() => void) | null = null;
  private readonly decoder = createSamDecoder();
  private readonly timers: Timers;
  private readonly paceBaud: number;
  private readonly log: (line: string) => void;
  private card: SampleCard | null = null;
  private halted = false;
  private faults: Required<CardFaults> = { badChecksumReads: 0, failedReads: 0 };
  /** When the paced line is free again (timers.now() ms). */
  private lineFreeAt = 0;
  private readonly pending = new Set<TimerHandle>();
  private readonly stats: IdCardSimulatorCounts = { commands: 0, reads: 0, badHostFrames: 0 };
  private readonly placeListeners = new Set<(card: SampleCard) => void>();

  constructor(options: IdCardSimulatorOptions = {}) {
    this.timers = options.timers ?? systemTimers;
    this.paceBaud = options.paceBaud ?? 0;
    this.log = options.log ?? (() => {});
  }

  attach(port: BytePort): void {
    this.detachPort();
    this.port = port;
    const offData = port.onData((chunk) => this.onBytes(chunk));
    const offClose = port.onClose(() => this.detachPort());
    this.detach = () => {
      offData();
      offClose();
    };
  }

  get attached(): boolean {
    return this.port !== null;
  }

  stop(): void {
    this.detachPort();
    for (const timer of this.pending) this.timers.clearTimeout(timer);
    this.pending.clear();
  }

  /** Lays a card on the reader (a card already there is lifted first): it will be read once. */
  lay(card: SampleCard, faults: CardFaults = {}): void {
    this.card = card;
    this.halted = false;
    this.faults = { badChecksumReads: faults.badChecksumReads ?? 0, failedReads: faults.failedReads ?? 0 };
    this.log(`放卡：${card.label}`);
    for (const listener of [...this.placeListeners]) listener(card);
  }

  lift(): void {
    if (this.card) this.log(`取走卡：${this.card.label}`);
    this.card = null;
    this.halted = false;
  }

  /** The card lying on the reader, and whether it has been read since it was laid. */
  state(): { card: SampleCard | null; read: boolean } {
    return { card: this.card, read: this.halted };
  }

  counts(): IdCardSimulatorCounts {
    return { ...this.stats };
  }

  private detachPort(): void {
    this.detach?.();
    this.detach = null;
    this.port = null;
    this.decoder.flush();
  }

  private onBytes(chunk: Uint8Array): void {
    const { frames, dropped } = this.decoder.push(chunk);
    for (const drop of dropped) {
      if (drop.reason === 'bad_checksum' || drop.reason === 'bad_length') {
        this.stats.badHostFrames++;
        this.log(`收到坏帧（${drop.reason === 'bad_checksum' ? '校验错' : '长度错'}），应答 ${drop.reason === 'bad_checksum' ? '10' : '11'}`);
        this.send(encodeAnswer(drop.reason === 'bad_checksum' ? SamStatus.HOST_CHECKSUM : SamStatus.HOST_LENGTH));
      }
    }
    for (const frame of frames) {
      const command = toCommand(frame);
      if (!command) continue;
      this.stats.commands++;
      this.answer(command);
    }
  }

  private answer(command: SamCommandCode): void {
    if (same(command, SamCommand.RESET_SAM) || same(command, SamCommand.SAM_STATUS)) {
      this.send(encodeAnswer(SamStatus.OK));
    } else if (same(command, SamCommand.READ_SAM_ID)) {
      this.send(encodeAnswer(SamStatus.OK, Uint8Array.from({ length: 16 }, (_, i) => i + 1)));
    } else if (same(command, SamCommand.FIND_CARD)) {
      this.send(
        this.card && !this.halted
          ? encodeAnswer(SamStatus.CARD_FOUND, new Uint8Array(4))
          : encodeAnswer(SamStatus.NO_CARD),
      );
    } else if (same(command, SamCommand.SELECT_CARD)) {
      this.send(
        this.card && !this.halted
          ? encodeAnswer(SamStatus.OK, new Uint8Array(8))
          : encodeAnswer(SamStatus.SELECT_FAILED),
      );
    } else if (same(command, SamCommand.READ_TEXT_PHOTO)) {
      this.read();
    } else {
      this.log(`未知命令 ${hex(command.cmd)} ${hex(command.para)}，应答 21`);
      this.send(encodeAnswer(SamStatus.UNKNOWN_COMMAND));
    }
  }

  private read(): void {
    const card = this.card;
    if (!card || this.halted) {
      this.send(encodeAnswer(SamStatus.READ_FAILED));
      return;
    }
    this.stats.reads++;
    if (this.faults.failedReads > 0) {
      this.faults.failedReads--;
      this.log('读卡失败（模拟卡片移动），应答 41');
      this.send(encodeAnswer(SamStatus.READ_FAILED));
      return;
    }
    const data = new Uint8Array(4 + 256 + 1024);
    data[0] = 0x01; // textLen 256
    data[1] = 0x00;
    data[2] = 0x04; // photoLen 1024
    data[3] = 0x00;
    data.set(encodeTextBlock(card), 4);
    data.set(fakePhoto(), 260);
    const frame = encodeAnswer(SamStatus.OK, data);
    if (this.faults.badChecksumReads > 0) {
      this.faults.badChecksumReads--;
      frame[frame.length - 1]! ^= 0x5a;
      this.log(`读卡应答（校验错，模拟线路干扰）：${card.label}`);
      this.send(frame);
      return;
    }
    this.halted = true;
    this.log(`读卡应答：${card.label}（${frame.length} 字节）`);
    this.send(frame);
  }

  private send(frame: Uint8Array): void {
    const port = this.port;
    if (!port) return;
    if (this.paceBaud <= 0) {
      port.write(frame).catch(() => {});
      return;
    }
    // Paced: 64-byte pieces, each written when the wire would have delivered its last byte.
    const msPerByte = 10_000 / this.paceBaud;
    const now = this.timers.now();
    let at = Math.max(now, this.lineFreeAt);
    for (let offset = 0; offset < frame.length; offset += 64) {
      const piece = frame.subarray(offset, offset + 64);
      at += piece.length * msPerByte;
      const due = at - now;
      if (due <= 0) {
        port.write(piece).catch(() => {});
        continue;
      }
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(timer);
        if (this.port === port) port.write(piece).catch(() => {});
      }, due);
      this.pending.add(timer);
    }
    this.lineFreeAt = at;
  }

  onLay(listener: (card: SampleCard) => void): () => void {
    this.placeListeners.add(listener);
    return () => this.placeListeners.delete(listener);
  }
}
