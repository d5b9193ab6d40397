// The evaluator's device side, speaking the real bytes over any BytePort:
// the CLI (scripts/sim-evaluator.ts) puts it on a serial path, tests drive it
// directly. ft12: answers PING / SHOW_IDENTITY / START_RATING /
// CANCEL_RATING / SET_STATE per the protocol, NAKs bad checksums, bad
// lengths, unknown commands and unknown sessions, holds the open session and
// its time limit, and on a key press sends RESULT, again every 500 ms up to
// 5 times until ACK_RESULT. It can answer for several addresses (one RS-485
// line) and misbehave on purpose: corrupt, drop, split outgoing frames, put
// noise between them, ignore ACKs. ascii-keypad: a key press is one byte.
// Clock and randomness are injected.
import type { BytePort } from '../../main/devices/serial-line.ts';
import { DEFAULT_KEY_MAP, keyForLevel, type KeyMap } from '../../main/devices/evaluator/ascii-keypad.ts';
import { systemTimers, type TimerHandle, type Timers } from '../../main/devices/evaluator/clock.ts';
import {
  BROADCAST_ADDRESS,
  createFt12Decoder,
  encodeDeviceMessage,
  encodeHostMessage,
  isValidAddress,
  NakReason,
  toHex,
  type DeviceMessage,
  type DisplayState,
  type Ft12Counts,
  type Ft12Drop,
  type Ft12DropReason,
  type HostMessage,
} from '../../main/devices/evaluator/ft12.ts';
import { RATING_LEVEL_NAMES, type RatingLevel } from '../../main/devices/evaluator/levels.ts';

export interface EvaluatorSimulatorOptions {
  protocol?: 'ft12' | 'ascii-keypad';
  /** The addresses this simulator answers for (several devices on one line). Default [1]. */
  addresses?: readonly number[];
  model?: number;
  firmware?: { major: number; minor: number };
  keyMap?: KeyMap;
  timers?: Timers;
  /** [0, 1): seed it for repeatable misbehaviour. */
  random?: () => number;
  /** Share of outgoing frames with one byte damaged. */
  corruptRate?: number;
  /** Share of outgoing frames never sent. */
  dropRate?: number;
  /** Share of outgoing frames preceded by 1–4 random noise bytes. */
  noiseRate?: number;
  /** Write every frame in 2–3 pieces a few ms apart. */
  splitWrites?: boolean;
  /** false: RESULT is sent once and not resent (a device that expects no ACK). Default true. */
  ackNeeded?: boolean;
  /** Resend RESULT the full count even when acknowledged (to test the host's de-duplication). */
  ignoreAck?: boolean;
  resendMs?: number;
  maxResultSends?: number;
  /** One zh-CN line per thing done, with the bytes in hex. */
  log?: (line: string) => void;
}

export interface SimulatedSession {
  sessionId: number;
  limitSeconds: number;
  /** The level pressed, once pressed; the RESULT is then being sent. */
  pressed: RatingLevel | null;
  resultSends: number;
  acknowledged: boolean;
}

export interface SimulatedDevice {
  address: number;
  state: DisplayState;
  identity: { staffNumber: string; name: string } | null;
  session: SimulatedSession | null;
}

export interface SimulatorCounts {
  bytesReceived: number;
  framesReceived: number;
  dropped: Record<Ft12DropReason, number>;
  naksSent: number;
  resultsSent: number;
  acksReceived: number;
  keysSent: number;
  corrupted: number;
  droppedOnPurpose: number;
}

interface DeviceSlot extends SimulatedDevice {
  limitTimer: TimerHandle;
  resendTimer: TimerHandle;
}

const STATE_NAMES: Record<DisplayState, string> = { 0: '待机/欢迎', 1: '办理中', 2: '暂停服务' };
const DROP_NAMES: Record<Ft12DropReason, string> = {
  noise: '噪声',
  bad_length: '长度错误',
  bad_checksum: '校验和错误',
  bad_end: '结束符错误',
  incomplete: '不完整的帧',
  bad_address: '地址无效',
  unknown_command: '未知命令',
  bad_value: '数据值无效',
};

