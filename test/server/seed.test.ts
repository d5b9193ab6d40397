import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CALENDAR_2026, DEFAULT_CALENDARS } from '../../common/calendar.ts';
import { WorkingCalendar } from '../../common/cases.ts';
import { HallSettings, Item } from '../../common/model.ts';
import { createConfigStore } from '../../server/config-store.ts';
import { migrate, type HallDatabase } from '../../server/db.ts';
import { pinyinInitials } from '../../server/initials.ts';
import { seedHallIfEmpty, upgradeHallConfig } from '../../server/seed.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const readJson = (file: string): unknown => JSON.parse(readFileSync(join(DEMO_SEED_DIR, file), 'utf8'));

describe('the demo hall data (resources/hall)', () => {
  it('ships the same 2026 calendar as common/calendar.ts', () => {
    expect(WorkingCalendar.parse(readJson('calendar-2026.json'))).toEqual(CALENDAR_2026);
    expect(DEFAULT_CALENDARS).toEqual([CALENDAR_2026]);
  });

  it('gives the case settings explicitly', () => {
    const raw = readJson('settings.json') as Record<string, unknown>;
    expect(raw).toMatchObject({ nearDeadlineWorkingDays: 1, waivableDueWorkingDays: 5, idleLockMinutes: 10 });
    expect(HallSettings.parse(raw).refuseReasons.length).toBeGreaterThanOrEqual(3);
  });

  it('has at least 10 realistic items of every kind the workflow needs', () => {
    const items = z.array(Item).parse(readJson('items.json'));
    expect(items.length).toBeGreaterThanOrEqual(10);
    for (const name of ['营业执照变更登记', '不动产登记', '食品经营许可']) {
      expect(
        items.some((item) => item.name.startsWith(name)),
        name,
      ).toBe(true);
    }
    expect(items.some((item) => item.kind === 'instant')).toBe(true);
    expect(items.some((item) => item.kind === 'promised' && !item.calendarDays && item.limitDays > 0)).toBe(
      true,
    );
    expect(items.filter((item) => item.calendarDays && item.kind === 'promised')).toHaveLength(1);
    expect(items.some((item) => item.applicantTypes.join() === 'person')).toBe(true);
    expect(items.some((item) => item.applicantTypes.join() === 'enterprise')).toBe(true);
    expect(
      items.filter((item) => item.materials.some((material) => material.waivable)).length,
    ).toBeGreaterThan(5);
    for (const item of items) {
      expect(item.materials.length, item.code).toBeGreaterThan(0);
      expect(item.kind === 'instant' ? item.limitDays === 0 : item.limitDays > 0, item.code).toBe(true);
      for (const material of item.materials.filter((m) => m.waivable)) {
        expect(material.requirement, `${item.code} ${material.name}`).not.toBe('');
      }
    }
  });
});

describe('pinyinInitials', () => {
  it('takes the first letter of each character’s pinyin, keeps letters and digits, drops the rest', () => {
    expect(pinyinInitials('营业执照变更登记（有限责任公司）')).toBe('yyzzbgdjyxzrgs');
    expect(pinyinInitials('不动产登记')).toBe('bdcdj');
    expect(pinyinInitials('食品经营许可（新办）')).toBe('spjyxkxb');
    expect(pinyinInitials('重庆银行 2号楼 ATM')).toBe('cqyh2hlatm');
    expect(pinyinInitials('')).toBe('');
  });
});

