// A window's LOCAL device setup as a JSON file, to clone one window onto the
// next: printer, evaluator, outward display, voice. Versioned; an import is
// checked whole before anything is used, so a bad file never half-applies.
// What is deliberately NOT in the file: the hall server address and the
// enrollment secret (per window, secret), and USB serial numbers of the
// adapters (they differ from one machine to the next).
//
//   exportConfig(setup)       → the file's text
//   parseConfigImport(text)   → { ok: true, setup } | { ok: false, error } (zh-CN, says which field)
import { z } from 'zod';
import { DeviceSetupSchema, type DeviceSetup, type PrinterLinkSchema } from '../../common/device-setup.ts';
import type { EvaluatorProtocol } from '../devices/evaluator/driver.ts';
import type { FlowControl, PaperWidth } from '../devices/printer/index.ts';
import type { PrinterLink } from '../printing/config.ts';

export const CONFIG_DOCUMENT_KIND = 'halldesk.device-setup';
/**
 * Stays 1 while fields are only added with a default (e.g. setup.printer.font
 * and statusQueries): a version-1 file without them imports with the defaults,
 * so older files keep working. Bump it only when an old file would mean
 * something else or no longer parse.
 */
export const CONFIG_VERSION = 1;
/** No real setup comes near this; a bigger file is the wrong file. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export const ConfigDocumentSchema = z.strictObject({
  kind: z.literal(CONFIG_DOCUMENT_KIND),
  version: z.literal(CONFIG_VERSION),
  exportedAt: z.iso.datetime({ offset: true }),
  /** Where it came from, for the manager's eyes only (e.g. «3号窗口»). */
  from: z.string().max(100).nullable(),
  setup: DeviceSetupSchema,
});
export type ConfigDocument = z.infer<typeof ConfigDocumentSchema>;

export { DeviceSetupSchema, type DeviceSetup };

// The file's shapes are the ones the device layer takes.
type Assignable<A extends B, B> = A;
export type _PrinterLinkFits = Assignable<z.infer<typeof PrinterLinkSchema>, PrinterLink>;
export type _WidthFits = Assignable<DeviceSetup['printer'] & object, { width: PaperWidth }>;
export type _FlowFits = Assignable<'none' | 'rtscts' | 'xonxoff', FlowControl>;
export type _ProtocolFits = Assignable<NonNullable<DeviceSetup['evaluator']>['protocol'], EvaluatorProtocol>;

/** The file's text (pretty JSON, UTF-8). Throws when `setup` itself is invalid — a bug, not a user error. */
export function exportConfig(setup: DeviceSetup, options: { now?: Date; from?: string | null } = {}): string {
  const document: ConfigDocument = {
    kind: CONFIG_DOCUMENT_KIND,
    version: CONFIG_VERSION,
    exportedAt: (options.now ?? new Date()).toISOString(),
    from: options.from ?? null,
    setup,
  };
  const checked = ConfigDocumentSchema.safeParse(document, { reportInput: true });
  if (!checked.success)
    throw new Error(`导出失败，本机设备设置有误：${describeConfigIssues(checked.error.issues)}`);
  return JSON.stringify(checked.data, null, 2) + '\n';
}

