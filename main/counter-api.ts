// What the hosts (Electron shell, browser host) need to create and drive the
// counter core. The implementation is main/counter.ts.
import type { CounterCore } from './bridge.ts';
import type { Timers } from './devices/evaluator/clock.ts';
import type { DiscoveryDeps } from './devices/discovery.ts';
import type { TextRasteriser } from './devices/printer/text-raster.ts';
import type { RetentionTimer } from './retention.ts';
import type { SecretStore } from './secret-store.ts';
import type { PushTuning } from './sync/pusher.ts';
import type { Logger } from './log.ts';
import type { EvaluatorConfig } from './ratings/evaluator-config.ts';
import type { IdCardReaderSetup } from '../common/id-card.ts';
import type { PrinterConfig } from './printing/config.ts';
import type { DisplayOption, OutwardScreenStatus } from '../common/device-setup.ts';

export interface CounterOptions {
  /** Folder for the counter's SQLite file (counter.db). */
  dataDir: string;
  /** Shown to the hall manager at enrollment, e.g. the PC's host name. */
  deviceName: string;
  clock?: () => Date;
  log?: Logger;
  /** Demo launchers: enroll on start when this counter is not enrolled yet. */
  autoEnroll?: { serverUrl: string; code: string };
  /** The receipt printer (main/printing/config.ts, e.g. from HALLDESK_PRINTER); none: no printing. */
  printer?: PrinterConfig;
  /** This window's evaluator (好差评, e.g. from HALLDESK_EVALUATOR_*); none: touch on the outward screen still rates. */
  evaluator?: EvaluatorConfig | null;
  /** This window's ID card reader (二代证阅读器, e.g. from HALLDESK_ID_CARD_PORT); none: the clerk types the identity. */
  idCardReader?: IdCardReaderSetup | null;
  /** The displays connected now, for 设备设置 (the Electron shell: screen.getAllDisplays()); none: the host cannot tell. */
  displays?: () => DisplayOption[];
}

/** Settings that belong to this PC, not to the hall. */
export interface LocalSettings {
  /** Electron display id chosen for the outward screen; null = automatic. */
  outwardDisplayId: number | null;
}

export interface Counter extends CounterCore {
  localSettings(): LocalSettings;
  /** Called after localSettings() changed (a manager chose another outward display, or imported a setup). */
  onLocalSettingsChange(listener: () => void): () => void;
  /** The host says where the outward screen is; the clerk's status bar shows it (devices.outward). */
  setOutwardStatus(status: OutwardScreenStatus): void;
  close(): Promise<void>;
}

/** What varies in tests: transports, secrets, timing. Defaults are the real ones. */
export interface CounterDependencies {
  fetch?: typeof fetch;
  secrets?: SecretStore;
  /** Reconnect delay after the n-th failed attempt (ms); default: full-jitter backoff 1 s → 30 s. */
  retryDelay?: (attempt: number) => number;
  /** Push loop timing (main/sync/pusher.ts); defaults: batches of 500, backoff 1 s → 60 s, 30 s timeout. */
  push?: Partial<PushTuning>;
  /** The daily retention run (main/retention.ts); default: a real, unref'd interval. */
  retentionTimer?: RetentionTimer;
  /** Serial port discovery for 设备设置 (main/devices/discovery.ts); default: the real system. */
  discovery?: Partial<DiscoveryDeps>;
  /** Draws print lines the printer cannot print (tests pass one without system fonts). */
  rasteriser?: TextRasteriser;
  /** 测试评价's time limit (s); default 30. */
  evaluatorTestSeconds?: number;
  /** How long 显示测试画面 lasts (ms); default 10 s. */
  testPatternMs?: number;
  /** How often a known USB serial device (evaluator, serial printer) is looked for after a replug (ms); default 2000. */
  portPollMs?: number;
  /** The timers of that poll; default: real ones, unref'd. */
  portTimers?: Timers;
  /** The ID card reader's find-card poll (ms); default 300. */
  idCardPollMs?: number;
  /** 读卡测试 waits this long for a card (ms); default 20 s. */
  idCardTestWaitMs?: number;
  /** The wait before answering the n-th wrong password checked here (ms); default: growingDelay (main/session/sign-in-throttle.ts). */
  signInDelay?: (failures: number) => number;
}
