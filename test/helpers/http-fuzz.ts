// Hostile HTTP, as raw bytes over plain TCP: a reusable fuzz generator and a
// sender. The generator is pure given its random source: the same seed gives
// the same requests. Nothing here knows the hall server; a target is a host,
// a port, some known-good routes and the credentials to try.
//
//   const requests = httpFuzzRequests({ random: createSeededRandom(7), target, routes, credentials });
//   const figures = await runFuzz(target, requests, { count: 2000, concurrency: 16 });
//
// What it sends: good requests (to give the fuzz something real to chew on),
// malformed %-escapes and odd paths, huge and odd headers, bad / oversize /
// invalid bodies, bad methods and request lines, truncated requests, pipelined
// ones, and slow clients (dribbling, or stalling until the server cuts them off).
import { connect } from 'node:net';

export interface FuzzTarget {
  host: string;
  port: number;
}

/** How a request carries a token: a header, a query parameter, or both. */
export interface FuzzCredential {
  /** Names it in the figures, e.g. 'none', 'kiosk', 'bogus'. */
  label: string;
  header?: { name: string; value: string };
  query?: { name: string; value: string };
}

/** A request the target answers when it is well-formed: the fuzz starts from these. */
export interface FuzzRoute {
  method: string;
  /** A concrete path with its query, e.g. /v1/windows/3/state or /v1/sync/pull?stream=config. */
  path: string;
  /** JSON body, for routes that take one. */
  body?: unknown;
  /** Extra headers a good request carries (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

export const FUZZ_KINDS = [
  'valid',
  'bad-escape',
  'odd-path',
  'huge-header',
  'odd-header',
  'bad-body',
  'oversize-body',
  'bad-method',
  'bad-request-line',
  'truncated',
  'pipelined',
  'slow',
  'stalled',
] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

export interface FuzzOptions {
  /** A seeded source in [0, 1): the same seed gives the same requests. */
  random: () => number;
  target: FuzzTarget;
  routes: readonly FuzzRoute[];
  /** Each request picks one of these; include { label: 'none' } for requests without a token. */
  credentials: readonly FuzzCredential[];
  /** The target's body limit: oversize bodies go past it (default 64 KiB). */
  bodyLimit?: number;
  /** Pause between the chunks of a slow client (default 150 ms). */
  slowPauseMs?: number;
  /** Relative weights of the kinds (default: every kind 1, valid 3, slow and stalled 0.3). */
  weights?: Partial<Record<FuzzKind, number>>;
}

export interface FuzzRequest {
  kind: FuzzKind;
  credential: string;
  /** What it is, for a failure message: the first bytes of the request line. */
  summary: string;
  /** Written in order, pauseMs apart. */
  chunks: Buffer[];
  pauseMs: number;
  /** After the last chunk: half-close our side ('end'), keep it open for the server to answer or cut ('hold'), or reset ('destroy'). */
  then: 'end' | 'hold' | 'destroy';
}

export interface FuzzAnswer {
  /** The status of the first response; null when none came. */
  status: number | null;
  /** Its content-type, lower case; null when none. */
  contentType: string | null;
  /** Its headers, lower-case names (the first response only). */
  headers: Record<string, string>;
  /** Its body as text (up to 64 KiB). */
  body: string;
  /** The body was longer than what `body` keeps (or not all of it came). */
  bodyCut: boolean;
  /** Who ended the exchange: a whole answer read, the server closed, or our timeout. */
  ended: 'answer' | 'closed' | 'timeout';
  /** A socket error, e.g. ECONNRESET (the server cut a request off); null when none. */
  error: string | null;
  ms: number;
}

const DEFAULT_WEIGHTS: Record<FuzzKind, number> = {
  valid: 3,
  'bad-escape': 1,
  'odd-path': 1,
  'huge-header': 1,
  'odd-header': 1,
  'bad-body': 1.5,
  'oversize-body': 0.7,
  'bad-method': 1,
  'bad-request-line': 1,
  truncated: 1,
  pipelined: 0.7,
  slow: 0.3,
  stalled: 0.3,
};

