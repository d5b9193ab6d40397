// 统计报表 routes on the real hall server over HTTP (issue 17): a hall
// manager signed in at a counter reads ratingReport and workloadReport for
// 2026 Q3 of the quarter known by construction (test/helpers/report-hall.ts),
// and exports it: the .xlsx opened with exceljs has one sheet per view and
// 差评明细, a title row naming the hall and the period, Chinese headers, and
// numbers as numbers equal to the report's. A clerk's or a kiosk's token, or a
// counter where no manager is signed in → 403; bad input (end before start,
// over a year, unknown window or staff number, malformed dates) → 400 with a
// Chinese message saying what to fix, and nothing in the hall file changes.
import ExcelJS from 'exceljs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVEL_NAME } from '../../common/ratings.ts';
import { RatingReport, ReportWorkbook, WorkloadReport } from '../../common/reports.ts';
import { openHallDatabase } from '../../server/db.ts';
import { BAD_SHEET_HEADERS, VIEW_SHEET_HEADERS } from '../../server/report-workbook.ts';
import { seedHallIfEmpty } from '../../server/seed.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { buildReportHall, Q3, REPORT_TODAY, type BuiltHall } from '../helpers/report-hall.ts';
import { call, hallDatabaseOf, refusal, startTestHall, tableDigests, type TestHall } from './support.ts';

let hall: TestHall;
let built: BuiltHall;
let manager: string;
let clerk: string;
let kiosk: string;
let idle: string;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-report-routes-'));
  const db = openHallDatabase(await hallDatabaseOf(dataDir));
  await seedHallIfEmpty(db, DEMO_SEED_DIR);
  built = buildReportHall(db);
  db.close();
  hall = await startTestHall({ dataDir, clock: () => new Date(`${REPORT_TODAY}T10:00:00+08:00`), signInDelayMs: () => 0 });
  const signIn = async (windowId: number, staffNo: string) => {
    const { token } = await hall.enroll(windowId);
    const answer = await call(hall.url, 'POST', '/v1/auth/sign-in', { token, body: { staffNo, password: DEMO_PASSWORD } });
    expect(answer.status).toBe(200);
    return token;
  };
  manager = await signIn(4, '1006');
  clerk = await signIn(2, '1002');
  kiosk = (await hall.enroll(null)).token;
  idle = (await hall.enroll(5)).token;
});
afterAll(async () => {
  await hall.close();
  rmSync(hall.dataDir, { recursive: true, force: true });
});

const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
const inQ3 = <T extends { day: string }>(rows: T[]) => rows.filter((r) => r.day >= Q3.from && r.day <= Q3.to);

