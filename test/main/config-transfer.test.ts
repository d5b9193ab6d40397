import { describe, expect, it } from 'vitest';
import {
  CONFIG_DOCUMENT_KIND,
  exportConfig,
  parseConfigImport,
  suggestedConfigFileName,
  type ConfigImportResult,
  type DeviceSetup,
} from '../../main/device-setup/config-transfer.ts';

const now = new Date('2026-11-28T09:30:00Z');

const fullSetup: DeviceSetup = {
  printer: {
    link: { kind: 'serial', path: '/dev/ttyUSB1', baudRate: 19200, flowControl: 'rtscts' },
    width: 58,
    nativeQr: false,
    font: 'gb2312',
    statusQueries: false,
  },
  evaluator: {
    port: '/dev/ttyUSB0',
    protocol: 'ascii-keypad',
    baudRate: 9600,
    address: 1,
    keyMap: { A: 5, B: 4, C: 3, D: 2, E: 1 },
  },
  outwardDisplayId: 2779098405,
  voice: { enabled: true, volume: 80 },
  idCardReader: { port: '/dev/ttyACM0', baudRate: 115200 },
};

const exported = exportConfig(fullSetup, { now, from: '3号窗口' });
type Obj = Record<string, unknown>;
interface Doc {
  [key: string]: unknown;
  setup: { [key: string]: unknown; evaluator: Obj; printer: Obj & { link: Obj }; voice: Obj };
}
/** The exported file with one change made to its parsed JSON. */
const edited = (change: (doc: Doc) => void): string => {
  const doc = JSON.parse(exported) as Doc;
  change(doc);
  return JSON.stringify(doc);
};
const errorOf = (result: ConfigImportResult) => {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result).not.toHaveProperty('setup'); // nothing to apply
  return result.error;
};

