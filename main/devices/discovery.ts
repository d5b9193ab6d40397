// Serial port discovery for the 设备设置 screen and for reconnecting a known
// device. serialport 13's `SerialPort.list()` spawns `udevadm` on Linux and
// rejects (spawn udevadm ENOENT) where it is missing — containers, minimal
// images. Then we look ourselves: /dev/serial/by-id/* (resolved to the real
// tty; vendor, model and serial parsed out of the udev name, vendor/product
// ids read from sysfs when it is there) plus the usual /dev/ttyS*,
// ttyUSB*, ttyACM*, ttyAMA* names. Never throws: the result always carries
// the ports found and a zh-CN note saying how.
//
// Hot-plug: `PortPoller` lists again every interval (timers injected), diffs
// the lists and reports added / removed ports. A known device is matched by
// vendor id + product id + serial number (`findKnownDevice`), so one that
// reappears on another path (ttyUSB0 → ttyUSB1) is found again.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { systemTimers, type TimerHandle, type Timers } from './evaluator/clock.ts';

/** What `SerialPort.list()` hands back (serialport 13's PortInfo). */
export interface ListedPort {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  productId?: string | undefined;
  vendorId?: string | undefined;
}

export type PortSource = 'system' | 'by-id' | 'dev';

export interface DiscoveredPort {
  /** The real device path, e.g. /dev/ttyUSB0 (a by-id link is resolved). */
  path: string;
  /** USB vendor id, 4 lower-case hex digits, when known. */
  vendorId?: string;
  /** USB product id, 4 lower-case hex digits, when known. */
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** The model name from the udev by-id name, when found that way. */
  product?: string;
  /** The stable /dev/serial/by-id/… link, when there is one. */
  byIdPath?: string;
  /** How it was found: the system list, a by-id link, or a /dev/tty* name. */
  source: PortSource;
}

export interface PortDiscovery {
  ports: DiscoveredPort[];
  method: 'system' | 'fallback';
  /** zh-CN, for the manager: how the ports were found (and why the fallback was used). */
  note: string;
}

export interface DiscoveryDeps {
  /** Default: `SerialPort.list()`. */
  list: () => Promise<ListedPort[]>;
  /** Entry names of a folder; default fs.promises.readdir. */
  readdir: (dir: string) => Promise<string[]>;
  /** Default fs.promises.realpath. */
  realpath: (file: string) => Promise<string>;
  /** Default: fs.promises.access succeeds. */
  exists: (file: string) => Promise<boolean>;
  /** Text of a (sysfs) file; default fs.promises.readFile(…, 'utf8'). */
  readFile: (file: string) => Promise<string>;
  /** Folder with the by-id links. Default /dev/serial/by-id. */
  byIdDir: string;
  /** Folder with the tty nodes. Default /dev. */
  devDir: string;
  /** sysfs tty class folder, for vendor/product ids. Default /sys/class/tty. */
  sysTtyDir: string;
}

const USUAL_TTY = /^tty(S|USB|ACM|AMA)\d+$/;

export const defaultDiscoveryDeps: DiscoveryDeps = {
  list: () => SerialPort.list(),
  readdir: (dir) => fsp.readdir(dir),
  realpath: (file) => fsp.realpath(file),
  exists: (file) =>
    fsp.access(file).then(
      () => true,
      () => false,
    ),
  readFile: (file) => fsp.readFile(file, 'utf8'),
  byIdDir: '/dev/serial/by-id',
  devDir: '/dev',
  sysTtyDir: '/sys/class/tty',
};

