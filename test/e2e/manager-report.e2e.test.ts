// End to end in real Chromium (issue 17, reports): a hall manager at window 4
// opens 管理台 (Alt+O) → 统计报表 (Alt+4), goes back one quarter (PgUp) to
// 2026 Q3 — the quarter known by construction (test/helpers/report-hall.ts),
// written into the real hall server's file — and sees its figures, charts
// (ECharts canvases) and table; the 按人员 view; then 导出 Excel (Alt+E)
// saves the hall server's .xlsx, opened here with exceljs; one window picked
// narrows the figures and the title says so. A custom range
// that ends before it starts is refused in Chinese. Screenshots at 1366×768:
// the quarter, the page as printed, and one window's.
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { screenshot, signIn, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { buildReportHall, Q3, type BuiltHall } from '../helpers/report-hall.ts';

let hall: TestHallServer;
let built: BuiltHall;
let browser: Browser;
let counter: E2eCounter | null = null;
let page: Page;

const byId = (id: string) => page.getByTestId(id);
/** How long to wait for an answer on a loaded machine (a wait, not a timed assertion). */
const WAIT = { timeout: 20_000 };
const inQ3 = <T extends { day: string }>(rows: T[]) => rows.filter((r) => r.day >= Q3.from && r.day <= Q3.to);

beforeAll(async () => {
  hall = await startHallServer();
  const db = new Database(join(hall.dataDir, 'hall.sqlite'));
  db.pragma('foreign_keys = ON');
  built = buildReportHall(db);
  db.close();
  counter = await startE2eCounter(hall, { windowId: 4 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(counter.host.clerkUrl);
  await signIn(page, '1006');
});

afterAll(async () => {
  await browser?.close();
  await counter?.close();
  await hall?.close();
});

describe('统计报表 in the 管理台', () => {
  it('the quarter: figures, charts and the table per window, then per clerk', async () => {
    await page.keyboard.press('Alt+O');
    await byId('manager-desk').waitFor();
    await page.keyboard.press('Alt+4');
    await byId('reports').waitFor();
    // Opens on this quarter; PgUp: the one before, 2026 Q3 (the test runs in 2026 Q4).
    await byId('report-title').waitFor();
    await page.keyboard.press('PageUp');
    await expect.poll(() => byId('report-title').textContent(), WAIT).toContain('2026年第3季度（2026-07-01 至 2026-09-30）');
    const served = inQ3(built.services).length;
    await expect.poll(() => byId('report-figures').textContent(), WAIT).toContain(`${served.toLocaleString('zh-CN')} 人次`);
    const bad = inQ3(built.ratings).filter((r) => r.level !== null && r.level <= 2).length;
    expect(await byId('report-figures').textContent()).toContain(`${bad} 条`);
    const rows = byId('report-table').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    const windowServed = inQ3(built.services).filter((s) => s.windowId === 2).length;
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe(windowServed.toLocaleString('zh-CN'));
    expect(await rows.nth(1).locator('td').first().textContent()).toBe('2号窗口');
    for (const chart of ['report-chart-served', 'report-chart-levels']) {
      expect(await byId(chart).locator('canvas').count()).toBe(1);
    }
    expect(await byId('report-bad-list').locator('tbody tr.ant-table-row').count()).toBe(bad);
    await screenshot(page, 'manager-report-quarter.png');

    await byId('report-views').getByText('按人员').click();
    await expect.poll(() => rows.count(), WAIT).toBe(5);
    expect(await rows.first().locator('td').first().textContent()).toBe('王丽华（1001）');
  });

  it('导出 Excel (Alt+E) saves the hall server’s .xlsx of the quarter', async () => {
    const download = page.waitForEvent('download');
    await page.keyboard.press('Alt+E');
    const file = await download;
    expect(file.suggestedFilename()).toBe('XX市政务服务中心-好差评与工作量统计-2026-07-01至2026-09-30.xlsx');
    const path = join(mkdtempSync(join(tmpdir(), 'halldesk-report-e2e-')), file.suggestedFilename());
    await file.saveAs(path);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(path) as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['按窗口', '按人员', '按业务类型', '按事项', '差评明细']);
    const sheet = book.getWorksheet('按窗口')!;
    expect(String(sheet.getCell('A1').value)).toContain('2026年第3季度');
    expect(sheet.getRow(3 + 3).getCell(2).value).toBe(inQ3(built.services).length);
    await expect.poll(() => byId('report-exported').textContent(), WAIT).toContain('已导出');
  });

  it('as printed: only the report, on the page', async () => {
    await page.emulateMedia({ media: 'print' });
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    expect(await page.locator('.report-toolbar').isVisible()).toBe(false);
    expect(await page.locator('.desk-head').isVisible()).toBe(false);
    expect(await byId('report-title').isVisible()).toBe(true);
    await screenshot(page, 'manager-report-print.png');
    await page.emulateMedia({ media: 'screen' });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  });

  it('one window: the figures and views of window 2 only, said in the title', async () => {
    await byId('report-window').click();
    await page.locator('.ant-select-item-option[title="2号窗口"]').click();
    await expect.poll(() => byId('report-title').textContent(), WAIT).toContain('· 2号窗口');
    const served = inQ3(built.services).filter((s) => s.windowId === 2).length;
    expect(await byId('report-figures').textContent()).toContain(`${served.toLocaleString('zh-CN')} 人次`);
    await byId('report-views').getByText('按窗口').click();
    const rows = byId('report-table').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(await rows.first().locator('td').first().textContent()).toBe('2号窗口');
    await screenshot(page, 'manager-report-window.png');
  });

  it('a custom range that ends before it starts: the server’s Chinese message, no figures', async () => {
    await byId('report-period-kind').getByText('自定义').click();
    await byId('report-from').fill('2026-09-30');
    await byId('report-to').fill('2026-07-01');
    await expect.poll(() => byId('report-error').textContent(), WAIT).toContain('结束日期 2026-07-01 早于开始日期 2026-09-30');
    expect(await byId('report-figures').count()).toBe(0);
  });
});
