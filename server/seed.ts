// A hall's starting data (resources/hall, or any folder laid out the same way),
// written into an empty database as its first config changes. Items get their
// pinyin initials here; calendar-YYYY.json files become 'calendar' entries.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isIsoDate } from '../common/calendar.ts';
import { WorkingCalendar } from '../common/cases.ts';
import { describeIssues } from '../common/errors.ts';
import { HallSettings, HallWindow, Item, ServiceLine, Staff, type ConfigChange } from '../common/model.ts';
import { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import { hashPassword } from './passwords.ts';
import { parseWithZhMessages } from './validate.ts';

const SeedStaff = Staff.extend({
  /** An SVG portrait inside the seed folder, e.g. photos/1001.svg. */
  photo: z.string().regex(/^[\w/-]+\.svg$/, '照片应为初始数据目录下的 .svg 文件'),
  /** The first password; only its scrypt hash reaches the database. */
  password: z.string().min(6, '初始密码至少 6 位'),
});

interface HallSeed {
  settings: HallSettings;
  lines: ServiceLine[];
  windows: HallWindow[];
  staff: (Staff & { password: string })[];
  items: Item[];
  calendars: WorkingCalendar[];
}

/** calendar-2026.json and the like: one year of the working-day calendar each. */
const CALENDAR_FILE = /^calendar-(\d{4})\.json$/;

function readSeedFile<S extends z.ZodType>(dir: string, file: string, schema: S): z.output<S> {
  const path = join(dir, file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`无法读取大厅初始数据 ${path}：${(error as Error).message}`, { cause: error });
  }
  const parsed = parseWithZhMessages(schema, json);
  if (!parsed.success) throw new Error(`大厅初始数据 ${path} 有误：${describeIssues(parsed.error)}`);
  return parsed.data;
}

function requireUnique(file: string, keys: readonly (string | number)[]): void {
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated !== undefined) throw new Error(`大厅初始数据 ${file} 有误：${repeated} 重复出现`);
}

/**
 * Reads and checks a seed folder; photos become data: URLs. The pinyin
 * dictionary (≈15 MB resident) is loaded only here, on a hall's first start:
 * a running hall server never needs it.
 */
async function readHallSeed(dir: string): Promise<HallSeed> {
  const settings = readSeedFile(dir, 'settings.json', HallSettings);
  const lines = readSeedFile(dir, 'lines.json', z.array(ServiceLine).min(1));
  const windows = readSeedFile(dir, 'windows.json', z.array(HallWindow).min(1));
  const staff = readSeedFile(dir, 'staff.json', z.array(SeedStaff).min(1));
  const items = readSeedFile(dir, 'items.json', z.array(Item));

  requireUnique(
    'lines.json',
    lines.map((line) => line.id),
  );
  requireUnique(
    'windows.json',
    windows.map((window) => window.id),
  );
  requireUnique(
    'windows.json',
    windows.map((window) => window.code),
  );
  requireUnique(
    'staff.json',
    staff.map((member) => member.id),
  );
  requireUnique(
    'staff.json',
    staff.map((member) => member.staffNo),
  );
  requireUnique(
    'items.json',
    items.map((item) => item.code),
  );
  const lineIds = new Set(lines.map((line) => line.id));
  for (const { file, name, lineId } of [
    ...windows.flatMap((window) =>
      window.lineIds.map((lineId) => ({ file: 'windows.json', name: window.name, lineId })),
    ),
    ...items.map((item) => ({ file: 'items.json', name: item.name, lineId: item.lineId })),
  ]) {
    if (!lineIds.has(lineId))
      throw new Error(`大厅初始数据 ${file} 有误：「${name}」引用了不存在的业务类型 ${lineId}`);
  }

  return {
    settings,
    lines,
    windows,
    calendars: readCalendars(dir),
    staff: staff.map((member) => ({
      ...member,
      photo: `data:image/svg+xml;base64,${readFileSync(join(dir, member.photo)).toString('base64')}`,
    })),
    items: await withInitials(items),
  };
}