describe('seeding and upgrading a hall', () => {
  let dir: string;
  let db: HallDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halldesk-seed-test-'));
    cpSync(DEMO_SEED_DIR, dir, { recursive: true });
    db = new Database(':memory:');
    migrate(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the calendar and every item with its initials', async () => {
    expect(await seedHallIfEmpty(db, dir)).toBe(true);
    const config = createConfigStore(db);
    expect(config.get('calendar', '2026')).toEqual(CALENDAR_2026);
    expect(config.get('item', 'BDC-ZY-001')?.initials).toBe('bdcdjclfzydj');
    expect(config.get('settings', 'hall')?.idleLockMinutes).toBe(10);
    expect(await upgradeHallConfig(db, dir)).toBe(0);
  });

  it('passes the idle lock through, and fills it in (10 minutes) when a seed leaves it out', async () => {
    const settings = readJson('settings.json') as Record<string, unknown>;
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ ...settings, idleLockMinutes: 3 }));
    await seedHallIfEmpty(db, dir);
    expect(createConfigStore(db).get('settings', 'hall')?.idleLockMinutes).toBe(3);

    const other = new Database(':memory:');
    migrate(other);
    const { idleLockMinutes: _minutes, ...withoutLock } = settings;
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(withoutLock));
    await seedHallIfEmpty(other, dir);
    expect(createConfigStore(other).get('settings', 'hall')?.idleLockMinutes).toBe(10);
    other.close();
  });

  it('keeps initials the seed gives (to correct a 多音字)', async () => {
    const items = z.array(Item).parse(readJson('items.json'));
    items[0]!.initials = 'custom';
    writeFileSync(join(dir, 'items.json'), JSON.stringify(items));
    await seedHallIfEmpty(db, dir);
    expect(createConfigStore(db).get('item', items[0]!.code)?.initials).toBe('custom');
  });

  it('seeds without a calendar file: counters then use their shipped calendar', async () => {
    rmSync(join(dir, 'calendar-2026.json'));
    expect(await seedHallIfEmpty(db, dir)).toBe(true);
    expect(createConfigStore(db).list('calendar')).toEqual([]);
  });

  it('refuses a calendar file whose year or dates are wrong', async () => {
    const write = (file: string, calendar: unknown) =>
      writeFileSync(join(dir, file), JSON.stringify(calendar));
    write('calendar-2026.json', { ...CALENDAR_2026, year: 2027 });
    await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(/calendar-2026\.json 有误：year 为 2027/);
    write('calendar-2026.json', { ...CALENDAR_2026, holidays: ['2026-02-30'] });
    await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(/2026-02-30 不是真实的日期/);
    write('calendar-2026.json', { ...CALENDAR_2026, workdays: ['2027-01-02'] });
    await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(/2027-01-02 不在 2026 年内/);
    write('calendar-2026.json', { ...CALENDAR_2026, workdays: ['2026-01-01'] });
    await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(/2026-01-01 重复出现/);
    write('calendar-2026.json', { year: 2026 });
    await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(/calendar-2026\.json 有误/);
    expect(createConfigStore(db).version()).toBe(0);
  });

  it('brings a hall seeded by an older version up to date, once', async () => {
    const config = createConfigStore(db);
    // What an older server wrote: items without initials, no calendar.
    const items = z.array(Item).parse(readJson('items.json'));
    config.append([
      { kind: 'settings', key: 'hall', value: HallSettings.parse(readJson('settings.json')) },
      ...items.map(({ initials: _initials, ...item }) => ({
        kind: 'item' as const,
        key: item.code,
        value: item as Item,
      })),
    ]);
    const before = config.version();
    expect(await upgradeHallConfig(db, dir)).toBe(1 + items.length);
    expect(config.get('calendar', '2026')).toEqual(CALENDAR_2026);
    expect(config.get('item', 'SCJG-DJ-002')?.initials).toBe('yyzzbgdjyxzrgs');
    const pulled = config.pull(before, 100).changes.map((entry) => entry.change.kind);
    expect(pulled[0]).toBe('calendar');
    expect(await upgradeHallConfig(db, dir)).toBe(0);
    expect(config.version()).toBe(before + 1 + items.length);
  });

  it('leaves an empty hall to seeding', async () => {
    expect(await upgradeHallConfig(db, dir)).toBe(0);
  });
});
