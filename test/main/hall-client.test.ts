// Bad answers from the hall server: each kind becomes a HallError with a
// Chinese message, never a crash or a half-parsed object. A real loopback
// HTTP server plays the misbehaving hall server.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallError } from '../../common/errors.ts';
import type { HallEvent } from '../../common/http-api.ts';
import { HallClient, STREAM_SILENT_REASON } from '../../main/hall-client.ts';

let server: Server;
let base: string;
let answer: (url: string, res: ServerResponse) => void = () => {};
const seen: { url: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    answer(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const json = (status: number, body: unknown) => (_: string, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(HallError);
  return error as HallError;
};

describe('HallClient', () => {
  it('sends the token, path parameters and headers of the route', async () => {
    answer = json(200, { ticket: null });
    const client = new HallClient({ baseUrl: base + '/', token: 'tok' });
    await client.request('callNext', { params: { id: 3 }, headers: { 'Idempotency-Key': 'k1' } });
    const last = seen.at(-1)!;
    expect(last.url).toBe('/v1/windows/3/call-next');
    expect(last.headers.authorization).toBe('Bearer tok');
    expect(last.headers['idempotency-key']).toBe('k1');
  });

  it('passes on the server error code and message', async () => {
    answer = json(409, { code: 'NO_CURRENT_TICKET', message: '当前没有正在办理的号' });
    const error = await failure(new HallClient({ baseUrl: base }).request('recall', { params: { id: 1 } }));
    expect([error.code, error.message, error.status]).toEqual(['NO_CURRENT_TICKET', '当前没有正在办理的号', 409]);
  });

  it('refuses an answer that is not JSON', async () => {
    answer = json(200, '<html>proxy error</html>');
    const error = await failure(new HallClient({ baseUrl: base }).request('health'));
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.message).toContain('不是有效数据');
  });

  it('refuses JSON of the wrong shape', async () => {
    answer = json(200, { ticket: { number: 'A001' } });
    const error = await failure(new HallClient({ baseUrl: base }).request('callNext', { params: { id: 1 } }));
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.message).toContain('不符合接口约定');
  });

  it('maps an error without our error body to a status-based code', async () => {
    answer = json(502, { oops: true });
    expect((await failure(new HallClient({ baseUrl: base }).request('health'))).code).toBe('SERVER_ERROR');
  });

  it('reports an unreachable server and a timeout as SERVER_UNREACHABLE', async () => {
    const closed = await failure(new HallClient({ baseUrl: 'http://127.0.0.1:9' }).request('health'));
    expect(closed.code).toBe('SERVER_UNREACHABLE');
    answer = () => {}; // never answers
    const slow = await failure(new HallClient({ baseUrl: base, timeoutMs: 200 }).request('health'));
    expect(slow.code).toBe('SERVER_UNREACHABLE');
    expect(slow.message).toContain('超时');
  });

  it('reads server-sent events split across chunks and skips malformed ones', async () => {
    answer = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"type":"hello","ver');
      res.write('sion":1}\n\n: heartbeat\n\ndata: {"type":"queue"}\n\n');
      res.write('data: not json\n\ndata: {"type":"window","windowId":2,"version":5}\r\n\r\n');
      res.end();
    };
    const got: HallEvent[] = [];
    const bad: string[] = [];
    await new HallClient({ baseUrl: base }).listen((e) => got.push(e), new AbortController().signal, (l) => bad.push(l));
    expect(got).toEqual([
      { type: 'hello', version: 1 },
      { type: 'window', windowId: 2, version: 5 },
    ]);
    expect(bad).toEqual(['data: {"type":"queue"}', 'data: not json']);
  });

  it('treats a live stream silent for streamIdleMs as a dead link, while heartbeats keep it alive', async () => {
    // Beats every 50 ms for 400 ms, then falls silent without closing.
    answer = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"type":"hello","version":1}\n\n');
      let beats = 0;
      const beat = setInterval(() => {
        res.write(': heartbeat\n\n');
        if (++beats === 8) clearInterval(beat);
      }, 50);
      res.on('close', () => clearInterval(beat));
    };
    const client = new HallClient({ baseUrl: base, streamIdleMs: 200 });
    const started = Date.now();
    const silent = await failure(client.listen(() => {}, new AbortController().signal));
    const elapsed = Date.now() - started;
    expect(silent.code).toBe('SERVER_UNREACHABLE');
    expect(silent.message).toBe(STREAM_SILENT_REASON);
    expect(silent.message).toMatch(/^大厅服务器无响应/);
    // Alive through the beats (400 ms > 200 ms idle), dead ~200 ms after the last one.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2000);

    // Not even the headers: the opening is bounded too.
    answer = () => {};
    const mute = await failure(client.listen(() => {}, new AbortController().signal));
    expect(mute.message).toBe(STREAM_SILENT_REASON);

    // The caller's own abort of an open stream is a quiet end, not an error.
    answer = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"type":"hello","version":1}\n\n');
    };
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    await expect(new HallClient({ baseUrl: base, streamIdleMs: 5000 }).listen(() => {}, stop.signal)).resolves.toBeUndefined();
  });
});
