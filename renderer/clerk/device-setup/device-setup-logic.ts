// 设备设置 forms without React: what each form holds (text as typed), how it
// is filled from the setup in use, and how it becomes a DeviceSettingChange
// after the same checks as common/device-setup.ts, worded in zh-CN for the
// field they concern. Unit-tested.
import type {
  DeviceSettingChange,
  DisplayOption,
  EvaluatorSetup,
  PrinterFont,
  PrinterSetup,
  SerialPortOption,
} from '../../../common/device-setup.ts';
import type { RatingLevel } from '../../../common/ratings.ts';
import { IMPORT_TEXT_MAX_CHARS } from '../../../common/contract.ts';

/** What the contract allows for importDeviceSetup's text (256 KB; one number for the screen, the wire and the core). */
export const IMPORT_MAX_BYTES = IMPORT_TEXT_MAX_CHARS;

export type FieldErrors = Record<string, string>;
export type Checked<T> = { ok: true; change: T } | { ok: false; errors: FieldErrors };

const INTEGER = /^\d+$/;
const int = (text: string): number | null => (INTEGER.test(text.trim()) ? Number(text.trim()) : null);
const inRange = (value: number | null, min: number, max: number): value is number =>
  value !== null && value >= min && value <= max;

export const COMMON_BAUD_RATES = ['2400', '4800', '9600', '19200', '38400', '57600', '115200'];

// ---- 评价器 ---------------------------------------------------------------

export const PROTOCOL_TEXT: Record<EvaluatorSetup['protocol'], string> = {
  ft12: 'FT1.2 报文协议',
  'ascii-keypad': 'ASCII 键盘',
};

/** The five levels from best to worst, as the key map lists them. */
export const KEY_LEVELS: readonly RatingLevel[] = [5, 4, 3, 2, 1];

export interface EvaluatorForm {
  /** false: 不使用评价器. */
  enabled: boolean;
  port: string;
  protocol: EvaluatorSetup['protocol'];
  baud: string;
  address: string;
  /** ascii-keypad: the key for each level; all empty = the keypad's default keys. */
  keys: Record<RatingLevel, string>;
}

const NO_KEYS: Record<RatingLevel, string> = { 1: '', 2: '', 3: '', 4: '', 5: '' };

export function evaluatorFormOf(setup: EvaluatorSetup | null): EvaluatorForm {
  if (!setup)
    return { enabled: false, port: '', protocol: 'ft12', baud: '9600', address: '1', keys: { ...NO_KEYS } };
  const keys = { ...NO_KEYS };
  for (const [key, level] of Object.entries(setup.keyMap ?? {})) keys[level] = key;
  return {
    enabled: true,
    port: setup.port,
    protocol: setup.protocol,
    baud: String(setup.baudRate),
    address: String(setup.address),
    keys,
  };
}

export function checkBaud(text: string): string | null {
  return inRange(int(text), 300, 921_600) ? null : '波特率应为 300–921600 之间的整数，常用 9600';
}

export function checkDevicePath(text: string, what: string, example: string): string | null {
  const value = text.trim();
  if (!value) return `请填写${what}，例如 ${example}`;
  if (value.length > 200) return `${what}过长（最多 200 个字符）`;
  return null;
}

