// 设备设置 in the counter core, with real parts: the real hall server, a real
// SQLite file, the printer simulator over real TCP. Who may use it (a
// manager), where each section comes from, the test page, export → import
// into a fresh counter, a malformed file, and moving the hall server.
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import type { CaseRecord } from '../../common/cases.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { DEFAULT_DEVICE_SETUP, type DeviceSetupView, type HallDeviceSetup } from '../../common/device-setup.ts';
import type { PrintQueueView } from '../../common/printing.ts';
import { printerConfigFromSetup, printerSetupFromConfig, resolveDeviceSetup } from '../../main/device-setup/resolve.ts';
import { HallClient } from '../../main/hall-client.ts';
import { DEFAULT_KEY_MAP } from '../../main/devices/evaluator/ascii-keypad.ts';
import { PrinterSimulator } from '../../sim/printer/simulator.ts';
import { CounterStore, type StoredDeviceSetting } from '../../main/store/counter-store.ts';
import { openDatabase } from '../../main/store/database.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { CLERK, deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

const rigs: DeviceRig[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const rig of rigs.splice(0)) await rig.close();
});
async function rig(...args: Parameters<typeof deviceRig>): Promise<DeviceRig> {
  const r = await deviceRig(...args);
  rigs.push(r);
  return r;
}

const MANAGER_ONLY = '设备设置仅限大厅管理员使用，请由管理员登录后操作';
const tcpPrinter = (port: number) => ({
  link: { kind: 'tcp' as const, host: '127.0.0.1', port },
  width: 80 as const,
  nativeQr: true,
  font: 'gbk' as const,
  statusQueries: true,
});