/** A file name to offer in the save dialog, e.g. halldesk-设备设置-3号窗口-2026-11-28.json. */
export function suggestedConfigFileName(from: string | null, now: Date = new Date()): string {
  const safe = (from ?? '').replace(/[\\/:*?"<>|\s]+/g, '').slice(0, 40);
  return `halldesk-设备设置${safe ? `-${safe}` : ''}-${now.toISOString().slice(0, 10)}.json`;
}

export type ConfigImportErrorKind = 'json' | 'kind' | 'version' | 'field';

export interface ConfigImportError {
  kind: ConfigImportErrorKind;
  /** zh-CN: what is wrong and what to do. */
  message: string;
  /** The dotted path of the first bad field, e.g. setup.evaluator.address (kind 'field' only). */
  field?: string;
}

export type ConfigImportResult =
  { ok: true; document: ConfigDocument; setup: DeviceSetup } | { ok: false; error: ConfigImportError };

/** Checks an imported file whole; nothing is returned to apply unless all of it is valid. */
export function parseConfigImport(text: string): ConfigImportResult {
  const fail = (kind: ConfigImportErrorKind, message: string, field?: string): ConfigImportResult => ({
    ok: false,
    error: field === undefined ? { kind, message } : { kind, message, field },
  });
  if (text.length > MAX_CONFIG_BYTES) {
    return fail(
      'json',
      `文件太大（${text.length} 字符），不是 HallDesk 设备设置文件：请选择导出的 .json 文件。`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail('json', `文件不是有效的 JSON（${detail}），可能已损坏或被改动：请重新从原窗口导出。`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('json', '文件内容不是一个设备设置对象：请选择 HallDesk 导出的设备设置文件。');
  }
  const record = value as Record<string, unknown>;
  if (record.kind !== CONFIG_DOCUMENT_KIND) {
    return fail(
      'kind',
      `这不是 HallDesk 设备设置文件（kind 应为 ${CONFIG_DOCUMENT_KIND}）：请选择“导出设备设置”得到的文件。`,
    );
  }
  const version = record.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail(
      'version',
      `文件版本无效（${JSON.stringify(version) ?? '缺少'}），无法导入：请重新从原窗口导出。`,
    );
  }
  if (version > CONFIG_VERSION) {
    return fail(
      'version',
      `文件版本 ${version} 比本机支持的版本 ${CONFIG_VERSION} 新，无法导入：请先把本机 HallDesk 升级到与导出窗口相同的版本。`,
    );
  }
  if (version !== CONFIG_VERSION) {
    return fail(
      'version',
      `文件版本 ${version} 已不再支持（本机为 ${CONFIG_VERSION}）：请在原窗口升级后重新导出。`,
    );
  }
  const parsed = ConfigDocumentSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return fail(
      'field',
      `设备设置文件有误，未导入任何设置：${describeConfigIssues(parsed.error.issues)}`,
      first.path.join('.'),
    );
  }
  return { ok: true, document: parsed.data, setup: parsed.data.setup };
}

// ── Messages ───────────────────────────────────────────────────────────────

/** Field → [name, what it must be], zh-CN. `*` stands for any key. */
const FIELDS: Readonly<Record<string, readonly [string, string]>> = {
  exportedAt: ['导出时间', '应为 ISO 8601 时间'],
  from: ['来源窗口', '应为不超过 100 字的文字或 null'],
  setup: ['设备设置', '应为一个对象'],
  'setup.printer': ['打印机', '应为打印机设置或 null（不使用打印机）'],
  'setup.printer.link': ['打印机连接方式', '的 kind 应为 tcp、serial 或 usb'],
  'setup.printer.link.kind': ['打印机连接方式', '应为 tcp、serial 或 usb'],
  'setup.printer.link.host': ['打印机 IP 或主机名', '应为如 192.168.1.20 的地址'],
  'setup.printer.link.port': ['打印机网络端口', '应为 1–65535 的整数（通常为 9100）'],
  'setup.printer.link.path': ['打印机端口', '应为如 /dev/ttyUSB0 或 COM3 的端口名'],
  'setup.printer.link.baudRate': ['打印机波特率', '应为 300–921600 的整数'],
  'setup.printer.link.flowControl': ['打印机流控', '应为 none、rtscts 或 xonxoff'],
  'setup.printer.width': ['打印纸宽度', '应为 58 或 80'],
  'setup.printer.nativeQr': ['打印机自带二维码', '应为 true 或 false'],
  'setup.printer.font': ['打印机字库', '应为 gb18030、gbk 或 gb2312'],
  'setup.printer.statusQueries': ['打印机状态查询', '应为 true 或 false（打印机不回应状态查询时为 false）'],
  'setup.evaluator': ['评价器', '应为评价器设置或 null（不使用评价器）'],
  'setup.evaluator.port': ['评价器串口', '应为如 /dev/ttyUSB0 或 COM3 的端口名'],
  'setup.evaluator.protocol': ['评价器协议', '应为 ft12 或 ascii-keypad'],
  'setup.evaluator.baudRate': ['评价器波特率', '应为 300–921600 的整数'],
  'setup.evaluator.address': ['评价器地址', '应为 1–250 的整数'],
  'setup.evaluator.keyMap': ['评价器按键映射', '应为非空的「按键: 等级」表或 null（默认 1–5）'],
  'setup.evaluator.keyMap.*': ['评价器按键映射', '的按键应为单个 ASCII 字符，等级应为 1–5'],
  'setup.outwardDisplayId': ['外屏显示器', '应为显示器编号（非负整数）或 null（自动选择）'],
  'setup.voice': ['语音播报', '应为一个对象'],
  'setup.voice.enabled': ['语音播报开关', '应为 true 或 false'],
  'setup.voice.volume': ['语音音量', '应为 0–100 的整数'],
};

function fieldText(path: readonly PropertyKey[]): [string, string] | null {
  const key = path.map(String).join('.');
  const exact = FIELDS[key];
  if (exact) return [exact[0], exact[1]];
  const wild = FIELDS[[...path.slice(0, -1).map(String), '*'].join('.')];
  if (wild) return [`${wild[0]}「${String(path.at(-1))}」`, wild[1]];
  return null;
}

/** zh-CN for up to three issues, each naming its field. */
export function describeConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : '(整个文件)';
      if (issue.code === 'unrecognized_keys') {
        const owner = fieldText(issue.path)?.[0] ?? where;
        return `${owner}（${where}）里有不认识的项：${issue.keys.join('、')}（可能是拼写错误或更新版本的文件）`;
      }
      if (issue.code === 'invalid_key' && issue.path.length > 0) {
        const field = fieldText([...issue.path, '*']);
        if (field) return `${field[0]}（${where}）${field[1]}`;
      }
      const field = fieldText(issue.path);
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      const got = missing ? '' : `，收到 ${shortJson(valueAt(issue.input, issue.path.at(-1)))}`;
      if (field) return `${field[0]}（${where}）${missing ? '缺少' : field[1] + got}`;
      return `${where}：${missing ? '缺少' : '取值无效' + got}`;
    })
    .join('；');
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A union's issue carries the whole object; show the field itself (e.g. link.kind). */
function valueAt(input: unknown, key: PropertyKey | undefined): unknown {
  if (typeof input === 'object' && input !== null && typeof key === 'string' && key in input) {
    return (input as Record<string, unknown>)[key];
  }
  return input;
}
