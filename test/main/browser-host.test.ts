// The browser host's doors: each page with its own screen's token, token +
// Origin on the WebSocket (the role is the token's), and clear answers to
// malformed messages. Real HTTP and WebSocket on loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventName } from '../../common/ipc-names.ts';
import type { CounterCore } from '../../main/bridge.ts';
import type { OutwardScreenStatus } from '../../common/device-setup.ts';
import { OUTWARD_PAGE_MISSING, startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { stubRendererDir } from '../host/stub-renderer.ts';

const CLERK = 'test-token-0123456789';
const OUTWARD = 'test-outward-token-9876';
let host: BrowserHost;
let emit: (name: EventName, payload: unknown) => void = () => {};
const core: CounterCore = {
  async call(name) {
    return { called: name };
  },
  subscribe(listener) {
    emit = listener;
    return () => {};
  },
};

beforeAll(async () => {
  // A file just outside the build folder: what a path out of it would find.
  const parent = mkdtempSync(join(tmpdir(), 'halldesk-host-'));
  writeFileSync(join(parent, 'halldesk-secret.txt'), 'secret');
  host = await startBrowserHost({ core, staticDir: stubRendererDir(parent), tokens: { clerk: CLERK, outward: OUTWARD } });
});
afterAll(() => host.close());

function connect(query: string, origin: string | undefined = host.origin): Promise<WebSocket> {
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws?${query}`, origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.once('error', reject);
  });
}
const nextMessage = (ws: WebSocket) =>
  new Promise<Record<string, unknown>>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));

describe('browser host pages', () => {
  it('serves each page only with its own screen\'s token', async () => {
    expect(host.clerkUrl).toBe(`${host.origin}/clerk.html?token=${CLERK}`);
    expect(host.outwardUrl).toBe(`${host.origin}/outward.html?token=${OUTWARD}`);
    expect((await fetch(host.clerkUrl)).status).toBe(200);
    const outward = await fetch(host.outwardUrl);
    expect(outward.status).toBe(200);
    expect(outward.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(outward.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(outward.headers.get('x-content-type-options')).toBe('nosniff');
    const without = await fetch(`${host.origin}/clerk.html`);
    expect(without.status).toBe(403);
    expect(await without.text()).toContain('缺少有效的令牌');
    expect((await fetch(`${host.origin}/clerk.html?token=wrong`)).status).toBe(403);
    // The outward token does not open the clerk's page, nor the clerk token the outward page.
    expect((await fetch(`${host.origin}/clerk.html?token=${OUTWARD}`)).status).toBe(403);
    expect((await fetch(`${host.origin}/outward.html?token=${CLERK}`)).status).toBe(403);
    // Nor does another spelling of the page's path get round the token.
    expect((await fetch(`${host.origin}/%63lerk.html?token=${OUTWARD}`)).status).toBe(403);
    expect((await fetch(`${host.origin}/assets/../clerk.html`)).status).toBe(403);
  });

  it('serves built assets and nothing outside the build folder', async () => {
    expect((await fetch(`${host.origin}/assets/app.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${host.origin}/%2e%2e/halldesk-secret.txt`)).status).toBe(404);
    expect((await fetch(`${host.origin}/assets/..%2f..%2fhalldesk-secret.txt`)).status).toBe(404);
  });

  it('listens on loopback only', () => {
    expect(new URL(host.origin).hostname).toBe('127.0.0.1');
  });
});

describe('browser host WebSocket', () => {
  it('refuses a foreign Origin', async () => {
    await expect(connect(`token=${CLERK}`, 'http://evil.example')).rejects.toThrow(/403.*来源/);
    await expect(connect(`token=${CLERK}`, '')).rejects.toThrow(/403.*来源/);
  });

  it('refuses a missing or wrong token', async () => {
    await expect(connect('role=clerk')).rejects.toThrow(/403.*令牌无效/);
    await expect(connect('token=nope&role=clerk')).rejects.toThrow(/403/);
  });

  it('takes the role from the token, never from the URL', async () => {
    const ws = await connect(`token=${OUTWARD}&role=clerk`);
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'getClerkState', args: {} }));
    expect(await nextMessage(ws)).toMatchObject({ id: 1, ok: false, error: { code: 'FORBIDDEN' } });
    ws.close();
    const clerk = await connect(`token=${CLERK}&role=outward`);
    clerk.send(JSON.stringify({ type: 'call', id: 2, name: 'getClerkState', args: {} }));
    expect(await nextMessage(clerk)).toMatchObject({ id: 2, ok: true });
    clerk.close();
  });

  it('answers a call, and a malformed message with a clear error, keeping the socket open', async () => {
    const ws = await connect(`token=${CLERK}`);
    ws.send('{not json');
    expect(await nextMessage(ws)).toMatchObject({ type: 'reply', id: -1, ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('JSON') } });
    ws.send(JSON.stringify({ type: 'call', id: 7, name: 'callNext', args: { extra: true } }));
    expect(await nextMessage(ws)).toMatchObject({ type: 'reply', id: 7, ok: false, error: { code: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ type: 'call', id: 8, name: 'noSuchCall', args: {} }));
    expect(await nextMessage(ws)).toMatchObject({ type: 'reply', id: 8, ok: false, error: { code: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ type: 'call', id: 9, name: 'callNext', args: {} }));
    expect(await nextMessage(ws)).toEqual({ type: 'reply', id: 9, ok: true, result: { called: 'callNext' } });
    ws.close();
  });

  it('takes the role from the connection, so the outward screen cannot call the clerk actions', async () => {
    const ws = await connect(`token=${OUTWARD}`);
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'callNext', args: {} }));
    expect(await nextMessage(ws)).toMatchObject({ id: 1, ok: false, error: { code: 'FORBIDDEN' } });
    ws.close();
  });

  it('sends each event only to the screen it is for', async () => {
    const clerk = await connect(`token=${CLERK}`);
    const outward = await connect(`token=${OUTWARD}`);
    const outwardGot = nextMessage(outward);
    const clerkGot = nextMessage(clerk);
    emit('outwardView', { n: 1 });
    emit('clerkState', { n: 2 });
    expect(await outwardGot).toEqual({ type: 'event', name: 'outwardView', payload: { n: 1 } });
    expect(await clerkGot).toEqual({ type: 'event', name: 'clerkState', payload: { n: 2 } });
    clerk.close();
    outward.close();
  });
});

describe('browser host outward status', () => {
  it('reports the outward screen open while an outward page is connected, and missing when none is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-host-outward-'));
    const reports: OutwardScreenStatus[] = [];
    const own = await startBrowserHost({
      core: { ...core, subscribe: () => () => {}, setOutwardStatus: (status) => reports.push(status) },
      staticDir: dir,
      tokens: { clerk: 'own-clerk-token-0123', outward: 'own-outward-token-0123' },
    });
    try {
      expect(reports).toEqual([{ level: 'error', message: OUTWARD_PAGE_MISSING }]);
      const open = (role: string) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${own.origin.replace('http', 'ws')}/ws?token=own-${role}-token-0123`, {
            origin: own.origin,
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        });
      const clerk = await open('clerk');
      expect(reports).toHaveLength(1); // a clerk page is not the outward screen
      const outward = await open('outward');
      await expect.poll(() => reports.at(-1)).toEqual({ level: 'ok', message: null });
      outward.close();
      await expect.poll(() => reports.at(-1)).toEqual({ level: 'error', message: OUTWARD_PAGE_MISSING });
      expect(reports).toHaveLength(3);
      clerk.close();
    } finally {
      await own.close();
    }
  });
});
