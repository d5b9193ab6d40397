// Where HallDesk keeps its data on this PC, computed the way Electron does —
// so the launchers (npm start, npm run demo:web) find the same folder the
// Electron shell uses as its userData: <appData>/HallDesk.
import { posix, win32 } from 'node:path';
import { APP_DATA_FOLDER } from '../main/shell/launch-env.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Electron's `app.getPath('appData')`: Windows %APPDATA% (else
 * <home>\AppData\Roaming); macOS ~/Library/Application Support; Linux and
 * the other Unixes $XDG_CONFIG_HOME when set, else ~/.config.
 */
export function appDataRoot(platform: NodeJS.Platform, env: Env, homedir: string): string {
  if (platform === 'win32') {
    const appData = env.APPDATA?.trim();
    return appData ? win32.normalize(appData) : win32.join(homedir, 'AppData', 'Roaming');
  }
  if (platform === 'darwin') return posix.join(homedir, 'Library', 'Application Support');
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return xdg ? posix.normalize(xdg) : posix.join(homedir, '.config');
}

/** HallDesk's own folder there: the Electron shell's userData. */
export function appDataDir(platform: NodeJS.Platform, env: Env, homedir: string): string {
  const join = platform === 'win32' ? win32.join : posix.join;
  return join(appDataRoot(platform, env, homedir), APP_DATA_FOLDER);
}
