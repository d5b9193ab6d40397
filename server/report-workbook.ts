// 统计报表 as an .xlsx (exceljs): one sheet per view (按窗口, 按人员, 按业务类型,
// 按事项) and one of 差评明细; each opens with a title row naming the hall and
// the period, then Chinese headers, then the rows and a 合计 row. Numbers are
// numbers (counts, minutes with one decimal, rates as fractions shown as %),
// never text, so the centre can sum and sort them in its own sheets.
import type ExcelJS from 'exceljs';
import { LEVEL_NAME } from '../common/ratings.ts';
import {
  DEADLINE_LABEL,
  REPORT_VIEWS,
  VIEW_KEY_HEADER,
  VIEW_LABEL,
  type RatingReport,
  type RatingRow,
  type ReportWorkbook,
  type WorkloadReport,
  type WorkloadRow,
} from '../common/reports.ts';
import { FOLLOW_UP_LABEL } from '../common/ratings.ts';

const COUNT = '0';
const MINUTES = '0.0';
const PERCENT = '0.0%';

/** The columns of a view's sheet: header, width, number format, and the figure from both rows. */
const COLUMNS: { header: string; width: number; numFmt?: string; value: (w: WorkloadRow, r: RatingRow) => string | number | null }[] = [
  { header: '服务量', width: 9, numFmt: COUNT, value: (w) => w.served },
  { header: '平均等候（分钟）', width: 12, numFmt: MINUTES, value: (w) => minutes(w.waitAvg) },
  { header: 'P90等候（分钟）', width: 12, numFmt: MINUTES, value: (w) => minutes(w.waitP90) },
  { header: '平均办理（分钟）', width: 12, numFmt: MINUTES, value: (w) => minutes(w.serviceAvg) },
  { header: 'P90办理（分钟）', width: 12, numFmt: MINUTES, value: (w) => minutes(w.serviceP90) },
  { header: '评价数', width: 9, numFmt: COUNT, value: (_, r) => r.rated },
  { header: '未评价', width: 9, numFmt: COUNT, value: (_, r) => r.notRated },
  { header: '评价率', width: 9, numFmt: PERCENT, value: (_, r) => r.ratingRate },
  { header: LEVEL_NAME[5], width: 9, numFmt: COUNT, value: (_, r) => r.levels[5] },
  { header: LEVEL_NAME[4], width: 9, numFmt: COUNT, value: (_, r) => r.levels[4] },
  { header: LEVEL_NAME[3], width: 9, numFmt: COUNT, value: (_, r) => r.levels[3] },
  { header: LEVEL_NAME[2], width: 9, numFmt: COUNT, value: (_, r) => r.levels[2] },
  { header: LEVEL_NAME[1], width: 11, numFmt: COUNT, value: (_, r) => r.levels[1] },
  { header: '好评率', width: 9, numFmt: PERCENT, value: (_, r) => r.goodRate },
  { header: '差评', width: 7, numFmt: COUNT, value: (_, r) => r.bad },
  { header: '已回访', width: 8, numFmt: COUNT, value: (_, r) => r.badCalledBack },
  { header: '按期回访', width: 9, numFmt: COUNT, value: (_, r) => r.badOnTime },
  { header: '逾期', width: 7, numFmt: COUNT, value: (_, r) => r.badOverdue },
  { header: '处理中', width: 8, numFmt: COUNT, value: (_, r) => r.badOpen },
  { header: '未登记回访', width: 10, numFmt: COUNT, value: (_, r) => r.badNoFollowUp },
  { header: '按期回访率', width: 10, numFmt: PERCENT, value: (_, r) => r.onTimeRate },
];

/** Headers of every view's sheet after its first column. */
export const VIEW_SHEET_HEADERS = COLUMNS.map((column) => column.header);
export const BAD_SHEET_NAME = '差评明细';
export const BAD_SHEET_HEADERS = ['日期', '窗口', '工作人员', '事项', '票号', '评价', '回访状态', '回访期限', '回访日期', '是否按期'];

const minutes = (seconds: number | null): number | null => (seconds === null ? null : Math.round(seconds / 6) / 10);

function titleRow(sheet: ExcelJS.Worksheet, title: string, width: number): void {
  const row = sheet.addRow([title]);
  sheet.mergeCells(1, 1, 1, width);
  row.height = 24;
  row.getCell(1).font = { bold: true, size: 14 };
  row.getCell(1).alignment = { horizontal: 'center', vertical: 'middle' };
}

function headerRow(sheet: ExcelJS.Worksheet, headers: string[]): void {
  const row = sheet.addRow(headers);
  row.font = { bold: true };
  row.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  row.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
    cell.border = { bottom: { style: 'thin' } };
  });
}

export async function reportWorkbook(workload: WorkloadReport, ratings: RatingReport): Promise<ReportWorkbook> {
  // Loaded on the first export only (a chunk of its own in the bundle): an idle hall server stays small.
  const { default: excel } = await import('exceljs');
  const book = new excel.Workbook();
  book.creator = workload.hallName;
  book.created = new Date(workload.generatedAt);
  const title = (what: string) => `${workload.hallName} 好差评与工作量统计（${what}）  统计期间：${workload.periodLabel}`;

  for (const view of REPORT_VIEWS) {
    const sheet = book.addWorksheet(VIEW_LABEL[view], { views: [{ state: 'frozen', xSplit: 1, ySplit: 2 }] });
    sheet.columns = [{ width: view === 'item' ? 34 : 18 }, ...COLUMNS.map((c) => ({ width: c.width }))];
    titleRow(sheet, title(VIEW_LABEL[view]), COLUMNS.length + 1);
    headerRow(sheet, [VIEW_KEY_HEADER[view], ...VIEW_SHEET_HEADERS]);
    const rows = workload.views[view].map((w) => [w, ratings.views[view].find((r) => r.key === w.key)!] as const);
    for (const [w, r] of [...rows, [workload.total, ratings.total] as const]) {
      const row = sheet.addRow([w.name, ...COLUMNS.map((c) => c.value(w, r))]);
      COLUMNS.forEach((column, i) => {
        if (column.numFmt) row.getCell(i + 2).numFmt = column.numFmt;
      });
      if (w === workload.total) row.font = { bold: true };
    }
  }

  const sheet = book.addWorksheet(BAD_SHEET_NAME, { views: [{ state: 'frozen', ySplit: 2 }] });
  sheet.columns = [12, 12, 16, 30, 9, 11, 10, 12, 12, 14].map((width) => ({ width }));
  titleRow(sheet, title(BAD_SHEET_NAME), BAD_SHEET_HEADERS.length);
  headerRow(sheet, BAD_SHEET_HEADERS);
  for (const bad of ratings.badRatings) {
    sheet.addRow([
      bad.day,
      bad.windowName,
      bad.staffName,
      bad.itemName,
      bad.ticketNumber ?? '',
      LEVEL_NAME[bad.level],
      bad.followUpState ? FOLLOW_UP_LABEL[bad.followUpState] : '未登记',
      bad.dueDate ?? '',
      bad.calledBackOn ?? '',
      DEADLINE_LABEL[bad.deadline],
    ]);
  }
  if (ratings.badRatingsTruncated) sheet.addRow([`（差评超过 ${ratings.badRatings.length} 条，仅列出前 ${ratings.badRatings.length} 条；请缩短统计区间查看其余）`]);

  const buffer = Buffer.from(await book.xlsx.writeBuffer());
  return {
    fileName: `${workload.hallName}-好差评与工作量统计-${workload.from}至${workload.to}.xlsx`,
    base64: buffer.toString('base64'),
    bytes: buffer.length,
  };
}
