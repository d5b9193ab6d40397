// The `npm start` launcher's pure parts: finding the Electron binary (and
// saying clearly when there is none), its arguments and environment.
import { describe, expect, it } from 'vitest';
import { electronEnv, electronMissingMessage, findElectronBinary, windowIdFromArgs } from '../../scripts/start-electron.ts';

describe('findElectronBinary', () => {
  it('answers the path the electron package gives when the file is there', () => {
    expect(findElectronBinary(() => '/repo/node_modules/electron/dist/electron', () => true)).toEqual({
      ok: true,
      path: '/repo/node_modules/electron/dist/electron',
    });
  });

  it('explains a failed download', () => {
    const found = findElectronBinary(() => {
      throw new Error('Electron failed to install correctly');
    }, () => true);
    expect(found).toEqual({ ok: false, reason: 'Electron failed to install correctly' });
  });

  it('refuses a path that does not exist, or no path at all', () => {
    expect(findElectronBinary(() => '/nowhere/electron', () => false)).toMatchObject({ ok: false, reason: expect.stringContaining('/nowhere/electron') });
    expect(findElectronBinary(() => ({}), () => true)).toMatchObject({ ok: false });
    expect(findElectronBinary(() => '', () => true)).toMatchObject({ ok: false });
  });
});

describe('electronMissingMessage', () => {
  it('says what happened and what to do, in Chinese and English, with the detail', () => {
    const text = electronMissingMessage('fetch failed');
    expect(text).toMatch(/无法启动.*Electron/);
    expect(text).toMatch(/Cannot start/);
    expect(text.match(/npm run demo:web/g)).toHaveLength(2);
    expect(text).toContain('fetch failed');
  });
});

describe('windowIdFromArgs', () => {
  it('defaults to window 1 and reads --window=<id>', () => {
    expect(windowIdFromArgs([])).toBe(1);
    expect(windowIdFromArgs(['--window=3'])).toBe(3);
  });

  it('refuses anything but a positive integer, in Chinese', () => {
    expect(() => windowIdFromArgs(['--window=0'])).toThrow(/正整数/);
    expect(() => windowIdFromArgs(['--window=abc'])).toThrow(/正整数/);
  });
});

describe('electronEnv', () => {
  it('adds the hall address and the one-time code, and drops ELECTRON_RUN_AS_NODE', () => {
    const base = { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', HALLDESK_ENROLL_CODE: 'old' };
    const env = electronEnv(base, 'http://127.0.0.1:4100', '87654321');
    expect(env).toEqual({ PATH: '/usr/bin', HALLDESK_SERVER_URL: 'http://127.0.0.1:4100', HALLDESK_ENROLL_CODE: '87654321' });
    expect(base.ELECTRON_RUN_AS_NODE).toBe('1');
  });
});
