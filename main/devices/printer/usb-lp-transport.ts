// A USB printer through the Linux usblp driver: /dev/usb/lp0. The device is
// opened non-blocking, so a busy printer (EAGAIN) or a printer with nothing to
// say never parks one of libuv's four threads in a read that cannot be
// cancelled: writes and reads poll instead. Printers with a back channel answer
// DLE EOT through read(); those without never answer, and the driver then
// prints without a status.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TransportError, type PrinterTransport } from './transport.ts';

export interface UsbLpOptions {
  path?: string;
  /** Read the printer's answers (status). Default true; off for printers whose read hangs or errors. */
  readStatus?: boolean;
  /** A write the printer does not take within this time fails. Default 15 s. */
  writeTimeoutMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isWouldBlock(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

export async function openUsbLpTransport(options: UsbLpOptions = {}): Promise<PrinterTransport> {
  const path = options.path ?? '/dev/usb/lp0';
  const readStatus = options.readStatus ?? true;
  const writeTimeoutMs = options.writeTimeoutMs ?? 15000;
  const pollMs = options.pollMs ?? 20;
  const description = `USB 打印机 ${path}`;
  let handle: FileHandle;
  try {
    handle = await open(path, (readStatus ? constants.O_RDWR : constants.O_WRONLY) | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EACCES'
        ? '没有权限：请把当前用户加入 lp 组（sudo usermod -aG lp 用户名）后重新登录'
        : code === 'ENOENT'
          ? '设备不存在：请检查 USB 线和打印机电源'
          : (error as Error).message;
    throw new TransportError('unreachable', `无法打开${description}：${hint}`, { cause: error });
  }
  let closed = false;
  return {
    description,
    canRead: readStatus,
    async write(bytes) {
      const started = Date.now();
      let offset = 0;
      while (offset < bytes.length) {
        if (closed) throw new TransportError('closed', `${description}已关闭`);
        try {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
          offset += bytesWritten;
          if (bytesWritten > 0) continue;
        } catch (error) {
          if (!isWouldBlock(error)) {
            throw new TransportError('write-failed', `向${description}发送数据失败：${(error as Error).message}`, { cause: error });
          }
        }
        if (Date.now() - started > writeTimeoutMs) {
          throw new TransportError('timeout', `${description}在 ${writeTimeoutMs / 1000} 秒内没有收下数据：请检查打印机是否缺纸、卡纸或掉线`);
        }
        await sleep(pollMs);
      }
    },
    async read(timeoutMs) {
      if (!readStatus) return new Uint8Array(0);
      const deadline = Date.now() + timeoutMs;
      const buffer = new Uint8Array(64);
      for (;;) {
        try {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead > 0) return buffer.slice(0, bytesRead);
        } catch (error) {
          if (!isWouldBlock(error)) return new Uint8Array(0); // no back channel
        }
        if (Date.now() >= deadline) return new Uint8Array(0);
        await sleep(pollMs);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