export class EvaluatorSimulator {
  readonly protocol: 'ft12' | 'ascii-keypad';
  private readonly devices = new Map<number, DeviceSlot>();
  private readonly model: number;
  private readonly firmware: { major: number; minor: number };
  private readonly keyMap: KeyMap;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly corruptRate: number;
  private readonly dropRate: number;
  private readonly noiseRate: number;
  private readonly splitWrites: boolean;
  private readonly ackNeeded: boolean;
  private readonly ignoreAck: boolean;
  private readonly resendMs: number;
  private readonly maxResultSends: number;
  private readonly log: (line: string) => void;
  private readonly decoder = createFt12Decoder('host');
  private readonly tally = {
    bytesReceived: 0,
    framesReceived: 0,
    naksSent: 0,
    resultsSent: 0,
    acksReceived: 0,
    keysSent: 0,
    corrupted: 0,
    droppedOnPurpose: 0,
  };
  private port: BytePort | null = null;
  private unsubscribe: (() => void)[] = [];
  private output: Promise<void> = Promise.resolve();

  constructor(options: EvaluatorSimulatorOptions = {}) {
    this.protocol = options.protocol ?? 'ft12';
    const addresses = this.protocol === 'ft12' ? (options.addresses ?? [1]) : [0];
    for (const address of addresses) {
      if (this.protocol === 'ft12' && !isValidAddress(address, false)) {
        throw new RangeError(`模拟评价器地址 ${address} 无效：应为 1–250`);
      }
      this.devices.set(address, {
        address,
        state: 0,
        identity: null,
        session: null,
        limitTimer: null,
        resendTimer: null,
      });
    }
    this.model = options.model ?? 1;
    this.firmware = options.firmware ?? { major: 1, minor: 2 };
    this.keyMap = options.keyMap ?? DEFAULT_KEY_MAP;
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.corruptRate = options.corruptRate ?? 0;
    this.dropRate = options.dropRate ?? 0;
    this.noiseRate = options.noiseRate ?? 0;
    this.splitWrites = options.splitWrites ?? false;
    this.ackNeeded = options.ackNeeded ?? true;
    this.ignoreAck = options.ignoreAck ?? false;
    this.resendMs = options.resendMs ?? 500;
    this.maxResultSends = options.maxResultSends ?? 5;
    this.log = options.log ?? (() => {});
  }

  /** Puts the device on a line (again, after an unplug); a previous line is let go. */
  attach(port: BytePort): void {
    this.detach();
    this.port = port;
    this.unsubscribe = [
      port.onData((chunk) => this.onBytes(chunk)),
      port.onClose((closed) => {
        if (this.port !== port) return;
        this.log(
          closed.requested
            ? `串口 ${port.name} 已关闭`
            : `串口 ${port.name} 已断开：${closed.error?.message ?? ''}`,
        );
        this.detach();
      }),
    ];
    this.log(`已接入串口 ${port.name}（${this.protocol}，地址 ${[...this.devices.keys()].join('、')}）`);
  }

  detach(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.port = null;
  }

  get attached(): boolean {
    return this.port !== null;
  }

  /**
   * The device loses power (its USB cable pulled, a power cut): it forgets
   * what it showed and any open session, and comes back idle/welcome with no
   * clerk — what the host must restore after a replug. The line stays as it is.
   */
  powerLoss(): void {
    for (const device of this.devices.values()) {
      this.endSession(device);
      device.state = 0;
      device.identity = null;
    }
    this.log('断电：显示内容与评价会话已清除，重新上电后显示待机');
  }

  /** Stops every timer (open sessions, resends); the line stays as it is. */
  stop(): void {
    for (const device of this.devices.values()) this.endSession(device);
  }

