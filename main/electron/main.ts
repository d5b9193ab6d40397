// The Electron main process: app lifecycle, the app:// scheme, the counter
// core, the two windows and the IPC bridge. Built to out/main/electron.cjs
// (see vite.config.ts); everything it decides is in small pure modules.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { app, dialog, powerSaveBlocker, screen, session, type BrowserWindow, type Display } from 'electron';
import type { ScreenRole } from '../../common/ipc-names.ts';
import { openCounter } from '../counter.ts';
import { printerConfigFromEnv, type PrinterConfig } from '../printing/config.ts';
import { evaluatorConfigFromEnv, type EvaluatorConfig } from '../ratings/evaluator-config.ts';
import { idCardReaderFromEnv } from '../id-card/env.ts';
import type { IdCardReaderSetup } from '../../common/id-card.ts';
import type { Counter } from '../counter-api.ts';
import {
  displayOptions,
  OutwardDriver,
  outwardStatusFor,
  type DisplayEvent,
  type DisplayInfo,
  type OutwardPlacement,
} from '../shell/displays.ts';
import { createLogger, type Logger } from '../log.ts';
import { registerIpc } from './ipc.ts';
import { APP_DATA_FOLDER, autoEnrollFromEnv } from '../shell/launch-env.ts';
import { registerAppScheme, serveAppScheme } from './protocol.ts';
import { SafeStorageSecretStore } from './safe-storage-secrets.ts';
import {
  createClerkWindow,
  createOutwardWindow,
  hardenWebContents,
  hideOutwardWindow,
  outwardModeFor,
  placeOutwardWindow,
  type OutwardMode,
} from './windows.ts';

// Before `ready`: a stable data folder name (the product name has spaces and
// Chinese), the privileged scheme, and the sandbox for every renderer.
app.setPath('userData', join(app.getPath('appData'), APP_DATA_FOLDER));
registerAppScheme();
app.enableSandbox();

const { log, closeLog } = openLog();
const windows: Record<ScreenRole, BrowserWindow | null> = { clerk: null, outward: null };
let outwardMode: OutwardMode | null = null;
/** Where the outward window is meant to be (null until the displays are followed). */
let outwardPlacement: OutwardPlacement | null = null;
let stopFollowing: (() => void) | null = null;
let counter: Counter | null = null;
let disposeIpc: (() => void) | null = null;
let shutdownDone = false;

if (!app.requestSingleInstanceLock()) {
  // Another HallDesk already runs on this PC: it gets the focus (below), we leave.
  app.quit();
} else {
  app.on('second-instance', () => {
    const clerk = windows.clerk;
    if (!clerk || clerk.isDestroyed()) return;
    if (clerk.isMinimized()) clerk.restore();
    clerk.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (shutdownDone || !counter) return;
    event.preventDefault();
    void shutdown().finally(() => app.quit());
  });
  app.whenReady().then(start, (error: unknown) => fail(error));
}

async function start(): Promise<void> {
  try {
    denyAllPermissions();
    const appPath = app.getAppPath();
    serveAppScheme(join(appPath, 'out', 'renderer'));
    const preload = join(appPath, 'out', 'preload', 'preload.cjs');

    const autoEnroll = autoEnrollFromEnv(process.env);
    let printer: PrinterConfig | undefined;
    try {
      printer = printerConfigFromEnv(process.env);
    } catch (error) {
      log.error('printer setting ignored', { error: String(error) });
    }
    let evaluator: EvaluatorConfig | null = null;
    try {
      evaluator = evaluatorConfigFromEnv(process.env);
    } catch (error) {
      log.error('evaluator setting ignored', { error: String(error) });
    }
    let idCardReader: IdCardReaderSetup | null = null;
    try {
      idCardReader = idCardReaderFromEnv(process.env);
    } catch (error) {
      log.error('id card reader setting ignored', { error: String(error) });
    }
    const dataDir = app.getPath('userData');
    counter = await openCounter(
      {
        evaluator,
        idCardReader,
        dataDir,
        deviceName: hostname(),
        log,
        ...(autoEnroll ? { autoEnroll } : {}),
        ...(printer ? { printer } : {}),
        // 设备设置 lists the connected displays, marking the one the outward screen is on.
        displays: () =>
          displayOptions(screen.getAllDisplays().map(toDisplayInfo), screen.getPrimaryDisplay().id, outwardPlacement),
      },
      // The device token sealed by the OS key store, never a plaintext file.
      { secrets: new SafeStorageSecretStore(dataDir) },
    );
    disposeIpc = registerIpc(counter, (role) => windows[role], log);

    const primary = screen.getPrimaryDisplay();
    const clerk = createClerkWindow(preload, primary.workArea);
    windows.clerk = clerk;
    clerk.on('closed', () => {
      windows.clerk = null;
      // No more placing (a pending debounce must not open a new outward window).
      stopFollowing?.();
      stopFollowing = null;
      // The outward screen has no use without the clerk: closing it lets
      // window-all-closed quit the app.
      const outward = windows.outward;
      windows.outward = null;
      if (outward && !outward.isDestroyed()) outward.destroy();
    });

    followDisplays(counter, preload);
    powerSaveBlocker.start('prevent-display-sleep');
    log.info('HallDesk started', { dataDir: app.getPath('userData'), version: app.getVersion() });
  } catch (error) {
    fail(error);
  }
}

