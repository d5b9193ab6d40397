// A big city centre's seed (issue 20, point 1): 400 windows and 50 lines under
// one roof, written as a seed folder the hall server takes with --seed (or
// startHallServer({ seedDir }) in tests). Settings, staff, photos, the
// calendar and the items come from the demo hall (resources/hall); the lines,
// the windows and one item per added line are made here.
//
//   lines    A, B, C (the demo's) and D … Z, AA … AX: 50, the 27th is AA, the 50th AX
//   windows  1–99 coded 01 … 99 (as before), 100–200 coded 100 … 200,
//            201–400 coded B1 … B200 (a second hall, say): window 212 is B12, 400 is B200
//   each window serves its own line (window n: line (n − 1) mod 50 + 1) and line A
//
// `HALLDESK_BIG_HALL=1 npm run demo:web` runs the demo on it (scripts/demo-web.ts).
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HallWindow, Item, ServiceLine } from '../common/model.ts';

const DEMO_SEED_DIR = join(import.meta.dirname, '../resources/hall');

export const BIG_HALL_WINDOWS = 400;
export const BIG_HALL_LINES = 50;

/** The n-th line id, from 1: A … Z, then AA, AB, … (27 → AA, 50 → AX). */
export function bigHallLineId(n: number): string {
  const letter = (i: number) => String.fromCharCode(65 + i);
  return n <= 26 ? letter(n - 1) : letter(Math.floor((n - 27) / 26)) + letter((n - 27) % 26);
}

/** Window n's code as this hall writes it: 01 … 99, 100 … 200, B1 … B200. */
export function bigHallWindowCode(n: number): string {
  if (n < 100) return String(n).padStart(2, '0');
  if (n <= 200) return String(n);
  return `B${n - 200}`;
}

/** The line window n serves first (then line A). */
export const bigHallWindowLine = (n: number): string => bigHallLineId(((n - 1) % BIG_HALL_LINES) + 1);

const LINE_NAMES = [
  '社保医保', '公积金', '税务申报', '户籍办理', '出入境', '车驾管', '人才服务', '劳动就业', '民政婚姻', '卫生健康',
  '教育服务', '交通运输', '住房保障', '水电气', '城市管理', '文化旅游', '农业农村', '生态环境', '应急管理', '退役军人',
  '残疾人服务', '司法公证', '知识产权', '商务外贸', '投资项目',
];

/** The seed's lines: the demo's A, B, C, then D … AX with names and a standard time. */
export function bigHallLines(demoLines: readonly ServiceLine[]): ServiceLine[] {
  const lines = [...demoLines];
  for (let n = demoLines.length + 1; n <= BIG_HALL_LINES; n++) {
    const id = bigHallLineId(n);
    const name = `${LINE_NAMES[(n - 4) % LINE_NAMES.length]}${n - 3 > LINE_NAMES.length ? '（二）' : ''}`;
    lines.push({ id, name, description: `${name}相关事项（业务类型 ${id}）`, standardServiceMinutes: 15 });
  }
  return lines;
}

export function bigHallWindows(): HallWindow[] {
  return Array.from({ length: BIG_HALL_WINDOWS }, (_, i): HallWindow => {
    const n = i + 1;
    const code = bigHallWindowCode(n);
    const own = bigHallWindowLine(n);
    return { id: n, code, name: `${code}号窗口`, lineIds: own === 'A' ? ['A'] : [own, 'A'] };
  });
}

/**
 * Writes the big hall's seed folder to `dir` (created if needed) and returns
 * it. Each added line gets one instant item, `ZH-<line>-001`, made after the
 * demo's 婚姻登记档案查询证明 (two materials, a person applicant).
 */
export function writeBigHallSeed(dir: string): string {
  mkdirSync(dir, { recursive: true });
  cpSync(DEMO_SEED_DIR, dir, { recursive: true });
  const read = <T>(file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  const demoLines = read<ServiceLine[]>('lines.json');
  const items = read<Item[]>('items.json');
  const lines = bigHallLines(demoLines);
  const template = items.find((item) => item.code === 'MZ-HY-001');
  if (!template) throw new Error('演示大厅的事项目录里没有 MZ-HY-001，无法生成大型大厅的事项');
  const added = lines.slice(demoLines.length).map(
    (line): Item => ({
      ...template,
      code: `ZH-${line.id}-001`,
      name: `${line.name}档案查询证明`,
      department: `${line.name}服务中心`,
      lineId: line.id,
      initials: '',
    }),
  );
  writeFileSync(join(dir, 'lines.json'), JSON.stringify(lines, null, 1));
  writeFileSync(join(dir, 'windows.json'), JSON.stringify(bigHallWindows(), null, 1));
  writeFileSync(join(dir, 'items.json'), JSON.stringify([...items, ...added], null, 1));
  return dir;
}
