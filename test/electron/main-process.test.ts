// Runs the built main bundle (out/main/electron.cjs, built here into a temp
// folder with the real config) in plain Node against a stand-in Electron
// (fake-electron.ts), with the real counter core on a temp data folder
// enrolled to the real hall server: the wiring — scheme, windows, sender
// checks, event routing, display following, shutdown — is exercised; what
// Electron itself does (rendering, sandbox, real IPC) is not.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createBuilder } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../common/contract.ts';
import { CALL_NAMES, callChannel, eventChannel } from '../../common/ipc-names.ts';
import { startDemoHall, type DemoHall } from '../../scripts/demo-hall.ts';
import { createFakeElectron, type FakeDisplay, type FakeElectron, type FakeWebContents } from './fake-electron.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const laptop: FakeDisplay = {
  id: 10,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
};
const citizen: FakeDisplay = {
  id: 20,
  bounds: { x: 1920, y: 0, width: 1280, height: 800 },
  workArea: { x: 1920, y: 0, width: 1280, height: 800 },
};
const spare: FakeDisplay = {
  id: 30,
  bounds: { x: -1024, y: 0, width: 1024, height: 768 },
  workArea: { x: -1024, y: 0, width: 1024, height: 768 },
  scaleFactor: 2,
};
/** A little longer than the shell's display debounce (main/shell/displays.ts DISPLAY_DEBOUNCE_MS). */
const SETTLE_MS = 4000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The open outward windows (one, always). */
const outwardWindows = () => fake.windows.filter((w) => !w.destroyed && w.webContents.getURL().endsWith('outward.html'));

let temp: string;
let fake: FakeElectron;
let hall: DemoHall;
/** The shell's log lines (JSON), kept off the test output. */
const logged: Record<string, unknown>[] = [];
const savedEnv = { url: process.env.HALLDESK_SERVER_URL, code: process.env.HALLDESK_ENROLL_CODE };