const toDisplayInfo = (d: Display): DisplayInfo => ({
  id: d.id,
  bounds: { ...d.bounds },
  workArea: { ...d.workArea },
  scaleFactor: d.scaleFactor,
});

/**
 * Places the outward window now, and again after every screen change
 * (debounced, see OutwardDriver) and every change of the chosen display in
 * 设备设置 (at once); tells the core where it is after each placement.
 */
function followDisplays(core: Counter, preload: string): void {
  const place = (placement: OutwardPlacement) => {
    outwardPlacement = placement;
    showOutward(placement, preload);
    core.setOutwardStatus(outwardStatusFor(placement));
  };
  const driver = new OutwardDriver({
    displays: screen.getAllDisplays().map(toDisplayInfo),
    chosenId: core.localSettings().outwardDisplayId,
    primaryId: screen.getPrimaryDisplay().id,
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
    apply: (action) => {
      log.info('outward screen re-placed', { action: action.kind, displayId: action.placement.displayId });
      place(action.placement);
    },
  });
  place(driver.state.placement);

  const followSetting = () => {
    const chosenId = core.localSettings().outwardDisplayId;
    if (chosenId !== driver.state.chosenId) driver.handle({ type: 'chosen-changed', chosenId });
  };
  const stopSetting = core.onLocalSettingsChange(followSetting);
  const onScreenEvent = (event: DisplayEvent) => {
    // In case a change of setting was missed.
    followSetting();
    driver.handle(event);
  };
  const primaryId = () => screen.getPrimaryDisplay().id;
  const added = (_event: unknown, display: Display) =>
    onScreenEvent({ type: 'display-added', display: toDisplayInfo(display), primaryId: primaryId() });
  const removed = (_event: unknown, display: Display) =>
    onScreenEvent({ type: 'display-removed', display: { id: display.id }, primaryId: primaryId() });
  const changed = (_event: unknown, display: Display, changedMetrics: string[]) =>
    onScreenEvent({ type: 'display-metrics-changed', display: toDisplayInfo(display), changedMetrics, primaryId: primaryId() });
  screen.on('display-added', added);
  screen.on('display-removed', removed);
  screen.on('display-metrics-changed', changed);
  stopFollowing = () => {
    stopSetting();
    driver.dispose();
    screen.off('display-added', added);
    screen.off('display-removed', removed);
    screen.off('display-metrics-changed', changed);
  };
}

/**
 * Moves the outward window to `placement`. A window's frame is fixed when it
 * is created, so switching between fullscreen-frameless and a normal window
 * replaces it (the page reloads and asks for the current view again). A
 * hidden placement only hides the window it has; it comes back in place.
 */
function showOutward(placement: OutwardPlacement, preload: string): void {
  const current = windows.outward;
  if (placement.kind === 'hidden') {
    if (current && !current.isDestroyed()) hideOutwardWindow(current);
    return;
  }
  const mode = outwardModeFor(placement);
  if (current && !current.isDestroyed() && outwardMode === mode) {
    placeOutwardWindow(current, placement);
    return;
  }
  // The outward screen lives only as long as the clerk's window.
  if (!windows.clerk || windows.clerk.isDestroyed()) return;
  const next = createOutwardWindow(preload, placement, () => outwardPlacement?.kind !== 'hidden');
  windows.outward = next;
  outwardMode = mode;
  next.on('closed', () => {
    if (windows.outward === next) {
      windows.outward = null;
      outwardMode = null;
    }
  });
  if (current && !current.isDestroyed()) current.destroy();
}

function denyAllPermissions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn('permission request denied', { permission });
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

async function shutdown(): Promise<void> {
  shutdownDone = true;
  stopFollowing?.();
  stopFollowing = null;
  disposeIpc?.();
  disposeIpc = null;
  const core = counter;
  counter = null;
  try {
    await core?.close();
  } catch (error) {
    log.error('counter close failed', { error: String(error) });
  }
  await closeLog();
}

function fail(error: unknown): void {
  log.error('start failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  const detail = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox(
    'HallDesk 无法启动',
    `终端启动失败：${detail}\n\n请重新打开 HallDesk；如仍失败，请联系管理员并提供日志文件：\n${logFilePath() ?? '(无日志文件)'}`,
  );
  void shutdown().finally(() => app.exit(1));
}

function logFilePath(): string | null {
  try {
    return join(app.getPath('userData'), 'logs', 'halldesk.log');
  } catch {
    return null;
  }
}

/** JSON lines to stderr and to <userData>/logs/halldesk.log (personal data is redacted by createLogger). */
function openLog(): { log: Logger; closeLog: () => Promise<void> } {
  const file = logFilePath();
  let stream: WriteStream | null = null;
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      stream = createWriteStream(file, { flags: 'a' });
      stream.on('error', () => {
        stream = null;
      });
    } catch {
      stream = null;
    }
  }
  const log = createLogger((line) => {
    process.stderr.write(line + '\n');
    stream?.write(line + '\n');
  });
  const closeLog = () =>
    new Promise<void>((resolve) => {
      const open = stream;
      stream = null;
      if (!open) return resolve();
      open.end(() => resolve());
    });
  return { log, closeLog };
}
