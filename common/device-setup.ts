// A window's device setup (设备设置): printer, evaluator, outward display,
// voice. The same shapes travel in the exported JSON file
// (main/config-transfer.ts), in the hall server's config stream (a hall
// default and per-window setups, kind 'device-setup') and between the clerk
// screen and the counter core (contract.ts).
//
// Each of the four sections comes from one of four sources, first found wins:
//   local    — set on this counter by a manager (设备设置 or an imported file)
//   hall     — pushed by the hall server for this window, else the hall default
//   launcher — what the launcher passed (environment variables in the demos)
//   default  — none: no printer, no evaluator, automatic display, voice on at 80
import { z } from 'zod';
import { IdCardReaderSetupSchema } from './id-card.ts';

const deviceText = z.string().trim().min(1).max(200);

export const PrinterLinkSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('tcp'),
    host: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:_-]+$/),
    port: z.number().int().min(1).max(65535),
  }),
  z.strictObject({
    kind: z.literal('serial'),
    path: deviceText,
    baudRate: z.number().int().min(300).max(921_600),
    flowControl: z.enum(['none', 'rtscts', 'xonxoff']),
  }),
  z.strictObject({ kind: z.literal('usb'), path: deviceText }),
]);

export const PrinterSetupSchema = z.strictObject({
  link: PrinterLinkSchema,
  width: z.union([z.literal(58), z.literal(80)]),
  /** The printer draws QR codes itself (GS ( k). */
  nativeQr: z.boolean(),
  // The two fields below came later: each has a default, so a setting stored
  // before them (device_setting rows, hall pushes, exported files of version 1)
  // still parses and means what it meant — a GBK font that answers status
  // queries, as the device layer assumed. No new file version is needed.
  /**
   * What the printer's font holds: 'gb18030' the full font with the 4-byte
   * characters (𠈌); 'gbk' every two-byte character (the usual case);
   * 'gb2312' GB2312 only (cheap printers: 喆, 堃 missing). Characters the
   * font lacks are printed as an image line.
   */
  font: z.enum(['gb18030', 'gbk', 'gb2312']).default('gbk'),
  /** Ask the printer's status (DLE EOT) before and after each job; off for one-way links that never answer. */
  statusQueries: z.boolean().default(true),
});

export const KeyMapSchema = z
  .record(
    z.string().regex(/^[\x20-\x7e]$/),
    z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  )
  .refine((map) => Object.keys(map).length > 0, { message: 'empty' });

export const EvaluatorSetupSchema = z.strictObject({
  port: deviceText,
  protocol: z.enum(['ft12', 'ascii-keypad']),
  baudRate: z.number().int().min(300).max(921_600),
  /** ft12 device address 1–250 (an ascii keypad has none; kept for switching back). */
  address: z.number().int().min(1).max(250),
  /** ascii-keypad: key character → level 1–5; null = the default '1'…'5'. */
  keyMap: KeyMapSchema.nullable(),
});

export const VoiceSetupSchema = z.strictObject({
  enabled: z.boolean(),
  /** 0–100. */
  volume: z.number().int().min(0).max(100),
});

const deviceSetupFields = {
  /** null: no printer at this window. */
  printer: PrinterSetupSchema.nullable(),
  /** null: no evaluator at this window. */
  evaluator: EvaluatorSetupSchema.nullable(),
  /** Electron display id of the outward screen; null = automatic (the first display that is not the clerk's). */
  outwardDisplayId: z.number().int().nonnegative().nullable(),
  voice: VoiceSetupSchema,
  /** null: no ID card reader at this window. */
  idCardReader: IdCardReaderSetupSchema.nullable(),
};

export const DeviceSetupSchema = z.strictObject({
  ...deviceSetupFields,
  // Added later: absent in older files and stored setups, read as none.
  idCardReader: deviceSetupFields.idCardReader.default(null),
});
export type DeviceSetup = z.infer<typeof DeviceSetupSchema>;

export type PrinterSetup = z.infer<typeof PrinterSetupSchema>;
export type PrinterFont = PrinterSetup['font'];
export type EvaluatorSetup = z.infer<typeof EvaluatorSetupSchema>;
export type VoiceSetup = z.infer<typeof VoiceSetupSchema>;

