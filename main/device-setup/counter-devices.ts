// The counter's devices (设备设置): the setup in use (local > hall > launcher >
// default, main/device-setup.ts), the print service built from it, the
// evaluator handed to the RatingService, the device tests (test page, test
// pattern, voice, 测试评价), export and import of the setup, and known USB
// serial devices followed across a replug.
//
// Known devices (issue 7): when a manager saves or imports an evaluator or a
// serial printer, the USB identity (vendor id, product id, serial number) of
// the device on that port is remembered on this counter (table
// device_identity; never exported). While that setting is in use, a
// PortPoller follows the device: when it reappears on another path
// (ttyUSB0 → ttyUSB1), the driver opens the new path on its next reconnect.
// The setting keeps the path the manager chose.
//
// Who may call what (a signed-in manager) is the counter's check; here the
// manager's staff number only comes in to say who set what.
import {
  OUTWARD_VOICE_BLOCKED_MESSAGE,
  type CallResult,
  type OutwardAudioState,
  type OutwardVoiceStatus,
} from '../../common/contract.ts';
import type {
  DeviceSection,
  DeviceSettingChange,
  DeviceSetup,
  DeviceSetupView,
  DisplayOption,
  SerialPortOption,
} from '../../common/device-setup.ts';
import { HallError } from '../../common/errors.ts';
import type { EvaluatorStatus } from '../../common/ratings.ts';
import { exportConfig, parseConfigImport, suggestedConfigFileName } from './config-transfer.ts';
import {
  evaluatorConfigFromSetup,
  printerConfigFromSetup,
  printerFontOf,
  resolveDeviceSetup,
  type LauncherDevices,
  type ResolvedDeviceSetup,
} from './resolve.ts';
import type { Timers } from '../devices/evaluator/clock.ts';
import {
  defaultDiscoveryDeps,
  followKnownDevice,
  identityOf,
  listSerialPorts,
  PortPoller,
  type DiscoveredPort,
  type DiscoveryDeps,
} from '../devices/discovery.ts';
import { testPage } from '../devices/printer/templates.ts';
import type { TextRasteriser } from '../devices/printer/text-raster.ts';
import { DEFAULT_HALL_NAME } from '../core/counter-state.ts';
import type { Logger } from '../log.ts';
import { describePrinterLink, openPrinterLink } from '../printing/config.ts';
import { PrintService } from '../printing/print-service.ts';
import { evaluatorFromConfig } from '../ratings/evaluator-config.ts';
import type { RatingService, RatingServiceOptions } from '../ratings/rating-service.ts';
import type { CounterStore, HallConfig, IdentifiedSection, StoredDeviceIdentity } from '../store/counter-store.ts';

export const VOICE_OFF_MESSAGE = '语音播报已关闭：请先打开语音播报并保存，再测试';
const IDENTIFIED_SECTIONS: readonly IdentifiedSection[] = ['evaluator', 'printer'];

/** What the counter's dependencies hold for the devices (see CounterDependencies). */
export interface CounterDevicesDeps {
  /** Serial port discovery for 设备设置 and for following known devices; default: the real system. */
  discovery?: Partial<DiscoveryDeps> | undefined;
  rasteriser?: TextRasteriser | undefined;
  /** 测试评价's time limit (s); default 30. */
  evaluatorTestSeconds?: number | undefined;
  /** How long 显示测试画面 lasts (ms); default 10 s. */
  testPatternMs?: number | undefined;
  /** How often a known USB serial device is looked for (ms); default 2000. */
  portPollMs?: number | undefined;
  /** The timers of that poll; default: real ones, unref'd. */
  portTimers?: Timers | undefined;
}

export interface CounterDevicesOptions {
  store: CounterStore;
  clock: () => Date;
  log: Logger;
  deps: CounterDevicesDeps;
  /** What the launcher passed (environment variables in the demos). */
  launcher: LauncherDevices;
  /** The hall's config as cached now (device setups, hall name). */
  config: () => HallConfig;
  windowId: () => number | null;
  windowName: () => string | null;
  /** The hall server this counter is enrolled at, for the 设备设置 view and the test page. */
  server: () => { url: string | null; deviceNo: number | null };
  /** The displays connected now (the host's). */
  displays: () => DisplayOption[];
  /** Where the evaluator goes (built by the counter after this, with initialEvaluator()). */
  ratings: () => RatingService;
  /** Something the views show changed. */
  onChange: () => void;
  /** Where the ID card reader's setting goes (at start, and whenever it changes). */
  idCardReader?: (setup: DeviceSetup['idCardReader']) => Promise<void>;
}