async function until<T>(probe: () => T | undefined | false, what: string, ms = 2000): Promise<T> {
  for (let i = 0; i < ms / 10; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.startsWith('{"at"')) {
      for (const line of text.trim().split('\n')) logged.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  });
  temp = mkdtempSync(join(tmpdir(), 'halldesk-main-process-'));
  // The real hall server: the shell enrolls its counter on start from the
  // environment, as `npm start` does.
  hall = await startDemoHall({ dataDir: join(temp, 'hall') });
  process.env.HALLDESK_SERVER_URL = hall.url;
  process.env.HALLDESK_ENROLL_CODE = await hall.enrollmentCode(1);
  const builder = await createBuilder({
    configFile: join(repo, 'main/electron/vite.config.ts'),
    logLevel: 'silent',
    environments: {
      electronMain: { build: { outDir: join(temp, 'app', 'out', 'main') } },
      preload: { build: { outDir: join(temp, 'app', 'out', 'preload') } },
    },
  });
  await builder.buildApp();
  mkdirSync(join(temp, 'app', 'out', 'renderer'), { recursive: true });
  writeFileSync(join(temp, 'app', 'out', 'renderer', 'clerk.html'), '<!doctype html><title>工作台</title>');
  writeFileSync(join(temp, 'app', 'out', 'renderer', 'outward.html'), '<!doctype html><title>对外屏</title>');

  fake = createFakeElectron({
    appPath: join(temp, 'app'),
    appData: join(temp, 'appData'),
    displays: [laptop, citizen],
    primaryId: laptop.id,
  });
  const bundle = join(temp, 'app', 'out', 'main', 'electron.cjs');
  const realRequire = createRequire(join(repo, 'package.json'));
  const run = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`, {
    filename: bundle,
  }) as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(module.exports, (id: string) => (id === 'electron' ? fake.electron : realRequire(id)), module, bundle, dirname(bundle));
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await hall?.stop();
  for (const [key, value] of [['HALLDESK_SERVER_URL', savedEnv.url], ['HALLDESK_ENROLL_CODE', savedEnv.code]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(temp, { recursive: true, force: true });
});

const call = (name: string, sender: FakeWebContents, args: unknown = {}, frame = sender.mainFrame) =>
  fake.handlers.get(callChannel(name as never))!({ sender, senderFrame: frame }, args) as Promise<Reply>;

describe('the main process, before ready', () => {
  it('sets a plain data folder, registers the privileged scheme and enables the sandbox, then waits', () => {
    expect(fake.calls.slice(0, 5)).toEqual([
      'app.setPath:userData',
      'protocol.registerSchemesAsPrivileged',
      'app.enableSandbox',
      'app.requestSingleInstanceLock',
      'app.whenReady',
    ]);
    expect(fake.app.getPath('userData')).toBe(join(temp, 'appData', 'HallDesk'));
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(fake.windows).toHaveLength(0);
  });
});

describe('the main process, once ready', () => {
  beforeAll(async () => {
    fake.ready();
    await until(() => fake.windows.length === 2 && fake.calls.includes('powerSaveBlocker.start:prevent-display-sleep'), 'two windows').catch((error: unknown) => {
      throw new Error(`${String(error)}; logged: ${JSON.stringify(logged.filter((l) => l.level === 'error'))}`);
    });
  });

  it('serves the built renderer on app://halldesk with the CSP', async () => {
    const handler = fake.protocol.handlers.get('app')!;
    const page = await handler(new Request('app://halldesk/outward.html'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('对外屏');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await handler(new Request('app://halldesk/../../package.json'))).status).toBe(404);
  });

  it('opens the clerk window on the primary and the outward window fullscreen, frameless, menu-less on the second display', () => {
    const [clerk, outward] = fake.windows;
    expect(clerk!.webContents.getURL()).toBe('app://halldesk/clerk.html');
    expect(clerk!.options).toMatchObject({ ...laptop.workArea, show: false });
    expect(clerk!.maximized && clerk!.shown).toBe('active');
    expect(outward!.webContents.getURL()).toBe('app://halldesk/outward.html');
    expect(outward!.options).toMatchObject({ ...citizen.bounds, frame: false });
    expect(outward!.fullScreen).toBe(true);
    expect(outward!.shown).toBe('inactive');
    expect(outward!.menu).toBeNull();
    for (const win of [clerk!, outward!]) {
      expect(win.options.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        preload: join(temp, 'app', 'out', 'preload', 'preload.cjs'),
      });
    }
    expect(fake.app.getPath('userData')).toBe(join(temp, 'appData', 'HallDesk'));
  });

  it('denies window.open, foreign navigation and every permission', () => {
    const contents = fake.windows[0]!.webContents;
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.navigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.navigate('will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(contents.navigate('will-frame-navigate', 'about:blank')).toBe(true);
    expect(contents.navigate('will-navigate', 'app://halldesk/outward.html')).toBe(false);
    let granted: boolean | null = null;
    fake.permission.request!(contents, 'media', (answer) => (granted = answer));
    expect(granted).toBe(false);
    expect(fake.permission.check!(contents, 'clipboard-read', 'app://halldesk', {})).toBe(false);
    expect(fake.permission.device!({})).toBe(false);
  });

  it('answers every contract call through dispatchCall, with the role of the sending window', async () => {
    expect([...fake.handlers.keys()].sort()).toEqual(CALL_NAMES.map(callChannel).sort());
    const [clerk, outward] = fake.windows;
    const state = await call('getClerkState', clerk!.webContents);
    expect(state).toMatchObject({ ok: true, result: { enrolled: true } });
    // The device token went through safeStorage into a 0600 file; no plaintext token file.
    const userData = fake.app.getPath('userData');
    const sealed = join(userData, 'device-token.sealed');
    expect(readFileSync(sealed, 'utf8')).toMatch(/^fake-sealed:/);
    expect(statSync(sealed).mode & 0o777).toBe(0o600);
    expect(existsSync(join(userData, 'device-token.secret'))).toBe(false);
    expect(await call('getOutwardView', outward!.webContents)).toMatchObject({ ok: true, result: { mode: expect.any(String) } });
    // The outward screen may not act for the clerk: the role comes from the window.
    expect(await call('callNext', outward!.webContents)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Arguments are validated at the boundary.
    expect(await call('enroll', clerk!.webContents, { serverUrl: 'ftp://x', code: '1' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('sends each counter event only to the window the contract names', async () => {
    const [clerk, outward] = fake.windows;
    await until(() => clerk!.webContents.sent.length > 0 && outward!.webContents.sent.length > 0, 'events in both windows');
    expect(new Set(clerk!.webContents.sent.map(([channel]) => channel))).toEqual(new Set([eventChannel('clerkState')]));
    expect(new Set(outward!.webContents.sent.map(([channel]) => channel))).toEqual(new Set([eventChannel('outwardView')]));
    expect(outward!.webContents.sent.at(-1)![1]).toMatchObject({ hallName: expect.any(String), mode: expect.any(String) });
  });

  it('refuses calls from other webContents, subframes, and foreign pages', async () => {
    const [clerk] = fake.windows;
    const stranger = new (fake.electron.BrowserWindow as unknown as new (o: object) => { webContents: FakeWebContents; destroy(): void })({});
    stranger.webContents.mainFrame.url = 'app://halldesk/clerk.html';
    expect(await call('getClerkState', stranger.webContents)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    stranger.destroy();

    const contents = clerk!.webContents;
    const subframe = { url: 'app://halldesk/clerk.html', parent: contents.mainFrame, frameTreeNodeId: 999, detached: false };
    expect(await call('getClerkState', contents, {}, subframe)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('getClerkState', contents, {}, null as never)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const foreign = { ...contents.mainFrame, url: 'https://example.com/' };
    expect(await call('getClerkState', contents, {}, foreign)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('reports the outward screen as fine and lists the displays for 设备设置', async () => {
    const [clerk] = fake.windows;
    const state = await call('getClerkState', clerk!.webContents);
    expect(state).toMatchObject({ ok: true, result: { devices: { outward: { level: 'ok', message: null } } } });
  });

  it('hides the outward window at once when its display is removed, never putting it on the clerk screen, and puts it back when the display returns', async () => {
    const [clerk, outward] = fake.windows;
    const count = fake.windows.length;
    fake.setDisplays([laptop]);
    fake.screen.emit('display-removed', {}, citizen);
    // At once: no new window, the same one hidden (and out of fullscreen).
    expect(fake.windows).toHaveLength(count);
    expect(outwardWindows()).toEqual([outward]);
    expect(outward!.destroyed).toBe(false);
    expect(outward!.visible).toBe(false);
    expect(outward!.fullScreen).toBe(false);
    expect(await call('getClerkState', clerk!.webContents)).toMatchObject({
      ok: true,
      result: { devices: { outward: { level: 'error', message: expect.stringContaining('外屏显示器已断开') } } },
    });
    // Nothing is placed on the primary after the debounce either.
    await sleep(SETTLE_MS / 2);
    expect(fake.windows).toHaveLength(count);
    expect(outward!.visible).toBe(false);

    // The cable wobbles: back, gone, back within the debounce — one return, no flicker.
    fake.setDisplays([laptop, citizen]);
    fake.screen.emit('display-added', {}, citizen);
    fake.setDisplays([laptop]);
    fake.screen.emit('display-removed', {}, citizen);
    fake.setDisplays([laptop, citizen]);
    fake.screen.emit('display-added', {}, citizen);
    expect(outward!.visible).toBe(false);
    await until(() => outward!.visible && outward!.fullScreen, 'the outward window back on its display', SETTLE_MS);
    expect(fake.windows).toHaveLength(count);
    expect(outward!.bounds).toEqual(citizen.bounds);
    expect(outward!.hides).toBe(1);
    expect(await call('getClerkState', clerk!.webContents)).toMatchObject({
      ok: true,
      result: { devices: { outward: { level: 'ok' } } },
    });

    // New resolution on the citizen's display: the same window refits once the screens are quiet.
    const bigger = { ...citizen, bounds: { ...citizen.bounds, width: 1920, height: 1080 } };
    fake.setDisplays([laptop, bigger]);
    fake.screen.emit('display-metrics-changed', {}, bigger, ['bounds']);
    await until(() => outward!.bounds.width === 1920, 'the refit', SETTLE_MS);
    expect(outwardWindows()).toEqual([outward]);
    expect(outward!.bounds).toEqual(bigger.bounds);
    expect(outward!.fullScreen).toBe(true);
    fake.setDisplays([laptop, citizen]);
    fake.screen.emit('display-metrics-changed', {}, citizen, ['bounds']);
    await until(() => outward!.bounds.width === 1280, 'the refit back', SETTLE_MS);
  }, 30_000);

  it('moves the outward window at once when a manager chooses another display in 设备设置', async () => {
    const [clerk, outward] = fake.windows;
    fake.setDisplays([laptop, citizen, spare]);
    fake.screen.emit('display-added', {}, spare);
    await sleep(SETTLE_MS / 2);
    // Automatic: it stays where it is.
    expect(outward!.bounds).toEqual(citizen.bounds);

    expect(await call('signIn', clerk!.webContents, { staffNo: '1006', password: '123456' })).toMatchObject({ ok: true });
    const setup = await call('getDeviceSetup', clerk!.webContents);
    expect(setup).toMatchObject({ ok: true });
    const displays = (setup as { result: { displays: unknown[] } }).result.displays;
    expect(displays).toEqual([
      { id: 10, label: '显示器 1（1920×1080）', width: 1920, height: 1080, primary: true, current: false },
      { id: 20, label: '显示器 2（1280×800）', width: 1280, height: 800, primary: false, current: true },
      { id: 30, label: '显示器 3（2048×1536）', width: 2048, height: 1536, primary: false, current: false },
    ]);

    expect(
      await call('saveDeviceSetting', clerk!.webContents, { change: { section: 'outwardDisplayId', value: 30 } }),
    ).toMatchObject({ ok: true });
    // At once, no debounce: the same fullscreen window, now on display 30.
    await until(() => outward!.bounds.x === spare.bounds.x, 'the move to display 30', 500);
    expect(outward!.bounds).toEqual(spare.bounds);
    expect(outward!.fullScreen && outward!.visible).toBe(true);

    // Display 30 is pulled: hidden at once; then, the screens quiet, on the remaining outward display.
    fake.setDisplays([laptop, citizen]);
    fake.screen.emit('display-removed', {}, spare);
    expect(outward!.visible).toBe(false);
    await until(() => outward!.visible && outward!.bounds.x === citizen.bounds.x, 'the move to display 20', SETTLE_MS);
    expect(outward!.fullScreen).toBe(true);
    // 30 comes back: the chosen display is used again.
    fake.setDisplays([laptop, citizen, spare]);
    fake.screen.emit('display-added', {}, spare);
    await until(() => outward!.bounds.x === spare.bounds.x, 'back on display 30', SETTLE_MS);
    expect(await call('signOut', clerk!.webContents)).toMatchObject({ ok: true });
  }, 30_000);

  it('quits when the clerk window closes, closing the counter first', async () => {
    const quitsBefore = fake.quitCount();
    fake.windows[0]!.destroy();
    expect(fake.windows.every((w) => w.destroyed)).toBe(true);
    await until(() => fake.quitCount() >= quitsBefore + 2, 'the second quit after the counter closed');
    expect(fake.handlers.size).toBe(0);
    expect(fake.errors).toEqual([]);
    expect(fake.exitCode()).toBeNull();
  });

  it('logs as JSON lines to stderr and to <userData>/logs/halldesk.log, with every refusal', () => {
    expect(logged.find((l) => l.message === 'HallDesk started')).toMatchObject({ dataDir: join(temp, 'appData', 'HallDesk') });
    expect(logged.filter((l) => l.message === 'call from an untrusted sender refused').length).toBeGreaterThanOrEqual(4);
    expect(logged.filter((l) => l.message === 'outward screen re-placed').map((l) => l.action)).toEqual([
      'hide',
      'move',
      'refit',
      'refit',
      'move',
      'hide',
      'move',
      'move',
    ]);
    const file = readFileSync(join(temp, 'appData', 'HallDesk', 'logs', 'halldesk.log'), 'utf8');
    expect(file).toContain('"message":"HallDesk started"');
  });
});
