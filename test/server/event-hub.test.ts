// The event hub (server/events.ts) writes a queue hint to every open stream in
// slices of STREAM_WRITES_PER_TURN, so that a hall with thousands of counters
// keeps serving requests between the slices. A unit test of the hub alone:
// its streams are stand-ins that record what is written to them.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createEventHub, STREAM_WRITES_PER_TURN } from '../../server/events.ts';

/** A stand-in response: records writes; emits 'close' when told. */
function recordingResponse() {
  const emitter = new EventEmitter();
  const written: string[] = [];
  const res = Object.assign(emitter, {
    writeHead: () => res,
    write: (text: string) => (written.push(text), true),
    end: () => emitter.emit('close'),
  });
  return { res: res as unknown as ServerResponse, written, close: () => emitter.emit('close') };
}

describe('event hub', () => {
  it('writes a queue hint to every stream, a slice a turn; a stream closed meanwhile is skipped', async () => {
    const hub = createEventHub({ hintEveryMs: 5 });
    const count = STREAM_WRITES_PER_TURN * 2 + 50;
    const streams = Array.from({ length: count }, () => recordingResponse());
    for (const stream of streams) hub.open(stream.res, { type: 'hello', version: 0 });
    const hinted = () => streams.filter((stream) => stream.written.some((text) => text.includes('"type":"queue"'))).length;

    // How many had the hint when the turn that wrote the first one ended.
    const firstTurn = new Promise<number>((resolve) => {
      const first = streams[0]!;
      const write = first.res.write.bind(first.res);
      (first.res as unknown as { write: (text: string) => boolean }).write = (text: string) => {
        if (text.includes('"type":"queue"')) setImmediate(() => resolve(hinted()));
        return write(text);
      };
    });
    hub.publish({ type: 'queue', version: 1 });
    const closedLate = streams[count - 1]!;
    expect(await firstTurn).toBe(STREAM_WRITES_PER_TURN);
    closedLate.close();
    await expect.poll(hinted).toBe(count - 1);
    expect(closedLate.written.some((text) => text.includes('"type":"queue"'))).toBe(false);
    hub.closeAll();
  });
});