export function evaluatorChange(form: EvaluatorForm): Checked<DeviceSettingChange> {
  if (!form.enabled) return { ok: true, change: { section: 'evaluator', value: null } };
  const errors: FieldErrors = {};
  const port = checkDevicePath(form.port, '评价器串口', '/dev/ttyUSB0 或 COM3');
  if (port) errors.port = port;
  const baud = checkBaud(form.baud);
  if (baud) errors.baud = baud;
  const address = int(form.address);
  if (!inRange(address, 1, 250)) errors.address = '评价器地址应为 1–250 之间的整数（见评价器背面或设置菜单）';
  let keyMap: Record<string, RatingLevel> | null = null;
  if (form.protocol === 'ascii-keypad') {
    const filled = KEY_LEVELS.filter((level) => form.keys[level] !== '');
    if (filled.length > 0) {
      const seen = new Map<string, RatingLevel>();
      keyMap = {};
      for (const level of KEY_LEVELS) {
        const key = form.keys[level];
        if (key === '') errors[`key${level}`] = '请填写全部五个按键，或全部留空使用评价器的默认按键';
        else if (!/^[\x20-\x7e]$/.test(key)) errors[`key${level}`] = '按键应为一个英文字母、数字或符号';
        else if (seen.has(key)) errors[`key${level}`] = `与「${key}」重复，每个评价等级的按键应不同`;
        else {
          seen.set(key, level);
          keyMap[key] = level;
        }
      }
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    change: {
      section: 'evaluator',
      value: {
        port: form.port.trim(),
        protocol: form.protocol,
        baudRate: int(form.baud)!,
        address: address!,
        keyMap,
      },
    },
  };
}

// ---- 打印机 ---------------------------------------------------------------

export const PRINTER_KIND_TEXT: Record<PrinterSetup['link']['kind'], string> = {
  tcp: '网络（TCP）',
  serial: '串口',
  usb: 'USB',
};

export const FLOW_CONTROL_TEXT: Record<'none' | 'rtscts' | 'xonxoff', string> = {
  none: '无',
  rtscts: '硬件（RTS/CTS）',
  xonxoff: '软件（XON/XOFF）',
};

/** The 字库 choices, in the order shown. */
export const PRINTER_FONTS: readonly PrinterFont[] = ['gb18030', 'gbk', 'gb2312'];

export const PRINTER_FONT_TEXT: Record<PrinterFont, string> = {
  gb18030: 'GB18030 全字库',
  gbk: 'GBK（常见）',
  gb2312: '仅 GB2312（老型号）',
};

export const PRINTER_FONT_HINT =
  '打印机字库里没有的字（如 喆、𠈌）会按图片打印；不确定时选 GBK，并打印测试页核对';
export const PRINTER_STATUS_QUERIES_HINT = '打印机不回应状态查询（部分单向 USB/串口）时关闭';

export interface PrinterForm {
  /** false: 不使用打印机. */
  enabled: boolean;
  kind: PrinterSetup['link']['kind'];
  host: string;
  tcpPort: string;
  path: string;
  baud: string;
  flowControl: 'none' | 'rtscts' | 'xonxoff';
  width: 58 | 80;
  nativeQr: boolean;
  /** What the printer's font holds (字库). */
  font: PrinterFont;
  /** Ask the printer's status around each job (状态查询). */
  statusQueries: boolean;
}

export function printerFormOf(setup: PrinterSetup | null): PrinterForm {
  const form: PrinterForm = {
    enabled: setup !== null,
    kind: 'tcp',
    host: '',
    tcpPort: '9100',
    path: '',
    baud: '9600',
    flowControl: 'none',
    width: 80,
    nativeQr: false,
    font: 'gbk',
    statusQueries: true,
  };
  if (!setup) return form;
  form.width = setup.width;
  form.nativeQr = setup.nativeQr;
  form.font = setup.font;
  form.statusQueries = setup.statusQueries;
  const link = setup.link;
  form.kind = link.kind;
  if (link.kind === 'tcp') {
    form.host = link.host;
    form.tcpPort = String(link.port);
  } else if (link.kind === 'serial') {
    form.path = link.path;
    form.baud = String(link.baudRate);
    form.flowControl = link.flowControl;
  } else {
    form.path = link.path;
  }
  return form;
}

export function checkHost(text: string): string | null {
  const host = text.trim();
  if (!host) return '请填写打印机的 IP 地址或主机名，例如 192.168.1.50';
  if (host.length > 253) return '打印机地址过长';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host))
    return '打印机地址只能包含字母、数字和 . : _ -，例如 192.168.1.50（不要带 http://）';
  return null;
}

export function checkTcpPort(text: string): string | null {
  return inRange(int(text), 1, 65535) ? null : '端口应为 1–65535 之间的整数，网络打印机通常为 9100';
}

export function printerChange(form: PrinterForm): Checked<DeviceSettingChange> {
  if (!form.enabled) return { ok: true, change: { section: 'printer', value: null } };
  const errors: FieldErrors = {};
  let link: PrinterSetup['link'] | null = null;
  if (form.kind === 'tcp') {
    const host = checkHost(form.host);
    if (host) errors.host = host;
    const port = checkTcpPort(form.tcpPort);
    if (port) errors.tcpPort = port;
    if (!host && !port) link = { kind: 'tcp', host: form.host.trim(), port: int(form.tcpPort)! };
  } else {
    const example = form.kind === 'serial' ? '/dev/ttyS0 或 COM1' : '/dev/usb/lp0';
    const path = checkDevicePath(
      form.path,
      form.kind === 'serial' ? '打印机串口' : '打印机 USB 设备路径',
      example,
    );
    if (path) errors.path = path;
    if (form.kind === 'serial') {
      const baud = checkBaud(form.baud);
      if (baud) errors.baud = baud;
      if (!path && !baud) {
        link = {
          kind: 'serial',
          path: form.path.trim(),
          baudRate: int(form.baud)!,
          flowControl: form.flowControl,
        };
      }
    } else if (!path) {
      link = { kind: 'usb', path: form.path.trim() };
    }
  }
  if (!link || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    change: {
      section: 'printer',
      value: {
        link,
        width: form.width,
        nativeQr: form.nativeQr,
        font: form.font,
        statusQueries: form.statusQueries,
      },
    },
  };
}

// ---- 外屏显示器 / 串口 ---------------------------------------------------

/** 「显示器 2（1920×1080）· 工作台屏幕 · 当前」 */
export function displayText(display: DisplayOption): string {
  const size = `${display.width}×${display.height}`;
  const parts = [display.label.includes(size) ? display.label : `${display.label}（${size}）`];
  if (display.primary) parts.push('工作台屏幕');
  if (display.current) parts.push('当前');
  return parts.join(' · ');
}

export const NO_DISPLAY_LIST = '本终端无法获取显示器列表（浏览器模式），外屏请在对外屏页面打开';

/** 「/dev/ttyUSB0 — 1a86:7523 CH340」 */
export function portText(port: SerialPortOption): string {
  return port.description ? `${port.path} — ${port.description}` : port.path;
}

/** 「12.5 KB」 */
export function formatKb(bytes: number): string {
  return `${Math.round((bytes / 1024) * 10) / 10} KB`;
}