/** Where a serial device's driver opens: the path the setting names, or where the device was found again. */
interface PortRoute {
  /** The path the setting names. */
  readonly chosen: string;
  /** Where the next open goes. */
  current: string;
  /** The path of the last open attempt. */
  tried: string | null;
}

export class CounterDevices {
  private readonly store: CounterStore;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly deps: CounterDevicesDeps;
  private readonly options: CounterDevicesOptions;
  /** The device setup in use, and what the printer and evaluator were last built from. */
  private resolved: ResolvedDeviceSetup;
  private appliedPrinter = 'null';
  private appliedEvaluator = 'null';
  private appliedIdCardReader = 'null';
  private printService: PrintService | null;
  private work: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;
  private voiceTests = 0;
  /** What the outward page last said of its sound (null: no page has said, or it went away). */
  private outwardAudio: OutwardAudioState | null = null;
  private testPattern: string | null = null;
  private testPatternTimer: ReturnType<typeof setTimeout> | null = null;
  /** Per section: where its serial port is now (null: no serial device in use). */
  private readonly routes: Record<IdentifiedSection, PortRoute | null> = { evaluator: null, printer: null };
  private poller: PortPoller | null = null;
  private followKey = '[]';
  private readonly unfollow: (() => void)[] = [];
  private readonly outwardDisplayListeners = new Set<() => void>();

  constructor(options: CounterDevicesOptions) {
    this.options = options;
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.deps = options.deps;
    this.resolved = this.resolve();
    // The printer (main/printing/) keeps its own queue: a case never waits for it.
    this.printService = this.makePrintService(this.resolved.effective.printer);
    this.appliedPrinter = JSON.stringify(this.resolved.effective.printer);
  }

  /** The evaluator to build the RatingService with (once, before start). */
  /** The host moves the outward window when the manager chooses another display. */
  onOutwardDisplayChange(listener: () => void): () => void {
    this.outwardDisplayListeners.add(listener);
    return () => this.outwardDisplayListeners.delete(listener);
  }

  initialEvaluator(): RatingServiceOptions['evaluator'] {
    this.appliedEvaluator = JSON.stringify(this.resolved.effective.evaluator);
    return this.makeEvaluator(this.resolved.effective.evaluator);
  }

  start(): void {
    this.started = true;
    this.printService?.start();
    this.syncFollowers();
    const { idCardReader } = this.resolved.effective;
    this.appliedIdCardReader = JSON.stringify(idCardReader);
    this.options.idCardReader?.(idCardReader).catch((error: unknown) => this.log.error('id card reader not started', { error: String(error) }));
  }

  /** First half of closing: no more reconfiguration, tests and polls end. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.testPatternTimer) clearTimeout(this.testPatternTimer);
    this.stopFollowing();
    await this.work;
  }

  /** Second half: the print queue closes (the database is still open). */
  async close(): Promise<void> {
    await this.printService?.close();
  }

  // ---- what the counter shows ---------------------------------------------------

  get effective(): DeviceSetup {
    return this.resolved.effective;
  }

  get printing(): PrintService | null {
    return this.printService;
  }

  /** How many voice tests were asked for (the outward screen plays one on each change). */
  get voiceTest(): number {
    return this.voiceTests;
  }

  get testPatternUntil(): string | null {
    return this.testPattern;
  }

  /** The outward page says whether its announcements can be heard (a browser may hold them back until someone clicks). */
  reportOutwardAudio(state: OutwardAudioState | null): void {
    if (state === this.outwardAudio) return;
    if (state !== null) this.log.info('outward audio', { state });
    this.outwardAudio = state;
    this.options.onChange();
  }

  /** 语音播报 for the clerk's status bar; `outwardShown`: an outward page is there to ask. */
  voiceStatus(outwardShown: boolean): OutwardVoiceStatus {
    if (!this.resolved.effective.voice.enabled) return 'off';
    if (!outwardShown || this.outwardAudio === null) return 'unknown';
    return this.outwardAudio === 'running' ? 'ok' : 'blocked';
  }

  /** The evaluator's badge: the driver's health, saying so when a known evaluator came back on another path. */
  evaluatorStatus(): EvaluatorStatus | null {
    const status = this.options.ratings().evaluatorStatus();
    const route = this.routes.evaluator;
    if (status?.state === 'ok' && route && route.current !== route.chosen && route.tried === route.current) {
      return { state: 'ok', message: `评价器已在 ${route.current} 重新连接` };
    }
    return status;
  }

  view(): DeviceSetupView {
    const { effective, sources, hall } = this.resolved;
    const server = this.options.server();
    return {
      effective,
      sources,
      hall,
      displays: this.options.displays(),
      server: { url: server.url, windowName: this.options.windowName(), deviceNo: server.deviceNo },
    };
  }