describe('device setup resolution', () => {
  const local = (entries: StoredDeviceSetting['change'][]) =>
    new Map(entries.map((change) => [change.section, { change, setBy: MANAGER, setAt: 't' }]));

  it('takes each section from local, else the hall (window over default), else the launcher, else the default', () => {
    const hallPrinter = tcpPrinter(9100);
    const deviceSetups = new Map<string, HallDeviceSetup>([
      ['default', { printer: hallPrinter, voice: { enabled: true, volume: 50 } }],
      ['3', { voice: { enabled: false, volume: 20 } }],
      ['4', { outwardDisplayId: 7 }],
    ]);
    const launcherEvaluator = { port: '/dev/ttyUSB0', protocol: 'ft12' as const, address: 2 };
    const launcherPrinter = { link: { kind: 'usb' as const, path: '/dev/usb/lp0' }, profile: { width: 58 as const, nativeQr: false, fourByteGb18030: false } };
    const resolved = resolveDeviceSetup({
      local: local([{ section: 'outwardDisplayId', value: 42 }]),
      deviceSetups,
      windowId: 3,
      launcher: { printer: launcherPrinter, evaluator: launcherEvaluator },
    });
    expect(resolved.sources).toEqual({ printer: 'hall', evaluator: 'launcher', outwardDisplayId: 'local', voice: 'hall', idCardReader: 'default' });
    expect(resolved.effective).toEqual({
      printer: hallPrinter,
      evaluator: { port: '/dev/ttyUSB0', protocol: 'ft12', baudRate: 9600, address: 2, keyMap: null },
      outwardDisplayId: 42,
      voice: { enabled: false, volume: 20 }, // the window's own wins over the hall default
      idCardReader: null,
    });
    expect(resolved.hall).toEqual({ printer: hallPrinter, voice: { enabled: false, volume: 20 } });

    // A local null (no printer here) is a setting too: it wins over the hall's printer.
    const none = resolveDeviceSetup({
      local: local([{ section: 'printer', value: null }]),
      deviceSetups: new Map(),
      windowId: 3,
      launcher: { printer: launcherPrinter },
    });
    expect(none.effective).toEqual({ ...DEFAULT_DEVICE_SETUP });
    expect(none.sources).toEqual({ printer: 'local', evaluator: 'default', outwardDisplayId: 'default', voice: 'default', idCardReader: 'default' });
    const launched = resolveDeviceSetup({ local: local([]), deviceSetups: new Map(), windowId: 3, launcher: { printer: launcherPrinter } });
    expect(launched.effective.printer).toEqual({
      link: { kind: 'usb', path: '/dev/usb/lp0' },
      width: 58,
      nativeQr: false,
      font: 'gbk',
      statusQueries: true,
    });
    expect(launched.sources.printer).toBe('launcher');
    expect(DEFAULT_KEY_MAP.size).toBe(5);
  });

  it('reads hall-pushed device setups from the config cache, and local settings from device_setting', () => {
    const store = new CounterStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-resolve-')), 'counter.db')));
    cleanups.push(() => {
      store.db.close();
    });
    store.applyConfigPage(
      [
        { version: 1, change: { kind: 'device-setup', key: 'default', value: { voice: { enabled: true, volume: 40 }, outwardDisplayId: 1 } } },
        { version: 2, change: { kind: 'device-setup', key: '3', value: { printer: tcpPrinter(9101) } } },
        { version: 3, change: { kind: 'device-setup', key: '5', value: { printer: null } } },
      ],
      3,
    );
    store.saveDeviceSetting({ section: 'outwardDisplayId', value: null }, MANAGER, '2026-03-02T01:00:00.000Z');
    const config = store.config();
    expect([...config.deviceSetups.keys()].sort()).toEqual(['3', '5', 'default']);
    const resolved = resolveDeviceSetup({ local: store.deviceSettings(), deviceSetups: config.deviceSetups, windowId: 3, launcher: {} });
    expect(resolved.effective).toEqual({ printer: tcpPrinter(9101), evaluator: null, outwardDisplayId: null, voice: { enabled: true, volume: 40 }, idCardReader: null });
    expect(resolved.sources).toEqual({ printer: 'hall', evaluator: 'default', outwardDisplayId: 'local', voice: 'hall', idCardReader: 'default' });
    // Window 5's hall setup says no printer, even where the default had one.
    expect(resolveDeviceSetup({ local: new Map(), deviceSetups: config.deviceSetups, windowId: 5, launcher: {} }).sources.printer).toBe('hall');
    // The hall withdraws its window-3 setup: the section falls through.
    store.applyConfigPage([{ version: 4, change: { kind: 'device-setup', key: '3', value: null } }], 4);
    const after = resolveDeviceSetup({ local: store.deviceSettings(), deviceSetups: store.config().deviceSetups, windowId: 3, launcher: {} });
    expect(after.effective.printer).toBeNull();
    expect(after.sources.printer).toBe('default');
    // The ID card reader's section (kept in kv: device_setting's CHECK predates it) reads back and resets like the others.
    store.saveDeviceSetting({ section: 'idCardReader', value: { port: '/dev/ttyACM0', baudRate: 115200 } }, MANAGER, '2026-03-02T02:00:00.000Z');
    const withReader = resolveDeviceSetup({ local: store.deviceSettings(), deviceSetups: store.config().deviceSetups, windowId: 3, launcher: {} });
    expect(withReader.effective.idCardReader).toEqual({ port: '/dev/ttyACM0', baudRate: 115200 });
    expect(withReader.sources.idCardReader).toBe('local');
    store.resetDeviceSetting('idCardReader');
    expect(store.deviceSettings().has('idCardReader')).toBe(false);
  });
});

