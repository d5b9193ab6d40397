// The two BrowserWindows — the clerk's workspace on the primary display and
// the citizen's outward screen where main/shell/displays.ts puts it — and the
// hardening every webContents gets.
import { BrowserWindow, type Rectangle, type WebContents, type WebPreferences } from 'electron';
import type { ScreenRole } from '../../common/ipc-names.ts';
import { rectInside, windowedBounds, type OutwardPlacement, type Rect } from '../shell/displays.ts';
import type { Logger } from '../log.ts';
import { isAllowedNavigation, pageUrl } from '../shell/trust.ts';

const TITLES: Record<ScreenRole, string> = {
  clerk: 'HallDesk 政务服务窗口综合终端 — 工作台',
  outward: 'HallDesk 政务服务窗口综合终端 — 对外屏',
};

/** The same locked-down preferences for both windows. */
export function secureWebPreferences(preload: string, role: ScreenRole): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // The citizen's screen announces numbers without anyone touching it,
    // and keeps updating while the clerk's window has the focus.
    ...(role === 'outward' ? { autoplayPolicy: 'no-user-gesture-required' as const, backgroundThrottling: false } : {}),
  };
}

/**
 * Denies window.open, navigation and redirects away from app://halldesk,
 * and <webview>. Applied to every webContents the app creates.
 */
export function hardenWebContents(contents: WebContents, log: Logger): void {
  contents.setWindowOpenHandler(({ url }) => {
    log.warn('window.open denied', { url: url.slice(0, 200) });
    return { action: 'deny' };
  });
  const guard = (what: string) => (event: { url: string; preventDefault(): void }) => {
    if (isAllowedNavigation(event.url)) return;
    event.preventDefault();
    log.warn(`${what} denied`, { url: event.url.slice(0, 200) });
  };
  contents.on('will-navigate', guard('navigation'));
  contents.on('will-frame-navigate', guard('frame navigation'));
  contents.on('will-redirect', guard('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('webview denied');
  });
}

export function createClerkWindow(preload: string, workArea: Rect): BrowserWindow {
  const win = new BrowserWindow({
    ...workArea,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: TITLES.clerk,
    backgroundColor: '#f5f7fa',
    webPreferences: secureWebPreferences(preload, 'clerk'),
  });
  win.once('ready-to-show', () => {
    win.maximize();
    win.show();
  });
  void win.loadURL(pageUrl('clerk'));
  return win;
}

/** How the outward window was built: frameless-fullscreen or a normal window (frame cannot change later). */
export type OutwardMode = 'fullscreen' | 'windowed';

export const outwardModeFor = (placement: OutwardPlacement): OutwardMode =>
  placement.kind === 'display' ? 'fullscreen' : 'windowed';

/** `shouldShow`: asked when the page is ready — false when the window was hidden meanwhile. */
export function createOutwardWindow(
  preload: string,
  placement: Exclude<OutwardPlacement, { kind: 'hidden' }>,
  shouldShow: () => boolean = () => true,
): BrowserWindow {
  const fullscreen = placement.kind === 'display';
  const bounds: Rectangle | undefined =
    placement.kind === 'display' ? placement.bounds : placement.area ? windowedBounds(placement.area) : undefined;
  const win = new BrowserWindow({
    ...bounds,
    show: false,
    title: TITLES.outward,
    frame: !fullscreen,
    fullscreen: false,
    autoHideMenuBar: true,
    backgroundColor: '#0b3d91',
    webPreferences: secureWebPreferences(preload, 'outward'),
  });
  win.setMenu(null);
  win.once('ready-to-show', () => {
    if (!shouldShow()) return;
    if (fullscreen) win.setFullScreen(true);
    win.showInactive(); // never steal the keyboard from the clerk
  });
  void win.loadURL(pageUrl('outward'));
  return win;
}

/** Puts an existing outward window of the right mode where `placement` says, and shows it if it was hidden. */
export function placeOutwardWindow(win: BrowserWindow, placement: Exclude<OutwardPlacement, { kind: 'hidden' }>): void {
  const wasHidden = !win.isVisible();
  if (placement.kind === 'display') {
    // Leave fullscreen on the old display, move, and fill the new one.
    if (win.isFullScreen()) win.setFullScreen(false);
    win.setBounds(placement.bounds);
    if (wasHidden) win.showInactive();
    win.setFullScreen(true);
    return;
  }
  if (placement.area && !rectInside(win.getBounds(), placement.area)) win.setBounds(windowedBounds(placement.area));
  if (wasHidden) win.showInactive();
}

/**
 * Hides the outward window (its display is gone): out of fullscreen first,
 * so it does not come back filling whatever screen it landed on.
 */
export function hideOutwardWindow(win: BrowserWindow): void {
  if (win.isFullScreen()) win.setFullScreen(false);
  win.hide();
}