const BAD_ESCAPES = ['%E0%A4%A', '%', '%%', '%zz', '%0', '%00', '%C0%AF', '%ED%A0%80', '%FF%FE', '%u0041', '%2', '%E4%B8'];
const ODD_PATHS = [
  '*',
  '//',
  '/v1/../v1/health',
  '/v1/./health',
  '/v1//health',
  '/v1/health/',
  '/V1/HEALTH',
  'http://evil.example/v1/health',
  '/v1/windows/-1/state',
  '/v1/windows/0/state',
  '/v1/windows/1e9/state',
  '/v1/windows/99999999999999999999/state',
  '/v1/windows/3.5/state',
  '/v1/windows/%20/state',
  '/v1/windows/3/state?id=4&id=5',
  '/v1/sync/pull?stream=config&stream=queue',
  '/v1/sync/pull?cursor=-1&stream=config',
  '/v1/sync/pull?stream=config&limit=1e3',
  '/v1/sync/pull?__proto__[x]=1&stream=config',
  '/v1/admin/cases/../../etc/passwd',
  '/v1/devices/%2e%2e/proof',
  '/.env',
  '/v1/health?\u00e9',
];
const BAD_METHODS = ['FOO', 'get', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PROPFIND', 'G\u00c9T', 'GET GET', 'DELETE', 'PUT', 'M-SEARCH', ''];
const BAD_REQUEST_LINES = [
  'GET /v1/health HTTP/9.9',
  'GET /v1/health',
  'GET /v1/health HTTP/1.1 extra',
  'GET  /v1/health  HTTP/1.1',
  'GET /v1/health http/1.1',
  'GET /v1/health HTTP/1.',
  'PRI * HTTP/2.0\r\n\r\nSM',
  '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003',
  'GET /v1/\u0000health HTTP/1.1',
  'GET /v1/health\tHTTP/1.1',
  '\r\n\r\n',
  'GET',
  'GET /v1/h\u4e2dealth HTTP/1.1',
];
const BAD_BODIES = [
  '{"code": ',
  '{',
  '[]',
  'null',
  '""',
  '0',
  'true',
  '{"a":1,}',
  "{'code':'12345678'}",
  '{"code":"12345678","deviceName":"x","__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"staffNo":1002,"password":123456}',
  '{"staffNo":"1002","password":"' + 'x'.repeat(200) + '"}',
  '{"lineId":"A","priority":"vip"}',
  '{"lineId":"\u0000"}',
  '{"n":1e999}',
  '{"n":-0}',
  '\uFEFF{"lineId":"A"}',
  '{"deviceId":"x","mutations":[{"seq":1}]}',
  '{"deviceId":"x","mutations":' + JSON.stringify(Array.from({ length: 600 }, (_, seq) => ({ seq }))) + '}',
  '\u00ff\u00fe\u00fd',
  '\ud800',
];

/** Something of `items`, by the random source. */
function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
const chance = (random: () => number, p: number) => random() < p;

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function randomAscii(random: () => number, length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

/** JSON nested `depth` deep: [[[…]]] or {"a":{"a":…}}. */
function deepJson(depth: number, objects: boolean): string {
  return objects ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

interface Head {
  method: string;
  path: string;
  version: string;
  headers: [string, string][];
}

function withCredential(path: string, credential: FuzzCredential): string {
  if (!credential.query) return path;
  const separator = path.includes('?') ? '&' : '?';
  return `${path}${separator}${encodeURIComponent(credential.query.name)}=${encodeURIComponent(credential.query.value)}`;
}

function baseHead(target: FuzzTarget, route: FuzzRoute, credential: FuzzCredential, close = true): Head {
  const headers: [string, string][] = [['Host', `${target.host}:${target.port}`]];
  if (credential.header) headers.push([credential.header.name, credential.header.value]);
  for (const [name, value] of Object.entries(route.headers ?? {})) headers.push([name, value]);
  headers.push(['Accept', 'application/json']);
  if (close) headers.push(['Connection', 'close']);
  return { method: route.method, path: withCredential(route.path, credential), version: 'HTTP/1.1', headers };
}

/** The bytes of a request: head, then a body sent with Content-Length (unless the head says otherwise). */
function serialize(head: Head, body: Buffer | null, options: { contentLength?: number | null } = {}): Buffer {
  const headers = [...head.headers];
  if (body !== null) {
    if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
    const declared = options.contentLength === undefined ? body.length : options.contentLength;
    if (declared !== null && !headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))) {
      headers.push(['Content-Length', String(declared)]);
    }
  }
  const text = `${head.method} ${head.path} ${head.version}\r\n${headers.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(text, 'latin1'), body ?? Buffer.alloc(0)]);
}

const jsonBody = (route: FuzzRoute) => (route.body === undefined ? null : Buffer.from(JSON.stringify(route.body)));

/** Splits bytes into `parts` pieces at random places. */
function splitRandomly(random: () => number, bytes: Buffer, parts: number): Buffer[] {
  const cuts = Array.from({ length: parts - 1 }, () => Math.floor(random() * bytes.length)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    if (at > from) chunks.push(bytes.subarray(from, at));
    from = Math.max(from, at);
  }
  return chunks.length > 0 ? chunks : [bytes];
}

/** Endless hostile requests, deterministic for a given random source. */
export function* httpFuzzRequests(options: FuzzOptions): Generator<FuzzRequest> {
  const { random, target, routes, credentials } = options;
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const slowPauseMs = options.slowPauseMs ?? 150;
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const kinds = FUZZ_KINDS.filter((kind) => weights[kind] > 0);
  const total = kinds.reduce((sum, kind) => sum + weights[kind], 0);
  const pickKind = (): FuzzKind => {
    let left = random() * total;
    for (const kind of kinds) {
      left -= weights[kind];
      if (left < 0) return kind;
    }
    return kinds.at(-1)!;
  };

  for (;;) {
    const kind = pickKind();
    const credential = pick(random, credentials);
    const route = pick(random, routes);
    const head = baseHead(target, route, credential);
    let chunks: Buffer[];
    let pauseMs = 0;
    let then: FuzzRequest['then'] = 'end';
    switch (kind) {
      case 'valid':
        chunks = [serialize(head, jsonBody(route))];
        if (chance(random, 0.2)) then = 'hold'; // answered with Connection: close anyway
        break;
      case 'bad-escape': {
        const escape = pick(random, BAD_ESCAPES);
        const segments = head.path.split('?');
        const where = random();
        head.path =
          where < 0.4
            ? `${segments[0]}${escape}${segments[1] === undefined ? '' : `?${segments[1]}`}`
            : where < 0.7
              ? `${head.path}${head.path.includes('?') ? '&' : '?'}${escape}=${escape}`
              : head.path.replace(/\/[^/?]*(?=[/?]|$)/, `/${escape}`);
        chunks = [serialize(head, jsonBody(route))];
        break;
      }
      case 'odd-path': {
        const roll = random();
        head.path =
          roll < 0.6
            ? withCredential(pick(random, ODD_PATHS), credential)
            : roll < 0.8
              ? `/${'a/'.repeat(Math.floor(random() * 4000))}`
              : `${head.path}${'?x=' + randomAscii(random, 2000 + Math.floor(random() * 6000))}`;
        chunks = [serialize(head, jsonBody(route))];
        break;
      }
      case 'huge-header': {
        const roll = random();
        if (roll < 0.4) head.headers.push(['X-Big', 'x'.repeat(17_000 + Math.floor(random() * 40_000))]);
        else if (roll < 0.7) for (let i = 0; i < 150 + Math.floor(random() * 300); i++) head.headers.push([`X-H${i}`, randomAscii(random, 60)]);
        else if (roll < 0.85) head.headers.push(['Authorization', `Bearer ${'A'.repeat(8000 + Math.floor(random() * 12_000))}`]);
        else head.headers.push(['Cookie', randomAscii(random, 15_000)]);
        chunks = [serialize(head, jsonBody(route))];
        break;
      }
      case 'odd-header': {
        const variants: (() => void)[] = [
          () => (head.headers[0] = ['Host', 'evil.example']),
          () => (head.headers[0] = ['Host', `evil.example:${target.port}`]),
          () => (head.headers[0] = ['Host', '']),
          () => head.headers.shift(),
          () => head.headers.push(['Host', 'second.example']),
          () => (head.headers[0] = ['Host', `${target.host}:${target.port}, evil.example`]),
          () => (head.headers[0] = ['Host', 'localhost.']),
          () => (head.headers[0] = ['Host', `[::1]:${target.port}`]),
          () => head.headers.push(['Authorization', 'Basic YWRtaW46YWRtaW4=']),
          () => head.headers.push(['Authorization', 'Bearer']),
          () => head.headers.push(['Authorization', `Bearer ${randomAscii(random, 43)}`]),
          () => head.headers.push(['Authorization', 'Bearer a b c']),
          () => head.headers.push(['X-Bad', 'a\u0001b']),
          () => head.headers.push(['X-Latin', '\u00e9\u00ff']),
          () => head.headers.push(['Bad Name', 'x']),
          () => head.headers.push(['X-Folded', 'a\r\n b']),
          () => head.headers.push(['Content-Length', '5'], ['Content-Length', '6']),
          () => head.headers.push(['Content-Length', '-1']),
          () => head.headers.push(['Content-Length', '0x10']),
          () => head.headers.push(['Transfer-Encoding', 'chunked'], ['Content-Length', '3']),
          () => head.headers.push(['Transfer-Encoding', 'gzip, chunked, identity']),
          () => head.headers.push(['Transfer-Encoding', 'chunkedx']),
          () => head.headers.push(['Expect', '100-continue']),
          () => head.headers.push(['Upgrade', 'websocket'], ['Connection', 'Upgrade']),
          () => head.headers.push(['Idempotency-Key', 'k'.repeat(500)]),
          () => head.headers.push(['Idempotency-Key', '']),
          () => head.headers.push(['Content-Type', 'text/plain; charset=utf-7']),
          () => (head.version = 'HTTP/1.0'),
        ];
        pick(random, variants)();
        chunks = [serialize(head, jsonBody(route) ?? (chance(random, 0.5) ? Buffer.from('{}') : null))];
        break;
      }
      case 'bad-body': {
        if (head.method === 'GET' && chance(random, 0.5)) head.method = 'POST';
        const roll = random();
        const body =
          roll < 0.55
            ? Buffer.from(pick(random, BAD_BODIES))
            : roll < 0.7
              ? Buffer.from(deepJson(1000 + Math.floor(random() * 20_000), chance(random, 0.5)))
              : roll < 0.85
                ? randomBytes(random, 1 + Math.floor(random() * 2000))
                : Buffer.from(JSON.stringify({ ...(route.body as object), extra: randomAscii(random, 500) }));
        if (chance(random, 0.3)) {
          // Chunked, sometimes with a broken chunk size.
          head.headers.push(['Transfer-Encoding', 'chunked']);
          const size = chance(random, 0.7) ? body.length.toString(16) : pick(random, ['zz', '-1', 'ffffffffffffffff', '']);
          chunks = [serialize(head, Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]), { contentLength: null })];
        } else if (chance(random, 0.2)) {
          // Declares less than it sends: the rest looks like a next request.
          chunks = [serialize(head, body, { contentLength: Math.floor(body.length / 2) })];
        } else {
          chunks = [serialize(head, body)];
        }
        break;
      }
      case 'oversize-body': {
        if (head.method === 'GET' && chance(random, 0.7)) head.method = 'POST';
        const size = bodyLimit + 1 + Math.floor(random() * bodyLimit * 3);
        const roll = random();
        if (roll < 0.4) {
          // The whole of it, declared.
          chunks = [serialize(head, Buffer.from(`{"x":"${'y'.repeat(size)}"}`))];
        } else if (roll < 0.7) {
          // Declares gigabytes, sends a little, and waits for the verdict.
          chunks = [serialize(head, Buffer.from('{"x":"'), { contentLength: 2 ** 31 + Math.floor(random() * 2 ** 30) })];
          then = 'hold';
        } else {
          // Chunked past the limit, never declared.
          head.headers.push(['Transfer-Encoding', 'chunked']);
          const piece = 'z'.repeat(16 * 1024);
          const body = Array.from({ length: Math.ceil(size / piece.length) }, () => `${piece.length.toString(16)}\r\n${piece}\r\n`).join('') + '0\r\n\r\n';
          chunks = [serialize(head, Buffer.from(body), { contentLength: null })];
        }
        break;
      }
      case 'bad-method':
        head.method = pick(random, BAD_METHODS);
        chunks = [serialize(head, jsonBody(route))];
        break;
      case 'bad-request-line': {
        const line = chance(random, 0.8) ? pick(random, BAD_REQUEST_LINES) : randomBytes(random, 1 + Math.floor(random() * 300)).toString('latin1');
        chunks = [Buffer.from(`${line}\r\nHost: ${target.host}:${target.port}\r\nConnection: close\r\n\r\n`, 'latin1')];
        break;
      }
      case 'truncated': {
        const whole = serialize(head, jsonBody(route) ?? Buffer.from('{"lineId":"A"}'));
        chunks = [whole.subarray(0, 1 + Math.floor(random() * (whole.length - 1)))];
        then = chance(random, 0.5) ? 'end' : 'destroy';
        break;
      }
      case 'pipelined': {
        const count = 2 + Math.floor(random() * 4);
        const parts: Buffer[] = [];
        for (let i = 0; i < count; i++) {
          const next = pick(random, routes);
          const last = i === count - 1;
          const nextHead = baseHead(target, next, pick(random, credentials), last);
          if (!last && chance(random, 0.3)) nextHead.path = `${nextHead.path}${pick(random, BAD_ESCAPES)}`;
          parts.push(serialize(nextHead, jsonBody(next)));
        }
        chunks = [Buffer.concat(parts)];
        break;
      }
      case 'slow': {
        // Dribbles a good request in, a little at a time, within any sane timeout.
        const whole = serialize(head, jsonBody(route));
        chunks = splitRandomly(random, whole, 2 + Math.floor(random() * 4));
        pauseMs = slowPauseMs;
        break;
      }
      case 'stalled': {
        // Sends part of the head (or all of it and part of the body), then waits for the server to give up.
        const whole = serialize(head, jsonBody(route) ?? Buffer.from('{"lineId":"A"}'), chance(random, 0.5) ? { contentLength: 100_000 } : {});
        const headEnd = whole.indexOf('\r\n\r\n');
        const cutAt = chance(random, 0.5) ? 1 + Math.floor(random() * Math.max(1, headEnd - 1)) : Math.min(whole.length, headEnd + 4 + Math.floor(random() * 10));
        chunks = [whole.subarray(0, cutAt)];
        then = 'hold';
        break;
      }
    }
    const firstLine = Buffer.concat(chunks).subarray(0, 120).toString('latin1').split('\r\n')[0] ?? '';
    yield { kind, credential: credential.label, summary: firstLine.slice(0, 100), chunks, pauseMs, then };
  }
}

const MAX_BODY_KEPT = 64 * 1024;

/**
 * Sends one request over a fresh TCP connection and reads the first answer:
 * done when a whole response is read (Content-Length, chunked end, or the
 * first bytes of an event stream), when the server closes, or at `timeoutMs`.
 */
export function sendRaw(target: FuzzTarget, request: FuzzRequest, { timeoutMs = 10_000 } = {}): Promise<FuzzAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const received: Buffer[] = [];
    let size = 0;
    let error: string | null = null;
    let settled = false;
    const timers: ReturnType<typeof setTimeout>[] = [];

    const finish = (ended: FuzzAnswer['ended']) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseAnswer(Buffer.concat(received)), ended, error, ms: Math.round(performance.now() - started) });
    };

    timers.push(setTimeout(() => finish('timeout'), timeoutMs));
    socket.on('data', (chunk: Buffer) => {
      if (size < MAX_BODY_KEPT * 2) received.push(chunk);
      size += chunk.length;
      if (answerComplete(Buffer.concat(received))) finish('answer');
    });
    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    socket.on('close', () => finish('closed'));
    socket.on('end', () => finish('closed'));
    socket.once('connect', () => {
      let index = 0;
      const writeNext = () => {
        if (settled || socket.destroyed) return;
        const chunk = request.chunks[index++];
        if (chunk === undefined) {
          if (request.then === 'end') socket.end();
          else if (request.then === 'destroy') finish('closed');
          return;
        }
        socket.write(chunk);
        if (index < request.chunks.length && request.pauseMs > 0) timers.push(setTimeout(writeNext, request.pauseMs));
        else writeNext();
      };
      writeNext();
    });
  });
}

function splitHead(bytes: Buffer): { head: string; rest: Buffer } | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  return { head: bytes.subarray(0, end).toString('latin1'), rest: bytes.subarray(end + 4) };
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  return headers;
}

/** Whether `bytes` hold a whole first response. */
function answerComplete(bytes: Buffer): boolean {
  const parts = splitHead(bytes);
  if (!parts) return false;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(parts.head)?.[1]);
  if (status === 100) return answerComplete(parts.rest);
  const headers = headersOf(parts.head);
  if ((headers['content-type'] ?? '').startsWith('text/event-stream')) return parts.rest.length > 0;
  if (headers['content-length'] !== undefined) return parts.rest.length >= Number(headers['content-length']);
  if ((headers['transfer-encoding'] ?? '').includes('chunked')) return parts.rest.includes('\r\n0\r\n\r\n') || parts.rest.subarray(0, 5).toString() === '0\r\n\r\n';
  return status === 204 || status === 304;
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function parseAnswer(bytes: Buffer): Pick<FuzzAnswer, 'status' | 'contentType' | 'headers' | 'body' | 'bodyCut'> {
  let parts = splitHead(bytes);
  if (parts && /^HTTP\/1\.[01] 100/.test(parts.head)) parts = splitHead(parts.rest);
  if (!parts) return { status: null, contentType: null, headers: {}, body: '', bodyCut: false };
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(parts.head)?.[1]);
  const headers = headersOf(parts.head);
  const raw = (headers['transfer-encoding'] ?? '').includes('chunked') ? dechunk(parts.rest) : parts.rest;
  const length = headers['content-length'] === undefined ? raw.length : Number(headers['content-length']);
  return {
    status: Number.isInteger(status) ? status : null,
    contentType: headers['content-type']?.toLowerCase() ?? null,
    headers,
    body: raw.subarray(0, Math.min(length, MAX_BODY_KEPT)).toString('utf8'),
    bodyCut: raw.length < length || length > MAX_BODY_KEPT,
  };
}

export interface FuzzFigures {
  requests: number;
  /** Answers by status ('none' when no answer came: cut off, reset or closed). */
  byStatus: Record<string, number>;
  /** Requests by kind. */
  byKind: Record<string, number>;
  /** Socket errors by code (a cut-off request is ECONNRESET or EPIPE: not a failure by itself). */
  errors: Record<string, number>;
  /** Exchanges our own timeout ended: the target neither answered nor closed. */
  timeouts: number;
  ms: number;
}

/**
 * Sends `count` requests from `requests`, `concurrency` at a time, each on
 * its own connection. `onAnswer` sees every exchange (e.g. to check it).
 */
export async function runFuzz(
  target: FuzzTarget,
  requests: Iterator<FuzzRequest>,
  options: {
    count: number;
    concurrency?: number;
    timeoutMs?: number;
    onAnswer?: (request: FuzzRequest, answer: FuzzAnswer) => void;
  },
): Promise<FuzzFigures> {
  const figures: FuzzFigures = { requests: 0, byStatus: {}, byKind: {}, errors: {}, timeouts: 0, ms: 0 };
  const started = performance.now();
  let left = options.count;
  const worker = async () => {
    while (left > 0) {
      left--;
      const next = requests.next();
      if (next.done) return;
      const request = next.value;
      const answer = await sendRaw(target, request, { timeoutMs: options.timeoutMs });
      figures.requests++;
      figures.byKind[request.kind] = (figures.byKind[request.kind] ?? 0) + 1;
      const status = answer.status === null ? 'none' : String(answer.status);
      figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
      if (answer.error) figures.errors[answer.error] = (figures.errors[answer.error] ?? 0) + 1;
      if (answer.ended === 'timeout') figures.timeouts++;
      options.onAnswer?.(request, answer);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  figures.ms = Math.round(performance.now() - started);
  return figures;
}
