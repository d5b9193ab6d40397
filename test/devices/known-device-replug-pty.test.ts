// Issue 7: a known USB evaluator (or serial printer) followed wherever it reappears. Over REAL
// serial lines (socat pty pairs) with the simulated evaluator, in the counter
// core with the real hall server. Discovery sees no udevadm (the injected
// list fails with ENOENT) and falls back to a temporary by-id folder — a link
// named like udev's, pointing at the pty — and a temporary sysfs tree with
// the USB vendor/product ids. «Replug»: a second pty pair, the simulator
// moved to it, the by-id link pointed at it, the first pair killed (ttyUSB0 →
// ttyUSB1). The driver reconnects on the new path; the setting keeps the
// path the manager chose.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { DeviceSetupView, EvaluatorSetup, PrinterSetup } from '../../common/device-setup.ts';
import type { DiscoveryDeps } from '../../main/devices/discovery.ts';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { PrinterSimulator } from '../../sim/printer/simulator.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import type { Logger } from '../../main/log.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { closeAllPtyPairs, startPtyPair } from '../helpers/pty-pair.ts';
import { deviceRig, MANAGER, type DeviceRig } from '../main/device-rig.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeAllPtyPairs);

const BY_ID_NAME = 'usb-1a86_USB_Serial_A1B2C3-if00-port0';

/** serialport 13's list where udevadm is missing. */
function spawnEnoent(): Error {
  return Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', syscall: 'spawn udevadm', path: 'udevadm' });
}

