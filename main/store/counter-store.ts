// Typed access to the counter's SQLite file. Every write that must land
// together happens in one transaction here.
import type { WorkingCalendar } from '../../common/cases.ts';
import type { CallLogEntry } from '../../common/contract.ts';
import type { HallSettings, HallWindow, Item, ServiceLine, Staff } from '../../common/model.ts';
import { ConfigChange } from '../../common/model.ts';
import { WindowStatus } from '../../common/http-api.ts';
import {
  DEVICE_SECTIONS,
  DeviceSettingChange,
  type DeviceSection,
  type DeviceSetup,
  type HallDeviceSetup,
} from '../../common/device-setup.ts';
import type { DeviceIdentity } from '../devices/discovery.ts';
import type { Db } from './database.ts';
import { z } from 'zod';
import { MAX_DEVICE_NO } from '../../common/hall-codes.ts';

export const Enrollment = z.object({
  deviceId: z.string(),
  /** The hall's small number for this device (part of case numbers); null if enrolled before there were any. */
  deviceNo: z.number().int().positive().max(MAX_DEVICE_NO).nullable().default(null),
  serverUrl: z.string(),
  role: z.enum(['counter', 'kiosk']),
  windowId: z.number().int().positive().nullable(),
});
export type StoredEnrollment = z.infer<typeof Enrollment>;

export interface HallConfig {
  windows: Map<number, HallWindow>;
  lines: Map<string, ServiceLine>;
  staff: Map<number, Staff>;
  items: Map<string, Item>;
  settings: HallSettings | null;
  /** Working-day calendars by year, as the hall server distributes them. */
  calendars: Map<number, WorkingCalendar>;
  /** Device setups the hall pushes (设备设置): key 'default' for every window, or a window id. */
  deviceSetups: Map<string, HallDeviceSetup>;
}

/** The sections whose serial port may carry a remembered USB identity. */
export type IdentifiedSection = 'printer' | 'evaluator';

/** The USB device found on a chosen port when the setting was saved (table device_identity). */
export interface StoredDeviceIdentity {
  /** The port the setting names (as the manager chose it). */
  path: string;
  identity: DeviceIdentity;
  seenAt: string;
}

/**
 * Sections added after device_setting's CHECK (migration 17) listed the four
 * it takes: each is kept in kv as `device-setting:<section>` → { value, setBy,
 * setAt }, read and written through the same calls. (A later migration may
 * fold them into device_setting; counter migration 23 is reserved for it.)
 */
const KV_DEVICE_SECTIONS: readonly DeviceSection[] = ['idCardReader'];
const KvDeviceSetting = z.object({ value: z.unknown(), setBy: z.string().min(1), setAt: z.string() });

/** One section a manager set on this counter (table device_setting). */
export interface StoredDeviceSetting {
  change: DeviceSettingChange;
  setBy: string;
  setAt: string;
}