describe('config export / import', () => {
  it('exports a versioned document and imports it back unchanged', () => {
    const doc = JSON.parse(exported) as Record<string, unknown>;
    expect(doc).toMatchObject({
      kind: CONFIG_DOCUMENT_KIND,
      version: 1,
      exportedAt: '2026-11-28T09:30:00.000Z',
      from: '3号窗口',
    });
    const result = parseConfigImport(exported);
    expect(result.ok && result.setup).toEqual(fullSetup);
  });

  it('round-trips the other shapes: tcp and usb printers, none at all, ft12 without a key map, voice off', () => {
    const setups: DeviceSetup[] = [
      {
        printer: {
          link: { kind: 'tcp', host: '192.168.1.20', port: 9100 },
          width: 80,
          nativeQr: true,
          font: 'gb18030',
          statusQueries: true,
        },
        evaluator: { port: 'COM3', protocol: 'ft12', baudRate: 9600, address: 17, keyMap: null },
        outwardDisplayId: null,
        voice: { enabled: false, volume: 0 },
        idCardReader: null,
      },
      {
        printer: { link: { kind: 'usb', path: '/dev/usb/lp0' }, width: 80, nativeQr: true, font: 'gbk', statusQueries: true },
        evaluator: null,
        outwardDisplayId: 0,
        voice: { enabled: true, volume: 100 },
        idCardReader: { port: 'COM4', baudRate: 9600 },
      },
      { printer: null, evaluator: null, outwardDisplayId: null, voice: { enabled: false, volume: 50 }, idCardReader: null },
    ];
    for (const setup of setups) {
      const result = parseConfigImport(exportConfig(setup, { now }));
      expect(result.ok && result.setup).toEqual(setup);
    }
    // A byte-order mark from a Windows editor is fine.
    expect(parseConfigImport('\uFEFF' + exported).ok).toBe(true);
  });

  it('refuses to export an invalid setup', () => {
    expect(() => exportConfig({ ...fullSetup, voice: { enabled: true, volume: 150 } })).toThrow(
      /导出失败.*语音音量/,
    );
  });

  it('says so for malformed JSON and for what is not a setup file', () => {
    for (const text of ['', '{"kind":', exported.slice(0, -10), 'null']) {
      const error = errorOf(parseConfigImport(text));
      expect(error.kind).toBe('json');
      expect(error.message).toMatch(/JSON|设备设置对象/);
    }
    expect(errorOf(parseConfigImport('[1,2]')).message).toContain('不是一个设备设置对象');
    expect(errorOf(parseConfigImport('x'.repeat(300_000))).message).toContain('文件太大');
    const other = errorOf(parseConfigImport(JSON.stringify({ kind: 'something.else', version: 1 })));
    expect(other).toEqual({ kind: 'kind', message: expect.stringContaining('这不是 HallDesk 设备设置文件') });
  });

  it('says so for a wrong version: newer, older, missing', () => {
    expect(errorOf(parseConfigImport(edited((d) => (d.version = 2))))).toEqual({
      kind: 'version',
      message: '文件版本 2 比本机支持的版本 1 新，无法导入：请先把本机 HallDesk 升级到与导出窗口相同的版本。',
    });
    expect(errorOf(parseConfigImport(edited((d) => (d.version = 0)))).message).toContain('文件版本无效（0）');
    expect(errorOf(parseConfigImport(edited((d) => delete d.version))).message).toContain(
      '文件版本无效（缺少）',
    );
    expect(errorOf(parseConfigImport(edited((d) => (d.version = '1')))).kind).toBe('version');
  });

  it('names the bad field, in Chinese, and applies nothing', () => {
    const cases: [(d: Doc) => void, string, RegExp][] = [
      [
        (d) => (d.setup.evaluator.address = 300),
        'setup.evaluator.address',
        /评价器地址（setup\.evaluator\.address）应为 1–250 的整数，收到 300/,
      ],
      [(d) => (d.setup.evaluator.address = '3'), 'setup.evaluator.address', /收到 "3"/],
      [
        (d) => (d.setup.evaluator.protocol = 'modbus'),
        'setup.evaluator.protocol',
        /评价器协议.*应为 ft12 或 ascii-keypad/,
      ],
      [
        (d) => (d.setup.evaluator.keyMap = { AB: 5 }),
        'setup.evaluator.keyMap.AB',
        /评价器按键映射「AB」.*单个 ASCII 字符/,
      ],
      [
        (d) => (d.setup.evaluator.keyMap = { A: 6 }),
        'setup.evaluator.keyMap.A',
        /评价器按键映射「A」.*等级应为 1–5，收到 6/,
      ],
      [
        (d) => (d.setup.evaluator.keyMap = {}),
        'setup.evaluator.keyMap',
        /评价器按键映射（setup\.evaluator\.keyMap）应为非空/,
      ],
      [(d) => (d.setup.evaluator.port = '  '), 'setup.evaluator.port', /评价器串口/],
      [
        (d) => (d.setup.printer.link.kind = 'bluetooth'),
        'setup.printer.link.kind',
        /打印机连接方式.*应为 tcp、serial 或 usb，收到 "bluetooth"/,
      ],
      [(d) => (d.setup.printer.link.baudRate = -1), 'setup.printer.link.baudRate', /打印机波特率/],
      [
        (d) => (d.setup.printer.width = 76),
        'setup.printer.width',
        /打印纸宽度（setup\.printer\.width）应为 58 或 80，收到 76/,
      ],
      [(d) => (d.setup.printer.nativeQr = 'yes'), 'setup.printer.nativeQr', /打印机自带二维码/],
      [
        (d) => (d.setup.printer.font = 'big5'),
        'setup.printer.font',
        /打印机字库（setup\.printer\.font）应为 gb18030、gbk 或 gb2312，收到 "big5"/,
      ],
      [
        (d) => (d.setup.printer.statusQueries = 'off'),
        'setup.printer.statusQueries',
        /打印机状态查询（setup\.printer\.statusQueries）应为 true 或 false/,
      ],
      [(d) => (d.setup.outwardDisplayId = -2), 'setup.outwardDisplayId', /外屏显示器/],
      [(d) => delete d.setup.voice.volume, 'setup.voice.volume', /语音音量（setup\.voice\.volume）缺少/],
      [(d) => (d.setup.voice.volume = 12.5), 'setup.voice.volume', /语音音量.*0–100 的整数/],
      [(d) => (d.setup.voice.loud = true), 'setup.voice', /语音播报（setup\.voice）里有不认识的项：loud/],
      [(d) => delete (d as Obj).setup, 'setup', /设备设置（setup）缺少/],
      [(d) => (d.exportedAt = 'yesterday'), 'exportedAt', /导出时间/],
    ];
    for (const [change, field, message] of cases) {
      const error = errorOf(parseConfigImport(edited(change)));
      expect(error.kind, field).toBe('field');
      expect(error.field, field).toBe(field);
      expect(error.message, field).toMatch(/^设备设置文件有误，未导入任何设置：/);
      expect(error.message, field).toMatch(message);
    }
  });

  it('imports a version-1 file written before the printer had font and statusQueries, with their defaults', () => {
    const older = edited((d) => {
      delete d.setup.printer.font;
      delete d.setup.printer.statusQueries;
    });
    expect(JSON.parse(older)).toMatchObject({ version: 1 });
    expect(older).not.toContain('font');
    const result = parseConfigImport(older);
    expect(result.ok && result.setup.printer).toEqual({ ...fullSetup.printer, font: 'gbk', statusQueries: true });
    // And it exports again as version 1 with the fields spelled out.
    const again = JSON.parse(exportConfig(result.ok ? result.setup : fullSetup, { now })) as Doc;
    expect(again.version).toBe(1);
    expect(again.setup.printer).toMatchObject({ font: 'gbk', statusQueries: true });
  });

  it('one bad field among good ones still applies nothing', () => {
    const result = parseConfigImport(edited((d) => (d.setup.voice.volume = 101)));
    expect(result.ok).toBe(false);
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ field: 'setup.voice.volume' }) });
  });

  it('suggests a file name', () => {
    expect(suggestedConfigFileName('3号窗口', now)).toBe('halldesk-设备设置-3号窗口-2026-11-28.json');
    expect(suggestedConfigFileName('a/b: c', now)).toBe('halldesk-设备设置-abc-2026-11-28.json');
    expect(suggestedConfigFileName(null, now)).toBe('halldesk-设备设置-2026-11-28.json');
  });
});
