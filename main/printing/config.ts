// Which printer this counter prints on, from the host's configuration (for
// now the environment): HALLDESK_PRINTER=tcp://127.0.0.1:9100 |
// serial:/dev/ttyUSB0?baud=9600&flow=rtscts | usb:/dev/usb/lp0, and
// HALLDESK_PRINTER_WIDTH=58|80, HALLDESK_PRINTER_NATIVE_QR=0 for printers
// without GS ( k.
import type { FlowControl, PaperWidth, PrinterProfile, PrinterTransport } from '../devices/printer/index.ts';
import { DEFAULT_PROFILE, openSerialTransport, openTcpTransport, openUsbLpTransport } from '../devices/printer/index.ts';

export type PrinterLink =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'serial'; path: string; baudRate: number; flowControl: FlowControl }
  | { kind: 'usb'; path: string };

export interface PrinterConfig {
  link: PrinterLink;
  profile: PrinterProfile;
}

/** Parses a printer address; throws an Error with a Chinese message when it is not one. */
export function parsePrinterLink(text: string): PrinterLink {
  const value = text.trim();
  const tcp = /^tcp:\/\/([^:/]+)(?::(\d{1,5}))?\/?$/.exec(value);
  if (tcp) {
    const port = tcp[2] === undefined ? 9100 : Number(tcp[2]);
    if (port < 1 || port > 65535) throw new Error(`打印机端口无效：${value}`);
    return { kind: 'tcp', host: tcp[1]!, port };
  }
  const serial = /^serial:([^?]+)(?:\?(.*))?$/.exec(value);
  if (serial) {
    const params = new URLSearchParams(serial[2] ?? '');
    const baudRate = Number(params.get('baud') ?? 9600);
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new Error(`串口波特率无效：${value}`);
    const flow = params.get('flow') ?? 'none';
    if (flow !== 'none' && flow !== 'rtscts' && flow !== 'xonxoff') throw new Error(`串口流控应为 none、rtscts 或 xonxoff：${value}`);
    return { kind: 'serial', path: serial[1]!, baudRate, flowControl: flow };
  }
  const usb = /^usb:(.+)$/.exec(value);
  if (usb) return { kind: 'usb', path: usb[1]! };
  throw new Error(
    `打印机地址无法识别：${value}。应为 tcp://IP:9100、serial:/dev/ttyUSB0?baud=9600 或 usb:/dev/usb/lp0`,
  );
}

/** The printer named by HALLDESK_PRINTER*; undefined when none is set. */
export function printerConfigFromEnv(env: Readonly<Record<string, string | undefined>>): PrinterConfig | undefined {
  const address = env.HALLDESK_PRINTER?.trim();
  if (!address) return undefined;
  const widthText = env.HALLDESK_PRINTER_WIDTH?.trim() || '80';
  if (widthText !== '58' && widthText !== '80') throw new Error(`HALLDESK_PRINTER_WIDTH 应为 58 或 80，收到：${widthText}`);
  const width: PaperWidth = widthText === '58' ? 58 : 80;
  const nativeQr = env.HALLDESK_PRINTER_NATIVE_QR?.trim() !== '0';
  return { link: parsePrinterLink(address), profile: { ...DEFAULT_PROFILE, width, nativeQr } };
}

/**
 * Opens the link for one job. `serialPath` (serial links only) says where the
 * port is now — a known USB printer followed to another path after a replug;
 * default: the link's own path.
 */
export function openPrinterLink(link: PrinterLink, serialPath?: () => string): Promise<PrinterTransport> {
  switch (link.kind) {
    case 'tcp':
      return openTcpTransport({ host: link.host, port: link.port });
    case 'serial':
      return openSerialTransport({ path: serialPath?.() ?? link.path, baudRate: link.baudRate, flowControl: link.flowControl });
    case 'usb':
      return openUsbLpTransport({ path: link.path });
  }
}

export function describePrinterLink(link: PrinterLink): string {
  switch (link.kind) {
    case 'tcp':
      return `网络打印机 ${link.host}:${link.port}`;
    case 'serial':
      return `串口打印机 ${link.path}（${link.baudRate} 波特）`;
    case 'usb':
      return `USB 打印机 ${link.path}`;
  }
}
