// 统计报表 at a counter (issue 17): a hall manager signed in at a real counter
// core reads the real hall server's reports through the contract's calls
// (getRatingReport, getWorkloadReport) and gets its .xlsx (exportReport) —
// over the quarter known by construction, written into the hall's own file.
// The server unreachable: a Chinese message that says the report needs it. A
// clerk is refused by the contract (test/main/contract-roles.test.ts).
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { HallError } from '../../common/errors.ts';
import type { RatingReport, ReportWorkbook, WorkloadReport } from '../../common/reports.ts';
import { REPORTS_OFFLINE } from '../../main/manager/reports.ts';
import { buildReportHall, Q3 } from '../helpers/report-hall.ts';
import { deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

const rigs: DeviceRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

it('a manager at the counter reads both reports and exports the .xlsx; offline, a message that says why', async () => {
  const rig = await deviceRig();
  rigs.push(rig);
  const hallDb = new Database(join(rig.hall.dataDir, 'hall.sqlite'));
  hallDb.pragma('foreign_keys = ON');
  const built = buildReportHall(hallDb);
  hallDb.close();
  await rig.signIn(MANAGER);

  const inQ3 = <T extends { day: string }>(rows: T[]) => rows.filter((r) => r.day >= Q3.from && r.day <= Q3.to);
  const workload = (await rig.counter.call('getWorkloadReport', { ...Q3 })) as WorkloadReport;
  expect(workload.total.served).toBe(inQ3(built.services).length);
  expect(workload.views.window.map((r) => r.name)).toEqual(['1号窗口', '2号窗口', '3号窗口']);
  const ratings = (await rig.counter.call('getRatingReport', { ...Q3, windowId: 1 })) as RatingReport;
  expect(ratings.total.rated).toBe(inQ3(built.ratings).filter((r) => r.windowId === 1 && r.level !== null).length);

  const file = (await rig.counter.call('exportReport', { ...Q3 })) as ReportWorkbook;
  expect(file.fileName).toMatch(/2026-07-01至2026-09-30\.xlsx$/);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(file.base64, 'base64') as unknown as ArrayBuffer);
  expect(book.worksheets.map((s) => s.name)).toEqual(['按窗口', '按人员', '按业务类型', '按事项', '差评明细']);

  // The hall server goes away: the counter says the report needs it.
  await rig.hall.close();
  const error = await rig.counter.call('getRatingReport', { ...Q3 }).then(() => null, (e: unknown) => e as HallError);
  expect(error).toMatchObject({ code: 'SERVER_UNREACHABLE', message: REPORTS_OFFLINE });
  const again = await rig.counter.call('exportReport', { ...Q3 }).then(() => null, (e: unknown) => e as HallError);
  expect(again).toMatchObject({ code: 'SERVER_UNREACHABLE', message: REPORTS_OFFLINE });
});
