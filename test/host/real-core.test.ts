// The browser host in front of the real counter core (real SQLite in a temp
// folder, the real hall server on loopback), over a real WebSocket (issue 15):
//   - 设备设置 → 导入 of an ordinary 47 KB file (and a 200 KB one) works; a
//     file over the stated limit gets a Chinese error; a 2 MB message closes
//     only its socket (1009, Chinese reason) and the host lives on;
//   - the outward page's token can call only what the contract allows the
//     outward screen, whatever the URL says, and opens no clerk page;
//   - every file the counter writes is the owner's alone (0600).
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, IMPORT_TEXT_MAX_CHARS, WIRE_MESSAGE_MAX_BYTES } from '../../common/contract.ts';
import { CALL_NAMES } from '../../common/ipc-names.ts';
import type { Counter } from '../../main/counter-api.ts';
import { openCounter } from '../../main/counter.ts';
import { MAX_CONFIG_BYTES } from '../../main/device-setup/config-transfer.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { CLOSE_REASONS } from '../../main/host/host-socket.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { stubRendererDir } from './stub-renderer.ts';
import { openHostClient, type HostClient } from './ws-client.ts';

const CLERK = 'real-core-clerk-token';
const OUTWARD = 'real-core-outward-token';
let hall: TestHallServer;
let counter: Counter;
let host: BrowserHost;
let clerk: HostClient;
let dir: string;
let dataDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halldesk-real-core-'));
  dataDir = join(dir, 'counter');
  const staticDir = stubRendererDir(dir);
  hall = await startHallServer();
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const code = (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } })).code;
  counter = await openCounter({ dataDir, deviceName: 'host-test', autoEnroll: { serverUrl: hall.url, code } });
  host = await startBrowserHost({ core: counter, staticDir, tokens: { clerk: CLERK, outward: OUTWARD } });
  clerk = await openHostClient(host.origin, CLERK);
  // The hall manager (1006) may use 设备设置.
  for (let tries = 0; tries < 150; tries++) {
    const state = await clerk.call('getClerkState');
    if (state.ok && (state.result as { connection: { state: string } }).connection.state === 'online') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const signedIn = await clerk.call('signIn', { staffNo: '1006', password: DEMO_PASSWORD });
  if (!signedIn.ok) throw new Error(signedIn.error.message);
}, 60_000);

afterAll(async () => {
  clerk?.close();
  await host?.close();
  await counter?.close();
  await hall?.close();
});

