// Live events as Server-Sent Events: one JSON `data:` line per HallEvent and a
// comment line now and then so that proxies and clients see the link alive.
import type { ServerResponse } from 'node:http';
import type { HallEvent } from '../common/http-api.ts';

/** Counters treat ~5 s of silence as a dead link (main/hall-client.ts): beat well inside that. */
const HEARTBEAT_MS = 2_000;

export function createEventHub() {
  const clients = new Set<ServerResponse>();

  const send = (client: ServerResponse, event: HallEvent) =>
    client.write(`data: ${JSON.stringify(event)}\n\n`);

  return {
    /** Turns `res` into an event stream that starts with `hello`; `headers` are added to the answer's. */
    open(res: ServerResponse, hello: HallEvent, headers: Readonly<Record<string, string>> = {}): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        ...headers,
      });
      send(res, hello);
      clients.add(res);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      res.on('close', () => {
        clearInterval(heartbeat);
        clients.delete(res);
      });
    },

    publish(event: HallEvent): void {
      for (const client of clients) send(client, event);
    },

    /** Ends every stream, so that the server can close. */
    closeAll(): void {
      for (const client of clients) client.end();
    },
  };
}