describe('统计报表 over HTTP', () => {
  it('a manager at a counter reads both reports for the quarter', async () => {
    const workload = await call(hall.url, 'GET', `/v1/manager/reports/workload${q(Q3)}`, { token: manager });
    expect(workload.status).toBe(200);
    const w = WorkloadReport.parse(workload.json);
    expect(w.total.served).toBe(inQ3(built.services).length);
    expect(w.periodLabel).toBe('2026年第3季度（2026-07-01 至 2026-09-30）');
    const ratings = await call(hall.url, 'GET', `/v1/manager/reports/ratings${q({ ...Q3, windowId: '2' })}`, { token: manager });
    const r = RatingReport.parse(ratings.json);
    expect(r.total.rated).toBe(inQ3(built.ratings).filter((x) => x.windowId === 2 && x.level !== null).length);
    expect(r.views.window.map((row) => row.key)).toEqual(['2']);
  });

  it('exports the quarter as .xlsx: a sheet per view and 差评明细, title row, Chinese headers, numbers as numbers', async () => {
    const answer = await call(hall.url, 'GET', `/v1/manager/reports/workbook${q(Q3)}`, { token: manager });
    expect(answer.status).toBe(200);
    const file = ReportWorkbook.parse(answer.json);
    expect(file.fileName).toBe('XX市政务服务中心-好差评与工作量统计-2026-07-01至2026-09-30.xlsx');
    const bytes = Buffer.from(file.base64, 'base64');
    expect(bytes.length).toBe(file.bytes);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['按窗口', '按人员', '按业务类型', '按事项', '差评明细']);

    const w = WorkloadReport.parse((await call(hall.url, 'GET', `/v1/manager/reports/workload${q(Q3)}`, { token: manager })).json);
    const r = RatingReport.parse((await call(hall.url, 'GET', `/v1/manager/reports/ratings${q(Q3)}`, { token: manager })).json);
    const firstHeaders = { 按窗口: '窗口', 按人员: '工作人员', 按业务类型: '业务类型', 按事项: '事项' } as const;
    const views = { 按窗口: 'window', 按人员: 'staff', 按业务类型: 'line', 按事项: 'item' } as const;
    for (const [sheetName, view] of Object.entries(views) as [keyof typeof views, (typeof views)[keyof typeof views]][]) {
      const sheet = book.getWorksheet(sheetName)!;
      expect(sheet.getCell('A1').value).toBe(`XX市政务服务中心 好差评与工作量统计（${sheetName}）  统计期间：2026年第3季度（2026-07-01 至 2026-09-30）`);
      expect(sheet.getRow(2).values).toEqual([undefined, firstHeaders[sheetName], ...VIEW_SHEET_HEADERS]);
      expect(VIEW_SHEET_HEADERS).toEqual(expect.arrayContaining(['服务量', '平均等候（分钟）', 'P90办理（分钟）', '评价率', LEVEL_NAME[5], LEVEL_NAME[1], '好评率', '差评', '按期回访']));
      const rows = w.views[view];
      expect(sheet.rowCount).toBe(2 + rows.length + 1);
      rows.forEach((row, i) => {
        const cells = sheet.getRow(3 + i);
        const rating = r.views[view][i]!;
        expect(cells.getCell(1).value).toBe(row.name);
        expect(cells.getCell(2).value).toBe(row.served);
        expect(cells.getCell(3).value).toBe(row.waitAvg === null ? null : Math.round(row.waitAvg / 6) / 10);
        expect(cells.getCell(5).value).toBe(row.serviceAvg === null ? null : Math.round(row.serviceAvg / 6) / 10);
        expect(cells.getCell(7).value).toBe(rating.rated);
        expect(cells.getCell(9).value).toBe(rating.ratingRate);
        expect(cells.getCell(10).value).toBe(rating.levels[5]);
        expect(cells.getCell(15).value).toBe(rating.goodRate);
        expect(cells.getCell(16).value).toBe(rating.bad);
        expect(cells.getCell(18).value).toBe(rating.badOnTime);
        for (const column of [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21]) {
          const value = cells.getCell(column).value;
          if (value !== null) expect({ column, type: typeof value }).toEqual({ column, type: 'number' });
        }
        expect(cells.getCell(9).numFmt).toBe('0.0%');
        expect(cells.getCell(3).numFmt).toBe('0.0');
      });
      const total = sheet.getRow(3 + rows.length);
      expect(total.getCell(1).value).toBe('合计');
      expect(total.getCell(2).value).toBe(w.total.served);
      expect(total.getCell(7).value).toBe(r.total.rated);
      expect(total.getCell(16).value).toBe(r.total.bad);
    }
    const bad = book.getWorksheet('差评明细')!;
    expect(bad.getRow(2).values).toEqual([undefined, ...BAD_SHEET_HEADERS]);
    expect(bad.rowCount).toBe(2 + r.badRatings.length);
    expect(bad.getRow(3).getCell(1).value).toBe(r.badRatings[0]!.day);
    expect(r.badRatings.length).toBe(inQ3(built.ratings).filter((x) => x.level !== null && x.level <= 2).length);
  });

  it('a clerk, a kiosk, or a counter with no manager signed in → 403 with a Chinese message', async () => {
    for (const path of ['ratings', 'workload', 'workbook']) {
      for (const token of [clerk, kiosk, idle]) {
        const error = refusal(await call(hall.url, 'GET', `/v1/manager/reports/${path}${q(Q3)}`, { token }), 403, 'FORBIDDEN');
        expect(error.message).toBe('统计报表仅限大厅管理员使用，请由管理员登录后操作');
      }
      refusal(await call(hall.url, 'GET', `/v1/manager/reports/${path}${q(Q3)}`), 401, 'UNAUTHORIZED');
    }
  });

  it.each([
    ['end before start', { from: '2026-09-30', to: '2026-07-01' }, /结束日期 2026-07-01 早于开始日期 2026-09-30/],
    ['over a year', { from: '2025-01-01', to: '2026-01-02' }, /超过一年/],
    ['unknown window', { ...Q3, windowId: '99' }, /窗口 99 不存在/],
    ['unknown staff number', { ...Q3, staffNo: '9999' }, /工号 9999 不存在/],
    ['malformed date', { from: '2026/07/01', to: '2026-09-30' }, /开始日期格式应为 YYYY-MM-DD/],
    ['no such day', { from: '2026-02-30', to: '2026-03-31' }, /开始日期不是有效的日期/],
    ['missing end', { from: '2026-07-01' }, /结束日期/],
    ['window not a number', { ...Q3, windowId: 'abc' }, /窗口编号应为正整数/],
  ])('%s → 400, a Chinese message, nothing changed', async (_, params, message) => {
    const before = tableDigests(hall.dbPath);
    for (const path of ['ratings', 'workload', 'workbook']) {
      const error = refusal(await call(hall.url, 'GET', `/v1/manager/reports/${path}${q(params as Record<string, string>)}`, { token: manager }), 400, 'BAD_REQUEST');
      expect(error.message).toMatch(message);
    }
    expect(tableDigests(hall.dbPath)).toEqual(before);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await call(hall.url, 'GET', '/v1/openapi.json')).json as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/v1/manager/reports/ratings']!.get!.operationId).toBe('ratingReport');
    expect(doc.paths['/v1/manager/reports/workload']!.get!.operationId).toBe('workloadReport');
    expect(doc.paths['/v1/manager/reports/workbook']!.get!.operationId).toBe('reportWorkbook');
  });
});
