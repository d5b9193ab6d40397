// An in-memory serial line for unit tests: two connected ends, with
// unplug/plug-in, behind the same BytePort / PortOpener as the real one
// (main/devices/serial-line.ts).
import {
  Listeners,
  SerialLineError,
  type BytePort,
  type PortClosed,
  type PortOpener,
} from '../main/devices/serial-line.ts';

export interface MemoryLine {
  /** Opens end A (e.g. the host's). Rejects NOT_FOUND while unplugged, BUSY while A is open. */
  openA: PortOpener;
  /** Opens end B (e.g. the device's). */
  openB: PortOpener;
  /** Pulls the cable: both open ends close with an error, opening fails until plugIn(). */
  unplug(): void;
  plugIn(): void;
}

export function createMemoryLine(name = 'memory'): MemoryLine {
  const ends: { a: MemoryEnd | null; b: MemoryEnd | null } = { a: null, b: null };
  let plugged = true;

  interface MemoryEnd extends BytePort {
    deliver(chunk: Uint8Array): void;
    fail(error: Error): void;
  }

  const open = (side: 'a' | 'b'): Promise<BytePort> => {
    const path = `${name}:${side.toUpperCase()}`;
    if (!plugged)
      return Promise.reject(
        new SerialLineError('NOT_FOUND', path, `ENOENT: no such file or directory, open '${path}'`),
      );
    if (ends[side])
      return Promise.reject(
        new SerialLineError('BUSY', path, 'Error Resource temporarily unavailable Cannot lock port'),
      );
    const data = new Listeners<Uint8Array>();
    const closes = new Listeners<PortClosed>();
    let closed = false;
    const finish = (closedInfo: PortClosed) => {
      if (closed) return;
      closed = true;
      if (ends[side] === end) ends[side] = null;
      closes.emit(closedInfo);
    };
    const end: MemoryEnd = {
      name: path,
      get isOpen() {
        return !closed;
      },
      write(bytes) {
        if (closed) return Promise.reject(new SerialLineError('IO', path, 'EIO: i/o error, write'));
        const copy = Uint8Array.from(bytes);
        const peer = ends[side === 'a' ? 'b' : 'a'];
        queueMicrotask(() => peer?.deliver(copy));
        return Promise.resolve();
      },
      close() {
        finish({ requested: true, error: null });
        return Promise.resolve();
      },
      onData: (listener) => data.add(listener),
      onClose: (listener) => closes.add(listener),
      deliver(chunk) {
        if (!closed) data.emit(chunk);
      },
      fail(error) {
        finish({ requested: false, error });
      },
    };
    ends[side] = end;
    return Promise.resolve(end);
  };

  return {
    openA: () => open('a'),
    openB: () => open('b'),
    unplug() {
      plugged = false;
      for (const side of ['a', 'b'] as const) {
        ends[side]?.fail(new SerialLineError('IO', `${name}:${side.toUpperCase()}`, 'device disconnected'));
      }
    },
    plugIn() {
      plugged = true;
    },
  };
}
