// The WebSocket transport against a fake socket and fake timers.
import { describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import {
  CallError,
  createWsLink,
  DISCONNECTED_MESSAGE,
  hostSocketUrl,
  reconnectDelay,
  toCallError,
  type LinkState,
  type SocketHandlers,
  type Timers,
} from '../../renderer/transport.ts';

class FakeSocket {
  sent: unknown[] = [];
  closed = false;
  readonly url: string;
  readonly handlers: SocketHandlers;
  constructor(url: string, handlers: SocketHandlers) {
    this.url = url;
    this.handlers = handlers;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  open() {
    this.handlers.onOpen();
  }
  receive(message: unknown) {
    this.handlers.onMessage(JSON.stringify(message));
  }
  drop() {
    this.handlers.onClose();
  }
}

class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.due.delete(handle as number);
  }
  pendingDelays(): number[] {
    return [...this.due.values()].map((t) => t.at - this.now);
  }
  advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const [id, first] = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !first || first.at > until) break;
      this.due.delete(id);
      this.now = first.at;
      first.fn();
    }
    this.now = until;
  }
}

function setup(options: { callTimeoutMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new FakeTimers();
  const link = createWsLink({
    url: 'ws://127.0.0.1:4000/ws?token=t&role=clerk',
    createSocket: (url, handlers) => {
      const socket = new FakeSocket(url, handlers);
      sockets.push(socket);
      return socket;
    },
    timers,
    random: () => 1,
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...options,
  });
  const states: LinkState[] = [];
  link.onState((s) => states.push(s));
  const last = () => {
    const socket = sockets.at(-1);
    if (!socket) throw new Error('no socket');
    return socket;
  };
  return { link, sockets, timers, states, last };
}

const sampleState = { enrolled: true } as unknown as ClerkState;

describe('WebSocket transport', () => {
  it('builds the host address from the page address and its token', () => {
    expect(
      hostSocketUrl('outward', { protocol: 'http:', host: '127.0.0.1:4321', search: '?token=a%2Bb&x=1' }),
    ).toBe('ws://127.0.0.1:4321/ws?token=a%2Bb&role=outward');
    expect(hostSocketUrl('clerk', { protocol: 'https:', host: 'h', search: '' })).toBe(
      'wss://h/ws?token=&role=clerk',
    );
  });

  it('sends a WireCall and resolves with the reply result', async () => {
    const { link, last } = setup();
    last().open();
    const pending = link.api.callNext({});
    expect(last().sent).toEqual([{ type: 'call', id: 1, name: 'callNext', args: {} }]);
    last().receive({ type: 'reply', id: 1, ok: true, result: sampleState });
    await expect(pending).resolves.toEqual(sampleState);
  });

  it('rejects with the code and Chinese message of a failed reply', async () => {
    const { link, last } = setup();
    last().open();
    const pending = link.api.signIn({ staffNo: '001', password: 'x' });
    last().receive({
      type: 'reply',
      id: 1,
      ok: false,
      error: { code: 'SIGN_IN_FAILED', message: '工号或密码不正确' },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: 'SIGN_IN_FAILED', message: '工号或密码不正确' });
  });

  it('matches replies by id, whatever their order', async () => {
    const { link, last } = setup();
    last().open();
    const first = link.api.getClerkState({});
    const second = link.api.getOutwardView({});
    last().receive({ type: 'reply', id: 2, ok: true, result: 'view' });
    last().receive({ type: 'reply', id: 1, ok: true, result: 'state' });
    await expect(first).resolves.toBe('state');
    await expect(second).resolves.toBe('view');
  });

  it('delivers events to listeners until they unsubscribe', () => {
    const { link, last } = setup();
    last().open();
    const seen: unknown[] = [];
    const off = link.api.on('clerkState', (payload) => seen.push(payload));
    link.api.on('outwardView', () => seen.push('wrong'));
    last().receive({ type: 'event', name: 'clerkState', payload: sampleState });
    off();
    last().receive({ type: 'event', name: 'clerkState', payload: sampleState });
    expect(seen).toEqual([sampleState]);
  });

  it('ignores garbage without breaking', async () => {
    const { link, last } = setup();
    last().open();
    last().handlers.onMessage('not json');
    last().receive(42);
    last().receive({ type: 'reply', id: 99, ok: true, result: 1 });
    const pending = link.api.recall({});
    last().receive({ type: 'reply', id: 1, ok: true, result: 'ok' });
    await expect(pending).resolves.toBe('ok');
  });

  it('fails fast while disconnected', async () => {
    const { link } = setup();
    await expect(link.api.callNext({})).rejects.toMatchObject({
      code: 'DISCONNECTED',
      message: DISCONNECTED_MESSAGE,
    });
  });

  it('fails the calls in flight when the socket drops, then reconnects with growing delays', async () => {
    const { link, sockets, timers, states, last } = setup();
    last().open();
    const inFlight = link.api.complete({});
    last().drop();
    await expect(inFlight).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(link.state()).toBe('closed');
    await expect(link.api.complete({})).rejects.toMatchObject({ code: 'DISCONNECTED' });

    expect(timers.pendingDelays()).toEqual([100]);
    timers.advance(100);
    expect(sockets).toHaveLength(2);
    last().drop(); // Host still down.
    expect(timers.pendingDelays()).toEqual([200]);
    timers.advance(200);
    last().drop();
    expect(timers.pendingDelays()).toEqual([400]);
    timers.advance(400);
    last().open();
    expect(states).toEqual(['open', 'closed', 'open']);

    // A successful open resets the backoff.
    last().drop();
    expect(timers.pendingDelays()).toEqual([100]);
  });

  it('ignores late events from a socket it has replaced', () => {
    const { sockets, timers, states, last } = setup();
    last().open();
    const old = last();
    old.drop();
    timers.advance(100);
    expect(sockets).toHaveLength(2);
    old.open();
    old.drop();
    expect(states).toEqual(['open', 'closed']);
    expect(timers.pendingDelays()).toEqual([]);
  });

  it('times out a call that gets no reply, and ignores the late reply', async () => {
    const { link, timers, last } = setup({ callTimeoutMs: 5_000 });
    last().open();
    const pending = link.api.callNext({});
    timers.advance(5_000);
    await expect(pending).rejects.toMatchObject({ code: 'TIMEOUT' });
    last().receive({ type: 'reply', id: 1, ok: true, result: 'late' });
  });

  it('stops for good on close()', () => {
    const { link, sockets, timers, last } = setup();
    last().open();
    link.close();
    expect(sockets[0]?.closed).toBe(true);
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(link.state()).toBe('closed');
  });

  it('caps the reconnect delay and jitters its upper half', () => {
    expect(reconnectDelay(0, 300, 5_000, () => 0)).toBe(150);
    expect(reconnectDelay(0, 300, 5_000, () => 1)).toBe(300);
    expect(reconnectDelay(10, 300, 5_000, () => 1)).toBe(5_000);
    expect(reconnectDelay(1_000, 300, 5_000, () => 0.5)).toBe(3_750);
  });

  it('turns whatever a bridge rejects with into a CallError', () => {
    expect(toCallError({ code: 'NOT_SIGNED_IN', message: '请先登录' })).toMatchObject({
      code: 'NOT_SIGNED_IN',
      message: '请先登录',
    });
    expect(toCallError(new Error('工号或密码不正确'))).toMatchObject({
      code: 'INTERNAL',
      message: '工号或密码不正确',
    });
    expect(toCallError(undefined)).toBeInstanceOf(CallError);
  });
});
