// The 设备设置 forms' checks (renderer/clerk/device-setup/device-setup-logic.ts): what they
// accept is what common/device-setup.ts accepts, and every refusal says which
// field and what to do.
import { describe, expect, it } from 'vitest';
import { DeviceSettingChange } from '../../common/device-setup.ts';
import {
  displayText,
  evaluatorChange,
  evaluatorFormOf,
  printerChange,
  printerFormOf,
  PRINTER_FONT_TEXT,
  PRINTER_FONTS,
  PRINTER_STATUS_QUERIES_HINT,
} from '../../renderer/clerk/device-setup/device-setup-logic.ts';

describe('evaluator form', () => {
  it('round-trips a setup and passes the contract', () => {
    const setup = {
      port: '/dev/ttyUSB0',
      protocol: 'ascii-keypad' as const,
      baudRate: 9600,
      address: 5,
      keyMap: { a: 5 as const, b: 4 as const, c: 3 as const, d: 2 as const, e: 1 as const },
    };
    const checked = evaluatorChange(evaluatorFormOf(setup));
    expect(checked).toEqual({ ok: true, change: { section: 'evaluator', value: setup } });
    if (checked.ok) expect(DeviceSettingChange.safeParse(checked.change).success).toBe(true);
  });

  it('不使用评价器 saves null; no evaluator starts with the switch on', () => {
    const form = evaluatorFormOf(null);
    expect(form.enabled).toBe(false);
    expect(evaluatorChange(form)).toEqual({ ok: true, change: { section: 'evaluator', value: null } });
  });

  it('refuses an empty port, a bad baud rate and an address outside 1–250', () => {
    const form = { ...evaluatorFormOf(null), enabled: true, port: ' ', baud: '96OO', address: '251' };
    const checked = evaluatorChange(form);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.port).toContain('请填写评价器串口');
    expect(checked.errors.baud).toContain('波特率');
    expect(checked.errors.address).toContain('1–250');
    for (const address of ['0', '1.5', '-1', '']) {
      const again = evaluatorChange({ ...form, port: 'COM3', baud: '9600', address });
      expect(again.ok).toBe(false);
    }
    expect(evaluatorChange({ ...form, port: 'COM3', baud: '9600', address: '250' }).ok).toBe(true);
  });

  it('key map: all five or none, single characters, no repeats', () => {
    const base = { ...evaluatorFormOf(null), enabled: true, port: 'COM3', protocol: 'ascii-keypad' as const };
    expect(evaluatorChange(base)).toMatchObject({ ok: true, change: { value: { keyMap: null } } });
    const partial = evaluatorChange({ ...base, keys: { 5: 'a', 4: '', 3: '', 2: '', 1: '' } });
    expect(partial.ok).toBe(false);
    const repeated = evaluatorChange({ ...base, keys: { 5: 'a', 4: 'a', 3: 'c', 2: 'd', 1: 'e' } });
    expect(repeated.ok || repeated.errors.key4).toContain('重复');
    const wide = evaluatorChange({ ...base, keys: { 5: '满', 4: 'b', 3: 'c', 2: 'd', 1: 'e' } });
    expect(wide.ok).toBe(false);
    // An ft12 evaluator ignores the keys typed for a keypad.
    const ft12 = evaluatorChange({ ...base, protocol: 'ft12', keys: { 5: 'a', 4: '', 3: '', 2: '', 1: '' } });
    expect(ft12).toMatchObject({ ok: true, change: { value: { keyMap: null } } });
  });
});