/** Lists the serial ports; never throws. */
export async function listSerialPorts(deps: Partial<DiscoveryDeps> = {}): Promise<PortDiscovery> {
  const d: DiscoveryDeps = { ...defaultDiscoveryDeps, ...deps };
  let reason: string;
  try {
    const listed = await d.list();
    const ports = sortPorts(
      listed.filter((p) => typeof p.path === 'string' && p.path !== '').map(fromListed),
    );
    return { ports, method: 'system', note: `通过系统串口列表找到 ${ports.length} 个串口。` };
  } catch (error) {
    reason = describeListFailure(error);
  }
  let ports: DiscoveredPort[];
  try {
    ports = await fallbackPorts(d);
  } catch {
    // Each step already swallows its own failures; this is a last guard.
    ports = [];
  }
  return {
    ports,
    method: 'fallback',
    note:
      `系统串口列表不可用（${reason}），已改为扫描 ${d.byIdDir} 和 ${d.devDir}/ttyS*、ttyUSB*、ttyACM*、ttyAMA*，` +
      `找到 ${ports.length} 个串口。` +
      (ports.length === 0 ? '请检查设备是否已接好、驱动是否已装。' : ''),
  };
}

function describeListFailure(error: unknown): string {
  const e = error as { code?: unknown; path?: unknown; message?: unknown } | null;
  const message = e && typeof e.message === 'string' ? e.message : String(error);
  if (e && e.code === 'ENOENT' && /udevadm/.test(message)) return `本机没有 udevadm：${message}`;
  return message;
}

function hex4(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(text) ? text.padStart(4, '0') : undefined;
}

function fromListed(p: ListedPort): DiscoveredPort {
  const port: DiscoveredPort = { path: p.path, source: 'system' };
  const vendorId = hex4(p.vendorId);
  const productId = hex4(p.productId);
  if (vendorId) port.vendorId = vendorId;
  if (productId) port.productId = productId;
  if (p.serialNumber) port.serialNumber = p.serialNumber;
  if (p.manufacturer) port.manufacturer = p.manufacturer;
  if (p.pnpId) port.byIdPath = `/dev/serial/by-id/${p.pnpId}`;
  return port;
}

export interface ByIdName {
  bus: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  /** Set when udev had no vendor string and used the hex id instead (e.g. `usb-1a86_USB2.0-Serial-if00-port0`). */
  vendorId?: string;
  interfaceNumber?: string;
}

/**
 * Parses a udev by-id name: `<bus>-<vendor>_<model>[_<serial>]-if<NN>[-port<N>]`,
 * e.g. `usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0`. Vendor and model may
 * themselves hold underscores, so the split is a best guess: the first part
 * is the vendor, the last part the serial when there are three or more
 * parts. Returns null for a name that does not look like one.
 */
export function parseByIdName(name: string): ByIdName | null {
  const m = /^([a-z0-9]+)-(.+?)(?:-if([0-9a-f]{2}))?(?:-port\d+)?$/i.exec(name);
  if (!m) return null;
  const parts = m[2]!.split('_').filter((s) => s !== '');
  if (parts.length === 0) return null;
  const result: ByIdName = { bus: m[1]!.toLowerCase() };
  if (m[3]) result.interfaceNumber = m[3];
  const vendor = parts[0]!;
  if (/^[0-9a-f]{4}$/i.test(vendor)) result.vendorId = vendor.toLowerCase();
  else result.manufacturer = vendor;
  if (parts.length === 2) result.product = parts[1]!;
  if (parts.length >= 3) {
    result.product = parts.slice(1, -1).join('_');
    result.serialNumber = parts[parts.length - 1]!;
  }
  return result;
}

async function safe<T>(work: () => Promise<T>, otherwise: T): Promise<T> {
  try {
    return await work();
  } catch {
    return otherwise;
  }
}

