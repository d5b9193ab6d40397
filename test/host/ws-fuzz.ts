// Hostile WebSocket sessions against the browser host, as raw bytes over
// plain TCP: an upgrade (good, or with a bad Origin, Host, key, version, path
// or token), then frames — calls with and without sense, invalid JSON, wrong
// shapes, deep JSON, binary, fragmented, dribbled, pings — and often a last
// frame that must close the socket: over the size limit (sent, or only
// claimed), not UTF-8, a bad opcode, reserved bits, unmasked, an overlong
// control frame, a stray continuation, a close, a truncated frame or a reset.
// Deterministic for a given random source. Used by test/host/fuzz.test.ts and
// scripts/fuzz-http.ts; the HTTP side is test/helpers/http-fuzz.ts.
import { connect } from 'node:net';
import { calls } from '../../common/contract.ts';
import { CALL_NAMES, type ScreenRole } from '../../common/ipc-names.ts';
import { frame, parseServerFrames } from './raw-client.ts';

export const WS_FRAME_KINDS = [
  'call',
  'call-bad-args',
  'invalid-json',
  'wrong-shape',
  'deep-json',
  'binary',
  'fragmented',
  'slow',
  'ping',
] as const;
/** Frames after which the host must end the session. */
export const WS_LAST_KINDS = [
  'oversize',
  'claimed-huge',
  'oversize-fragments',
  'invalid-utf8',
  'bad-opcode',
  'reserved-bits',
  'unmasked',
  'long-control',
  'stray-continuation',
  'close',
  'truncated',
  'reset',
] as const;
export type WsFrameKind = (typeof WS_FRAME_KINDS)[number] | (typeof WS_LAST_KINDS)[number];

/** The close code the host must answer a last frame with; null: any (or none). */
export const EXPECTED_CLOSE: Record<(typeof WS_LAST_KINDS)[number], number | null> = {
  oversize: 1009,
  'claimed-huge': 1009,
  'oversize-fragments': 1009,
  'invalid-utf8': 1007,
  'bad-opcode': 1002,
  'reserved-bits': 1002,
  unmasked: 1002,
  'long-control': 1002,
  'stray-continuation': 1002,
  close: null,
  truncated: null,
  reset: null,
};

export const UPGRADE_VARIANTS = ['good', 'bad-origin', 'no-origin', 'bad-host', 'bad-key', 'bad-version', 'wrong-path', 'bad-escape', 'token-in-header'] as const;
export type UpgradeVariant = (typeof UPGRADE_VARIANTS)[number];

export interface WsCredential {
  /** Names it in the figures: 'none', 'bogus', 'outward', 'clerk'. */
  label: string;
  token: string | null;
  /** The role the token is worth; null: none. */
  role: ScreenRole | null;
}

export interface WsSession {
  credential: WsCredential;
  upgrade: UpgradeVariant;
  /** The upgrade request's bytes. */
  request: Buffer;
  /** Whether the host must accept the upgrade (101). */
  accepted: boolean;
  /** Frames answered with exactly one reply each (pings with a pong). */
  frames: { kind: (typeof WS_FRAME_KINDS)[number]; chunks: Buffer[]; replies: 0 | 1; frameCount: number }[];
  /** The last frame(s), or null. */
  last: { kind: (typeof WS_LAST_KINDS)[number]; chunks: Buffer[] } | null;
  /** The call name of each call id sent. */
  callNames: Map<number, string>;
}

