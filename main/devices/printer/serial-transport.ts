// A printer on a serial line (RS-232, or a USB-serial adapter), serialport 13.
// Thermal printers are slow at 9600 baud (a raster line of 1 KB takes a
// second), so data goes in chunks, each drained (tcdrain) before the next:
// the write's timeout then measures the printer, not the OS buffer, and flow
// control (RTS/CTS or XON/XOFF) can hold us back while the printer catches up.
import { SerialPort } from 'serialport';
import { Inbox, TransportError, type PrinterTransport } from './transport.ts';

export type FlowControl = 'none' | 'rtscts' | 'xonxoff';

export interface SerialOptions {
  path: string;
  baudRate?: number;
  flowControl?: FlowControl;
  /** Bytes per drained write. Default 1024. */
  chunkSize?: number;
  /** Extra seconds a chunk may take beyond its wire time (flow control pauses, paper feed). Default 10. */
  slackSeconds?: number;
}

/** Wire time of `bytes` at `baudRate`, 8N1 (10 bits per byte), in ms. */
export function wireTimeMs(bytes: number, baudRate: number): number {
  return (bytes * 10 * 1000) / baudRate;
}

export async function openSerialTransport(options: SerialOptions): Promise<PrinterTransport> {
  const baudRate = options.baudRate ?? 9600;
  const flow = options.flowControl ?? 'none';
  const chunkSize = options.chunkSize ?? 1024;
  const slackMs = (options.slackSeconds ?? 10) * 1000;
  const description = `串口打印机 ${options.path}（${baudRate} 波特）`;
  const port = new SerialPort({
    path: options.path,
    baudRate,
    rtscts: flow === 'rtscts',
    xon: flow === 'xonxoff',
    xoff: flow === 'xonxoff',
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((error) =>
      error
        ? reject(new TransportError('unreachable', `无法打开${description}：${error.message}。请检查串口号和连线后点重试`, { cause: error }))
        : resolve(),
    ),
  );
  const inbox = new Inbox();
  port.on('data', (chunk: Buffer) => inbox.push(new Uint8Array(chunk)));
  port.on('close', () => inbox.end());
  const writeChunk = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const limit = wireTimeMs(chunk.length, baudRate) + slackMs;
      const timer = setTimeout(
        () => reject(new TransportError('timeout', `${description}在 ${Math.round(limit / 1000)} 秒内没有收下数据：请检查打印机是否缺纸、卡纸或掉线`)),
        limit,
      );
      port.write(Buffer.from(chunk), (error) => {
        if (error) {
          clearTimeout(timer);
          reject(new TransportError('write-failed', `向${description}发送数据失败：${error.message}`, { cause: error }));
          return;
        }
        port.drain((drainError) => {
          clearTimeout(timer);
          if (drainError) reject(new TransportError('write-failed', `向${description}发送数据失败：${drainError.message}`, { cause: drainError }));
          else resolve();
        });
      });
    });
  return {
    description,
    canRead: true,
    async write(bytes) {
      if (!port.isOpen) throw new TransportError('closed', `${description}已关闭：请检查连线后点重试`);
      for (let offset = 0; offset < bytes.length; offset += chunkSize) await writeChunk(bytes.subarray(offset, offset + chunkSize));
    },
    read: (timeoutMs) => inbox.read(timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}
