import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Timers } from '../../main/devices/evaluator/clock.ts';
import {
  diffPorts,
  findKnownDevice,
  followKnownDevice,
  listSerialPorts,
  parseByIdName,
  PortPoller,
  type DiscoveredPort,
  type PortChange,
  type PortDiscovery,
} from '../../main/devices/discovery.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The error serialport 13's linux list gives where udevadm is missing. */
function spawnEnoent(): Error {
  return Object.assign(new Error('spawn udevadm ENOENT'), {
    errno: -2,
    code: 'ENOENT',
    syscall: 'spawn udevadm',
    path: 'udevadm',
    spawnargs: ['info', '-e'],
  });
}

describe('listSerialPorts on this machine without udevadm', () => {
  it('a child process whose PATH has no udevadm falls back and does not throw', async () => {
    const script = `
      import { listSerialPorts } from ${JSON.stringify(path.join(repo, 'main/devices/discovery.ts'))};
      const found = await listSerialPorts();
      process.stdout.write(JSON.stringify(found));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        // Node itself is started by absolute path; the empty-ish PATH hides udevadm from serialport's spawn.
        { cwd: repo, env: { PATH: path.join(tmpdir(), 'halldesk-no-udevadm') }, timeout: 20_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const found = JSON.parse(stdout) as PortDiscovery;
    expect(found.method).toBe('fallback');
    expect(found.note).toMatch(/udevadm/);
    expect(found.note).toMatch(/已改为扫描 \/dev\/serial\/by-id/);
    expect(Array.isArray(found.ports)).toBe(true);
    for (const port of found.ports) expect(port.path).toMatch(/^\/dev\/tty(S|USB|ACM|AMA)\d+$|^\/dev\//);
  });

  it('an injected list that rejects like serialport does uses the real /dev', async () => {
    const found = await listSerialPorts({ list: () => Promise.reject(spawnEnoent()) });
    expect(found.method).toBe('fallback');
    expect(found.note).toContain('本机没有 udevadm');
    // Whatever this machine has, every port is a usual tty name or a by-id target.
    for (const port of found.ports)
      expect(port.source === 'by-id' || /^\/dev\/tty(S|USB|ACM|AMA)\d+$/.test(port.path)).toBe(true);
  });

  it('uses the system list when it works, with ids normalised', async () => {
    const found = await listSerialPorts({
      list: async () => [
        { path: '/dev/ttyS0' },
        {
          path: '/dev/ttyUSB0',
          vendorId: '0403',
          productId: '6001',
          serialNumber: 'A50285BI',
          manufacturer: 'FTDI',
          pnpId: 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
        },
      ],
    });
    expect(found.method).toBe('system');
    expect(found.note).toBe('通过系统串口列表找到 2 个串口。');
    expect(found.ports[0]).toEqual({
      path: '/dev/ttyUSB0',
      vendorId: '0403',
      productId: '6001',
      serialNumber: 'A50285BI',
      manufacturer: 'FTDI',
      byIdPath: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
      source: 'system',
    });
    expect(found.ports[1]).toEqual({ path: '/dev/ttyS0', source: 'system' });
  });
});

describe('fallback over a fake /dev and sysfs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'halldesk-discovery-'));
    const dev = path.join(root, 'dev');
    await mkdir(path.join(dev, 'serial/by-id'), { recursive: true });
    for (const name of [
      'ttyS0',
      'ttyS1',
      'ttyS10',
      'ttyS2',
      'ttyUSB0',
      'ttyUSB1',
      'ttyACM0',
      'ttyAMA0',
      'tty0',
      'null',
      'ttyprintk',
    ]) {
      await writeFile(path.join(dev, name), '');
    }
    await symlink(
      '../../ttyUSB0',
      path.join(dev, 'serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'),
    );
    await symlink('../../ttyUSB1', path.join(dev, 'serial/by-id/usb-1a86_USB2.0-Serial-if00-port0'));
    await symlink('../../ttyGONE', path.join(dev, 'serial/by-id/usb-Dangling_Link_X1-if00-port0'));
    // sysfs: ttyUSB0's device is the USB interface's ttyUSB0 node, two levels under the USB device.
    const usbDevice = path.join(root, 'sys/devices/pci0000:00/usb1/1-1');
    const iface = path.join(usbDevice, '1-1:1.0/ttyUSB0');
    await mkdir(iface, { recursive: true });
    await writeFile(path.join(usbDevice, 'idVendor'), '0403\n');
    await writeFile(path.join(usbDevice, 'idProduct'), '6001\n');
    await writeFile(path.join(usbDevice, 'serial'), 'A50285BI\n');
    await mkdir(path.join(root, 'sys/class/tty/ttyUSB0'), { recursive: true });
    await symlink(iface, path.join(root, 'sys/class/tty/ttyUSB0/device'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const deps = () => ({
    list: () => Promise.reject(spawnEnoent()),
    byIdDir: path.join(root, 'dev/serial/by-id'),
    devDir: path.join(root, 'dev'),
    sysTtyDir: path.join(root, 'sys/class/tty'),
  });

  it('resolves by-id links, reads ids from sysfs and adds the usual tty names', async () => {
    const found = await listSerialPorts(deps());
    const dev = path.join(root, 'dev');
    expect(found.method).toBe('fallback');
    expect(found.ports.map((p) => path.relative(dev, p.path))).toEqual([
      'ttyUSB0',
      'ttyUSB1',
      'ttyACM0',
      'ttyAMA0',
      'ttyS0',
      'ttyS1',
      'ttyS2',
      'ttyS10',
    ]);
    expect(found.ports[0]).toEqual({
      path: path.join(dev, 'ttyUSB0'),
      byIdPath: path.join(dev, 'serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'),
      source: 'by-id',
      manufacturer: 'FTDI',
      product: 'FT232R_USB_UART',
      serialNumber: 'A50285BI',
      vendorId: '0403',
      productId: '6001',
    });
    // No sysfs for ttyUSB1: the vendor id comes from the by-id name (udev uses the hex id when there is no vendor string).
    expect(found.ports[1]).toMatchObject({ source: 'by-id', vendorId: '1a86', product: 'USB2.0-Serial' });
    expect(found.ports[4]).toEqual({ path: path.join(dev, 'ttyS0'), source: 'dev' });
    expect(found.note).toContain('找到 8 个串口');
  });

  it('still lists the usual names when there is no by-id folder, and never throws on unreadable folders', async () => {
    await rm(path.join(root, 'dev/serial'), { recursive: true });
    const found = await listSerialPorts(deps());
    expect(found.ports.every((p) => p.source === 'dev')).toBe(true);
    expect(found.ports).toHaveLength(8);

    const nothing = await listSerialPorts({
      ...deps(),
      readdir: () => Promise.reject(new Error('EACCES')),
      realpath: () => Promise.reject(new Error('EACCES')),
      exists: () => Promise.reject(new Error('boom')) as Promise<boolean>,
    });
    expect(nothing.ports).toEqual([]);
    expect(nothing.note).toContain('请检查设备是否已接好');
  });

  it('parses by-id names where it can', () => {
    expect(parseByIdName('usb-Prolific_Technology_Inc._USB-Serial_Controller_D-if00-port0')).toEqual({
      bus: 'usb',
      manufacturer: 'Prolific',
      product: 'Technology_Inc._USB-Serial_Controller',
      serialNumber: 'D',
      interfaceNumber: '00',
    });
    expect(parseByIdName('usb-Arduino__www.arduino.cc__0043_95437313934351F0E1B1-if00')).toMatchObject({
      manufacturer: 'Arduino',
      serialNumber: '95437313934351F0E1B1',
    });
    expect(parseByIdName('garbage')).toBeNull();
  });
});

describe('known devices and hot-plug', () => {
  const ftdi = (p: string, serial = 'A50285BI'): DiscoveredPort => ({
    path: p,
    vendorId: '0403',
    productId: '6001',
    serialNumber: serial,
    source: 'by-id',
  });
  const ch340 = (p: string): DiscoveredPort => ({
    path: p,
    vendorId: '1a86',
    productId: '7523',
    source: 'dev',
  });
  const ttyS0: DiscoveredPort = { path: '/dev/ttyS0', source: 'dev' };

  it('finds a known device by vendor, product and serial, wherever it is', () => {
    const known = { vendorId: '0x0403', productId: '6001', serialNumber: 'A50285BI' };
    expect(findKnownDevice([ttyS0, ftdi('/dev/ttyUSB3', 'OTHER'), ftdi('/dev/ttyUSB7')], known)?.path).toBe(
      '/dev/ttyUSB7',
    );
    expect(findKnownDevice([ttyS0, ftdi('/dev/ttyUSB3', 'OTHER')], known)).toBeUndefined();
    // Without a serial number: only when vid:pid is unique.
    const noSerial = { vendorId: '1A86', productId: '7523' };
    expect(findKnownDevice([ch340('/dev/ttyUSB2')], noSerial)?.path).toBe('/dev/ttyUSB2');
    expect(findKnownDevice([ch340('/dev/ttyUSB2'), ch340('/dev/ttyUSB3')], noSerial)).toBeUndefined();
  });

  it('diffs lists; another device on the same path is a removal and an addition', () => {
    expect(diffPorts([ttyS0, ftdi('/dev/ttyUSB0')], [ttyS0, ftdi('/dev/ttyUSB1')])).toEqual({
      added: [ftdi('/dev/ttyUSB1')],
      removed: [ftdi('/dev/ttyUSB0')],
    });
    expect(diffPorts([ftdi('/dev/ttyUSB0')], [ch340('/dev/ttyUSB0')])).toEqual({
      added: [ch340('/dev/ttyUSB0')],
      removed: [ftdi('/dev/ttyUSB0')],
    });
    expect(diffPorts([ttyS0], [ttyS0])).toEqual({ added: [], removed: [] });
  });

  it('polls on the injected clock, reports plug / unplug / replug elsewhere, and follows the known device', async () => {
    const pending: { callback: () => void; ms: number }[] = [];
    const timers: Timers = {
      now: () => 0,
      setTimeout: (callback, ms) => {
        const t = { callback, ms };
        pending.push(t);
        return t;
      },
      clearTimeout: (handle) => {
        const i = pending.indexOf(handle as (typeof pending)[number]);
        if (i >= 0) pending.splice(i, 1);
      },
    };
    const lists: DiscoveredPort[][] = [
      [ttyS0],
      [ttyS0, ftdi('/dev/ttyUSB0')],
      [ttyS0],
      [ttyS0, ftdi('/dev/ttyUSB1')],
      [ttyS0, ftdi('/dev/ttyUSB1')],
    ];
    let call = 0;
    const poller = new PortPoller({
      discover: async () => ({
        ports: lists[Math.min(call++, lists.length - 1)]!,
        method: 'fallback',
        note: 'n',
      }),
      intervalMs: 1500,
      timers,
    });
    const changes: PortChange[] = [];
    const followed: (string | undefined)[] = [];
    poller.onChange((c) => changes.push(c));
    followKnownDevice(poller, { vendorId: '0403', productId: '6001', serialNumber: 'A50285BI' }, (p) =>
      followed.push(p?.path),
    );

    const tick = async () => {
      await new Promise((r) => setTimeout(r, 0));
      const t = pending.shift();
      expect(t?.ms).toBe(1500);
      t!.callback();
      await new Promise((r) => setTimeout(r, 0));
    };
    poller.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(changes).toHaveLength(1); // baseline: ttyS0 added
    await tick(); // plugged in on ttyUSB0
    await tick(); // unplugged
    await tick(); // back, on ttyUSB1
    await tick(); // no change
    expect(changes.map((c) => [c.added.map((p) => p.path), c.removed.map((p) => p.path)])).toEqual([
      [['/dev/ttyS0'], []],
      [['/dev/ttyUSB0'], []],
      [[], ['/dev/ttyUSB0']],
      [['/dev/ttyUSB1'], []],
    ]);
    expect(followed).toEqual(['/dev/ttyUSB0', undefined, '/dev/ttyUSB1']);
    expect(pending).toHaveLength(1);
    poller.stop();
    expect(pending).toHaveLength(0);
  });
});