/** Fills in the items' pinyin initials, unless the seed gives them (e.g. to fix a 多音字). */
async function withInitials(items: Item[]): Promise<Item[]> {
  if (items.every((item) => item.initials !== '')) return items;
  const { pinyinInitials } = await import('./initials.ts');
  return items.map((item) => (item.initials === '' ? { ...item, initials: pinyinInitials(item.name) } : item));
}

/** Every calendar-YYYY.json in the seed folder (there may be none), checked. */
function readCalendars(dir: string): WorkingCalendar[] {
  const files = readdirSync(dir)
    .filter((file) => CALENDAR_FILE.test(file))
    .sort();
  return files.map((file) => {
    const calendar = readSeedFile(dir, file, WorkingCalendar);
    const year = Number(CALENDAR_FILE.exec(file)![1]);
    const fail = (what: string) => {
      throw new Error(`大厅初始数据 ${file} 有误：${what}`);
    };
    if (calendar.year !== year) fail(`year 为 ${calendar.year}，与文件名的年份 ${year} 不符`);
    for (const date of [...calendar.holidays, ...calendar.workdays]) {
      if (!isIsoDate(date)) fail(`${date} 不是真实的日期`);
      if (!date.startsWith(`${year}-`)) fail(`${date} 不在 ${year} 年内`);
    }
    requireUnique(file, [...calendar.holidays, ...calendar.workdays]);
    return calendar;
  });
}

/** Every seed entry as a config change, in the order a counter can apply them. */
function seedChanges(seed: HallSeed): ConfigChange[] {
  return [
    { kind: 'settings', key: 'hall', value: seed.settings },
    ...seed.calendars.map((calendar): ConfigChange => ({
      kind: 'calendar',
      key: String(calendar.year),
      value: calendar,
    })),
    ...seed.lines.map((line): ConfigChange => ({ kind: 'line', key: line.id, value: line })),
    ...seed.windows.map((window): ConfigChange => ({
      kind: 'window',
      key: String(window.id),
      value: window,
    })),
    ...seed.staff.map(({ password: _password, ...member }): ConfigChange => ({
      kind: 'staff',
      key: String(member.id),
      value: member,
    })),
    ...seed.items.map((item): ConfigChange => ({ kind: 'item', key: item.code, value: item })),
  ];
}

/** Seeds the hall from `dir` if the database holds no config yet. Returns whether it did. */
export async function seedHallIfEmpty(db: HallDatabase, dir: string): Promise<boolean> {
  const config = createConfigStore(db);
  if (config.version() > 0) return false;
  const seed = await readHallSeed(dir);
  const credentials = await Promise.all(
    seed.staff.map(async (member) => ({ ...member, hash: await hashPassword(member.password) })),
  );
  const insertCredential = db.prepare<[number, string, string]>(
    'INSERT INTO staff_credentials (staff_id, staff_no, password_hash) VALUES (?, ?, ?)',
  );
  return db
    .transaction(() => {
      // Another process may have seeded while the hashes were computed.
      if (config.version() > 0) return false;
      config.append(seedChanges(seed));
      for (const member of credentials) insertCredential.run(member.id, member.staffNo, member.hash);
      return true;
    })
    .immediate();
}

/**
 * Brings a hall seeded by an older version up to date, by appending config
 * changes: the seed folder's calendars for years the config has none of, and
 * pinyin initials for items that have none. Returns how many changes it
 * appended (0 when there was nothing to do, or the hall is empty).
 */
export async function upgradeHallConfig(db: HallDatabase, dir: string): Promise<number> {
  const config = createConfigStore(db);
  if (config.version() === 0) return 0;
  const calendars = readCalendars(dir);
  const itemsWithInitials = await withInitials(
    config
      .list('item')
      .filter((item) => !item.initials)
      .map((item) => ({ ...item, initials: '' })),
  );
  return db
    .transaction(() => {
      const changes: ConfigChange[] = [
        ...calendars
          .filter((calendar) => config.get('calendar', String(calendar.year)) === null)
          .map((calendar): ConfigChange => ({
            kind: 'calendar',
            key: String(calendar.year),
            value: calendar,
          })),
        ...itemsWithInitials
          .filter((item) => !config.get('item', item.code)?.initials)
          .map((item): ConfigChange => ({ kind: 'item', key: item.code, value: item })),
      ];
      config.append(changes);
      return changes.length;
    })
    .immediate();
}
