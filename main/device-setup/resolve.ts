// The window's device setup as the counter uses it (设备设置): for each of
// the four sections the first source found wins — this counter's own setting
// (a manager's, or an imported file), the hall's setup for this window, the
// hall default, what the launcher passed, the built-in default. And the
// conversions from the setup's shapes to what the print queue and the
// evaluator driver take.
import {
  DEFAULT_DEVICE_SETUP,
  DEVICE_SECTIONS,
  type DeviceSection,
  type DeviceSetup,
  type DeviceSetupView,
  type EvaluatorSetup,
  type HallDeviceSetup,
  type PrinterFont,
  type PrinterSetup,
  type SetupSource,
} from '../../common/device-setup.ts';
import { DEFAULT_KEY_MAP, keyMapFrom } from '../devices/evaluator/ascii-keypad.ts';
import { DEFAULT_PROFILE, type PrinterProfile } from '../devices/printer/index.ts';
import type { PrinterConfig } from '../printing/config.ts';
import type { EvaluatorConfig } from '../ratings/evaluator-config.ts';
import type { StoredDeviceSetting } from '../store/counter-store.ts';
import type { IdCardReaderSetup } from '../../common/id-card.ts';

/** What the launcher's printer and evaluator (environment variables in the demos) amount to. */
export interface LauncherDevices {
  printer?: PrinterConfig | undefined;
  evaluator?: EvaluatorConfig | null | undefined;
  idCardReader?: IdCardReaderSetup | null | undefined;
}

export interface ResolvedDeviceSetup {
  effective: DeviceSetup;
  sources: Record<DeviceSection, SetupSource>;
  /** The hall's setup for this window: its own sections over the hall default. */
  hall: HallDeviceSetup;
}

/** The serial speed an evaluator gets when the launcher named none (serial-line.ts opens at 9600). */
export const DEFAULT_EVALUATOR_BAUD = 9600;

/** The hall's setup for `windowId`: the window's own sections win over the hall default's. */
export function hallSetupFor(deviceSetups: ReadonlyMap<string, HallDeviceSetup>, windowId: number | null): HallDeviceSetup {
  const byDefault = deviceSetups.get('default') ?? {};
  const own = windowId === null ? {} : (deviceSetups.get(String(windowId)) ?? {});
  const merged: HallDeviceSetup = {};
  for (const section of DEVICE_SECTIONS) {
    const value = section in own ? own[section] : byDefault[section];
    if (value !== undefined) (merged as Record<DeviceSection, unknown>)[section] = value;
  }
  return merged;
}

export function launcherSetup(launcher: LauncherDevices): Partial<DeviceSetup> {
  const setup: Partial<DeviceSetup> = {};
  if (launcher.printer) setup.printer = printerSetupFromConfig(launcher.printer);
  if (launcher.evaluator) setup.evaluator = evaluatorSetupFromConfig(launcher.evaluator);
  if (launcher.idCardReader) setup.idCardReader = launcher.idCardReader;
  return setup;
}

/** Per section: local ?? hall (window, then default) ?? launcher ?? default. */
export function resolveDeviceSetup(input: {
  local: ReadonlyMap<DeviceSection, StoredDeviceSetting>;
  deviceSetups: ReadonlyMap<string, HallDeviceSetup>;
  windowId: number | null;
  launcher: LauncherDevices;
}): ResolvedDeviceSetup {
  const hall = hallSetupFor(input.deviceSetups, input.windowId);
  const launcher = launcherSetup(input.launcher);
  const effective = { ...DEFAULT_DEVICE_SETUP } as Record<DeviceSection, unknown>;
  const sources = {} as Record<DeviceSection, SetupSource>;
  for (const section of DEVICE_SECTIONS) {
    const local = input.local.get(section);
    if (local) {
      effective[section] = local.change.value;
      sources[section] = 'local';
    } else if (hall[section] !== undefined) {
      effective[section] = hall[section];
      sources[section] = 'hall';
    } else if (launcher[section] !== undefined) {
      effective[section] = launcher[section];
      sources[section] = 'launcher';
    } else {
      effective[section] = DEFAULT_DEVICE_SETUP[section];
      sources[section] = 'default';
    }
  }
  return { effective: effective as DeviceSetup, sources, hall };
}

export type DeviceSetupSources = DeviceSetupView['sources'];

// ---- conversions -------------------------------------------------------------

export function printerConfigFromSetup(setup: PrinterSetup): PrinterConfig {
  return {
    link: setup.link,
    profile: {
      ...DEFAULT_PROFILE,
      width: setup.width,
      nativeQr: setup.nativeQr,
      fourByteGb18030: setup.font === 'gb18030',
      twoByteFont: setup.font === 'gb2312' ? 'gb2312' : 'gbk',
      statusQueries: setup.statusQueries,
    },
  };
}

/**
 * The setup's font for a profile. A profile with the 4-byte characters but a
 * GB2312-only two-byte font (no real printer) reads as 'gb2312': the setup can
 * only say less than the printer has, so nothing goes out as text the printer
 * lacks — the rest is printed as an image line.
 */
export function printerFontOf(profile: Pick<PrinterProfile, 'fourByteGb18030' | 'twoByteFont'>): PrinterFont {
  if (profile.twoByteFont === 'gb2312') return 'gb2312';
  return profile.fourByteGb18030 ? 'gb18030' : 'gbk';
}

export function printerSetupFromConfig(config: PrinterConfig): PrinterSetup {
  return {
    link: config.link,
    width: config.profile.width,
    nativeQr: config.profile.nativeQr,
    font: printerFontOf(config.profile),
    statusQueries: config.profile.statusQueries ?? true,
  };
}

/** Throws RangeError (zh-CN) on a key map the schema let through but the keypad cannot use. */
export function evaluatorConfigFromSetup(setup: EvaluatorSetup): EvaluatorConfig {
  return {
    port: setup.port,
    protocol: setup.protocol,
    address: setup.address,
    baudRate: setup.baudRate,
    keyMap: setup.keyMap ? keyMapFrom(setup.keyMap) : DEFAULT_KEY_MAP,
  };
}

export function evaluatorSetupFromConfig(config: EvaluatorConfig): EvaluatorSetup {
  let keyMap: EvaluatorSetup['keyMap'] = null;
  if (config.keyMap && config.keyMap !== DEFAULT_KEY_MAP) {
    keyMap = Object.fromEntries([...config.keyMap].map(([code, level]) => [String.fromCharCode(code), level]));
  }
  return {
    port: config.port,
    protocol: config.protocol,
    baudRate: config.baudRate ?? DEFAULT_EVALUATOR_BAUD,
    address: config.address,
    keyMap,
  };
}
