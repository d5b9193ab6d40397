// Live events as Server-Sent Events: one JSON `data:` line per HallEvent and a
// comment line now and then so that proxies and clients see the link alive.
//
// Events are hints ("pull now"), so a stream needs only the latest of each
// kind, and only what concerns its device. The hub coalesces:
// - what happened at a window (`window`, `cases`) goes to that window's
//   streams at once (the next turn of the event loop), with the latest queue
//   version if that stream has not heard it yet;
// - every other stream hears of queue changes, window changes included (a
//   counter refreshes its waiting counts on those), as one `queue` hint at most every
//   `hintEveryMs` — so the cost of a call does not grow with the number of
//   open streams, and a stream is written at most a few times a second;
// - `config` (and any other kind) goes to every stream at once: rare, and every device needs it.
// A queue hint carries the hall's waiting counts (`waiting`), read once per
// version and written as one text to every stream: counters show them without
// pulling, so a call elsewhere in the hall costs a counter one small message.
import type { ServerResponse } from 'node:http';
import type { HallEvent, WaitingCounts } from '../common/http-api.ts';

/** Counters treat ~5 s of silence as a dead link (main/hall-client.ts): beat well inside that. */
const HEARTBEAT_MS = 2_000;
/** Hall-wide queue hints: often enough for waiting counts and the manager's overview (≤ 1 s). */
export const QUEUE_HINT_EVERY_MS = 500;
/**
 * Streams written in one turn of the event loop by a write to every stream (a
 * queue hint, the heartbeat). Written all in one turn, 2,000 streams held
 * every request that came meanwhile (bench:hall, 2,000 counters on SQLite:
 * p99 ≈ 40–60 ms at any rate from 25 to 200 operations/s; at 100/s, 38 ms
 * → 12 ms in slices). In slices, requests are served between.
 */
export const STREAM_WRITES_PER_TURN = 100;

interface Stream {
  res: ServerResponse;
  windowId: number | null;
  /** The latest queue (or window) version this stream has been told of. */
  queueVersion: number;
}

export interface EventHubOptions {
  hintEveryMs?: number;
  /** The hall's waiting counts now, for queue hints (none: hints without counts). */
  waiting?: () => WaitingCounts;
}

