// UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so
// ids sort by creation time. The clock and the random source are injected.
// Within one generator, ids are strictly increasing even when the clock
// stands still or steps back (RFC 9562 §6.2, method 1: rand_a is a counter).
import { randomBytes } from 'node:crypto';

export type UuidV7 = () => string;

export function uuidv7Generator(
  clock: () => Date = () => new Date(),
  random: (size: number) => Uint8Array = (size) => randomBytes(size),
): UuidV7 {
  let lastMs = -1;
  let counter = 0; // 12-bit rand_a
  return () => {
    let ms = clock().getTime();
    const bytes = random(10);
    if (ms > lastMs) {
      // Start the counter in the lower half so it has room to grow this millisecond.
      counter = ((bytes[0]! << 8) | bytes[1]!) & 0x7ff;
    } else {
      ms = lastMs;
      counter += 1;
      if (counter > 0xfff) {
        ms += 1; // borrow the next millisecond rather than repeat or go backwards
        counter = 0;
      }
    }
    lastMs = ms;
    const out = new Uint8Array(16);
    let rest = ms;
    for (let i = 5; i >= 0; i--) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    out[6] = 0x70 | (counter >> 8);
    out[7] = counter & 0xff;
    out[8] = 0x80 | (bytes[2]! & 0x3f);
    out.set(bytes.subarray(3, 10), 9);
    const hex = Buffer.from(out).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** The Unix milliseconds a UUIDv7 was made at. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
