// Device setups the hall pushes to its counters (设备设置 from the hall):
// key 'default' for every window, or a window id. Each is a config entry of
// kind 'device-setup', so counters get it through the config stream
// (value null: removed); a counter's own local setting still wins there.
// Used by the admin routes and by the `device-setup` command (server/main.ts).
import type { HallDeviceSetup } from '../common/device-setup.ts';
import { HallError } from '../common/errors.ts';
import type { HallDeviceSetupEntry, HallDeviceSetups, HallEvent } from '../common/http-api.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';

export interface DeviceSetupsOptions {
  /** Receives a 'config' event once a change has committed. */
  publish: (event: HallEvent) => void;
}

/** How a key reads to a person: 全部窗口（default）, or 窗口 3（3号窗口） with the window's name when known. */
export function describeSetupKey(key: string, windowName?: string | null): string {
  if (key === 'default') return '全部窗口（default）';
  return windowName ? `窗口 ${key}（${windowName}）` : `窗口 ${key}`;
}

/** 'default' first, then windows by number. */
function byKey(a: { key: string }, b: { key: string }): number {
  const rank = (key: string) => (key === 'default' ? 0 : Number(key));
  return rank(a.key) - rank(b.key);
}

export function createDeviceSetups(db: HallDatabase, { publish }: DeviceSetupsOptions) {
  const config = createConfigStore(db);

  /** A window id must name a window of the hall (checked inside the caller's transaction). */
  function requireKnownWindow(key: string): void {
    if (key === 'default') return;
    if (!config.get('window', key)) {
      throw new HallError(
        'NOT_FOUND',
        `窗口 ${key} 不存在，不能为它设置设备；请检查窗口编号，为全部窗口设置请用 default`,
        404,
      );
    }
  }

  return {
    list(): HallDeviceSetups {
      return db.transaction(() => ({
        version: config.version(),
        setups: config
          .entries('device-setup')
          .map(({ key, version, value }) => ({ key, version, setup: value }))
          .sort(byKey),
      }))();
    },

    /** Sets the hall's setup for `key` (already validated). The same setup again changes nothing. */
    set(key: string, setup: HallDeviceSetup): HallDeviceSetupEntry {
      const { entry, changed } = db
        .transaction(() => {
          requireKnownWindow(key);
          const current = config.entries('device-setup').find((row) => row.key === key);
          if (current && JSON.stringify(current.value) === JSON.stringify(setup)) {
            return { entry: { key, setup: current.value, version: current.version }, changed: false };
          }
          config.append([{ kind: 'device-setup', key, value: setup }]);
          return { entry: { key, setup, version: config.version() }, changed: true };
        })
        .immediate();
      if (changed) publish({ type: 'config', version: entry.version });
      return entry;
    },

    /**
     * Removes the hall's setup for `key`: counters fall back to the hall
     * default (or their launcher's / built-in defaults). Nothing set: nothing
     * changes; an unknown window with nothing set is a 404.
     */
    clear(key: string): { key: string; removed: boolean; version: number } {
      const result = db
        .transaction(() => {
          if (config.get('device-setup', key) === null) {
            requireKnownWindow(key);
            return { key, removed: false, version: config.version() };
          }
          // A removed window's setup can still be cleared.
          config.append([{ kind: 'device-setup', key, value: null }]);
          return { key, removed: true, version: config.version() };
        })
        .immediate();
      if (result.removed) publish({ type: 'config', version: result.version });
      return result;
    },
  };
}
