// An ESC/POS printer that prints into a folder: it listens on TCP (like a
// network printer's port 9100) or sits on a serial line, decodes what it gets
// (escpos-parser.ts) into text lines, QR payloads, images and cuts, records each
// job (split at cuts) as JSON plus PNGs of its images, and answers DLE EOT
// with a state you set (paper out, cover open…).
//
// Like a real printer it answers status queries at any time, and what arrives
// while it cannot print (no paper, cover open, offline) is held and printed
// when it can again — which is why the driver must not send a job then.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { bitmapToPng, type Bitmap } from '../../main/devices/printer/bitmap.ts';
import { openSerialPort, type BytePort, type PortClosed } from '../../main/devices/serial-line.ts';
import { EscPosParser, type PrintedLine, type PrinterEvent } from './escpos-parser.ts';
import { refusalReason, statusBytes, statusMessages, type PrinterStatus } from '../../main/devices/printer/status.ts';

export interface SimulatorState {
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
  offline: boolean;
  cutterError: boolean;
}

export interface SimulatedQr {
  payload: string;
  source: 'native' | 'raster';
  moduleSize?: number;
  level?: string;
}

export interface SimulatedJob {
  seq: number;
  receivedAt: string;
  connection: string;
  lines: PrintedLine[];
  qr: SimulatedQr[];
  images: { width: number; height: number; file: string | null }[];
  cut: 'partial' | 'full' | null;
  bytes: number;
  /** It arrived while the printer could not print, and came out when it could again. */
  held: boolean;
  warnings: string[];
}

export interface PrinterSimulatorOptions {
  /** Where jobs are recorded (JSON + PNG); null: kept in memory only. */
  recordDir?: string | null;
  state?: Partial<SimulatorState>;
  /** Reads a raster image as a QR code (e.g. with jsQR); raster QR payloads are then recorded too. */
  decodeQrImage?: (bitmap: Bitmap) => string | null;
  /** zh-CN console lines. */
  log?: (line: string) => void;
  clock?: () => Date;
}

interface Connection {
  name: string;
  write(bytes: Uint8Array): void;
}

interface JobBuilder {
  lines: PrintedLine[];
  qr: SimulatedQr[];
  images: Bitmap[];
  bytes: number;
  held: boolean;
  warnings: string[];
}

const emptyJob = (): JobBuilder => ({ lines: [], qr: [], images: [], bytes: 0, held: false, warnings: [] });