  // ---- 设备设置 calls -------------------------------------------------------------

  async serialPorts(): Promise<CallResult<'listSerialPorts'>> {
    const found = await listSerialPorts(this.deps.discovery);
    return { ports: found.ports.map(serialPortOption), note: found.note };
  }

  async save(change: DeviceSettingChange, staffNo: string): Promise<DeviceSetupView> {
    this.store.saveDeviceSetting(change, staffNo, this.clock().toISOString());
    this.log.info('device setting saved', { section: change.section });
    if (change.section === 'evaluator' || change.section === 'printer') {
      await this.rememberIdentities({ [change.section]: serialPathOf(change.section, change.value) });
    }
    await this.apply();
    return this.view();
  }

  async reset(section: DeviceSection): Promise<DeviceSetupView> {
    this.store.resetDeviceSetting(section);
    if (section === 'evaluator' || section === 'printer') this.store.forgetDeviceIdentity(section);
    this.log.info('device setting reset', { section });
    await this.apply();
    return this.view();
  }

  async testPrinter(): Promise<CallResult<'testPrinter'>> {
    const printing = this.printService;
    if (!printing) {
      return { ok: false, message: '本窗口未设置打印机：请先在「打印机」中选择连接方式并保存，再打印测试页', svg: '' };
    }
    const { link, profile } = printing.printerConfig;
    const document = testPage({
      hallName: this.options.config().settings?.hallName ?? DEFAULT_HALL_NAME,
      windowName: this.options.windowName() ?? '（未注册窗口）',
      printerDescription: describePrinterLink(link),
      width: profile.width,
      nativeQr: profile.nativeQr,
      font: printerFontOf(profile),
      statusQueries: profile.statusQueries ?? true,
      printedAt: this.clock(),
      qrPayload: this.options.server().url ?? 'HallDesk',
    });
    const svg = printing.previewDocument(document);
    const result = await printing.printNow(document);
    this.log.info('test page', { ok: result.ok });
    return { ...result, svg };
  }

  pingEvaluator(): Promise<CallResult<'pingEvaluator'>> {
    return this.options.ratings().ping();
  }

  testEvaluatorRating(): Promise<CallResult<'testEvaluatorRating'>> {
    return this.options.ratings().testRating(this.deps.evaluatorTestSeconds ?? 30);
  }

  testOutwardDisplay(): CallResult<'testOutwardDisplay'> {
    const ms = this.deps.testPatternMs ?? 10_000;
    const until = new Date(this.clock().getTime() + ms).toISOString();
    this.testPattern = until;
    if (this.testPatternTimer) clearTimeout(this.testPatternTimer);
    this.testPatternTimer = setTimeout(() => {
      this.testPatternTimer = null;
      this.testPattern = null;
      this.options.onChange();
    }, ms);
    this.testPatternTimer.unref();
    this.options.onChange();
    return { until };
  }

  /** Plays a sample call on the outward screen; with voice off there is nothing to hear, so it says what to do. */
  testVoice(): CallResult<'testVoice'> {
    if (!this.resolved.effective.voice.enabled) throw new HallError('CONFLICT', VOICE_OFF_MESSAGE, 409);
    this.voiceTests += 1;
    this.options.onChange();
    const where = this.options.windowName() ?? '本窗口';
    const blocked = this.outwardAudio === 'blocked' ? `（${OUTWARD_VOICE_BLOCKED_MESSAGE}）` : '';
    return { text: `请 A001 号到 ${where} 办理${blocked}` };
  }

  exportSetup(): CallResult<'exportDeviceSetup'> {
    const now = this.clock();
    const from = this.options.windowName();
    return {
      fileName: suggestedConfigFileName(from, now),
      text: exportConfig(this.resolved.effective, { now, from }),
    };
  }

  /** `staffNo` is asked for after the file parsed (the caller checked the manager already). */
  async importSetup(text: string, staffNo: () => string): Promise<DeviceSetupView> {
    const parsed = parseConfigImport(text);
    if (!parsed.ok) throw new HallError('BAD_REQUEST', parsed.error.message, 400);
    this.store.replaceDeviceSettings(parsed.setup, `import:${staffNo()}`, this.clock().toISOString());
    this.log.info('device setup imported', { from: parsed.document.from });
    await this.rememberIdentities({
      evaluator: serialPathOf('evaluator', parsed.setup.evaluator),
      printer: serialPathOf('printer', parsed.setup.printer),
    });
    await this.apply();
    return this.view();
  }

