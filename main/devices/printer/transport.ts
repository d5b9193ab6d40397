// How bytes reach a printer: one small interface, three links (TCP 9100,
// serial, the Linux USB printer device). The driver opens a link per job.
import { connect, type Socket } from 'node:net';

export interface PrinterTransport {
  /** For messages and logs, e.g. 「网络打印机 192.168.1.50:9100」. */
  readonly description: string;
  /** Whether the link carries the printer's answers (status queries make sense). */
  readonly canRead: boolean;
  /** Sends bytes; resolves when the link has taken them all (drained). */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes received since the last read: waits up to timeoutMs for the first; empty on timeout. */
  read(timeoutMs: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  readonly code: 'unreachable' | 'timeout' | 'write-failed' | 'closed';
  constructor(code: TransportError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

/** Collects incoming bytes for read(): shared by the transports. */
export class Inbox {
  private chunks: Uint8Array[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.waiter?.();
  }

  end(): void {
    this.ended = true;
    this.waiter?.();
  }

  take(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    this.chunks = [];
    return out;
  }

  async read(timeoutMs: number): Promise<Uint8Array> {
    if (this.chunks.length === 0 && !this.ended && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = null;
    }
    return this.take();
  }
}

export interface TcpOptions {
  host: string;
  port?: number;
  connectTimeoutMs?: number;
  /** A write the printer does not take within this time fails (its buffer is full, the cable is out). */
  writeTimeoutMs?: number;
}

/** A network printer on raw TCP (port 9100, "JetDirect"). */
export function openTcpTransport(options: TcpOptions): Promise<PrinterTransport> {
  const port = options.port ?? 9100;
  const description = `网络打印机 ${options.host}:${port}`;
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 15000;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: options.host, port });
    socket.setNoDelay(true);
    const inbox = new Inbox();
    let failure: Error | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError('unreachable', `连接${description}超时（${connectTimeoutMs} 毫秒）：请检查打印机电源、网线和 IP 地址后点重试`));
    }, connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({
        description,
        canRead: true,
        write: (bytes) =>
          new Promise<void>((ok, fail) => {
            if (failure || socket.destroyed) {
              fail(new TransportError('closed', `${description}的连接已断开：请检查网络后点重试`, { cause: failure }));
              return;
            }
            const writeTimer = setTimeout(() => {
              socket.destroy();
              fail(new TransportError('timeout', `${description}在 ${writeTimeoutMs / 1000} 秒内没有收下数据：请检查打印机是否缺纸、卡纸或掉线`));
            }, writeTimeoutMs);
            socket.write(bytes, (error) => {
              clearTimeout(writeTimer);
              if (error) fail(new TransportError('write-failed', `向${description}发送数据失败：${error.message}`, { cause: error }));
              else ok();
            });
          }),
        read: (timeoutMs) => inbox.read(timeoutMs),
        close: () =>
          new Promise<void>((done) => {
            if (socket.destroyed) return done();
            socket.end(() => done());
            setTimeout(() => {
              socket.destroy();
              done();
            }, 1000).unref();
          }),
      });
    });
    socket.on('data', (chunk) => inbox.push(new Uint8Array(chunk)));
    socket.on('end', () => inbox.end());
    socket.on('close', () => inbox.end());
    socket.on('error', (error) => {
      failure = error;
      clearTimeout(timer);
      reject(new TransportError('unreachable', `无法连接${description}：${error.message}。请检查打印机电源、网线和 IP 地址后点重试`, { cause: error }));
    });
  });
}
