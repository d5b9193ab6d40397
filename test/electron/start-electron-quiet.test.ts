// `npm start` without an Electron binary says only its own message: the
// electron package's download (and its raw `TypeError: fetch failed`) runs
// with its output kept, its last line going into the message's detail.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadElectronQuietly } from '../../scripts/start-electron.ts';

/** A folder with a stand-in `electron` package (its index answers '/fake/electron'), the binary there or not. */
function fakeElectron(installed: boolean): { require: NodeJS.Require; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'halldesk-electron-'));
  const dir = join(root, 'node_modules', 'electron');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), "module.exports = '/fake/electron';");
  if (installed) {
    writeFileSync(join(dir, 'path.txt'), 'electron');
    writeFileSync(join(dir, 'dist', 'electron'), '');
  }
  return { require: createRequire(join(root, 'launcher.js')), dir };
}

describe('loadElectronQuietly', () => {
  it('runs the download itself and turns its failure into one line', () => {
    const { require, dir } = fakeElectron(false);
    const ran: string[] = [];
    const download = (script: string) => {
      ran.push(script);
      return { status: 1, output: 'Downloading Electron binary...\nTypeError: fetch failed\n    at node:internal/deps/undici:13510:13\n' };
    };
    expect(() => loadElectronQuietly(require, download)).toThrow(
      new Error('Electron 下载失败（electron/install.js 退出码 1：fetch failed）'),
    );
    expect(ran).toEqual([join(dir, 'install.js')]);
  });

  it('loads the package when the binary is there, without downloading', () => {
    const { require } = fakeElectron(true);
    expect(loadElectronQuietly(require, () => expect.unreachable('no download') as never)).toBe('/fake/electron');
  });
});

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const electronDir = dirname(createRequire(join(REPO, 'package.json')).resolve('electron/package.json'));
const pathTxt = join(electronDir, 'path.txt');
const electronInstalled = existsSync(pathTxt) && existsSync(join(electronDir, 'dist', readFileSync(pathTxt, 'utf8')));

describe('npm start on a machine without Electron', () => {
  it.skipIf(electronInstalled)('prints only its own message, in Chinese and English, and exits 1', () => {
    // Downloads go to a closed local port, into an empty cache: they fail at once, as offline.
    const run = spawnSync(process.execPath, [join(REPO, 'scripts/start-electron.ts')], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        electron_config_cache: mkdtempSync(join(tmpdir(), 'halldesk-electron-cache-')),
      },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^无法启动 HallDesk 桌面版/);
    expect(run.stderr).toContain('npm run demo:web');
    expect(run.stderr).toContain('详情 / detail: Electron 下载失败（electron/install.js 退出码 1');
    expect(run.stderr).not.toMatch(/TypeError|Downloading Electron|^\s+at /m);
  });
});
