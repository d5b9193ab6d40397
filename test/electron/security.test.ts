// Static checks of the Electron shell: the Electron binary cannot run on our
// build machines, so the security settings are asserted on the source text
// (the pure parts are tested for real in trust.test.ts and app-files.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

/** Source without comments, so a remark cannot satisfy (or trip) a check. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');

// The shell: main/electron/ and its pure helpers in main/shell/.
const shellFiles = ['main/electron', 'main/shell'].flatMap((dir) =>
  readdirSync(join(repo, dir))
    .filter((name) => name.endsWith('.ts') && name !== 'vite.config.ts')
    .map((name) => `${dir}/${name}`),
);
const shell = Object.fromEntries(shellFiles.map((path) => [path, code(read(path))]));
const allShell = Object.values(shell).join('\n');
const windows = shell['main/electron/windows.ts']!;
const main = shell['main/electron/main.ts']!;
const preload = code(read('preload/preload.ts'));

describe('webPreferences', () => {
  it('sets contextIsolation, sandbox, webSecurity on and nodeIntegration off', () => {
    expect(windows).toMatch(/contextIsolation:\s*true/);
    expect(windows).toMatch(/sandbox:\s*true/);
    expect(windows).toMatch(/nodeIntegration:\s*false/);
    expect(windows).toMatch(/nodeIntegrationInSubFrames:\s*false/);
    expect(windows).toMatch(/nodeIntegrationInWorker:\s*false/);
    expect(windows).toMatch(/webSecurity:\s*true/);
    expect(windows).toMatch(/webviewTag:\s*false/);
  });

  it('never turns any of them the other way', () => {
    for (const text of [allShell, preload]) {
      expect(text).not.toMatch(/contextIsolation:\s*false/);
      expect(text).not.toMatch(/sandbox:\s*false/);
      expect(text).not.toMatch(/nodeIntegration(InSubFrames|InWorker)?:\s*true/);
      expect(text).not.toMatch(/webSecurity:\s*false/);
      expect(text).not.toMatch(/allowRunningInsecureContent:\s*true/);
      expect(text).not.toMatch(/webviewTag:\s*true/);
    }
  });

  it('gives every BrowserWindow the shared secure preferences and the built preload', () => {
    const created = [...allShell.matchAll(/new BrowserWindow\(\{([\s\S]*?)\n {2}\}\);/g)];
    expect(created.length).toBe(2);
    for (const [, body] of created) expect(body).toMatch(/webPreferences:\s*secureWebPreferences\(preload,/);
    expect(main).toMatch(/join\(appPath, 'out', 'preload', 'preload\.cjs'\)/);
  });

  it('enables the sandbox for every renderer before ready', () => {
    expect(main).toMatch(/app\.enableSandbox\(\)/);
    expect(main.indexOf('app.enableSandbox()')).toBeLessThan(main.indexOf('app.whenReady()'));
  });
});

describe('windows and navigation', () => {
  it('denies window.open and never allows it', () => {
    expect(windows).toMatch(/setWindowOpenHandler\([\s\S]*?action: 'deny'/);
    expect(allShell).not.toMatch(/action:\s*'allow'/);
  });

  it('guards will-navigate, will-frame-navigate and will-redirect with the app-origin check', () => {
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(windows).toMatch(new RegExp(`contents\\.on\\('${event}', guard\\(`));
    }
    expect(windows).toMatch(/if \(isAllowedNavigation\(event\.url\)\) return;\s*event\.preventDefault\(\);/);
    expect(windows).toMatch(/'will-attach-webview',[\s\S]*?preventDefault\(\)/);
  });

  it('hardens every webContents the app creates', () => {
    expect(main).toMatch(/app\.on\('web-contents-created', \(_event, contents\) => hardenWebContents\(contents, log\)\)/);
  });

  it('denies every permission request and check', () => {
    expect(main).toMatch(/setPermissionRequestHandler\([\s\S]*?callback\(false\)/);
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(main).toMatch(/setDevicePermissionHandler\(\(\) => false\)/);
  });

  it('has no menu on the outward window', () => {
    const outward = windows.slice(windows.indexOf('export function createOutwardWindow'));
    expect(outward).toMatch(/win\.setMenu\(null\)/);
  });

  it('locks the app to one instance and quits when all windows are closed', () => {
    expect(main).toMatch(/app\.requestSingleInstanceLock\(\)/);
    expect(main).toMatch(/app\.on\('window-all-closed', \(\) => app\.quit\(\)\)/);
  });
});

describe('content', () => {
  it('comes from the app:// protocol via protocol.handle, never from file://', () => {
    expect(shell['main/electron/protocol.ts']).toMatch(/protocol\.handle\(APP_SCHEME,/);
    expect(shell['main/electron/protocol.ts']).toMatch(
      /registerSchemesAsPrivileged\(\[[\s\S]*?privileges: \{ standard: true, secure: true, supportFetchAPI: true \}/,
    );
    for (const text of [allShell, preload]) {
      expect(text).not.toMatch(/loadFile\(/);
      expect(text).not.toMatch(/file:\/\//);
      expect(text).not.toMatch(/register(File|Buffer|String|Http|Stream)Protocol|intercept\w*Protocol/);
      expect(text).not.toMatch(/bypassCSP:\s*true|corsEnabled:\s*true/);
    }
    expect(windows).toMatch(/loadURL\(pageUrl\('clerk'\)\)/);
    expect(windows).toMatch(/loadURL\(pageUrl\('outward'\)\)/);
  });

  it('registers the scheme before ready', () => {
    expect(main.indexOf('registerAppScheme();')).toBeGreaterThan(-1);
    expect(main.indexOf('registerAppScheme();')).toBeLessThan(main.indexOf('app.whenReady()'));
  });

  it('serves with the strict CSP', () => {
    expect(shell['main/shell/app-files.ts']).toContain(
      `"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"`,
    );
  });
});

describe('ipc', () => {
  const ipc = shell['main/electron/ipc.ts']!;

  it('checks the sender before every call and takes the role from the window', () => {
    expect(ipc).toMatch(/for \(const name of CALL_NAMES\) \{\s*ipcMain\.handle\(callChannel\(name\)/);
    expect(ipc).toMatch(/const role = roleOfSender\(event, windows\);\s*if \(!role\) \{[\s\S]*?return FORBIDDEN_SENDER;\s*\}\s*return dispatchCall\(counter, role, name, args, log\);/);
    expect(ipc).toMatch(/frame\.parent === null && frame\.frameTreeNodeId === main\.frameTreeNodeId/);
    expect(ipc).not.toMatch(/ipcMain\.on\(/);
  });

  it('sends each event only to the window the contract names', () => {
    expect(ipc).toMatch(/const win = windows\(events\[name\]\.to\);/);
    expect(ipc).toMatch(/win\.webContents\.send\(eventChannel\(name\), payload\)/);
  });
});

describe('preload', () => {
  it('imports at run time only electron and common/ipc-names.ts', () => {
    const runtime = [...preload.matchAll(/^import\s+(?!type\s)[\s\S]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    expect(runtime.sort()).toEqual(['../common/ipc-names.ts', 'electron']);
    expect(preload).not.toMatch(/\brequire\(/);
  });

  it('exposes one object, with one named function per call and nothing generic', () => {
    expect([...preload.matchAll(/exposeInMainWorld\(/g)].length).toBe(1);
    expect(preload).toMatch(/contextBridge\.exposeInMainWorld\('halldesk', api\)/);
    const body = preload.replace(/^import[\s\S]*?;$/gm, '');
    expect(body).not.toMatch(/ipcRenderer\s*[,}\]]/); // never handed out as a value
    expect(preload).not.toMatch(/\binvoke\s*[:,]\s*(invoke|ipcRenderer)/);
  });
});

describe('layering', () => {
  const SKIP = new Set(['node_modules', 'out', 'dist', '.git', '.data', 'test-results', 'coverage']);
  function* sources(dir: string): Generator<string> {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) yield* sources(path);
      else if (/\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(entry.name)) yield path;
    }
  }
  const importsElectron = (text: string) =>
    /^\s*(import|export)\s[^;]*?\sfrom\s+['"]electron(\/[^'"]*)?['"]/m.test(text) ||
    /^\s*import\s+['"]electron['"]/m.test(text) ||
    /\brequire\(\s*['"]electron(\/[^'"]*)?['"]\s*\)/.test(text) ||
    /\bimport\(\s*['"]electron(\/[^'"]*)?['"]\s*\)/.test(text);

  // scripts/start-electron.ts loads the electron *package* in plain Node via
  // createRequire, which answers the binary's path — not the Electron API.
  it("only main/electron/ and preload/ import 'electron'", () => {
    const offenders: string[] = [];
    const importers: string[] = [];
    for (const file of sources(repo)) {
      const rel = relative(repo, file).split(sep).join('/');
      if (!importsElectron(code(readFileSync(file, 'utf8')))) continue;
      importers.push(rel);
      if (!rel.startsWith('main/electron/') && !rel.startsWith('preload/')) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
    // The check can see: it finds the files that do import electron.
    expect(importers).toEqual(expect.arrayContaining(['main/electron/main.ts', 'main/electron/ipc.ts', 'preload/preload.ts']));
  });

  it('keeps the pure shell modules free of electron, so tests can load them', () => {
    for (const path of ['main/shell/trust.ts', 'main/shell/app-files.ts', 'main/shell/launch-env.ts', 'main/shell/displays.ts']) {
      expect(importsElectron(code(read(path))), path).toBe(false);
    }
  });
});