  device(address: number = [...this.devices.keys()][0]!): SimulatedDevice {
    const slot = this.devices.get(address);
    if (!slot) throw new RangeError(`模拟器没有地址 ${address}`);
    const { state, identity, session } = slot;
    return { address, state, identity: identity && { ...identity }, session: session && { ...session } };
  }

  counts(): SimulatorCounts {
    const dropped = this.decoder.counts() as Partial<Ft12Counts>;
    delete dropped.frames;
    return { ...this.tally, dropped: dropped as Record<Ft12DropReason, number> };
  }

  /**
   * A citizen presses a level. ft12: with a session open (and not yet
   * pressed) on that address the RESULT goes out and is resent until
   * acknowledged — returns true; otherwise a KEY frame goes out — false.
   * Without an address: the first address with a session waiting for a press.
   * ascii-keypad: the mapped byte goes out; true.
   */
  press(level: RatingLevel, address?: number): boolean {
    if (this.protocol === 'ascii-keypad') {
      const byte = keyForLevel(level, this.keyMap);
      if (byte === null) {
        this.log(`按键映射中没有 ${level} ${RATING_LEVEL_NAMES[level]}`);
        return false;
      }
      this.tally.keysSent++;
      this.log(`按下 ${level} ${RATING_LEVEL_NAMES[level]}，发送按键 ${toHex(Uint8Array.of(byte))}`);
      this.enqueueWrite(Uint8Array.of(byte));
      return true;
    }
    const device =
      address !== undefined
        ? this.devices.get(address)
        : ([...this.devices.values()].find((d) => d.session && d.session.pressed === null) ??
          [...this.devices.values()][0]);
    if (!device) throw new RangeError(`模拟器没有地址 ${address}`);
    const session = device.session;
    if (!session || session.pressed !== null) {
      this.log(
        `[地址 ${device.address}] 按下 ${level} ${RATING_LEVEL_NAMES[level]}：没有进行中的评价，发送按键帧`,
      );
      this.send({ type: 'KEY', address: device.address, key: level });
      return false;
    }
    session.pressed = level;
    this.timers.clearTimeout(device.limitTimer);
    device.limitTimer = null;
    this.log(
      `[地址 ${device.address}] 按下 ${level} ${RATING_LEVEL_NAMES[level]}（会话 ${session.sessionId}）`,
    );
    this.sendResult(device);
    return true;
  }

  /** Writes bytes as they are (noise, hand-made frames, pieces of frames), after any pending output. */
  writeRaw(bytes: Uint8Array): Promise<void> {
    this.log(`发送原始字节 ${toHex(bytes)}`);
    return this.enqueueWrite(bytes);
  }

  // -------------------------------------------------------------------------

  private onBytes(chunk: Uint8Array): void {
    this.tally.bytesReceived += chunk.length;
    if (this.protocol === 'ascii-keypad') {
      this.log(`评价键盘不接收数据，忽略 ${chunk.length} 字节：${toHex(chunk)}`);
      return;
    }
    const { frames, dropped } = this.decoder.push(chunk);
    for (const drop of dropped) this.onDrop(drop);
    for (const frame of frames) this.onFrame(frame);
  }

  private onDrop(drop: Ft12Drop): void {
    const ours = drop.address !== undefined && this.devices.has(drop.address);
    const nak =
      drop.reason === 'bad_checksum'
        ? NakReason.BAD_CHECKSUM
        : drop.reason === 'bad_end' || drop.reason === 'bad_length' || drop.reason === 'bad_value'
          ? NakReason.BAD_LENGTH
          : drop.reason === 'unknown_command'
            ? NakReason.UNKNOWN_COMMAND
            : null;
    const where = ours ? `[地址 ${drop.address}] ` : '';
    this.log(
      `${where}丢弃：${DROP_NAMES[drop.reason]}（${drop.bytes} 字节）${ours && nak ? '，回复 NAK' : ''}`,
    );
    if (ours && nak !== null && drop.command !== undefined) this.nak(drop.address!, drop.command, nak);
  }