/** A fake /dev/serial/by-id and /sys/class/tty for one USB serial adapter (CH340, serial A1B2C3). */
function fakeSystem(): { deps: Partial<DiscoveryDeps>; plug(tty: string): void; readonly lists: number } {
  const root = mkdtempSync(join(tmpdir(), 'halldesk-replug-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const byIdDir = join(root, 'dev/serial/by-id');
  const sysTtyDir = join(root, 'sys/class/tty');
  const usbDevice = join(root, 'sys/devices/pci0000:00/usb1/1-1');
  const usbInterface = join(usbDevice, '1-1:1.0');
  mkdirSync(byIdDir, { recursive: true });
  mkdirSync(sysTtyDir, { recursive: true });
  mkdirSync(usbInterface, { recursive: true });
  mkdirSync(join(root, 'dev/empty'), { recursive: true });
  writeFileSync(join(usbDevice, 'idVendor'), '1a86\n');
  writeFileSync(join(usbDevice, 'idProduct'), '7523\n');
  writeFileSync(join(usbDevice, 'serial'), 'A1B2C3\n');
  let lists = 0;
  return {
    get lists() {
      return lists;
    },
    deps: {
      list: () => {
        lists++;
        return Promise.reject(spawnEnoent());
      },
      byIdDir,
      // No /dev/tty* scan: only the adapter.
      devDir: join(root, 'dev/empty'),
      sysTtyDir,
    },
    /** What udev does when the adapter appears as `tty` (a real path such as /dev/pts/7). */
    plug(tty: string) {
      const ttyDir = join(sysTtyDir, basename(tty));
      mkdirSync(ttyDir, { recursive: true });
      rmSync(join(ttyDir, 'device'), { force: true });
      symlinkSync(usbInterface, join(ttyDir, 'device'));
      const link = join(byIdDir, BY_ID_NAME);
      rmSync(link, { force: true });
      symlinkSync(tty, link);
    },
  };
}

interface Logged {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(lines: Logged[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function simulatorPort(path: string): Promise<BytePort> {
  const port = await openSerialPort({ path });
  cleanups.push(() => port.close());
  return port;
}

const ft12 = (port: string, address: number): EvaluatorSetup => ({ port, protocol: 'ft12', baudRate: 9600, address, keyMap: null });
const serialPrinter = (path: string): PrinterSetup => ({
  link: { kind: 'serial', path, baudRate: 9600, flowControl: 'none' },
  width: 80,
  nativeQr: true,
  font: 'gbk',
  statusQueries: true,
});

describe('known USB serial devices after a replug, over pty pairs', () => {
  it('an evaluator is found on its new path by vendor id, product id and serial number; the driver reconnects there and ratings are stored', async () => {
    const system = fakeSystem();
    const first = await startPtyPair();
    const ttyUSB0 = realpathSync(first.a);
    system.plug(ttyUSB0);
    const sim = new EvaluatorSimulator({ addresses: [1] });
    cleanups.push(() => {
      sim.stop();
      sim.detach();
    });
    sim.attach(await simulatorPort(first.b));

    const logged: Logged[] = [];
    const r: DeviceRig = await deviceRig({ log: recordingLogger(logged) }, { discovery: system.deps, portPollMs: 200 });
    cleanups.push(() => r.close());
    await r.signIn(MANAGER);

    // The manager picks the port from the list (found through the by-id link, ids from sysfs) and saves.
    const listed = (await r.counter.call('listSerialPorts', {})) as { ports: { path: string; description: string | null }[] };
    expect(listed.ports).toEqual([
      { path: ttyUSB0, description: '1a86:7523 USB_Serial 序列号 A1B2C3', byIdPath: join(system.deps.byIdDir!, BY_ID_NAME) },
    ]);
    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(ttyUSB0, 1) } });
    expect(r.query('SELECT section, path, vendor_id, product_id, serial_number FROM device_identity')).toEqual([
      { section: 'evaluator', path: ttyUSB0, vendor_id: '1a86', product_id: '7523', serial_number: 'A1B2C3' },
    ]);
    expect(await r.counter.call('pingEvaluator', {})).toEqual({ ok: true, message: expect.stringContaining('评价器（地址 1）应答正常') });
    // Not in the exported file: that goes to other counters with other adapters.
    const exported = (await r.counter.call('exportDeviceSetup', {})) as { text: string };
    expect(exported.text).not.toContain('A1B2C3');

    // Replug: the adapter comes back as another tty; the old one is gone.
    const second = await startPtyPair();
    const ttyUSB1 = realpathSync(second.a);
    expect(ttyUSB1).not.toBe(ttyUSB0);
    sim.attach(await simulatorPort(second.b));
    system.plug(ttyUSB1);
    await first.kill();

    const back = await waitFor<ClerkState>(
      r.counter,
      'clerkState',
      (s) => s.devices.evaluator?.state === 'ok' && s.devices.evaluator.message.includes(ttyUSB1),
      10_000,
    );
    expect(back.devices.evaluator).toEqual({ state: 'ok', message: `评价器已在 ${ttyUSB1} 重新连接` });
    expect(await r.counter.call('pingEvaluator', {})).toEqual({ ok: true, message: expect.stringContaining('评价器（地址 1）应答正常') });
    expect(logged).toContainEqual({
      level: 'info',
      message: `evaluator reappeared on another port: ${ttyUSB0} → ${ttyUSB1}`,
      fields: { section: 'evaluator', from: ttyUSB0, to: ttyUSB1 },
    });
    // The setting keeps the path the manager chose.
    const view = (await r.counter.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(view.effective.evaluator?.port).toBe(ttyUSB0);

    // A rating pressed on the device (now on the new path) is stored.
    await r.counter.call('requestRating', {});
    await expect.poll(() => sim.device(1).session?.sessionId ?? null).not.toBeNull();
    expect(sim.press(5)).toBe(true);
    await expect
      .poll(() => r.query<{ level: number; outcome: string; channel: string }>('SELECT level, outcome, channel FROM rating'))
      .toEqual([{ level: 5, outcome: 'rated', channel: 'evaluator' }]);
  }, 15_000);

  it('a serial printer: the next job goes to the new path; the setting keeps the chosen one', async () => {
    const system = fakeSystem();
    const first = await startPtyPair();
    const ttyUSB0 = realpathSync(first.a);
    system.plug(ttyUSB0);
    const before = new PrinterSimulator();
    cleanups.push(() => before.close());
    await before.openSerial(first.b);

    const logged: Logged[] = [];
    const r = await deviceRig({ log: recordingLogger(logged) }, { discovery: system.deps, portPollMs: 200 });
    let closed = false;
    cleanups.push(() => (closed ? undefined : r.close()));
    await r.signIn(MANAGER);
    await r.counter.call('saveDeviceSetting', { change: { section: 'printer', value: serialPrinter(ttyUSB0) } });
    expect(r.query('SELECT section, path, serial_number FROM device_identity')).toEqual([
      { section: 'printer', path: ttyUSB0, serial_number: 'A1B2C3' },
    ]);
    expect(await r.counter.call('testPrinter', {})).toMatchObject({ ok: true });
    await before.waitForJobs(1);

    const second = await startPtyPair();
    const ttyUSB1 = realpathSync(second.a);
    const after = new PrinterSimulator();
    cleanups.push(() => after.close());
    await after.openSerial(second.b);
    system.plug(ttyUSB1);
    await first.kill();
    await expect
      .poll(() => logged.some((l) => l.message === `printer reappeared on another port: ${ttyUSB0} → ${ttyUSB1}`), { timeout: 5000 })
      .toBe(true);

    expect(await r.counter.call('testPrinter', {})).toMatchObject({ ok: true });
    expect(await after.waitForJobs(1)).toHaveLength(1);
    const view = (await r.counter.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(view.effective.printer?.link).toEqual({ kind: 'serial', path: ttyUSB0, baudRate: 9600, flowControl: 'none' });

    // Closed: the poll stops with it.
    closed = true;
    await r.close();
    const lists = system.lists;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(system.lists).toBe(lists);
  }, 15_000);

  it('remembers an identity only for a port that has one, forgets it on reset, and takes it from an imported file', async () => {
    const system = fakeSystem();
    const line = await startPtyPair();
    const tty = realpathSync(line.a);
    system.plug(tty);
    const r = await deviceRig({}, { discovery: system.deps, portPollMs: 200 });
    cleanups.push(() => r.close());
    await r.signIn(MANAGER);
    const identities = () => r.query<{ section: string; path: string }>('SELECT section, path FROM device_identity ORDER BY section');

    // The socat link itself is not in the listing, but it resolves to the adapter's tty.
    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(line.a, 1) } });
    expect(identities()).toEqual([{ section: 'evaluator', path: line.a }]);
    // A port with no USB ids (another pty): nothing remembered, the old identity goes.
    const other = await startPtyPair();
    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(other.a, 1) } });
    expect(identities()).toEqual([]);
    await r.counter.call('saveDeviceSetting', { change: { section: 'evaluator', value: ft12(tty, 1) } });
    expect(identities()).toEqual([{ section: 'evaluator', path: tty }]);
    await r.counter.call('resetDeviceSetting', { section: 'evaluator' });
    expect(identities()).toEqual([]);

    // Import: the file names the ports; this counter looks up what is on them.
    const exported = (await r.counter.call('exportDeviceSetup', {})) as { text: string };
    const document = JSON.parse(exported.text) as { setup: Record<string, unknown> };
    document.setup.evaluator = ft12(tty, 1);
    document.setup.printer = serialPrinter(tty);
    await r.counter.call('importDeviceSetup', { text: JSON.stringify(document) });
    expect(identities()).toEqual([
      { section: 'evaluator', path: tty },
      { section: 'printer', path: tty },
    ]);
    expect(((await r.counter.call('exportDeviceSetup', {})) as { text: string }).text).not.toContain('A1B2C3');
  }, 15_000);
});
