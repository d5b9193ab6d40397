// Every request is hostile (issue 15): malformed %-escapes, odd methods and
// headers, paths out of the build folder, bad WebSocket upgrades, invalid and
// oversized frames, a core that throws or answers what JSON cannot carry.
// Each gets a refusal or a closed socket — and the host keeps serving (an
// uncaught error here would fail the run). Raw bytes over loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WIRE_MESSAGE_MAX_BYTES } from '../../common/contract.ts';
import type { EventName } from '../../common/ipc-names.ts';
import type { CounterCore } from '../../main/bridge.ts';
import { MAX_CALLS_IN_FLIGHT, startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { CLOSE_REASONS } from '../../main/host/host-socket.ts';
import { closeOf, frame, parseServerFrames, rawExchange, rawWebSocket, statusOf } from './raw-client.ts';
import { stubRendererDir } from './stub-renderer.ts';

const CLERK = 'clerk-token-for-hostile-tests';
const OUTWARD = 'outward-token-for-hostile-tests';
let host: BrowserHost;
let port: number;
let emit: (name: EventName, payload: unknown) => void = () => {};
const hanging: (() => void)[] = [];
const core: CounterCore = {
  call(name) {
    if (name === 'callNext') throw new Error('boom (synchronous)');
    if (name === 'recall') return Promise.reject(new TypeError('boom (rejected)'));
    if (name === 'noShow') return Promise.resolve({ big: 1n });
    if (name === 'complete') {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      return Promise.resolve(circular);
    }
    if (name === 'listCases') return new Promise((resolve) => hanging.push(() => resolve([])));
    return Promise.resolve({ called: name });
  },
  subscribe(listener) {
    emit = listener;
    return () => {};
  },
};

beforeAll(async () => {
  host = await startBrowserHost({ core, staticDir: stubRendererDir(), tokens: { clerk: CLERK, outward: OUTWARD } });
  port = Number(new URL(host.origin).port);
});
afterAll(async () => {
  for (const release of hanging) release();
  await host.close();
});

const get = (target: string, headers = `Host: 127.0.0.1:${port}\r\n`) =>
  rawExchange(port, `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);

/** The host still serves a page and answers a call. */
async function stillServing() {
  expect((await fetch(host.clerkUrl)).status).toBe(200);
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws?token=${CLERK}`, { origin: host.origin });
  const reply = await new Promise<unknown>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, name: 'getClerkState', args: {} })));
    ws.once('message', (data) => resolve(JSON.parse(data.toString())));
  });
  expect(reply).toEqual({ type: 'reply', id: 1, ok: true, result: { called: 'getClerkState' } });
  ws.close();
}

describe('hostile HTTP requests', () => {
  it('a malformed %-escape in the path is refused, not a crash', async () => {
    for (const target of ['/%E0%A4%A', '/%', '/%zz.html', '/clerk.html%', '/assets/%E0%A4%A.js', `/%E0%A4%A?token=${CLERK}`]) {
      expect(statusOf(await get(target)), target).toBe(404);
    }
    expect(statusOf(await get('/clerk.html?token=%E0%A4%A'))).toBe(403);
    await stillServing();
  });

  it('paths out of the build folder, NUL bytes and odd request targets are refused', async () => {
    const targets = ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/..%5c..%5cwindows', '/%00', '/clerk.html%00.js', '/C:%5cWindows', '//etc/passwd', '/assets/'];
    for (const target of targets) expect(statusOf(await get(target)), target).toBe(404);
    expect(statusOf(await get('*'))).toBe(400);
    expect(statusOf(await get(`http://127.0.0.1:${port}/clerk.html?token=${CLERK}`))).toBe(400);
    await stillServing();
  });

  it('methods other than GET and HEAD get 405 (or 400 from the parser)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND']) {
      const answer = await rawExchange(port, `${method} /clerk.html?token=${CLERK} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`);
      expect(statusOf(answer), method).toBe(405);
      expect(answer).toMatch(/allow: GET, HEAD/i);
    }
    for (const line of ['FOO\x01 / HTTP/1.1', 'GET / HTTP/9.9', 'GET', '\x00\x01\x02']) {
      expect(statusOf(await rawExchange(port, `${line}\r\nHost: 127.0.0.1:${port}\r\n\r\n`)), JSON.stringify(line)).toBe(400);
    }
    const head = await rawExchange(port, `HEAD ${new URL(host.clerkUrl).pathname}?token=${CLERK} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(head)).toBe(200);
    expect(head).not.toContain('<title>');
    await stillServing();
  });

  it('odd headers: a foreign or missing Host, huge headers, bad header bytes, a bad body length', async () => {
    expect(statusOf(await get('/assets/app.js', 'Host: evil.example\r\n'))).toBe(403);
    expect(statusOf(await rawExchange(port, 'GET /assets/app.js HTTP/1.0\r\n\r\n'))).toBe(403);
    expect(statusOf(await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nHost: evil.example\r\n`))).toBe(403);
    expect(statusOf(await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(20_000)}\r\n`))).toBe(431);
    expect(statusOf(await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nX-Bad\x01: yes\r\n`))).toBe(400);
    expect(statusOf(await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nContent-Length: -1\r\n`))).toBe(400);
    expect(statusOf(await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n`))).toBe(400);
    const ok = await get('/assets/app.js', `Host: 127.0.0.1:${port}\r\nX-Odd: ${'é'.repeat(50)}\r\nCookie: ;;;\r\n`);
    expect(statusOf(ok)).toBe(200);
    expect(ok).toMatch(/content-security-policy: [^\r]*frame-ancestors 'none'/i);
    expect(ok).toMatch(/x-content-type-options: nosniff/i);
    await stillServing();
  });
});

