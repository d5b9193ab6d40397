// A serial line as the device layer sees it: bytes in, bytes out, and one
// close notice (asked for, or the cable/pty went away). The real one opens
// a path with serialport 13 under the port lock; tests use an in-memory pair
// of ends (sim/memory-line.ts). Drivers and simulators take a `PortOpener`,
// so they never know which one they have.
import { SerialPort } from 'serialport';

export interface SerialSettings {
  /** e.g. /dev/ttyUSB0, /dev/ttyS1, COM3, or a socat pty link. */
  path: string;
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
  /** Hardware flow control (RTS/CTS). */
  rtscts?: boolean;
}

/** The evaluator protocols' defaults: 9600 8N1, no flow control. */
export const DEFAULT_SERIAL_SETTINGS = {
  baudRate: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
  rtscts: false,
} as const satisfies Omit<Required<SerialSettings>, 'path'>;

export interface PortClosed {
  /** True when close() was called; false when the line went away or failed. */
  requested: boolean;
  error: Error | null;
}

export interface BytePort {
  /** The path (or a name), for messages. */
  readonly name: string;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the OS; rejects with a SerialLineError when the line is gone. */
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Called once, whatever the cause. */
  onClose(listener: (closed: PortClosed) => void): () => void;
}

export type PortOpener = () => Promise<BytePort>;

export type SerialLineErrorCode = 'NOT_FOUND' | 'BUSY' | 'DENIED' | 'IO';

/** A line that could not be opened or written: `code` says which kind, `message` is the system's text. */
export class SerialLineError extends Error {
  readonly code: SerialLineErrorCode;
  readonly path: string;
  constructor(code: SerialLineErrorCode, path: string, message: string) {
    super(message);
    this.name = 'SerialLineError';
    this.code = code;
    this.path = path;
  }
}

export function classifySerialError(error: unknown, path: string): SerialLineError {
  if (error instanceof SerialLineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code: SerialLineErrorCode = /ENOENT|No such file|cannot find|File not found/i.test(message)
    ? 'NOT_FOUND'
    : /lock|Resource temporarily unavailable|EBUSY|busy|Access denied/i.test(message)
      ? 'BUSY'
      : /EACCES|Permission denied/i.test(message)
        ? 'DENIED'
        : 'IO';
  return new SerialLineError(code, path, message);
}

/** A listener set whose emit calls each listener present when it starts. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) listener(value);
  }
}

/** Opens a serial path with serialport 13, `lock: true` (a second opener gets BUSY). */
export function openSerialPort(settings: SerialSettings): Promise<BytePort> {
  const { path } = settings;
  const port = new SerialPort({ ...DEFAULT_SERIAL_SETTINGS, ...settings, lock: true, autoOpen: false });
  const data = new Listeners<Uint8Array>();
  const closes = new Listeners<PortClosed>();
  let closed = false;
  let closeRequested = false;
  let lastError: Error | null = null;

  const finish = (error: Error | null) => {
    if (closed) return;
    closed = true;
    closes.emit({ requested: closeRequested, error: closeRequested ? null : (error ?? lastError) });
  };

  return new Promise<BytePort>((resolve, reject) => {
    port.open((error) => {
      if (error) {
        reject(classifySerialError(error, path));
        return;
      }
      port.on('data', (chunk: Buffer) => data.emit(chunk));
      port.on('error', (err: Error) => {
        lastError = err;
        if (port.isOpen) port.close(() => finish(err));
        else finish(err);
      });
      port.on('close', (err?: Error) => finish(err ?? null));
      resolve({
        name: path,
        get isOpen() {
          return !closed && port.isOpen;
        },
        write(bytes) {
          if (closed) return Promise.reject(new SerialLineError('IO', path, 'port is closed'));
          return new Promise<void>((done, fail) => {
            port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) =>
              err ? fail(classifySerialError(err, path)) : done(),
            );
          });
        },
        close() {
          if (closed) return Promise.resolve();
          closeRequested = true;
          return new Promise<void>((done) => {
            if (!port.isOpen) {
              finish(null);
              done();
              return;
            }
            port.close(() => {
              finish(null);
              done();
            });
          });
        },
        onData: (listener) => data.add(listener),
        onClose: (listener) => closes.add(listener),
      });
    });
  });
}