export const DEVICE_SECTIONS = ['printer', 'evaluator', 'outwardDisplayId', 'voice', 'idCardReader'] as const;
export const DeviceSection = z.enum(DEVICE_SECTIONS);
export type DeviceSection = z.infer<typeof DeviceSection>;

export const DEVICE_SECTION_NAME: Readonly<Record<DeviceSection, string>> = {
  printer: '打印机',
  evaluator: '评价器',
  outwardDisplayId: '外屏显示器',
  voice: '语音播报',
  idCardReader: '身份证阅读器',
};

export const DEFAULT_DEVICE_SETUP: DeviceSetup = {
  printer: null,
  evaluator: null,
  outwardDisplayId: null,
  voice: { enabled: true, volume: 80 },
  idCardReader: null,
};

/** What the hall server pushes: only the sections the hall sets (key 'default' for every window, or a window id). */
export const HallDeviceSetup = z.strictObject(deviceSetupFields).partial();
export type HallDeviceSetup = z.infer<typeof HallDeviceSetup>;

export const SetupSource = z.enum(['local', 'hall', 'launcher', 'default']);
export type SetupSource = z.infer<typeof SetupSource>;
export const SETUP_SOURCE_NAME: Readonly<Record<SetupSource, string>> = {
  local: '本机设置',
  hall: '大厅统一配置',
  launcher: '启动参数',
  default: '默认',
};

/** One local change: a section and its new value (null where the section allows it: no printer, no evaluator, automatic display). */
export const DeviceSettingChange = z.discriminatedUnion('section', [
  z.strictObject({ section: z.literal('printer'), value: PrinterSetupSchema.nullable() }),
  z.strictObject({ section: z.literal('evaluator'), value: EvaluatorSetupSchema.nullable() }),
  z.strictObject({ section: z.literal('outwardDisplayId'), value: z.number().int().nonnegative().nullable() }),
  z.strictObject({ section: z.literal('voice'), value: VoiceSetupSchema }),
  z.strictObject({ section: z.literal('idCardReader'), value: IdCardReaderSetupSchema.nullable() }),
]);
export type DeviceSettingChange = z.infer<typeof DeviceSettingChange>;

/** A display the outward screen can be put on, as the host sees it. */
export const DisplayOption = z.object({
  id: z.number().int().nonnegative(),
  /** e.g. 显示器 2（1920×1080） */
  label: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The clerk's screen. */
  primary: z.boolean(),
  /** The outward screen is on it now. */
  current: z.boolean(),
});
export type DisplayOption = z.infer<typeof DisplayOption>;

/** A serial port found on this PC (main/devices/discovery.ts). */
export const SerialPortOption = z.object({
  path: z.string(),
  /** e.g. 1a86:7523 CH340 序列号 A1B2 — or null when nothing is known beyond the path. */
  description: z.string().nullable(),
  byIdPath: z.string().nullable(),
});
export type SerialPortOption = z.infer<typeof SerialPortOption>;

/** Everything the 设备设置 screen shows. */
export const DeviceSetupView = z.object({
  /** What the devices use now. */
  effective: DeviceSetupSchema,
  /** Where each section of `effective` comes from. */
  sources: z.object({
    printer: SetupSource,
    evaluator: SetupSource,
    outwardDisplayId: SetupSource,
    voice: SetupSource,
    idCardReader: SetupSource,
  }),
  /** What the hall server pushes for this window (hall default merged under the window's own), for comparison. */
  hall: HallDeviceSetup,
  /** Displays connected now; empty when the host cannot tell (the browser host). */
  displays: z.array(DisplayOption),
  server: z.object({
    url: z.string().nullable(),
    windowName: z.string().nullable(),
    deviceNo: z.number().int().nullable(),
  }),
});
export type DeviceSetupView = z.infer<typeof DeviceSetupView>;

/** The outward screen as the clerk's status bar shows it. */
export const OutwardScreenStatus = z.object({
  /** ok: on its own display (or a page is open); warning: shown on the clerk's screen; error: not shown anywhere. */
  level: z.enum(['ok', 'warning', 'error']),
  /** What is wrong and what to do, zh-CN; null when all is well. */
  message: z.string().nullable(),
});
export type OutwardScreenStatus = z.infer<typeof OutwardScreenStatus>;

/** What a device test found, zh-CN. */
export const DeviceTestResult = z.object({
  ok: z.boolean(),
  message: z.string(),
});
export type DeviceTestResult = z.infer<typeof DeviceTestResult>;