export class CounterStore {
  readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  private getKv<T>(key: string, schema: z.ZodType<T>): T | null {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) return null;
    const parsed = schema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : null;
  }

  private setKv(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  enrollment(): StoredEnrollment | null {
    return this.getKv('enrollment', Enrollment);
  }

  saveEnrollment(enrollment: StoredEnrollment): void {
    this.db.transaction(() => {
      this.setKv('enrollment', enrollment);
      // A new enrollment may be to another hall: its config starts over.
      this.db.prepare('DELETE FROM config_entry').run();
      this.setKv('cursor:config', 0);
      this.db.prepare("DELETE FROM kv WHERE key = 'window-status'").run();
      // So does its queue and its cases stream (main/sync/streams.ts).
      this.db.prepare('DELETE FROM queue_ticket').run();
      this.db.prepare('DELETE FROM queue_clerk').run();
      this.db.prepare("DELETE FROM kv WHERE key IN ('cursor:queue', 'cursor:cases', 'queue:day')").run();
    })();
  }

  /**
   * 重新注册: a new device identity, perhaps at another window or hall, in one
   * transaction with `startNewChain` (Outbox.startNewChain: the outbox's new
   * chain; it throws, and nothing changes, while records are unsent). Besides
   * what saveEnrollment resets: the screen lock; walk-in numbers leased for
   * the old window (their prefix is that window's; the new window's lease
   * would collide with them on the day's numbers); and the offline sign-in
   * verifiers, which belong to the old hall's staff (each clerk signs in
   * online once at the new identity).
   */
  saveReenrollment(enrollment: StoredEnrollment, startNewChain: () => void): void {
    this.db.transaction(() => {
      startNewChain();
      this.saveEnrollment(enrollment);
      this.setKv('screen-locked', false);
      this.db.prepare('DELETE FROM walk_in_lease').run();
      this.db.prepare('DELETE FROM walk_in').run();
      this.db.prepare('DELETE FROM clerk_credential').run();
    })();
  }

  configCursor(): number {
    return this.getKv('cursor:config', z.number().int().nonnegative()) ?? 0;
  }

  /**
   * Applies one pulled page and its cursor together (sync.md: one
   * transaction). `reset`: the first page of a reload from scratch (after
   * 410): what was held goes in the same transaction.
   */
  applyConfigPage(changes: { version: number; change: ConfigChange }[], cursor: number, reset = false): void {
    const upsert = this.db.prepare(
      `INSERT INTO config_entry (kind, key, value, version) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, version = excluded.version`,
    );
    const remove = this.db.prepare('DELETE FROM config_entry WHERE kind = ? AND key = ?');
    this.db.transaction(() => {
      if (reset) this.db.prepare('DELETE FROM config_entry').run();
      for (const { version, change } of changes) {
        if (change.value === null) remove.run(change.kind, change.key);
        else upsert.run(change.kind, change.key, JSON.stringify(change.value), version);
      }
      this.setKv('cursor:config', cursor);
    })();
  }

  config(): HallConfig {
    const rows = this.db.prepare('SELECT kind, key, value FROM config_entry').all() as {
      kind: string;
      key: string;
      value: string;
    }[];
    const config: HallConfig = {
      windows: new Map(),
      lines: new Map(),
      staff: new Map(),
      items: new Map(),
      settings: null,
      calendars: new Map(),
      deviceSetups: new Map(),
    };
    for (const row of rows) {
      const parsed = ConfigChange.safeParse({ kind: row.kind, key: row.key, value: JSON.parse(row.value) });
      if (!parsed.success || parsed.data.value === null) continue;
      const change = parsed.data;
      switch (change.kind) {
        case 'window':
          config.windows.set(change.value!.id, change.value!);
          break;
        case 'line':
          config.lines.set(change.value!.id, change.value!);
          break;
        case 'staff':
          config.staff.set(change.value!.id, change.value!);
          break;
        case 'item':
          config.items.set(change.value!.code, change.value!);
          break;
        case 'settings':
          config.settings = change.value;
          break;
        case 'calendar':
          config.calendars.set(change.value!.year, change.value!);
          break;
        case 'device-setup':
          config.deviceSetups.set(change.key, change.value!);
          break;
      }
    }
    return config;
  }

  /** The last window state the server told us, so a restart shows it at once. */
  windowStatus(): WindowStatus | null {
    return this.getKv('window-status', WindowStatus);
  }

  saveWindowStatus(status: WindowStatus): void {
    this.setKv('window-status', status);
  }

  appendCallLog(windowId: number, staffNo: string | null, entry: CallLogEntry): void {
    this.db
      .prepare('INSERT INTO call_log (at, window_id, action, ticket_number, staff_no) VALUES (?, ?, ?, ?, ?)')
      .run(entry.at, windowId, entry.action, entry.ticketNumber, staffNo);
  }

  /**
   * Deletes call-log entries from before `before` (ISO time); returns how many.
   * The log is local only (never synced) and the clerk sees today's; main/retention.ts
   * prunes it after the hall's retention days.
   */
  pruneCallLog(before: string): number {
    return this.db.prepare('DELETE FROM call_log WHERE at < ?').run(before).changes;
  }

  /** Calls at this window since `since` (ISO time), newest first. */
  callLogSince(windowId: number, since: string, limit = 50): CallLogEntry[] {
    return (
      this.db
        .prepare(
          `SELECT at, action, ticket_number AS ticketNumber FROM call_log
           WHERE window_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`,
        )
        .all(windowId, since, limit) as CallLogEntry[]
    ).map((row) => ({ ...row }));
  }

  /** The sections set on this counter; a stored value that no longer parses is left out (the next source applies). */
  deviceSettings(): Map<DeviceSection, StoredDeviceSetting> {
    const rows = this.db.prepare('SELECT section, value, set_by, set_at FROM device_setting').all() as {
      section: string;
      value: string;
      set_by: string;
      set_at: string;
    }[];
    const settings = new Map<DeviceSection, StoredDeviceSetting>();
    for (const row of rows) {
      const parsed = DeviceSettingChange.safeParse({ section: row.section, value: JSON.parse(row.value) });
      if (parsed.success) settings.set(parsed.data.section, { change: parsed.data, setBy: row.set_by, setAt: row.set_at });
    }
    for (const section of KV_DEVICE_SECTIONS) {
      const row = this.getKv(`device-setting:${section}`, KvDeviceSetting);
      const parsed = row && DeviceSettingChange.safeParse({ section, value: row.value });
      if (row && parsed?.success) settings.set(section, { change: parsed.data, setBy: row.setBy, setAt: row.setAt });
    }
    return settings;
  }

  saveDeviceSetting(change: DeviceSettingChange, setBy: string, setAt: string): void {
    if (KV_DEVICE_SECTIONS.includes(change.section)) {
      this.setKv(`device-setting:${change.section}`, { value: change.value, setBy, setAt });
      return;
    }
    this.db
      .prepare(
        `INSERT INTO device_setting (section, value, set_by, set_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (section) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at`,
      )
      .run(change.section, JSON.stringify(change.value), setBy, setAt);
  }

  resetDeviceSetting(section: DeviceSection): void {
    if (KV_DEVICE_SECTIONS.includes(section)) this.db.prepare('DELETE FROM kv WHERE key = ?').run(`device-setting:${section}`);
    this.db.prepare('DELETE FROM device_setting WHERE section = ?').run(section);
  }

  /** An imported file: every section becomes this counter's own, in one transaction. */
  replaceDeviceSettings(setup: DeviceSetup, setBy: string, setAt: string): void {
    this.db.transaction(() => {
      for (const section of DEVICE_SECTIONS) {
        this.saveDeviceSetting({ section, value: setup[section] } as DeviceSettingChange, setBy, setAt);
      }
    })();
  }

  /** The USB identities remembered for the evaluator's and the serial printer's port (table device_identity). */
  deviceIdentities(): Map<IdentifiedSection, StoredDeviceIdentity> {
    const rows = this.db
      .prepare('SELECT section, path, vendor_id, product_id, serial_number, seen_at FROM device_identity')
      .all() as { section: IdentifiedSection; path: string; vendor_id: string; product_id: string; serial_number: string; seen_at: string }[];
    return new Map(
      rows.map((row) => [
        row.section,
        {
          path: row.path,
          identity: { vendorId: row.vendor_id, productId: row.product_id, serialNumber: row.serial_number },
          seenAt: row.seen_at,
        },
      ]),
    );
  }

  saveDeviceIdentity(section: IdentifiedSection, known: StoredDeviceIdentity): void {
    this.db
      .prepare(
        `INSERT INTO device_identity (section, path, vendor_id, product_id, serial_number, seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (section) DO UPDATE SET path = excluded.path, vendor_id = excluded.vendor_id,
           product_id = excluded.product_id, serial_number = excluded.serial_number, seen_at = excluded.seen_at`,
      )
      .run(
        section,
        known.path,
        known.identity.vendorId,
        known.identity.productId,
        known.identity.serialNumber ?? '',
        known.seenAt,
      );
  }

  forgetDeviceIdentity(section: IdentifiedSection): void {
    this.db.prepare('DELETE FROM device_identity WHERE section = ?').run(section);
  }

  /**
   * A restart signs the clerk out (nobody is signed in again without a
   * password): the hall server is told once it answers. True until then.
   */
  signOutOwed(): boolean {
    return this.getKv('sign-out-owed', z.boolean()) ?? false;
  }

  saveSignOutOwed(owed: boolean): void {
    this.setKv('sign-out-owed', owed);
  }

  /** The hall server moved: the same enrollment (device, token, window) at a new address; config and cursors stay. */
  saveServerUrl(serverUrl: string): StoredEnrollment {
    const enrollment = this.enrollment();
    if (!enrollment) throw new Error('not enrolled');
    const moved = { ...enrollment, serverUrl };
    this.setKv('enrollment', moved);
    return moved;
  }
}