  // ---- building and rebuilding --------------------------------------------------

  private resolve(): ResolvedDeviceSetup {
    return resolveDeviceSetup({
      local: this.store.deviceSettings(),
      deviceSetups: this.options.config().deviceSetups,
      windowId: this.options.windowId(),
      launcher: this.options.launcher,
    });
  }

  /** The route for a section's serial port: kept while the path stays the same (a rebuilt driver opens where the device is now). */
  private routeFor(section: IdentifiedSection, path: string | null): PortRoute | null {
    const old = this.routes[section];
    const route = path === null ? null : old?.chosen === path ? old : { chosen: path, current: path, tried: null };
    this.routes[section] = route;
    return route;
  }

  private makePrintService(setup: DeviceSetup['printer']): PrintService | null {
    const route = this.routeFor('printer', serialPathOf('printer', setup));
    if (!setup) return null;
    const config = printerConfigFromSetup(setup);
    return new PrintService({
      db: this.store.db,
      config,
      clock: this.clock,
      log: this.log,
      onChange: () => this.options.onChange(),
      rasteriser: this.deps.rasteriser,
      ...(route
        ? {
            open: () =>
              openPrinterLink(config.link, () => {
                route.tried = route.current;
                return route.current;
              }),
          }
        : {}),
    });
  }

  private makeEvaluator(setup: DeviceSetup['evaluator']): RatingServiceOptions['evaluator'] {
    const route = this.routeFor('evaluator', serialPathOf('evaluator', setup));
    if (!setup) return null;
    try {
      return evaluatorFromConfig(evaluatorConfigFromSetup(setup), this.log, () => {
        const at = route?.current ?? setup.port;
        if (route) route.tried = at;
        return at;
      });
    } catch (error) {
      this.log.error('evaluator setting unusable', { error: String(error) });
      return null;
    }
  }

  /**
   * The setup may have changed (a local setting, an import, a config pull):
   * the printer and the evaluator are rebuilt when their section changed (the
   * old one closed first, so a serial port is free), the host hears about
   * another outward display. One run at a time.
   */
  apply(): Promise<void> {
    const run = this.work.then(() => this.reconfigure());
    this.work = run.catch((error: unknown) => this.log.error('devices not reconfigured', { error: String(error) }));
    return run;
  }

  private async reconfigure(): Promise<void> {
    if (this.closed) return;
    const before = this.resolved;
    this.resolved = this.resolve();
    const { printer, evaluator, outwardDisplayId } = this.resolved.effective;
    const printerKey = JSON.stringify(printer);
    if (printerKey !== this.appliedPrinter) {
      this.appliedPrinter = printerKey;
      // The old service stays in place until the new one is: it finishes its job in
      // flight, and a slip enqueued meanwhile is stored (not printed) for the new one to print.
      await this.printService?.close();
      this.printService = this.makePrintService(printer);
      this.printService?.start();
      this.log.info('printer reconfigured', { printer: printer ? describePrinterLink(printer.link) : null });
    }
    const evaluatorKey = JSON.stringify(evaluator);
    if (evaluatorKey !== this.appliedEvaluator) {
      this.appliedEvaluator = evaluatorKey;
      await this.options.ratings().setEvaluator(this.makeEvaluator(evaluator));
      this.log.info('evaluator reconfigured', { port: evaluator?.port ?? null, address: evaluator?.address ?? null });
    }
    const idCardReader = this.resolved.effective.idCardReader;
    const idCardReaderKey = JSON.stringify(idCardReader);
    if (this.started && idCardReaderKey !== this.appliedIdCardReader) {
      this.appliedIdCardReader = idCardReaderKey;
      await this.options.idCardReader?.(idCardReader);
      this.log.info('id card reader reconfigured', { port: idCardReader?.port ?? null });
    }
    if (before.effective.outwardDisplayId !== outwardDisplayId) {
      for (const listener of [...this.outwardDisplayListeners]) {
        try {
          listener();
        } catch (error) {
          this.log.warn('local settings listener failed', { error: String(error) });
        }
      }
    }
    this.syncFollowers();
    this.options.onChange();
  }

  // ---- known devices --------------------------------------------------------------

  private realpath(file: string): Promise<string | null> {
    const realpath = this.deps.discovery?.realpath ?? defaultDiscoveryDeps.realpath;
    return realpath(file).catch(() => null);
  }

  /** Whether `port` is the one a setting names (its path, its by-id link, or where a link to it resolves). */
  private async names(port: DiscoveredPort, chosen: string): Promise<boolean> {
    if (port.path === chosen || port.byIdPath === chosen) return true;
    return (await this.realpath(chosen)) === port.path;
  }

