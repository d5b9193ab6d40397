// What the hosts (Electron shell, browser host) need to create and drive the
// counter core. The implementation is main/counter.ts.
import type { CounterCore } from './bridge.ts';
import type { Logger } from './log.ts';
import type { EvaluatorConfig } from './ratings/rating-service.ts';
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