describe('the printer profile in the setup (字库, 状态查询)', () => {
  const link = { kind: 'tcp' as const, host: '192.168.1.20', port: 9100 };
  const cases = [
    { font: 'gb18030', profile: { fourByteGb18030: true, twoByteFont: 'gbk' } },
    { font: 'gbk', profile: { fourByteGb18030: false, twoByteFont: 'gbk' } },
    { font: 'gb2312', profile: { fourByteGb18030: false, twoByteFont: 'gb2312' } },
  ] as const;

  for (const { font, profile } of cases) {
    it(`maps font ${font} to the device profile and back`, () => {
      for (const statusQueries of [true, false]) {
        const setup = { link, width: 58 as const, nativeQr: false, font, statusQueries };
        const config = printerConfigFromSetup(setup);
        expect(config).toEqual({ link, profile: { ...profile, width: 58, nativeQr: false, statusQueries } });
        expect(printerSetupFromConfig(config)).toEqual(setup);
      }
    });
  }

  it('reads a launcher profile that leaves the optional fields out as gbk with status queries', () => {
    const config = { link, profile: { width: 80 as const, nativeQr: true, fourByteGb18030: true } };
    expect(printerSetupFromConfig(config)).toMatchObject({ font: 'gb18030', statusQueries: true });
    expect(printerSetupFromConfig({ link, profile: { ...config.profile, fourByteGb18030: false } })).toMatchObject({ font: 'gbk' });
    // 4-byte but a GB2312-only two-byte font is no real printer: read as the smaller font, never as more than it has.
    expect(printerSetupFromConfig({ link, profile: { ...config.profile, twoByteFont: 'gb2312' } })).toMatchObject({ font: 'gb2312' });
  });

  it('reads device_setting rows and hall pushes stored before the fields existed, with the defaults', () => {
    const store = new CounterStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-font-')), 'counter.db')));
    cleanups.push(() => {
      store.db.close();
    });
    const old = { link, width: 80, nativeQr: true }; // as written before font and statusQueries
    store.db
      .prepare('INSERT INTO device_setting (section, value, set_by, set_at) VALUES (?, ?, ?, ?)')
      .run('printer', JSON.stringify(old), MANAGER, '2026-03-02T01:00:00.000Z');
    store.applyConfigPage(
      [{ version: 1, change: { kind: 'device-setup', key: 'default', value: { printer: old } } as never }],
      1,
    );
    const expected = { ...old, font: 'gbk', statusQueries: true };
    expect(store.deviceSettings().get('printer')?.change).toEqual({ section: 'printer', value: expected });
    expect(store.config().deviceSetups.get('default')).toEqual({ printer: expected });
    const stored = store.deviceSettings().get('printer')!.change;
    if (stored.section !== 'printer' || !stored.value) throw new Error('the stored printer setting did not parse');
    expect(printerConfigFromSetup(stored.value).profile).toMatchObject({ fourByteGb18030: false, twoByteFont: 'gbk', statusQueries: true });
  });
});

