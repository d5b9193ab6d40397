// The ID card reader at the counter (二代证阅读器): the driver built from the
// 设备设置 section, its health for the status bar, and each placement of a
// card handed to the clerk's screen — which fills the applicant form, or
// offers to start a case — while the outward screen shows it masked for the
// citizen to check. 读卡测试 (a manager) takes the next card instead and
// answers with its fields masked.
//
// Personal data: the driver's card is cut down here at once to what the form
// uses (the photo never leaves the codec; 民族, 签发机关, 通行证号码, 签发次数
// are dropped), held only until the screen dismisses it or `holdMs` passes,
// and never logged — logs say what kind of thing happened, nothing of whom.
import type { CallResult } from '../../common/contract.ts';
import {
  ID_CARD_TYPE_NAME,
  maskAddress,
  type IdCardIdentity,
  type IdCardRead,
  type IdCardReaderSetup,
  type IdCardReaderStatus,
  type OutwardIdCard,
} from '../../common/id-card.ts';
import { maskIdNumber, maskName } from '../../common/mask.ts';
import { IdCardDriver, type IdCardEvent, type IdCardHealth } from '../devices/id-card/driver.ts';
import { isExpired, validityText, type IdCardText } from '../devices/id-card/text-block.ts';
import { openSerialPort, type PortOpener } from '../devices/serial-line.ts';
import type { Logger } from '../log.ts';

export const NO_READER_MESSAGE = '本窗口未设置身份证阅读器：请先在「身份证阅读器」中选择串口并保存，再读卡测试';

export interface IdCardServiceOptions {
  clock: () => Date;
  log: Logger;
  /** The hall's date (YYYY-MM-DD): expiry and birth dates are measured against it. */
  today: () => string;
  /** Something the views show changed. */
  onChange: () => void;
  /** How a setting's port is opened; default: serialport. */
  open?: (setup: IdCardReaderSetup) => PortOpener;
  /** Between find-card polls (ms); default 300. */
  pollMs?: number;
  /** 读卡测试 waits this long for a card (ms); default 20 s. */
  testWaitMs?: number;
  /** A card not dismissed by the screen is forgotten after this long (ms); default 5 minutes. */
  holdMs?: number;
}

export class IdCardService {
  private readonly options: IdCardServiceOptions;
  private readonly log: Logger;
  private driver: IdCardDriver | null = null;
  private offDriver: (() => void)[] = [];
  private health: IdCardHealth | null = null;
  private held: IdCardRead | null = null;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;
  private tester: ((event: IdCardEvent) => void) | null = null;
  private closed = false;

  constructor(options: IdCardServiceOptions) {
    this.options = options;
    this.log = options.log;
  }

  /** The reader's setting changed (or the counter starts): the old driver is closed first, so the port is free. */
  async setReader(setup: IdCardReaderSetup | null): Promise<void> {
    for (const off of this.offDriver.splice(0)) off();
    const old = this.driver;
    this.driver = null;
    this.health = null;
    await old?.stop();
    if (!setup || this.closed) {
      this.options.onChange();
      return;
    }
    const open = this.options.open?.(setup) ?? (() => openSerialPort({ path: setup.port, baudRate: setup.baudRate }));
    const driver = new IdCardDriver({
      open,
      name: setup.port,
      baudRate: setup.baudRate,
      logger: this.log,
      today: this.options.today,
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
    });
    this.driver = driver;
    this.health = driver.health();
    this.offDriver.push(
      driver.onHealth((health) => {
        this.health = health;
        this.options.onChange();
      }),
      driver.onEvent((event) => this.placed(event)),
    );
    driver.start();
    this.log.info('id card reader configured', { port: setup.port, baudRate: setup.baudRate });
    this.options.onChange();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.forget();
    await this.setReader(null);
  }

  /** The status bar's badge; null when no reader is configured. */
  status(): IdCardReaderStatus | null {
    if (!this.driver || !this.health) return null;
    return { state: this.health.state, message: this.health.message };
  }

  /** The card for the clerk's screen (full, for the form), until dismissed. */
  clerkCard(): IdCardRead | null {
    return this.held;
  }