/** A valid 设备设置 file of exactly `bytes` bytes: this counter's export, written the way a Windows editor saves it (tabs, CRLF), with blank lines. */
function configFileOf(exported: string, bytes: number): string {
  const body = JSON.stringify(JSON.parse(exported), null, '\t').replace(/\n/g, '\r\n');
  const padding = bytes - Buffer.byteLength(body);
  expect(padding).toBeGreaterThan(0);
  const blank = '\r\n\t'.repeat(Math.floor(padding / 3)) + ' '.repeat(padding % 3);
  const text = body.slice(0, -1) + blank + body.slice(-1);
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('设备设置 → 导入 over the browser host: the limits agree and are stated', () => {
  it('the contract takes what the counter takes, and every such call fits in one WebSocket message', () => {
    expect(IMPORT_TEXT_MAX_CHARS).toBe(MAX_CONFIG_BYTES);
    expect(WIRE_MESSAGE_MAX_BYTES).toBeGreaterThanOrEqual(3 * IMPORT_TEXT_MAX_CHARS + 1024);
  });

  it('imports an ordinary 47 KB file and a 200 KB one from disk', async () => {
    const exported = await clerk.call('exportDeviceSetup');
    expect(exported.ok).toBe(true);
    const { text } = (exported as { result: { text: string } }).result;
    for (const [name, size] of [['47kb.json', 47 * 1024], ['200kb.json', 200 * 1024]] as const) {
      const file = join(dir, name);
      writeFileSync(file, configFileOf(text, size));
      const content = readFileSync(file, 'utf8');
      const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'call', id: 1, name: 'importDeviceSetup', args: { text: content } }));
      // Over the 64 KiB the host used to allow: this file used to kill the process.
      expect(frameBytes).toBeGreaterThan(64 * 1024);
      const reply = await clerk.call('importDeviceSetup', { text: content });
      expect(reply, name).toMatchObject({ ok: true, result: { sources: { printer: 'local', evaluator: 'local', voice: 'local' } } });
    }
  });

  it('a file over the stated limit is refused in Chinese; the socket stays open', async () => {
    const reply = await clerk.call('importDeviceSetup', { text: ' '.repeat(IMPORT_TEXT_MAX_CHARS + 1) });
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('文件太大（超过 256 KB）') } });
    expect((await clerk.call('getClerkState')).ok).toBe(true);
  });

  it('a 2 MB message closes its own socket with 1009 and a Chinese reason; the host and the other pages go on', async () => {
    const big = await openHostClient(host.origin, CLERK);
    big.sendRaw(JSON.stringify({ type: 'call', id: 1, name: 'importDeviceSetup', args: { text: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await big.closed).toEqual({ code: 1009, reason: CLOSE_REASONS[1009] });
    expect((await clerk.call('getClerkState')).ok).toBe(true);
    expect((await fetch(`${host.origin}/clerk.html?token=${CLERK}`)).status).toBe(200);
  });
});

describe('separate credentials per screen, with the real core', () => {
  const outwardCalls = new Set(CALL_NAMES.filter((name) => (calls[name].from as readonly string[]).includes('outward')));

  it('the contract lets the outward screen read its view, send a touch rating and say whether it can sound, nothing else', () => {
    expect([...outwardCalls].sort()).toEqual(['getOutwardView', 'rateByTouch', 'reportOutwardAudio']);
  });

  it('the outward token is refused every other call in CALL_NAMES — also when the URL says role=clerk', async () => {
    const before = await clerk.call('getClerkState');
    for (const query of ['', '&role=clerk']) {
      const outward = await openHostClient(host.origin, OUTWARD, query);
      for (const name of CALL_NAMES) {
        const reply = await outward.call(name, {});
        if (outwardCalls.has(name)) {
          expect(reply.ok === true || reply.error.code !== 'FORBIDDEN', name).toBe(true);
        } else {
          expect(reply, `${name}${query}`).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('对外屏无权') } });
        }
      }
      // It hears only what the citizen sees.
      expect(outward.events.every((event) => event.name === 'outwardView')).toBe(true);
      outward.close();
    }
    // Nothing it sent changed the clerk's state: still the manager, signed in.
    const after = await clerk.call('getClerkState');
    expect(after).toMatchObject({ ok: true, result: { clerk: { staffNo: '1006' } } });
    expect((after as { result: { clerk: unknown } }).result.clerk).toEqual((before as { result: { clerk: unknown } }).result.clerk);
  });

  it('the clerk page with the outward token gets nothing of the clerk\'s', async () => {
    const page = await fetch(`${host.origin}/clerk.html?token=${OUTWARD}`);
    expect(page.status).toBe(403);
    expect(await page.text()).not.toContain('<title>clerk');
    expect((await fetch(host.outwardUrl)).status).toBe(200);
    // Its script would connect with the token it was given: the outward role, which gets no clerk state.
    const socket = await openHostClient(host.origin, OUTWARD, '&role=clerk');
    expect(await socket.call('getClerkState')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await clerk.call('lockScreen');
    await clerk.call('unlockScreen', { password: DEMO_PASSWORD });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.events.filter((event) => event.name !== 'outwardView')).toEqual([]);
    socket.close();
  });
});

describe('files the counter writes', () => {
  const modes = (root: string): [string, string][] =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [path.slice(root.length + 1), (statSync(path).mode & 0o777).toString(8)];
      });

  it('counter.db, its -wal and -shm, and the stored secrets are 0600 (while open, the WAL in use)', async () => {
    const open = modes(dataDir);
    expect(open.map(([name]) => name)).toEqual(expect.arrayContaining(['counter.db', 'counter.db-wal', 'counter.db-shm']));
    expect(open.some(([name]) => name.endsWith('.secret'))).toBe(true);
    expect(open.filter(([, mode]) => mode !== '600')).toEqual([]);
  });
});