export function createEventHub({ hintEveryMs = QUEUE_HINT_EVERY_MS, waiting }: EventHubOptions = {}) {
  const streams = new Set<Stream>();
  const byWindow = new Map<number, Set<Stream>>();
  /** The latest queue version published; streams behind it get a hint. */
  let queueVersion = 0;
  /** Events every stream hears at once: config, and any kind this hub does not target (latest of each). */
  const broadcasts = new Map<string, HallEvent>();
  /** Per window: the latest version, and the one device whose own calls made every change since the last flush (null: several, or unknown). */
  const windowsChanged = new Map<number, { version: number; by: string | null }>();
  const casesChanged = new Map<number, number>();
  let soon: NodeJS.Immediate | null = null;
  let hint: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  const frame = (event: HallEvent) => `data: ${JSON.stringify(event)}\n\n`;
  const send = (stream: Stream, event: HallEvent) => stream.res.write(frame(event));
  /** The queue hint of \`queueVersion\`, made once for every stream that hears it. */
  let queueFrame = { version: -1, text: '' };

  const tellQueue = (stream: Stream) => {
    if (stream.queueVersion >= queueVersion) return;
    stream.queueVersion = queueVersion;
    if (queueFrame.version !== queueVersion) {
      const event: HallEvent = { type: 'queue', version: queueVersion };
      if (waiting) event.waiting = waiting();
      queueFrame = { version: queueVersion, text: frame(event) };
    }
    stream.res.write(queueFrame.text);
  };

  function flushSoon(): void {
    soon = null;
    for (const event of broadcasts.values()) for (const stream of streams) send(stream, event);
    broadcasts.clear();
    for (const [windowId, { version, by }] of windowsChanged) {
      const event: HallEvent = by === null ? { type: 'window', windowId, version } : { type: 'window', windowId, version, by };
      for (const stream of byWindow.get(windowId) ?? []) {
        tellQueue(stream);
        send(stream, event);
      }
    }
    windowsChanged.clear();
    for (const [windowId, version] of casesChanged) {
      for (const stream of byWindow.get(windowId) ?? []) send(stream, { type: 'cases', windowId, version });
    }
    casesChanged.clear();
  }

  /** Writes to each of `targets` (the streams open now), STREAM_WRITES_PER_TURN a turn; a stream closed meanwhile is skipped. */
  function writeEach(targets: Stream[], write: (stream: Stream) => void, from = 0): void {
    const end = Math.min(targets.length, from + STREAM_WRITES_PER_TURN);
    for (let i = from; i < end; i++) if (streams.has(targets[i]!)) write(targets[i]!);
    if (end < targets.length) setImmediate(writeEach, targets, write, end);
  }

  function flushHints(): void {
    hint = null;
    writeEach([...streams], tellQueue);
  }

  const scheduleSoon = () => (soon ??= setImmediate(flushSoon));
  const scheduleHint = () => (hint ??= setTimeout(flushHints, hintEveryMs));

  return {
    /**
     * Turns `res` into an event stream that starts with `hello`, for a device
     * at `windowId` (null: a kiosk); `headers` are added to the answer's.
     */
    open(res: ServerResponse, hello: HallEvent, headers: Readonly<Record<string, string>> = {}, windowId: number | null = null): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        ...headers,
      });
      const stream: Stream = { res, windowId, queueVersion: hello.version };
      send(stream, hello);
      streams.add(stream);
      if (windowId !== null) {
        if (!byWindow.has(windowId)) byWindow.set(windowId, new Set());
        byWindow.get(windowId)!.add(stream);
      }
      heartbeat ??= setInterval(() => writeEach([...streams], ({ res: each }) => each.write(': heartbeat\n\n')), HEARTBEAT_MS);
      res.on('close', () => {
        streams.delete(stream);
        if (windowId !== null) byWindow.get(windowId)?.delete(stream);
        if (streams.size === 0 && heartbeat) {
          clearInterval(heartbeat);
          heartbeat = null;
        }
      });
    },

    publish(event: HallEvent): void {
      switch (event.type) {
        case 'queue':
          queueVersion = Math.max(queueVersion, event.version);
          scheduleHint();
          return;
        case 'window': {
          queueVersion = Math.max(queueVersion, event.version);
          const held = windowsChanged.get(event.windowId);
          const by = event.by ?? null;
          windowsChanged.set(event.windowId, {
            version: Math.max(held?.version ?? 0, event.version),
            by: held === undefined || held.by === by ? by : null,
          });
          scheduleSoon();
          scheduleHint();
          return;
        }
        case 'cases':
          casesChanged.set(event.windowId, Math.max(casesChanged.get(event.windowId) ?? 0, event.version));
          scheduleSoon();
          return;
        case 'hello':
          return;
        default:
          broadcasts.set(event.type, event);
          scheduleSoon();
      }
    },

    /**
     * Events may have been lost (server/event-bus.ts: the process's LISTEN
     * connection was down): every stream hears `hello` again, on which a
     * counter pulls everything, as after a reconnect of its own.
     */
    missed(version: number): void {
      queueVersion = Math.max(queueVersion, version);
      for (const stream of streams) {
        stream.queueVersion = queueVersion;
        send(stream, { type: 'hello', version: queueVersion });
      }
    },

    /** Ends every stream, so that the server can close. */
    closeAll(): void {
      if (soon) clearImmediate(soon);
      if (hint) clearTimeout(hint);
      if (heartbeat) clearInterval(heartbeat);
      soon = hint = heartbeat = null;
      for (const { res } of streams) res.end();
      streams.clear();
      byWindow.clear();
    },
  };
}