  private onFrame(message: HostMessage): void {
    this.tally.framesReceived++;
    const targets =
      message.address === BROADCAST_ADDRESS
        ? [...this.devices.values()]
        : [this.devices.get(message.address)].filter((d) => d);
    if (targets.length === 0) return; // another device on the bus
    this.log(`  ← ${toHex(encodeHostMessage(message))}`);
    const answer = message.address !== BROADCAST_ADDRESS;
    for (const device of targets as DeviceSlot[]) this.act(device, message, answer);
  }

  private act(device: DeviceSlot, message: HostMessage, answer: boolean): void {
    const { address } = device;
    const tag = `[地址 ${address}]`;
    const reply = (m: DeviceMessage, text: string) => {
      if (!answer) return;
      this.log(`${tag} 应答：${text}`);
      this.send(m);
    };
    switch (message.type) {
      case 'PING':
        this.log(`${tag} 收到 PING`);
        reply(
          { type: 'PING_ANSWER', address, model: this.model, firmware: this.firmware },
          `型号 ${this.model}，固件 ${this.firmware.major}.${this.firmware.minor}`,
        );
        return;
      case 'SHOW_IDENTITY':
        device.identity = { staffNumber: message.staffNumber, name: message.name };
        this.log(`${tag} 显示工作人员：工号 ${message.staffNumber}，姓名 ${message.name}`);
        reply({ type: 'SHOW_IDENTITY_ANSWER', address }, '已显示');
        return;
      case 'SET_STATE':
        device.state = message.state;
        this.log(`${tag} 切换状态：${STATE_NAMES[message.state]}`);
        reply({ type: 'SET_STATE_ANSWER', address, state: message.state }, `状态 ${message.state}`);
        return;
      case 'START_RATING': {
        const current = device.session;
        if (current && current.sessionId === message.sessionId) {
          this.log(`${tag} 再次收到开始评价（会话 ${message.sessionId}），评价已在进行`);
        } else {
          this.endSession(device);
          device.session = {
            sessionId: message.sessionId,
            limitSeconds: message.limitSeconds,
            pressed: null,
            resultSends: 0,
            acknowledged: false,
          };
          device.limitTimer = this.timers.setTimeout(() => {
            device.limitTimer = null;
            if (device.session?.sessionId !== message.sessionId || device.session.pressed !== null) return;
            this.log(`${tag} 评价超时（${message.limitSeconds} 秒，会话 ${message.sessionId}），回到待机`);
            this.endSession(device);
          }, message.limitSeconds * 1000);
          this.log(`${tag} 开始评价：会话 ${message.sessionId}，时限 ${message.limitSeconds} 秒，请按 1–5`);
        }
        reply(
          { type: 'START_RATING_ANSWER', address, sessionId: message.sessionId },
          `开始评价 ${message.sessionId}`,
        );
        return;
      }
      case 'CANCEL_RATING':
        if (device.session?.sessionId === message.sessionId) {
          this.log(`${tag} 取消评价（会话 ${message.sessionId}）`);
          this.endSession(device);
          reply(
            { type: 'CANCEL_RATING_ANSWER', address, sessionId: message.sessionId },
            `已取消 ${message.sessionId}`,
          );
        } else {
          this.log(`${tag} 取消评价：没有会话 ${message.sessionId}`);
          if (answer) this.nak(address, 0x12, NakReason.NO_SUCH_SESSION);
        }
        return;
      case 'ACK_RESULT': {
        const session = device.session;
        if (!session || session.sessionId !== message.sessionId || session.pressed === null) {
          this.log(`${tag} 收到评价确认（会话 ${message.sessionId}），但没有待确认的结果，忽略`);
          return;
        }
        this.tally.acksReceived++;
        session.acknowledged = true;
        if (this.ignoreAck) {
          this.log(`${tag} 收到评价确认（会话 ${message.sessionId}）——按设置忽略，继续重发`);
          return;
        }
        this.log(`${tag} 收到评价确认（会话 ${message.sessionId}），回到待机`);
        this.endSession(device);
        return;
      }
    }
  }