export class PrinterSimulator {
  readonly jobs: SimulatedJob[] = [];
  private state: SimulatorState;
  private readonly options: PrinterSimulatorOptions;
  private readonly held: { job: JobBuilder; connection: string; cut: SimulatedJob['cut'] }[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly ports: BytePort[] = [];
  private seq = 0;
  private connections = 0;

  constructor(options: PrinterSimulatorOptions = {}) {
    this.options = options;
    this.state = { paperOut: false, paperNearEnd: false, coverOpen: false, offline: false, cutterError: false, ...options.state };
    if (options.recordDir) mkdirSync(options.recordDir, { recursive: true });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** What DLE EOT reports now. */
  get status(): PrinterStatus {
    const s = this.state;
    return {
      online: !s.offline && !s.paperOut && !s.coverOpen && !s.cutterError,
      coverOpen: s.coverOpen,
      paperNearEnd: s.paperNearEnd || s.paperOut,
      paperOut: s.paperOut,
      error: s.cutterError,
      cutterError: s.cutterError,
      unrecoverableError: false,
      recoverableError: false,
    };
  }

  get canPrint(): boolean {
    return refusalReason(this.status) === null;
  }

  setState(change: Partial<SimulatorState>): void {
    this.state = { ...this.state, ...change };
    if (this.canPrint && this.held.length > 0) {
      const held = this.held.splice(0);
      this.log(`打印机恢复，打出暂存的 ${held.length} 个任务`);
      for (const h of held) this.record(h.job, h.connection, h.cut);
    }
  }

  /** One link's byte stream: parsed, answered, recorded. Returns the sink for incoming bytes and the end-of-stream hook. */
  attach(connection: Connection): { data(bytes: Uint8Array): void; end(): void } {
    const parser = new EscPosParser();
    let job = emptyJob();
    let start = 0; // stream offset where the current job began
    let queries = 0; // status-query bytes inside it (not part of the job)
    const apply = (events: PrinterEvent[]) => {
      for (const event of events) {
        // What arrives while the printer cannot print waits in its buffer.
        if ((event.type === 'line' || event.type === 'qr' || event.type === 'image') && !this.canPrint) job.held = true;
        switch (event.type) {
          case 'status-query':
            connection.write(Uint8Array.of(statusBytes(this.status)[event.n]));
            queries += 3;
            break;
          case 'line':
            job.lines.push(event.line);
            break;
          case 'qr':
            job.qr.push({ payload: event.payload, source: 'native', moduleSize: event.moduleSize, level: event.level });
            break;
          case 'image': {
            job.images.push(event.bitmap);
            const payload = this.options.decodeQrImage?.(event.bitmap);
            if (payload) job.qr.push({ payload, source: 'raster' });
            break;
          }
          case 'cut':
            job.bytes = event.end - start - queries;
            this.finish(job, connection.name, event.partial ? 'partial' : 'full');
            job = emptyJob();
            start = event.end;
            queries = 0;
            break;
          case 'warning':
            job.warnings.push(event.message);
            break;
          default:
            break;
        }
      }
    };
    return {
      data: (bytes) => apply(parser.push(bytes)),
      end: () => {
        apply(parser.flush());
        job.bytes = parser.offset - start - queries;
        if (job.lines.length > 0 || job.qr.length > 0 || job.images.length > 0) {
          job.warnings.push('连接结束时没有切纸命令');
          this.finish(job, connection.name, null);
        }
      },
    };
  }

  private finish(job: JobBuilder, connection: string, cut: SimulatedJob['cut']): void {
    if (job.held && !this.canPrint) {
      this.held.push({ job, connection, cut });
      this.log(`打印机${statusMessages(this.status)[0] ?? '不能打印'}——任务暂存在打印机里，恢复后才会打出`);
      return;
    }
    this.record(job, connection, cut);
  }

  private record(job: JobBuilder, connection: string, cut: SimulatedJob['cut']): void {
    const seq = ++this.seq;
    const name = `job-${String(seq).padStart(4, '0')}`;
    const dir = this.options.recordDir;
    const images = job.images.map((bitmap, i) => {
      let file: string | null = null;
      if (dir) {
        file = `${name}-image-${i + 1}.png`;
        writeFileSync(join(dir, file), bitmapToPng(bitmap));
      }
      return { width: bitmap.width, height: bitmap.height, file };
    });
    const record: SimulatedJob = {
      seq,
      receivedAt: (this.options.clock?.() ?? new Date()).toISOString(),
      connection,
      lines: job.lines,
      qr: job.qr,
      images,
      cut,
      bytes: job.bytes,
      held: job.held,
      warnings: job.warnings,
    };
    if (dir) writeFileSync(join(dir, `${name}.json`), JSON.stringify(record, null, 2));
    this.jobs.push(record);
    this.log(
      `收到打印任务 #${seq}（${connection}）：${job.lines.filter((l) => l.text.trim()).length} 行文字，` +
        `${job.qr.length} 个二维码，${images.length} 张图片，${cut === 'partial' ? '半切' : cut === 'full' ? '全切' : '未切纸'}，${job.bytes} 字节`,
    );
    for (const line of job.lines) if (line.text.trim()) this.log(`  │ ${line.text}`);
    for (const qr of job.qr) this.log(`  │ [二维码${qr.source === 'raster' ? '（图片）' : ''}] ${qr.payload}`);
    for (const image of images) this.log(`  │ [图片 ${image.width}×${image.height}]${image.file ? ` ${image.file}` : ''}`);
    for (const warning of job.warnings) this.log(`  ⚠ ${warning}`);
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `count` jobs have been recorded. */
  async waitForJobs(count: number, timeoutMs = 5000): Promise<SimulatedJob[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.jobs.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`等待打印任务超时：期望 ${count} 个，收到 ${this.jobs.length} 个`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.jobs.slice(0, count);
  }

  /** Listens like a network printer. Port 0 picks a free one. */
  listenTcp(port = 9100, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      const name = `TCP ${socket.remoteAddress}:${socket.remotePort} #${++this.connections}`;
      const link = this.attach({ name, write: (bytes) => socket.write(bytes) });
      socket.on('data', (chunk) => link.data(new Uint8Array(chunk)));
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        this.sockets.delete(socket);
        link.end();
      });
      socket.on('error', () => undefined);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve({ host, port: typeof address === 'object' && address ? address.port : port });
      });
    });
  }

  /**
   * Sits on a serial line (a real port with a null-modem cable, or one end of
   * a pty pair). `closed` settles when the line ends: `requested` false when
   * it went away (cable pulled, socat ended), true after close().
   */
  async openSerial(path: string, baudRate = 9600): Promise<{ closed: Promise<PortClosed> }> {
    const port = await openSerialPort({ path, baudRate });
    this.ports.push(port);
    const link = this.attach({
      name: `串口 ${path}`,
      write: (bytes) => void port.write(bytes).catch(() => undefined),
    });
    port.onData((chunk) => link.data(chunk));
    const closed = new Promise<PortClosed>((resolve) =>
      port.onClose((how) => {
        link.end();
        if (!how.requested) this.log(`串口 ${path} 已断开${how.error ? `：${how.error.message}` : ''}`);
        resolve(how);
      }),
    );
    return { closed };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all(this.ports.map((port) => port.close()));
  }

  /** A stdin command (English or Chinese); returns the answer to print. */
  command(input: string): string {
    const text = input.trim().toLowerCase();
    const set = (change: Partial<SimulatorState>, said: string) => {
      this.setState(change);
      return `${said}。${this.describe()}`;
    };
    switch (text) {
      case 'paper out':
      case '缺纸':
        return set({ paperOut: true }, '已设为缺纸');
      case 'paper low':
      case '纸将尽':
        return set({ paperNearEnd: true, paperOut: false }, '已设为纸将用尽');
      case 'paper ok':
      case '装纸':
        return set({ paperOut: false, paperNearEnd: false }, '已装纸');
      case 'cover open':
      case '开盖':
        return set({ coverOpen: true }, '已打开上盖');
      case 'cover close':
      case 'cover closed':
      case '合盖':
        return set({ coverOpen: false }, '已合上上盖');
      case 'offline':
      case '脱机':
        return set({ offline: true }, '已设为脱机');
      case 'online':
      case '联机':
        return set({ offline: false }, '已设为联机');
      case 'cutter error':
      case '切刀故障':
        return set({ cutterError: true }, '已设为切刀故障');
      case 'reset':
      case '复位':
        return set({ paperOut: false, paperNearEnd: false, coverOpen: false, offline: false, cutterError: false }, '已复位');
      case 'status':
      case '状态':
        return this.describe();
      case 'jobs':
      case '任务':
        return `已打印 ${this.jobs.length} 个任务，暂存 ${this.held.length} 个`;
      case '':
        return '';
      default:
        return SIMULATOR_HELP;
    }
  }

  describe(): string {
    const messages = statusMessages(this.status);
    return `当前状态：${messages.length === 0 ? '正常，可以打印' : messages.join('；')}`;
  }
}

export const SIMULATOR_HELP = [
  '可用命令（中英文均可）：',
  '  paper out / 缺纸        paper low / 纸将尽      paper ok / 装纸',
  '  cover open / 开盖       cover close / 合盖',
  '  offline / 脱机          online / 联机           cutter error / 切刀故障',
  '  reset / 复位            status / 状态           jobs / 任务',
].join('\n');