/** Vendor id, product id and serial of a USB tty from sysfs (the USB device is one or two levels above the tty's device). */
async function sysfsIdentity(
  d: DiscoveryDeps,
  devPath: string,
): Promise<{ vendorId?: string; productId?: string; serialNumber?: string }> {
  const name = path.basename(devPath);
  const deviceLink = path.join(d.sysTtyDir, name, 'device');
  const device = await safe(() => d.realpath(deviceLink), null);
  if (!device) return {};
  for (const dir of [path.dirname(device), path.dirname(path.dirname(device)), device]) {
    const vendorFile = path.join(dir, 'idVendor');
    if (!(await d.exists(vendorFile))) continue;
    const read = (file: string) => safe(async () => (await d.readFile(path.join(dir, file))).trim(), '');
    const out: { vendorId?: string; productId?: string; serialNumber?: string } = {};
    const vendorId = hex4(await read('idVendor'));
    const productId = hex4(await read('idProduct'));
    const serialNumber = await read('serial');
    if (vendorId) out.vendorId = vendorId;
    if (productId) out.productId = productId;
    if (serialNumber) out.serialNumber = serialNumber;
    return out;
  }
  return {};
}

async function fallbackPorts(d: DiscoveryDeps): Promise<DiscoveredPort[]> {
  const found = new Map<string, DiscoveredPort>();
  if (await d.exists(d.byIdDir)) {
    const names = await safe(() => d.readdir(d.byIdDir), [] as string[]);
    for (const name of names.sort()) {
      const link = path.join(d.byIdDir, name);
      const real = await safe(() => d.realpath(link), null);
      if (!real || found.has(real)) continue;
      const port: DiscoveredPort = { path: real, byIdPath: link, source: 'by-id' };
      const parsed = parseByIdName(name);
      if (parsed?.manufacturer) port.manufacturer = parsed.manufacturer;
      if (parsed?.product) port.product = parsed.product;
      if (parsed?.serialNumber) port.serialNumber = parsed.serialNumber;
      if (parsed?.vendorId) port.vendorId = parsed.vendorId;
      const sys = await sysfsIdentity(d, real);
      if (sys.vendorId) port.vendorId = sys.vendorId;
      if (sys.productId) port.productId = sys.productId;
      if (sys.serialNumber) port.serialNumber = sys.serialNumber;
      found.set(real, port);
    }
  }
  const devNames = await safe(() => d.readdir(d.devDir), [] as string[]);
  for (const name of devNames) {
    if (!USUAL_TTY.test(name)) continue;
    const devPath = path.join(d.devDir, name);
    if (found.has(devPath)) continue;
    const port: DiscoveredPort = { path: devPath, source: 'dev' };
    if (/^tty(USB|ACM)/.test(name)) Object.assign(port, await sysfsIdentity(d, devPath));
    found.set(devPath, port);
  }
  return sortPorts([...found.values()]);
}

/** USB and by-id ports first (the likely devices), then by name with numbers in order (ttyS2 before ttyS10). */
function sortPorts(ports: DiscoveredPort[]): DiscoveredPort[] {
  const rank = (p: DiscoveredPort) => (p.byIdPath || p.vendorId ? 0 : 1);
  return ports.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path, 'en', { numeric: true }));
}

// ── Known devices ──────────────────────────────────────────────────────────

export interface DeviceIdentity {
  vendorId: string;
  productId: string;
  /** Empty or absent for adapters without one (many CH340s): then vid:pid must be unique among the ports. */
  serialNumber?: string | undefined;
}

/** The identity to remember for a port, or null when it has no vendor/product id (a bare ttyS). */
export function identityOf(port: DiscoveredPort): DeviceIdentity | null {
  if (!port.vendorId || !port.productId) return null;
  return { vendorId: port.vendorId, productId: port.productId, serialNumber: port.serialNumber ?? '' };
}

/**
 * The port a known device is on now, wherever it reappeared. Vendor and
 * product ids compare without case or `0x`; the serial number exactly. A
 * device remembered without a serial number is found only when exactly one
 * port has its vendor and product id (two such adapters cannot be told apart).
 */