  /** What the citizen sees of it: masked. */
  outward(): OutwardIdCard | null {
    const held = this.held;
    if (held?.result.kind !== 'card') return null;
    const { card } = held.result;
    return {
      cardTypeName: ID_CARD_TYPE_NAME[card.cardType],
      nameMasked: maskName(card.name),
      idMasked: maskIdNumber(card.idNumber),
      validity: card.validity,
      expired: card.expired,
    };
  }

  /** The screen used (or set aside) card `seq`: it is forgotten. An older seq changes nothing. */
  dismiss(seq: number): CallResult<'dismissIdCardRead'> {
    if (this.held?.seq === seq) {
      this.forget();
      this.options.onChange();
    }
    return {};
  }

  /** 读卡测试: the next card laid (within testWaitMs), masked; it does not reach the form. */
  async test(): Promise<CallResult<'testIdCardReader'>> {
    const driver = this.driver;
    if (!driver) return { ok: false, message: NO_READER_MESSAGE };
    const health = driver.health();
    if (health.state !== 'ok') return { ok: false, message: health.message };
    if (this.tester) return { ok: false, message: '读卡测试正在进行：请把身份证放到阅读器上' };
    const waitMs = this.options.testWaitMs ?? 20_000;
    const event = await new Promise<IdCardEvent | null>((resolve) => {
      const timer = setTimeout(() => {
        this.tester = null;
        resolve(null);
      }, waitMs);
      timer.unref();
      this.tester = (e) => {
        clearTimeout(timer);
        this.tester = null;
        resolve(e);
      };
    });
    this.log.info('id card reader test', { result: event?.kind ?? 'no card' });
    if (!event) {
      return {
        ok: false,
        message: `${Math.round(waitMs / 1000)} 秒内未读到卡：请把身份证平放在阅读器感应区后再点「读卡测试」；仍读不到请检查波特率`,
      };
    }
    if (event.kind !== 'card') return { ok: false, message: event.message };
    const card = this.identity(event.card);
    const masked = [
      ID_CARD_TYPE_NAME[card.cardType],
      maskName(card.name),
      card.sex,
      maskIdNumber(card.idNumber),
      `出生 ${card.birthDate.slice(0, 4)} 年`,
      `住址 ${maskAddress(card.address)}`,
      `有效期 ${card.validity}${card.expired ? '（已过期）' : ''}`,
    ].join('，');
    return { ok: true, message: `读卡成功：${masked}` };
  }

  // ---- a card laid on the reader ---------------------------------------------------

  private placed(event: IdCardEvent): void {
    if (this.tester) {
      this.tester(event);
      return;
    }
    this.seq += 1;
    const result: IdCardRead['result'] =
      event.kind === 'card'
        ? { kind: 'card', card: this.identity(event.card) }
        : { kind: event.kind, message: event.message };
    this.held = { seq: this.seq, at: this.options.clock().toISOString(), result };
    this.log.info('id card placed', {
      seq: this.seq,
      result: event.kind,
      ...(result.kind === 'card' ? { cardType: result.card.cardType, expired: result.card.expired } : {}),
      ...(event.kind === 'refused' ? { code: event.code } : {}),
    });
    if (this.holdTimer) clearTimeout(this.holdTimer);
    const seq = this.seq;
    this.holdTimer = setTimeout(() => this.dismiss(seq), this.options.holdMs ?? 5 * 60_000);
    this.holdTimer.unref();
    this.options.onChange();
  }

  /** What the form uses of a card; the rest (民族, 签发机关, 通行证号码, 签发次数) is dropped here. */
  private identity(card: IdCardText): IdCardIdentity {
    return {
      cardType: card.cardType,
      name: card.name,
      idNumber: card.idNumber,
      sex: card.sex,
      birthDate: card.birthDate,
      address: card.address,
      validFrom: card.validFrom,
      validTo: card.validTo,
      validity: validityText(card),
      expired: isExpired(card, this.options.today()),
    };
  }

  private forget(): void {
    this.held = null;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }
}
