// Builds the shell with the real config (main/electron/vite.config.ts) into a
// temp folder, then checks what each bundle loads, and runs the built preload
// in a VM against a stand-in for Electron's contextBridge and ipcRenderer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createBuilder } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HallDeskApi, Reply } from '../../common/contract.ts';
import { CALL_NAMES, callChannel, eventChannel } from '../../common/ipc-names.ts';
import { isMainExternal } from '../../main/electron/vite.config.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let out: string;
let mainCode: string;
let preloadCode: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'halldesk-shell-build-'));
  const builder = await createBuilder({
    configFile: join(repo, 'main/electron/vite.config.ts'),
    logLevel: 'silent',
    environments: {
      electronMain: { build: { outDir: join(out, 'main') } },
      preload: { build: { outDir: join(out, 'preload') } },
    },
  });
  await builder.buildApp();
  mainCode = readFileSync(join(out, 'main', 'electron.cjs'), 'utf8');
  preloadCode = readFileSync(join(out, 'preload', 'preload.cjs'), 'utf8');
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const requiredIds = (code: string) => [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!))];

describe('out/main/electron.cjs', () => {
  it('is CommonJS that loads only electron, the native/Node-only packages and Node built-ins', () => {
    expect(mainCode).not.toMatch(/^\s*import\s|^\s*export\s/m);
    const ids = requiredIds(mainCode);
    expect(ids).toContain('electron');
    expect(ids.filter((id) => !isMainExternal(id))).toEqual([]);
    // zod and our own code are bundled in.
    expect(ids).not.toContain('zod');
  });

  it('knows which ids stay external', () => {
    for (const id of ['electron', 'better-sqlite3', 'serialport', '@serialport/bindings-cpp', 'ws', 'node:fs', 'fs', 'path']) {
      expect(isMainExternal(id), id).toBe(true);
    }
    for (const id of ['zod', './counter.ts', 'react', 'electronic']) expect(isMainExternal(id), id).toBe(false);
  });
});

describe('out/preload/preload.cjs', () => {
  it('requires nothing but electron', () => {
    expect(requiredIds(preloadCode)).toEqual(['electron']);
    expect(preloadCode).not.toMatch(/\bimport\(/);
    expect(preloadCode).not.toMatch(/from\s+["']zod["']|z\.object\(/);
  });

  /** Runs the bundle against a stand-in Electron; answers what it exposed and the IPC it did. */
  function loadPreload(answer: (channel: string, args: unknown) => unknown) {
    const exposed = new Map<string, unknown>();
    const invoked: [string, unknown][] = [];
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
    const required: string[] = [];
    const electron = {
      contextBridge: {
        exposeInMainWorld(key: string, api: unknown) {
          if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property: ${key}`);
          exposed.set(key, api);
        },
      },
      ipcRenderer: {
        async invoke(channel: string, args: unknown) {
          invoked.push([channel, args]);
          return answer(channel, args);
        },
        on(channel: string, listener: (...args: unknown[]) => void) {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)!.add(listener);
        },
        removeListener(channel: string, listener: (...args: unknown[]) => void) {
          listeners.get(channel)?.delete(listener);
        },
      },
    };
    const module = { exports: {} };
    vm.runInNewContext(
      preloadCode,
      {
        module,
        exports: module.exports,
        require(id: string) {
          required.push(id);
          if (id === 'electron') return electron;
          throw new Error(`a sandboxed preload cannot require ${id}`);
        },
      },
      { filename: 'preload.cjs' },
    );
    const emit = (channel: string, payload: unknown) => {
      for (const listener of listeners.get(channel) ?? []) listener({ sender: 'ipc-event' }, payload);
    };
    return { exposed, invoked, listeners, required, emit, api: exposed.get('halldesk') as HallDeskApi };
  }

  it('exposes only window.halldesk: one function per call plus on, nothing generic', () => {
    const { exposed, required, api } = loadPreload(() => ({ ok: true, result: null }));
    expect([...exposed.keys()]).toEqual(['halldesk']);
    expect(required).toEqual(['electron']);
    expect(Object.keys(api).sort()).toEqual([...CALL_NAMES, 'on'].sort());
    for (const key of Object.keys(api)) expect(typeof (api as Record<string, unknown>)[key]).toBe('function');
  });

  it('sends each call on its own channel with its arguments and resolves the result', async () => {
    const { invoked, api } = loadPreload((channel, args) => ({ ok: true, result: { channel, args } }));
    await expect(api.signIn({ staffNo: '1001', password: '123456' })).resolves.toEqual({
      channel: callChannel('signIn'),
      args: { staffNo: '1001', password: '123456' },
    });
    for (const name of CALL_NAMES) await (api[name] as (args: unknown) => Promise<unknown>)({});
    expect(invoked.map(([channel]) => channel)).toEqual([callChannel('signIn'), ...CALL_NAMES.map(callChannel)]);
  });

  it('rejects with the code and the Chinese message as plain data, which survives the context bridge', async () => {
    const refusal: Reply = { ok: false, error: { code: 'NOT_SIGNED_IN', message: '请先登录，再叫号' } };
    const { api } = loadPreload(() => refusal);
    const failure: unknown = await api.callNext({}).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toEqual({ name: 'HallDeskError', code: 'NOT_SIGNED_IN', message: '请先登录，再叫号' });
    // Plain data: the bridge copies all of it (an Error would arrive with its message only).
    expect(Object.prototype.toString.call(failure)).toBe('[object Object]');
    expect(structuredClone(failure)).toEqual(failure);
  });

  it('turns a broken IPC channel or a malformed answer into INTERNAL, in Chinese', async () => {
    const broken = loadPreload(() => {
      throw new Error("No handler registered for 'halldesk:call:recall'");
    });
    await expect(broken.api.recall({})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/重启 HallDesk/) });
    const odd = loadPreload(() => ({ ok: false, error: 'nope' }));
    await expect(odd.api.recall({})).rejects.toMatchObject({ code: 'INTERNAL' });
    const none = loadPreload(() => undefined);
    await expect(none.api.recall({})).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('delivers only the payload of contract events, and unsubscribes', () => {
    const { api, emit, listeners } = loadPreload(() => ({ ok: true, result: null }));
    const seen: unknown[][] = [];
    const off = api.on('outwardView', (...args: unknown[]) => seen.push(args));
    emit(eventChannel('outwardView'), { mode: 'idle' });
    emit(eventChannel('clerkState'), { enrolled: true });
    expect(seen).toEqual([[{ mode: 'idle' }]]);
    off();
    off();
    emit(eventChannel('outwardView'), { mode: 'serving' });
    expect(seen).toHaveLength(1);
    expect(listeners.get(eventChannel('outwardView'))?.size).toBe(0);
  });

  it('refuses events outside the contract and non-function listeners', () => {
    const { api, listeners } = loadPreload(() => ({ ok: true, result: null }));
    expect(() => api.on('halldesk:call:signIn' as never, () => {})).toThrow(/未知的事件/);
    expect(() => api.on('clerkState', 'not a function' as never)).toThrow(/listener/);
    expect(listeners.size).toBe(0);
  });
});
