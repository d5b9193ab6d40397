// A small stand-in for the parts of Electron's main-process API the shell
// uses, so the built out/main/electron.cjs can run in plain Node (the real
// binary cannot be downloaded here). It records what the shell asked for;
// it is not Electron, and behaviour Electron owns (rendering, the sandbox,
// real IPC) is not simulated.
import { EventEmitter } from 'node:events';

export interface FakeRect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface FakeDisplay {
  id: number;
  bounds: FakeRect;
  workArea: FakeRect;
  scaleFactor?: number;
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  frameTreeNodeId: number;
  detached: boolean;
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame = { url: '', parent: null, frameTreeNodeId: nextId++, detached: false };
  readonly sent: [string, unknown][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  getURL() {
    return this.mainFrame.url;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** Runs the shell's navigation listeners; answers whether one prevented it. */
  navigate(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false;
    this.emit(event, { url, preventDefault: () => (prevented = true) });
    return prevented;
  }
}

export function createFakeElectron(options: { appPath: string; appData: string; displays: FakeDisplay[]; primaryId: number }) {
  const calls: string[] = [];
  const paths = new Map<string, string>([['appData', options.appData]]);
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const windows: FakeBrowserWindow[] = [];
  const handlers = new Map<string, (event: unknown, args: unknown) => unknown>();
  let displays = [...options.displays];
  let primaryId = options.primaryId;
  let quitCount = 0;
  let exitCode: number | null = null;

  const app = Object.assign(new EventEmitter(), {
    setPath(name: string, value: string) {
      calls.push(`app.setPath:${name}`);
      paths.set(name, value);
    },
    getPath(name: string) {
      const value = paths.get(name);
      if (!value) throw new Error(`fake app.getPath: no ${name}`);
      return value;
    },
    getAppPath: () => options.appPath,
    getVersion: () => '0.0.0-test',
    enableSandbox: () => calls.push('app.enableSandbox'),
    requestSingleInstanceLock: () => (calls.push('app.requestSingleInstanceLock'), true),
    whenReady: () => (calls.push('app.whenReady'), ready),
    quit: () => {
      quitCount++;
      const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
      app.emit('will-quit', event);
    },
    exit: (code: number) => {
      exitCode = code;
    },
  });

  class FakeBrowserWindow extends EventEmitter {
    readonly options: Record<string, unknown>;
    readonly webContents = new FakeWebContents();
    bounds: FakeRect;
    fullScreen = false;
    menu: unknown = 'default';
    shown: 'no' | 'active' | 'inactive' = 'no';
    /** Shown and not hidden since. */
    visible = false;
    /** How often hide() was called. */
    hides = 0;
    maximized = false;
    destroyed = false;
    constructor(opts: Record<string, unknown>) {
      super();
      this.options = opts;
      this.bounds = { x: Number(opts.x ?? 0), y: Number(opts.y ?? 0), width: Number(opts.width ?? 800), height: Number(opts.height ?? 600) };
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.webContents.mainFrame.url = url;
      queueMicrotask(() => this.emit('ready-to-show'));
      return Promise.resolve();
    }
    setMenu(menu: unknown) {
      this.menu = menu;
    }
    maximize() {
      this.maximized = true;
    }
    show() {
      this.shown = 'active';
      this.visible = true;
    }
    showInactive() {
      this.shown = 'inactive';
      this.visible = true;
    }
    hide() {
      this.visible = false;
      this.hides++;
    }
    isVisible() {
      return this.visible;
    }
    setFullScreen(flag: boolean) {
      this.fullScreen = flag;
    }
    isFullScreen() {
      return this.fullScreen;
    }
    setBounds(bounds: FakeRect) {
      this.bounds = { ...bounds };
    }
    getBounds() {
      return { ...this.bounds };
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    isDestroyed() {
      return this.destroyed;
    }
    destroy() {
      if (this.destroyed) return;
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
      if (windows.every((w) => w.destroyed)) app.emit('window-all-closed');
    }
    close() {
      this.destroy();
    }
  }

  const permission = {
    request: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
    check: null as null | ((...args: unknown[]) => boolean),
    device: null as null | ((...args: unknown[]) => boolean),
  };

  const screen = Object.assign(new EventEmitter(), {
    getAllDisplays: () => displays.map((d) => ({ scaleFactor: 1, ...structuredClone(d) })),
    getPrimaryDisplay: () => ({ scaleFactor: 1, ...structuredClone(displays.find((d) => d.id === primaryId) ?? displays[0]!) }),
  });

  const protocol = {
    privileged: [] as unknown[],
    handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
    registerSchemesAsPrivileged(schemes: unknown[]) {
      calls.push('protocol.registerSchemesAsPrivileged');
      protocol.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: Request) => Promise<Response> | Response) {
      calls.push(`protocol.handle:${scheme}`);
      protocol.handlers.set(scheme, handler);
    },
  };

  const errors: [string, string][] = [];
  const electron = {
    app,
    protocol,
    screen,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle(channel: string, handler: (event: unknown, args: unknown) => unknown) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, handler);
      },
      removeHandler(channel: string) {
        handlers.delete(channel);
      },
      on() {
        throw new Error('the shell should only use ipcMain.handle');
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof permission.request) => (permission.request = h),
        setPermissionCheckHandler: (h: typeof permission.check) => (permission.check = h),
        setDevicePermissionHandler: (h: typeof permission.device) => (permission.device = h),
      },
    },
    dialog: { showErrorBox: (title: string, content: string) => errors.push([title, content]) },
    powerSaveBlocker: { start: (type: string) => (calls.push(`powerSaveBlocker.start:${type}`), 1) },
    // A stand-in key store: reversible, but never the plaintext bytes.
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (plain: string) => Buffer.from(`fake-sealed:${Buffer.from(plain, 'utf8').toString('base64')}`),
      decryptString: (sealed: Buffer) => Buffer.from(sealed.toString('utf8').replace(/^fake-sealed:/, ''), 'base64').toString('utf8'),
    },
  };

  return {
    electron,
    calls,
    windows,
    handlers,
    protocol,
    permission,
    errors,
    ready: () => resolveReady(),
    quitCount: () => quitCount,
    exitCode: () => exitCode,
    setDisplays(next: FakeDisplay[], nextPrimary = primaryId) {
      displays = [...next];
      primaryId = nextPrimary;
    },
    screen,
    app,
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