export function findKnownDevice(
  ports: readonly DiscoveredPort[],
  known: DeviceIdentity,
): DiscoveredPort | undefined {
  const vendorId = hex4(known.vendorId);
  const productId = hex4(known.productId);
  if (!vendorId || !productId) return undefined;
  const same = ports.filter((p) => p.vendorId === vendorId && p.productId === productId);
  const serial = known.serialNumber?.trim() ?? '';
  if (serial !== '') return same.find((p) => p.serialNumber === serial);
  return same.length === 1 ? same[0] : undefined;
}

// ── Hot-plug ───────────────────────────────────────────────────────────────

export interface PortChange {
  added: DiscoveredPort[];
  removed: DiscoveredPort[];
  /** The full list after the change. */
  ports: DiscoveredPort[];
  note: string;
}

function portKey(p: DiscoveredPort): string {
  return `${p.path}|${p.vendorId ?? ''}:${p.productId ?? ''}:${p.serialNumber ?? ''}`;
}

/** Ports in `after` and not in `before`, and the other way round; a different device on the same path counts as both. */
export function diffPorts(
  before: readonly DiscoveredPort[],
  after: readonly DiscoveredPort[],
): { added: DiscoveredPort[]; removed: DiscoveredPort[] } {
  const had = new Set(before.map(portKey));
  const has = new Set(after.map(portKey));
  return {
    added: after.filter((p) => !had.has(portKey(p))),
    removed: before.filter((p) => !has.has(portKey(p))),
  };
}

export interface PortPollerOptions {
  /** Default: listSerialPorts() with the real system. */
  discover?: () => Promise<PortDiscovery>;
  /** Default 2000 ms. */
  intervalMs?: number;
  timers?: Timers;
}

/**
 * Lists the ports every interval and reports changes. The first poll sets
 * the baseline and reports every port as added. Polls never overlap; the
 * next one is scheduled when the previous one has finished.
 */
export class PortPoller {
  private readonly discover: () => Promise<PortDiscovery>;
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly listeners = new Set<(change: PortChange) => void>();
  private known: DiscoveredPort[] = [];
  private timer: TimerHandle | null = null;
  private running = false;
  private polling: Promise<PortChange | null> | null = null;
  private note = '';

  constructor(options: PortPollerOptions = {}) {
    this.discover = options.discover ?? (() => listSerialPorts());
    this.intervalMs = options.intervalMs ?? 2000;
    this.timers = options.timers ?? systemTimers;
  }

  get ports(): readonly DiscoveredPort[] {
    return this.known;
  }

  get lastNote(): string {
    return this.note;
  }

  onChange(listener: (change: PortChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.pollNow().finally(() => this.schedule());
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Lists once now; resolves with the change reported (null when nothing changed). */
  pollNow(): Promise<PortChange | null> {
    if (this.polling) return this.polling;
    this.polling = (async () => {
      let found: PortDiscovery;
      try {
        found = await this.discover();
      } catch (error) {
        // listSerialPorts never throws; an injected discover might.
        found = { ports: this.known, method: 'fallback', note: `串口扫描失败：${String(error)}` };
      }
      this.note = found.note;
      const { added, removed } = diffPorts(this.known, found.ports);
      this.known = found.ports;
      if (added.length === 0 && removed.length === 0) return null;
      const change: PortChange = { added, removed, ports: found.ports, note: found.note };
      for (const listener of [...this.listeners]) listener(change);
      return change;
    })().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.pollNow().finally(() => this.schedule());
    }, this.intervalMs);
  }
}

/**
 * Follows a known device across hot-plugs: `listener` gets the port each
 * time the device appears (on whatever path) and `undefined` when it goes.
 * Returns the unsubscribe function.
 */
export function followKnownDevice(
  poller: PortPoller,
  known: DeviceIdentity,
  listener: (port: DiscoveredPort | undefined) => void,
): () => void {
  let current = findKnownDevice(poller.ports, known)?.path;
  return poller.onChange((change) => {
    const port = findKnownDevice(change.ports, known);
    if (port?.path === current) return;
    current = port?.path;
    listener(port);
  });
}