describe('hostile WebSocket upgrades', () => {
  const upgrade = (target: string, extra: Record<string, string | null> = {}) => {
    const headers: Record<string, string | null> = {
      Host: `127.0.0.1:${port}`,
      Origin: host.origin,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      ...extra,
    };
    const lines = Object.entries(headers).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
    return rawExchange(port, `GET ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  };

  it('refuses every bad upgrade with a status, never a crash', async () => {
    const ok = `/ws?token=${CLERK}`;
    expect(statusOf(await upgrade(ok))).toBe(101);
    const cases: [string, Record<string, string | null>, number][] = [
      ['/other', {}, 404],
      ['/ws/../ws', {}, 404],
      ['/ws?token=%E0%A4%A', {}, 403],
      ['/ws', {}, 403],
      [`/ws?token=${CLERK}x`, {}, 403],
      [ok, { Origin: 'http://evil.example' }, 403],
      [ok, { Origin: null }, 403],
      [ok, { Host: 'evil.example' }, 403],
      [ok, { 'Sec-WebSocket-Key': null }, 400],
      [ok, { 'Sec-WebSocket-Key': 'short' }, 400],
      [ok, { 'Sec-WebSocket-Version': '7' }, 400],
      [ok, { 'Sec-WebSocket-Version': 'abc' }, 400],
      [ok, { Upgrade: 'h2c' }, 400],
      [ok, { 'Sec-WebSocket-Protocol': ',,,' }, 400],
    ];
    for (const [target, headers, status] of cases) {
      expect(statusOf(await upgrade(target, headers)), `${target} ${JSON.stringify(headers)}`).toBe(status);
    }
    // An upgrade on a method other than GET.
    expect(statusOf(await rawExchange(port, `POST /ws?token=${CLERK} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${host.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`))).toBe(405);
    await stillServing();
  });

  it('a client that resets mid-upgrade does not take the host down', async () => {
    for (let i = 0; i < 20; i++) {
      await rawExchange(port, `GET /ws?token=${CLERK} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`, 20);
    }
    await stillServing();
  });
});

describe('hostile WebSocket frames', () => {
  const open = () => rawWebSocket(port, `/ws?token=${CLERK}`, host.origin);

  it(`a message over ${WIRE_MESSAGE_MAX_BYTES} bytes closes that socket with 1009 and a Chinese reason; the host lives`, async () => {
    const raw = await open();
    const call = JSON.stringify({ type: 'call', id: 1, name: 'importDeviceSetup', args: { text: 'x'.repeat(WIRE_MESSAGE_MAX_BYTES) } });
    raw.socket.write(frame(call));
    await raw.closed;
    expect(closeOf(raw.received())).toEqual({ code: 1009, reason: CLOSE_REASONS[1009] });
    expect(CLOSE_REASONS[1009]).toMatch(/消息超过 1 MiB 上限/);
    await stillServing();
  });

  it('a header claiming 2^63 bytes, or fragments adding up past the limit, close with 1009 before the bytes come', async () => {
    const claimed = await open();
    claimed.socket.write(frame('x', { claimedLength: 2n ** 63n - 1n }));
    await claimed.closed;
    expect(closeOf(claimed.received())?.code).toBe(1009);

    const fragments = await open();
    const part = 'y'.repeat(600 * 1024);
    fragments.socket.write(frame(part, { fin: false, opcode: 0x1 }));
    fragments.socket.write(frame(part, { fin: true, opcode: 0x0 }));
    await fragments.closed;
    expect(closeOf(fragments.received())?.code).toBe(1009);
    await stillServing();
  });

  it('invalid UTF-8 closes with 1007, an unmasked frame, reserved bits or a bad opcode with 1002', async () => {
    const cases: [Buffer, number][] = [
      [frame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
      [frame('{}', { mask: false }), 1002],
      [frame('{}', { rsv: 4 }), 1002],
      [frame('{}', { opcode: 0x3 }), 1002],
      [frame('{}', { opcode: 0x0 }), 1002],
      [frame('x'.repeat(200), { opcode: 0x9 }), 1002],
    ];
    for (const [bytes, code] of cases) {
      const raw = await open();
      raw.socket.write(bytes);
      await raw.closed;
      const close = closeOf(raw.received());
      expect(close?.code, bytes.subarray(0, 2).toString('hex')).toBe(code);
      if (CLOSE_REASONS[code]) expect(close?.reason).toBe(CLOSE_REASONS[code]);
    }
    await stillServing();
  });

  it('binary, fragmented and odd JSON messages get answers; the socket stays open', async () => {
    const raw = await open();
    raw.socket.write(frame(Buffer.from([1, 2, 3]), { opcode: 0x2 }));
    const call = JSON.stringify({ type: 'call', id: 5, name: 'getClerkState', args: {} });
    raw.socket.write(frame(call.slice(0, 10), { fin: false }));
    raw.socket.write(frame('', { fin: false, opcode: 0x0 }));
    raw.socket.write(frame(call.slice(10), { fin: true, opcode: 0x0 }));
    for (const text of ['', 'null', '[]', '"call"', '{"id":1e400}', '{"type":"call","id":-1,"name":"getClerkState"}', '{"type":"call","id":1.5,"name":"getClerkState","args":{}}', `{"type":"call","id":6,"name":"getClerkState","args":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, '{"__proto__":{"x":1},"type":"call","id":7,"name":"toString","args":{}}']) {
      raw.socket.write(frame(text));
    }
    raw.socket.write(frame(JSON.stringify({ type: 'call', id: 9, name: 'getOutwardView', args: {} })));
    await expect.poll(() => parseServerFrames(raw.received()).length, { timeout: 5_000 }).toBe(12);
    const replies = parseServerFrames(raw.received()).map((f) => JSON.parse(f.payload.toString()) as { id: number; ok: boolean; error?: { code: string; message: string } });
    // Answers to calls come when the call is done, refusals at once: match by id.
    expect(replies.filter((r) => r.ok).map((r) => r.id).sort()).toEqual([5, 9]);
    const refused = replies.filter((r) => !r.ok);
    expect(refused).toHaveLength(10);
    expect(refused.every((r) => r.error?.code === 'BAD_REQUEST')).toBe(true);
    expect(refused.some((r) => r.error?.message.includes('二进制'))).toBe(true);
    raw.socket.destroy();
    await stillServing();
  });

  it('a call that throws, rejects or answers what JSON cannot carry is an INTERNAL reply', async () => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws?token=${CLERK}`, { origin: host.origin });
    await new Promise((resolve) => ws.once('open', resolve));
    const replies = new Map<number, { ok: boolean; error?: { code: string } }>();
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id: number; ok: boolean };
      replies.set(message.id, message);
    });
    ['callNext', 'recall', 'noShow', 'complete'].forEach((name, i) => ws.send(JSON.stringify({ type: 'call', id: i + 1, name, args: {} })));
    await expect.poll(() => replies.size).toBe(4);
    for (const reply of replies.values()) expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    // An event whose payload cannot be written as JSON reaches nobody, and harms nothing.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => emit('clerkState', circular)).not.toThrow();
    expect(() => emit('clerkState', { big: 1n })).not.toThrow();
    ws.close();
    await stillServing();
  });

  it(`more than ${MAX_CALLS_IN_FLIGHT} calls at once from one page: the rest are answered BUSY`, async () => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws?token=${CLERK}`, { origin: host.origin });
    await new Promise((resolve) => ws.once('open', resolve));
    const codes: string[] = [];
    ws.on('message', (data) => codes.push((JSON.parse(data.toString()) as { error?: { code: string } }).error?.code ?? 'OK'));
    for (let id = 1; id <= MAX_CALLS_IN_FLIGHT + 5; id++) ws.send(JSON.stringify({ type: 'call', id, name: 'listCases', args: {} }));
    await expect.poll(() => codes.length).toBe(5);
    expect(codes).toEqual(Array(5).fill('BUSY'));
    for (const release of hanging.splice(0)) release();
    await expect.poll(() => codes.length).toBe(MAX_CALLS_IN_FLIGHT + 5);
    ws.close();
  });
});