describe('printer form', () => {
  it('tcp: host and port checked; the change passes the contract', () => {
    const form = { ...printerFormOf(null), enabled: true, host: '192.168.1.50', tcpPort: '9100' };
    const checked = printerChange(form);
    expect(checked).toEqual({
      ok: true,
      change: {
        section: 'printer',
        value: {
          link: { kind: 'tcp', host: '192.168.1.50', port: 9100 },
          width: 80,
          nativeQr: false,
          font: 'gbk',
          statusQueries: true,
        },
      },
    });
    if (checked.ok) expect(DeviceSettingChange.safeParse(checked.change).success).toBe(true);
    const bad = printerChange({ ...form, host: 'http://x', tcpPort: '70000' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.host).toContain('不要带 http://');
      expect(bad.errors.tcpPort).toContain('1–65535');
    }
    expect(printerChange({ ...form, host: '' })).toMatchObject({
      ok: false,
      errors: { host: expect.stringContaining('IP 地址') },
    });
  });

  it('serial and usb need a path; serial a baud rate', () => {
    const serial = {
      ...printerFormOf(null),
      enabled: true,
      kind: 'serial' as const,
      path: '/dev/ttyS0',
      flowControl: 'rtscts' as const,
      width: 58 as const,
    };
    const checked = printerChange(serial);
    expect(checked).toMatchObject({
      ok: true,
      change: {
        value: {
          link: { kind: 'serial', path: '/dev/ttyS0', baudRate: 9600, flowControl: 'rtscts' },
          width: 58,
        },
      },
    });
    if (checked.ok) expect(DeviceSettingChange.safeParse(checked.change).success).toBe(true);
    expect(printerChange({ ...serial, baud: '10' }).ok).toBe(false);
    expect(printerChange({ ...serial, kind: 'usb', path: '' })).toMatchObject({
      ok: false,
      errors: { path: expect.stringContaining('USB') },
    });
    expect(printerChange({ ...serial, kind: 'usb', path: '/dev/usb/lp0' })).toMatchObject({
      ok: true,
      change: { value: { link: { kind: 'usb', path: '/dev/usb/lp0' } } },
    });
  });

  it('字库 and 状态查询: a new printer starts at GBK with status queries; each choice is saved as chosen', () => {
    const blank = printerFormOf(null);
    expect(blank).toMatchObject({ font: 'gbk', statusQueries: true });
    const form = { ...blank, enabled: true, kind: 'usb' as const, path: '/dev/usb/lp0' };
    for (const font of PRINTER_FONTS) {
      for (const statusQueries of [true, false]) {
        const checked = printerChange({ ...form, font, statusQueries });
        expect(checked).toMatchObject({ ok: true, change: { section: 'printer', value: { font, statusQueries } } });
        if (checked.ok) expect(DeviceSettingChange.parse(checked.change)).toEqual(checked.change);
      }
    }
    expect(PRINTER_FONTS.map((font) => PRINTER_FONT_TEXT[font])).toEqual([
      'GB18030 全字库',
      'GBK（常见）',
      '仅 GB2312（老型号）',
    ]);
    expect(PRINTER_STATUS_QUERIES_HINT).toBe('打印机不回应状态查询（部分单向 USB/串口）时关闭');
  });

  it('fills the form from a setup stored before 字库 and 状态查询 existed, with their defaults', () => {
    const stored = DeviceSettingChange.parse({
      section: 'printer',
      value: { link: { kind: 'tcp', host: 'printer-3', port: 9100 }, width: 58, nativeQr: true },
    });
    if (stored.section !== 'printer') throw new Error('unreachable');
    expect(printerFormOf(stored.value)).toMatchObject({ font: 'gbk', statusQueries: true, width: 58, nativeQr: true });
  });

  it('fills the form from each kind of setup and saves it unchanged', () => {
    const setups = [
      {
        link: { kind: 'tcp' as const, host: 'printer-3', port: 9100 },
        width: 80 as const,
        nativeQr: true,
        font: 'gbk' as const,
        statusQueries: true,
      },
      {
        link: { kind: 'serial' as const, path: 'COM1', baudRate: 19200, flowControl: 'xonxoff' as const },
        width: 58 as const,
        nativeQr: false,
        font: 'gb2312' as const,
        statusQueries: false,
      },
      {
        link: { kind: 'usb' as const, path: '/dev/usb/lp0' },
        width: 80 as const,
        nativeQr: false,
        font: 'gb18030' as const,
        statusQueries: true,
      },
    ];
    for (const setup of setups) {
      expect(printerChange(printerFormOf(setup))).toEqual({
        ok: true,
        change: { section: 'printer', value: setup },
      });
    }
    expect(printerChange(printerFormOf(null))).toEqual({
      ok: true,
      change: { section: 'printer', value: null },
    });
  });
});

describe('display text', () => {
  it('names the clerk screen and the current one', () => {
    expect(
      displayText({
        id: 2,
        label: '显示器 2（1920×1080）',
        width: 1920,
        height: 1080,
        primary: false,
        current: true,
      }),
    ).toBe('显示器 2（1920×1080） · 当前');
    expect(
      displayText({ id: 1, label: '显示器 1', width: 1366, height: 768, primary: true, current: false }),
    ).toBe('显示器 1（1366×768） · 工作台屏幕');
  });
});