  /**
   * A manager chose these ports (null: no serial device for that section):
   * the USB identity found on each is remembered, or forgotten when the port
   * has none (a motherboard ttyS, a socat pty) or is not there.
   */
  private async rememberIdentities(chosen: Partial<Record<IdentifiedSection, string | null>>): Promise<void> {
    const sections = IDENTIFIED_SECTIONS.filter((section) => chosen[section] !== undefined);
    if (sections.every((section) => chosen[section] === null)) {
      for (const section of sections) this.store.forgetDeviceIdentity(section);
      return;
    }
    const found = await listSerialPorts(this.deps.discovery);
    for (const section of sections) {
      const path = chosen[section];
      let port: DiscoveredPort | undefined;
      if (path) {
        for (const candidate of found.ports) {
          if (await this.names(candidate, path)) {
            port = candidate;
            break;
          }
        }
      }
      const identity = port ? identityOf(port) : null;
      if (!path || !identity) {
        this.store.forgetDeviceIdentity(section);
        continue;
      }
      const known: StoredDeviceIdentity = { path, identity, seenAt: this.clock().toISOString() };
      this.store.saveDeviceIdentity(section, known);
      this.log.info('serial device remembered', { section, path, device: `${identity.vendorId}:${identity.productId}` });
    }
  }

  /** Follows each section in use whose port has a remembered identity; one poller for all. */
  private syncFollowers(): void {
    if (!this.started || this.closed) return;
    const known = this.store.deviceIdentities();
    const follow: { section: IdentifiedSection; route: PortRoute; known: StoredDeviceIdentity }[] = [];
    for (const section of IDENTIFIED_SECTIONS) {
      const route = this.routes[section];
      const remembered = known.get(section);
      if (route && remembered && remembered.path === route.chosen) follow.push({ section, route, known: remembered });
    }
    const key = JSON.stringify(follow.map((f) => [f.section, f.route.chosen, f.known.identity]));
    if (key === this.followKey && follow.every((f) => this.routes[f.section] === f.route)) return;
    this.stopFollowing();
    this.followKey = key;
    if (follow.length === 0) return;
    const poller = new PortPoller({
      discover: () => listSerialPorts(this.deps.discovery),
      intervalMs: this.deps.portPollMs ?? 2000,
      ...(this.deps.portTimers ? { timers: this.deps.portTimers } : {}),
    });
    for (const { section, route, known: remembered } of follow) {
      this.unfollow.push(
        followKnownDevice(poller, remembered.identity, (port) => void this.followed(section, route, port)),
      );
    }
    this.poller = poller;
    poller.start();
  }

  private stopFollowing(): void {
    for (const off of this.unfollow.splice(0)) off();
    this.poller?.stop();
    this.poller = null;
    this.followKey = '[]';
  }

  /** The poller found a known device (or lost it): its driver opens there on the next attempt. */
  private async followed(section: IdentifiedSection, route: PortRoute, port: DiscoveredPort | undefined): Promise<void> {
    if (!port) {
      this.log.info('known serial device not found', { section, path: route.current });
      return;
    }
    const next = (await this.names(port, route.chosen)) ? route.chosen : port.path;
    if (this.closed || this.routes[section] !== route || next === route.current) return;
    this.log.info(`${section} reappeared on another port: ${route.current} → ${next}`, {
      section,
      from: route.current,
      to: next,
    });
    route.current = next;
    this.options.onChange();
  }
}

/** The serial port a printer or evaluator setting names, or null (none, or a network/USB-lp printer). */
function serialPathOf(section: IdentifiedSection, value: DeviceSetup['printer'] | DeviceSetup['evaluator']): string | null {
  if (!value) return null;
  if (section === 'evaluator') return (value as NonNullable<DeviceSetup['evaluator']>).port;
  const { link } = value as NonNullable<DeviceSetup['printer']>;
  return link.kind === 'serial' ? link.path : null;
}

/** A found serial port as the 设备设置 screen lists it. */
function serialPortOption(port: DiscoveredPort): SerialPortOption {
  const parts: string[] = [];
  if (port.vendorId && port.productId) parts.push(`${port.vendorId}:${port.productId}`);
  const name = [port.manufacturer, port.product].filter(Boolean).join(' ');
  if (name) parts.push(name);
  if (port.serialNumber) parts.push(`序列号 ${port.serialNumber}`);
  if (parts.length === 0 && /ttyS\d+$/.test(port.path)) parts.push('主板串口');
  return { path: port.path, description: parts.length ? parts.join(' ') : null, byIdPath: port.byIdPath ?? null };
}
