// A loopback TCP proxy that sits between the counter and the hall server in
// tests and breaks the link on demand, switchable while connections are open:
//
//   pass       bytes flow both ways
//   blackhole  bytes vanish both ways (nothing answers, nothing is refused)
//   delay      every chunk arrives `ms` later (order kept)
//   reset      after `afterBytes` bytes of responses (or requests) since the
//              mode was set, the connection is cut with a TCP RST; `once`
//              goes back to pass after the first cut
//
//   const proxy = await startFaultProxy(hall.url);
//   proxy.set({ mode: 'reset', afterBytes: 20, once: true });
//   // … the next response is cut 20 bytes in, after the server committed
//   await proxy.close();
//
// startStatusFront (below) is the HTTP-level companion: a tiny real HTTP
// server in front of the hall server that answers chosen requests itself
// (500 / 503 / 429 with Retry-After), holds the hall server's answers to
// chosen requests until the test lets them go, and forwards the rest.
import { request as httpRequest, createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export type FaultMode =
  | { mode: 'pass' }
  | { mode: 'blackhole' }
  | { mode: 'delay'; ms: number }
  | { mode: 'reset'; afterBytes: number; direction?: 'response' | 'request'; once?: boolean };

export interface FaultProxy {
  /** http://127.0.0.1:<port>, to give the counter instead of the server's address. */
  url: string;
  set(mode: FaultMode | 'pass' | 'blackhole'): void;
  current(): FaultMode;
  /** Cuts every open connection (RST): clients must reconnect. */
  dropAll(): void;
  /** Connections accepted, and cut by reset mode, so far. */
  readonly stats: { connections: number; resets: number };
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes seen per direction since the current mode began. */
  counted: { response: number; request: number; epoch: number };
  /** Per direction: when the last delayed chunk is due, so that order holds across mode switches. */
  due: { response: number; request: number };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  let mode: FaultMode = { mode: 'pass' };
  let epoch = 0;
  const links = new Set<Link>();
  const stats = { connections: 0, resets: 0 };

  const cut = (link: Link) => {
    links.delete(link);
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
  };

  const forward = (link: Link, direction: 'response' | 'request', chunk: Buffer) => {
    const to = direction === 'response' ? link.client : link.upstream;
    if (link.counted.epoch !== epoch) link.counted = { response: 0, request: 0, epoch };
    const current = mode;
    const write = (bytes: Buffer) => {
      const now = Date.now();
      const at = Math.max(now + (current.mode === 'delay' ? current.ms : 0), link.due[direction]);
      link.due[direction] = at;
      if (at <= now) to.write(bytes);
      else setTimeout(() => to.destroyed || to.write(bytes), at - now);
    };
    switch (current.mode) {
      case 'blackhole':
        return;
      case 'pass':
      case 'delay':
        return write(chunk);
      case 'reset': {
        if ((current.direction ?? 'response') !== direction) return write(chunk);
        const room = current.afterBytes - link.counted[direction];
        link.counted[direction] += chunk.length;
        if (chunk.length <= room) return write(chunk);
        if (room > 0) to.write(chunk.subarray(0, room));
        stats.resets += 1;
        if (current.once) {
          mode = { mode: 'pass' };
          epoch += 1;
        }
        // Let the bytes before the cut leave first.
        setImmediate(() => cut(link));
        return;
      }
    }
  };

  const server = createServer((client) => {
    stats.connections += 1;
    const upstream = connect(Number(port), hostname);
    const link: Link = {
      client,
      upstream,
      counted: { response: 0, request: 0, epoch },
      due: { response: 0, request: 0 },
    };
    links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => forward(link, 'request', chunk));
    upstream.on('data', (chunk: Buffer) => forward(link, 'response', chunk));
    const end = () => {
      if (!links.has(link)) return;
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    // The server gone (refused or closed) looks like it to the client: the connection drops.
    upstream.on('error', () => cut(link));
    client.on('error', () => cut(link));
    upstream.on('close', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    set(next) {
      mode = typeof next === 'string' ? { mode: next } : next;
      epoch += 1;
    },
    current: () => mode,
    dropAll() {
      for (const link of [...links]) cut(link);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of [...links]) cut(link);
      await closed;
    },
  };
}

/** What the front answers itself instead of forwarding: status, headers, JSON body. */
export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface StatusFront {
  url: string;
  /** Answers the next `times` requests whose path starts with `pathPrefix` with `answer`. */
  answer(pathPrefix: string, answer: CannedAnswer, times?: number): void;
  /**
   * From now on, the hall server's answers to requests whose path starts with
   * `pathPrefix` wait here (the server has done the request) until release().
   */
  hold(pathPrefix: string): { held(): number; release(): void };
  /** Requests seen per path prefix that was answered, with their arrival times (ms). */
  readonly answered: { path: string; at: number }[];
  /** Paths of the requests passed on to the hall server, in arrival order. */
  readonly forwarded: string[];
  close(): Promise<void>;
}

/** A small real HTTP server in front of the hall server: canned answers for chosen requests, the rest forwarded. */
export async function startStatusFront(target: string): Promise<StatusFront> {
  const upstream = new URL(target);
  const rules: { prefix: string; answer: CannedAnswer; left: number }[] = [];
  const answered: { path: string; at: number }[] = [];
  const forwarded: string[] = [];
  const holds: { prefix: string; waiting: (() => void)[]; released: boolean }[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => r.left > 0 && path.startsWith(r.prefix));
    if (rule) {
      rule.left -= 1;
      answered.push({ path, at: Date.now() });
      req.resume();
      req.on('end', () =>
        res
          .writeHead(rule.answer.status, { 'content-type': 'application/json', ...rule.answer.headers })
          .end(JSON.stringify(rule.answer.body)),
      );
      return;
    }
    forwarded.push(path);
    const upstreamRequest = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
      (answer) => {
        const pass = () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        const hold = holds.find((h) => !h.released && path.startsWith(h.prefix));
        if (hold) hold.waiting.push(pass);
        else pass();
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    res.on('close', () => upstreamRequest.destroy());
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    forwarded,
    answer(prefix, answer, times = 1) {
      rules.push({ prefix, answer, left: times });
    },
    hold(prefix) {
      const hold = { prefix, waiting: [] as (() => void)[], released: false };
      holds.push(hold);
      return {
        held: () => hold.waiting.length,
        release() {
          hold.released = true;
          for (const pass of hold.waiting.splice(0)) pass();
        },
      };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