describe('设备设置 in the counter', () => {
  it('is for a signed-in manager only', async () => {
    const r = await rig();
    const notSignedIn = await failure(r.counter.call('getDeviceSetup', {}));
    expect(notSignedIn).toMatchObject({ code: 'FORBIDDEN', message: MANAGER_ONLY });
    await r.signIn(CLERK);
    for (const [name, args] of [
      ['getDeviceSetup', {}],
      ['saveDeviceSetting', { change: { section: 'voice', value: { enabled: false, volume: 10 } } }],
      ['testPrinter', {}],
      ['changeServerAddress', { serverUrl: 'http://127.0.0.1:1' }],
    ] as const) {
      expect(await failure(r.counter.call(name, args))).toMatchObject({ code: 'FORBIDDEN', message: MANAGER_ONLY });
    }
    expect(r.query('SELECT * FROM device_setting')).toEqual([]);
    await r.signIn(MANAGER);
    const view = (await r.counter.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(view.effective).toEqual(DEFAULT_DEVICE_SETUP);
    expect(view.sources).toEqual({ printer: 'default', evaluator: 'default', outwardDisplayId: 'default', voice: 'default', idCardReader: 'default' });
    expect(view.server).toEqual({ url: r.hall.url, windowName: '3号窗口', deviceNo: expect.any(Number) });
    expect(view.displays).toEqual([]);
  });

  it('saves and resets local settings: the outward view, the host and the printer follow', async () => {
    const r = await rig({
      displays: () => [{ id: 9, label: '显示器 2（1920×1080）', width: 1920, height: 1080, primary: false, current: true }],
    });
    await r.signIn(MANAGER);
    let changes = 0;
    r.counter.onLocalSettingsChange(() => changes++);
    await r.counter.call('saveDeviceSetting', { change: { section: 'voice', value: { enabled: false, volume: 35 } } });
    const quiet = await waitFor<OutwardView>(r.counter, 'outwardView', (v) => !v.voice.enabled);
    expect(quiet.voice).toEqual({ enabled: false, volume: 35, test: 0 });
    expect(changes).toBe(0);
    const view = (await r.counter.call('saveDeviceSetting', { change: { section: 'outwardDisplayId', value: 9 } })) as DeviceSetupView;
    expect(view.sources.outwardDisplayId).toBe('local');
    expect(view.displays.map((d) => d.id)).toEqual([9]);
    expect(r.counter.localSettings()).toEqual({ outwardDisplayId: 9 });
    expect(changes).toBe(1);
    expect(r.query('SELECT section, value, set_by FROM device_setting ORDER BY section')).toEqual([
      { section: 'outwardDisplayId', value: '9', set_by: MANAGER },
      { section: 'voice', value: '{"enabled":false,"volume":35}', set_by: MANAGER },
    ]);

    const sim = new PrinterSimulator();
    const { port } = await sim.listenTcp(0);
    cleanups.push(() => sim.close());
    expect(((await r.counter.call('getClerkState', {})) as ClerkState).printer).toBeNull();
    await r.counter.call('saveDeviceSetting', { change: { section: 'printer', value: tcpPrinter(port) } });
    const withPrinter = (await r.counter.call('getClerkState', {})) as ClerkState;
    expect(withPrinter.printer?.description).toBe(`网络打印机 127.0.0.1:${port}`);

    const reset = (await r.counter.call('resetDeviceSetting', { section: 'outwardDisplayId' })) as DeviceSetupView;
    expect(reset.sources.outwardDisplayId).toBe('default');
    expect(r.counter.localSettings()).toEqual({ outwardDisplayId: null });
    expect(changes).toBe(2);
  });

  it('follows the device setups the hall pushes through the config stream; a local setting wins', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    let changes = 0;
    r.counter.onLocalSettingsChange(() => changes++);
    const sim = new PrinterSimulator();
    const { port } = await sim.listenTcp(0);
    cleanups.push(() => sim.close());
    const admin = new HallClient({ baseUrl: r.hall.url, token: r.hall.adminToken });
    await admin.request('putDeviceSetup', { params: { key: 'default' }, body: { voice: { enabled: false, volume: 30 }, printer: tcpPrinter(port) } });
    await admin.request('putDeviceSetup', { params: { key: '3' }, body: { outwardDisplayId: 2 } });
    await admin.request('putDeviceSetup', { params: { key: '4' }, body: { outwardDisplayId: 4 } });
    await waitFor<OutwardView>(r.counter, 'outwardView', (v) => !v.voice.enabled && v.voice.volume === 30);
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.printer?.description === `网络打印机 127.0.0.1:${port}`);
    await expect.poll(() => r.counter.localSettings().outwardDisplayId).toBe(2);
    expect(changes).toBe(1);
    const view = (await r.counter.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(view.sources).toEqual({ printer: 'hall', evaluator: 'default', outwardDisplayId: 'hall', voice: 'hall', idCardReader: 'default' });
    expect(view.hall).toEqual({ voice: { enabled: false, volume: 30 }, printer: tcpPrinter(port), outwardDisplayId: 2 });

    // This counter's own setting wins over the hall's, and stays when the hall changes its own.
    await r.counter.call('saveDeviceSetting', { change: { section: 'voice', value: { enabled: true, volume: 90 } } });
    await admin.request('putDeviceSetup', { params: { key: 'default' }, body: { voice: { enabled: false, volume: 10 } } });
    await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.printer === null); // the hall's printer is gone
    expect(((await r.counter.call('getOutwardView', {})) as OutwardView).voice).toMatchObject({ enabled: true, volume: 90 });
    await admin.request('deleteDeviceSetup', { params: { key: '3' } });
    await expect.poll(() => r.counter.localSettings().outwardDisplayId).toBeNull();
    expect(changes).toBe(2);
  });

  it('prints a test page now on the printer in use, refuses when it is out of paper, and says when there is none', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    const none = (await r.counter.call('testPrinter', {})) as { ok: boolean; message: string; svg: string };
    expect(none).toEqual({ ok: false, message: expect.stringContaining('未设置打印机'), svg: '' });

    const sim = new PrinterSimulator();
    const { port } = await sim.listenTcp(0);
    cleanups.push(() => sim.close());
    await r.counter.call('saveDeviceSetting', { change: { section: 'printer', value: tcpPrinter(port) } });
    const printed = (await r.counter.call('testPrinter', {})) as { ok: boolean; message: string; svg: string };
    expect(printed.ok).toBe(true);
    expect(printed.message).toContain(`127.0.0.1:${port}`);
    expect(printed.svg).toMatch(/^<svg/);
    const [job] = await sim.waitForJobs(1);
    const text = job!.lines.map((line) => line.text.replace(/ +/g, '')).join('\n');
    expect(text).toContain('打印测试页');
    expect(text).toContain('3号窗口');
    // Not a queued slip.
    expect(((await r.counter.call('listPrintJobs', {})) as { jobs: unknown[] }).jobs).toEqual([]);

    sim.setState({ paperOut: true });
    const refused = (await r.counter.call('testPrinter', {})) as { ok: boolean; message: string; svg: string };
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('缺纸');
    expect(refused.svg).toMatch(/^<svg/);
    expect(sim.jobs).toHaveLength(1);
    const state = (await r.counter.call('getClerkState', {})) as ClerkState;
    expect(state.printer?.level).toBe('error');
  });

  it('a case decided while the printer is being changed is not lost: its slip prints on the new printer', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    // The old printer takes the connection and never answers (each job waits out its status query).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const sim = new PrinterSimulator();
    const { port } = await sim.listenTcp(0);
    cleanups.push(() => sim.close());
    await r.counter.call('saveDeviceSetting', {
      change: { section: 'printer', value: tcpPrinter((silent.address() as AddressInfo).port) },
    });
    const FIRST17 = '32010219850312004';
    const submit = async (name: string) =>
      (
        (await r.counter.call('submitCase', {
          draft: {
            itemCode: 'GA-ZM-006',
            applicant: { type: 'person', name, idNumber: FIRST17 + residentIdCheckChar(FIRST17), phone: '13812345678' },
            provided: [true, true, true],
            ticketNumber: null,
          },
          decision: 'accept',
          refuseReason: null,
          refuseDetail: null,
          instantOutcome: null,
        })) as CaseRecord
      ).caseNo;
    const jobs = async () => ((await r.counter.call('listPrintJobs', {})) as PrintQueueView).jobs;
    const first = await submit('王小明');
    await expect.poll(async () => (await jobs()).map((job) => job.state)).toEqual(['printing']);

    // The printer section changes while that job is in flight; a case is decided meanwhile.
    const saving = r.counter.call('saveDeviceSetting', { change: { section: 'printer', value: tcpPrinter(port) } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await submit('李小红');
    await saving;
    const [job] = await sim.waitForJobs(1);
    expect(job!.lines.map((line) => line.text.replace(/ +/g, '')).join('\n')).toContain(`办件编号：${second}`);
    await expect
      .poll(async () => Object.fromEntries((await jobs()).map((j) => [j.caseNo, j.state])))
      .toEqual({ [first]: 'printed', [second]: 'printed' });
    expect(sim.jobs).toHaveLength(1);
  });

  it('exports the setup in use; a fresh counter imports it as its own; a malformed file changes nothing', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    await r.counter.call('saveDeviceSetting', { change: { section: 'printer', value: tcpPrinter(9100) } });
    await r.counter.call('saveDeviceSetting', {
      change: {
        section: 'evaluator',
        value: { port: '/nonexistent/halldesk-evaluator', protocol: 'ascii-keypad', baudRate: 19200, address: 1, keyMap: { A: 5, B: 1 } },
      },
    });
    await r.counter.call('saveDeviceSetting', { change: { section: 'voice', value: { enabled: true, volume: 65 } } });
    const exported = (await r.counter.call('exportDeviceSetup', {})) as { fileName: string; text: string };
    expect(exported.fileName).toMatch(/^halldesk-设备设置-3号窗口-\d{4}-\d{2}-\d{2}\.json$/);
    const source = (await r.counter.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(JSON.parse(exported.text)).toMatchObject({ kind: 'halldesk.device-setup', from: '3号窗口', setup: source.effective });

    const secondDir = join(mkdtempSync(join(tmpdir(), 'halldesk-import-')), 'counter');
    const second = await r.another(4, { dataDir: secondDir });
    await r.signIn(MANAGER, second);
    const before = (await second.call('getDeviceSetup', {})) as DeviceSetupView;
    expect(before.effective).toEqual(DEFAULT_DEVICE_SETUP);

    const broken = JSON.parse(exported.text) as { setup: { evaluator: { address: number } } };
    broken.setup.evaluator.address = 400;
    for (const text of [JSON.stringify(broken), '{ not json', JSON.stringify({ kind: 'other' })]) {
      const error = await failure(second.call('importDeviceSetup', { text }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(((await second.call('getDeviceSetup', {})) as DeviceSetupView).effective).toEqual(DEFAULT_DEVICE_SETUP);

    const imported = (await second.call('importDeviceSetup', { text: exported.text })) as DeviceSetupView;
    expect(imported.effective).toEqual(source.effective);
    expect(imported.sources).toEqual({ printer: 'local', evaluator: 'local', outwardDisplayId: 'local', voice: 'local', idCardReader: 'local' });
    const file = new Database(join(secondDir, 'counter.db'), { readonly: true });
    expect(file.prepare('SELECT DISTINCT set_by FROM device_setting').all()).toEqual([{ set_by: `import:${MANAGER}` }]);
    expect(file.prepare('SELECT count(*) AS n FROM device_setting').get()).toEqual({ n: 4 });
    file.close();
    const state = (await second.call('getClerkState', {})) as ClerkState;
    expect(state.printer?.description).toBe('网络打印机 127.0.0.1:9100');
    expect(state.devices.evaluator).not.toBeNull();
  });

  it('tests the outward screen and the voice through the outward view', async () => {
    const r = await rig({}, { testPatternMs: 300 });
    await r.signIn(MANAGER);
    const { until } = (await r.counter.call('testOutwardDisplay', {})) as { until: string };
    expect(Date.parse(until)).toBeGreaterThan(Date.now());
    expect((await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.testPatternUntil !== null)).testPatternUntil).toBe(until);
    await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.testPatternUntil === null);
    const { text } = (await r.counter.call('testVoice', {})) as { text: string };
    expect(text).toContain('3号窗口');
    expect((await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.voice.test === 1)).voice).toEqual({ enabled: true, volume: 80, test: 1 });
  });

  it('测试语音 with voice off says to turn it on first, and plays nothing', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    await r.counter.call('saveDeviceSetting', { change: { section: 'voice', value: { enabled: false, volume: 40 } } });
    const off = await failure(r.counter.call('testVoice', {}));
    expect(off).toMatchObject({ code: 'CONFLICT', message: '语音播报已关闭：请先打开语音播报并保存，再测试' });
    expect(((await r.counter.call('getOutwardView', {})) as OutwardView).voice).toEqual({ enabled: false, volume: 40, test: 0 });
    // Turned on again: the test plays (the outward screen sees the counter go up).
    await r.counter.call('saveDeviceSetting', { change: { section: 'voice', value: { enabled: true, volume: 40 } } });
    expect(((await r.counter.call('testVoice', {})) as { text: string }).text).toContain('3号窗口');
    expect((await waitFor<OutwardView>(r.counter, 'outwardView', (v) => v.voice.test === 1)).voice).toEqual({ enabled: true, volume: 40, test: 1 });
  });

  it('lists serial ports through discovery, with a short description', async () => {
    const r = await rig({}, {
      discovery: {
        list: async () => [
          { path: '/dev/ttyUSB0', vendorId: '1A86', productId: '7523', manufacturer: 'QinHeng', serialNumber: 'A1B2', pnpId: 'usb-1a86_USB_Serial-if00-port0' },
          { path: '/dev/ttyS0' },
        ],
      },
    });
    await r.signIn(MANAGER);
    expect(await r.counter.call('listSerialPorts', {})).toEqual({
      ports: [
        { path: '/dev/ttyUSB0', description: '1a86:7523 QinHeng 序列号 A1B2', byIdPath: '/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0' },
        { path: '/dev/ttyS0', description: '主板串口', byIdPath: null },
      ],
      note: expect.stringContaining('2 个串口'),
    });
  });

  it('moves to a new server address only when it accepts this device, and reconnects there', async () => {
    const r = await rig();
    await r.signIn(MANAGER);
    // A hall server that does not know this device.
    const stranger = await startHallServer();
    cleanups.push(() => stranger.close());
    const refused = await failure(r.counter.call('changeServerAddress', { serverUrl: stranger.url }));
    expect(refused.message).toContain('不认可本终端');
    expect(refused.message).toContain(`仍使用原地址 ${r.hall.url}`);
    const unreachable = await failure(r.counter.call('changeServerAddress', { serverUrl: 'http://127.0.0.1:9' }));
    expect(unreachable.code).toBe('SERVER_UNREACHABLE');
    expect(unreachable.message).toContain('无法连接');
    expect(((await r.counter.call('getDeviceSetup', {})) as DeviceSetupView).server.url).toBe(r.hall.url);

    // The same server under another name (localhost instead of 127.0.0.1).
    const moved = r.hall.url.replace('127.0.0.1', 'localhost');
    const view = (await r.counter.call('changeServerAddress', { serverUrl: moved })) as DeviceSetupView;
    expect(view.server.url).toBe(moved);
    const online = await waitFor<ClerkState>(r.counter, 'clerkState', (s) => s.connection.serverUrl === moved && s.connection.state === 'online');
    expect(online.clerk?.staffNo).toBe(MANAGER);
    const reopened = await r.reopen();
    await r.signIn(MANAGER, reopened);
    expect(((await reopened.call('getDeviceSetup', {})) as DeviceSetupView).server.url).toBe(moved);
  });
});