export interface WsFuzzOptions {
  random: () => number;
  target: { host: string; port: number };
  /** The host's own origin (http://127.0.0.1:port). */
  origin: string;
  credentials: readonly WsCredential[];
  /** The host's message limit (WIRE_MESSAGE_MAX_BYTES). */
  messageLimit: number;
  /** Frames per session before the last one: 1 … maxFrames (default 8). */
  maxFrames?: number;
  /** Chance that a session ends with a last frame (default 0.4). */
  lastChance?: number;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function randomText(random: () => number, length: number): string {
  const alphabet = 'abcXYZ019{}[]":,\\ \u4e2d\u6587\u00e9\ud83d\ude00\n\t';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Arguments that make sense for some calls, and many that make sense for none. */
const PLAUSIBLE_ARGS: unknown[] = [
  {},
  {},
  { staffNo: '1001', password: 'wrong-password' },
  { password: 'wrong-password' },
  { sessionId: 4_000_000_000, level: 5 },
  { sessionId: 0, level: 1 },
  { text: '{"kind":"halldesk.device-setup"}' },
  { lineId: 'A' },
  { id: 1 },
  { jobId: 1 },
  { caseNo: '20260302030010001', outcome: 'approved' },
  { serverUrl: 'http://127.0.0.1:1', code: '00000000' },
  { section: 'voice', value: { enabled: false, volume: 0 } },
];
const BAD_ARGS: unknown[] = [
  null,
  [],
  'x',
  42,
  { extra: true },
  { __proto__: { admin: true } },
  { constructor: { prototype: { polluted: 1 } } },
  { sessionId: -1, level: 9 },
  { sessionId: 1e300, level: '5' },
  { staffNo: 'x'.repeat(1000), password: '' },
  { text: 1 },
  { text: 'x'.repeat(300 * 1024) },
];
const WRONG_SHAPES = [
  '[]',
  '{}',
  'null',
  '"call"',
  '{"type":"call"}',
  '{"type":"call","id":"1","name":"getClerkState","args":{}}',
  '{"type":"reply","id":1,"ok":true,"result":{}}',
  '{"type":"event","name":"clerkState","payload":{}}',
  '{"type":"call","id":1,"name":"getClerkState","args":{},"extra":1}',
  '{"type":"call","id":1e308,"name":"getClerkState","args":{}}',
  '{"type":"call","id":-5,"name":"getClerkState","args":{}}',
  '{"type":"call","id":1.5,"name":"getClerkState","args":{}}',
  '{"type":"call","id":1,"name":"__proto__","args":{}}',
  '{"type":"call","id":1,"name":"constructor","args":{}}',
  '{"type":"call","id":1,"name":"toString","args":{}}',
  '{"type":"call","id":1,"name":"GETCLERKSTATE","args":{}}',
  '{"__proto__":{"type":"call"},"id":1,"name":"getClerkState"}',
  '{"type":"call","id":1,"name":"getClerkState","args":{},"type":"reply"}',
];

/** Endless sessions, deterministic for a given random source. */
export function* wsFuzzSessions(options: WsFuzzOptions): Generator<WsSession> {
  const { random, target, origin, credentials, messageLimit } = options;
  const maxFrames = options.maxFrames ?? 8;
  const lastChance = options.lastChance ?? 0.4;
  const host = `${target.host}:${target.port}`;
  for (;;) {
    const credential = pick(random, credentials);
    const upgrade: UpgradeVariant = random() < 0.75 ? 'good' : pick(random, UPGRADE_VARIANTS);
    const query = upgrade === 'bad-escape' ? 'token=%E0%A4%A' : credential.token === null || upgrade === 'token-in-header' ? '' : `token=${encodeURIComponent(credential.token)}`;
    const headers: [string, string][] = [
      ['Host', upgrade === 'bad-host' ? 'evil.example' : host],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', upgrade === 'bad-key' ? 'not-a-key' : randomBytes(random, 16).toString('base64')],
      ['Sec-WebSocket-Version', upgrade === 'bad-version' ? '12' : '13'],
    ];
    if (upgrade !== 'no-origin') headers.push(['Origin', upgrade === 'bad-origin' ? 'http://evil.example' : origin]);
    if (upgrade === 'token-in-header' && credential.token) headers.push(['Authorization', `Bearer ${credential.token}`]);
    const path = upgrade === 'wrong-path' ? pick(random, ['/wss', '/ws/', '/WS', '/ws%2f', '/clerk.html']) : '/ws';
    const request = Buffer.from(
      `GET ${path}${query ? `?${query}` : ''}${random() < 0.2 ? '&role=clerk' : ''} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`,
    );
    const accepted = upgrade === 'good' && credential.role !== null;

    const callNames = new Map<number, string>();
    // Call ids from 1000: the wrong shapes' ids (1, -5 …) are never a call's.
    let nextId = 1000;
    const callText = (args?: unknown) => {
      const id = nextId++;
      const name = pick(random, CALL_NAMES);
      callNames.set(id, name);
      return JSON.stringify({ type: 'call', id, name, args: args === undefined ? pick(random, PLAUSIBLE_ARGS) : args });
    };
    const frames: WsSession['frames'] = [];
    const one = (kind: (typeof WS_FRAME_KINDS)[number], bytes: Buffer, replies: 0 | 1 = 1) => frames.push({ kind, chunks: [bytes], replies, frameCount: 1 });
    const count = 1 + Math.floor(random() * maxFrames);
    for (let i = 0; i < count; i++) {
      const kind = pick(random, WS_FRAME_KINDS);
      switch (kind) {
        case 'call':
          one(kind, frame(callText()));
          break;
        case 'call-bad-args':
          one(kind, frame(callText(pick(random, BAD_ARGS))));
          break;
        case 'invalid-json':
          one(kind, frame(random() < 0.5 ? randomText(random, 1 + Math.floor(random() * 200)) : callText().slice(0, -1 - Math.floor(random() * 10))));
          break;
        case 'wrong-shape':
          one(kind, frame(pick(random, WRONG_SHAPES)));
          break;
        case 'deep-json': {
          const depth = 1000 + Math.floor(random() * 50_000);
          const text = random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : `{"type":"call","id":1,"name":"getOutwardView","args":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
          one(kind, frame(text));
          break;
        }
        case 'binary':
          one(kind, frame(random() < 0.5 ? randomBytes(random, 1 + Math.floor(random() * 500)) : Buffer.from(callText()), { opcode: 0x2 }));
          break;
        case 'fragmented': {
          const text = Buffer.from(callText());
          const parts = 2 + Math.floor(random() * 4);
          const size = Math.ceil(text.length / parts);
          const pieces: Buffer[] = [];
          for (let p = 0; p < parts; p++) {
            const piece = text.subarray(p * size, (p + 1) * size);
            pieces.push(frame(piece, { fin: p === parts - 1, opcode: p === 0 ? 0x1 : 0x0 }));
            if (p < parts - 1 && random() < 0.3) pieces.push(frame('ping', { opcode: 0x9 }));
          }
          frames.push({ kind, chunks: [Buffer.concat(pieces)], replies: 1, frameCount: pieces.length });
          break;
        }
        case 'slow': {
          const whole = frame(callText());
          const cut = 1 + Math.floor(random() * (whole.length - 1));
          frames.push({ kind, chunks: [whole.subarray(0, cut), whole.subarray(cut)], replies: 1, frameCount: 1 });
          break;
        }
        case 'ping':
          one(kind, frame(randomBytes(random, Math.floor(random() * 126)), { opcode: 0x9 }), 0);
          break;
      }
    }

    let last: WsSession['last'] = null;
    if (random() < lastChance) {
      const kind = pick(random, WS_LAST_KINDS);
      const over = messageLimit + 1 + Math.floor(random() * 64 * 1024);
      const chunks: Buffer[] = (() => {
        switch (kind) {
          case 'oversize':
            return [frame(JSON.stringify({ type: 'call', id: 1, name: 'importDeviceSetup', args: { text: 'x'.repeat(over) } }))];
          case 'claimed-huge':
            return [frame('{}', { claimedLength: BigInt(messageLimit + 1) + BigInt(Math.floor(random() * 2 ** 40)) })];
          case 'oversize-fragments': {
            const half = 'y'.repeat(Math.ceil(over / 2));
            return [frame(half, { fin: false }), frame(half, { opcode: 0x0 })];
          }
          case 'invalid-utf8':
            return [frame(Buffer.concat([Buffer.from('{"type":"call","id":1,"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]))];
          case 'bad-opcode':
            return [frame('{}', { opcode: pick(random, [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) })];
          case 'reserved-bits':
            return [frame('{}', { rsv: 1 + Math.floor(random() * 7) })];
          case 'unmasked':
            return [frame('{}', { mask: false })];
          case 'long-control':
            return [frame('p'.repeat(126 + Math.floor(random() * 200)), { opcode: 0x9 })];
          case 'stray-continuation':
            return [frame('{}', { opcode: 0x0 })];
          case 'close': {
            const code = Buffer.alloc(2);
            code.writeUInt16BE(pick(random, [1000, 1001, 999, 1005, 1006, 1015, 2999, 4000, 65535]));
            const reason = random() < 0.3 ? Buffer.from([0xff, 0xfe]) : Buffer.from('再见');
            return [frame(random() < 0.2 ? Buffer.from([1]) : Buffer.concat([code, reason]), { opcode: 0x8 })];
          }
          case 'truncated':
          case 'reset': {
            const whole = frame(callText());
            return [whole.subarray(0, 1 + Math.floor(random() * (whole.length - 1)))];
          }
        }
      })();
      last = { kind, chunks };
    }
    yield { credential, upgrade, request, accepted, frames, last, callNames };
  }
}

export interface WsReply {
  id: number;
  ok: boolean;
  error?: { code: string; message: string };
}

export interface WsOutcome {
  /** The upgrade's status; null when none came. */
  status: number | null;
  replies: WsReply[];
  events: number;
  pongs: number;
  close: { code: number; reason: string } | null;
  /** Frames written (each fragment, chunk of a dribbled frame or control frame counts once per frame). */
  framesSent: number;
  /** The session ended by our timeout rather than by the host. */
  timedOut: boolean;
}

/** Runs one session on its own connection. */
export function runWsSession(target: { host: string; port: number }, session: WsSession, { timeoutMs = 10_000, pauseMs = 20 } = {}): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    let buffer = Buffer.alloc(0);
    let status: number | null = null;
    let frames = Buffer.alloc(0);
    let settled = false;
    let framesSent = 0;
    let timedOut = false;
    const expected = session.frames.reduce((sum, f) => sum + f.replies, 0);
    const outcome = () => {
      const parsed = parseServerFrames(frames);
      const texts = parsed.filter((f) => f.opcode === 0x1).map((f) => JSON.parse(f.payload.toString('utf8')) as { type: string } & WsReply);
      const close = parsed.find((f) => f.opcode === 0x8);
      return {
        replies: texts.filter((t) => t.type === 'reply'),
        events: texts.filter((t) => t.type === 'event').length,
        pongs: parsed.filter((f) => f.opcode === 0xa).length,
        close: close ? { code: close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005, reason: close.payload.subarray(2).toString('utf8') } : null,
      };
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, framesSent, timedOut, ...outcome() });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish();
    }, timeoutMs);
    const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));
    const write = (chunk: Buffer) => {
      if (!settled && !socket.destroyed) socket.write(chunk);
    };

    const converse = async () => {
      for (const f of session.frames) {
        for (const [i, chunk] of f.chunks.entries()) {
          if (i > 0) await wait(pauseMs);
          write(chunk);
        }
        framesSent += f.frameCount;
      }
      // The replies first (a last frame closes the socket, and unanswered calls with it).
      while (!settled && outcome().replies.length < expected) await wait(10);
      if (settled) return;
      const last = session.last;
      if (!last) return finish();
      for (const chunk of last.chunks) write(chunk);
      framesSent += last.kind === 'oversize-fragments' ? 2 : 1;
      if (last.kind === 'reset') return finish();
      if (last.kind === 'truncated') socket.end();
      // Then the host closes.
    };

    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('data', (chunk: Buffer) => {
      if (status === 101) {
        frames = Buffer.concat([frames, chunk]);
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer.subarray(0, end).toString('latin1'))?.[1] ?? 0) || null;
      if (status !== 101) return finish();
      frames = buffer.subarray(end + 4);
      void converse();
    });
    socket.once('connect', () => socket.write(session.request));
  });
}

const outwardCalls = new Set<string>(CALL_NAMES.filter((name) => (calls[name].from as readonly string[]).includes('outward')));

/** What is wrong with a session's outcome, or null. */
export function wsOutcomeProblem(session: WsSession, outcome: WsOutcome): string | null {
  const what = `${session.credential.label}/${session.upgrade}/${session.frames.map((f) => f.kind).join(',')}${session.last ? `→${session.last.kind}` : ''}`;
  if (!session.accepted) {
    if (outcome.status === 101) return `upgrade accepted that must be refused: ${what}`;
    if (outcome.status === null || outcome.status < 400 || outcome.status >= 500) return `upgrade answered ${outcome.status}: ${what}`;
    return null;
  }
  if (outcome.status !== 101) return `upgrade refused (${outcome.status}): ${what}`;
  for (const reply of outcome.replies) {
    if (reply.error?.code === 'INTERNAL') return `INTERNAL reply: ${what} ${reply.error.message}`;
    const name = session.callNames.get(reply.id);
    if (session.credential.role === 'outward' && reply.ok && (!name || !outwardCalls.has(name))) {
      return `outward token got an answer to ${name}: ${what}`;
    }
    if (session.credential.role === 'outward' && name && !outwardCalls.has(name) && reply.error?.code !== 'FORBIDDEN' && reply.error?.code !== 'BUSY') {
      return `outward token's ${name} answered ${reply.error?.code}: ${what}`;
    }
  }
  const expected = session.frames.reduce((sum, f) => sum + f.replies, 0);
  if (!outcome.timedOut && outcome.replies.length < expected && !session.last) return `${expected - outcome.replies.length} replies missing: ${what}`;
  if (session.last) {
    const code = EXPECTED_CLOSE[session.last.kind];
    if (code !== null && outcome.close?.code !== code) return `closed with ${outcome.close?.code ?? 'nothing'} instead of ${code}: ${what}`;
  }
  return null;
}
