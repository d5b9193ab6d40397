// A counter enrolled to the real hall server (test/helpers/hall-server.ts),
// with a real SQLite file, for the 设备设置 and 暂停服务 tests.
//
//   const rig = await deviceRig();                 // hall server + counter at window 3, online
//   await rig.signIn('1006');                      // the demo manager
//   const again = await rig.reopen();              // the same data folder, a new counter
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ClerkState } from '../../common/contract.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openCounter, type CounterDependencies } from '../../main/counter.ts';
import type { Counter, CounterOptions } from '../../main/counter-api.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { waitFor } from '../helpers/counter-views.ts';

export const MANAGER = '1006';
export const CLERK = '1001';

export interface DeviceRig {
  hall: TestHallServer;
  counter: Counter;
  dataDir: string;
  options: CounterOptions;
  deps: CounterDependencies;
  signIn(staffNo: string, counter?: Counter): Promise<ClerkState>;
  /** A second counter (another data folder) enrolled at `windowId`, online. */
  another(windowId: number, extra?: Partial<CounterOptions>): Promise<Counter>;
  /** Closes the counter and opens it again on the same data folder. */
  reopen(): Promise<Counter>;
  /** The counter's SQLite file, read-only, for checks. */
  query<T>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

const rasteriser = createTextRasteriser({ systemFonts: false });

export async function enrollmentCode(hall: TestHallServer, windowId: number): Promise<string> {
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  return (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } })).code;
}

export async function deviceRig(
  extra: Partial<CounterOptions> = {},
  deps: CounterDependencies = {},
  windowId = 3,
): Promise<DeviceRig> {
  const hall = await startHallServer();
  const counters: Counter[] = [];
  const root = mkdtempSync(join(tmpdir(), 'halldesk-devices-'));
  const dataDir = join(root, 'counter');
  const allDeps: CounterDependencies = { rasteriser, retryDelay: () => 50, ...deps };
  const open = async (options: CounterOptions) => {
    const counter = await openCounter(options, allDeps);
    counters.push(counter);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    return counter;
  };
  const options: CounterOptions = {
    dataDir,
    deviceName: 'device-setup test',
    autoEnroll: { serverUrl: hall.url, code: await enrollmentCode(hall, windowId) },
    ...extra,
  };
  const rig: DeviceRig = {
    hall,
    counter: await open(options),
    dataDir,
    options,
    deps: allDeps,
    async signIn(staffNo, counter = rig.counter) {
      return (await counter.call('signIn', { staffNo, password: DEMO_PASSWORD })) as ClerkState;
    },
    async another(otherWindow, more = {}) {
      return open({
        dataDir: join(root, `counter-${otherWindow}-${counters.length}`),
        deviceName: 'second counter',
        autoEnroll: { serverUrl: hall.url, code: await enrollmentCode(hall, otherWindow) },
        ...more,
      });
    },
    async reopen() {
      await rig.counter.close();
      counters.splice(counters.indexOf(rig.counter), 1);
      rig.counter = await open(options);
      return rig.counter;
    },
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(join(dataDir, 'counter.db'), { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async close() {
      for (const counter of counters.splice(0).reverse()) await counter.close();
      await hall.close();
    },
  };
  return rig;
}
