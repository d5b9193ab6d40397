import { describe, expect, it } from 'vitest';
import { appDataDir, appDataRoot } from '../../scripts/app-data.ts';

describe('appDataDir (mirrors Electron’s appData, plus HallDesk)', () => {
  it('Linux: $XDG_CONFIG_HOME when set', () => {
    expect(appDataDir('linux', { XDG_CONFIG_HOME: '/srv/cfg/' }, '/home/li')).toBe('/srv/cfg/HallDesk');
  });

  it('Linux: ~/.config when XDG_CONFIG_HOME is unset or blank', () => {
    expect(appDataDir('linux', {}, '/home/li')).toBe('/home/li/.config/HallDesk');
    expect(appDataDir('linux', { XDG_CONFIG_HOME: '  ' }, '/home/li')).toBe('/home/li/.config/HallDesk');
  });

  it('other Unixes follow the Linux rule', () => {
    expect(appDataDir('freebsd', {}, '/usr/home/li')).toBe('/usr/home/li/.config/HallDesk');
  });

  it('macOS: ~/Library/Application Support, whatever XDG says', () => {
    expect(appDataDir('darwin', { XDG_CONFIG_HOME: '/x' }, '/Users/li')).toBe('/Users/li/Library/Application Support/HallDesk');
  });

  it('Windows: %APPDATA%', () => {
    expect(appDataDir('win32', { APPDATA: 'C:\\Users\\李\\AppData\\Roaming' }, 'C:\\Users\\李')).toBe(
      'C:\\Users\\李\\AppData\\Roaming\\HallDesk',
    );
  });

  it('Windows: <home>\\AppData\\Roaming when %APPDATA% is missing', () => {
    expect(appDataDir('win32', {}, 'C:\\Users\\li')).toBe('C:\\Users\\li\\AppData\\Roaming\\HallDesk');
  });

  it('appDataRoot is the folder Electron calls appData', () => {
    expect(appDataRoot('linux', {}, '/home/li')).toBe('/home/li/.config');
    expect(appDataRoot('win32', { APPDATA: 'D:/Profiles/li/Roaming' }, 'C:\\Users\\li')).toBe('D:\\Profiles\\li\\Roaming');
  });
});