  private sendResult(device: DeviceSlot): void {
    const session = device.session;
    if (!session || session.pressed === null) return;
    session.resultSends++;
    this.tally.resultsSent++;
    this.log(
      `[地址 ${device.address}] 发送评价结果：会话 ${session.sessionId}，${session.pressed} ${RATING_LEVEL_NAMES[session.pressed]}（第 ${session.resultSends} 次）`,
    );
    this.send({
      type: 'RESULT',
      address: device.address,
      sessionId: session.sessionId,
      level: session.pressed,
    });
    if (!this.ackNeeded) {
      this.endSession(device);
      return;
    }
    device.resendTimer = this.timers.setTimeout(() => {
      device.resendTimer = null;
      if (device.session !== session) return;
      if (session.resultSends >= this.maxResultSends) {
        this.log(
          `[地址 ${device.address}] 评价结果已发送 ${session.resultSends} 次${session.acknowledged ? '' : '，未收到确认'}，停止重发，回到待机`,
        );
        this.endSession(device);
        return;
      }
      this.sendResult(device);
    }, this.resendMs);
  }

  private endSession(device: DeviceSlot): void {
    this.timers.clearTimeout(device.limitTimer);
    this.timers.clearTimeout(device.resendTimer);
    device.limitTimer = device.resendTimer = null;
    device.session = null;
  }

  private nak(address: number, rejected: number, reason: NakReason): void {
    this.tally.naksSent++;
    this.log(`[地址 ${address}] 回复 NAK：命令 ${toHex(Uint8Array.of(rejected))}，原因 ${reason}`);
    this.send({ type: 'NAK', address, rejected, reason });
  }

  private send(message: DeviceMessage): void {
    let bytes = encodeDeviceMessage(message);
    if (this.dropRate > 0 && this.random() < this.dropRate) {
      this.tally.droppedOnPurpose++;
      this.log(`模拟：丢弃本帧 ${toHex(bytes)}`);
      return;
    }
    if (this.corruptRate > 0 && this.random() < this.corruptRate) {
      bytes = Uint8Array.from(bytes);
      const at = Math.floor(this.random() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 + Math.floor(this.random() * 255));
      this.tally.corrupted++;
      this.log(`模拟：损坏本帧第 ${at + 1} 字节`);
    }
    if (this.noiseRate > 0 && this.random() < this.noiseRate) {
      const noise = Uint8Array.from({ length: 1 + Math.floor(this.random() * 4) }, () =>
        Math.floor(this.random() * 256),
      );
      this.log(`模拟：插入噪声 ${toHex(noise)}`);
      this.enqueueWrite(noise);
    }
    this.log(`  → ${toHex(bytes)}`);
    this.enqueueWrite(bytes);
  }

  private enqueueWrite(bytes: Uint8Array): Promise<void> {
    const pieces = this.splitWrites && bytes.length > 2 ? this.split(bytes) : [bytes];
    const write = async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0)
          await new Promise<void>((resolve) =>
            this.timers.setTimeout(resolve, 2 + Math.floor(this.random() * 4)),
          );
        const port = this.port;
        if (!port) {
          this.log('未接入串口，无法发送');
          return;
        }
        await port.write(pieces[i]!);
      }
    };
    this.output = this.output.then(write).catch((error: unknown) => {
      this.log(`发送失败：${error instanceof Error ? error.message : String(error)}`);
    });
    return this.output;
  }

  private split(bytes: Uint8Array): Uint8Array[] {
    const first = 1 + Math.floor(this.random() * (bytes.length - 1));
    const second = first + Math.floor(this.random() * (bytes.length - first));
    return [bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)].filter(
      (p) => p.length > 0,
    );
  }
}
